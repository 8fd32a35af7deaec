"""The checks the test cells of notebooks 3–5 call: torch.nn, torch.optim, an nn.Module on a device.

References are built here from the same seeded weights: an nn.Sequential stepped by autograd
in float64 (notebook 3) or by torch.optim.Adam itself (notebooks 4 and 5). Mistaken step
orders are run the same way, so a wrong result can be named. The student's code runs in a probe
(probes.py), which reports what it built and did as values; every verdict is made here, on them.
"""
import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import oracles, probes
from ._steps import (CHECK_LEARNING_RATE, VISIBLE_SEED, VISIBLE_SHAPE, Case, context, every_iteration, explained,  # noqa: F401
                     explaining, finish, named, number_notes, on_every_device, passed_with, sgd_iterations)
from .compare import close_enough, fail, mismatches
from .diagnosis import MISTAKES, because, loss_candidates
from .messages import Message
from .probes import raise_judged

# Big enough that the sample mean and std of the weights tell a standard normal from nn.Linear's default.
INIT_SHAPE = (8, 200, 50, 4)
# Rows of the zero input: a model without bias maps it to zero.
ZEROS = 2
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

def _structure_problems(facts, d_in, h, d_out):
    """What is wrong with the model probes.build_model described in ``facts``: its word, which can
    only cost the step (the values decide it, _value_problems)."""
    if not facts["sequential"]:
        return [Message("model.not_sequential", type=facts["type"])]
    kinds = [layer["kind"] for layer in facts["layers"]]
    if kinds == ["Linear", "Linear"]:
        return [Message("model.layer_order", layers=" → ".join(kinds)), MISTAKES["relu_missing"].message]
    if kinds != ["Linear", "ReLU", "Linear"]:
        return [Message("model.layer_order", layers=" → ".join(kinds)) if kinds else Message("model.no_layers")]
    problems = []
    first, _, second = facts["layers"]
    for layer, (i, o) in ((first, (d_in, h)), (second, (h, d_out))):
        if (layer["in"], layer["out"]) != (i, o):
            problems.append(Message("model.linear_shape", got_in=layer["in"], got_out=layer["out"], d_in=i, d_out=o))
    return problems


def _value_problems(facts, c, shape):
    """What the values show, each checked here: the weights' shapes, no bias (model(0) = 0), weights
    from a standard normal, and model(x) = relu(x W1ᵀ) W2ᵀ with those weights."""
    _, d_in, h, d_out = shape
    w1, w2 = facts["weights"]
    for w, (i, o) in ((w1, (d_in, h)), (w2, (h, d_out))):
        if tuple(w.shape) != (o, i):
            return [Message("model.linear_shape", got_in=w.shape[-1], got_out=w.shape[0], d_in=i, d_out=o)]
    if c.mismatches("model(0)", facts["at_zero"], torch.zeros(ZEROS, d_out, dtype=torch.float64)):
        return [MISTAKES["bias_true"].message]
    problems = _init_problems(facts["weights"])
    if not problems:
        problems = c.mismatches("model(x)", facts["output"], oracles.reference(c.x, c.y, w1.T, w2.T)["y_pred"])
    return problems


def _init_problems(weights):
    for w in weights:
        w = oracles.to_numpy64(w)
        k = w.size
        if abs(w.std() - 1) > 5 / math.sqrt(2 * k) or abs(w.mean()) > 5 / math.sqrt(k):
            return [Message("model.weight_statistics", mean=w.mean(), std=w.std()),
                    MISTAKES["init_not_normal"].message]
    return []


def sequential_model(build_model, seed=VISIBLE_SEED, shape=INIT_SHAPE):
    """Check ``build_model(D_in, H, D_out)``: Linear(bias=False) → ReLU → Linear(bias=False),
    weights from a standard normal, and model(x) = relu(x W1ᵀ) W2ᵀ with its own weights."""
    __tracebackhide__ = True
    _, d_in, h, d_out = shape
    label = f"(N, D_in, H, D_out) = {tuple(shape)}, seed {seed}"
    c = Case("torch", seed, shape, "float32", "cpu")
    with explaining("model", label):
        facts = probes.run(build_model, "build_model", seed=seed, d_in=d_in, h=h, d_out=d_out, x=c.x,
                      zeros=torch.zeros(ZEROS, d_in))
        problems = _structure_problems(facts, d_in, h, d_out)
        if not problems:
            if "output_error" in facts:
                raise_judged(facts["output_error"])
            problems = _value_problems(facts, c, shape)
        finish("model", problems, label)


def mse_loss(build_loss, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``build_loss()``: a loss function whose value is the sum of squared errors."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    with explaining("loss", c.label):
        facts = probes.run(build_loss, "build_loss", y_pred=c.cast(c.ref["y_pred"]), y=c.y)
        if not facts["instance"]:  # the probe's word: it can only cost the step; the value decides it
            fail("loss", [Message("loss.not_instance"), context(c.label)])
        value = facts["value"]
        problems = c.mismatches("loss", value, c.ref["loss"], kind="scalar")
        if problems:
            problems += explained(value, loss_candidates(c.ref["y_pred"], c.y), "loss", c.ref["loss"], rows=shape[0])
        finish("loss", problems, c.label)


def sgd_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                   learning_rate=CHECK_LEARNING_RATE):
    """Check ``train_step(model, x, y, loss_fn, learning_rate) -> loss``: forward, loss, backward,
    the update of every parameter under torch.no_grad(), model.zero_grad(); two iterations."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    sgd_iterations("train_step", train_step, "sequential", c, learning_rate)


# ---- notebook 4: torch.optim ----------------------------------------------------------------

# Not the tutorial's 1e-4 nor Adam's default 1e-3, so that a rate written as a constant fails the visible check too.
OPTIMIZER_RATE = 5e-4


# The size of the judge's gradients at each iteration: changing, so that only Adam's own update follows them.
GRADIENT_SCALES = (1.0, 0.2, 3.0)


def adam_optimizer(build_optimizer, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, learning_rate=OPTIMIZER_RATE):
    """Check ``build_optimizer(model, learning_rate)``: torch.optim.Adam over all of model.parameters(),
    measured by the parameters it gives over a few iterations on gradients chosen here (float64, so a
    small difference, such as AdamW's weight decay, shows)."""
    __tracebackhide__ = True
    w, c = weights(seed, shape, bias=True, dtype="float64")
    start = _params(probes.sequential(**w))
    gradients = _chosen_gradients(start, seed)
    with explaining("optimizer", c.label):
        facts = probes.run(build_optimizer, "build_optimizer", **w, learning_rate=learning_rate, gradients=gradients)
        expected = _adam_trajectory(w, gradients, learning_rate)
        moved_alike = _moved_alike(facts.get("iterations"), expected, start)
        finish("optimizer", [] if moved_alike else _optimizer_problems(facts, learning_rate), c.label)


def _chosen_gradients(start, seed):
    """One seeded gradient per parameter for each iteration, scaled by GRADIENT_SCALES."""
    g = torch.Generator().manual_seed(seed + 1)
    return [[scale * torch.randn(p.shape, generator=g, dtype=p.dtype) for p in start] for scale in GRADIENT_SCALES]


def _adam_trajectory(w, gradients, learning_rate):
    """The parameters after each iteration of torch.optim.Adam on ``gradients``, from the weights ``w``."""
    model = probes.sequential(**w)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    trajectory = []
    for grads in gradients:
        for p, g in zip(model.parameters(), grads):
            p.grad = g.clone()
        optimizer.step()
        trajectory.append(_params(model))
    return trajectory


def _moved_alike(iterations, expected, start):
    """True when every iteration moved every parameter as in ``expected``; compared on the moves from
    ``start``, where a move of the size of the learning rate cannot hide in the weights' tolerance."""
    if not isinstance(iterations, list) or len(iterations) != len(expected):
        return False
    return all(len(got) == len(ref) and all(close_enough(g - s, r - s) for g, r, s in zip(got, ref, start))
               for got, ref in zip(iterations, expected))


def _optimizer_problems(facts, learning_rate):
    """Why the optimizer's updates are not Adam's, as far as what it reports of itself tells: its word
    explains a failure, and never passes one."""
    if facts.get("is_class"):  # the class itself, not an optimizer made of it
        return [Message("optimizer.not_adam", type=facts.get("type")), because("class_not_instance", is_class=True)]
    if not facts.get("adam"):
        return [Message("optimizer.not_adam", type=facts.get("type")), MISTAKES["optimizer_not_adam"].message]
    problems = []
    if facts.get("rates") != [learning_rate]:
        rates = ", ".join(f"{rate:g}" for rate in facts.get("rates") or ())
        problems.append(Message("optimizer.learning_rate", rates=rates, learning_rate=learning_rate))
    if not facts.get("all_parameters"):
        problems.append(Message("optimizer.some_parameters"))
    if not problems and "step_error" in facts:
        raise_judged(facts["step_error"])
    return problems or [Message("optimizer.differs_from_adam", steps=len(GRADIENT_SCALES))]


# The training runs a check compares with: the right one, and each known mistake's.
ORDERS = ("not_zeroed", "step_before_backward", "zeroed_before_update")
# The tutorial's Adam learning rate, which a student may write in place of the argument.
TUTORIAL_RATE = 1e-4


def _reference_run(model, c, learning_rate, iterations, variant="right"):
    """Losses and parameters after each iteration of torch.optim.Adam on a copy of ``model``, done right
    or as ``variant`` (a known mistake's key) does it."""
    model = copy.deepcopy(model)
    rate = TUTORIAL_RATE if variant == "lr_hardcoded" else learning_rate
    optimizer = (torch.optim.SGD if variant == "optimizer_not_adam" else torch.optim.Adam)(model.parameters(), lr=rate)
    loss_fn = nn.MSELoss(reduction="mean" if variant == "mean_instead_of_sum" else "sum")
    history = []
    for _ in range(iterations):
        if variant != "not_zeroed":
            optimizer.zero_grad()
        loss = loss_fn(model(c.x), c.y)
        if variant == "step_before_backward":
            optimizer.step()
            loss.backward()
        else:
            loss.backward()
            if variant == "zeroed_before_update":
                optimizer.zero_grad()
            optimizer.step()
        history.append((loss.item(), _params(model)))
    return history


def _orders(record, runs):
    """The known mistaken orders whose runs match the student's every iteration. Where two leave the
    parameters alike (both never change them), the gradients an iteration leaves behind tell them apart."""
    orders = [order for order in ORDERS if _same_run(record, runs[order])]
    if {"step_before_backward", "zeroed_before_update"} <= set(orders):
        orders.remove("zeroed_before_update" if record[-1].get("gradients_left") else "step_before_backward")
    return orders


def _same_run(record, run):
    """True when every iteration of the student's ``record`` left the parameters as ``run`` did."""
    done = [entry for entry in record if "now" in entry]
    return bool(done) and all(_same(entry["now"], run[k][1]) for k, entry in enumerate(done))


def _loss_after_update(value, runs, k):
    """The loss of iteration ``k`` as computed after its update: the right run's loss of the next iteration."""
    return k + 1 < len(runs["right"]) and close_enough(value, runs["right"][k + 1][0]) and not close_enough(
        value, runs["right"][k][0])


def adam_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                    learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train_step(model, x, y, loss_fn, optimizer) -> loss`` against torch.optim.Adam itself:
    zero_grad, forward, loss, backward, step — the parameters change only through the optimizer.
    ``steps``: how many iterations (the test cells' word for it)."""
    __tracebackhide__ = True
    iterations = steps
    w, c = weights(seed, shape, bias=True, dtype=dtype, device=device)
    with explaining("train_step", c.label, updates=True):
        model = probes.sequential(**w)
        runs = {"right": _reference_run(model, c, learning_rate, iterations + 1)}
        runs.update({order: _reference_run(model, c, learning_rate, iterations, order) for order in ORDERS})
        record = probes.run(train_step, "adam_iterations", **w, x=c.x, y=c.y, learning_rate=learning_rate,
                            iterations=iterations)["iterations"]
        record, notes = every_iteration("train_step", record, iterations, c.label), []
        for k, entry in enumerate(record):
            if "error" in entry:
                raise_judged(entry["error"])
            notes += number_notes(entry["loss"])
            problems = c.mismatches("loss", entry["loss"], runs["right"][k][0], kind="scalar")
            if problems and _loss_after_update(entry["loss"], runs, k):
                problems.append(MISTAKES["loss_after_update"].message)
            if not _same(entry["now"], runs["right"][k][1]):  # the values decide; what the probe saw explains
                problems += _why_not_adam(entry, record, runs)
            if problems:
                fail("train_step", [Message("check.at_step", k=k + 1), *problems, *notes, context(c.label)])
        passed_with("train_step", f"{c.label}, {iterations} iterations", notes)


def _why_not_adam(entry, record, runs):
    """Why an iteration's parameters are not Adam's: how often the given optimizer's step ran, how often
    others did, and what changed around it, as the probe saw it (its word picks the explanation of a
    failure, and a cause is named only when its facts were seen: diagnosis.FACTS), else a mistaken
    order's run."""
    calls, others = entry.get("calls"), entry.get("other_steps") or 0
    moved = not all(torch.equal(a, b) for a, b in zip(entry["now"], entry["start"]))  # at all: a small move counts
    if calls == 0 and moved and others:
        return [Message("train_step.other_steps", calls=others),
                *_causes(("other_optimizer", dict(calls=calls, moved=moved, other_steps=others)))]
    if calls == 0 and moved:
        return [Message("train_step.step_calls", calls=calls),
                *_causes(("changed_outside_optimizer", dict(moved_outside_step=True, other_steps=others)))]
    if calls != 1:
        return [Message("train_step.step_calls", calls=calls), *_causes(("step_not_called", dict(calls=calls, moved=moved)))]
    if not (_same(entry["before_step"], entry["start"]) and _same(entry["now"], entry["after_step"])):
        return [*_causes(("changed_outside_optimizer", dict(moved_outside_step=True, other_steps=others)))] or [
            Message("train_step.other_steps", calls=others)]
    detached = because("loss_detached", loss_reached=entry.get("loss_reached"), gradients_none=bool(entry.get("gradients_none")),
                       backward_calls=entry.get("backward_calls") or 0)
    if detached is not None:
        return [Message("train_step.differs_from_adam"), detached]
    return [Message("train_step.differs_from_adam"), *[MISTAKES[order].message for order in _orders(record, runs)][:1]]


def _causes(*named):
    """The messages of the causes (key, facts) whose facts hold (diagnosis.because)."""
    return [m for m in (because(key, **facts) for key, facts in named) if m is not None]


# ---- notebook 5: an nn.Module on a device -----------------------------------------------------

def module_class(TwoLayerNet, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``TwoLayerNet(D_in, H, D_out)``: an nn.Module with linear1 and linear2 (nn.Linear),
    whose forward is linear2(relu(linear1(x)))."""
    __tracebackhide__ = True
    c = Case("torch", seed, shape, dtype, device)
    with explaining("model", c.label):
        _, d_in, h, d_out = shape
        facts = probes.run(TwoLayerNet, "module", seed=seed, d_in=d_in, h=h, d_out=d_out, x=c.x)
        problems = []
        if not facts["module"]:
            problems.append(Message("module.not_module"))
        else:
            shapes = {"linear1": (d_in, h), "linear2": (h, d_out)}
            for name, layer in facts["layers"].items():
                if not layer.get("linear"):
                    problems.append(Message("module.missing_layer", name=name))
                elif (layer["in"], layer["out"]) != shapes[name]:
                    problems.append(Message("module.layer_shape", name=name, shape=shapes[name]))
        if not problems:
            if "output_error" in facts:
                raise_judged(facts["output_error"])
            p = facts["parameters"]
            problems = _parameter_shape_problems(p, d_in, h, d_out)
        if not problems:
            with torch.no_grad():
                hidden = F.linear(c.x.double(), p["weight1"].double(), _double(p["bias1"]))
                second = lambda h: F.linear(h, p["weight2"].double(), _double(p["bias2"]))  # noqa: E731
                expected = second(torch.relu(hidden))
                candidates = {"relu_missing": second(hidden), "relu_on_output": torch.relu(expected)}
            problems = c.mismatches("model(x)", facts["output"], expected)
            if problems:
                problems += explained(facts["output"], candidates, "model(x)", expected, rows=shape[0])
        finish("model", problems, c.label)


def _parameter_shape_problems(p, d_in, h, d_out):
    """The layers' shapes, read from the parameters themselves: model(x) is computed here from them."""
    for name, (i, o) in (("1", (d_in, h)), ("2", (h, d_out))):
        bias = p[f"bias{name}"]
        if tuple(p[f"weight{name}"].shape) != (o, i) or (bias is not None and tuple(bias.shape) != (o,)):
            return [Message("module.layer_shape", name=f"linear{name}", shape=(i, o))]
    return []


def _double(t):
    return None if t is None else t.double()


def _meta_trial(train, seed, shape):
    """Run ``train`` once on the meta device (shapes without data: it stands in for a GPU on any
    machine) with the data on the CPU. A model and data left on different devices fail there
    exactly as on a GPU; a correct loop fails only later, at .item(), which is not a mismatch.
    What it reports is the probe's word, not a value: it can fail the step, never pass it."""
    w, c = weights(seed, shape, bias=True)
    facts = probes.run(train, "train_on_meta", **w, x=c.x, y=c.y)
    error = facts["error"]
    if facts["device"] != "meta":
        return [MISTAKES["model_not_on_device"].message]
    if any(text in error for text in DEVICE_MISMATCH):
        return [Message("train.meta_error", error=error),
                MISTAKES["device_mismatch"].message]
    return []


# The mistakes a training loop can make that show in its losses, each run as the mistake does it.
TRAIN_MISTAKES = ("optimizer_not_adam", "mean_instead_of_sum", "lr_hardcoded", *ORDERS)


def train_loop(train, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, device="cpu", learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train(model, x, y, device, learning_rate, steps) -> losses``: model and data moved to
    ``device``, Adam with nn.MSELoss(reduction='sum'); compared with torch.optim.Adam iteration by
    iteration. The model and the data start on the CPU, as in the tutorial. ``steps``: how many
    iterations, train's own word for it."""
    __tracebackhide__ = True
    iterations = steps
    w, c = weights(seed, shape, bias=True)
    label = c.label.replace(" cpu,", f" {device},")
    with explaining("train", label, updates=True):
        on_device = probes.sequential(**w).to(device)
        moved = Case("torch", seed, shape, "float32", device)
        runs = {"right": _reference_run(on_device, moved, learning_rate, iterations + 1)}
        facts = probes.run(train, "train", **w, x=c.x, y=c.y, device=device, learning_rate=learning_rate,
                           iterations=iterations)
        if "error" in facts:
            error = facts["error"]
            if getattr(error, "type_name", "") == "RuntimeError" and any(text in str(error) for text in DEVICE_MISMATCH):
                fail("train", [str(error), MISTAKES["device_mismatch"].message, context(label)], raised=error)
            if "CUDA" in str(error) or "cuda" in str(error):  # model.cuda() hard-coded (AssertionError without a GPU)
                fail("train", [str(error), MISTAKES["model_not_on_device"].message, context(label)], raised=error)
            raise_judged(error)
        losses, notes = facts["losses"], number_notes(facts["losses"])
        problems = []
        if not isinstance(losses, (list, tuple)):
            problems.append(Message("train.not_a_list", steps=iterations))
        elif len(losses) != iterations:
            problems += [Message("train.loss_count", n=len(losses), steps=iterations),
                         *_causes(("losses_one_short", dict(count=len(losses), iterations=iterations)))]
        else:
            for k, (value, (ref_loss, _)) in enumerate(zip(losses, runs["right"])):
                found = mismatches("loss", value, ref_loss, "scalar", "float32")
                problems += [Message("train.at_step", k=k + 1), *found] if found else []
            if problems:
                problems += (_named_run(losses, on_device, moved, learning_rate, iterations, runs)
                             or _repeated(losses, runs, iterations, facts["parameters"], on_device))
        if facts["device"] != torch.device(device).type:
            problems.append(MISTAKES["model_not_on_device"].message)
        elif not problems and not _same(facts["parameters"], runs["right"][iterations - 1][1]):
            problems.append(Message("train.parameters_differ"))
        problems = problems or _meta_trial(train, seed, shape)
        if problems:
            fail("train", [*problems, *notes, context(label + f", {iterations} iterations")])
        passed_with("train", label + f", {iterations} iterations", notes)


def _repeated(losses, runs, iterations, trained, model):
    """[what is seen, the mistake] when every loss of the list is one and the same loss of the right run,
    where the right run's losses are not all one, and the training moved the parameters; else []."""
    try:
        values = [float(v) for v in losses]
    except (TypeError, ValueError):
        return []
    right = [loss for loss, _ in runs["right"][:iterations]]
    moved = not _same(trained, _params(model)) if isinstance(trained, list) else False
    cause = because("losses_repeated", count=len(values), iterations=iterations, all_equal=len(set(values)) == 1,
                    a_loss_of_the_run=any(close_enough(values[0], loss) for loss in right),
                    right_all_equal=len(set(right)) == 1, moved=moved)
    return [Message("train.losses_equal", n=len(values), value=values[0]), cause] if cause else []


def _named_run(losses, model, c, learning_rate, iterations, runs):
    """[the message of the known mistake whose training run gives ``losses``], or []."""
    if all(close_enough(value, runs["right"][k + 1][0]) for k, value in enumerate(losses)):
        return [MISTAKES["loss_after_update"].message]
    for mistake in TRAIN_MISTAKES:
        if mistake == "lr_hardcoded" and learning_rate == TUTORIAL_RATE:
            continue
        run = _reference_run(model, c, learning_rate, iterations, mistake)
        if all(close_enough(value, run[k][0]) for k, value in enumerate(losses)):
            return [MISTAKES[mistake].message]
    return []


# ---- notebook 5, optional: a ReLU with its own backward -----------------------------------------

def custom_relu(MyReLU, seed=VISIBLE_SEED):
    """Check a torch.autograd.Function: forward equals clamp(min=0), backward passes torch.autograd.gradcheck."""
    __tracebackhide__ = True
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(6, 5, generator=g, dtype=torch.float64)
    x = x + 0.1 * torch.sign(x)  # keep away from the kink at 0, where the derivative is not defined
    problems = mismatches("MyReLU.apply(x)", MyReLU.apply(x), x.clamp(min=0), "torch", "float64")
    if not problems:
        try:
            torch.autograd.gradcheck(MyReLU.apply, (x.clone().requires_grad_(True),), eps=1e-6, atol=1e-6)
        except Exception as error:  # noqa: BLE001 (gradcheck's own report is the message)
            problems = [Message("relu.gradcheck"), str(error).splitlines()[0]]
    finish("MyReLU", problems, "float64 (6, 5)")
