"""Language at the edge: a class graded once in 中文 (AUTOGRADER_LANGUAGE=zh) keeps a verdict record in
every graded test cell, through nbgrader; its class report names the mistakes; and `python -m autograder
feedback --language en` makes its feedback pages and report in English, without grading again.
One assignment, three students of the demo class: the reference, a missing ReLU mask, a transposed product."""
import html
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from corpus import demo_class
from autograder import messages
from autograder.diagnosis import MISTAKES
from autograder.grading import folders, gradebook, release, verdict

pytestmark = pytest.mark.slow

A = "01_numpy"
STUDENTS = {demo_class.REFERENCE: None, "relu_mask_missing": "relu_mask_missing", "transposed_product": "transposed_product"}
CJK = re.compile(r"[\u4e00-\u9fff]")
MASK = MISTAKES["relu_mask_missing"]


def _run(folder, *args, language):
    env = dict(os.environ, **{messages.VARIABLE: language})
    proc = subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(folder)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def graded_in_chinese(tmp_path_factory):
    folder = folders.new_course(tmp_path_factory.mktemp("languages") / "course")
    for other in set(folders.assignments(folder)) - {A}:
        shutil.rmtree(folder / "source" / other)
    release.generate_release(folder)
    source = folders.source_notebooks(folder)[A]
    for student, kind in STUDENTS.items():
        demo_class.submit(folder, student, A, demo_class.notebook_for(folder, kind or student, A, source), source.name)
    # one worker: a second one's start (its warm process) costs more than the few notebooks here
    _run(folder, "grade", "--jobs", "1", *demo_class.trusted_grading(), A, language="zh")
    return folder


def _records(folder, student):
    path, = folders.notebooks(folder, "autograded", student, A)
    return {r["step"]: r for r in map(verdict.read, nbformat.read(path, as_version=4).cells) if r}


def _mistakes_rows(folder):
    md = (folder / "reports" / "class_report.md").read_text(encoding="utf-8")
    rows = md[md.index("| step | key |"):].split("\n\n")[0].splitlines()[2:]
    return [row.split(" | ") for row in rows]


def test_every_graded_cell_keeps_its_record_through_nbgrader(graded_in_chinese):
    scores = gradebook.scores(graded_in_chinese, A)
    for student in STUDENTS:
        records = _records(graded_in_chinese, student)
        assert set(records) == set(scores[student])
        assert {step: r["points"] for step, r in records.items()} == scores[student], student
    backward = _records(graded_in_chinese, "relu_mask_missing")["test_backward"]
    assert (backward["outcome"], backward["mistakes"]) == ("failed", ["relu_mask_missing"])


def test_the_report_of_a_class_graded_in_chinese_names_its_mistakes(graded_in_chinese):
    rows = _mistakes_rows(graded_in_chinese)
    keys = {(row[0].strip("| "), row[1]) for row in rows}
    assert {(f"{A}.test_backward", "relu_mask_missing"), (f"{A}.test_backward", "value.transposed")} <= keys
    assert any(MASK.zh in row[2] for row in rows)


def test_feedback_made_again_in_english_says_it_in_english_with_the_same_rows(graded_in_chinese):
    folder = graded_in_chinese
    page = lambda student: html.unescape(next((folder / "feedback" / student / A).glob("*.html")).read_text("utf-8"))  # noqa: E731
    assert MASK.zh in page("relu_mask_missing") and MASK.en not in page("relu_mask_missing")
    chinese_rows = _mistakes_rows(folder)
    _run(folder, "feedback", "--language", "en", A, language="zh")
    assert MASK.en in page("relu_mask_missing") and MASK.zh not in page("relu_mask_missing")
    assert "looks transposed" in page("transposed_product")
    english_rows = _mistakes_rows(folder)
    assert [(r[0], r[1], r[3]) for r in english_rows] == [(r[0], r[1], r[3]) for r in chinese_rows]
    assert not any(CJK.search(r[2]) for r in english_rows)
    assert gradebook.scores(folder, A)[demo_class.REFERENCE] == {s: r["max_points"] for s, r in
                                                                  _records(folder, demo_class.REFERENCE).items()}
