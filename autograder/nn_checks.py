"""The checks the test cells of notebooks 3–5 call: torch.nn, torch.optim, an nn.Module on a device.

References are built here from the same seeded weights: an nn.Sequential stepped by autograd
in float64 (notebook 3) or by torch.optim.Adam itself (notebooks 4 and 5). Mistaken step
orders are run the same way, so a wrong result can be named. The student's code runs in a probe
(probes.py), which reports what it built and did as values; every verdict is made here, on them.
"""
import copy
import math

import torch
from torch import nn

from . import oracles, probes
from ._steps import (CHECK_LEARNING_RATE, VISIBLE_SEED, VISIBLE_SHAPE, Case, context, finish, named,  # noqa: F401
                     on_every_device, sgd_steps)
from .compare import close_enough, fail, find_problems, passed
from .diagnosis import MISTAKES, loss_candidates
from .messages import say
from .probes import raise_judged
from .probes import run as probe

# Big enough that the sample mean and std of the weights tell a standard normal from nn.Linear's default.
INIT_SHAPE = (8, 200, 50, 4)
# Error texts of a model and its data on different devices.
DEVICE_MISMATCH = ("is not on the expected device", "Expected all tensors to be on the same device",
                   "should be the same device")


def weights(seed, shape, bias, dtype="float32", device="cpu"):
    """(weights, case): {"w1", "w2", "b1", "b2"} of the seeded problem, the biases small and seeded
    (None without ``bias``); what probes.sequential builds an nn.Sequential from."""
    c = Case("torch", seed, shape, dtype, device)
    b1 = b2 = None
    if bias:
        g = torch.Generator().manual_seed(seed)
        b1, b2 = (0.1 * torch.randn(n, generator=g, dtype=torch.float64).to(device=device, dtype=c.x.dtype)
                  for n in (shape[2], shape[3]))
    return {"w1": c.w1, "w2": c.w2, "b1": b1, "b2": b2}, c


def sequential(seed, shape, bias, dtype="float32", device="cpu"):
    """(model, case): nn.Sequential(Linear, ReLU, Linear) holding the seeded problem's w1, w2
    (stored as nn.Linear stores them, transposed) and, with ``bias``, small seeded biases."""
    w, c = weights(seed, shape, bias, dtype, device)
    return probes.sequential(**w), c


_params = probes.parameters


def _same(params, reference):
    return len(params) == len(reference) and all(close_enough(p, r) for p, r in zip(params, reference))


# ---- notebook 3: torch.nn -------------------------------------------------------------------

def _structure_problems(facts, d_in, h, d_out, bias):
    """What is wrong with the model probes.build_model described in ``facts``."""
    if not facts["sequential"]:
        return [say("model.not_sequential", type=facts["type"])]
    kinds = [layer["kind"] for layer in facts["layers"]]
    if kinds != ["Linear", "ReLU", "Linear"]:
        return [say("model.layer_order", layers=" → ".join(kinds)) if kinds else say("model.no_layers")]
    problems = []
    first, _, second = facts["layers"]
    for layer, (i, o) in ((first, (d_in, h)), (second, (h, d_out))):
        if (layer["in"], layer["out"]) != (i, o):
            problems.append(say("model.linear_shape", got_in=layer["in"], got_out=layer["out"], d_in=i, d_out=o))
    if bias is False and (first["bias"] or second["bias"]):
        problems.append(MISTAKES["bias_true"].message)
    return problems


def _init_problems(weights):
    for w in weights:
        w = oracles.to_numpy64(w)
        k = w.size
        if abs(w.std() - 1) > 5 / math.sqrt(2 * k) or abs(w.mean()) > 5 / math.sqrt(k):
            return [say("model.weight_statistics", mean=w.mean(), std=w.std()),
                    MISTAKES["init_not_normal"].message]
    return []


def sequential_model(build_model, seed=VISIBLE_SEED, shape=INIT_SHAPE):
    """Check ``build_model(D_in, H, D_out)``: Linear(bias=False) → ReLU → Linear(bias=False),
    weights from a standard normal, and model(x) = relu(x W1ᵀ) W2ᵀ with its own weights."""
    __tracebackhide__ = True
    _, d_in, h, d_out = shape
    label = f"(N, D_in, H, D_out) = {tuple(shape)}, seed {seed}"
    c = Case("torch", seed, shape, "float32", "cpu")
    facts = probe(build_model, "build_model", seed=seed, d_in=d_in, h=h, d_out=d_out, x=c.x)
    problems = _structure_problems(facts, d_in, h, d_out, bias=False)
    if not problems:
        problems = _init_problems(facts["weights"])
    if not problems:
        if "output_error" in facts:
            raise_judged(facts["output_error"])
        w1, w2 = facts["weights"]
        ref = oracles.reference(c.x, c.y, w1.T, w2.T)
        problems = c.problems("model(x)", facts["output"], ref["y_pred"])
    finish("model", problems, label)


def mse_loss(build_loss, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``build_loss()``: a loss function whose value is the sum of squared errors."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    facts = probe(build_loss, "build_loss", y_pred=c.cast(c.ref["y_pred"]), y=c.y)
    if not facts["instance"]:
        fail("loss", [say("loss.not_instance"), context(c.label)])
    value = facts["value"]
    problems = c.problems("loss", value, c.ref["loss"], kind="scalar")
    if problems:
        candidates = loss_candidates(c.ref["y_pred"], c.y)
        candidates["reduction_mean"] = candidates.pop("mean_instead_of_sum")
        problems += named(value, candidates, correct=c.ref["loss"])
    finish("loss", problems, c.label)


def sgd_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                   learning_rate=CHECK_LEARNING_RATE):
    """Check ``train_step(model, x, y, loss_fn, learning_rate) -> loss``: forward, loss, backward,
    the update of every parameter under torch.no_grad(), model.zero_grad(); two steps."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    sgd_steps("train_step", train_step, "sequential", c, learning_rate)


# ---- notebook 4: torch.optim ----------------------------------------------------------------

def adam_optimizer(build_optimizer, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, learning_rate=1e-4):
    """Check ``build_optimizer(model, learning_rate)``: torch.optim.Adam over all of model.parameters()."""
    __tracebackhide__ = True
    w, c = weights(seed, shape, bias=True)
    facts = probe(build_optimizer, "build_optimizer", **w, learning_rate=learning_rate)
    problems = []
    if not facts["adam"]:
        problems.append(say("optimizer.not_adam", type=facts["type"]))
    else:
        rates = facts["rates"]
        if rates != [learning_rate]:
            problems.append(say("optimizer.learning_rate", rates=rates, learning_rate=learning_rate))
        if not facts["all_parameters"]:
            problems.append(say("optimizer.some_parameters"))
    finish("optimizer", problems, c.label)


def _reference_run(model, c, learning_rate, steps, order):
    """Losses and parameters after each step of torch.optim.Adam on a copy of ``model``,
    with the step's calls in ``order`` (the right one, or a known mistake's)."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_fn = nn.MSELoss(reduction="sum")
    history = []
    for _ in range(steps):
        if order != "not_zeroed":
            optimizer.zero_grad()
        loss = loss_fn(model(c.x), c.y)
        if order == "step_before_backward":
            optimizer.step()
            loss.backward()
        else:
            loss.backward()
            optimizer.step()
        history.append((loss.item(), _params(model)))
    return history


def adam_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                    learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train_step(model, x, y, loss_fn, optimizer) -> loss`` against torch.optim.Adam itself:
    zero_grad, forward, loss, backward, step — the parameters change only through the optimizer."""
    __tracebackhide__ = True
    w, c = weights(seed, shape, bias=True, dtype=dtype, device=device)
    model = probes.sequential(**w)
    runs = {order: _reference_run(model, c, learning_rate, steps, order)
            for order in ("right", "not_zeroed", "step_before_backward")}
    record = probe(train_step, "adam_steps", **w, x=c.x, y=c.y, learning_rate=learning_rate, steps=steps)["steps"]
    for k, entry in enumerate(record):
        if "error" in entry:
            raise_judged(entry["error"])
        problems = c.problems("loss", entry["loss"], runs["right"][k][0], kind="scalar")
        now, calls = entry["now"], entry["calls"]
        if calls != 1:
            problems.append(say("train_step.step_calls", calls=calls) + "\n" + MISTAKES["step_not_called"].message)
        elif not (_same(entry["before_step"], entry["start"]) and _same(now, entry["after_step"])):
            problems.append(MISTAKES["changed_outside_optimizer"].message)
        elif not _same(now, runs["right"][k][1]):
            problems.append(say("train_step.differs_from_adam"))
            for order in ("not_zeroed", "step_before_backward"):
                if _same(now, runs[order][k][1]):
                    problems.append(MISTAKES[order].message)
                    break
        if problems:
            fail("train_step", [say("check.at_step", k=k + 1), *problems, context(c.label)])
    passed("train_step", f"{c.label}, {steps} steps")


# ---- notebook 5: an nn.Module on a device -----------------------------------------------------

def module_class(TwoLayerNet, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``TwoLayerNet(D_in, H, D_out)``: an nn.Module with linear1 and linear2 (nn.Linear),
    whose forward is linear2(relu(linear1(x)))."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    _, d_in, h, d_out = shape
    facts = probe(TwoLayerNet, "module", seed=seed, d_in=d_in, h=h, d_out=d_out, x=c.x)
    problems = []
    if not facts["module"]:
        problems.append(say("module.not_module"))
    else:
        shapes = {"linear1": (d_in, h), "linear2": (h, d_out)}
        for name, layer in facts["layers"].items():
            if not layer.get("linear"):
                problems.append(say("module.missing_layer", name=name))
            elif (layer["in"], layer["out"]) != shapes[name]:
                problems.append(say("module.layer_shape", name=name, shape=shapes[name]))
    if not problems:
        if "output_error" in facts:
            raise_judged(facts["output_error"])
        p = facts["parameters"]
        with torch.no_grad():
            x64 = c.x.double()
            expected = torch.nn.functional.linear(
                torch.relu(torch.nn.functional.linear(x64, p["weight1"].double(), _double(p["bias1"]))),
                p["weight2"].double(), _double(p["bias2"]))
        problems = c.problems("model(x)", facts["output"], expected)
    finish("model", problems, c.label)


def _double(t):
    return None if t is None else t.double()


def _device_probe(train, seed, shape):
    """Run ``train`` once on the meta device (shapes without data: it stands in for a GPU on any
    machine) with the data on the CPU. A model and data left on different devices fail there
    exactly as on a GPU; a correct loop fails only later, at .item(), which is not a mismatch."""
    w, c = weights(seed, shape, bias=True)
    facts = probe(train, "train_on_meta", **w, x=c.x, y=c.y)
    error = facts["error"]
    if facts["device"] != "meta":
        return [MISTAKES["model_not_on_device"].message]
    if any(text in error for text in DEVICE_MISMATCH):
        return [say("train.meta_error", error=error),
                MISTAKES["device_mismatch"].message]
    return []


def train_loop(train, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, device="cpu", learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train(model, x, y, device, learning_rate, steps) -> losses``: model and data moved to
    ``device``, Adam with nn.MSELoss(reduction='sum'); compared with torch.optim.Adam step by step.
    The model and the data start on the CPU, as in the tutorial."""
    __tracebackhide__ = True
    w, c = weights(seed, shape, bias=True)
    on_device = probes.sequential(**w).to(device)
    moved = Case("torch", seed, shape, "float32", device)
    reference = _reference_run(on_device, moved, learning_rate, steps, "right")
    label = c.label.replace(" cpu,", f" {device},")
    facts = probe(train, "train", **w, x=c.x, y=c.y, device=device, learning_rate=learning_rate, steps=steps)
    if "error" in facts:
        error = facts["error"]
        if getattr(error, "type_name", "") == "RuntimeError":
            if any(text in str(error) for text in DEVICE_MISMATCH):
                fail("train", [str(error), MISTAKES["device_mismatch"].message, context(label)])
            if "CUDA" in str(error) or "cuda" in str(error):
                fail("train", [str(error), MISTAKES["model_not_on_device"].message, context(label)])
        raise_judged(error)
    losses = facts["losses"]
    problems = []
    if not isinstance(losses, (list, tuple)) or len(losses) != steps:
        problems.append(say("train.not_a_list", steps=steps))
    else:
        for k, (value, (ref_loss, _)) in enumerate(zip(losses, reference)):
            problems += [say("train.at_step", k=k + 1) + "\n" + p
                         for p in find_problems("loss", value, ref_loss, "scalar", "float32")]
    if facts["device"] != torch.device(device).type:
        problems.append(MISTAKES["model_not_on_device"].message)
    elif not problems and not _same(facts["parameters"], reference[-1][1]):
        problems.append(say("train.parameters_differ"))
    problems = problems or _device_probe(train, seed, shape)
    finish("train", problems, label + f", {steps} steps")


# ---- notebook 5, optional: a ReLU with its own backward -----------------------------------------

def custom_relu(MyReLU, seed=VISIBLE_SEED):
    """Check a torch.autograd.Function: forward equals clamp(min=0), backward passes torch.autograd.gradcheck."""
    __tracebackhide__ = True
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(6, 5, generator=g, dtype=torch.float64)
    x = x + 0.1 * torch.sign(x)  # keep away from the kink at 0, where the derivative is not defined
    problems = find_problems("MyReLU.apply(x)", MyReLU.apply(x), x.clamp(min=0), "torch", "float64")
    if not problems:
        try:
            torch.autograd.gradcheck(MyReLU.apply, (x.clone().requires_grad_(True),), eps=1e-6, atol=1e-6)
        except Exception as error:  # noqa: BLE001 (gradcheck's own report is the message)
            problems = [say("relu.gradcheck"), str(error).splitlines()[0]]
    finish("MyReLU", problems, "float64 (6, 5)")
