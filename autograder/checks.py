"""The checks the test cells of notebooks 1 and 2 call: one per step of the hand-written net.

Each check draws a seeded problem, asks the oracle for the answer, has a probe run the student's
function under the exercise's guard (probes.py: in the kernel in JupyterLab, in a separate
process when graded), and then, on the values the probe sent back, either prints one success
line or raises CheckFailed with what is wrong and, for a known mistake, which one.

backend="numpy": notebook 1 (by hand, no torch); backend="torch": notebook 2 part A
(tensors, backward by hand, no autograd). ``autograd_step`` is notebook 2 part B.
"""
from . import oracles
from .compare import fail, find_problems, passed, say
from .diagnosis import (MISTAKES, diagnose, forward_candidates, gradient_candidates,
                        loss_candidates, update_candidates)
from .probes import raise_judged
from .probes import run as probe
from .problems import make_problem

# Visible checks: small and fixed. Hidden tests pass their own seeds and shapes.
VISIBLE_SEED = 0
VISIBLE_SHAPE = (8, 12, 10, 4)
# Large enough that a missing or doubled learning rate shows even in float32.
CHECK_LEARNING_RATE = 1e-2


class _Case:
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
        return probe(fn, "call", args=list(args), guard=guard, after=list(after))

    def problems(self, name, value, reference, kind=None):
        return find_problems(name, value, reference, kind or self.kind, self.dtype, self.device)


def _unpack(step, out, names):
    __tracebackhide__ = True
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"{len(out)} 个值 / {len(out)} values" if isinstance(out, (tuple, list)) else type(out).__name__
        fail(step, [say(f"{step} 应该返回 {len(names)} 个值：({', '.join(names)})，实际得到 {got}。",
                        f"{step} should return {len(names)} values: ({', '.join(names)}); got {got}.")])
    return out


def _context(label):
    return say(f"（检查用例：{label}）", f"(checked on: {label})")


def _finish(step, problems, label):
    __tracebackhide__ = True
    if problems:
        fail(step, [*problems, _context(label)])
    passed(step, label)


def forward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(x, w1, w2) -> (h, h_relu, y_pred)``."""
    __tracebackhide__ = True
    c = _Case(backend, seed, shape, dtype, device)
    out = _unpack("forward", c.run(fn, c.x, c.w1, c.w2)["out"], ("h", "h_relu", "y_pred"))
    problems = []
    for name, value in zip(("h", "h_relu", "y_pred"), out):
        found = c.problems(name, value, c.ref[name])
        mistake = found and name == "y_pred" and diagnose(value, forward_candidates(c.x, c.y, c.w1, c.w2),
                                                                correct=c.ref["y_pred"])
        problems += found + ([mistake.message] if mistake else [])
    _finish("forward", problems, c.label)


def loss(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu"):
    """Check ``fn(y_pred, y) -> loss``, the sum of squared errors (a number or a 0-d tensor)."""
    __tracebackhide__ = True
    c = _Case(backend, seed, shape, dtype, device)
    y_pred = c.cast(c.ref["y_pred"])
    value = c.run(fn, y_pred, c.y)["out"]
    problems = c.problems("loss", value, c.ref["loss"], kind="scalar")
    mistake = problems and diagnose(value, loss_candidates(c.ref["y_pred"], c.y), correct=c.ref["loss"])
    _finish("loss", problems + ([mistake.message] if mistake else []), c.label)


def backward(fn, backend="numpy", seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", device="cpu",
             finite_differences=False):
    """Check ``fn(x, y, w2, h, h_relu, y_pred) -> (grad_w1, grad_w2)`` against autograd and,
    when ``finite_differences``, against numerical gradients too."""
    __tracebackhide__ = True
    c = _Case(backend, seed, shape, dtype, device)
    cached = [c.cast(c.ref[k]) for k in ("h", "h_relu", "y_pred")]
    out = _unpack("backward", c.run(fn, c.x, c.y, c.w2, *cached)["out"], ("grad_w1", "grad_w2"))
    problems, candidates = [], None
    for name, value in zip(("grad_w1", "grad_w2"), out):
        found = c.problems(name, value, c.ref[name])
        if found:
            candidates = candidates or gradient_candidates(c.x, c.y, c.w1, c.w2)
            mistake = diagnose(value, candidates, name, correct=c.ref[name])
            found += [mistake.message] if mistake else []
        problems += found
    if not problems and finite_differences:
        problems = _finite_difference_problems(c, out)
    _finish("backward", problems, c.label)


def _finite_difference_problems(c, grads):
    numerical = oracles.finite_differences(c.x, c.y, c.w1, c.w2)
    problems = []
    for (name, (idx, values)), grad in zip(numerical.items(), grads):
        picked = oracles.to_numpy64(grad).reshape(-1)[idx]
        found = find_problems(name, picked, values, "numpy")  # float64 here; tolerance from the input dtype
        if found and not find_problems(name, picked.astype(c.dtype), values, "numpy", c.dtype):
            continue
        problems += [say(f"{name} 和数值梯度（有限差分）不一致。", f"{name} disagrees with the numerical (finite-difference) gradient.")
                     ] if found else []
    return problems


def update(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float64", learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(w1, w2, grad_w1, grad_w2, learning_rate)``: SGD, changing w1 and w2 in place (numpy)."""
    __tracebackhide__ = True
    c = _Case("numpy", seed, shape, dtype, None)
    g1, g2 = c.cast(c.ref["grad_w1"]), c.cast(c.ref["grad_w2"])
    values = c.run(fn, c.w1.copy(), c.w2.copy(), g1, g2, learning_rate, after=(0, 1))
    returned, (w1, w2) = values["out"], values["after"]
    problems = []
    for name, w, before, g in (("w1", w1, c.w1, g1), ("w2", w2, c.w2, g2)):
        expected = oracles.to_numpy64(before) - learning_rate * oracles.to_numpy64(g)
        if (w == before).all():
            problems.append(say(f"{name} 没有变化。", f"{name} did not change.") + "\n" + MISTAKES["rebinding"].message)
            continue
        found = c.problems(name, w, expected)
        mistake = found and diagnose(w, update_candidates(before, g, learning_rate), correct=expected)
        problems += found + ([mistake.message] if mistake else [])
    if returned is not None and not problems:
        problems.append(say("update 应该就地修改 w1、w2，不需要 return（返回了新数组吗？）。",
                            "update should change w1 and w2 in place and return nothing (did it return new arrays?)."))
    _finish("update", problems, c.label)


def autograd_step(fn, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                  learning_rate=CHECK_LEARNING_RATE):
    """Check ``fn(x, y, w1, w2, learning_rate) -> loss`` (w1, w2 with requires_grad=True):
    forward, loss, loss.backward(), the SGD update under torch.no_grad(), gradients zeroed."""
    __tracebackhide__ = True
    c = _Case("torch", seed, shape, dtype, device)
    sgd_steps("autograd_step", fn, "tensors", c, learning_rate)


def _is_leaf_error(error):
    text = str(error)
    return getattr(error, "type_name", "") == "RuntimeError" and (
        "leaf Variable that requires grad" in text or "requires grad is being used in an in-place" in text)


def sgd_steps(step, fn, kind, c, learning_rate, steps=2):
    """Run a student's SGD step ``steps`` times (probes.sgd_steps, ``kind`` "tensors" or "sequential",
    from c.w1, c.w2) and check the loss and the weights after each.
    From the second step on, gradients left over from the step before are recognised.
    """
    __tracebackhide__ = True
    previous, before = None, {"w1": c.w1.detach().clone(), "w2": c.w2.detach().clone()}
    record = probe(fn, "sgd_steps", kind=kind, x=c.x, y=c.y, w1=c.w1, w2=c.w2, learning_rate=learning_rate,
                   steps=steps)["steps"]
    for k, entry in enumerate(record, start=1):
        ref = oracles.reference(c.x, c.y, before["w1"], before["w2"])
        if "error" in entry:
            if _is_leaf_error(entry["error"]):
                fail(step, [MISTAKES["update_outside_no_grad"].message, _context(c.label)])
            raise_judged(entry["error"])
        value = entry["loss"]
        problems = c.problems("loss", value, ref["loss"], kind="scalar")
        for name, now in entry["weights"].items():
            if not entry["leaf"][name]:
                problems.append(say(f"{name} 不再是 requires_grad=True 的叶子张量：更新要在 torch.no_grad() 里就地进行。",
                                    f"{name} is no longer a leaf tensor with requires_grad=True: update it in place "
                                    f"inside torch.no_grad()."))
                continue
            grad = ref[f"grad_{name}"]
            if (now == before[name]).all():
                problems.append(say(f"{name} 没有变化。", f"{name} did not change.") + "\n" + MISTAKES["rebinding"].message)
                continue
            expected = oracles.to_numpy64(before[name]) - learning_rate * oracles.to_numpy64(grad)
            found = c.problems(name, now, expected)
            if found:
                candidates = update_candidates(before[name], grad, learning_rate)
                if previous is not None:  # the step before's gradient still added in?
                    candidates = {"not_zeroed": expected - learning_rate * previous[name], **candidates}
                mistake = diagnose(now, candidates, correct=expected)
                found += [mistake.message] if mistake else []
            problems += found
        if problems:
            fail(step, [say(f"（第 {k} 步）", f"(step {k})"), *problems, _context(c.label)])
        previous = {n: oracles.to_numpy64(ref[f"grad_{n}"]) for n in ("w1", "w2")}
        before = entry["weights"]
    passed(step, f"{c.label}, {steps} steps")
