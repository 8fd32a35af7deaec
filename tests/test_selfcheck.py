"""`make selfcheck`: a self-learner's own copy graded with the hidden tests, and left as it was."""
import shutil
import subprocess
import sys

import nbformat
import pytest

from corpus import demo_class
from autograder.grading import folders
from autograder.diagnosis import MISTAKES as CATALOGUE

pytestmark = pytest.mark.slow


def test_selfcheck_grades_a_learners_copy_and_leaves_it_untouched(tmp_path):
    mine = tmp_path / "my work"
    shutil.copytree(folders.ROOT / "release" / "01_numpy", mine)
    path = next(mine.glob("*.ipynb"))
    path.write_bytes(nbformat.writes(demo_class.edited(folders.source_notebooks()["01_numpy"], "backward",
                                                       demo_class.MISTAKES[0][3])).encode())
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "autograder", "selfcheck", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "01_numpy: 6 / 10" in proc.stdout
    assert "✗ backward       0/4" in proc.stdout and CATALOGUE["relu_mask_missing"].en in proc.stdout
    assert path.read_bytes() == before
    assert sorted(p.name for p in mine.iterdir()) == [path.name]
