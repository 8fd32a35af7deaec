"""`make demo` on other machines than the course author's: one without bubblewrap (the course's own
notebooks graded without the sandbox, the hostile submissions that need it left out, saying why), and a
shared one (each run's folder its user's own)."""
import os
import re
import subprocess
import sys

import pytest

from corpus import demo_class
from corpus import hostile_class
from autograder.grading import folders
from autograder.grading.isolation import sandbox

pytestmark = pytest.mark.slow


def test_each_demo_run_has_a_folder_of_its_own_and_a_chosen_one_must_be_writable(tmp_path, monkeypatch):
    """`make demo` on a shared machine: without DEMO_DIR each run builds in a new folder of its user's own (a fixed
    name in /tmp may be another account's, or planted); a chosen folder that cannot be written, or that holds
    something else, stops the demo with a message saying what to do, not a traceback."""
    import stat

    monkeypatch.setattr(demo_class.tempfile, "tempdir", str(tmp_path))
    first, second = demo_class.scratch_folder(), demo_class.scratch_folder()
    assert first != second and first.parent == second.parent == tmp_path
    assert first.stat().st_uid == os.getuid() and stat.S_IMODE(first.stat().st_mode) == 0o700
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit, match="cannot write the demo class in .*DEMO_DIR="):
        demo_class.scratch_folder(tmp_path / "a_file" / "demo")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="not empty and holds no earlier demo class"):
        demo_class.scratch_folder(tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"
    earlier = demo_class.scratch_folder(tmp_path / "earlier")  # an earlier run's class: emptied, and used again
    (earlier / "nbgrader_config.py").write_text("")
    (earlier / "source").mkdir()
    assert demo_class.scratch_folder(earlier) == earlier and list(earlier.iterdir()) == []


def test_demo_without_bubblewrap_grades_the_course_and_says_what_it_left_out(tmp_path):
    """`make demo` on a machine where bwrap cannot be found (AUTOGRADER_BWRAP names a missing one):
    the course's own notebooks are graded without the sandbox, every score as expected, and the
    hostile submissions that need the sandbox are left out, saying why. (With the assignment of the
    hostile submissions only: the whole demo is graded by the `graded` fixture.)"""
    env = dict(os.environ, **{sandbox.BWRAP_VARIABLE: str(tmp_path / "nowhere" / "bwrap")})
    proc = subprocess.run([sys.executable, "-m", "corpus.demo", str(tmp_path / "demo"), "--assignments",
                           hostile_class.ASSIGNMENT], capture_output=True, text=True, env=env, cwd=folders.ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no grading sandbox here: bubblewrap (bwrap) is not installed" in proc.stdout
    assert "leaves out reach_out (it reads and writes the course's files" in proc.stdout
    assert "every score as expected" in proc.stdout
    table = proc.stdout[proc.stdout.index("student "):]
    assert re.search(r"^reference\s+10/10$", table, re.M)
    assert re.search(r"^memory_bomb\s+6/10", table, re.M)  # the memory limit holds without the sandbox
    assert not re.search(r"^reach_out", table, re.M)
