"""Verdict records (autograder/grading/verdict.py): what the judge keeps of each graded step, as data.

The checks run here, in the test process, as the judge runs them (listening to what they say), on the
course's student-code variants; the records are then read the way every reader reads them: the test
cell's outputs, the notebook on disk, feedback rendered in another language, the class report's table.
"""
import json
import re

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_notebook

from corpus import student_code as sc
from autograder import checks, compare, messages, wire
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES
from autograder.grading import judge, report, verdict
from autograder.grading.plugins.verdicts import RenderVerdicts
from corpus.cells import graded_cell

CJK = re.compile(r"[\u4e00-\u9fff]")
MASK = MISTAKES["relu_mask_missing"]


def judged_here(check, fn, step, points, **options):
    """The record the judge makes of ``check(fn, **options)`` (judge.decide), the check run here."""
    with compare.listening() as heard:
        try:
            check(fn, **options)
        except CheckFailed as failed:
            return verdict.make(step, points, judge.outcome(failed), heard.said, failed.said, failed.raised, heard.cases)
    return verdict.make(step, points, "passed", heard.said, cases=heard.cases)


@pytest.fixture
def in_chinese(monkeypatch):
    """Graded with AUTOGRADER_LANGUAGE=zh."""
    monkeypatch.setenv(messages.VARIABLE, "zh")


def _error(outputs):
    error, = [o for o in outputs if o.output_type == "error"]
    return error


# ---- what a record holds ----------------------------------------------------------------------------------

def test_a_named_mistake_is_its_key_with_the_case_checked(in_chinese):
    record = judged_here(checks.backward, sc.backward_np_mask_missing, "test_backward", 4)
    assert (record["outcome"], record["points"], record["max_points"]) == ("failed", 0, 4)
    assert record["mistakes"] == ["relu_mask_missing"] and record["pairs"] == []
    assert record["case"] == {"backend": "numpy", "dtype": "float64", "device": None, "shape": list(checks.VISIBLE_SHAPE),
                              "seed": checks.VISIBLE_SEED}
    assert record["messages"][0] == {"key": "check.failed", "values": {"step": "backward"}}


def test_a_transposed_shape_is_a_shape_mistake_with_its_numbers(in_chinese):
    record = judged_here(checks.backward, sc.backward_np_transposed, "test_backward", 4)
    n, d_in, h, d_out = checks.VISIBLE_SHAPE
    transposed = [s for s in record["shapes"] if s["key"] == "value.transposed"]
    assert transposed == [{"key": "value.transposed", "values": {"name": "grad_w2", "shape": [d_out, h], "expected": [h, d_out]}}]


def test_two_mistakes_at_once_are_a_pair_and_a_ratio_is_an_observation():
    half_mean = judged_here(checks.loss, lambda y_pred, y: 0.5 * np.mean((y_pred - y) ** 2), "test_loss", 2)
    assert half_mean["pairs"] == [["loss_half", "mean_instead_of_sum"]] and half_mean["mistakes"] == []
    tripled = judged_here(checks.loss, lambda y_pred, y: 3 * np.sum((y_pred - y) ** 2), "test_loss", 2)
    assert tripled["mistakes"] == [] and [o["key"] for o in tripled["observations"]] == ["observed.ratio"]
    assert tripled["observations"][0]["values"]["k"] == "3"
    # the class report counts both by key: the pair, and the observation's kind
    assert {key for key, _ in report.named(half_mean)} == {"loss_half + mean_instead_of_sum"}
    assert {key for key, _ in report.named(tripled)} == {"observed.ratio"}


def test_a_pass_keeps_its_lines_and_the_student_s_exception_its_frames():
    passed = judged_here(checks.forward, sc.forward_np, "test_forward", 2)
    assert (passed["outcome"], passed["points"], passed["messages"]) == ("passed", 2, [])
    assert [m["key"] for m in passed["printed"]] == ["check.passed_on"]
    raised = verdict.make("test_forward", 2, "raised", raised=wire.StudentError("NameError", "name 'w3' is not defined",
                                                                                 ["  File \"<cell forward>\", line 2\n"]))
    assert raised["exception"] == {"type": "NameError", "message": "name 'w3' is not defined",
                                   "frames": ["  File \"<cell forward>\", line 2\n"]}
    error = _error(verdict.outputs(raised))
    assert (error.ename, error.evalue) == ("NameError", "name 'w3' is not defined\n\n  File \"<cell forward>\", line 2")
    assert error.traceback[-1] == "NameError: name 'w3' is not defined"


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        verdict.make("test_forward", 2, "lucky")


# ---- rendered from the record: the same words as the check, in any language --------------------------------

def test_the_outputs_say_what_the_check_says_in_jupyterlab(monkeypatch):
    monkeypatch.delenv(messages.VARIABLE, raising=False)
    with pytest.raises(CheckFailed) as info:
        checks.backward(sc.backward_np_mask_missing)
    error = _error(verdict.outputs(judged_here(checks.backward, sc.backward_np_mask_missing, "test_backward", 4)))
    assert (error.ename, error.evalue) == ("CheckFailed", str(info.value))
    passed = verdict.outputs(judged_here(checks.forward, sc.forward_np, "test_forward", 2))
    assert [o.output_type for o in passed] == ["stream"] and passed[0].text.startswith("✓ forward：正确 / correct — numpy")


def test_a_record_made_in_chinese_renders_in_english_and_back(in_chinese):
    record = judged_here(checks.backward, sc.backward_np_mask_missing, "test_backward", 4)
    english, chinese = _error(verdict.outputs(record, "en")).evalue, _error(verdict.outputs(record, "zh")).evalue
    assert MASK.en in english and not CJK.search(english)
    assert MASK.zh in chinese and MASK.en not in chinese


def test_a_record_survives_the_notebook_file_and_renders_the_same(in_chinese):
    record = judged_here(checks.backward, sc.backward_np_transposed, "test_backward", 4)
    cell = graded_cell("checks.backward(backward)", "test_backward", points=4)
    verdict.store(cell, record)
    again = nbformat.reads(nbformat.writes(new_notebook(cells=[cell])), as_version=4)
    nbformat.validate(again)
    kept = verdict.read(again.cells[0])
    assert kept == json.loads(json.dumps(record))
    for lang in messages.LANGUAGES:
        assert verdict.outputs(kept, lang) == verdict.outputs(record, lang)


def test_feedback_renders_the_test_cells_again_in_the_language_chosen_then(monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, "zh")  # graded in Chinese
    record = judged_here(checks.backward, sc.backward_np_mask_missing, "test_backward", 4)
    cell = graded_cell("checks.backward(backward)", "test_backward", points=4)
    verdict.store(cell, record)
    cell.outputs = verdict.outputs(record)
    assert MASK.zh in cell.outputs[0].evalue
    monkeypatch.setenv(messages.VARIABLE, "en")  # feedback made in English
    nb, _ = RenderVerdicts().preprocess(new_notebook(cells=[cell]), {})
    evalue = _error(nb.cells[0].outputs).evalue
    assert MASK.en in evalue and MASK.zh not in evalue and not CJK.search(evalue)


# ---- the class report's table: counted by key, said in the chosen language --------------------------------

def _counts(records):
    from collections import Counter

    return Counter({("01_numpy", r["step"], key, message) for r in records for key, message in report.named(r)})


def test_the_report_lists_the_same_mistakes_with_the_same_counts_in_each_language(in_chinese):
    records = [judged_here(checks.backward, fn, "test_backward", 4)
               for fn in (sc.backward_np_mask_missing, sc.backward_np_transposed, sc.backward_np)]
    counts = _counts(records)
    keys = {key for (_, _, key, _) in counts}
    assert {"relu_mask_missing", "value.transposed"} <= keys
    tables = {lang: report.mistakes_table(counts, lang) for lang in messages.LANGUAGES}
    columns = {lang: [row.split(" | ")[1::2] for row in table[2:]] for lang, table in tables.items()}  # key, students
    assert columns["zh"] == columns["en"] == columns["both"] and len(columns["en"]) == len(counts)
    assert any(MASK.zh in row for row in tables["zh"]) and not any(MASK.en in row for row in tables["zh"])
    assert any(MASK.en in row for row in tables["en"]) and not CJK.search("\n".join(tables["en"]))
    assert any("looks transposed" in row for row in tables["en"])
