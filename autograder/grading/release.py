"""What ``make release`` writes from source/: the student notebooks (release/, nbgrader
generate_assignment) and the reading edition (notebooks/: every answer worked out and executed)."""
import shutil
import tempfile
from pathlib import Path

import nbformat

from . import folders, nbgrader_commands

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def generate_release(course):
    """nbgrader generate_assignment for every assignment of ``course``, into its release/."""
    nbgrader_commands.generate_assignment(course, "*")


def build_release(out, root=folders.ROOT):
    """Write the student notebooks for every assignment to ``out``/<assignment>/."""
    with tempfile.TemporaryDirectory() as tmp:
        course = folders.new_course(tmp, root)
        generate_release(course)
        for a in folders.assignments(course):
            shutil.rmtree(Path(out) / a, ignore_errors=True)
            shutil.copytree(folders.folder(course, "release", ".", a), Path(out) / a)


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


def build_reading_edition(out, root=folders.ROOT):
    """Write the executed reading edition of every assignment to ``out``/<name>.ipynb."""
    Path(out).mkdir(parents=True, exist_ok=True)
    for a, path in folders.source_notebooks(root).items():
        nbformat.write(reading_edition(path), Path(out) / reading_edition_path(root, a, path).name)
