"""What every check shares: a seeded case, how a step passes or fails, the SGD iterations of notebooks
2 and 3, and every check run on every device and dtype. Private to checks.py and nn_checks.py."""
from contextlib import contextmanager

import numpy as np

from . import oracles, probes, wire
from .compare import checking, fail, mismatches, is_tensor, passed, tell
from .diagnosis import (FACTS, MISTAKES, REDUCTION_MISTAKES, because, diagnose, explain, fitted_rate, loss_candidates, noted,
                        observations, update_candidates)
from .messages import Message
from .probes import raise_judged
from .problems import devices, make_problem

# Visible checks: small and fixed. Hidden tests pass their own seeds and shapes.
VISIBLE_SEED = 0
VISIBLE_SHAPE = (8, 12, 10, 4)
# Large enough that a missing or doubled learning rate shows even in float32; and neither it nor its
# square is a rate of the tutorial's (1e-6, 1e-4), so a rate written as a constant is told from both.
CHECK_LEARNING_RATE = 2e-2


class Case:
    """One problem instance in the form a backend's exercise receives it."""

    def __init__(self, backend, seed, shape, dtype, device):
        self.backend, self.dtype, self.device = backend, dtype, (device if backend == "torch" else None)
        problem = make_problem(seed, shape)
        if backend == "numpy":
            self.x, self.y, self.w1, self.w2 = problem.numpy(dtype)
        elif backend == "torch":
            self.x, self.y, self.w1, self.w2 = problem.torch(dtype, device)
        else:
            raise ValueError(f"backend must be 'numpy' or 'torch', not {backend!r}")
        self.kind = backend
        self.label = f"{backend} {dtype}{' ' + device if self.device else ''}, (N, D_in, H, D_out) = {tuple(shape)}, seed {seed}"
        checking({"backend": backend, "dtype": dtype, "device": self.device, "shape": list(shape), "seed": seed})
        self.ref = oracles.reference(self.x, self.y, self.w1, self.w2)

    def cast(self, value):
        """A float64 oracle value in this case's library, dtype and device."""
        if self.backend == "numpy":
            return oracles.to_numpy64(value).astype(self.dtype)
        import torch  # not at the top: notebook 1's checks must work where only numpy is wanted

        return value.to(device=self.device, dtype=getattr(torch, self.dtype)).clone()

    def run(self, fn, *args, after=()):
        """The probe's values of the student's ``fn(*args)`` under this exercise's guard: "out", what
        it returned, and "after", the arguments at positions ``after`` as the call left them."""
        __tracebackhide__ = True
        guard = "by_hand" if self.backend == "numpy" else "no_autograd"
        return probes.run(fn, "call", args=list(args), guard=guard, after=list(after))

    def run_watched(self, fn, names, *args):
        """The probe's values of ``fn(*args)``, as ``run``, and the ``names`` of the arguments the call changed."""
        __tracebackhide__ = True
        kept = [oracles.to_numpy64(a).copy() for a in args]
        values = self.run(fn, *args, after=range(len(args)))
        return values["out"], [n for n, a, b in zip(names, kept, values["after"]) if not _unchanged(a, b)]

    def mismatches(self, name, value, reference, kind=None):
        return mismatches(name, value, reference, kind or self.kind, self.dtype, self.device)


def _unchanged(before, after):
    try:
        after = oracles.to_numpy64(after)
    except Exception:  # noqa: BLE001 (not an array any more: the call changed it into something else)
        return False
    return after.shape == before.shape and bool(np.array_equal(after, before, equal_nan=True))


def argument_notes(fn_name, changed, result_right):
    """A note for each argument the student's function changed in place while its result is right (it
    costs no points): the function's name and the argument's, then the mistake."""
    note = noted("argument_changed", changed=tuple(changed), result_right=result_right)
    if note is None:
        return []
    return [Message("code.argument_changed", fn=fn_name, name=", ".join(changed)), note]


def unpack(step, out, names):
    __tracebackhide__ = True
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        # how many it got: a phrase in each line's language, or the type's name
        got = Message("check.value_count", n=len(out)) if isinstance(out, (tuple, list)) else type(out).__name__
        fail(step, [Message("check.wrong_count", step=step, n=len(names), names=", ".join(names), got=got)])
    return out


def context(label):
    return Message("check.case", label=label)


def finish(step, problems, label):
    __tracebackhide__ = True
    if problems:
        fail(step, [*problems, context(label)])
    passed(step, label)


@contextmanager
def explaining(step, label, updates=False):
    """An exception of the student's code with a known cause (diagnosis.explain) fails ``step`` with the
    student's own traceback and the cause; any other goes on as it is. ``updates``: the step updates
    parameters from their .grad."""
    __tracebackhide__ = True
    try:
        yield
    except wire.StudentError as error:
        mistake = explain(error, updates)
        cause = None if mistake is None else (because(mistake.key, raised=str(error)) if mistake.key in FACTS
                                              else mistake.message)
        if cause is None:
            raise
        fail(step, [student_traceback(error), cause, context(label)], raised=error)


def student_traceback(error):
    """A wire.StudentError as the student's own traceback (the checking library's frames left out) and its last line."""
    return f"{''.join(error.lines).rstrip()}\n{error}".lstrip("\n")


def named_step(before, now, candidates, expected):
    """[the message of the known mistake whose update gives ``now`` from ``before``], or []. Compared on the
    change the update made (before − now), not on the weights, where a small change would hide in their tolerance."""
    taken = before - now  # in the student's dtype, which sets the tolerance
    before = oracles.to_numpy64(before)
    changes = {key: before - oracles.to_numpy64(value) for key, value in candidates.items()}
    return named(taken, changes, correct=before - oracles.to_numpy64(expected))


def named(value, candidates, name=None, correct=None):
    """[the message of the known mistake ``value`` matches], or [] when none does (diagnosis.diagnose)."""
    mistake = diagnose(value, candidates, name, correct=correct)
    return [mistake.message] if mistake else []


def explained(value, candidates, name, correct, **observe):
    """The known mistake ``value`` matches or, when none does, what is measurably true of it
    (diagnosis.observations, given ``observe``: rows, h)."""
    return named(value, candidates, name, correct) or observations(name, value, correct, **observe)


def rate_problems(before, now, grad, learning_rate):
    """The learning rate written as a constant: ``now`` is a plain SGD update of another rate. [] otherwise."""
    rate = fitted_rate(before, now, grad)
    if rate is None or abs(rate - learning_rate) <= 1e-6 * abs(learning_rate):
        return []
    observed = Message("observed.rate", rate=rate, learning_rate=learning_rate)
    return [MISTAKES["lr_hardcoded"].message, Message("diagnosis.observed", fact=observed)]


def number_notes(value):
    """A note when a tensor (or a list holding tensors) comes back where a number is asked: it costs no points."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if any(is_tensor(v) for v in values):
        return [Message("diagnosis.note", cause=Message("mistake.tensor_not_number"))]
    return []


def every_iteration(step, record, iterations, label):
    """A probe's record of ``iterations`` iterations as an honest probe sends it: one entry per iteration,
    or fewer ending at the student's exception. Fewer iterations pass nothing (a step passes on its values)."""
    __tracebackhide__ = True
    ended = bool(record) and isinstance(record[-1], dict) and "error" in record[-1]
    if not isinstance(record, list) or not (len(record) == iterations or (ended and len(record) <= iterations)):
        fail(step, [Message("probe.unusable_values"), context(label)])
    return record


def passed_with(step, detail, notes):
    passed(step, detail)
    for note in dict.fromkeys(notes):
        tell(note)


def on_every_device(check, fn, dtypes=("float64", "float32"), **options):
    """``check(fn, device=…, dtype=…, **options)`` on every device here (CUDA too, where there is a
    GPU) and in each of ``dtypes`` (``None``: the check's own dtype). A hidden test's loop, written
    once: it leaves no loop variable in the student's namespace."""
    __tracebackhide__ = True
    for device in devices():
        for dtype in dtypes:
            check(fn, device=device, **({} if dtype is None else {"dtype": dtype}), **options)


def sgd_iterations(step, fn, kind, c, learning_rate, iterations=2):
    """Run a student's SGD step function ``iterations`` times (probes.sgd_iterations, ``kind`` "tensors" or
    "sequential", from c.w1, c.w2) and check the loss and the weights after each.
    From the second iteration on, gradients left over from the iteration before are recognised.
    """
    __tracebackhide__ = True
    with explaining(step, c.label, updates=True):
        _sgd_iterations(step, fn, kind, c, learning_rate, iterations)


def _sgd_iterations(step, fn, kind, c, learning_rate, iterations):
    __tracebackhide__ = True
    previous, before, notes = None, {"w1": c.w1.detach().clone(), "w2": c.w2.detach().clone()}, []
    record = probes.run(fn, "sgd_iterations", kind=kind, x=c.x, y=c.y, w1=c.w1, w2=c.w2, learning_rate=learning_rate,
                        iterations=iterations)["iterations"]
    record = every_iteration(step, record, iterations, c.label)
    for k, entry in enumerate(record, start=1):
        ref = oracles.reference(c.x, c.y, before["w1"], before["w2"])
        if "error" in entry:
            error = entry["error"]
            if explain(error, updates=True) is MISTAKES["grad_none"]:
                gradients_none = "none" in entry["gradients"].values()
                if not gradients_none:
                    # The caller's tensors kept their gradients: the None was on a new tensor the update made.
                    fail(step, [student_traceback(error), MISTAKES["rebinding"].message, context(c.label)], raised=error)
                detached = because("loss_detached", loss_reached=entry.get("loss_reached"), gradients_none=gradients_none,
                                   backward_calls=entry.get("backward_calls") or 0)
                if detached is not None:  # backward() ran, but not through the loss: not a .grad used too early
                    fail(step, [student_traceback(error), detached, context(c.label)], raised=error)
            raise_judged(error)
        value = entry["loss"]
        if kind == "sequential":  # notebook 3's contract says a number; notebook 2's allows a 0-d tensor
            notes += number_notes(value)
        problems = c.mismatches("loss", value, ref["loss"], kind="scalar")
        if problems:
            after = oracles.reference(c.x, c.y, entry["weights"]["w1"], entry["weights"]["w2"])["loss"]
            candidates = {"loss_after_update": after}
            if kind == "tensors":  # the student computes the loss: notebook 1's mistakes can be made here too
                candidates.update(loss_candidates(ref["y_pred"], c.y))
                candidates["relu_missing"] = oracles.reference(c.x, c.y, before["w1"], before["w2"], relu=False)["loss"]
            problems += named(value, candidates, correct=ref["loss"])
        for name in ("w1", "w2"):  # both, whatever the record holds: a weight left out is not a weight right
            now = entry["weights"].get(name)
            if now is None:
                problems.append(Message("probe.unusable_values"))
                continue
            if not entry["leaf"][name]:
                problems.append(Message("update.not_leaf", name=name))
                continue
            grad = ref[f"grad_{name}"]
            if (now == before[name]).all():
                # Gradients left at zero: zeroed before the update; left as they were, or None: the update made a new tensor.
                cause = "zeroed_before_update" if entry["gradients"][name] == "zero" else "rebinding"
                problems += [Message("update.unchanged", name=name), MISTAKES[cause].message]
                continue
            expected = oracles.to_numpy64(before[name]) - learning_rate * oracles.to_numpy64(grad)
            found = c.mismatches(name, now, expected)
            if found:
                candidates = update_candidates(before[name], grad, learning_rate)
                if previous is not None:  # the iteration before's gradient still added in?
                    candidates = {"not_zeroed": expected - learning_rate * previous[name], **candidates}
                if kind == "tensors":  # the student's own forward and loss: a mean loss, or no ReLU
                    variants = {**{key: {"reduction": r} for key, r in REDUCTION_MISTAKES.items()},
                                "relu_missing": {"relu": False}}
                    for key, variant in variants.items():
                        other = oracles.reference(c.x, c.y, before["w1"], before["w2"], **variant)
                        candidates[key] = oracles.to_numpy64(before[name]) - learning_rate * oracles.to_numpy64(
                            other[f"grad_{name}"])
                found += (named_step(before[name], now, candidates, expected)
                          or rate_problems(before[name], now, grad, learning_rate))
            problems += found
        if problems:
            fail(step, [Message("check.at_step", k=k), *problems, *notes, context(c.label)])
        previous = {n: oracles.to_numpy64(ref[f"grad_{n}"]) for n in ("w1", "w2")}
        before = entry["weights"]
    passed_with(step, f"{c.label}, {iterations} iterations", notes)
