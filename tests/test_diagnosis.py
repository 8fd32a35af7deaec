"""Naming the mistake (autograder/diagnosis.py): every mistake the checks can name has a student
variant that is caught and named, and nothing else is named; the candidate tables."""
import numpy as np
import pytest

from corpus import student_code as sc
from autograder import checks, compare, diagnosis, guards, oracles, problems
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES
from library_helpers import CJK, DTYPES, ENGLISH_WORD, VISIBLE_SHAPE, assert_bilingual, cast

def _run_check(check, backend, fn, dtype="float64", **kwargs):
    if check in ("forward", "loss", "backward"):
        kwargs["backend"] = backend
    return getattr(checks, check)(fn, dtype=dtype, **kwargs)


def _mistakes_checks_can_name():
    """Every mistake key that checks.forward/loss/backward/update/autograd_step can name."""
    x, y, w1, w2 = problems.make_problem(0, (3, 4, 5, 2)).numpy()
    tables = [diagnosis.forward_candidates(x, y, w1, w2), diagnosis.loss_candidates(y, y),
              diagnosis.gradient_candidates(x, y, w1, w2), diagnosis.update_candidates(w1, w1, 0.1)]
    named_directly = {"rebinding", "not_zeroed", "update_outside_no_grad", "outputs_order", "lr_hardcoded",
                      "loss_after_update", "zeroed_before_update", "grad_none"}  # named by the checks themselves
    return {k for table in tables for key in table for k in _keys(key)} | named_directly


def _keys(key):
    """The mistake keys of a candidate: one, or two made together."""
    return (key,) if isinstance(key, str) else key


def test_every_mistake_the_checks_can_name_has_a_student_variant():
    expected = {v[4] for v in sc.VARIANTS if isinstance(v[4], str)} - {"transposed"}
    assert len(_mistakes_checks_can_name()) >= 17
    assert _mistakes_checks_can_name() - expected == set()
    assert expected <= set(MISTAKES)
    assert len({v[0] for v in sc.VARIANTS}) == len(sc.VARIANTS)
    for key, mistake in MISTAKES.items():
        assert mistake.key == key
        assert_bilingual(str(mistake.message), mistake.en)
        assert mistake.zh in str(mistake.message)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("vid, check, backend, fn, expected", sc.VARIANTS, ids=[v[0] for v in sc.VARIANTS])
def test_mistake_is_caught_and_named(vid, check, backend, fn, expected, dtype, capsys):
    with pytest.raises(CheckFailed) as info:
        _run_check(check, backend, fn, dtype)
    message = str(info.value)
    assert "✓" not in capsys.readouterr().out
    assert CJK.search(message) and ENGLISH_WORD.search(message)
    if isinstance(expected, tuple):
        rule = expected[1]
        assert isinstance(info.value, guards.GuardViolation)
        zh, en = guards.RULES[rule]
        assert zh in message and en in message
        assert rule in en
        return
    assert not isinstance(info.value, guards.GuardViolation)
    assert message.startswith(f"✗ {check}：没有通过检查。\n✗ {check}: check failed.")
    assert f"{backend} {dtype}" in message  # the case is named
    if expected == "transposed":
        assert "transposed" in message and "转置" in message
        named = []
    else:
        mistake = MISTAKES[expected]
        assert mistake.zh in message and mistake.en in message
        assert str(mistake.message) in message
        named = [expected]
    others = [k for k, m in MISTAKES.items() if k not in named and m.en in message]
    assert others == [], f"also named: {others}"


@pytest.mark.parametrize("vid, check, backend, fn, pair", sc.TOGETHER, ids=[v[0] for v in sc.TOGETHER])
def test_two_mistakes_at_once_are_named_together(vid, check, backend, fn, pair):
    with pytest.raises(CheckFailed) as info:
        _run_check(check, backend, fn)
    message = str(info.value)
    assert all(MISTAKES[key].en in message and MISTAKES[key].zh in message for key in pair)
    assert [k for k, m in MISTAKES.items() if k not in pair and m.en in message] == []


def test_diagnose_direct():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    ref = oracles.reference(x, y, w1, w2)
    correct = ref["grad_w1"].numpy()
    candidates = {"relu_mask_missing": correct.copy(), "sign_flipped": -correct,
                  ("factor_2_missing", "sign_flipped"): -correct / 2, "mean_over_batch": correct / 8}
    # A candidate equal to the correct value names nothing.
    assert diagnosis.diagnose(correct, candidates, correct=correct) is None
    assert diagnosis.diagnose(-correct, candidates, correct=correct) is MISTAKES["sign_flipped"]
    assert diagnosis.diagnose(correct / 8, candidates, correct=correct) is MISTAKES["mean_over_batch"]
    # Two mistakes made together are named together.
    both = diagnosis.diagnose(-correct / 2, candidates, correct=correct)
    assert both.mistakes == (MISTAKES["factor_2_missing"], MISTAKES["sign_flipped"])
    assert MISTAKES["factor_2_missing"].en in str(both.message) and MISTAKES["sign_flipped"].zh in str(both.message)
    # A transposed value is tried too; and dicts of values are indexed by name.
    assert diagnosis.diagnose((-correct).T, {"sign_flipped": {"grad_w1": -correct}}, "grad_w1") is MISTAKES["sign_flipped"]
    assert diagnosis.diagnose(correct * 3, candidates, correct=correct) is None


def test_every_gradient_candidate_is_a_distinct_wrong_answer():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    ref = oracles.reference(x, y, w1, w2)
    candidates = diagnosis.gradient_candidates(x, y, w1, w2)
    assert {k for key in candidates for k in _keys(key)} <= set(MISTAKES)
    for key, grads in candidates.items():
        assert compare.relative_error(grads["grad_w1"], ref["grad_w1"]) > 1e-2, key
    keys = list(candidates)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert compare.relative_error(candidates[a]["grad_w1"], candidates[b]["grad_w1"]) > 1e-2, (a, b)


def test_other_candidate_tables():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    h = x @ w1
    forward = diagnosis.forward_candidates(x, y, w1, w2)
    np.testing.assert_allclose(forward["relu_missing"], h @ w2)
    np.testing.assert_allclose(forward["relu_on_output"], np.maximum(np.maximum(h, 0) @ w2, 0))
    y_pred = np.maximum(h, 0) @ w2
    loss = diagnosis.loss_candidates(y_pred, y)
    assert loss["loss_not_squared"] == pytest.approx(np.linalg.norm(y_pred - y))
    assert loss["mean_instead_of_sum"] == pytest.approx(np.mean((y_pred - y) ** 2))
    assert loss["loss_half"] == pytest.approx(0.5 * np.sum((y_pred - y) ** 2))
    update = diagnosis.update_candidates(w1, np.ones_like(w1), 0.1)
    np.testing.assert_allclose(update["lr_missing"], w1 - 1)
    np.testing.assert_allclose(update["lr_twice"], w1 - 0.01)
    np.testing.assert_allclose(update["update_sign"], w1 + 0.1)


# ======================================================================== regressions: bugs found while writing these tests

def test_diagnose_does_not_flag_a_correct_float32_gradient():
    seed, shape, dtype = 458442652, (3, 1, 1, 4), "float32"
    x, y, w1, w2 = problems.make_problem(seed, shape).numpy(dtype)
    ref = oracles.reference(x, y, w1, w2)
    grad_w1, _ = sc.backward_np(x, y, w2, *[cast(ref[k], "numpy", dtype) for k in ("h", "h_relu", "y_pred")])
    assert compare.mismatches("grad_w1", grad_w1, ref["grad_w1"], "numpy", dtype) == []  # it is correct
    candidates = diagnosis.gradient_candidates(x, y, w1, w2)
    assert diagnosis.diagnose(grad_w1, candidates, "grad_w1", correct=ref["grad_w1"]) is None


def test_a_cause_is_named_only_on_its_defining_facts():
    from autograder.diagnosis import FACTS, because, facts_of

    assert because("step_not_called", calls=0, moved=True) is None  # moved: another optimizer, or by hand
    named = because("step_not_called", calls=0, moved=False)
    assert named.values["cause"].key == "mistake.step_not_called" and facts_of(named) == {"calls": 0, "moved": False}
    assert because("other_optimizer", calls=1, moved=True, other_steps=1) is None
    assert because("other_optimizer", calls=0, moved=True, other_steps=1) is not None
    assert because("losses_repeated", count=3, iterations=3, all_equal=True, right_all_equal=True) is None
    assert because("h_overwritten", h_right=False, h_is_h_relu=False, h_relu_right=True) is None
    assert set(FACTS) <= set(MISTAKES)
