"""Grade a whole class with real nbgrader, in parallel, with progress, and only what changed.

One job is one student's submission of one assignment. Grading workers (worker.py) each run
nbgrader's own ``autograde`` and ``generate_feedback`` on their jobs; every notebook still runs in
a fresh kernel. The workers are a pool of processes on this machine, or, given a scheduler's
address, the workers of a Dask cluster (cluster.py): the same jobs, the same worker code. A job
takes the submitted files to its worker and brings the graded notebook and feedback page back;
this process writes them into the course. Grades go from the workers to the course's gradebook
(SQLite waits for the lock rather than failing, see nbgrader_config.py; PostgreSQL takes
concurrent writers as it is, and is the one a cluster's workers can reach). A job's digest is
recorded only after its grades and feedback are written, so a grader stopped halfway regrades
exactly the unfinished jobs on the next run.
"""
import hashlib
import json
import os
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from tqdm import tqdm

from . import folders, gradebook, nbgrader_commands, failures, repair, worker
from .third_party import quiet
from .window import windowed
from .isolation import sandbox
from .worker import Job, Outcome  # noqa: F401  (the names a job and its result go by)


def submissions(course, assignments):
    """Every (student, assignment) submitted under ``course``/submitted/, as Jobs."""
    root = folders.folder(course, "submitted")
    if not root.is_dir():
        return []
    return [Job(s.name, a) for s in sorted(root.iterdir()) if s.is_dir()
            for a in assignments if folders.folder(course, "submitted", s.name, a).is_dir()]


def submitted_files(course, job):
    """{path relative to the submission's folder: contents} of ``job``'s submitted files."""
    return worker.files_in(folders.folder(course, "submitted", job.student, job.assignment))


def digest(files):
    """A fingerprint of a submission's files: names and contents."""
    h = hashlib.sha256()
    for name, data in sorted(files.items()):
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()


class Ledger:
    """The digest of every job graded to the end, in autograded/.digests.json (written atomically)."""

    def __init__(self, course):
        self.path = folders.folder(course, "autograded") / ".digests.json"
        self.entries = json.loads(self.path.read_text()) if self.path.exists() else {}

    @staticmethod
    def key(job):
        return f"{job.student}/{job.assignment}"

    def is_current(self, job, value):
        return self.entries.get(self.key(job)) == value

    def record(self, job, value):
        self.entries[self.key(job)] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


def prepare_gradebook(course, assignments, students):
    """Make sure the gradebook knows each assignment with its source cells (nbgrader
    generate_assignment, without touching the course's release/ folder) and every student.
    Students are added here, once, so that two workers never race to add the same one."""
    from nbgrader.api import Gradebook, MissingEntry

    nbgrader_commands.gradebooks_here()  # the gradebook may be new; the workers forked later inherit this
    with quiet(), Gradebook(gradebook.db_url(course)) as gb:
        for student in students:
            gb.update_or_create_student(student)
        missing = []
        for a in assignments:
            try:
                if not gb.find_assignment(a).notebooks:
                    missing.append(a)
            except MissingEntry:
                missing.append(a)
    with tempfile.TemporaryDirectory() as scratch:
        for a in missing:
            nbgrader_commands.generate_assignment(course, a, release_directory=scratch)


def grade(course, assignments=None, jobs=None, force=False, progress=True, warm=True, sandboxed=True, scheduler=None,
          execute=False):
    """Autograde and write feedback for every new or changed submission, then export grades.csv.
    ``warm``: run the notebooks in kernels forked from a warm process (see isolation/zygote.py)
    rather than in kernels that each start Python and import torch anew. ``sandboxed``: run
    them in the grading sandbox (sandbox.py); only turn it off for notebooks you trust.
    ``scheduler``: the address of a Dask scheduler whose workers grade (cluster.py), instead of
    ``jobs`` processes here. ``execute``: run each notebook again in a kernel before judging it, for
    fresh outputs (by default the student's own are kept).

    Returns the list of Outcomes of the jobs that ran.
    """
    course = Path(course).resolve()
    if scheduler:
        from . import cluster

        cluster.refuse_sqlite(course)
    else:
        why = sandbox.unavailable() if sandboxed else None
        if why:
            raise SystemExit(why)
    assignments = assignments or folders.assignments(course)
    found = submissions(course, assignments)
    prepare_gradebook(course, assignments, sorted({job.student for job in found}))
    folders.folder(course, "autograded").mkdir(exist_ok=True)
    ledger = Ledger(course)
    # The files are read again when a job is sent (a class's notebooks need not all be in memory at once).
    todo = [job for job in found if force or not ledger.is_current(job, digest(submitted_files(course, job)))]
    outcomes = []
    if todo:
        setup = dict(course_kit=worker.kit(course), db_url=gradebook.db_url(course), warm=warm, sandboxed=sandboxed,
                     execute=execute)
        if scheduler:
            results = cluster.grade(scheduler, todo, lambda job: submitted_files(course, job), **setup)
        else:
            results = _pool(course, todo, jobs, setup)
        bar = tqdm(results, total=len(todo), desc="autograde", unit="notebook", disable=not progress, file=sys.stderr)
        for outcome, files in bar:
            job = outcome.job
            outcomes.append(outcome)
            if outcome.retry:  # nothing recorded: the next run grades it
                bar.write(f"✗ {job.student}/{job.assignment}: not graded: {outcome.reason}")
                continue
            if outcome.ok:
                for stage, written in outcome.files.items():
                    worker.write_files(written, folders.folder(course, stage, job.student, job.assignment))
                failures.clear(course, job.student, job.assignment)
            else:  # zero with the reason, in the gradebook, the feedback and the class report
                failures.record(course, job.student, job.assignment, outcome.reason)
                bar.write(f"✗ {job.student}/{job.assignment}: {outcome.reason}")
            # what was repaired before grading, for the grade table (its feedback page says it too)
            repair.record(course, job.student, job.assignment, outcome.repairs if outcome.ok else [])
            ledger.record(job, digest(files))
    gradebook.export_grades(course)
    return outcomes


def _pool(course, todo, jobs, setup):
    """(Outcome, the files graded) of each job, as they finish, from a pool of worker processes here."""
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    threads = max(1, (os.cpu_count() or 1) // workers)
    # The workers' and their kernels' chatter on stderr goes to a log, off the progress bar.
    log = folders.folder(course, "autograded") / ".kernels.log"
    worker.preload(course, {job.assignment for job in todo})  # once here, and every worker forked below has it
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch, \
            ProcessPoolExecutor(workers, initializer=_start, initargs=(setup, scratch, threads, str(log))) as pool:
        yield from windowed(todo, lambda job, files: pool.submit(worker.grade, job, files),
                            lambda pending: wait(pending, return_when=FIRST_COMPLETED).done,
                            lambda job: submitted_files(course, job), 2 * workers)


def _start(setup, scratch, threads, log):
    os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), 2)
    worker.start(scratch=scratch, threads=threads, **setup)
