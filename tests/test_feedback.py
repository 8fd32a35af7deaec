"""HideHiddenTests (autograder/grading/plugins/feedback.py), nbgrader style: a tiny notebook built
here, as generate_feedback would get it, then what the feedback page would show."""
from nbformat.v4 import new_notebook, new_output

from autograder.grading.plugins.feedback import HideHiddenTests
from cells import answer_cell, graded_cell

HIDDEN = "checks.forward(forward, seed=7)"
TEST = f"checks.forward(forward)\n### BEGIN HIDDEN TESTS\n{HIDDEN}\n### END HIDDEN TESTS"


def _with(cell, *outputs):
    cell.outputs = list(outputs)
    return cell


def _feedback(*cells):
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=list(cells)), {})
    return nb.cells


def test_hidden_test_code_is_gone_from_a_graded_cell():
    cell, = _feedback(graded_cell(TEST, "test_forward"))
    assert HIDDEN not in cell.source and "HIDDEN TESTS" not in cell.source
    assert "checks.forward(forward)" in cell.source  # the visible check stays


def test_a_graded_cells_traceback_is_cut_to_the_errors_own_message():
    # The traceback quotes the failing line, which may be a hidden one.
    error = new_output("error", ename="CheckFailed", evalue="✗ forward: check failed.",
                       traceback=["-----", f"Cell In[3], line 3\n----> 3 {HIDDEN}", "CheckFailed: ✗ forward: check failed."])
    cell, = _feedback(_with(graded_cell(TEST, "test_forward", points=2), error))
    traceback, = cell.outputs[0].traceback
    assert "✗ forward: check failed." in traceback and "CheckFailed" in traceback
    assert "seed=7" not in traceback


def test_the_students_own_cell_keeps_its_traceback():
    # Nothing hidden there, and the student needs the line that failed.
    lines = ["-----", "Cell In[2], line 2\n----> 2 h = x.dot(w)", "NameError: name 'w' is not defined"]
    error = new_output("error", ename="NameError", evalue="name 'w' is not defined", traceback=lines)
    cell, = _feedback(_with(answer_cell("h = x.dot(w)", "forward"), error))
    assert cell.outputs[0].traceback == lines


def test_a_bare_memory_error_is_explained_in_both_languages():
    error = new_output("error", ename="MemoryError", evalue="", traceback=["-----", "MemoryError: "])
    cell, = _feedback(_with(graded_cell(TEST, "test_forward"), error))
    traceback, = cell.outputs[0].traceback
    assert traceback.startswith("MemoryError")
    assert "Out of memory" in traceback and "内存" in traceback
