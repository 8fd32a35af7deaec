"""Compare a student's value with a reference and say what is wrong, 中文 first, then English.

Relative error as in CS231n, scaled by the largest magnitude so that entries close to
zero do not turn float32 rounding into false alarms:

    max |a - b| / max(1e-8, max(|a| + |b|))
"""
import math
from contextlib import contextmanager

import numpy as np

from . import messages as catalogue  # "messages" is fail()'s argument
from .messages import Message
from .oracles import to_numpy64

# Largest relative error a correct answer can show, per dtype of the student's value.
TOLERANCE = {"float64": 1e-7, "float32": 1e-4, "float16": 1e-2, "bfloat16": 2e-2}


class CheckFailed(AssertionError):
    """A check failed. ``said``: what it says, as data: Messages (messages.py) and words that are not the
    course's (a student's traceback); ``str()`` renders them in the chosen language(s), one block each.
    ``raised``: the student's exception (wire.StudentError) the check explained, if any."""

    def __init__(self, *said, raised=None):
        super().__init__(*said)
        self.said, self.raised = list(said), raised

    def __str__(self):
        return "\n\n".join(catalogue.render(one) for one in self.said)

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the explanation is what the student
        # needs, not the checking library's own frames.
        return str(self).splitlines()


class Heard:
    """While a judge listens: what the checks printed (Messages, ``tell``) and the cases they checked
    ({backend, dtype, device, shape, seed}, ``checking``), in order."""

    def __init__(self):
        self.said, self.cases = [], []


_listeners = []


def tell(message):
    """Print ``message`` (a check's success line, a note) and hand it to every listener."""
    print(message)
    for heard in _listeners:
        heard.said.append(message)


def checking(case):
    """A check is about to run on ``case`` (a dict): every listener notes it."""
    for heard in _listeners:
        heard.cases.append(case)


@contextmanager
def listening():
    """What the checks say and check inside this block, as a Heard."""
    heard = Heard()
    _listeners.append(heard)
    try:
        yield heard
    finally:
        _listeners.remove(heard)


def relative_error(a, b):
    a, b = to_numpy64(a), to_numpy64(b)
    scale = float(np.max(np.abs(a) + np.abs(b), initial=0.0))
    return float(np.max(np.abs(a - b), initial=0.0)) / max(1e-8, scale)


def is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def dtype_name(value):
    if is_tensor(value):
        return str(value.dtype).replace("torch.", "")
    return str(np.asarray(value).dtype)


def tolerance(value):
    return TOLERANCE.get(dtype_name(value), 1e-7)


def _wrong_kind(name, value, kind):
    """A message when ``value`` is not the kind of thing asked for, else None."""
    if value is None:
        return Message("value.none", name=name)
    if kind == "numpy" and not isinstance(value, np.ndarray):
        return Message("value.not_numpy", name=name, type=type(value).__name__)
    if kind == "torch" and not is_tensor(value):
        return Message("value.not_torch", name=name, type=type(value).__name__)
    if kind == "scalar":
        try:
            if isinstance(value, (str, bytes)):
                raise TypeError("text is not a number")
            float(value.detach() if is_tensor(value) else value)
        except (TypeError, ValueError, RuntimeError):
            return Message("value.not_scalar", name=name, type=type(value).__name__)
    return None


def mismatches(name, value, reference, kind, dtype=None, device=None):
    """Everything wrong with ``value`` compared to ``reference``, as a list of Messages.

    kind: "numpy", "torch" or "scalar" (a Python number, numpy scalar or 0-d tensor).
    dtype: the dtype of the inputs; arrays must keep it, and it sets the tolerance
    (a scalar computed in float32 may come back as a Python float).
    device: where a tensor should be (skipped when None).
    """
    wrong_kind = _wrong_kind(name, value, kind)
    if wrong_kind:
        return [wrong_kind]
    ref = to_numpy64(reference)
    shape = tuple(value.shape) if hasattr(value, "shape") else ()
    if kind == "scalar" and math.prod(shape) == 1:
        shape = ()
    if shape != ref.shape:
        if len(shape) == 2 and shape == ref.shape[::-1]:
            return [Message("value.transposed", name=name, shape=shape, expected=ref.shape)]
        return [Message("value.shape", name=name, shape=shape, expected=ref.shape)]
    problems = []
    if device is not None and is_tensor(value) and value.device.type != str(device).split(":")[0]:
        problems.append(Message("value.device", name=name, device=value.device, expected=device))
    if dtype is not None and kind != "scalar" and dtype_name(value) != dtype:
        problems.append(Message("value.dtype", name=name, dtype=dtype_name(value), expected=dtype))
    values = to_numpy64(value)
    if not np.all(np.isfinite(values)):
        problems.append(Message("value.not_finite", name=name))
        return problems
    tol = max(tolerance(value), TOLERANCE.get(dtype, 0.0))
    error = relative_error(values, ref)
    if error > tol:
        # A scalar may come back as a Python float (float64) from float32 inputs: name the dtype the tolerance is for.
        shown = dtype if kind == "scalar" and dtype else dtype_name(value)
        problems.append(Message("value.wrong", name=name, error=error, dtype=shown, tol=tol))
    return problems


def close_enough(value, reference, slack=10.0):
    """True when ``value`` matches ``reference`` in shape and, up to ``slack`` times its dtype's tolerance, in value."""
    try:
        if tuple(np.shape(to_numpy64(value))) != tuple(np.shape(to_numpy64(reference))):
            return False
        return relative_error(value, reference) <= slack * tolerance(value)
    except (TypeError, ValueError, RuntimeError):
        return False


def fail(step, messages, raised=None):
    """Raise CheckFailed for ``step`` with all ``messages`` (Messages, or words not the course's), one
    block each; ``raised``: the student's exception it explains."""
    __tracebackhide__ = True
    messages = list(dict.fromkeys(messages))  # a mistake that spoils two values is named once
    raise CheckFailed(Message("check.failed", step=step), *messages, raised=raised)


def passed(step, detail=""):
    """Print the success line a student sees under a passing check."""
    tell(Message("check.passed_on", step=step, detail=detail) if detail else Message("check.passed", step=step))
