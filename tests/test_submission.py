"""submission.ungradable (autograder/grading/submission.py): what is wrong with a submitted folder,
named before nbgrader grades it, as a failures.Reason: the key of the student's explanation and what
was found; and submission.prepare, which first repairs what can be repaired without guessing
(repair.py). Tiny notebooks, built here."""
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import messages
from autograder.grading import submission
from corpus.cells import answer_cell, graded_cell

NAME = "two_layer_net.ipynb"


def _notebook(*cells):
    return new_notebook(cells=list(cells) or [answer_cell("def forward(): ...", "forward"),
                                              graded_cell("checks.forward(forward)", "test_forward")])


@pytest.fixture
def source(tmp_path):
    """{notebook name: source notebook}, as ungradable() is given it."""
    path = tmp_path / "source" / NAME
    path.parent.mkdir()
    nbformat.write(_notebook(), path)
    return {NAME: path}


@pytest.fixture
def folder(tmp_path):
    """submitted/<student>/<assignment>, empty."""
    path = tmp_path / "submitted" / "alice" / "a1"
    path.mkdir(parents=True)
    return path


def test_a_good_submission_has_no_problem(source, folder):
    shutil.copy(source[NAME], folder / NAME)
    assert submission.ungradable(folder, source) is None


def test_a_missing_notebook_is_named(source, folder):
    reason = submission.ungradable(folder, source)
    assert NAME in reason.detail and "no notebook" in reason.detail
    assert reason.key == "submission.no_notebook" and "do not rename" in messages.pair(reason.key)[1]


def test_a_renamed_notebook_names_both_files(source, folder):
    shutil.copy(source[NAME], folder / "my_copy.ipynb")
    reason = submission.ungradable(folder, source)
    assert NAME in reason.detail and "my_copy.ipynb" in reason.detail
    assert reason.key == "submission.no_notebook" and "do not rename" in messages.pair(reason.key)[1]


def test_a_duplicated_answer_cell_names_its_grade_id(source, folder):
    nbformat.write(_notebook(answer_cell("def forward(): ...", "forward"), answer_cell("def forward(): ...", "forward"),
                             graded_cell("checks.forward(forward)", "test_forward")), folder / NAME)
    reason = submission.ungradable(folder, source)
    assert "forward" in reason.detail and "more than once" in reason.detail and "test_forward" not in reason.detail
    assert reason.key == "submission.cell_twice" and "appears more than once" in messages.pair(reason.key)[1]


@pytest.mark.parametrize("content", ["", "not a notebook", '{"cells": ['], ids=["empty", "text", "cut-short"])
def test_a_file_that_is_not_json_names_the_file(source, folder, content):
    (folder / NAME).write_text(content)
    reason = submission.ungradable(folder, source)
    assert reason.detail.startswith(NAME)
    assert reason.key == "submission.not_a_notebook" and "not a valid notebook" in messages.pair(reason.key)[1]


def test_answer_cells_stripped_of_their_metadata_are_named(source, folder):
    nb = _notebook()
    for cell in nb.cells:
        cell.metadata = {}
    nbformat.write(nb, folder / NAME)
    reason = submission.ungradable(folder, source)
    assert "metadata" in reason.detail
    assert reason.key == "submission.metadata" and "metadata" in messages.pair(reason.key)[1]


# ---- repaired before grading (repair.py, through submission.prepare): tiny notebooks with cell ids

def _assignment():
    """A release-like notebook: an answer cell and its check, each with its cell id."""
    nb = new_notebook(cells=[answer_cell("def forward(x):\n    return x", "forward"),
                             graded_cell("# Check forward\nchecks.forward(forward)", "test_forward")])
    nb.cells[0].id, nb.cells[1].id = "forward", "test-forward"
    return nb


@pytest.fixture
def assignment(tmp_path):
    path = tmp_path / "source" / NAME
    path.parent.mkdir(exist_ok=True)
    nbformat.write(_assignment(), path)
    return {NAME: path}


def _prepared(folder, assignment):
    wrong, done = submission.prepare(folder, assignment)
    return wrong, [m.key for m in done], nbformat.read(folder / NAME, as_version=4) if (folder / NAME).exists() else None


def test_a_renamed_notebook_whose_cells_are_the_assignments_is_graded_under_its_name(assignment, folder):
    nbformat.write(_assignment(), folder / "two_layer_net (1).ipynb")
    wrong, done, nb = _prepared(folder, assignment)
    assert wrong is None and done == ["repair.renamed"] and sorted(p.name for p in folder.iterdir()) == [NAME]
    assert "two_layer_net (1).ipynb" in messages.text("repair.renamed", "en", **submission.repair.noted(nb)[0].values)


def test_two_notebooks_that_both_look_like_the_assignment_are_named_not_guessed(assignment, folder):
    nbformat.write(_assignment(), folder / "a.ipynb")
    nbformat.write(_assignment(), folder / "b.ipynb")
    wrong, done, _ = _prepared(folder, assignment)
    assert wrong.key == "submission.two_candidates" and "a.ipynb" in wrong.detail and "b.ipynb" in wrong.detail
    assert done == [] and sorted(p.name for p in folder.iterdir()) == ["a.ipynb", "b.ipynb"]


def test_a_notebook_of_something_else_is_not_taken_for_the_assignment(assignment, folder):
    nbformat.write(new_notebook(cells=[new_code_cell("print('scratch')")]), folder / "scratch.ipynb")
    wrong, done, _ = _prepared(folder, assignment)
    assert wrong.key == "submission.no_notebook" and "scratch.ipynb" in wrong.detail and done == []


def test_a_copied_answer_cell_is_graded_as_the_notebook_ran(assignment, folder):
    nb = _assignment()
    copy = answer_cell("def forward(x):\n    return 2 * x", "forward")  # the copy, edited: the last definition
    nb.cells.insert(1, copy)
    nbformat.write(nb, folder / NAME)
    wrong, done, nb = _prepared(folder, assignment)
    assert wrong is None and done == ["repair.duplicates"]
    # both copies stay, in order, as the kernel ran them; only the last is the answer cell nbgrader knows
    assert [c.source.splitlines()[-1] for c in nb.cells[:2]] == ["    return x", "    return 2 * x"]
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == [None, "forward", "test_forward"]


def test_a_copied_check_cell_is_dropped(assignment, folder):
    nb = _assignment()
    nb.cells.append(graded_cell("# Check forward\nchecks.forward(forward)", "test_forward"))
    nbformat.write(nb, folder / NAME)
    wrong, done, nb = _prepared(folder, assignment)
    assert wrong is None and done == ["repair.duplicates"] and len(nb.cells) == 2


@pytest.mark.parametrize("ids", [True, False], ids=["by cell id", "by signature and check text"])
def test_metadata_removed_by_an_editor_is_restored(assignment, folder, ids):
    nb = _assignment()
    nb.cells[0].source = "def forward(x):\n    return 3 * x"  # the student's answer
    nb.cells.insert(0, new_code_cell("def helper(x):\n    return x"))  # and a cell of their own
    for cell in nb.cells:
        cell.metadata = {}
    if not ids:
        nb.nbformat_minor = 4
        for cell in nb.cells:
            del cell["id"]
    nbformat.write(nb, folder / NAME)
    wrong, done, nb = _prepared(folder, assignment)
    assert wrong is None and done == ["repair.metadata"]
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == [None, "forward", "test_forward"]
    assert nb.cells[1].source.endswith("return 3 * x")


def test_answer_cells_that_cannot_be_told_apart_are_not_guessed(assignment, folder):
    nb = _assignment()
    nb.cells.insert(1, new_code_cell("def forward(x):\n    return 2 * x"))
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.metadata = {}
        del cell["id"]
    nbformat.write(nb, folder / NAME)
    wrong, done, _ = _prepared(folder, assignment)
    assert wrong.key == "submission.metadata" and "cannot be told" in wrong.detail and done == []


def test_an_undamaged_notebook_is_left_as_it_is(assignment, folder):
    nbformat.write(_assignment(), folder / NAME)
    before = (folder / NAME).read_bytes()
    assert _prepared(folder, assignment)[:2] == (None, [])
    assert (folder / NAME).read_bytes() == before


def test_an_answer_written_in_a_new_cell_is_not_taken_for_stripped_metadata(assignment, folder):
    """The stub deleted and the answer written in a cell of the student's own, the other cells' metadata kept: the
    judge grades that cell as it is; nothing was stripped, so nothing is repaired (even under another name)."""
    nb = _assignment()
    nb.cells.append(answer_cell("def loss(x):\n    return x", "loss"))
    nb.cells[-1].id = "loss"
    nbformat.write(nb, assignment[NAME])  # two answers, forward's and loss's
    nb.cells[0] = new_code_cell("def forward(x):\n    return x")
    nbformat.write(nb, folder / "renamed.ipynb")
    wrong, done, nb = _prepared(folder, assignment)
    assert wrong is None and done == ["repair.renamed"]
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == [None, "test_forward", "loss"]
