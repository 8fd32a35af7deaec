"""The checks the test cells of notebooks 1 and 2 call: one per step of the hand-written net.

Each check draws a seeded problem, asks the oracle for the answer, has a probe run the student's
function under the exercise's guard (probes.py: in the kernel in JupyterLab, in a separate
process when graded), and then, on the values the probe sent back, either prints one success
line or raises CheckFailed with what is wrong and, for a known mistake, which one.

backend="numpy": notebook 1 (by hand, no torch); backend="torch": notebook 2 part A
(tensors, backward by hand, no autograd). ``autograd_step`` is notebook 2 part B.
"""
from . import oracles
from ._steps import (CHECK_LEARNING_RATE, VISIBLE_SEED, VISIBLE_SHAPE, Case, finish, named, on_every_device,  # noqa: F401
                     sgd_steps, unpack)
from .compare import find_problems
from .diagnosis import MISTAKES, forward_candidates, gradient_candidates, loss_candidates, update_candidates
from .messages import say

def forward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(x, w1, w2) -> (h, h_relu, y_pred)``."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    out = unpack("forward", c.run(fn, c.x, c.w1, c.w2)["out"], ("h", "h_relu", "y_pred"))
    problems = []
    for name, value in zip(("h", "h_relu", "y_pred"), out):
        found = c.problems(name, value, c.ref[name])
        if found and name == "y_pred":
            found += named(value, forward_candidates(c.x, c.y, c.w1, c.w2), correct=c.ref["y_pred"])
        problems += found
    finish("forward", problems, c.label)


def loss(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(y_pred, y) -> loss``, the sum of squared errors (a number or a 0-d tensor)."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    y_pred = c.cast(c.ref["y_pred"])
    value = c.run(fn, y_pred, c.y)["out"]
    problems = c.problems("loss", value, c.ref["loss"], kind="scalar")
    if problems:
        problems += named(value, loss_candidates(c.ref["y_pred"], c.y), correct=c.ref["loss"])
    finish("loss", problems, c.label)


def backward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu",
             finite_differences=False):
    """Check ``fn(x, y, w2, h, h_relu, y_pred) -> (grad_w1, grad_w2)`` against autograd and,
    when ``finite_differences``, against numerical gradients too."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    cached = [c.cast(c.ref[k]) for k in ("h", "h_relu", "y_pred")]
    out = unpack("backward", c.run(fn, c.x, c.y, c.w2, *cached)["out"], ("grad_w1", "grad_w2"))
    problems, candidates = [], None
    for name, value in zip(("grad_w1", "grad_w2"), out):
        found = c.problems(name, value, c.ref[name])
        if found:
            candidates = candidates or gradient_candidates(c.x, c.y, c.w1, c.w2)
            found += named(value, candidates, name, correct=c.ref[name])
        problems += found
    if not problems and finite_differences:
        problems = _finite_difference_problems(c, out)
    finish("backward", problems, c.label)


def _finite_difference_problems(c, grads):
    numerical = oracles.finite_differences(c.x, c.y, c.w1, c.w2)
    problems = []
    for (name, (idx, values)), grad in zip(numerical.items(), grads):
        picked = oracles.to_numpy64(grad).reshape(-1)[idx]
        found = find_problems(name, picked, values, "numpy")  # float64 here; tolerance from the input dtype
        if found and not find_problems(name, picked.astype(c.dtype), values, "numpy", c.dtype):
            continue
        problems += [say("backward.finite_differences", name=name)] if found else []
    return problems


def update(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(w1, w2, grad_w1, grad_w2, learning_rate)``: SGD, changing w1 and w2 in place (numpy)."""
    __tracebackhide__ = True
    c = Case("numpy", seed, shape, dtype, None)
    g1, g2 = c.cast(c.ref["grad_w1"]), c.cast(c.ref["grad_w2"])
    values = c.run(fn, c.w1.copy(), c.w2.copy(), g1, g2, learning_rate, after=(0, 1))
    returned, (w1, w2) = values["out"], values["after"]
    problems = []
    for name, w, before, g in (("w1", w1, c.w1, g1), ("w2", w2, c.w2, g2)):
        expected = oracles.to_numpy64(before) - learning_rate * oracles.to_numpy64(g)
        if (w == before).all():
            problems.append(say("update.unchanged", name=name) + "\n" + MISTAKES["rebinding"].message)
            continue
        found = c.problems(name, w, expected)
        if found:
            found += named(w, update_candidates(before, g, learning_rate), correct=expected)
        problems += found
    if returned is not None and not problems:
        problems.append(say("update.returned"))
    finish("update", problems, c.label)


def autograd_step(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                  learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(x, y, w1, w2, learning_rate) -> loss`` (w1, w2 with requires_grad=True):
    forward, loss, loss.backward(), the SGD update under torch.no_grad(), gradients zeroed."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    sgd_steps("autograd_step", fn, "tensors", c, learning_rate)
