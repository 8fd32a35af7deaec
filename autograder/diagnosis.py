"""Name the common mistakes: a wrong value is tested against the oracle under each mistake.

Each candidate is what a known mistake would have produced on the same inputs, computed
by the oracles (autograd with a changed ReLU gradient or loss reduction) or by simple
arithmetic on the oracle's correct values. A student's value that matches a candidate
gets that mistake's message.
"""
from dataclasses import dataclass

import numpy as np

from . import oracles
from .compare import close_enough, relative_error, say, tolerance


@dataclass(frozen=True)
class Mistake:
    key: str
    zh: str
    en: str

    @property
    def message(self):
        return say(f"可能的原因：{self.zh}", f"Likely cause: {self.en}")


_CATALOGUE = [
    Mistake("relu_missing", "前向传播少了 ReLU：h_relu = max(h, 0)，再用 h_relu 乘 w2。",
            "the ReLU is missing in the forward pass: h_relu = max(h, 0), then multiply h_relu by w2."),
    Mistake("relu_on_output", "输出也过了 ReLU：只有隐藏层有 ReLU，y_pred = h_relu @ w2 不再经过 ReLU。",
            "ReLU is applied to the output too: only the hidden layer has one; y_pred = h_relu @ w2 as it is."),
    Mistake("relu_mask_missing", "反向传播没有乘 ReLU 的掩码：h < 0 的位置 grad_h 必须是 0"
            "（用 h_relu < 0 做掩码也等于没有掩码，因为 h_relu 从不小于 0）。",
            "the ReLU mask is missing in the backward pass: grad_h must be 0 wherever h < 0 "
            "(a mask built from h_relu < 0 is no mask at all: h_relu is never negative)."),
    Mistake("relu_mask_inverted", "ReLU 掩码反了：要把 h < 0 的位置清零，而不是 h > 0 的位置。",
            "the ReLU mask is inverted: zero grad_h where h < 0, not where h > 0."),
    Mistake("relu_mask_wrong_array", "ReLU 掩码取自错误的数组：要用前向的 h 来判断 (h < 0)，而不是用梯度的正负。",
            "the ReLU mask is taken from the wrong array: decide with the forward value h (h < 0), not with a gradient's sign."),
    Mistake("factor_2_missing", "少了因子 2：(y_pred − y)² 对 y_pred 的导数是 2·(y_pred − y)。",
            "the factor 2 is missing: the derivative of (y_pred − y)² with respect to y_pred is 2·(y_pred − y)."),
    Mistake("factor_2_doubled", "因子 2 乘了两次：grad_y_pred = 2·(y_pred − y)，只乘一次。",
            "the factor 2 is applied twice: grad_y_pred = 2·(y_pred − y), once."),
    Mistake("sign_flipped", "符号反了：grad_y_pred = 2·(y_pred − y)，不是 2·(y − y_pred)。",
            "the sign is flipped: grad_y_pred = 2·(y_pred − y), not 2·(y − y_pred)."),
    Mistake("mean_instead_of_sum", "用了平均 (mean) 而不是求和 (sum)：本课程的 loss 是所有平方误差之和。",
            "mean instead of sum: this course's loss is the sum of all squared errors, not their mean."),
    Mistake("loss_not_squared", "loss 要的是平方和，不要开根号（np.linalg.norm / torch.norm 是平方和的平方根）。",
            "the loss is the sum of squares, with no square root (np.linalg.norm and torch.norm take the root)."),
    Mistake("loss_half", "loss 多乘了 1/2：本课程的 loss 是平方误差之和，前面没有 1/2。",
            "the loss has an extra 1/2: this course's loss is the plain sum of squared errors."),
    Mistake("lr_missing", "更新时没乘学习率：w -= learning_rate * grad。",
            "the learning rate is missing in the update: w -= learning_rate * grad."),
    Mistake("lr_twice", "学习率乘了两次：w -= learning_rate * grad，只乘一次。",
            "the learning rate is applied twice: w -= learning_rate * grad, once."),
    Mistake("update_sign", "更新方向反了：梯度下降是减去梯度，w -= learning_rate * grad。",
            "the update goes uphill: gradient descent subtracts the gradient, w -= learning_rate * grad."),
    Mistake("rebinding", "权重没有被就地修改：w1 = w1 - ... 只是让局部变量指向一个新数组，调用者手里的 w1 没变。"
            "请用就地更新 w1 -= ...。",
            "the weights were not changed in place: w1 = w1 - ... only points a local name at a new array; "
            "the caller's w1 is unchanged. Update in place: w1 -= ...."),
    Mistake("not_zeroed", "梯度没有清零：每一步都要清零（w.grad.zero_()、model.zero_grad() 或 optimizer.zero_grad()），"
            "否则 backward() 会把新梯度加到旧梯度上。",
            "the gradients are not zeroed: zero them every step (w.grad.zero_(), model.zero_grad() or "
            "optimizer.zero_grad()), or backward() adds the new gradient to the old one."),
    Mistake("update_outside_no_grad", "更新写在了 torch.no_grad() 外面：对 requires_grad=True 的叶子张量做就地修改会报错"
            "（而且更新本身不该进入计算图）。把更新放进 with torch.no_grad(): 里。",
            "the update is outside torch.no_grad(): changing a leaf tensor that requires grad in place raises an "
            "error (and the update must not enter the graph). Put it inside `with torch.no_grad():`."),
    Mistake("reduction_mean", "nn.MSELoss 默认 reduction='mean'，会除以元素个数 N·D_out；教程和笔记本 1 的 loss 是平方和，"
            "要写 nn.MSELoss(reduction='sum')。",
            "nn.MSELoss defaults to reduction='mean', which divides by the N·D_out entries; the tutorial's loss "
            "(and notebook 1's) is the sum: nn.MSELoss(reduction='sum')."),
    Mistake("bias_true", "教程这一节的网络没有 bias：nn.Linear(..., bias=False)。",
            "this section's network has no bias: nn.Linear(..., bias=False)."),
    Mistake("init_not_normal", "权重要按教程用标准正态分布初始化：torch.nn.init.normal_(model[0].weight)，"
            "model[2] 也一样（nn.Linear 默认的初始化值小得多）。",
            "initialise the weights from a standard normal, as the tutorial does: "
            "torch.nn.init.normal_(model[0].weight), and model[2] too (nn.Linear's default values are far smaller)."),
    Mistake("step_before_backward", "optimizer.step() 放在了 loss.backward() 前面：step 用的是还没算出来（或已清零）的梯度。"
            "顺序是 zero_grad → 前向 → loss → backward → step。",
            "optimizer.step() comes before loss.backward(): it steps with gradients not yet computed (or already "
            "zeroed). The order is zero_grad → forward → loss → backward → step."),
    Mistake("step_not_called", "每一步都要调用一次 optimizer.step()，参数只由优化器来更新。",
            "call optimizer.step() once per step: only the optimizer updates the parameters."),
    Mistake("changed_outside_optimizer", "参数在 optimizer.step() 之外被改动了：用了优化器，就不要再手动更新参数。",
            "the parameters were changed outside optimizer.step(): with an optimizer, don't update them by hand too."),
    Mistake("device_mismatch", "模型和数据不在同一个设备上：模型 .to(device) 之后，x 和 y 也要 x = x.to(device)、"
            "y = y.to(device)（这正是教程最后一格的错误）。",
            "the model and the data are on different devices: after model.to(device), move the data too, "
            "x = x.to(device) and y = y.to(device) (the very bug of the tutorial's last cell)."),
    Mistake("model_not_on_device", "模型没有移到 device 上：model.to(device)（不要写死 model.cuda()）。",
            "the model was not moved to the device: model.to(device) (not a hard-coded model.cuda())."),
]
MISTAKES = {m.key: m for m in _CATALOGUE}


def forward_candidates(x, y, w1, w2):
    """{mistake: y_pred that mistake gives} for the forward pass."""
    x, w1, w2 = (oracles.to_numpy64(a) for a in (x, w1, w2))
    h = x @ w1
    return {
        "relu_missing": h @ w2,
        "relu_on_output": np.maximum(np.maximum(h, 0) @ w2, 0),
    }


def loss_candidates(y_pred, y):
    """{mistake: loss that mistake gives}."""
    se = np.square(oracles.to_numpy64(y_pred) - oracles.to_numpy64(y))
    return {
        "mean_instead_of_sum": se.mean(),
        "loss_not_squared": np.sqrt(se.sum()),
        "loss_half": 0.5 * se.sum(),
    }


def gradient_candidates(x, y, w1, w2):
    """{mistake: {"grad_w1": ..., "grad_w2": ...}} for the backward pass, all by autograd."""
    variants = {
        "relu_mask_missing": dict(relu_gradient="identity"),
        "relu_mask_inverted": dict(relu_gradient="inverted"),
        "relu_mask_wrong_array": dict(relu_gradient="from_grad"),
        "factor_2_missing": dict(reduction="half_sum"),
        "mean_instead_of_sum": dict(reduction="mean"),
        "mean_over_batch": dict(reduction="batch_mean"),
    }
    result = {key: oracles.reference(x, y, w1, w2, **kw) for key, kw in variants.items()}
    result["mean_instead_of_sum/batch"] = result.pop("mean_over_batch")
    right = oracles.reference(x, y, w1, w2)
    result["factor_2_doubled"] = {k: 2 * right[k] for k in ("grad_w1", "grad_w2")}
    result["sign_flipped"] = {k: -right[k] for k in ("grad_w1", "grad_w2")}
    return result


def update_candidates(w, grad, learning_rate):
    """{mistake: w after that mistaken update of w with grad}."""
    w, grad = oracles.to_numpy64(w), oracles.to_numpy64(grad)
    return {
        "lr_missing": w - grad,
        "lr_twice": w - learning_rate * learning_rate * grad,
        "update_sign": w + learning_rate * grad,
    }


# A value matches a mistake's candidate within this many times its dtype's tolerance.
SLACK = 10.0


def diagnose(value, candidates, name=None, correct=None):
    """The Mistake whose candidate ``value`` matches, else None.

    ``candidates`` maps a mistake key (optionally "key/variant") to a value, or to a dict of
    values from which ``name`` is taken. A transposed value is also tried against each.
    A candidate that ``value``'s dtype cannot tell from the ``correct`` value names nothing
    (that mistake leaves the answer right on these inputs).
    """
    for key, candidate in candidates.items():
        if isinstance(candidate, dict):
            candidate = candidate[name]
        candidate = oracles.to_numpy64(candidate)
        if correct is not None and relative_error(candidate, correct) <= SLACK * tolerance(value):
            continue
        if close_enough(value, candidate, SLACK) or (np.ndim(candidate) == 2 and close_enough(_transposed(value), candidate, SLACK)):
            return MISTAKES[key.split("/")[0]]
    return None


def _transposed(value):
    return value.T if hasattr(value, "T") and np.ndim(oracles.to_numpy64(value)) == 2 else value
