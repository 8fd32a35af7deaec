"""GuardedExecute (autograder/grading/plugins/execution.py), nbgrader style, with a real kernel: a
tiny notebook whose kernel dies halfway is finished anyway, and test cells never run in it."""
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading.plugins.execution import GuardedExecute
from corpus.cells import answer_cell, graded_cell


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_a_dead_kernel_costs_the_cells_from_there_on_and_test_cells_are_left_to_the_judge(tmp_path):
    nb = new_notebook(cells=[
        answer_cell("x = 41\nprint('before', x + 1)", "setup"),
        graded_cell("print('a test cell ran in the kernel')", "test_setup"),
        answer_cell("import os\nos._exit(1)", "exits"),
        new_code_cell("print('after')"),
    ])
    # The course grades with the python3 kernel, whatever the notebook names (nbgrader_config.py).
    nb, _ = GuardedExecute(kernel_name="python3", timeout=60).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    before, test, exits, after = nb.cells

    assert [o.get("text") for o in before.outputs] == ["before 42\n"]  # earlier cells keep their outputs
    assert not any("a test cell ran" in o.get("text", "") for o in test.outputs)
    test_error, = _errors(test)
    assert "not been judged" in test_error.evalue  # zero until the judge decides it
    died, = _errors(exits)
    assert died.ename == "KernelDied" and "kernel stopped while running this cell" in died.evalue
    not_run, = _errors(after)
    assert not_run.ename == "KernelDied"
    assert "Not run" in not_run.evalue and "(exits)" in not_run.evalue  # names the cell where it died
    assert not [o for o in after.outputs if o.output_type == "stream"]  # and it did not run


def test_the_kernel_leaves_test_cells_to_the_judge_and_they_score_zero_until_judged():
    """GuardedExecute never runs a test cell in the submission's kernel; without the judge after it in
    the pipeline, the cell holds an error, so it cannot score full marks by being empty."""
    from nbformat.v4 import new_code_cell
    from nbgrader.utils import determine_grade

    from autograder.grading.plugins.execution import GuardedExecute

    cell = new_code_cell("checks.forward(forward)", metadata={"nbgrader": {"grade": True, "solution": False,
                                                                         "grade_id": "test_forward", "points": 2}})
    cell, _ = GuardedExecute().preprocess_cell(cell, {}, 0)  # no kernel: none is asked for
    assert [o.ename for o in cell.outputs] == ["NotJudged"]
    assert determine_grade(cell) == (0, 2)
