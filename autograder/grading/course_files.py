"""The course on disk, and nbgrader run on it: assignments, release, reading edition, scores.

Everything nbgrader does here goes through its own command line (``python -m nbgrader``)
in a course folder, so it behaves exactly as it does for an instructor.
"""
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def folder(course, step, student=".", assignment="."):
    """The folder of nbgrader's ``step`` ("source", "release", "submitted", "autograded", "feedback")
    for ``student`` and ``assignment`` ("." leaves one out, "*" stands for all) in ``course``, built as
    nbgrader builds it: CourseDirectory.format_path, with the course's own configuration."""
    coursedir = _coursedir(str(Path(course).resolve()))
    return Path(os.path.normpath(coursedir.format_path(getattr(coursedir, f"{step}_directory"), student, assignment)))


def notebooks(course, step, student="*", assignment="*"):
    """The notebooks in ``folder(course, step, student, assignment)``, whose "*" match every one."""
    course = Path(course).resolve()
    return sorted(course.glob(str(folder(course, step, student, assignment).relative_to(course) / "*.ipynb")))


@functools.cache
def _coursedir(course):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=load_config(course), root=course)


def assignments(root=ROOT):
    """Assignment names, in course order: the folders under source/."""
    return sorted(p.name for p in folder(root, "source").iterdir() if p.is_dir())


def source_notebooks(root=ROOT):
    """{assignment: path of its source notebook}."""
    return {a: next(folder(root, "source", ".", a).glob("*.ipynb")) for a in assignments(root)}


def environment_first():
    """Put this environment's bin/ first on PATH: nbgrader runs its `alembic` command from there
    when it creates a gradebook, and a command run without activating .venv would not find it."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


def nbgrader(course, *args, check=True):
    """Run ``nbgrader ARGS`` in the course folder ``course``; return the finished process."""
    environment_first()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def new_course(folder, root=ROOT):
    """A course folder at ``folder`` with this course's config and source notebooks."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(root) / "nbgrader_config.py", folder)
    shutil.copytree(Path(root) / "source", folder / "source", dirs_exist_ok=True)
    return folder


def generate_release(course):
    """nbgrader generate_assignment for every assignment of ``course``: one command for them all (nbgrader
    reads the assignment as a pattern), as each command costs seconds of start-up."""
    nbgrader(course, "generate_assignment", "*", "--force")


def build_release(out, root=ROOT):
    """Write the student notebooks for every assignment to ``out``/<assignment>/."""
    with tempfile.TemporaryDirectory() as tmp:
        course = new_course(tmp, root)
        generate_release(course)
        for a in assignments(course):
            shutil.rmtree(Path(out) / a, ignore_errors=True)
            shutil.copytree(folder(course, "release", ".", a), Path(out) / a)


def reading_text(source_path):
    """The reading edition of a source notebook before it runs: solutions in place without
    their markers, no hidden tests, no nbgrader metadata."""
    from nbgrader.preprocessors import ClearHiddenTests

    nb = nbformat.read(source_path, as_version=4)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        lines = cell.source.splitlines()
        cell.source = "\n".join(line for line in lines if line.strip() not in SOLUTION_MARKERS)
    return nb


def reading_edition(source_path):
    """The reading edition of a source notebook, executed, with outputs and plots kept."""
    from nbclient import NotebookClient

    nb = reading_text(source_path)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(source_path).parent)}}).execute()
    return nb


def reading_edition_path(root, assignment, source_path):
    return Path(root) / "notebooks" / f"{assignment}_{Path(source_path).stem}.ipynb"


def build_reading_edition(out, root=ROOT):
    """Write the executed reading edition of every assignment to ``out``/<name>.ipynb."""
    Path(out).mkdir(parents=True, exist_ok=True)
    for a, path in source_notebooks(root).items():
        nbformat.write(reading_edition(path), Path(out) / reading_edition_path(root, a, path).name)


def load_config(course):
    """The course's nbgrader configuration (its nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def db_url(course):
    return load_config(course).CourseDirectory.db_url


def export_grades(course):
    """``course``/grades.csv, as `nbgrader export` writes it: its CSV plugin, run here (the command would
    cost seconds of start-up on every grading)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(db_url(course)) as gb:
        CsvExportPlugin(config=load_config(course), to=str(Path(course) / "grades.csv")).export(gb)


def scores(course, assignment, url=None):
    """{student: {grade_id: score}} for ``assignment`` from the course's gradebook (or the one at ``url``)."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(url or db_url(course)) as gb:
        for submission in gb.assignment_submissions(assignment):
            for nb in submission.notebooks:
                result.setdefault(submission.student_id, {}).update(
                    {grade.name: grade.score for grade in nb.grades})
    return result
