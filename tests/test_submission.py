"""submission.ungradable (autograder/grading/submission.py): what is wrong with a submitted folder,
named before nbgrader grades it, as a failures.Reason: the key of the student's explanation and what
was found. Tiny notebooks, built here."""
import shutil

import nbformat
import pytest
from nbformat.v4 import new_notebook

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
