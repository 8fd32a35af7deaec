"""The probe side of every graded step: call the student's code on the judge's inputs and report,
as values, what came back.

A probe takes the student's function (or class) and the inputs the judge chose, calls it under
the exercise's guard, and returns a dict of plain values: what the function returned, the state
it left its arguments in, facts such as how often ``optimizer.step`` ran in each iteration. It decides nothing;
the verdict is the check's (checks.py, nn_checks.py), made on those values by the judge. A fact
(a type name, a flag, a count) can fail a step or explain why, never pass it: values alone do.

- In JupyterLab a visible check calls ``run``: the probe runs in the student's kernel, and its
  values reach the verdict exactly as they would reach the judge (``wire.roundtrip``).
- When grading, a student process (grading/isolation/student_server.py) defines the student's functions
  from the notebook's cells, then runs these same probes for the judge (grading/judge.py). Whatever the student's code does to this process can change
  only the values it sends, and a value is believed only if the judge's oracle agrees with it.
"""

from . import guards, rules, wire

GUARDS = {"by_hand": guards.by_hand, "no_autograd": guards.no_autograd, "no_oracles": guards.no_oracles}


# ---------------------------------------------------------------- the probes

def call(fn, args, guard, after=()):
    """``fn(*args)`` under ``guard``; with the arguments at positions ``after`` as the call left them."""
    out = GUARDS[guard](fn, *args)
    return {"out": out, "after": [args[i] for i in after]}


def sequential(w1, w2, b1=None, b2=None):
    """nn.Sequential(Linear, ReLU, Linear) holding w1 (D_in, H) and w2 (H, D_out), stored as nn.Linear
    stores them (transposed), with biases b1, b2 or none; on w1's device and dtype."""
    import torch
    from torch import nn

    model = nn.Sequential(nn.Linear(*w1.shape, bias=b1 is not None), nn.ReLU(), nn.Linear(*w2.shape, bias=b2 is not None))
    model.to(device=w1.device, dtype=w1.dtype)
    with torch.no_grad():
        model[0].weight.copy_(w1.T)
        model[2].weight.copy_(w2.T)
        for layer, bias in ((model[0], b1), (model[2], b2)):
            if bias is not None:
                layer.bias.copy_(bias)
    return model


def parameters(model):
    return [p.detach().clone() for p in model.parameters()]


class _WatchedLoss:
    """nn.MSELoss(reduction="sum") that notes whether backward() went through the last value it gave:
    ``reached`` is None before a value that can have a gradient, then False until backward() reaches it."""

    def __new__(cls):
        from torch import nn

        class WatchedMSELoss(nn.MSELoss):
            reached = None

            def forward(self, y_pred, y):
                value = super().forward(y_pred, y)
                if value.requires_grad:
                    self.reached = False
                    value.register_hook(self._reached)
                return value

            def _reached(self, grad):
                self.reached = True

        return WatchedMSELoss(reduction="sum")


def sgd_iterations(fn, kind, x, y, w1, w2, learning_rate, iterations):
    """``iterations`` calls of the student's SGD step; after each, the loss it returned and w1, w2 as (in, out).

    kind "tensors": fn(x, y, w1, w2, learning_rate) on leaf tensors w1, w2 (notebook 2's autograd_step);
    kind "sequential": fn(model, x, y, loss_fn, learning_rate) on nn.Sequential holding w1, w2 (notebook 3),
    with whether backward() reached the value loss_fn gave ("loss_reached", None when it gave none that could).
    An exception ends the run: it is the last entry."""
    loss_fn = None
    if kind == "tensors":
        w1.requires_grad_(True)
        w2.requires_grad_(True)
        leaves, layout = (lambda: {"w1": w1, "w2": w2}), (lambda t: t.detach())
        run = lambda: guards.no_oracles(fn, x, y, w1, w2, learning_rate)  # noqa: E731
    else:
        model, loss_fn = sequential(w1, w2), _WatchedLoss()
        leaves, layout = (lambda: {"w1": model[0].weight, "w2": model[2].weight}), (lambda t: t.detach().T)
        run = lambda: guards.no_oracles(fn, model, x, y, loss_fn, learning_rate)  # noqa: E731
    record = []
    for _ in range(iterations):
        if loss_fn is not None:
            loss_fn.reached = None
        try:
            with _CountedBackward() as backward:
                value = run()
        except Exception as error:  # noqa: BLE001 (the verdict explains it, at this iteration)
            record.append({"error": error, "gradients": _gradients(leaves()), "loss_reached": _reached(loss_fn),
                           "backward_calls": backward.calls})
            break
        record.append({"loss": value, "leaf": {n: bool(t.is_leaf and t.requires_grad) for n, t in leaves().items()},
                       "weights": {n: layout(t).clone() for n, t in leaves().items()}, "gradients": _gradients(leaves()),
                       "loss_reached": _reached(loss_fn), "backward_calls": backward.calls})
    return {"iterations": record}


def _reached(loss_fn):
    return None if loss_fn is None else loss_fn.reached


class _CountedBackward:
    """While in use, counts the calls of Tensor.backward (by the student's code or anyone's): ``calls``."""

    def __enter__(self):
        import torch

        self.calls, self.original = 0, torch.Tensor.backward
        original = self.original

        def backward(tensor, *args, **kwargs):
            self.calls += 1
            return original(tensor, *args, **kwargs)

        torch.Tensor.backward = backward
        return self

    def __exit__(self, *exc):
        import torch

        torch.Tensor.backward = self.original


def _gradients(tensors):
    """{name: "none", "zero" or "kept"}: the .grad each of the caller's tensors was left with."""
    return {n: "none" if t.grad is None else "kept" if bool(t.grad.any()) else "zero" for n, t in tensors.items()}


class _WatchedStep:
    """Wraps optimizer.step to count its calls and to see whether parameters change elsewhere."""

    def __init__(self, optimizer, model):
        self.model, self.original, self.calls = model, optimizer.step, 0
        self.before_step = self.after_step = None
        optimizer.step = self

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.before_step = parameters(self.model)
        result = self.original(*args, **kwargs)
        self.after_step = parameters(self.model)
        return result


def adam_iterations(fn, w1, w2, b1, b2, x, y, learning_rate, iterations):
    """``iterations`` calls of fn(model, x, y, loss_fn, optimizer) with torch.optim.Adam; after each, the
    loss and the parameters (the values the judge checks), and, to explain a wrong iteration: how often
    and around which parameters optimizer.step ran, how often other optimizers stepped, whether
    backward() reached the value loss_fn gave, and whether the iteration left gradients behind
    (backward() after step(), or none: zeroed between backward() and step())."""
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    model = sequential(w1, w2, b1, b2)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    watch, loss_fn, record, others = _WatchedStep(optimizer, model), _WatchedLoss(), [], [0]

    def other_step(stepped, args, kwargs):
        others[0] += stepped is not optimizer

    hook = register_optimizer_step_post_hook(other_step)
    try:
        for _ in range(iterations):
            start, calls, other, loss_fn.reached = parameters(model), watch.calls, others[0], None
            try:
                with _CountedBackward() as backward:
                    value = guards.no_oracles(fn, model, x, y, loss_fn, optimizer)
            except Exception as error:  # noqa: BLE001
                record.append({"error": error})
                break
            record.append({"loss": value, "start": start, "now": parameters(model), "calls": watch.calls - calls,
                           "other_steps": others[0] - other, "loss_reached": loss_fn.reached,
                           "backward_calls": backward.calls,
                           "before_step": watch.before_step, "after_step": watch.after_step,
                           "gradients_none": all(p.grad is None for p in model.parameters()),
                           "gradients_left": any(p.grad is not None and bool(p.grad.any()) for p in model.parameters())})
    finally:
        hook.remove()
    return {"iterations": record}


def _layer(layer):
    from torch import nn

    if not isinstance(layer, nn.Linear):
        return {"kind": type(layer).__name__}
    return {"kind": type(layer).__name__, "linear": True, "in": layer.in_features, "out": layer.out_features,
            "bias": layer.bias is not None}


def build_model(fn, seed, d_in, h, d_out, x, zeros):
    """fn(D_in, H, D_out) after torch.manual_seed(seed): its weights, its output on x and on ``zeros``
    (values the judge checks); what it built (facts that only explain a failure)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = guards.no_oracles(fn, d_in, h, d_out)
    facts = {"type": type(model).__name__, "sequential": isinstance(model, nn.Sequential)}
    if facts["sequential"]:
        facts["layers"] = [_layer(m) for m in model]
        if [layer["kind"] for layer in facts["layers"]] == ["Linear", "ReLU", "Linear"]:
            facts["weights"] = [model[0].weight.detach().clone(), model[2].weight.detach().clone()]
            try:
                with torch.no_grad():
                    facts["output"], facts["at_zero"] = model(x), model(zeros)
            except Exception as error:  # noqa: BLE001 (raised only if the verdict gets that far)
                facts["output_error"] = error
    return facts


def build_loss(fn, y_pred, y):
    """fn(): whether it gave a loss function instance, and that function's value on (y_pred, y)."""
    loss_fn = guards.no_oracles(fn)
    facts = {"instance": not isinstance(loss_fn, type) and callable(loss_fn)}
    if facts["instance"]:
        facts["value"] = loss_fn(y_pred, y)
    return facts


def build_optimizer(fn, w1, w2, b1, b2, learning_rate, gradients):
    """fn(model, learning_rate), then one optimizer.step() per entry of ``gradients`` (the judge's: one
    tensor per parameter, in model.parameters() order, set as its .grad): the parameters after each
    iteration, the value the judge checks. Its type, rates and parameters only explain a wrong trajectory."""
    import torch

    model = sequential(w1, w2, b1, b2)
    optimizer = guards.no_oracles(fn, model, learning_rate)
    # Exactly Adam: AdamW and other subclasses are other optimizers.
    facts = {"type": type(optimizer).__name__, "adam": type(optimizer) is torch.optim.Adam,
             "is_class": isinstance(optimizer, type)}
    if facts["adam"]:
        facts["rates"] = sorted({float(group["lr"]) for group in optimizer.param_groups})
        given = {id(p) for group in optimizer.param_groups for p in group["params"]}
        facts["all_parameters"] = given == {id(p) for p in model.parameters()}
    facts["iterations"] = []
    try:
        for grads in gradients:
            for p, g in zip(model.parameters(), grads):
                p.grad = g.clone()
            guards.no_oracles(optimizer.step)
            facts["iterations"].append(parameters(model))
    except Exception as error:  # noqa: BLE001 (no optimizer, or its step raised: explained by the facts above)
        facts["step_error"] = error
    return facts


def module(fn, seed, d_in, h, d_out, x):
    """TwoLayerNet(D_in, H, D_out) after torch.manual_seed(seed): whether it is an nn.Module with
    nn.Linear layers linear1 and linear2; moved to x's device and dtype, its parameters and model(x)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = guards.no_oracles(fn, d_in, h, d_out)
    facts = {"module": isinstance(model, nn.Module)}
    if facts["module"]:
        layers = {name: getattr(model, name, None) for name in ("linear1", "linear2")}
        facts["layers"] = {name: _layer(layer) for name, layer in layers.items()}
        if all(isinstance(layer, nn.Linear) for layer in layers.values()):
            try:
                model.to(device=x.device, dtype=x.dtype)
                facts["parameters"] = {f"{p}{i}": getattr(layers[f"linear{i}"], p) for i in (1, 2) for p in ("weight", "bias")}
                with torch.no_grad():
                    facts["output"] = guards.no_oracles(model, x)
            except Exception as error:  # noqa: BLE001
                facts["output_error"] = error
    return facts


def train(fn, w1, w2, b1, b2, x, y, device, learning_rate, iterations):
    """fn(model, x, y, device, learning_rate, steps=iterations) on a CPU model and CPU data, as in the
    tutorial: the losses it returned (or its exception), and where the model's parameters are afterwards."""
    model = sequential(w1, w2, b1, b2)
    try:
        losses = guards.no_oracles(fn, model, x, y, device, learning_rate=learning_rate, steps=iterations)
    except Exception as error:  # noqa: BLE001
        return {"error": error}
    return {"losses": losses, "device": next(model.parameters()).device.type, "parameters": parameters(model)}


def train_on_meta(fn, w1, w2, b1, b2, x, y):
    """One iteration of fn on PyTorch's meta device (shapes without data, standing in for a GPU) with the
    data on the CPU: the error it ended in, and where the model went."""
    model = sequential(w1, w2, b1, b2)
    error = ""
    try:
        guards.no_oracles(fn, model, x, y, "meta", learning_rate=1e-2, steps=1)
    except Exception as raised:  # noqa: BLE001 (any error but a mismatch is expected on meta)
        error = str(raised)
    return {"error": error, "device": next(model.parameters()).device.type}


PROBES = {f.__name__: f for f in (call, sgd_iterations, adam_iterations, build_model, build_loss, build_optimizer, module,
                                  train, train_on_meta)}


# ---------------------------------------------------------------- where a probe runs

def run(fn, probe, **inputs):
    """The values of ``probe`` on the student's ``fn``, as the judge receives them.

    ``fn`` is the student's own function in JupyterLab: the probe runs here. When grading it is the
    judge's handle on a student process (judge.Remote), which runs it there. An exception of the
    student's code is raised as wire.StudentError (its type, message and the student's traceback);
    a broken rule as guards.GuardViolation."""
    __tracebackhide__ = True
    if hasattr(fn, "remote_probe"):
        return fn.remote_probe(probe, inputs)
    broken = rules.in_kernel(fn, inputs.get("guard") if probe == "call" else "no_oracles")
    if broken is not None:  # read from the cells' text, as the judge reads them when grading
        raise guards.GuardViolation(*broken)
    try:
        values = PROBES[probe](fn, **inputs)
    except Exception as error:  # noqa: BLE001 (turned into what the judge would see)
        raise_judged(wire.decode(wire.exception_record(error)))
    return wire.roundtrip(values)


def raise_judged(error):
    """Raise a student's exception as received: a broken rule as GuardViolation, else as it is."""
    __tracebackhide__ = True
    if getattr(error, "rule", None) in guards.RULES:
        raise guards.GuardViolation(error.rule, getattr(error, "what", "")) from None
    raise error
