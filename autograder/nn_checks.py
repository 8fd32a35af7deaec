"""The checks the test cells of notebooks 3–5 call: torch.nn, torch.optim, an nn.Module on a device.

References are built here from the same seeded weights: an nn.Sequential stepped by autograd
in float64 (notebook 3) or by torch.optim.Adam itself (notebooks 4 and 5). Mistaken step
orders are run the same way, so a wrong result can be named.
"""
import copy
import math

import torch
from torch import nn

from . import guards, oracles
from .checks import CHECK_LEARNING_RATE, VISIBLE_SEED, VISIBLE_SHAPE, _Case, _context, _finish, sgd_steps
from .compare import close_enough, fail, find_problems, passed, say
from .diagnosis import MISTAKES, diagnose, loss_candidates

# Big enough that the sample mean and std of the weights tell a standard normal from nn.Linear's default.
INIT_SHAPE = (8, 200, 50, 4)
# Error texts of a model and its data on different devices.
DEVICE_MISMATCH = ("is not on the expected device", "Expected all tensors to be on the same device",
                   "should be the same device")


def sequential(seed, shape, bias, dtype="float32", device="cpu"):
    """(model, case): nn.Sequential(Linear, ReLU, Linear) holding the seeded problem's w1, w2
    (stored as nn.Linear stores them, transposed) and, with ``bias``, small seeded biases."""
    c = _Case("torch", seed, shape, dtype, device)
    _, d_in, h, d_out = shape
    model = nn.Sequential(nn.Linear(d_in, h, bias=bias), nn.ReLU(), nn.Linear(h, d_out, bias=bias))
    model.to(device=device, dtype=c.x.dtype)
    with torch.no_grad():
        model[0].weight.copy_(c.w1.T)
        model[2].weight.copy_(c.w2.T)
        if bias:
            g = torch.Generator().manual_seed(seed)
            for layer in (model[0], model[2]):
                layer.bias.copy_(0.1 * torch.randn(layer.bias.shape, generator=g, dtype=torch.float64))
    return model, c


def _params(model):
    return [p.detach().clone() for p in model.parameters()]


def _same(params, reference):
    return len(params) == len(reference) and all(close_enough(p, r) for p, r in zip(params, reference))


# ---- notebook 3: torch.nn -------------------------------------------------------------------

def _structure_problems(model, d_in, h, d_out, bias):
    if not isinstance(model, nn.Sequential):
        return [say(f"应该返回一个 nn.Sequential，实际是 {type(model).__name__}。",
                    f"should return an nn.Sequential, got {type(model).__name__}.")]
    kinds = [type(m).__name__ for m in model]
    if kinds != ["Linear", "ReLU", "Linear"]:
        return [say(f"层的顺序应该是 Linear → ReLU → Linear，实际是 {' → '.join(kinds) or '空的'}。",
                    f"the layers should be Linear → ReLU → Linear, got {' → '.join(kinds) or 'none'}.")]
    problems = []
    for layer, (i, o) in ((model[0], (d_in, h)), (model[2], (h, d_out))):
        if (layer.in_features, layer.out_features) != (i, o):
            problems.append(say(f"nn.Linear({layer.in_features}, {layer.out_features}) 应该是 nn.Linear({i}, {o})。",
                                f"nn.Linear({layer.in_features}, {layer.out_features}) should be nn.Linear({i}, {o})."))
    if bias is False and any(layer.bias is not None for layer in (model[0], model[2])):
        problems.append(MISTAKES["bias_true"].message)
    return problems


def _init_problems(weights):
    for w in weights:
        w = oracles.to_numpy64(w)
        k = w.size
        if abs(w.std() - 1) > 5 / math.sqrt(2 * k) or abs(w.mean()) > 5 / math.sqrt(k):
            return [say(f"权重的均值 {w.mean():.3f}、标准差 {w.std():.3f} 不像标准正态分布。",
                        f"the weights have mean {w.mean():.3f} and std {w.std():.3f}: not a standard normal."),
                    MISTAKES["init_not_normal"].message]
    return []


def sequential_model(build_model, seed=VISIBLE_SEED, shape=INIT_SHAPE):
    """Check ``build_model(D_in, H, D_out)``: Linear(bias=False) → ReLU → Linear(bias=False),
    weights from a standard normal, and model(x) = relu(x W1ᵀ) W2ᵀ with its own weights."""
    __tracebackhide__ = True
    _, d_in, h, d_out = shape
    label = f"(N, D_in, H, D_out) = {tuple(shape)}, seed {seed}"
    torch.manual_seed(seed)
    model = guards.no_oracles(build_model, d_in, h, d_out)
    problems = _structure_problems(model, d_in, h, d_out, bias=False)
    if not problems:
        problems = _init_problems([model[0].weight, model[2].weight])
    if not problems:
        c = _Case("torch", seed, shape, "float32", "cpu")
        ref = oracles.reference(c.x, c.y, model[0].weight.T, model[2].weight.T)
        with torch.no_grad():
            problems = c.problems("model(x)", model(c.x), ref["y_pred"])
    _finish("model", problems, label)


def mse_loss(build_loss, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``build_loss()``: a loss function whose value is the sum of squared errors."""
    __tracebackhide__ = True
    c = _Case("torch", seed, shape, dtype, device)
    loss_fn = guards.no_oracles(build_loss)
    if isinstance(loss_fn, type) or not callable(loss_fn):
        fail("loss", [say("build_loss 应该返回一个损失函数的实例，例如 nn.MSELoss(reduction='sum')（注意括号）。",
                          "build_loss should return a loss function instance, e.g. nn.MSELoss(reduction='sum') "
                          "(note the parentheses)."), _context(c.label)])
    value = loss_fn(c.cast(c.ref["y_pred"]), c.y)
    problems = c.problems("loss", value, c.ref["loss"], kind="scalar")
    if problems:
        candidates = loss_candidates(c.ref["y_pred"], c.y)
        candidates["reduction_mean"] = candidates.pop("mean_instead_of_sum")
        mistake = diagnose(value, candidates, correct=c.ref["loss"])
        problems += [mistake.message] if mistake else []
    _finish("loss", problems, c.label)


def sgd_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                   learning_rate=CHECK_LEARNING_RATE):
    """Check ``train_step(model, x, y, loss_fn, learning_rate) -> loss``: forward, loss, backward,
    the update of every parameter under torch.no_grad(), model.zero_grad(); two steps."""
    __tracebackhide__ = True
    model, c = sequential(seed, shape, bias=False, dtype=dtype, device=device)
    loss_fn = nn.MSELoss(reduction="sum")
    sgd_steps("train_step", lambda: guards.no_oracles(train_step, model, c.x, c.y, loss_fn, learning_rate),
              lambda: {"w1": model[0].weight, "w2": model[2].weight}, c, learning_rate, transposed=True)


# ---- notebook 4: torch.optim ----------------------------------------------------------------

def adam_optimizer(build_optimizer, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, learning_rate=1e-4):
    """Check ``build_optimizer(model, learning_rate)``: torch.optim.Adam over all of model.parameters()."""
    __tracebackhide__ = True
    model, c = sequential(seed, shape, bias=True)
    optimizer = guards.no_oracles(build_optimizer, model, learning_rate)
    problems = []
    if not isinstance(optimizer, torch.optim.Adam):
        problems.append(say(f"应该返回 torch.optim.Adam，实际是 {type(optimizer).__name__}。",
                            f"should return a torch.optim.Adam, got {type(optimizer).__name__}."))
    else:
        rates = sorted({group["lr"] for group in optimizer.param_groups})
        if rates != [learning_rate]:
            problems.append(say(f"学习率是 {rates}，应该是传进来的 learning_rate = {learning_rate}。",
                                f"the learning rate is {rates}; it should be the learning_rate passed in, {learning_rate}."))
        given = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if given != {id(p) for p in model.parameters()}:
            problems.append(say("优化器要管理模型的全部参数：torch.optim.Adam(model.parameters(), lr=learning_rate)。",
                                "the optimizer must hold all of the model's parameters: "
                                "torch.optim.Adam(model.parameters(), lr=learning_rate)."))
    _finish("optimizer", problems, c.label)


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


class _WatchedStep:
    """Wraps optimizer.step to count its calls and to see whether parameters change elsewhere."""

    def __init__(self, optimizer, model):
        self.model, self.original, self.calls = model, optimizer.step, 0
        self.before_step = self.after_step = None
        optimizer.step = self

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.before_step = _params(self.model)
        result = self.original(*args, **kwargs)
        self.after_step = _params(self.model)
        return result


def adam_train_step(train_step, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu",
                    learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train_step(model, x, y, loss_fn, optimizer) -> loss`` against torch.optim.Adam itself:
    zero_grad, forward, loss, backward, step — the parameters change only through the optimizer."""
    __tracebackhide__ = True
    model, c = sequential(seed, shape, bias=True, dtype=dtype, device=device)
    runs = {order: _reference_run(model, c, learning_rate, steps, order)
            for order in ("right", "not_zeroed", "step_before_backward")}
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    watch = _WatchedStep(optimizer, model)
    loss_fn = nn.MSELoss(reduction="sum")
    for k in range(steps):
        start, calls = _params(model), watch.calls
        value = guards.no_oracles(train_step, model, c.x, c.y, loss_fn, optimizer)
        problems = c.problems("loss", value, runs["right"][k][0], kind="scalar")
        now = _params(model)
        if watch.calls - calls != 1:
            problems.append(say(f"这一步调用了 {watch.calls - calls} 次 optimizer.step()。",
                                f"this step called optimizer.step() {watch.calls - calls} times.")
                            + "\n" + MISTAKES["step_not_called"].message)
        elif not (_same(watch.before_step, start) and _same(now, watch.after_step)):
            problems.append(MISTAKES["changed_outside_optimizer"].message)
        elif not _same(now, runs["right"][k][1]):
            problems.append(say("参数和 torch.optim.Adam 走同样一步之后的结果不一致。",
                                "the parameters differ from those after the same step of torch.optim.Adam."))
            for order in ("not_zeroed", "step_before_backward"):
                if _same(now, runs[order][k][1]):
                    problems.append(MISTAKES[order].message)
                    break
        if problems:
            fail("train_step", [say(f"（第 {k + 1} 步）", f"(step {k + 1})"), *problems, _context(c.label)])
    passed("train_step", f"{c.label}, {steps} steps")


# ---- notebook 5: an nn.Module on a device -----------------------------------------------------

def module_class(TwoLayerNet, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, dtype="float32", device="cpu"):
    """Check ``TwoLayerNet(D_in, H, D_out)``: an nn.Module with linear1 and linear2 (nn.Linear),
    whose forward is linear2(relu(linear1(x)))."""
    __tracebackhide__ = True
    c = _Case("torch", seed, shape, dtype, device)
    _, d_in, h, d_out = shape
    torch.manual_seed(seed)
    model = guards.no_oracles(TwoLayerNet, d_in, h, d_out)
    problems = []
    if not isinstance(model, nn.Module):
        problems.append(say("TwoLayerNet 要继承 nn.Module：class TwoLayerNet(nn.Module)，并在 __init__ 里先 super().__init__()。",
                            "TwoLayerNet must subclass nn.Module: class TwoLayerNet(nn.Module), calling "
                            "super().__init__() first in __init__."))
    else:
        layers = {name: getattr(model, name, None) for name in ("linear1", "linear2")}
        shapes = {"linear1": (d_in, h), "linear2": (h, d_out)}
        for name, layer in layers.items():
            if not isinstance(layer, nn.Linear):
                problems.append(say(f"要有属性 self.{name} = nn.Linear(...)。", f"it needs an attribute self.{name} = nn.Linear(...)."))
            elif (layer.in_features, layer.out_features) != shapes[name]:
                problems.append(say(f"self.{name} 应该是 nn.Linear{shapes[name]}。", f"self.{name} should be nn.Linear{shapes[name]}."))
    if not problems:
        model.to(device=device, dtype=c.x.dtype)
        l1, l2 = model.linear1, model.linear2
        with torch.no_grad():
            x64 = c.x.double()
            expected = torch.nn.functional.linear(
                torch.relu(torch.nn.functional.linear(x64, l1.weight.double(), _double(l1.bias))),
                l2.weight.double(), _double(l2.bias))
            problems = c.problems("model(x)", guards.no_oracles(model, c.x), expected)
    _finish("model", problems, c.label)


def _double(t):
    return None if t is None else t.double()


def _device_probe(train, seed, shape):
    """Run ``train`` once on the meta device (shapes without data: it stands in for a GPU on any
    machine) with the data on the CPU. A model and data left on different devices fail there
    exactly as on a GPU; a correct loop fails only later, at .item(), which is not a mismatch."""
    model, c = sequential(seed, shape, bias=True)
    error = ""
    try:
        guards.no_oracles(train, model, c.x, c.y, "meta", learning_rate=1e-2, steps=1)
    except Exception as raised:  # noqa: BLE001 (any error but a mismatch is expected on meta)
        error = str(raised)
    if next(model.parameters()).device.type != "meta":
        return [MISTAKES["model_not_on_device"].message]
    if any(text in error for text in DEVICE_MISMATCH):
        return [say(f"用 device='meta'（代替 GPU）试运行时的报错：{error}",
                    f"The error on a trial run with device='meta' (standing in for a GPU): {error}"),
                MISTAKES["device_mismatch"].message]
    return []


def train_loop(train, seed=VISIBLE_SEED, shape=VISIBLE_SHAPE, device="cpu", learning_rate=CHECK_LEARNING_RATE, steps=3):
    """Check ``train(model, x, y, device, learning_rate, steps) -> losses``: model and data moved to
    ``device``, Adam with nn.MSELoss(reduction='sum'); compared with torch.optim.Adam step by step.
    The model and the data start on the CPU, as in the tutorial."""
    __tracebackhide__ = True
    model, c = sequential(seed, shape, bias=True)
    on_device = copy.deepcopy(model).to(device)
    moved = _Case("torch", seed, shape, "float32", device)
    reference = _reference_run(on_device, moved, learning_rate, steps, "right")
    label = c.label.replace(" cpu,", f" {device},")
    try:
        losses = guards.no_oracles(train, model, c.x, c.y, device, learning_rate=learning_rate, steps=steps)
    except RuntimeError as error:
        if any(text in str(error) for text in DEVICE_MISMATCH):
            fail("train", [str(error), MISTAKES["device_mismatch"].message, _context(label)])
        if "CUDA" in str(error) or "cuda" in str(error):
            fail("train", [str(error), MISTAKES["model_not_on_device"].message, _context(label)])
        raise
    problems = []
    if not isinstance(losses, (list, tuple)) or len(losses) != steps:
        problems.append(say(f"train 应该返回每一步的 loss 组成的列表（{steps} 个数）。",
                            f"train should return a list with the loss of every step ({steps} numbers)."))
    else:
        for k, (value, (ref_loss, _)) in enumerate(zip(losses, reference)):
            problems += [say(f"第 {k + 1} 步：", f"step {k + 1}:") + "\n" + p
                         for p in find_problems("loss", value, ref_loss, "scalar", "float32")]
    if next(model.parameters()).device.type != torch.device(device).type:
        problems.append(MISTAKES["model_not_on_device"].message)
    elif not problems and not _same(_params(model), reference[-1][1]):
        problems.append(say("训练后的参数和 torch.optim.Adam 的结果不一致。",
                            "after training, the parameters differ from torch.optim.Adam's."))
    problems = problems or _device_probe(train, seed, shape)
    _finish("train", problems, label + f", {steps} steps")


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
            problems = [say("backward 和数值梯度不一致（torch.autograd.gradcheck）：输入 > 0 的位置梯度原样通过，其余为 0。",
                            "backward disagrees with the numerical gradient (torch.autograd.gradcheck): the gradient "
                            "passes where the input is > 0 and is 0 elsewhere."), str(error).splitlines()[0]]
    _finish("MyReLU", problems, "float64 (6, 5)")
