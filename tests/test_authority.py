"""Submissions that try to be believed (corpus/authority_class.py), graded once in the grading
sandbox, in one course with the hostile class (untrusted_class.py): each scores zero on the step it
targets and keeps every other point; the reference scores full.

Needs bubblewrap, as the hostile class does; skips without it."""
import html
import re

import pytest

from corpus import authority_class
from corpus import cells
from corpus import demo_class
from autograder.grading import gradebook
from autograder.grading.isolation import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))]


@pytest.fixture(scope="module")
def graded(untrusted):
    """The authority class, graded with the hostile class in one course (conftest.py): every one of its
    submissions graded (the hostile class's broken files are the only ones that cannot be)."""
    folder, proc, _ = untrusted
    for student, (assignment, *_) in authority_class.CASES.items():
        assert f"could not grade {student}/{assignment}" not in proc.stdout, proc.stdout + proc.stderr
    return folder


@pytest.mark.parametrize("student", sorted(authority_class.CASES))
def test_each_submission_scores_zero_on_the_step_it_targets_and_keeps_the_others(graded, student):
    assignment = authority_class.CASES[student][0]
    got = gradebook.scores(graded, assignment)[student]
    assert got == authority_class.expected(student, cells.points(graded, assignment))


def test_the_reference_scores_full_on_every_notebook_of_the_class(graded):
    for assignment in authority_class.ASSIGNMENTS:
        points = cells.points(graded, assignment)
        assert gradebook.scores(graded, assignment)[demo_class.REFERENCE] == points


def _feedback(folder, student):
    assignment = authority_class.CASES[student][0]
    page = next((folder / "feedback" / student / assignment).glob("*.html"))
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def test_the_feedback_names_the_rule_and_what_broke_it(graded):
    text = _feedback(graded, "guard_off_numpy")
    assert "the grader must be able to read the answer's code" in text and "import sys, cell backward" in text
    assert "import autograder.oracles" not in _feedback(graded, "oracles_by_name")  # a built name: read as __import__
    assert "__import__" in _feedback(graded, "oracles_by_name")
