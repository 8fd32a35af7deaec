"""One grading worker: set up once, then one job after another.

The same code runs in each process of the local pool and on each Dask worker (cluster.py). A
worker grades in a course folder of its own, its workspace, made from the course's kit (its
nbgrader_config.py and source/) and pointed at the course's gradebook. So it needs nothing of the
instructor's file system: a job brings the submitted files, and the graded notebook and the
feedback page go back as files, for the process that runs ``make grade`` to write into the course.

Each worker also keeps a warm process that has imported torch and numpy once, and every
notebook's kernel is forked from it: a new process with a fresh interpreter, without paying
the start-up and imports again (isolation/zygote.py).
"""
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import folders, failures, lasting, nbgrader_commands, submission
from .third_party import quiet
from .isolation import sandbox, zygote_control


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str


@dataclass
class Outcome:
    job: Job
    ok: bool
    reason: object = ""  # why not: a failures.Reason, or (with retry) the worker's failure in words
    # {stage ("autograded", "feedback"): {path inside the stage's folder for this job: contents}}
    files: dict = field(default_factory=dict)
    # True when the job did not end (its workers were lost, the worker failed): nothing is recorded,
    # and the next `make grade` tries it again.
    retry: bool = False
    # What was repaired before grading (repair.py), as messages' data ({key, values}): the instructor's table.
    repairs: list = field(default_factory=list)


# What a job sends back: nbgrader's two folders for one submission.
RESULTS = ("autograded", "feedback")


def files_in(folder):
    """{path relative to ``folder``: contents} of the regular files under it. Symbolic links are left
    out: the grader would read whatever they point to, and hand it to the submission's kernel."""
    folder = Path(folder)
    found = {}
    for top, dirs, names in os.walk(folder):  # does not follow links to folders
        for name in names:
            path = Path(top) / name
            if not path.is_symlink() and path.is_file():
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return dict(sorted(found.items()))


def write_files(files, folder):
    """Write {relative path: contents} under ``folder``, which is emptied first."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise ValueError(f"not a path inside the folder: {name!r}")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def kit(course):
    """What a worker needs of the course, as files: {path relative to the course: contents}."""
    course = Path(course)
    files = {"nbgrader_config.py": (course / "nbgrader_config.py").read_bytes()}
    source = folders.folder(course, "source")
    files.update({f"{source.relative_to(course).as_posix()}/{name}": data for name, data in files_in(source).items()})
    return files


def preload(course, assignments):
    """Import what a worker's first job would otherwise import (nbgrader's preprocessors, the judge, its checks
    and torch; torch._dynamo too when one of ``assignments`` uses torch's optimizers, whose first step in the
    checks imports it: about 1.6 s): called in the process that forks the workers, before it does, so that each
    worker starts with them instead of importing them again."""
    with lasting.imports():  # and every worker forked from here has them, out of the garbage collector's way
        import nbformat
        import torch  # noqa: F401

        from . import judge
        from .plugins import feedback, verdicts  # noqa: F401

        sources = folders.source_notebooks(course)
        if any(judge.uses_optimizers(nbformat.read(sources[a], as_version=4)) for a in assignments):
            import torch._dynamo  # noqa: F401


_api = None       # this worker's NbGraderAPI, on its workspace
_refusal = None   # why this worker cannot grade, when it cannot


def start(course_kit, db_url, scratch, warm=True, sandboxed=True, execute=False, threads=None, log=None):
    """Set this process up as a grading worker: its workspace (a course folder made from
    ``course_kit`` in a new folder under ``scratch``, with the gradebook ``db_url``), its warm
    kernel process (in the sandbox when ``sandboxed``) and nbgrader. ``execute``: run each notebook
    again in a kernel before it is judged (nbgrader_config.py's AUTOGRADER_EXECUTE). ``threads``: the math
    libraries' threads for each kernel; ``log``: a file for what the kernels write to stderr (their
    start-up chatter), this process's stderr otherwise. Returns why this worker cannot grade (no
    sandbox here), or None."""
    global _api, _refusal
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _refusal = sandbox.unavailable() if sandboxed else None
    if _refusal:
        return _refusal
    if threads:
        # Several kernels at once, each with a thread per core, would fight over the cores (OpenMP
        # threads spin while they wait): each worker's kernels get their share of the cores instead.
        for name in sandbox.THREAD_VARIABLES:
            os.environ[name] = str(threads)
    os.environ["AUTOGRADER_EXECUTE"] = "1" if execute else "0"  # read by the course's nbgrader_config.py
    workspace = Path(tempfile.mkdtemp(prefix="course-", dir=scratch))
    write_files(course_kit, workspace)
    os.chdir(workspace)
    config = folders.load_config(workspace)
    config.CourseDirectory.db_url = db_url
    limits = sandbox.GradingLimits(config=config)
    # Every kernel comes from this worker's kernel process, in the sandbox (isolation/zygote.py);
    # warm: forked after torch is imported once; cold: a new Python for every notebook.
    zygote_control.start_zygote(sandboxed=sandboxed, cold=not warm, limits=limits.as_dict(), log=log)
    config.Execute.kernel_name = zygote_control.KERNEL_NAME
    nbgrader_commands.gradebooks_here()  # a worker on a cluster is a process of its own
    _api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    lasting.keep()  # nbgrader's API and the worker's set-up; on a cluster, where nothing was preloaded, all of it
    return None


def stop():
    """End this worker's kernel process and remove its workspace."""
    global _api
    zygote_control.stop_zygote()
    if _api is not None:
        os.chdir(Path(_api.coursedir.root).parent)  # not a folder about to be removed
        shutil.rmtree(_api.coursedir.root, ignore_errors=True)
    _api = None


def grade(job, files):
    """nbgrader autograde, then generate_feedback, for one student's submission of one assignment,
    whose files are ``files`` ({path relative to the submission's folder: contents})."""
    if _api is None:
        raise RuntimeError(_refusal or "this grading worker was not started")
    zygote_control.ensure_zygote()  # the job before may have killed it
    root = Path(_api.coursedir.root)
    submitted = folders.folder(root, "submitted", job.student, job.assignment)
    results = {stage: folders.folder(root, stage, job.student, job.assignment) for stage in RESULTS}
    write_files(files, submitted)
    try:
        outcome = _grade(job, root, submitted)
        if outcome.ok:
            outcome.files = {stage: files_in(folder) for stage, folder in results.items()}
        return outcome
    finally:  # the workspace keeps nothing of a job: the next one may be anyone's
        for folder in [submitted, *results.values()]:
            shutil.rmtree(folder, ignore_errors=True)


def _grade(job, root, submitted):
    source = folders.source_notebooks(root)[job.assignment]
    wrong, done = submission.prepare(submitted, {source.name: source})
    repairs = [m.as_dict() for m in done]
    if wrong:
        return Outcome(job, False, wrong, repairs=repairs)
    with quiet():  # nbgrader's gradebook warns as it adds a submission: nothing for the kernels' log either
        result = _api.autograde(job.assignment, job.student, force=True, create=True)
    if not result["success"]:
        return Outcome(job, False, failures.from_nbgrader(_last_line(f"{result.get('log') or ''}\n{result.get('error') or ''}")))
    with quiet():
        result = _api.generate_feedback(job.assignment, job.student, force=True)
    if not result["success"]:
        return Outcome(job, False, failures.from_nbgrader(
            "feedback: " + _last_line(f"{result.get('log') or ''}\n{result.get('error') or ''}")))
    return Outcome(job, True, repairs=repairs)


def _last_line(text):
    """The error that stopped nbgrader, in one line: its last exception other than nbgrader's
    own 'see the above traceback' wrapper."""
    errors = [m.group(1) for m in re.finditer(r"^\s*([\w.]+(?:Error|Exception|Exit)\b.*)$", text, re.M)
              if "NbGraderException" not in m.group(1)]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return errors[-1] if errors else (lines[-1] if lines else "unknown error")
