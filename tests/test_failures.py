"""failures (autograder/grading/failures.py): a submission that could not be graded scores zero on
every step, its feedback page says why in both languages, and the ledger the class report reads
names it. A tiny course in a temporary folder: the course's config and a gradebook made here."""
import html
import re
import shutil

import pytest

from autograder.grading import folders, gradebook, nbgrader_commands, failures

# nbgrader's own Gradebook warns as it adds a submission; nothing of this module's doing.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

RAW = ("Traceback (most recent call last):\n  File \"nbgrader/...\", line 1\n"
       "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: ''")


@pytest.fixture(scope="module")
def empty_course(tmp_path_factory):
    """A course folder whose gradebook knows assignment a1 (one notebook, two test cells) and alice.
    Made once: creating a gradebook takes seconds."""
    from nbgrader.api import Gradebook

    folder = tmp_path_factory.mktemp("course")
    shutil.copy(folders.ROOT / "nbgrader_config.py", folder)
    nbgrader_commands.environment_first()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NBGRADER_DB_URL", raising=False)
        with Gradebook(gradebook.db_url(folder)) as gb:
            gb.add_assignment("a1")
            gb.add_notebook("nb", "a1")
            gb.add_grade_cell("test_forward", "nb", "a1", max_score=2, cell_type="code")
            gb.add_grade_cell("test_loss", "nb", "a1", max_score=1, cell_type="code")
            gb.add_student("alice")
    return folder


@pytest.fixture
def course(empty_course, tmp_path, monkeypatch):
    """A fresh copy of ``empty_course`` for each test."""
    monkeypatch.delenv("NBGRADER_DB_URL", raising=False)  # the gradebook in the folder, not a shared one
    return shutil.copytree(empty_course, tmp_path / "course")


def _page(course):
    """The feedback page as the student reads it: text without tags."""
    page = (course / "feedback" / "alice" / "a1" / "nb.html").read_text(encoding="utf-8")
    return page, html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_every_step_scores_zero_whatever_an_earlier_grading_gave(course):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.db_url(course)) as gb:  # graded before, with full marks
        for notebook in gb.update_or_create_submission("a1", "alice").notebooks:
            for grade in notebook.grades:
                grade.auto_score = grade.max_score
        gb.db.commit()
    assert gradebook.scores(course, "a1") == {"alice": {"test_forward": 2, "test_loss": 1}}
    failures.record(course, "alice", "a1", RAW)
    assert gradebook.scores(course, "a1") == {"alice": {"test_forward": 0, "test_loss": 0}}


def test_the_feedback_page_says_why_in_both_languages_and_quotes_the_graders_last_line(course):
    english = failures.record(course, "alice", "a1", RAW)
    assert "not a valid notebook" in english
    _, text = _page(course)
    assert english in text and "不是有效的 notebook" in text
    assert "Could not be graded" in text and "score 0" in text
    assert "Notebook does not appear to be JSON" in text
    assert "Traceback" not in text  # only the last line: the rest is the grader's business


def test_the_feedback_page_escapes_the_graders_message(course):
    # The message may quote a submitted file's name or content.
    failures.record(course, "alice", "a1", "NotJSONError: <script>alert(1)</script>")
    page, text = _page(course)
    assert "<script>" not in page and "<script>alert(1)</script>" in text


def test_the_ledger_names_the_submission_until_it_is_cleared(course):
    assert failures.reasons(course) == {}
    failures.record(course, "alice", "a1", RAW)
    reason = failures.reasons(course)["alice/a1"].text("en")
    assert "not a valid notebook" in reason and "does not appear to be JSON" in reason
    failures.clear(course, "alice", "a1")
    assert failures.reasons(course) == {}


def test_an_error_nobody_foresaw_still_gets_an_explanation(course):
    english = failures.record(course, "alice", "a1", "SomethingNew: the grader fell over")
    assert "could not be graded" in english
    assert "could not be graded" in _page(course)[1]


def test_the_ledger_keeps_the_reason_as_a_key_and_says_it_in_any_language(course):
    import json

    from autograder import messages

    failures.record(course, "alice", "a1", failures.Reason("submission.cell_twice", "nb.ipynb: grade id forward twice"))
    ledger = json.loads((course / "autograded" / ".failures.json").read_text())
    assert ledger == {"alice/a1": {"key": "submission.cell_twice", "detail": "nb.ipynb: grade id forward twice"}}
    assert failures.reasons(course)["alice/a1"].key == "submission.cell_twice"
    zh, en = messages.pair("submission.cell_twice")
    assert failures.reasons(course)["alice/a1"].text("zh") == f"{zh} (nb.ipynb: grade id forward twice)"
    assert str(failures.reasons(course)["alice/a1"]).startswith(en)  # the instructor's console: English
    failures.record(course, "alice", "a1", RAW)  # nbgrader's own error: its key from nbgrader's words
    assert failures.reasons(course)["alice/a1"] == failures.Reason("submission.not_a_notebook",
                                                                   "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: ''")


def test_recording_says_nothing_of_the_gradebooks_own_warnings(course):
    """nbgrader's Gradebook warns as it adds a submission (SQLAlchemy: "… not in session"); on the instructor's
    terminal that would scroll past the progress bar and mean nothing (third_party.py)."""
    import warnings

    with warnings.catch_warnings(record=True) as heard:
        warnings.simplefilter("always")
        failures.record(course, "alice", "a1", RAW)
    assert not [w for w in heard if "not in session" in str(w.message)], [str(w.message) for w in heard]
