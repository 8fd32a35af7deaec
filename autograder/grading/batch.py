"""Grade a whole class with real nbgrader, in parallel, with progress, and only what changed.

One job is one student's submission of one assignment. A pool of worker processes each
holds an ``NbGraderAPI`` for the course and runs nbgrader's own ``autograde`` and
``generate_feedback`` on its jobs; every notebook still runs in a fresh kernel. All workers
write to the course's gradebook (SQLite waits for the lock rather than failing, see
nbgrader_config.py; PostgreSQL takes concurrent writers as it is). A job's digest is recorded
only after its grades and feedback are written, so a grader stopped halfway regrades exactly
the unfinished jobs on the next run.

Each worker also keeps a warm process that has imported torch and numpy once, and every
notebook's kernel is forked from it: a new process with a fresh interpreter, without paying
the start-up and imports again (warm_kernel.py).
"""
import hashlib
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from . import course_files, failures, submission
from .isolation import sandbox


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str


@dataclass
class Outcome:
    job: Job
    ok: bool
    reason: str = ""


def submissions(course, assignments):
    """Every (student, assignment) submitted under ``course``/submitted/, as Jobs."""
    root = course_files.folder(course, "submitted")
    if not root.is_dir():
        return []
    return [Job(s.name, a) for s in sorted(root.iterdir()) if s.is_dir()
            for a in assignments if course_files.folder(course, "submitted", s.name, a).is_dir()]


def digest(course, job):
    """A fingerprint of the submitted files of ``job``: names and contents."""
    folder = course_files.folder(course, "submitted", job.student, job.assignment)
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class Ledger:
    """The digest of every job graded to the end, in autograded/.digests.json (written atomically)."""

    def __init__(self, course):
        self.path = course_files.folder(course, "autograded") / ".digests.json"
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
    import tempfile

    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course_files.db_url(course)) as gb:
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
            course_files.nbgrader(course, "generate_assignment", a, "--force",
                                  f"--CourseDirectory.release_directory={scratch}")


_API = None


# Math libraries' thread pools, which kernels inherit from their worker's environment.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _start_worker(course, threads, warm, sandboxed):
    global _API
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from .isolation import sandbox, warm_kernel

    # Several kernels at once, each with a thread per core, would fight over the cores (OpenMP
    # threads spin while they wait): give each worker's kernels its share of the cores instead.
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    os.chdir(course)
    # Kernels inherit this worker's stderr; keep their start-up chatter in a log, off the progress bar.
    log = os.open(course_files.folder(course, "autograded") / ".kernels.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    config = course_files.load_config(course)
    limits = sandbox.GradingLimits(config=config)
    # Every kernel comes from this worker's kernel process, in the sandbox (warm_kernel.py);
    # warm: forked after torch is imported once; cold: a new Python for every notebook.
    warm_kernel.start_zygote(sandboxed=sandboxed, cold=not warm,
                             limits=limits.as_dict())
    config.Execute.kernel_name = warm_kernel.KERNEL_NAME
    _API = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _grade(job):
    """Worker: nbgrader autograde, then generate_feedback, for one job."""
    from .isolation import warm_kernel

    warm_kernel.ensure_zygote()  # the job before may have killed it
    root = Path(_API.coursedir.root)
    source = course_files.source_notebooks(root)[job.assignment]
    wrong = submission.ungradable(course_files.folder(root, "submitted", job.student, job.assignment), {source.name: source})
    if wrong:
        return Outcome(job, False, wrong)
    result = _API.autograde(job.assignment, job.student, force=True, create=True)
    if not result["success"]:
        return Outcome(job, False, _last_line(f"{result.get('log') or ''}\n{result.get('error') or ''}"))
    result = _API.generate_feedback(job.assignment, job.student, force=True)
    if not result["success"]:
        return Outcome(job, False, "feedback: " + _last_line(f"{result.get('log') or ''}\n{result.get('error') or ''}"))
    return Outcome(job, True)


def _last_line(text):
    """The error that stopped nbgrader, in one line: its last exception other than nbgrader's
    own 'see the above traceback' wrapper."""
    errors = [m.group(1) for m in re.finditer(r"^\s*([\w.]+(?:Error|Exception|Exit)\b.*)$", text, re.M)
              if "NbGraderException" not in m.group(1)]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return errors[-1] if errors else (lines[-1] if lines else "unknown error")


def grade(course, assignments=None, jobs=None, force=False, progress=True, warm=True, sandboxed=True):
    """Autograde and write feedback for every new or changed submission, then export grades.csv.
    ``warm``: run the notebooks in kernels forked from a warm process (see warm_kernel.py)
    rather than in kernels that each start Python and import torch anew. ``sandboxed``: run
    them in the grading sandbox (sandbox.py); only turn it off for notebooks you trust.

    Returns the list of Outcomes of the jobs that ran.
    """
    course = Path(course).resolve()
    why = sandbox.unavailable() if sandboxed else None
    if why:
        raise SystemExit(why)
    course_files.environment_first()
    assignments = assignments or course_files.assignments(course)
    found = submissions(course, assignments)
    prepare_gradebook(course, assignments, sorted({job.student for job in found}))
    course_files.folder(course, "autograded").mkdir(exist_ok=True)
    ledger = Ledger(course)
    todo = [(job, digest(course, job)) for job in found]
    todo = [(job, d) for job, d in todo if force or not ledger.is_current(job, d)]
    outcomes = []
    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(str(course), threads, warm, sandboxed)) as pool:
            futures = {pool.submit(_grade, job): (job, d) for job, d in todo}
            bar = tqdm(as_completed(futures), total=len(futures), desc="autograde", unit="notebook",
                       disable=not progress, file=sys.stderr)
            for future in bar:
                job, d = futures[future]
                outcome = future.result()
                outcomes.append(outcome)
                if outcome.ok:
                    failures.clear(course, job.student, job.assignment)
                else:  # zero with the reason, in the gradebook, the feedback and the class report
                    failures.record(course, job.student, job.assignment, outcome.reason)
                    bar.write(f"✗ {job.student}/{job.assignment}: {outcome.reason}")
                ledger.record(job, d)
    course_files.nbgrader(course, "export", "--to", str(course / "grades.csv"))
    return outcomes
