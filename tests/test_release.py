"""release/ and notebooks/ are what `make release` would write now."""
import nbformat
import pytest

from autograder.grading import folders, release


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
