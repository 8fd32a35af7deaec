"""Grades equal to stock nbgrader's: three students of the demo class (the reference, the stub and a mistake)
in 01_numpy and 05_module, graded by stock sequential `nbgrader autograde`, each notebook run in its kernel,
and by `make demo` (`python -m autograder grade`, which judges each step and runs no kernel; conftest.py's
``demo``, graded once for this file and test_grading.py)."""
import os

import pytest

from corpus import demo_class
from autograder.grading import batch, gradebook, nbgrader_commands

pytestmark = pytest.mark.slow


def test_parallel_grades_equal_stock_sequential_nbgrader(demo, tmp_path):
    ours, _ = demo
    pick = ["01_numpy", "05_module"]
    stock = demo_class.build(tmp_path / "stock", students=3, assignments=pick)
    students = {job.student for job in batch.submissions(stock, pick)}
    assert len(students) == 3
    for job in batch.submissions(stock, pick):  # the very notebooks the demo graded
        assert batch.submitted_files(stock, job) == batch.submitted_files(ours, job), job
    os.environ["AUTOGRADER_EXECUTE"] = "1"  # stock: nbgrader runs each notebook in its kernel, one after another
    try:
        for a in pick:
            nbgrader_commands.run(stock, "autograde", a, "--force")
    finally:
        del os.environ["AUTOGRADER_EXECUTE"]
    for a in pick:
        theirs = gradebook.scores(stock, a)
        assert set(theirs) == students
        assert {s: gradebook.scores(ours, a)[s] for s in students} == theirs
