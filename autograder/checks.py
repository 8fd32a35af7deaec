"""The checks the test cells of notebooks 1 and 2 call: one per step of the hand-written net.

Each check draws a seeded problem, asks the oracle for the answer, has a probe run the student's
function under the exercise's guard (probes.py: in the kernel in JupyterLab, in a separate
process when graded), and then, on the values the probe sent back, either prints one success
line or raises CheckFailed with what is wrong and, for a known mistake, which one.

backend="numpy": notebook 1 (by hand, no torch); backend="torch": notebook 2 part A
(tensors, backward by hand, no autograd). ``autograd_step`` is notebook 2 part B.
"""
import itertools

from . import oracles, rules
from ._steps import (CHECK_LEARNING_RATE, VISIBLE_SEED, VISIBLE_SHAPE, Case, argument_notes, context, explaining,  # noqa: F401
                     explained, finish, named, named_step, on_every_device, passed_with, rate_problems, sgd_iterations,
                     unpack)
from .compare import fail
from .compare import mismatches
from .diagnosis import (MISTAKES, because, diagnose_all, forward_candidates, gradient_candidates, loss_candidates, observations,
                        update_candidates)
from .messages import Message


def forward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(x, w1, w2) -> (h, h_relu, y_pred)``."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    with explaining("forward", c.label):
        names = ("h", "h_relu", "y_pred")
        out, changed = c.run_watched(fn, ("x", "w1", "w2"), c.x, c.w1, c.w2)
        out = unpack("forward", out, names)
        problems, cause, facts = [], [], []
        wrong = {name: c.mismatches(name, value, c.ref[name]) for name, value in zip(names, out)}
        overwritten = _overwritten(fn, c, out, wrong)
        for name, value in zip(names, out):
            found = wrong[name]
            if found and name == "y_pred":
                cause = named(value, forward_candidates(c.x, c.y, c.w1, c.w2), correct=c.ref[name])
                found += cause
            if found and not cause and not overwritten:  # what is true of each wrong value, when no known mistake explains them
                facts += observations(name, value, c.ref[name], rows=shape[0], h=c.ref["h"])
            problems += found
        problems += overwritten + ([] if cause else facts)
        if problems and _in_another_order(c, out, names):
            problems = [MISTAKES["outputs_order"].message]
        _finish_noting("forward", problems, c.label, argument_notes("forward", changed, not problems))


def _finish_noting(step, problems, label, notes):
    """``finish``, with ``notes`` (which cost nothing) told under a step that passes, or said with its problems."""
    __tracebackhide__ = True
    if problems:
        fail(step, [*problems, *notes, context(label)])
    passed_with(step, label, notes)


def _overwritten(fn, c, out, wrong):
    """[the line that changed h in place, if the code can be read here, and the mistake] when h came back
    as the right h_relu (h was overwritten by the ReLU), else []."""
    h_is_h_relu = not c.mismatches("h", out[0], c.ref["h_relu"])
    cause = because("h_overwritten", h_right=not wrong["h"], h_is_h_relu=h_is_h_relu, h_relu_right=not wrong["h_relu"])
    if cause is None:
        return []
    found = rules.in_place_lines(fn, 0)
    lines = [Message("code.in_place", line=line, name=found[0]) for line in found[1]] if found else []
    return [*lines, cause]


def _in_another_order(c, out, names):
    """True when the returned values are the right ones, only not in the order ``names``."""
    for order in itertools.permutations(names):
        if order != names and all(not c.mismatches(n, v, c.ref[n]) for n, v in zip(order, out)):
            return True
    return False


def loss(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(y_pred, y) -> loss``, the sum of squared errors (a number or a 0-d tensor)."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    with explaining("loss", c.label):
        y_pred = c.cast(c.ref["y_pred"])
        value, changed = c.run_watched(fn, ("y_pred", "y"), y_pred, c.y)
        problems = c.mismatches("loss", value, c.ref["loss"], kind="scalar")
        if problems:
            problems += explained(value, loss_candidates(c.ref["y_pred"], c.y), "loss", c.ref["loss"], rows=shape[0])
        _finish_noting("loss", problems, c.label, argument_notes("compute_loss", changed, not problems))


def backward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu",
             finite_differences=False):
    """Check ``fn(x, y, w2, h, h_relu, y_pred) -> (grad_w1, grad_w2)`` against autograd and,
    when ``finite_differences``, against numerical gradients too."""
    __tracebackhide__ = True
    c = Case(backend, seed, shape, dtype, device)
    with explaining("backward", c.label):
        cached = [c.cast(c.ref[k]) for k in ("h", "h_relu", "y_pred")]
        out, changed = c.run_watched(fn, ("x", "y", "w2", "h", "h_relu", "y_pred"), c.x, c.y, c.w2, *cached)
        out = unpack("backward", out, ("grad_w1", "grad_w2"))
        names = ("grad_w1", "grad_w2")
        found = {name: c.mismatches(name, value, c.ref[name]) for name, value in zip(names, out)}
        problems = [p for name in names for p in found[name]]
        wrong = [name for name in names if found[name]]
        if wrong:
            # A mistake is named only if it explains both gradients: the one right as well as the one wrong.
            cause = diagnose_all(dict(zip(names, out)), gradient_candidates(c.x, c.y, c.w1, c.w2),
                                 {n: c.ref[n] for n in names})
            if cause:
                problems.append(cause.message)
            else:
                problems += [p for name, value in zip(names, out) if found[name]
                             for p in observations(name, value, c.ref[name], rows=shape[0])]
                problems += [_one_gradient(*wrong)] if len(wrong) == 1 else []
        if not problems and finite_differences:
            problems = _finite_difference_problems(c, out)
        _finish_noting("backward", problems, c.label, argument_notes("backward", changed, not problems))


# The part of the backward pass only one gradient goes through: where to look when the other is right.
PATHS = {"grad_w1": "grad_h_relu = grad_y_pred @ w2.T → grad_h (ReLU mask) → grad_w1 = x.T @ grad_h",
         "grad_w2": "grad_w2 = h_relu.T @ grad_y_pred"}


def _one_gradient(wrong):
    right = "grad_w2" if wrong == "grad_w1" else "grad_w1"
    return Message("diagnosis.observed", fact=Message("observed.one_gradient", right=right, wrong=wrong, path=PATHS[wrong]))


def _finite_difference_problems(c, grads):
    numerical = oracles.finite_differences(c.x, c.y, c.w1, c.w2)
    problems = []
    for (name, (idx, values)), grad in zip(numerical.items(), grads):
        picked = oracles.to_numpy64(grad).reshape(-1)[idx]
        found = mismatches(name, picked, values, "numpy")  # float64 here; tolerance from the input dtype
        if found and not mismatches(name, picked.astype(c.dtype), values, "numpy", c.dtype):
            continue
        problems += [Message("backward.finite_differences", name=name)] if found else []
    return problems


def update(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(w1, w2, grad_w1, grad_w2, learning_rate)``: SGD, changing w1 and w2 in place (numpy)."""
    __tracebackhide__ = True
    c = Case("numpy", seed, shape, dtype, None)
    with explaining("update", c.label):
        g1, g2 = c.cast(c.ref["grad_w1"]), c.cast(c.ref["grad_w2"])
        values = c.run(fn, c.w1.copy(), c.w2.copy(), g1, g2, learning_rate, after=(0, 1))
        returned, (w1, w2) = values["out"], values["after"]
        problems = []
        for name, w, before, g in (("w1", w1, c.w1, g1), ("w2", w2, c.w2, g2)):
            expected = oracles.to_numpy64(before) - learning_rate * oracles.to_numpy64(g)
            if (w == before).all():
                problems += [Message("update.unchanged", name=name), MISTAKES["rebinding"].message]
                continue
            found = c.mismatches(name, w, expected)
            if found:
                found += (named_step(before, w, update_candidates(before, g, learning_rate), expected)
                          or rate_problems(before, w, g, learning_rate))
            problems += found
        if returned is not None and not problems:
            problems.append(Message("update.returned"))
        finish("update", problems, c.label)


def autograd_step(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                  learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(x, y, w1, w2, learning_rate) -> loss`` (w1, w2 with requires_grad=True):
    forward, loss, loss.backward(), the SGD update under torch.no_grad(), gradients zeroed."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    sgd_iterations("autograd_step", fn, "tensors", c, learning_rate)
