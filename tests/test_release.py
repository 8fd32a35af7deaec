"""release/ and notebooks/ are what `make release` would write now; a gradebook made on the way is nbgrader's own."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.grading import folders, nbgrader_commands, release


def _content(nb):
    """What a reader sees and nbgrader grades: cell kinds, sources and nbgrader metadata."""
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


@pytest.mark.slow
def test_release_folder_matches_generate_assignment(tmp_path):
    release.build_release(tmp_path)
    for assignment, source in folders.source_notebooks().items():
        fresh = nbformat.read(tmp_path / assignment / source.name, as_version=4)
        committed = folders.ROOT / "release" / assignment / source.name
        assert committed.exists(), f"{committed} missing: run `make release`"
        assert _content(nbformat.read(committed, as_version=4)) == _content(fresh), \
            f"release/{assignment} is stale: run `make release` and commit"
    assert sorted(p.name for p in (folders.ROOT / "release").iterdir()) == folders.assignments()


def test_reading_edition_matches_source_and_was_executed():
    for assignment, source in folders.source_notebooks().items():
        path = release.reading_edition_path(folders.ROOT, assignment, source)
        assert path.exists(), f"{path} missing: run `make release`"
        committed = nbformat.read(path, as_version=4)
        assert _content(committed) == _content(release.reading_text(source)), \
            f"{path.name} is stale: run `make release` and commit"
        code = [c for c in committed.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name} was not executed"
        assert not [o for c in code for o in c.outputs if o.output_type == "error"]
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), "no plot in the reading edition"


def test_reading_edition_has_no_solution_markers_or_hidden_tests():
    for path in (folders.ROOT / "notebooks").glob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
            assert marker not in text, f"{path.name} contains {marker}"


def test_student_notebooks_hold_no_solution_and_no_hidden_tests():
    for path in (folders.ROOT / "release").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "grad_h[h < 0] = 0", "finite_differences=True"):
            assert marker not in text, f"{path} contains {marker!r}"
        assert "NotImplementedError" in text


def test_a_new_gradebook_is_stamped_with_the_schema_version_nbgrader_itself_finds(tmp_path):
    # nbgrader's own answer: its get_alembic_version, which starts `alembic heads`, in a process of its own
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    own = subprocess.run([sys.executable, "-c", "import nbgrader.api; print(nbgrader.api.get_alembic_version())"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert own and nbgrader_commands.schema_version() == own
    course = folders.new_course(tmp_path / "course")
    nbgrader_commands.generate_assignment(course, "01_numpy", release_directory=tmp_path / "release")
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [(own,)]
