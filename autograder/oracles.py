"""Reference values for every check, from two independent oracles.

(a) torch autograd in float64 (exact up to rounding), on CPU or CUDA;
(b) numpy central finite differences of the L2 loss in float64.

No backward pass is written out by hand here. The variants that model common
mistakes are still computed by autograd: they change how ReLU passes gradients
back, or how the loss is reduced, and let autograd do the rest.
"""
import numpy as np

# How ReLU passes the gradient back, per variant (forward value is always relu(h)).
RELU_GRADIENTS = ("mask", "identity", "inverted", "from_grad")
# How the squared error is reduced to a scalar, per variant.
REDUCTIONS = ("sum", "mean", "batch_mean", "half_sum", "norm")


def to_numpy64(value):
    """Any array or tensor (any device, any float dtype) as a float64 numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().to("cpu").double().numpy()
    return np.asarray(value, dtype=np.float64)


def _as_torch64(value, device):
    import torch

    return torch.as_tensor(to_numpy64(value), dtype=torch.float64, device=device)


def _relu(h, gradient):
    """relu(h) whose backward follows ``gradient``: the correct mask or a mistaken one."""
    import torch

    value = torch.clamp(h, min=0).detach()
    if gradient == "mask":
        return torch.clamp(h, min=0)
    if gradient == "identity":  # mask forgotten: every gradient passes
        return value + (h - h.detach())
    if gradient == "inverted":  # mask flipped: gradient passes where h < 0
        keep = (h < 0).to(h.dtype)
        return value + (h * keep - (h * keep).detach())
    if gradient == "from_grad":  # mask taken from the incoming gradient's sign, not from h
        h.register_hook(lambda g: g * (g > 0).to(g.dtype))
        return value + (h - h.detach())
    raise ValueError(f"unknown ReLU gradient {gradient!r}")


def _reduce(squared_error, reduction):
    if reduction == "sum":
        return squared_error.sum()
    if reduction == "mean":
        return squared_error.mean()
    if reduction == "batch_mean":
        return squared_error.sum() / squared_error.shape[0]
    if reduction == "half_sum":
        return 0.5 * squared_error.sum()
    if reduction == "norm":
        return squared_error.sum().sqrt()
    raise ValueError(f"unknown reduction {reduction!r}")


def reference(x, y, w1, w2, relu_gradient="mask", reduction="sum", device=None, relu=True):
    """Forward values, loss and gradients of y_pred = relu(x @ w1) @ w2 by autograd in float64.

    Inputs may be numpy arrays or torch tensors of any float dtype. ``device`` defaults to
    the device of ``x`` when it is a tensor, else ``cpu``. Returns a dict of float64 tensors:
    h (N, H), h_relu (N, H), y_pred (N, D_out), loss (scalar), grad_w1 (D_in, H), grad_w2 (H, D_out).
    """
    import torch

    device = device or (x.device if isinstance(x, torch.Tensor) else "cpu")
    with torch.enable_grad():
        x, y = _as_torch64(x, device), _as_torch64(y, device)
        w1 = _as_torch64(w1, device).requires_grad_(True)
        w2 = _as_torch64(w2, device).requires_grad_(True)
        h = x @ w1
        h_relu = _relu(h, relu_gradient) if relu else h  # relu=False: the ReLU left out entirely
        y_pred = h_relu @ w2
        loss = _reduce((y_pred - y) ** 2, reduction)
        grad_w1, grad_w2 = torch.autograd.grad(loss, (w1, w2))
    values = dict(h=h, h_relu=h_relu, y_pred=y_pred, loss=loss, grad_w1=grad_w1, grad_w2=grad_w2)
    return {k: v.detach() for k, v in values.items()}


def l2_loss(x, y, w1, w2):
    """The L2 loss sum((relu(x @ w1) @ w2 - y)**2) in float64 numpy."""
    x, y, w1, w2 = map(to_numpy64, (x, y, w1, w2))
    return float(np.square(np.maximum(x @ w1, 0) @ w2 - y).sum())


def numerical_gradient(f, array, flat_indices, eps=1e-6):
    """Central differences (f(a + eps) - f(a - eps)) / 2eps at the given flat indices of ``array``.

    ``array`` is changed in place while probing and restored before returning.
    """
    flat = array.reshape(-1)
    values = np.empty(len(flat_indices))
    for k, i in enumerate(flat_indices):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        values[k] = (plus - minus) / (2 * eps)
    return values


def finite_differences(x, y, w1, w2, max_entries=300, seed=0, eps=1e-6):
    """Numerical gradients of the L2 loss w.r.t. w1 and w2, in float64.

    Every entry when a weight has at most ``max_entries`` of them, else a random sample of
    that many (drawn from ``seed``). Returns {"grad_w1": (flat_indices, values), "grad_w2": ...}.
    """
    x, y, w1, w2 = (to_numpy64(a).copy() for a in (x, y, w1, w2))
    rng = np.random.default_rng(seed)
    result = {}
    for name, w in (("grad_w1", w1), ("grad_w2", w2)):
        if w.size <= max_entries:
            idx = np.arange(w.size)
        else:
            idx = np.sort(rng.choice(w.size, size=max_entries, replace=False))
        result[name] = (idx, numerical_gradient(lambda: l2_loss(x, y, w1, w2), w, idx, eps))
    return result
