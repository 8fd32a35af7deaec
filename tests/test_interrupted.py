"""The grader stopped halfway, by a Ctrl-C and then by kill -9 of the whole job, and run again: exactly
one grade per notebook, none lost, none doubled (a demo class of one assignment)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from corpus import cells
from corpus import demo_class
from autograder.grading import gradebook
from autograder.grading.isolation import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))]
A = "01_numpy"
STUDENTS = 8


def test_grading_killed_halfway_twice_then_rerun_gives_one_grade_per_notebook(tmp_path):
    """Stopped by a Ctrl-C as soon as a job is recorded, with many still to do; run again and stopped by a
    kill -9 of the whole job as soon as one more is; run again to the end."""
    folder = demo_class.build(tmp_path / "course", students=STUDENTS, assignments=[A])
    args = [sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "2"]
    ledger = folder / "autograded" / ".digests.json"

    def recorded():
        return ledger.read_text().count(f"/{A}") if ledger.exists() else 0

    for signum in (signal.SIGINT, signal.SIGKILL):
        before = recorded()
        # As started from a terminal: Ctrl-C not ignored (a test run in the background, `make test &`, inherits
        # SIGINT ignored, and so would the grader, which would then finish the whole batch).
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 300
        while time.time() < deadline and recorded() <= before:
            time.sleep(0.2)
        assert proc.poll() is None, "grading ended before it could be interrupted"
        os.killpg(proc.pid, signum)
        proc.wait(timeout=60)
        assert recorded() < STUDENTS, signum
    done_before = recorded()
    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"graded {STUDENTS - done_before} submission(s)" in rerun.stdout, rerun.stdout
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.db_url(folder)) as gb:
        submissions = gb.assignment_submissions(A)
        assert sorted(s.student_id for s in submissions) == sorted(p.name for p in (folder / "submitted").iterdir())
        for submission in submissions:
            assert len(submission.notebooks) == 1
            assert all(g.score is not None for nb in submission.notebooks for g in nb.grades)
    scores = gradebook.scores(folder, A)
    for student in scores:
        assert scores[student] == demo_class.expected(folder, student, A, cells.points(folder, A)), student
