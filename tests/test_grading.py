"""The whole grading pipeline on a small class: nbgrader generate_assignment, autograde and
generate_feedback on the source solutions, the untouched stubs and one submission per
common mistake. One class is graded once; the tests read the results."""
import html
import re

import pytest

from autograder import course
from autograder.diagnosis import MISTAKES as CATALOGUE
from submissions import MISTAKES, edited, submit

pytestmark = pytest.mark.slow

# What the feedback must say for a mistake that is not in the diagnosis catalogue.
EXTRA_PHRASES = {"transposed": "looks transposed", "autograd": "autograd (.backward(), torch.autograd.grad, torch.func) is not allowed"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = course.new_course(tmp_path_factory.mktemp("course"))
    course.generate_release(root)
    for assignment, source in course.source_notebooks(root).items():
        submit(root, "solution", assignment, source, source.name)
        submit(root, "untouched_stub", assignment, root / "release" / assignment / source.name, source.name)
    for assignment, student, grade_id, replacements, _ in MISTAKES:
        source = course.source_notebooks(root)[assignment]
        submit(root, student, assignment, edited(source, grade_id, replacements), source.name)
    runs = {a: course.nbgrader(root, "autograde", a, "--force") for a in course.assignments(root)}
    for a in course.assignments(root):
        course.nbgrader(root, "generate_feedback", a, "--force")
    return root, runs, {a: course.scores(root, a) for a in course.assignments(root)}


def _max_points(root, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {g.name: g.max_score for nb in gb.find_assignment(assignment).notebooks for g in nb.grade_cells}


def test_grading_runs_succeed_for_every_submission(graded):
    root, runs, scores = graded
    for assignment, proc in runs.items():
        assert proc.returncode == 0, proc.stderr
        assert "untouched_stub" in scores[assignment]


def test_solution_gets_full_marks(graded):
    root, _, scores = graded
    for assignment in course.assignments(root):
        assert scores[assignment]["solution"] == _max_points(root, assignment)


def test_untouched_stub_scores_zero_on_every_test_cell(graded):
    root, _, scores = graded
    for assignment in course.assignments(root):
        stub = scores[assignment]["untouched_stub"]
        assert set(stub) == set(_max_points(root, assignment))
        assert all(score == 0 for score in stub.values()), stub


@pytest.mark.parametrize("assignment,student,grade_id,_r,key", MISTAKES, ids=[f"{m[0]}-{m[1]}" for m in MISTAKES])
def test_a_mistake_loses_only_its_step_and_feedback_names_it(graded, assignment, student, grade_id, _r, key):
    root, _, scores = graded
    full = _max_points(root, assignment)
    got = scores[assignment][student]
    assert got[f"test_{grade_id}"] == 0, got
    assert {k: v for k, v in got.items() if k != f"test_{grade_id}"} == {k: v for k, v in full.items() if k != f"test_{grade_id}"}
    page = html.unescape(re.sub(r"<[^>]+>", "", next((root / "feedback" / student / assignment).glob("*.html")).read_text()))
    phrase = CATALOGUE[key].en.split(":")[0] if key in CATALOGUE else EXTRA_PHRASES[key]
    assert phrase in page
    if key in CATALOGUE:
        assert CATALOGUE[key].zh.split("：")[0] in page


def test_feedback_never_shows_hidden_tests(graded):
    root, _, _ = graded
    hidden = [line.strip() for nb in course.source_notebooks(root).values()
              for line in _hidden_lines(nb)]
    assert hidden
    pages = list((root / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))  # text as the student reads it
        assert "BEGIN HIDDEN TESTS" not in text
        for line in hidden:
            assert line not in text, f"{page}: shows hidden test line {line!r}"


def _hidden_lines(path):
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and "seed=" in line:
                yield line
