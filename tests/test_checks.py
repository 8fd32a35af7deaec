"""Unit tests of the checking library (autograder/): problems, oracles, compare, diagnosis,
guards and checks. Student-like code, right and wrong, lives in student_code.py.
"""
import contextlib
import io
import re
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import student_code as sc
from autograder import checks, compare, diagnosis, guards, oracles, problems
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES

DTYPES = ("float32", "float64")
VISIBLE_SHAPE = checks.VISIBLE_SHAPE
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def torch_dtype(dtype):
    return getattr(torch, dtype)


def assert_bilingual(message, english):
    """One say() message: a Chinese line, then an English line that contains ``english``."""
    zh, en = message.split("\n")
    assert CJK.search(zh), message
    assert not CJK.search(en), message
    assert ENGLISH_WORD.search(en), message
    assert english in en, message


# ======================================================================== 1. problems

SMALL_SHAPES = [(1, 1, 1, 1), (3, 4, 5, 2), VISIBLE_SHAPE, (10, 6, 3, 7), (4, 9, 2, 1)]


def test_default_shape_is_the_seed_tutorials():
    assert problems.SEED_SHAPE == (64, 1000, 100, 10)
    assert problems.make_problem(0).shape == problems.SEED_SHAPE


@pytest.mark.parametrize("shape", [*SMALL_SHAPES, problems.SEED_SHAPE], ids=str)
def test_problem_shapes(shape):
    n, d_in, h, d_out = shape
    p = problems.make_problem(3, shape)
    expected = [(n, d_in), (n, d_out), (d_in, h), (h, d_out)]
    assert p.shape == shape
    assert [a.shape for a in p.numpy()] == expected
    assert [tuple(t.shape) for t in p.torch()] == expected


@pytest.mark.parametrize("shape", [(3, 4, 5, 2), VISIBLE_SHAPE], ids=str)
def test_same_seed_same_numbers_across_calls_and_libraries(shape):
    a, b = problems.make_problem(7, shape), problems.make_problem(7, shape)
    for u, v in zip(a.numpy(), b.numpy()):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(a.numpy("float64"), b.torch("float64")):
        assert v.dtype == torch.float64
        np.testing.assert_array_equal(u, v.numpy())
    for u, v in zip(a.numpy("float32"), b.torch("float32")):
        np.testing.assert_array_equal(u, v.numpy())


def test_numbers_are_pcg64_draws_in_documented_order():
    """Platform independent: exactly default_rng(seed)'s draws, x, y, w1, w2, weights / sqrt(fan_in)."""
    n, d_in, h, d_out = shape = (3, 4, 5, 2)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, d_in))
    y = rng.standard_normal((n, d_out))
    w1 = rng.standard_normal((d_in, h)) * (1 / np.sqrt(d_in))
    w2 = rng.standard_normal((h, d_out)) * (1 / np.sqrt(h))
    for got, want in zip(problems.make_problem(5, shape).numpy(), (x, y, w1, w2)):
        np.testing.assert_array_equal(got, want)
    scaled = problems.make_problem(5, shape, weight_scale=2.0)
    rng = np.random.default_rng(5)
    rng.standard_normal((n, d_in)), rng.standard_normal((n, d_out))
    np.testing.assert_array_equal(scaled.w1, rng.standard_normal((d_in, h)) * 2.0)


def test_different_seeds_differ():
    a = problems.make_problem(1, VISIBLE_SHAPE).numpy()
    b = problems.make_problem(2, VISIBLE_SHAPE).numpy()
    for u, v in zip(a, b):
        assert not np.array_equal(u, v)
    assert problems.make_problem(1).seed == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_problem_dtypes(dtype):
    p = problems.make_problem(4, (3, 4, 5, 2))
    arrays = p.numpy(dtype)
    assert all(a.dtype == np.dtype(dtype) for a in arrays)
    for a, exact in zip(arrays, p.numpy("float64")):
        np.testing.assert_array_equal(a, exact.astype(dtype))
    tensors = p.torch(dtype)
    assert all(t.dtype == torch_dtype(dtype) and t.device.type == "cpu" for t in tensors)
    for t, a in zip(tensors, arrays):
        np.testing.assert_array_equal(t.numpy(), a)
    # A torch dtype object is accepted too.
    assert p.torch(torch_dtype(dtype))[0].dtype == torch_dtype(dtype)


def test_requires_grad_applies_to_weights_only():
    x, y, w1, w2 = problems.make_problem(0, (3, 4, 5, 2)).torch("float32", requires_grad=True)
    assert not x.requires_grad and not y.requires_grad
    assert w1.requires_grad and w2.requires_grad and w1.is_leaf and w2.is_leaf
    assert not any(t.requires_grad for t in problems.make_problem(0, (3, 4, 5, 2)).torch())


def test_copies_are_fresh():
    p = problems.make_problem(9, (3, 4, 5, 2))
    original = [a.copy() for a in (p.x, p.y, p.w1, p.w2)]
    first = p.numpy()
    for a in first:
        a += 1.0
    for a, b, o in zip(p.numpy(), first, original):
        np.testing.assert_array_equal(a, o)
        assert not np.shares_memory(a, b)
    assert not any(np.shares_memory(a, b) for a, b in zip(p.numpy(), (p.x, p.y, p.w1, p.w2)))
    for t in p.torch():
        t.add_(1.0)
    for t in p.torch("float64", requires_grad=True):
        with torch.no_grad():
            t.mul_(-3.0)
    for t, o in zip(p.torch(), original):
        np.testing.assert_array_equal(t.numpy(), o)
    for a, o in zip((p.x, p.y, p.w1, p.w2), original):
        np.testing.assert_array_equal(a, o)


def test_devices():
    assert problems.devices()[0] == "cpu"
    assert ("cuda" in problems.devices()) == torch.cuda.is_available()
    assert problems.default_device() == ("cuda" if torch.cuda.is_available() else "cpu")


# ======================================================================== 2. oracles

FD_CASES = [(0, (3, 4, 5, 2)), (1, VISIBLE_SHAPE), (3, (1, 1, 1, 1)), (5, (10, 6, 3, 7)),
            (7, (4, 9, 2, 1)), (11, (6, 5, 12, 3)), (1, (2, 12, 1, 5))]


@pytest.mark.parametrize("seed, shape", FD_CASES, ids=str)
def test_finite_differences_agree_with_autograd_on_every_entry(seed, shape):
    x, y, w1, w2 = problems.make_problem(seed, shape).numpy()
    before = [a.copy() for a in (x, y, w1, w2)]
    ref = oracles.reference(x, y, w1, w2)
    numerical = oracles.finite_differences(x, y, w1, w2)
    assert set(numerical) == {"grad_w1", "grad_w2"}
    for name, w in (("grad_w1", w1), ("grad_w2", w2)):
        idx, values = numerical[name]
        np.testing.assert_array_equal(idx, np.arange(w.size))
        assert values.shape == (w.size,)
        assert compare.relative_error(ref[name].numpy().reshape(-1), values) < 1e-7
    assert np.abs(numerical["grad_w2"][1]).max() > 0.1, "degenerate case: pick another seed"
    for a, b in zip((x, y, w1, w2), before):  # probing restores the inputs
        np.testing.assert_array_equal(a, b)


def test_finite_differences_on_the_seed_shape_with_sampled_entries():
    x, y, w1, w2 = problems.make_problem(0).numpy()
    ref = oracles.reference(x, y, w1, w2)
    # 50 sampled entries per weight (checks use 300): the same code path, kept short because each probe
    # recomputes x @ w1 on the full seed shape, which multi-threaded BLAS makes slow on a busy machine.
    numerical = oracles.finite_differences(x, y, w1, w2, max_entries=50, seed=0)
    for name, w in (("grad_w1", w1), ("grad_w2", w2)):
        idx, values = numerical[name]
        assert len(idx) == 50 < w.size
        assert np.all(np.diff(idx) > 0) and idx[0] >= 0 and idx[-1] < w.size  # sorted, distinct, in range
        assert compare.relative_error(ref[name].numpy().reshape(-1)[idx], values) < 1e-7
    # The sample is drawn from ``seed``: the same seed picks the same entries.
    again = oracles.finite_differences(x, y, w1, w2, max_entries=5, seed=3)
    once = oracles.finite_differences(x, y, w1, w2, max_entries=5, seed=3)
    np.testing.assert_array_equal(again["grad_w1"][0], once["grad_w1"][0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_oracles_accept_torch_tensors_of_any_float_dtype(dtype):
    x, y, w1, w2 = problems.make_problem(6, (5, 4, 6, 3)).torch(dtype, requires_grad=True)
    ref = oracles.reference(x, y, w1, w2)
    assert all(v.dtype == torch.float64 and not v.requires_grad for v in ref.values())
    assert ref["loss"].shape == () and ref["grad_w1"].shape == (4, 6) and ref["grad_w2"].shape == (6, 3)
    numerical = oracles.finite_differences(x, y, w1, w2)
    for name in ("grad_w1", "grad_w2"):
        assert compare.relative_error(ref[name].numpy().reshape(-1), numerical[name][1]) < 1e-7
    assert w1.grad is None and w2.grad is None  # the oracle leaves the caller's tensors alone


@pytest.mark.parametrize("seed, shape", FD_CASES[:5], ids=str)
def test_reference_matches_the_hand_written_network(seed, shape):
    p = problems.make_problem(seed, shape)
    x, y, w1, w2 = p.numpy()
    ref = oracles.reference(x, y, w1, w2)
    h, h_relu, y_pred = sc.forward_np(x, w1, w2)
    grads = sc.backward_np(x, y, w2, h, h_relu, y_pred)
    mine = dict(h=h, h_relu=h_relu, y_pred=y_pred, loss=sc.loss_np(y_pred, y), grad_w1=grads[0], grad_w2=grads[1])
    for name, value in mine.items():
        assert compare.relative_error(value, ref[name]) < 1e-12, name
    assert oracles.l2_loss(x, y, w1, w2) == pytest.approx(float(ref["loss"]), rel=1e-12)
    tx, ty, tw1, tw2 = p.torch()
    th, th_relu, ty_pred = sc.forward_torch(tx, tw1, tw2)
    for name, value in zip(("grad_w1", "grad_w2"), sc.backward_torch(tx, ty, tw2, th, th_relu, ty_pred)):
        assert compare.relative_error(value, ref[name]) < 1e-12, name


# The oracle's mistake variants must be the gradients the mistaken hand-written code computes.
ORACLE_VARIANTS = [
    (dict(relu_gradient="identity"), sc.backward_np_mask_missing),
    (dict(relu_gradient="inverted"), sc.backward_np_mask_inverted),
    (dict(relu_gradient="from_grad"), sc.backward_np_mask_from_grad),
    (dict(reduction="half_sum"), sc.backward_np_factor_2_missing),
    (dict(reduction="mean"), sc.backward_np_mean),
    (dict(reduction="batch_mean"), sc.backward_np_batch_mean),
]


@pytest.mark.parametrize("variant, student", ORACLE_VARIANTS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_reference_variants_match_the_hand_written_mistakes(variant, student):
    x, y, w1, w2 = problems.make_problem(2, VISIBLE_SHAPE).numpy()
    right = oracles.reference(x, y, w1, w2)
    ref = oracles.reference(x, y, w1, w2, **variant)
    np.testing.assert_allclose(ref["y_pred"].numpy(), right["y_pred"].numpy())  # forward value unchanged
    got = student(x, y, w2, *sc.forward_np(x, w1, w2))
    assert compare.relative_error(got[0], ref["grad_w1"]) < 1e-12
    assert compare.relative_error(got[1], ref["grad_w2"]) < 1e-12
    assert compare.relative_error(got[0], right["grad_w1"]) > 1e-3  # and it is a different answer


def test_reference_reductions_and_unknown_variants():
    x, y, w1, w2 = problems.make_problem(2, VISIBLE_SHAPE).numpy()
    y_pred = sc.forward_np(x, w1, w2)[2]
    se = np.square(y_pred - y)
    expected = dict(sum=se.sum(), mean=se.mean(), batch_mean=se.sum() / len(se), half_sum=se.sum() / 2,
                    norm=np.linalg.norm(y_pred - y))
    for reduction, value in expected.items():
        assert float(oracles.reference(x, y, w1, w2, reduction=reduction)["loss"]) == pytest.approx(value, rel=1e-12)
    with pytest.raises(ValueError):
        oracles.reference(x, y, w1, w2, reduction="max")
    with pytest.raises(ValueError):
        oracles.reference(x, y, w1, w2, relu_gradient="leaky")


# ======================================================================== 3. compare

def test_relative_error_formula():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([1.5, -2.0, 2.0])
    # max |a - b| = 1.0; max(|a| + |b|) = 5.0
    assert compare.relative_error(a, b) == pytest.approx(0.2)
    assert compare.relative_error(b, a) == pytest.approx(0.2)
    assert compare.relative_error(a, a) == 0.0
    assert compare.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert compare.relative_error([0.0], [1e-10]) == pytest.approx(1e-2)  # denominator floored at 1e-8
    # Scaled by the largest magnitude, not entry by entry: a near-zero entry off by 100% is not an alarm.
    assert compare.relative_error([100.0, 1e-6], [100.0, 2e-6]) == pytest.approx(1e-6 / (200 + 3e-6))
    assert compare.relative_error(torch.tensor(a, dtype=torch.float32), b) == pytest.approx(0.2)
    assert compare.relative_error(2.0, 1.0) == pytest.approx(1 / 3)


@pytest.mark.parametrize("name", ["h", "h_relu", "y_pred", "grad_w1", "grad_w2", "loss"])
def test_correct_float32_torch_answer_passes(name):
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).torch("float32")
    ref = oracles.reference(x, y, w1, w2)
    h, h_relu, y_pred = sc.forward_torch(x, w1, w2)
    grad_w1, grad_w2 = sc.backward_torch(x, y, w2, h, h_relu, y_pred)
    student = dict(h=h, h_relu=h_relu, y_pred=y_pred, grad_w1=grad_w1, grad_w2=grad_w2,
                   loss=sc.loss_torch(y_pred, y))
    kind = "scalar" if name == "loss" else "torch"
    assert student[name].dtype == torch.float32
    assert compare.relative_error(student[name], ref[name]) > 0  # really float32 rounding, not exact
    assert compare.find_problems(name, student[name], ref[name], kind, "float32", "cpu") == []
    assert compare.find_problems(name, ref[name].float(), ref[name], kind, "float32", "cpu") == []
    if name == "loss":
        assert compare.find_problems(name, student[name].item(), ref[name], kind, "float32") == []


def _grad():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    return oracles.reference(x, y, w1, w2)["grad_w2"].numpy()  # (10, 4)


MESSAGE_CASES = [
    ("shape", lambda g: np.zeros((3, 4)), "numpy", "float64", "has shape (3, 4) but should be (10, 4)."),
    ("transposed", lambda g: g.T.copy(), "numpy", "float64", "it looks transposed"),
    ("nan", lambda g: np.where(g > 0, np.nan, g), "numpy", "float64", "contains NaN or inf"),
    ("inf", lambda g: np.where(g > 0, np.inf, g), "numpy", "float64", "contains NaN or inf"),
    ("dtype", lambda g: g, "numpy", "float32", "has dtype float64 but should be float32"),
    ("list", lambda g: g.tolist(), "numpy", "float64", "should be a numpy array, not list"),
    ("not-tensor", lambda g: g, "torch", "float64", "should be a torch.Tensor, not ndarray"),
    ("not-scalar", lambda g: g, "scalar", None, "should be a single number (a scalar), not ndarray"),
    ("none", lambda g: None, "numpy", "float64", "is None: did the function forget to return it?"),
    ("values", lambda g: g * 1.01, "numpy", "float64", "has wrong values: max relative error"),
]


@pytest.mark.parametrize("case, make, kind, dtype, english", MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES])
def test_find_problems_messages_are_bilingual(case, make, kind, dtype, english):
    g = _grad()
    found = compare.find_problems("grad_w2", make(g), g, kind, dtype)
    assert len(found) == 1, found
    assert_bilingual(found[0], english)
    assert "grad_w2" in found[0].split("\n")[0] and "grad_w2" in found[0].split("\n")[1]
    if case != "transposed":
        assert "transposed" not in found[0]


def test_find_problems_device_message():
    value = torch.zeros(2, 3)
    found = compare.find_problems("w1", value, np.zeros((2, 3)), "torch", "float32", device="cuda")
    assert len(found) == 1
    assert_bilingual(found[0], "w1 is on cpu but should be on cuda.")
    assert compare.find_problems("w1", value, np.zeros((2, 3)), "torch", "float32", device="cpu") == []


def test_find_problems_tolerance_follows_the_dtype():
    g = _grad()
    slightly_off = g * (1 + 1e-5)
    assert compare.find_problems("g", slightly_off.astype("float32"), g, "numpy", "float32") == []
    assert compare.find_problems("g", slightly_off, g, "numpy", "float64") != []
    # A scalar computed in float32 may come back as a Python float: the input dtype sets the tolerance.
    assert compare.find_problems("loss", 1.00001, 1.0, "scalar", "float32") == []
    assert compare.find_problems("loss", 1.00001, 1.0, "scalar", "float64") != []


def test_scalar_kind_accepts_numbers_and_one_element_containers():
    # A Python number, numpy scalar, 0-d array or 0-d tensor; a one-element tensor counts as () too.
    for value in (2.5, np.float32(2.5), np.array(2.5), torch.tensor(2.5), torch.tensor([2.5]), torch.tensor([[2.5]])):
        assert compare.find_problems("loss", value, 2.5, "scalar", "float32") == [], repr(value)
    found = compare.find_problems("loss", np.array([2.5, 2.5]), 2.5, "scalar", "float32")
    assert len(found) == 1
    assert_bilingual(found[0], "loss should be a single number (a scalar)")


def test_close_enough():
    g = _grad()
    assert compare.close_enough(g, g)
    assert compare.close_enough(g.astype("float32"), g)
    assert not compare.close_enough(g * 1.01, g)
    assert compare.close_enough(g * (1 + 1e-7), g)  # within slack=10 of float64's 1e-7
    assert not compare.close_enough(g * (1 + 1e-7), g, slack=0.1)
    assert not compare.close_enough(g.T, g)
    assert not compare.close_enough("not a number", g)
    assert not compare.close_enough(None, g)


def test_fail_and_passed(capsys):
    assert issubclass(CheckFailed, AssertionError)
    message = compare.say("错了", "wrong")
    with pytest.raises(CheckFailed) as info:
        compare.fail("backward", [message, message, compare.say("再错", "wrong again")])
    text = str(info.value)
    assert text.startswith("✗ backward：没有通过检查。\n✗ backward: check failed.")
    assert text.count("错了") == 1  # a message that comes twice is named once
    assert "wrong again" in text
    compare.passed("forward", "numpy float64")
    assert capsys.readouterr().out == "✓ forward：正确 / correct — numpy float64\n"


# ======================================================================== 4. diagnosis

def _run_check(check, backend, fn, dtype="float64", **kwargs):
    if check in ("forward", "loss", "backward"):
        kwargs["backend"] = backend
    return getattr(checks, check)(fn, dtype=dtype, **kwargs)


def _mistakes_checks_can_name():
    """Every mistake key that checks.forward/loss/backward/update/autograd_step can name."""
    x, y, w1, w2 = problems.make_problem(0, (3, 4, 5, 2)).numpy()
    tables = [diagnosis.forward_candidates(x, y, w1, w2), diagnosis.loss_candidates(y, y),
              diagnosis.gradient_candidates(x, y, w1, w2), diagnosis.update_candidates(w1, w1, 0.1)]
    named_directly = {"rebinding", "not_zeroed", "update_outside_no_grad"}  # named by checks.py itself
    return {key.split("/")[0] for table in tables for key in table} | named_directly


def test_every_mistake_the_checks_can_name_has_a_student_variant():
    expected = {v[4] for v in sc.VARIANTS if isinstance(v[4], str)} - {"transposed"}
    assert len(_mistakes_checks_can_name()) >= 17
    assert _mistakes_checks_can_name() - expected == set()
    assert expected <= set(MISTAKES)
    assert len({v[0] for v in sc.VARIANTS}) == len(sc.VARIANTS)
    for key, mistake in MISTAKES.items():
        assert mistake.key == key
        assert_bilingual(mistake.message, mistake.en)
        assert mistake.zh in mistake.message


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
        assert mistake.message in message
        named = [expected]
    others = [k for k, m in MISTAKES.items() if k not in named and m.en in message]
    assert others == [], f"also named: {others}"


def test_diagnose_direct():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    ref = oracles.reference(x, y, w1, w2)
    correct = ref["grad_w1"].numpy()
    candidates = {"relu_mask_missing": correct.copy(), "sign_flipped": -correct,
                  "mean_instead_of_sum/batch": correct / 8}
    # A candidate equal to the correct value names nothing.
    assert diagnosis.diagnose(correct, candidates, correct=correct) is None
    assert diagnosis.diagnose(-correct, candidates, correct=correct) is MISTAKES["sign_flipped"]
    # "key/variant" names key.
    assert diagnosis.diagnose(correct / 8, candidates, correct=correct) is MISTAKES["mean_instead_of_sum"]
    # A transposed value is tried too; and dicts of values are indexed by name.
    assert diagnosis.diagnose((-correct).T, {"sign_flipped": {"grad_w1": -correct}}, "grad_w1") is MISTAKES["sign_flipped"]
    assert diagnosis.diagnose(correct * 3, candidates, correct=correct) is None


def test_every_gradient_candidate_is_a_distinct_wrong_answer():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    ref = oracles.reference(x, y, w1, w2)
    candidates = diagnosis.gradient_candidates(x, y, w1, w2)
    assert {k.split("/")[0] for k in candidates} <= set(MISTAKES)
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


# ======================================================================== 5. property: the correct backward

def _cast(value, backend, dtype):
    if backend == "numpy":
        return oracles.to_numpy64(value).astype(dtype)
    return value.to(torch_dtype(dtype))


@settings(max_examples=40, deadline=None)
@given(shape=st.tuples(*[st.integers(1, 12)] * 4), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES))
def test_correct_backward_passes_on_random_problems(shape, seed, dtype):
    p = problems.make_problem(seed, shape)
    for backend, backward in (("numpy", sc.backward_np), ("torch", sc.backward_torch)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            checks.backward(backward, backend=backend, seed=seed, shape=shape, dtype=dtype)
        assert out.getvalue().startswith("✓ backward")

        x, y, w1, w2 = p.numpy(dtype) if backend == "numpy" else p.torch(dtype)
        ref = oracles.reference(x, y, w1, w2)
        cached = [_cast(ref[k], backend, dtype) for k in ("h", "h_relu", "y_pred")]
        student = dict(zip(("grad_w1", "grad_w2"), backward(x, y, w2, *cached)))
        oracle = {k: _cast(ref[k], backend, dtype) for k in ("grad_w1", "grad_w2")}
        candidates = diagnosis.gradient_candidates(x, y, w1, w2)
        for name in ("grad_w1", "grad_w2"):
            for value in (student[name], oracle[name]):
                assert compare.find_problems(name, value, ref[name], backend, dtype) == []
                assert diagnosis.diagnose(value, candidates, name, correct=ref[name]) is None

        # The oracle's own gradients, cast to the exercise's dtype, pass the check as an answer.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            checks.backward(lambda *args: (oracle["grad_w1"], oracle["grad_w2"]),
                            backend=backend, seed=seed, shape=shape, dtype=dtype)
        assert out.getvalue().startswith("✓ backward")


# ======================================================================== 6. guards

AUTOGRAD_ENTRIES = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad"),
                    *[(torch.autograd.functional, n) for n in ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp")],
                    *[(torch.func, n) for n in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd")]]


def _snapshot():
    return dict(modules=dict(sys.modules), student=dict(vars(sc)), tests=dict(globals()),
                entries={(o, a): vars(o)[a] for o, a in AUTOGRAD_ENTRIES}, grad=torch.is_grad_enabled())


def _assert_restored(before):
    assert sys.modules["torch"] is torch
    assert sys.modules["autograder.oracles"] is oracles
    for name, module in before["modules"].items():
        assert sys.modules.get(name) is module, name
    assert not [n for n, m in list(sys.modules.items()) if isinstance(m, guards._Tripwire)]
    for saved, namespace in ((before["student"], vars(sc)), (before["tests"], globals())):
        assert namespace.keys() == saved.keys()
        assert [k for k in saved if namespace[k] is not saved[k]] == []
    for (owner, attr), original in before["entries"].items():
        assert vars(owner)[attr] is original, (owner, attr)
    assert torch.is_grad_enabled() == before["grad"]


def _numpy_backward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    return (x, y, w2, *sc.forward_np(x, w1, w2))


def _torch_backward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).torch()
    return (x, y, w2, *sc.forward_torch(x, w1, w2))


def _step_args():
    return (*problems.make_problem(0, VISIBLE_SHAPE).torch("float32", requires_grad=True), 1e-2)


def _forward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    return x, w1, w2


def _student_bug(x, w1, w2):
    raise ValueError("a plain bug in the student's code")


GUARD_CASES = [
    ("by_hand-passes", guards.by_hand, sc.backward_np, _numpy_backward_args, None),
    ("by_hand-import-torch", guards.by_hand, sc.backward_np_imports_torch, _numpy_backward_args, guards.GuardViolation),
    ("by_hand-module-torch", guards.by_hand, sc.backward_np_uses_module_torch, _numpy_backward_args,
     guards.GuardViolation),
    ("by_hand-oracle", guards.by_hand, sc.forward_np_calls_oracle, _forward_args, guards.GuardViolation),
    ("by_hand-student-bug", guards.by_hand, _student_bug, _forward_args, ValueError),
    ("no_autograd-passes", guards.no_autograd, sc.backward_torch, _torch_backward_args, None),
    ("no_autograd-backward", guards.no_autograd, sc.backward_torch_uses_backward, _torch_backward_args,
     guards.GuardViolation),
    ("no_autograd-autograd-grad", guards.no_autograd, sc.backward_torch_uses_autograd_grad, _torch_backward_args,
     guards.GuardViolation),
    ("no_oracles-passes", guards.no_oracles, sc.autograd_step, _step_args, None),
    ("no_oracles-oracle", guards.no_oracles, sc.autograd_step_calls_oracle, _step_args, guards.GuardViolation),
]


@pytest.mark.parametrize("case, guard, fn, make_args, raises", GUARD_CASES, ids=[c[0] for c in GUARD_CASES])
def test_guard_restores_everything(case, guard, fn, make_args, raises):
    args = make_args()
    before = _snapshot()
    if raises is None:
        guard(fn, *args)
    else:
        with pytest.raises(raises) as info:
            guard(fn, *args)
        assert type(info.value) is raises  # a student's own error comes back as it was
    _assert_restored(before)
    # And nothing is left behind for the next call: the same guard passes a rule-abiding function.
    passing = {guards.by_hand: (sc.forward_np, _forward_args), guards.no_autograd: (sc.backward_torch, _torch_backward_args),
               guards.no_oracles: (sc.autograd_step, _step_args)}[guard]
    guard(passing[0], *passing[1]())
    _assert_restored(before)


def _probe_by_hand():
    g = globals()
    return (type(sys.modules["torch"]).__name__, type(sys.modules["autograder.oracles"]).__name__,
            type(g["torch"]).__name__, type(g["oracles"]).__name__, type(g["np"]).__name__)


def _probe_no_autograd():
    g = globals()
    return (torch.is_grad_enabled(), type(vars(torch.Tensor)["backward"]).__name__,
            type(vars(torch.autograd)["grad"]).__name__, type(g["oracles"]).__name__, sys.modules["torch"] is torch)


def test_guards_are_in_force_during_the_call_only():
    before = _snapshot()
    assert guards.by_hand(_probe_by_hand) == ("_Tripwire", "_Tripwire", "_Tripwire", "_Tripwire", "module")
    _assert_restored(before)
    assert guards.no_autograd(_probe_no_autograd) == (False, "_Tripwire", "_Tripwire", "_Tripwire", True)
    _assert_restored(before)
    assert _probe_by_hand()[0] == "module" and _probe_no_autograd()[:2] == (True, "function")


@pytest.mark.parametrize("guard, fn, make_args, used", [
    (guards.by_hand, sc.backward_np_torch_in_try, _numpy_backward_args, "import torch"),
    (guards.no_autograd, sc.backward_torch_autograd_in_try, _torch_backward_args, "Tensor.backward"),
], ids=["numpy-torch", "torch-autograd"])
def test_violation_inside_students_try_is_still_reported(guard, fn, make_args, used):
    fn(*make_args())  # unguarded, the function runs and returns normally
    before = _snapshot()
    with pytest.raises(guards.GuardViolation) as info:
        guard(fn, *make_args())
    assert f"(used {used}" in str(info.value)
    assert_bilingual(str(info.value), "✗ Rule:")
    _assert_restored(before)


def test_numpy_only_code_passes_by_hand():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    out = guards.by_hand(sc.forward_np, x, w1, w2)
    for a, b in zip(out, sc.forward_np(x, w1, w2)):
        np.testing.assert_array_equal(a, b)
    grads = guards.by_hand(sc.backward_np, x, y, w2, *out)
    for a, b in zip(grads, sc.backward_np(x, y, w2, *out)):
        np.testing.assert_array_equal(a, b)
    w1_before = w1.copy()
    assert guards.by_hand(sc.sgd_update_np, w1, w2, grads[0], grads[1], learning_rate=0.5) is None
    np.testing.assert_array_equal(w1, w1_before - 0.5 * grads[0])
    assert guards.by_hand(sc.loss_np, out[2], y=y) == sc.loss_np(out[2], y)


def test_guard_violation_is_a_check_failure():
    assert issubclass(guards.GuardViolation, CheckFailed)
    with pytest.raises(AssertionError):
        guards.by_hand(sc.backward_np_imports_torch, *_numpy_backward_args())


# ======================================================================== 7. the correct versions pass

CORRECT = {"numpy": (sc.forward_np, sc.loss_np, sc.backward_np), "torch": (sc.forward_torch, sc.loss_torch, sc.backward_torch)}


# (4, 40, 10, 3): w1 has 400 > 300 entries, so the finite differences are sampled, as on the seed shape.
@pytest.mark.parametrize("seed, shape", [(0, VISIBLE_SHAPE), (12, (5, 7, 6, 3)), (4, (4, 40, 10, 3))], ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_correct_versions_pass_every_check(backend, dtype, seed, shape, capsys):
    forward, loss, backward = CORRECT[backend]
    where = dict(backend=backend, dtype=dtype, seed=seed, shape=shape)
    checks.forward(forward, **where)
    checks.loss(loss, **where)
    checks.backward(backward, finite_differences=True, **where)
    if backend == "torch":
        checks.loss(sc.loss_torch_item, **where)  # a Python float is a fine scalar
    lines = capsys.readouterr().out.splitlines()
    steps = ["forward", "loss", "backward"] + (["loss"] if backend == "torch" else [])
    assert len(lines) == len(steps)
    for line, step in zip(lines, steps):
        assert line.startswith(f"✓ {step}：正确 / correct — {backend} {dtype}")
        assert f"{tuple(shape)}, seed {seed}" in line


@pytest.mark.parametrize("dtype", DTYPES)
def test_correct_update_and_autograd_step_pass(dtype, capsys):
    checks.update(sc.sgd_update_np, dtype=dtype)
    checks.update(sc.sgd_update_np, dtype=dtype, seed=5, shape=(3, 4, 5, 2), learning_rate=0.1)
    checks.autograd_step(sc.autograd_step, dtype=dtype)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"✓ update：正确 / correct — numpy {dtype}")
    assert lines[1].startswith("✓ update") and "seed 5" in lines[1]
    assert lines[2].startswith(f"✓ autograd_step：正确 / correct — torch {dtype} cpu") and lines[2].endswith("2 steps")


def test_finite_differences_catch_what_a_wrong_autograd_oracle_would_miss(monkeypatch, capsys):
    """The second oracle is live: if autograd were wrong (here: no ReLU mask), finite differences object."""
    real = oracles.reference
    monkeypatch.setattr(oracles, "reference", lambda *a, **k: real(*a, **{**k, "relu_gradient": "identity"}))
    checks.backward(sc.backward_np_mask_missing)  # matches the broken autograd oracle
    with pytest.raises(CheckFailed) as info:
        checks.backward(sc.backward_np_mask_missing, finite_differences=True)
    assert "grad_w1 disagrees with the numerical (finite-difference) gradient." in str(info.value)
    assert "grad_w2 disagrees" not in str(info.value)


def test_wrong_return_shape_and_backend():
    with pytest.raises(CheckFailed) as info:
        checks.backward(lambda *args: sc.backward_np(*args)[0])
    assert "backward should return 2 values: (grad_w1, grad_w2); got ndarray." in str(info.value)
    with pytest.raises(CheckFailed) as info:
        checks.forward(lambda *args: sc.forward_np(*args)[:2])
    assert "got 2 个值 / 2 values" in str(info.value)
    with pytest.raises(ValueError):
        checks.forward(sc.forward_np, backend="jax")


# ======================================================================== regressions: bugs found while writing these tests

def test_diagnose_does_not_flag_a_correct_float32_gradient():
    seed, shape, dtype = 458442652, (3, 1, 1, 4), "float32"
    x, y, w1, w2 = problems.make_problem(seed, shape).numpy(dtype)
    ref = oracles.reference(x, y, w1, w2)
    grad_w1, _ = sc.backward_np(x, y, w2, *[_cast(ref[k], "numpy", dtype) for k in ("h", "h_relu", "y_pred")])
    assert compare.find_problems("grad_w1", grad_w1, ref["grad_w1"], "numpy", dtype) == []  # it is correct
    candidates = diagnosis.gradient_candidates(x, y, w1, w2)
    assert diagnosis.diagnose(grad_w1, candidates, "grad_w1", correct=ref["grad_w1"]) is None


def test_forward_does_not_blame_a_mistake_that_leaves_y_pred_right():
    with pytest.raises(CheckFailed) as info:
        checks.forward(sc.forward_np_float64_relu, seed=1, shape=(2, 3, 4, 1), dtype="float32")
    message = str(info.value)
    assert "y_pred has dtype float64 but should be float32" in message
    assert MISTAKES["relu_on_output"].en not in message


def test_loss_returned_as_text_is_not_a_scalar():
    with pytest.raises(CheckFailed):
        checks.loss(sc.loss_np_string)


# ======================================================================== 8. CUDA

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_checks_on_cuda(dtype, capsys):
    where = dict(backend="torch", dtype=dtype, device="cuda")
    checks.forward(sc.forward_torch, **where)
    checks.loss(sc.loss_torch, **where)
    checks.loss(sc.loss_torch_item, **where)
    checks.backward(sc.backward_torch, finite_differences=True, **where)
    checks.autograd_step(sc.autograd_step, dtype=dtype, device="cuda")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("✓") and f"torch {dtype} cuda" in line for line in lines)
    x, _, _, _ = problems.make_problem(0, VISIBLE_SHAPE).torch(dtype, "cuda")
    assert x.device.type == "cuda"
    with pytest.raises(CheckFailed) as info:
        checks.backward(sc.backward_torch_mask_missing, **where)
    assert MISTAKES["relu_mask_missing"].en in str(info.value)
    with pytest.raises(CheckFailed) as info:
        checks.backward(lambda *args: tuple(g.cpu() for g in sc.backward_torch(*args)), **where)
    assert "grad_w1 is on cpu but should be on cuda." in str(info.value)
    with pytest.raises(guards.GuardViolation):
        checks.backward(sc.backward_torch_uses_backward, **where)
