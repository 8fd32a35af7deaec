"""Student-like implementations of the course's functions, for the library's tests.

One correct version of each function (numpy and torch), and one variant per common
mistake, written the way a student would write it. ``VARIANTS`` lists the mistaken ones
with the check that should catch them and what that check should say.

Imports at the top on purpose: the guards must also catch names imported here
(``torch``, ``autograd_grad``, ``oracles``), not only imports made inside a function.
"""
import numpy as np
import torch
from torch.autograd import grad as autograd_grad

from autograder import oracles


# --------------------------------------------------------------------------- correct, numpy

def forward_np(x, w1, w2):
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    return h, h_relu, y_pred


def loss_np(y_pred, y):
    return np.square(y_pred - y).sum()


def backward_np(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def sgd_update_np(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2


# --------------------------------------------------------------------------- correct, torch

def forward_torch(x, w1, w2):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    return h, h_relu, y_pred


def loss_torch(y_pred, y):
    return (y_pred - y).pow(2).sum()


def loss_torch_item(y_pred, y):
    return (y_pred - y).pow(2).sum().item()


def backward_torch(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def autograd_step(x, y, w1, w2, learning_rate):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
    return loss.item()


# --------------------------------------------------------------------------- forward mistakes

def forward_np_no_relu(x, w1, w2):
    h = x.dot(w1)
    h_relu = h
    y_pred = h_relu.dot(w2)
    return h, h_relu, y_pred


def forward_np_relu_on_output(x, w1, w2):
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = np.maximum(h_relu.dot(w2), 0)
    return h, h_relu, y_pred


def forward_torch_no_relu(x, w1, w2):
    h = x.mm(w1)
    y_pred = h.mm(w2)
    return h, h, y_pred


def forward_torch_relu_on_output(x, w1, w2):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2).clamp(min=0)
    return h, h_relu, y_pred


def forward_np_float64_relu(x, w1, w2):
    """Right values, but np.zeros(h.shape) is float64: float32 inputs come back as float64."""
    h = x.dot(w1)
    h_relu = np.maximum(h, np.zeros(h.shape))
    y_pred = h_relu.dot(w2)
    return h, h_relu, y_pred


# --------------------------------------------------------------------------- loss mistakes

def loss_np_norm(y_pred, y):
    return np.linalg.norm(y_pred - y)


def loss_np_mean(y_pred, y):
    return np.mean((y_pred - y) ** 2)


def loss_np_half(y_pred, y):
    return 0.5 * np.sum((y_pred - y) ** 2)


def loss_torch_norm(y_pred, y):
    return torch.norm(y_pred - y)


def loss_torch_mean(y_pred, y):
    return (y_pred - y).pow(2).mean()


def loss_torch_half(y_pred, y):
    return 0.5 * (y_pred - y).pow(2).sum()


def loss_np_string(y_pred, y):
    """Formats the loss for printing and returns the text instead of the number."""
    return f"{np.square(y_pred - y).sum():.17g}"


# --------------------------------------------------------------------------- backward mistakes, numpy

def backward_np_mask_missing(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def backward_np_mask_from_h_relu(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h_relu < 0] = 0  # never true: no mask at all
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def backward_np_mask_inverted(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h > 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def backward_np_mask_from_grad(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[grad_h_relu < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def _backward_np_scaled(x, y, w2, h, h_relu, y_pred, grad_y_pred):
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def backward_np_factor_2_missing(x, y, w2, h, h_relu, y_pred):
    return _backward_np_scaled(x, y, w2, h, h_relu, y_pred, y_pred - y)


def backward_np_factor_2_doubled(x, y, w2, h, h_relu, y_pred):
    return _backward_np_scaled(x, y, w2, h, h_relu, y_pred, 2 * 2.0 * (y_pred - y))


def backward_np_sign_flipped(x, y, w2, h, h_relu, y_pred):
    return _backward_np_scaled(x, y, w2, h, h_relu, y_pred, 2.0 * (y - y_pred))


def backward_np_mean(x, y, w2, h, h_relu, y_pred):
    return _backward_np_scaled(x, y, w2, h, h_relu, y_pred, 2.0 * (y_pred - y) / y_pred.size)


def backward_np_batch_mean(x, y, w2, h, h_relu, y_pred):
    return _backward_np_scaled(x, y, w2, h, h_relu, y_pred, 2.0 * (y_pred - y) / y_pred.shape[0])


def backward_np_transposed(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = grad_y_pred.T.dot(h_relu)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return grad_w1, grad_w2


def backward_np_imports_torch(x, y, w2, h, h_relu, y_pred):
    import torch

    x, y, w2, h, h_relu, y_pred = (torch.from_numpy(a) for a in (x, y, w2, h, h_relu, y_pred))
    grad_w1, grad_w2 = backward_torch(x, y, w2, h, h_relu, y_pred)
    return grad_w1.numpy(), grad_w2.numpy()


def backward_np_uses_module_torch(x, y, w2, h, h_relu, y_pred):
    grad_w1, grad_w2 = backward_torch(*(torch.from_numpy(a) for a in (x, y, w2, h, h_relu, y_pred)))
    return grad_w1.numpy(), grad_w2.numpy()


def backward_np_torch_in_try(x, y, w2, h, h_relu, y_pred):
    """Tries torch, falls back to numpy when that fails: the rule is still broken."""
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:
        pass
    return backward_np(x, y, w2, h, h_relu, y_pred)


def forward_np_calls_oracle(x, w1, w2):
    ref = oracles.reference(x, np.zeros((x.shape[0], w2.shape[1])), w1, w2)
    return ref["h"].numpy(), ref["h_relu"].numpy(), ref["y_pred"].numpy()


def forward_np_imports_oracle(x, w1, w2):
    from autograder.oracles import reference

    ref = reference(x, np.zeros((x.shape[0], w2.shape[1])), w1, w2)
    return ref["h"].numpy(), ref["h_relu"].numpy(), ref["y_pred"].numpy()


# --------------------------------------------------------------------------- backward mistakes, torch

def backward_torch_mask_missing(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2.t())
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def backward_torch_mask_inverted(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2.t())
    grad_h[h > 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def backward_torch_mask_from_grad(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[grad_h_relu < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def _backward_torch_scaled(x, y, w2, h, h_relu, y_pred, grad_y_pred):
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2.t())
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def backward_torch_factor_2_missing(x, y, w2, h, h_relu, y_pred):
    return _backward_torch_scaled(x, y, w2, h, h_relu, y_pred, y_pred - y)


def backward_torch_factor_2_doubled(x, y, w2, h, h_relu, y_pred):
    return _backward_torch_scaled(x, y, w2, h, h_relu, y_pred, 4.0 * (y_pred - y))


def backward_torch_sign_flipped(x, y, w2, h, h_relu, y_pred):
    return _backward_torch_scaled(x, y, w2, h, h_relu, y_pred, 2.0 * (y - y_pred))


def backward_torch_mean(x, y, w2, h, h_relu, y_pred):
    return _backward_torch_scaled(x, y, w2, h, h_relu, y_pred, 2.0 * (y_pred - y) / y_pred.numel())


def backward_torch_transposed(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = grad_y_pred.t().mm(h_relu)
    grad_h = grad_y_pred.mm(w2.t())
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    return grad_w1, grad_w2


def backward_torch_uses_backward(x, y, w2, h, h_relu, y_pred):
    with torch.enable_grad():
        h = h.detach().clone().requires_grad_(True)
        w2 = w2.detach().clone().requires_grad_(True)
        loss = (h.clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
    return x.t().mm(h.grad), w2.grad


def backward_torch_uses_autograd_grad(x, y, w2, h, h_relu, y_pred):
    with torch.enable_grad():
        h = h.detach().clone().requires_grad_(True)
        w2 = w2.detach().clone().requires_grad_(True)
        loss = (h.clamp(min=0).mm(w2) - y).pow(2).sum()
        grad_h, grad_w2 = autograd_grad(loss, (h, w2))
    return x.t().mm(grad_h), grad_w2


def backward_torch_autograd_in_try(x, y, w2, h, h_relu, y_pred):
    """Tries autograd, falls back to the manual backward when that fails: the rule is still broken."""
    try:
        return backward_torch_uses_backward(x, y, w2, h, h_relu, y_pred)
    except Exception:
        return backward_torch(x, y, w2, h, h_relu, y_pred)


def forward_torch_calls_oracle(x, w1, w2):
    ref = oracles.reference(x, torch.zeros(x.shape[0], w2.shape[1], dtype=x.dtype), w1, w2)
    return tuple(ref[k].to(x.dtype) for k in ("h", "h_relu", "y_pred"))


# --------------------------------------------------------------------------- update mistakes (numpy)

def sgd_update_lr_missing(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 -= grad_w1
    w2 -= grad_w2


def sgd_update_lr_twice(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 -= learning_rate * learning_rate * grad_w1
    w2 -= learning_rate * learning_rate * grad_w2


def sgd_update_sign_flipped(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 += learning_rate * grad_w1
    w2 += learning_rate * grad_w2


def sgd_update_rebinding(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 = w1 - learning_rate * grad_w1
    w2 = w2 - learning_rate * grad_w2


def sgd_update_returns(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 = w1 - learning_rate * grad_w1
    w2 = w2 - learning_rate * grad_w2
    return w1, w2


# --------------------------------------------------------------------------- autograd_step mistakes

def autograd_step_not_zeroed(x, y, w1, w2, learning_rate):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
    return loss.item()


def autograd_step_outside_no_grad(x, y, w1, w2, learning_rate):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    w1 -= learning_rate * w1.grad
    w2 -= learning_rate * w2.grad
    w1.grad.zero_()
    w2.grad.zero_()
    return loss.item()


def autograd_step_lr_missing(x, y, w1, w2, learning_rate):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= w1.grad
        w2 -= w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
    return loss.item()


def autograd_step_calls_oracle(x, y, w1, w2, learning_rate):
    ref = oracles.reference(x, y, w1, w2)
    with torch.no_grad():
        w1 -= learning_rate * ref["grad_w1"].to(w1.dtype)
        w2 -= learning_rate * ref["grad_w2"].to(w2.dtype)
    return ref["loss"].item()


# --------------------------------------------------------------------------- named since every step is diagnosed

def forward_np_wrong_order(x, w1, w2):
    h, h_relu, y_pred = forward_np(x, w1, w2)
    return h_relu, h, y_pred


def loss_np_abs(y_pred, y):
    return np.abs(y_pred - y).sum()


def loss_np_batch_mean(y_pred, y):
    return np.square(y_pred - y).sum() / y_pred.shape[0]


def backward_np_no_mask_no_2(x, y, w2, h, h_relu, y_pred):
    grad_h = (y_pred - y).dot(w2.T)
    return x.T.dot(grad_h), h_relu.T.dot(y_pred - y)


def backward_np_mean_no_mask(x, y, w2, h, h_relu, y_pred):
    grad_y_pred = 2.0 * (y_pred - y) / y_pred.size
    return x.T.dot(grad_y_pred.dot(w2.T)), h_relu.T.dot(grad_y_pred)


def sgd_update_lr_constant(w1, w2, grad_w1, grad_w2, learning_rate):
    w1 -= 1e-6 * grad_w1
    w2 -= 1e-6 * grad_w2


def autograd_step_loss_after(x, y, w1, w2, learning_rate):
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
        return (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().item()


def autograd_step_zero_first(x, y, w1, w2, learning_rate):
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1.grad.zero_()
        w2.grad.zero_()
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
    return loss.item()


def autograd_step_grad_none(x, y, w1, w2, learning_rate):
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    w1.grad, w2.grad = None, None
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
    return loss.item()


def autograd_step_lr_constant(x, y, w1, w2, learning_rate):
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= 1e-6 * w1.grad
        w2 -= 1e-6 * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
    return loss.item()


# Two mistakes at once: (id, check, backend, function, (mistake, mistake)).
TOGETHER = [
    ("backward-np-no-mask-no-2", "backward", "numpy", backward_np_no_mask_no_2, ("relu_mask_missing", "factor_2_missing")),
    ("backward-np-mean-no-mask", "backward", "numpy", backward_np_mean_no_mask, ("relu_mask_missing", "mean_instead_of_sum")),
]


# --------------------------------------------------------------------------- the catalogue of variants

# (id, check, backend, function, expected): expected is a key of diagnosis.MISTAKES,
# "transposed", or ("guard", word) for a GuardViolation naming ``word``.
VARIANTS = [
    ("forward-np-no-relu", "forward", "numpy", forward_np_no_relu, "relu_missing"),
    ("forward-np-relu-on-output", "forward", "numpy", forward_np_relu_on_output, "relu_on_output"),
    ("forward-torch-no-relu", "forward", "torch", forward_torch_no_relu, "relu_missing"),
    ("forward-torch-relu-on-output", "forward", "torch", forward_torch_relu_on_output, "relu_on_output"),
    ("loss-np-norm", "loss", "numpy", loss_np_norm, "loss_not_squared"),
    ("loss-np-mean", "loss", "numpy", loss_np_mean, "mean_instead_of_sum"),
    ("loss-np-half", "loss", "numpy", loss_np_half, "loss_half"),
    ("loss-torch-norm", "loss", "torch", loss_torch_norm, "loss_not_squared"),
    ("loss-torch-mean", "loss", "torch", loss_torch_mean, "mean_instead_of_sum"),
    ("loss-torch-half", "loss", "torch", loss_torch_half, "loss_half"),
    ("backward-np-mask-missing", "backward", "numpy", backward_np_mask_missing, "relu_mask_missing"),
    ("backward-np-mask-from-h-relu", "backward", "numpy", backward_np_mask_from_h_relu, "relu_mask_missing"),
    ("backward-np-mask-inverted", "backward", "numpy", backward_np_mask_inverted, "relu_mask_inverted"),
    ("backward-np-mask-from-grad", "backward", "numpy", backward_np_mask_from_grad, "relu_mask_wrong_array"),
    ("backward-np-factor-2-missing", "backward", "numpy", backward_np_factor_2_missing, "factor_2_missing"),
    ("backward-np-factor-2-doubled", "backward", "numpy", backward_np_factor_2_doubled, "factor_2_doubled"),
    ("backward-np-sign-flipped", "backward", "numpy", backward_np_sign_flipped, "sign_flipped"),
    ("backward-np-mean", "backward", "numpy", backward_np_mean, "mean_instead_of_sum"),
    ("backward-np-batch-mean", "backward", "numpy", backward_np_batch_mean, "mean_over_batch"),
    ("backward-np-transposed", "backward", "numpy", backward_np_transposed, "transposed"),
    ("backward-torch-mask-missing", "backward", "torch", backward_torch_mask_missing, "relu_mask_missing"),
    ("backward-torch-mask-inverted", "backward", "torch", backward_torch_mask_inverted, "relu_mask_inverted"),
    ("backward-torch-mask-from-grad", "backward", "torch", backward_torch_mask_from_grad, "relu_mask_wrong_array"),
    ("backward-torch-factor-2-missing", "backward", "torch", backward_torch_factor_2_missing, "factor_2_missing"),
    ("backward-torch-factor-2-doubled", "backward", "torch", backward_torch_factor_2_doubled, "factor_2_doubled"),
    ("backward-torch-sign-flipped", "backward", "torch", backward_torch_sign_flipped, "sign_flipped"),
    ("backward-torch-mean", "backward", "torch", backward_torch_mean, "mean_instead_of_sum"),
    ("backward-torch-transposed", "backward", "torch", backward_torch_transposed, "transposed"),
    ("update-lr-missing", "update", "numpy", sgd_update_lr_missing, "lr_missing"),
    ("update-lr-twice", "update", "numpy", sgd_update_lr_twice, "lr_twice"),
    ("update-sign-flipped", "update", "numpy", sgd_update_sign_flipped, "update_sign"),
    ("update-rebinding", "update", "numpy", sgd_update_rebinding, "rebinding"),
    ("update-rebinding-returns", "update", "numpy", sgd_update_returns, "rebinding"),
    ("autograd-step-not-zeroed", "autograd_step", "torch", autograd_step_not_zeroed, "not_zeroed"),
    ("autograd-step-outside-no-grad", "autograd_step", "torch", autograd_step_outside_no_grad,
     "update_outside_no_grad"),
    ("autograd-step-lr-missing", "autograd_step", "torch", autograd_step_lr_missing, "lr_missing"),
    ("forward-np-wrong-order", "forward", "numpy", forward_np_wrong_order, "outputs_order"),
    ("loss-np-abs", "loss", "numpy", loss_np_abs, "loss_abs"),
    ("loss-np-batch-mean", "loss", "numpy", loss_np_batch_mean, "mean_over_batch"),
    ("update-lr-constant", "update", "numpy", sgd_update_lr_constant, "lr_hardcoded"),
    ("autograd-step-loss-after", "autograd_step", "torch", autograd_step_loss_after, "loss_after_update"),
    ("autograd-step-zero-first", "autograd_step", "torch", autograd_step_zero_first, "zeroed_before_update"),
    ("autograd-step-grad-none", "autograd_step", "torch", autograd_step_grad_none, "grad_none"),
    ("autograd-step-lr-constant", "autograd_step", "torch", autograd_step_lr_constant, "lr_hardcoded"),
    # rules (guards)
    ("backward-np-imports-torch", "backward", "numpy", backward_np_imports_torch, ("guard", "torch")),
    ("backward-np-module-torch", "backward", "numpy", backward_np_uses_module_torch, ("guard", "torch")),
    ("backward-np-torch-in-try", "backward", "numpy", backward_np_torch_in_try, ("guard", "torch")),
    ("forward-np-calls-oracle", "forward", "numpy", forward_np_calls_oracle, ("guard", "autograder")),
    ("forward-np-imports-oracle", "forward", "numpy", forward_np_imports_oracle, ("guard", "autograder")),
    ("forward-torch-calls-oracle", "forward", "torch", forward_torch_calls_oracle, ("guard", "autograder")),
    ("backward-torch-uses-backward", "backward", "torch", backward_torch_uses_backward, ("guard", "autograd")),
    ("backward-torch-uses-autograd-grad", "backward", "torch", backward_torch_uses_autograd_grad,
     ("guard", "autograd")),
    ("backward-torch-autograd-in-try", "backward", "torch", backward_torch_autograd_in_try, ("guard", "autograd")),
    ("autograd-step-calls-oracle", "autograd_step", "torch", autograd_step_calls_oracle, ("guard", "autograder")),
]
