"""The course's own mutation corpus (corpus/mutations.py), each entry judged as a submission is
judged (corpus/judged.py): every edit applies, every correct alternative passes every step,
no mistake costs a step other than its own, and the feedback names at least 95% of the mistakes
(issue 14). `make feedback-report` prints the same results per step (docs/feedback_report.md)."""
import collections

import pytest

from corpus import judged
from corpus import mutations
from autograder import messages

STEPS = {("01_numpy", s) for s in ("test_forward", "test_loss", "test_backward", "test_update")} | \
        {("02_autograd", s) for s in ("test_forward", "test_loss", "test_backward", "test_autograd_step")} | \
        {("03_nn", s) for s in ("test_model", "test_loss", "test_train_step")} | \
        {("04_optim", s) for s in ("test_optimizer", "test_train_step")} | \
        {("05_module", s) for s in ("test_model", "test_train")}


@pytest.fixture(scope="module")
def results():
    return judged.run()


def test_every_edit_applies_exactly_once_and_the_corpus_covers_every_step():
    for entry in mutations.CORPUS:
        mutations.notebook(entry)  # each text to replace occurs once in its cell, or this raises
    ids = [e.id for e in mutations.CORPUS]
    assert len(ids) == len(set(ids)), [i for i, n in collections.Counter(ids).items() if n > 1]
    per_step = collections.Counter((e.assignment, e.step) for e in mutations.mistakes())
    assert set(per_step) == STEPS and min(per_step.values()) >= 4, per_step
    assert len(mutations.mistakes()) >= 100 and len(mutations.alternatives()) >= 15
    assert sum(len(e.expect) >= 2 for e in mutations.mistakes()) >= 5  # two mistakes at once
    unknown = {k for e in mutations.CORPUS for k in e.expect} - set(messages.CATALOGUE) - mutations.PENDING
    assert not unknown, f"expected keys that are neither in the catalogue nor being added: {unknown}"


def test_an_edit_whose_text_is_not_in_the_cell_fails_loudly():
    entry = mutations.Entry("01_numpy", "forward", "typo", (("h = x.dot(w1)", "h = x @ w1"), ("not there", "")), ())
    with pytest.raises(AssertionError, match="occurs 0 times"):
        mutations.notebook(entry)


def test_the_classification():
    mistake = mutations.Entry("01_numpy", "loss", "m", (), ("mistake.loss_half",))
    note = mutations.Entry("03_nn", "train_step", "n", (), tuple(mutations.NOTES))
    half = judged.key_text("mistake.loss_half")
    ok, quiet = judged.Step(False, "✓ loss"), judged.Step(False, "")

    def kind(entry, own, other=ok):
        return judged.classify(entry, {entry.step: own, "test_other": other}, own)[:2]

    assert kind(mistake, judged.Step(True, "✗\nLikely cause: " + half)) == ("named", [])
    assert kind(mistake, judged.Step(True, "✗ wrong values")) == ("unexplained", [])
    assert kind(mistake, judged.Step(False, "✓ " + half)) == ("unexplained", [])  # passed: not explained
    assert kind(mistake, judged.Step(True, "✗"), other=judged.Step(True, "✗")) == ("unexplained", ["test_other"])
    if judged.key_text("diagnosis.observed"):
        assert kind(mistake, judged.Step(True, "✗\n" + judged.key_text("diagnosis.observed") + "x"))[0] == "fallback"
    if all(judged.key_text(k) for k in note.expect):
        assert kind(note, judged.Step(False, "✓\n" + "\n".join(map(judged.key_text, note.expect))))[0] == "named"
    assert kind(note, quiet)[0] == "unexplained"
    alternative = mutations.Entry("01_numpy", "loss", "a", (), ())
    assert kind(alternative, ok)[0] == "passed" and kind(alternative, ok, judged.Step(True, "✗"))[0] == "flagged"


def test_every_correct_alternative_passes_every_step(results):
    flagged = {r.entry.id: {g: judged.explanation(s.text) for g, s in r.steps.items() if s.failed}
               for r in results if r.entry.correct and r.kind == "flagged"}
    assert not flagged


def test_no_mistake_costs_another_step(results):
    costs = {r.entry.id: {g: judged.explanation(r.steps[g].text) for g in r.costs} for r in results if r.costs}
    assert not costs


def test_the_feedback_names_at_least_95_percent_of_the_mistakes(results):
    missed = {r.entry.id: (r.kind, judged.explanation(r.own.text)) for r in results
              if not r.entry.correct and r.kind != "named"}
    assert judged.named_share(results) >= 0.95, missed
    assert not {i: m for i, m in missed.items() if m[0] != "stated"}  # every one named (outside the catalogue: stated)


def test_outside_the_catalogue_the_fallback_states_what_is_true_and_names_nothing(results):
    """A mistake no catalogue entry fits gets the fallback's observation, and no mistake's name."""
    assert len(mutations.outside()) >= 10
    wrong = {r.entry.id: (r.kind, judged.mentioned(r.own.text), judged.explanation(r.own.text))
             for r in results if r.entry.outside and r.kind != "stated"}
    assert not wrong


def test_no_mistake_is_named_that_is_not_there(results):
    """Every name a step's feedback gives is one its mistake expects: a name more would be a false statement."""
    false = {r.entry.id: sorted(set(judged.mentioned(r.own.text)) - set(r.entry.expect)) for r in results
             if not r.entry.correct and set(judged.mentioned(r.own.text)) - set(r.entry.expect)}
    assert not false


def _causes(said):
    """Every "Likely cause" and "Note" among ``said`` (Messages, possibly nested), with its cause's key."""
    from autograder.messages import Message

    for one in said:
        if isinstance(one, Message):
            if one.key in ("diagnosis.likely_cause", "diagnosis.note"):
                yield one.values["cause"].key.removeprefix("mistake."), one
            yield from _causes(v for v in one.values.values() if isinstance(v, Message))


def test_every_named_cause_has_the_facts_that_define_it(results):
    """A cause with defining facts (diagnosis.FACTS) is named only when they were measured: every one the
    corpus's feedback names carries its facts in the verdict record, and they hold."""
    from autograder import diagnosis
    from autograder.grading import verdict

    seen, wrong = set(), {}
    for r in results:
        for grade_id, step in r.steps.items():
            said = [*verdict.messages(step.record), *verdict.messages(step.record, "printed")]
            for key, message in _causes(said):
                if key not in diagnosis.FACTS:
                    continue
                seen.add(key)
                facts = diagnosis.facts_of(message)
                if facts is None or not diagnosis.FACTS[key](facts):
                    wrong[(r.entry.id, grade_id, key)] = facts
    assert not wrong
    assert set(diagnosis.FACTS) <= seen, set(diagnosis.FACTS) - seen  # the corpus names every one of them
