"""Compare a student's value with a reference and say what is wrong, 中文 first, then English.

Relative error as in CS231n, scaled by the largest magnitude so that entries close to
zero do not turn float32 rounding into false alarms:

    max |a - b| / max(1e-8, max(|a| + |b|))
"""
import math

import numpy as np

from . import messages as catalogue  # "messages" is fail()'s argument
from .oracles import to_numpy64

# Largest relative error a correct answer can show, per dtype of the student's value.
TOLERANCE = {"float64": 1e-7, "float32": 1e-4, "float16": 1e-2, "bfloat16": 2e-2}


class CheckFailed(AssertionError):
    """A check failed; the message is for the student, in the course's language(s) (messages.py)."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the explanation is what the student
        # needs, not the checking library's own frames.
        return str(self).splitlines()


def say(zh, en):
    """A message not in the catalogue (messages.py), Chinese line then English line, in the chosen language(s)."""
    return catalogue.join(zh, en)


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
        return catalogue.say("value.none", name=name)
    if kind == "numpy" and not isinstance(value, np.ndarray):
        return catalogue.say("value.not_numpy", name=name, type=type(value).__name__)
    if kind == "torch" and not is_tensor(value):
        return catalogue.say("value.not_torch", name=name, type=type(value).__name__)
    if kind == "scalar":
        try:
            if isinstance(value, (str, bytes)):
                raise TypeError("text is not a number")
            float(value.detach() if is_tensor(value) else value)
        except (TypeError, ValueError, RuntimeError):
            return catalogue.say("value.not_scalar", name=name, type=type(value).__name__)
    return None


def mismatches(name, value, reference, kind, dtype=None, device=None):
    """Everything wrong with ``value`` compared to ``reference``, as a list of messages.

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
            return [catalogue.say("value.transposed", name=name, shape=shape, expected=ref.shape)]
        return [catalogue.say("value.shape", name=name, shape=shape, expected=ref.shape)]
    problems = []
    if device is not None and is_tensor(value) and value.device.type != str(device).split(":")[0]:
        problems.append(catalogue.say("value.device", name=name, device=value.device, expected=device))
    if dtype is not None and kind != "scalar" and dtype_name(value) != dtype:
        problems.append(catalogue.say("value.dtype", name=name, dtype=dtype_name(value), expected=dtype))
    values = to_numpy64(value)
    if not np.all(np.isfinite(values)):
        problems.append(catalogue.say("value.not_finite", name=name))
        return problems
    tol = max(tolerance(value), TOLERANCE.get(dtype, 0.0))
    error = relative_error(values, ref)
    if error > tol:
        # A scalar may come back as a Python float (float64) from float32 inputs: name the dtype the tolerance is for.
        shown = dtype if kind == "scalar" and dtype else dtype_name(value)
        problems.append(catalogue.say("value.wrong", name=name, error=error, dtype=shown, tol=tol))
    return problems


def close_enough(value, reference, slack=10.0):
    """True when ``value`` matches ``reference`` in shape and, up to ``slack`` times its dtype's tolerance, in value."""
    try:
        if tuple(np.shape(to_numpy64(value))) != tuple(np.shape(to_numpy64(reference))):
            return False
        return relative_error(value, reference) <= slack * tolerance(value)
    except (TypeError, ValueError, RuntimeError):
        return False


def fail(step, messages):
    """Raise CheckFailed for ``step`` with all ``messages``, one block each (bilingual by default)."""
    __tracebackhide__ = True
    header = catalogue.say("check.failed", step=step)
    messages = list(dict.fromkeys(messages))  # a mistake that spoils two values is named once
    raise CheckFailed("\n\n".join([header, *messages]))


def passed(step, detail=""):
    """Print the success line a student sees under a passing check."""
    print(catalogue.say("check.passed", step=step) + (f" — {detail}" if detail else ""))
