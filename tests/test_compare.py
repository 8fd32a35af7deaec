"""Comparing an answer with the oracle's (autograder/compare.py): the relative error, the bilingual
message for each kind of wrong answer, the tolerance per dtype, and how a check reports."""
import numpy as np
import pytest
import torch

from corpus import student_code as sc
from autograder import compare, oracles, problems
from autograder.compare import CheckFailed
from library_helpers import VISIBLE_SHAPE, assert_bilingual

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
    assert compare.mismatches(name, student[name], ref[name], kind, "float32", "cpu") == []
    assert compare.mismatches(name, ref[name].float(), ref[name], kind, "float32", "cpu") == []
    if name == "loss":
        assert compare.mismatches(name, student[name].item(), ref[name], kind, "float32") == []


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
    found = compare.mismatches("grad_w2", make(g), g, kind, dtype)
    assert len(found) == 1, found
    assert_bilingual(str(found[0]), english)
    assert "grad_w2" in str(found[0]).split("\n")[0] and "grad_w2" in str(found[0]).split("\n")[1]
    if case != "transposed":
        assert "transposed" not in str(found[0])


def test_find_problems_device_message():
    value = torch.zeros(2, 3)
    found = compare.mismatches("w1", value, np.zeros((2, 3)), "torch", "float32", device="cuda")
    assert len(found) == 1
    assert_bilingual(str(found[0]), "w1 is on cpu but should be on cuda.")
    assert compare.mismatches("w1", value, np.zeros((2, 3)), "torch", "float32", device="cpu") == []


def test_find_problems_tolerance_follows_the_dtype():
    g = _grad()
    slightly_off = g * (1 + 1e-5)
    assert compare.mismatches("g", slightly_off.astype("float32"), g, "numpy", "float32") == []
    assert compare.mismatches("g", slightly_off, g, "numpy", "float64") != []
    # A scalar computed in float32 may come back as a Python float: the input dtype sets the tolerance.
    assert compare.mismatches("loss", 1.00001, 1.0, "scalar", "float32") == []
    assert compare.mismatches("loss", 1.00001, 1.0, "scalar", "float64") != []


def test_scalar_kind_accepts_numbers_and_one_element_containers():
    # A Python number, numpy scalar, 0-d array or 0-d tensor; a one-element tensor counts as () too.
    for value in (2.5, np.float32(2.5), np.array(2.5), torch.tensor(2.5), torch.tensor([2.5]), torch.tensor([[2.5]])):
        assert compare.mismatches("loss", value, 2.5, "scalar", "float32") == [], repr(value)
    found = compare.mismatches("loss", np.array([2.5, 2.5]), 2.5, "scalar", "float32")
    assert len(found) == 1
    assert_bilingual(str(found[0]), "loss should be a single number (a scalar)")


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
    message = "错了\nwrong"  # words not the course's, as fail() also takes them
    with pytest.raises(CheckFailed) as info:
        compare.fail("backward", [message, message, "再错\nwrong again"])
    text = str(info.value)
    assert text.startswith("✗ backward：没有通过检查。\n✗ backward: check failed.")
    assert text.count("错了") == 1  # a message that comes twice is named once
    assert "wrong again" in text
    compare.passed("forward", "numpy float64")
    assert capsys.readouterr().out == "✓ forward：正确 / correct — numpy float64\n"


def test_a_python_float_from_float32_inputs_is_held_to_float32_and_says_so():
    message, = map(str, compare.mismatches("loss", 1.5, 1.0, "scalar", "float32"))
    assert "float32 allows 1e-04" in message and "float64" not in message
