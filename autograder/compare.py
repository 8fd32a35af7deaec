"""Compare a student's value with a reference and say what is wrong, 中文 first, then English.

Relative error as in CS231n, scaled by the largest magnitude so that entries close to
zero do not turn float32 rounding into false alarms:

    max |a - b| / max(1e-8, max(|a| + |b|))
"""
import math

import numpy as np

from .oracles import to_numpy64

# Largest relative error a correct answer can show, per dtype of the student's value.
TOLERANCE = {"float64": 1e-7, "float32": 1e-4, "float16": 1e-2, "bfloat16": 2e-2}


class CheckFailed(AssertionError):
    """A check failed; the message is for the student, in both languages."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback: the explanation is what the student
        # needs, not the checking library's own frames.
        return str(self).splitlines()


def say(zh, en):
    """One bilingual message: Chinese line, then English line."""
    return f"{zh}\n{en}"


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


def _kind_problem(name, value, kind):
    """A message when ``value`` is not the kind of thing asked for, else None."""
    if value is None:
        return say(f"{name} 是 None：函数是不是忘了 return？", f"{name} is None: did the function forget to return it?")
    if kind == "numpy" and not isinstance(value, np.ndarray):
        return say(f"{name} 应该是 numpy 数组，而不是 {type(value).__name__}。",
                   f"{name} should be a numpy array, not {type(value).__name__}.")
    if kind == "torch" and not is_tensor(value):
        return say(f"{name} 应该是 torch.Tensor，而不是 {type(value).__name__}。",
                   f"{name} should be a torch.Tensor, not {type(value).__name__}.")
    if kind == "scalar":
        try:
            if isinstance(value, (str, bytes)):
                raise TypeError("text is not a number")
            float(value)
        except (TypeError, ValueError, RuntimeError):
            return say(f"{name} 应该是一个数（标量），而不是 {type(value).__name__}。",
                       f"{name} should be a single number (a scalar), not {type(value).__name__}.")
    return None


def find_problems(name, value, reference, kind, dtype=None, device=None):
    """Everything wrong with ``value`` compared to ``reference``, as a list of messages.

    kind: "numpy", "torch" or "scalar" (a Python number, numpy scalar or 0-d tensor).
    dtype: the dtype of the inputs; arrays must keep it, and it sets the tolerance
    (a scalar computed in float32 may come back as a Python float).
    device: where a tensor should be (skipped when None).
    """
    problem = _kind_problem(name, value, kind)
    if problem:
        return [problem]
    ref = to_numpy64(reference)
    shape = tuple(value.shape) if hasattr(value, "shape") else ()
    if kind == "scalar" and math.prod(shape) == 1:
        shape = ()
    if shape != ref.shape:
        if len(shape) == 2 and shape == ref.shape[::-1]:
            return [say(f"{name} 的形状是 {shape}，应该是 {ref.shape}：像是转置了，检查矩阵乘法里谁在前、谁要 .T。",
                        f"{name} has shape {shape} but should be {ref.shape}: it looks transposed; check the order "
                        f"of the matrix product and which factor needs .T.")]
        return [say(f"{name} 的形状是 {shape}，应该是 {ref.shape}。",
                    f"{name} has shape {shape} but should be {ref.shape}.")]
    problems = []
    if device is not None and is_tensor(value) and value.device.type != str(device).split(":")[0]:
        problems.append(say(f"{name} 在 {value.device} 上，应该在 {device} 上。",
                            f"{name} is on {value.device} but should be on {device}."))
    if dtype is not None and kind != "scalar" and dtype_name(value) != dtype:
        problems.append(say(f"{name} 的 dtype 是 {dtype_name(value)}，应该是 {dtype}（输入是什么类型，输出就保持什么类型）。",
                            f"{name} has dtype {dtype_name(value)} but should be {dtype} (keep the dtype of the inputs)."))
    values = to_numpy64(value)
    if not np.all(np.isfinite(values)):
        problems.append(say(f"{name} 里有 NaN 或 inf。",
                            f"{name} contains NaN or inf."))
        return problems
    tol = max(tolerance(value), TOLERANCE.get(dtype, 0.0))
    error = relative_error(values, ref)
    if error > tol:
        problems.append(say(f"{name} 的数值不对：最大相对误差 {error:.2g}，{dtype_name(value)} 允许 {tol:.0e}。",
                            f"{name} has wrong values: max relative error {error:.2g}, {dtype_name(value)} allows {tol:.0e}."))
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
    """Raise CheckFailed for ``step`` with all ``messages``, one bilingual block each."""
    __tracebackhide__ = True
    header = say(f"✗ {step}：没有通过检查。", f"✗ {step}: check failed.")
    messages = list(dict.fromkeys(messages))  # a mistake that spoils two values is named once
    raise CheckFailed("\n\n".join([header, *messages]))


def passed(step, detail=""):
    """Print the success line a student sees under a passing check."""
    print(f"✓ {step}：正确 / correct{(' — ' + detail) if detail else ''}")
