"""nbgrader's exchange, end to end, from the command line only: the instructor releases the first
and the last assignment, two students fetch them in their own folders (their own HOME), one submits
the solution and one the untouched stub, the instructor collects, grades with the course's pipeline
(`python -m autograder grade`) and releases the feedback, and each student fetches it back. (Every
assignment's release and grading are tested in test_release.py and test_grading.py; each nbgrader
command here costs a few seconds, so the exchange is walked with two.)"""
import os
import shutil
import subprocess
import sys

import pytest

from corpus import cells
from corpus import demo_class
from autograder.grading import folders, gradebook, nbgrader_commands, release

pytestmark = pytest.mark.slow

COURSE_ID = "two-layer-net"
SOLVER, STUB = "student_solver", "student_stub"


def _run(cwd, env, *args):
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(args)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exchange_cycle")
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    nbgrader_commands.environment_first()
    home = {"instructor": tmp / "home_instructor"}
    folder = folders.new_course(tmp / "course")
    every = folders.assignments(folder)
    for extra in every[1:-1]:
        shutil.rmtree(folders.folder(folder, "source", ".", extra))
    release.generate_release(folder)
    assignments = folders.assignments(folder)
    assert assignments == [every[0], every[-1]]
    sources = folders.source_notebooks(folder)

    def env_for(who):
        home.setdefault(who, tmp / f"home_{who}").mkdir(exist_ok=True)
        env = dict(os.environ, HOME=str(home[who]), JUPYTER_RUNTIME_DIR=str(home[who] / "runtime"))
        env.pop("NBGRADER_DB_URL", None)
        return env

    instructor = env_for("instructor")
    ex = f"--Exchange.root={exchange}"
    students = {}
    for s in (SOLVER, STUB):
        work = tmp / f"work_{s}"
        work.mkdir()
        # The student's own working folder: a minimal config naming the course and the exchange.
        (work / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\n")
        students[s] = (work, env_for(s))

    for a in assignments:
        _run(folder, instructor, "-m", "nbgrader", "release_assignment", a, ex)
        for s, (work, env) in students.items():
            _run(work, env, "-m", "nbgrader", "fetch_assignment", a, f"--student={s}")
            fetched = work / a / sources[a].name
            assert fetched.exists(), f"{s} did not get {fetched}"
            if s == SOLVER:
                shutil.copy(sources[a], fetched)
            _run(work, env, "-m", "nbgrader", "submit", a, f"--student={s}")
        _run(folder, instructor, "-m", "nbgrader", "collect", a, ex)

    # one worker: a second one's start (its warm process) costs more than the few notebooks here
    grade = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "1",
                            *demo_class.trusted_grading()],
                           cwd=folder, env=instructor, capture_output=True, text=True)
    assert grade.returncode == 0, grade.stdout + grade.stderr

    for a in assignments:
        _run(folder, instructor, "-m", "nbgrader", "release_feedback", a, ex)
        for s, (work, env) in students.items():
            _run(work, env, "-m", "nbgrader", "fetch_feedback", a, f"--student={s}")
    return folder, assignments, students, grade


def test_collect_puts_every_submission_in_submitted(cycle):
    folder, assignments, students, _ = cycle
    for a in assignments:
        for s in students:
            assert list((folder / "submitted" / s / a).glob("*.ipynb")), (s, a)


def test_feedback_reaches_each_student_folder(cycle):
    folder, assignments, students, _ = cycle
    for a in assignments:
        for s, (work, _env) in students.items():
            pages = [p.name for p in (work / a / "feedback").glob("*/*.html")]
            expected = folders.source_notebooks(folder)[a].with_suffix(".html").name
            assert pages == [expected], f"{s}, {a}: feedback pages {pages}, expected [{expected}]"


def test_solution_has_full_marks_and_stub_zero(cycle):
    folder, assignments, _, _ = cycle
    for a in assignments:
        scores = gradebook.scores(folder, a)
        assert set(scores) == {SOLVER, STUB}, scores
        gb_max = cells.points(folder, a)
        assert scores[SOLVER] == gb_max, (a, scores[SOLVER], gb_max)
        assert scores[STUB] and all(v == 0 for v in scores[STUB].values()), (a, scores[STUB])
