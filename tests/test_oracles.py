"""The oracles (autograder/oracles.py): the autograd reference and finite differences agree with
each other and with the hand-written network, and each mistake variant is the mistaken code's answer.
Student-like code, right and wrong, lives in corpus/student_code.py."""
import numpy as np
import pytest
import torch

from corpus import student_code as sc
from autograder import compare, oracles, problems
from library_helpers import DTYPES, VISIBLE_SHAPE

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
