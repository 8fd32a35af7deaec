"""The course on disk: its folders as nbgrader names them, its assignments and source notebooks,
its configuration (nbgrader_config.py)."""
import functools
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def folder(course, stage, student=".", assignment="."):
    """The folder of nbgrader's ``stage`` ("source", "release", "submitted", "autograded", "feedback")
    for ``student`` and ``assignment`` ("." leaves one out, "*" stands for all) in ``course``, built as
    nbgrader builds it: CourseDirectory.format_path, with the course's own configuration."""
    coursedir = _coursedir(str(Path(course).resolve()))
    return Path(os.path.normpath(coursedir.format_path(getattr(coursedir, f"{stage}_directory"), student, assignment)))


def notebooks(course, stage, student="*", assignment="*"):
    """The notebooks in ``folder(course, stage, student, assignment)``, whose "*" match every one."""
    course = Path(course).resolve()
    return sorted(course.glob(str(folder(course, stage, student, assignment).relative_to(course) / "*.ipynb")))


@functools.cache
def _coursedir(course):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=load_config(course), root=course)


def load_config(course):
    """The course's nbgrader configuration (its nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def assignments(root=ROOT):
    """Assignment names, in course order: the folders under source/."""
    return sorted(p.name for p in folder(root, "source").iterdir() if p.is_dir())


def source_notebooks(root=ROOT):
    """{assignment: path of its source notebook}."""
    return {a: next(folder(root, "source", ".", a).glob("*.ipynb")) for a in assignments(root)}


def new_course(path, root=ROOT):
    """A course folder at ``path`` with this course's config and source notebooks."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(root) / "nbgrader_config.py", path)
    shutil.copytree(Path(root) / "source", path / "source", dirs_exist_ok=True)
    return path
