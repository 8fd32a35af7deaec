"""Grades equal to stock nbgrader's: a small class (the reference, the stub and a mistake, in 01_numpy and
05_module) graded by stock sequential `nbgrader autograde`, each notebook run in its kernel, and by
`python -m autograder grade`, which judges each step and runs no kernel."""
import os
import shutil
import subprocess
import sys

import pytest

from corpus import demo_class
from autograder.grading import gradebook, nbgrader_commands

pytestmark = pytest.mark.slow


def test_parallel_grades_equal_stock_sequential_nbgrader(tmp_path):
    pick = ["01_numpy", "05_module"]
    stock, ours = tmp_path / "stock", tmp_path / "ours"
    demo_class.build(stock, students=3, assignments=pick)
    shutil.copytree(stock, ours)
    os.environ["AUTOGRADER_EXECUTE"] = "1"  # stock: nbgrader runs each notebook in its kernel, one after another
    try:
        for a in pick:
            nbgrader_commands.run(stock, "autograde", a, "--force")
    finally:
        del os.environ["AUTOGRADER_EXECUTE"]
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(ours), "--jobs", "2",
                           *demo_class.trusted_grading()], capture_output=True, text=True)  # judged, no kernel run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for a in pick:
        assert gradebook.scores(ours, a) == gradebook.scores(stock, a)
        assert len(gradebook.scores(ours, a)) == 3
