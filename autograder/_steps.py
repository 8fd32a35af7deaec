"""What every check shares: a seeded case, how a step passes or fails, the SGD steps of notebooks
2 and 3, and every check run on every device and dtype. Private to checks.py and nn_checks.py."""
from . import oracles
from .compare import fail, find_problems, passed
from .messages import say
from .diagnosis import MISTAKES, diagnose, update_candidates
from .probes import raise_judged
from .probes import run as probe
from .problems import devices, make_problem

# Visible checks: small and fixed. Hidden tests pass their own seeds and shapes.
VISIBLE_SEED = 0
VISIBLE_SHAPE = (8, 12, 10, 4)
# Large enough that a missing or doubled learning rate shows even in float32.
CHECK_LEARNING_RATE = 1e-2


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


def unpack(step, out, names):
    __tracebackhide__ = True
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        # how many it got: one phrase in every line (in both languages, "2 个值 / 2 values"), or the type's name
        got = (say("check.value_count", joined=" / ", n=len(out)) if isinstance(out, (tuple, list))
               else type(out).__name__)
        fail(step, [say("check.wrong_count", step=step, n=len(names), names=", ".join(names), got=got)])
    return out


def context(label):
    return say("check.case", label=label)


def finish(step, problems, label):
    __tracebackhide__ = True
    if problems:
        fail(step, [*problems, context(label)])
    passed(step, label)


def named(value, candidates, name=None, correct=None):
    """[the message of the known mistake ``value`` matches], or [] when none does (diagnosis.diagnose)."""
    mistake = diagnose(value, candidates, name, correct=correct)
    return [mistake.message] if mistake else []


def on_every_device(check, fn, dtypes=("float64", "float32"), **options):
    """``check(fn, device=…, dtype=…, **options)`` on every device here (CUDA too, where there is a
    GPU) and in each of ``dtypes`` (``None``: the check's own dtype). A hidden test's loop, written
    once: it leaves no loop variable in the student's namespace."""
    __tracebackhide__ = True
    for device in devices():
        for dtype in dtypes:
            check(fn, device=device, **({} if dtype is None else {"dtype": dtype}), **options)


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
                fail(step, [MISTAKES["update_outside_no_grad"].message, context(c.label)])
            raise_judged(entry["error"])
        value = entry["loss"]
        problems = c.problems("loss", value, ref["loss"], kind="scalar")
        for name, now in entry["weights"].items():
            if not entry["leaf"][name]:
                problems.append(say("update.not_leaf", name=name))
                continue
            grad = ref[f"grad_{name}"]
            if (now == before[name]).all():
                problems.append(say("update.unchanged", name=name) + "\n" + MISTAKES["rebinding"].message)
                continue
            expected = oracles.to_numpy64(before[name]) - learning_rate * oracles.to_numpy64(grad)
            found = c.problems(name, now, expected)
            if found:
                candidates = update_candidates(before[name], grad, learning_rate)
                if previous is not None:  # the step before's gradient still added in?
                    candidates = {"not_zeroed": expected - learning_rate * previous[name], **candidates}
                found += named(now, candidates, correct=expected)
            problems += found
        if problems:
            fail(step, [say("check.at_step", k=k), *problems, context(c.label)])
        previous = {n: oracles.to_numpy64(ref[f"grad_{n}"]) for n in ("w1", "w2")}
        before = entry["weights"]
    passed(step, f"{c.label}, {steps} steps")
