"""The checks the notebooks call (autograder/checks.py): the correct versions pass on every
backend, dtype and shape, on random problems too; wrong returns are reported; on CUDA where there
is a GPU. Student-like code, right and wrong, lives in corpus/student_code.py; the mistakes
each check names are tested in test_diagnosis.py."""
import contextlib
import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import student_code as sc
from autograder import checks, compare, diagnosis, guards, oracles, problems
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES
from library_helpers import DTYPES, VISIBLE_SHAPE, cast

# ======================================================================== property: the correct backward

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
        cached = [cast(ref[k], backend, dtype) for k in ("h", "h_relu", "y_pred")]
        student = dict(zip(("grad_w1", "grad_w2"), backward(x, y, w2, *cached)))
        oracle = {k: cast(ref[k], backend, dtype) for k in ("grad_w1", "grad_w2")}
        candidates = diagnosis.gradient_candidates(x, y, w1, w2)
        for name in ("grad_w1", "grad_w2"):
            for value in (student[name], oracle[name]):
                assert compare.mismatches(name, value, ref[name], backend, dtype) == []
                assert diagnosis.diagnose(value, candidates, name, correct=ref[name]) is None

        # The oracle's own gradients, cast to the exercise's dtype, pass the check as an answer.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            checks.backward(lambda *args: (oracle["grad_w1"], oracle["grad_w2"]),
                            backend=backend, seed=seed, shape=shape, dtype=dtype)
        assert out.getvalue().startswith("✓ backward")


# ======================================================================== the correct versions pass

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
    assert lines[2].startswith(f"✓ autograd_step：正确 / correct — torch {dtype} cpu") and lines[2].endswith("2 iterations")


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
    assert "实际得到 2 个值。" in str(info.value) and "; got 2 values." in str(info.value)
    with pytest.raises(ValueError):
        checks.forward(sc.forward_np, backend="jax")


# ======================================================================== regressions: bugs found while writing these tests

def test_forward_does_not_blame_a_mistake_that_leaves_y_pred_right():
    with pytest.raises(CheckFailed) as info:
        checks.forward(sc.forward_np_float64_relu, seed=1, shape=(2, 3, 4, 1), dtype="float32")
    message = str(info.value)
    assert "y_pred has dtype float64 but should be float32" in message
    assert MISTAKES["relu_on_output"].en not in message


def test_loss_returned_as_text_is_not_a_scalar():
    with pytest.raises(CheckFailed):
        checks.loss(sc.loss_np_string)


# ======================================================================== CUDA

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


def test_h_overwritten_by_the_relu_is_named_and_an_argument_changed_is_a_note(capsys):
    def forward(x, w1, w2):
        h = x.dot(w1)
        h_relu = np.maximum(h, 0, out=h)
        return h, h_relu, h_relu.dot(w2)

    def compute_loss(y_pred, y):
        y_pred -= y
        return np.square(y_pred).sum()

    with pytest.raises(CheckFailed) as failed:
        checks.forward(forward)
    assert MISTAKES["h_overwritten"].en in str(failed.value) and "Observed" not in str(failed.value)
    checks.loss(compute_loss)  # the value is right: it passes, with a note
    out = capsys.readouterr().out
    assert out.startswith("✓") and MISTAKES["argument_changed"].en in out and "changed its argument y_pred" in out
