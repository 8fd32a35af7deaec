"""The course's mutation corpus: realistic student mistakes and correct alternative solutions, each
written as an exact text edit of one answer cell of a source notebook, and what the feedback on it
must name.

An entry edits the answer cell ``cell`` (its grade id) of ``assignment``'s source notebook by
``replacements`` [(old, new), ...]; each ``old`` must occur exactly once in that cell (else the corpus
fails loudly, as corpus/demo_class.py does), so a change of the solution that breaks an edit
cannot make the corpus test nothing. ``expect`` is what the graded feedback of the step must name:
catalogue keys (autograder/messages.py), a named mistake ("mistake.<key>") or a structural message
("optimizer.not_adam"); ``expect=()`` marks a correct alternative, which must pass every step.

The runner (judged.py beside this file) judges each edited notebook as a submission is judged and
classifies each entry: named, fallback only, unexplained; a correct alternative that fails a step is
"flagged"; a mistake that fails another step than its own "costs another step".
"""
from dataclasses import dataclass

import nbformat

from corpus import cells


@dataclass(frozen=True)
class Entry:
    assignment: str
    cell: str                # the answer cell's grade id; its step is "test_" + cell
    name: str
    replacements: tuple      # ((old, new), ...)
    expect: tuple = ()       # catalogue keys the step's feedback must name; () = a correct alternative

    @property
    def step(self):
        return f"test_{self.cell}"

    @property
    def correct(self):
        return not self.expect

    @property
    def outside(self):
        """A mistake outside the catalogue: only the fallback's observations ("observed.*") are expected."""
        return bool(self.expect) and all(k.startswith("observed.") for k in self.expect)

    @property
    def id(self):
        return f"{self.assignment}/{self.cell}/{self.name}"


# Mistakes named by a note under a step that passes (they cost no points); every other mistake must fail its step.
NOTES = {"mistake.tensor_not_number", "mistake.argument_changed"}
# Keys being added to the catalogue at the same time as this corpus (issue 14's diagnosis work): an entry
# may expect them before they land; until then such an entry cannot be named.
PENDING = {f"mistake.{k}" for k in ("outputs_order", "loss_abs", "mean_over_batch", "lr_hardcoded", "loss_after_update",
                                    "zeroed_before_update", "optimizer_not_adam", "module_init_missing", "grad_none",
                                    "max_returns_tuple", "tensor_not_number")} | {"diagnosis.observed"}


def _m(assignment, cell, name, replacements, *expect):
    return Entry(assignment, cell, name, tuple(replacements), tuple(f"mistake.{k}" if "." not in k else k for k in expect))


def _ok(assignment, cell, name, replacements):
    return Entry(assignment, cell, name, tuple(replacements), ())


# ------------------------------------------------------------------------------------------ 01_numpy
_NP_BWD_MASK = ("    grad_h[h < 0] = 0\n", "")
_NP_BWD_F2 = ("2.0 * (y_pred - y)", "(y_pred - y)")
NUMPY = [
    # forward
    _m("01_numpy", "forward", "relu_missing", [("h_relu = np.maximum(h, 0)", "h_relu = h")], "relu_missing"),
    _m("01_numpy", "forward", "y_pred_from_h", [("y_pred = h_relu.dot(w2)", "y_pred = h.dot(w2)")], "relu_missing"),
    _m("01_numpy", "forward", "relu_on_output", [("y_pred = h_relu.dot(w2)", "y_pred = np.maximum(h_relu.dot(w2), 0)")],
       "relu_on_output"),
    _m("01_numpy", "forward", "outputs_order", [("return h, h_relu, y_pred", "return h_relu, h, y_pred")], "outputs_order"),
    _m("01_numpy", "forward", "outputs_reversed", [("return h, h_relu, y_pred", "return y_pred, h_relu, h")],
       "outputs_order"),
    _m("01_numpy", "forward", "two_outputs", [("return h, h_relu, y_pred", "return h_relu, y_pred")], "check.wrong_count"),
    _m("01_numpy", "forward", "no_return", [("    return h, h_relu, y_pred", "")], "check.wrong_count"),
    _ok("01_numpy", "forward", "h_times_mask", [("h_relu = np.maximum(h, 0)", "h_relu = h * (h > 0)")]),
    _ok("01_numpy", "forward", "np_where", [("h_relu = np.maximum(h, 0)", "h_relu = np.where(h > 0, h, 0)")]),
    _ok("01_numpy", "forward", "matmul_operator", [("h = x.dot(w1)", "h = x @ w1"), ("y_pred = h_relu.dot(w2)", "y_pred = h_relu @ w2")]),
    _ok("01_numpy", "forward", "np_clip", [("h_relu = np.maximum(h, 0)", "h_relu = np.clip(h, 0, None)")]),
    # loss
    _m("01_numpy", "loss", "abs", [("np.square(y_pred - y).sum()", "np.abs(y_pred - y).sum()")], "loss_abs"),
    _m("01_numpy", "loss", "mean", [("np.square(y_pred - y).sum()", "np.square(y_pred - y).mean()")], "mean_instead_of_sum"),
    _m("01_numpy", "loss", "over_batch", [("np.square(y_pred - y).sum()", "np.square(y_pred - y).sum() / y.shape[0]")],
       "mean_over_batch"),
    _m("01_numpy", "loss", "sqrt", [("np.square(y_pred - y).sum()", "np.sqrt(np.square(y_pred - y).sum())")],
       "loss_not_squared"),
    _m("01_numpy", "loss", "norm", [("np.square(y_pred - y).sum()", "np.linalg.norm(y_pred - y)")], "loss_not_squared"),
    _m("01_numpy", "loss", "half", [("np.square(y_pred - y).sum()", "0.5 * np.square(y_pred - y).sum()")], "loss_half"),
    _m("01_numpy", "loss", "not_summed", [("np.square(y_pred - y).sum()", "np.square(y_pred - y)")], "value.not_scalar"),
    _m("01_numpy", "loss", "sum_over_axis", [("np.square(y_pred - y).sum()", "np.square(y_pred - y).sum(axis=1)")],
       "value.not_scalar"),
    _m("01_numpy", "loss", "rmse", [("np.square(y_pred - y).sum()", "np.sqrt(np.square(y_pred - y).mean())")],
       "mean_instead_of_sum", "loss_not_squared"),
    _m("01_numpy", "loss", "half_mean", [("np.square(y_pred - y).sum()", "0.5 * np.square(y_pred - y).mean()")],
       "loss_half", "mean_instead_of_sum"),
    _ok("01_numpy", "loss", "power_sum", [("np.square(y_pred - y).sum()", "((y_pred - y) ** 2).sum()")]),
    _ok("01_numpy", "loss", "norm_squared", [("np.square(y_pred - y).sum()", "np.linalg.norm(y_pred - y) ** 2")]),
    _ok("01_numpy", "loss", "np_sum_square", [("np.square(y_pred - y).sum()", "np.sum(np.square(y_pred - y))")]),
    # backward
    _m("01_numpy", "backward", "relu_mask_missing", [_NP_BWD_MASK], "relu_mask_missing"),
    _m("01_numpy", "backward", "factor_2_missing", [_NP_BWD_F2], "factor_2_missing"),
    _m("01_numpy", "backward", "transposed_product",
       [("grad_w2 = h_relu.T.dot(grad_y_pred)", "grad_w2 = grad_y_pred.T.dot(h_relu)")], "value.transposed"),
    _m("01_numpy", "backward", "mask_inverted", [("grad_h[h < 0] = 0", "grad_h[h > 0] = 0")], "relu_mask_inverted"),
    _m("01_numpy", "backward", "mask_from_h_relu", [("grad_h[h < 0] = 0", "grad_h[h_relu < 0] = 0")], "relu_mask_missing"),
    _m("01_numpy", "backward", "mask_from_gradient", [("grad_h[h < 0] = 0", "grad_h[grad_h < 0] = 0")],
       "relu_mask_wrong_array"),
    _m("01_numpy", "backward", "sign_flipped", [("2.0 * (y_pred - y)", "2.0 * (y - y_pred)")], "sign_flipped"),
    _m("01_numpy", "backward", "mean", [("2.0 * (y_pred - y)", "2.0 * (y_pred - y) / y.size")], "mean_instead_of_sum"),
    _m("01_numpy", "backward", "over_batch", [("2.0 * (y_pred - y)", "2.0 * (y_pred - y) / y.shape[0]")],
       "mean_over_batch"),
    _m("01_numpy", "backward", "factor_2_doubled", [("grad_w2 = h_relu.T.dot(grad_y_pred)", "grad_w2 = 2.0 * h_relu.T.dot(grad_y_pred)"),
                                                   ("grad_w1 = x.T.dot(grad_h)", "grad_w1 = 2.0 * x.T.dot(grad_h)")],
       "factor_2_doubled"),
    _m("01_numpy", "backward", "no_mask_no_factor_2", [_NP_BWD_MASK, _NP_BWD_F2], "relu_mask_missing", "factor_2_missing"),
    _m("01_numpy", "backward", "mean_no_mask", [_NP_BWD_MASK, ("2.0 * (y_pred - y)", "2.0 * (y_pred - y) / y.size")],
       "mean_instead_of_sum", "relu_mask_missing"),
    _m("01_numpy", "backward", "sign_no_mask", [_NP_BWD_MASK, ("2.0 * (y_pred - y)", "2.0 * (y - y_pred)")],
       "sign_flipped", "relu_mask_missing"),
    _m("01_numpy", "backward", "inverted_no_factor_2", [("grad_h[h < 0] = 0", "grad_h[h > 0] = 0"), _NP_BWD_F2],
       "relu_mask_inverted", "factor_2_missing"),
    _m("01_numpy", "backward", "sign_no_factor_2", [("2.0 * (y_pred - y)", "(y - y_pred)")], "sign_flipped", "factor_2_missing"),
    _ok("01_numpy", "backward", "mask_multiplied", [("    grad_h = grad_h_relu.copy()\n    grad_h[h < 0] = 0\n",
                                                   "    grad_h = grad_h_relu * (h > 0)\n")]),
    _ok("01_numpy", "backward", "no_copy", [("grad_h = grad_h_relu.copy()", "grad_h = grad_h_relu")]),
    _ok("01_numpy", "backward", "np_where_matmul", [("    grad_h = grad_h_relu.copy()\n    grad_h[h < 0] = 0\n",
                                                   "    grad_h = np.where(h > 0, grad_h_relu, 0)\n"),
                                                  ("grad_w1 = x.T.dot(grad_h)", "grad_w1 = x.T @ grad_h")]),
    # update
    _m("01_numpy", "update", "rebinding", [("w1 -= learning_rate", "w1 = w1 - learning_rate"),
                                           ("w2 -= learning_rate", "w2 = w2 - learning_rate")], "rebinding"),
    _m("01_numpy", "update", "lr_missing", [("learning_rate * grad_w1", "grad_w1"), ("learning_rate * grad_w2", "grad_w2")],
       "lr_missing"),
    _m("01_numpy", "update", "sign", [("w1 -= ", "w1 += "), ("w2 -= ", "w2 += ")], "update_sign"),
    _m("01_numpy", "update", "lr_hardcoded", [("learning_rate * grad_w1", "1e-6 * grad_w1"),
                                              ("learning_rate * grad_w2", "1e-6 * grad_w2")], "lr_hardcoded"),
    _m("01_numpy", "update", "lr_twice", [("learning_rate * grad_w1", "learning_rate * learning_rate * grad_w1"),
                                          ("learning_rate * grad_w2", "learning_rate * learning_rate * grad_w2")], "lr_twice"),
    _m("01_numpy", "update", "returns_new_arrays", [("    w2 -= learning_rate * grad_w2\n", "    w2 -= learning_rate * grad_w2\n    return w1, w2\n")],
       "update.returned"),
    _m("01_numpy", "update", "w2_forgotten", [("    w2 -= learning_rate * grad_w2\n", "")], "update.unchanged", "rebinding"),
    _ok("01_numpy", "update", "subtract_out", [("    w1 -= learning_rate * grad_w1\n    w2 -= learning_rate * grad_w2\n",
                                              "    np.subtract(w1, learning_rate * grad_w1, out=w1)\n"
                                              "    np.subtract(w2, learning_rate * grad_w2, out=w2)\n")]),
    _ok("01_numpy", "update", "slice_assignment", [("w1 -= learning_rate * grad_w1", "w1[:] = w1 - learning_rate * grad_w1"),
                                                  ("w2 -= learning_rate * grad_w2", "w2[...] = w2 - learning_rate * grad_w2")]),
]

# ------------------------------------------------------------------------------------------ 02_autograd
_T_BWD_MASK = ("    grad_h[h < 0] = 0\n", "")
_T_BWD_F2 = ("2.0 * (y_pred - y)", "(y_pred - y)")
_STEP_UPDATE = "        w1 -= learning_rate * w1.grad\n        w2 -= learning_rate * w2.grad\n"
_STEP_ZERO = "        w1.grad.zero_()\n        w2.grad.zero_()\n"
AUTOGRAD = [
    # forward
    _m("02_autograd", "forward", "relu_missing", [("h_relu = h.clamp(min=0)", "h_relu = h")], "relu_missing"),
    _m("02_autograd", "forward", "relu_on_output", [("y_pred = h_relu.mm(w2)", "y_pred = h_relu.mm(w2).clamp(min=0)")],
       "relu_on_output"),
    _m("02_autograd", "forward", "outputs_order", [("return h, h_relu, y_pred", "return h_relu, h, y_pred")], "outputs_order"),
    _m("02_autograd", "forward", "torch_max", [("h_relu = h.clamp(min=0)", "h_relu = torch.max(h, 0)")], "max_returns_tuple"),
    _m("02_autograd", "forward", "only_y_pred", [("return h, h_relu, y_pred", "return y_pred")], "check.wrong_count"),
    _ok("02_autograd", "forward", "torch_relu", [("h_relu = h.clamp(min=0)", "h_relu = torch.relu(h)")]),
    _ok("02_autograd", "forward", "functional_relu", [("h_relu = h.clamp(min=0)", "h_relu = torch.nn.functional.relu(h)")]),
    _ok("02_autograd", "forward", "torch_clamp_matmul", [("h = x.mm(w1)", "h = x @ w1"),
                                                        ("h_relu = h.clamp(min=0)", "h_relu = torch.clamp(h, min=0)")]),
    _ok("02_autograd", "forward", "torch_maximum", [("h_relu = h.clamp(min=0)", "h_relu = torch.maximum(h, torch.zeros_like(h))")]),
    # loss
    _m("02_autograd", "loss", "mean", [("(y_pred - y).pow(2).sum()", "(y_pred - y).pow(2).mean()")], "mean_instead_of_sum"),
    _m("02_autograd", "loss", "abs", [("(y_pred - y).pow(2).sum()", "(y_pred - y).abs().sum()")], "loss_abs"),
    _m("02_autograd", "loss", "norm", [("(y_pred - y).pow(2).sum()", "torch.norm(y_pred - y)")], "loss_not_squared"),
    _m("02_autograd", "loss", "over_batch", [("(y_pred - y).pow(2).sum()", "(y_pred - y).pow(2).sum() / y.shape[0]")],
       "mean_over_batch"),
    _m("02_autograd", "loss", "half", [("(y_pred - y).pow(2).sum()", "0.5 * (y_pred - y).pow(2).sum()")], "loss_half"),
    _m("02_autograd", "loss", "functional_mse_default", [("(y_pred - y).pow(2).sum()", "torch.nn.functional.mse_loss(y_pred, y)")],
       "mean_instead_of_sum"),
    _m("02_autograd", "loss", "half_over_batch",
       [("(y_pred - y).pow(2).sum()", "0.5 * (y_pred - y).pow(2).sum() / y.shape[0]")], "loss_half", "mean_over_batch"),
    _ok("02_autograd", "loss", "functional_mse_sum", [("(y_pred - y).pow(2).sum()",
                                                      "torch.nn.functional.mse_loss(y_pred, y, reduction='sum')")]),
    _ok("02_autograd", "loss", "norm_squared", [("(y_pred - y).pow(2).sum()", "torch.linalg.norm(y_pred - y) ** 2")]),
    _ok("02_autograd", "loss", "item", [("(y_pred - y).pow(2).sum()", "((y_pred - y) ** 2).sum().item()")]),
    # backward
    _m("02_autograd", "backward", "relu_mask_missing", [_T_BWD_MASK], "relu_mask_missing"),
    _m("02_autograd", "backward", "autograd_in_backward",
       [("    grad_y_pred = 2.0 * (y_pred - y)\n",
         "    w1 = torch.linalg.lstsq(x, h).solution.requires_grad_(True)\n"
         "    w2 = w2.clone().requires_grad_(True)\n"
         "    (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().backward()\n"
         "    return w1.grad, w2.grad\n"
         "    grad_y_pred = 2.0 * (y_pred - y)\n")], "rule.autograd"),
    _m("02_autograd", "backward", "factor_2_missing", [_T_BWD_F2], "factor_2_missing"),
    _m("02_autograd", "backward", "mask_inverted", [("grad_h[h < 0] = 0", "grad_h[h > 0] = 0")], "relu_mask_inverted"),
    _m("02_autograd", "backward", "sign_flipped", [("2.0 * (y_pred - y)", "2.0 * (y - y_pred)")], "sign_flipped"),
    _m("02_autograd", "backward", "over_batch", [("2.0 * (y_pred - y)", "2.0 * (y_pred - y) / x.shape[0]")], "mean_over_batch"),
    _m("02_autograd", "backward", "transposed_product",
       [("grad_w2 = h_relu.t().mm(grad_y_pred)", "grad_w2 = grad_y_pred.t().mm(h_relu)")], "value.transposed"),
    _m("02_autograd", "backward", "mask_from_h_relu", [("grad_h[h < 0] = 0", "grad_h[h_relu < 0] = 0")], "relu_mask_missing"),
    _m("02_autograd", "backward", "no_mask_no_factor_2", [_T_BWD_MASK, _T_BWD_F2], "relu_mask_missing", "factor_2_missing"),
    _m("02_autograd", "backward", "over_batch_no_mask", [_T_BWD_MASK, ("2.0 * (y_pred - y)", "2.0 * (y_pred - y) / x.shape[0]")],
       "mean_over_batch", "relu_mask_missing"),
    _ok("02_autograd", "backward", "no_clone", [("grad_h = grad_h_relu.clone()", "grad_h = grad_h_relu")]),
    _ok("02_autograd", "backward", "mask_multiplied", [("    grad_h = grad_h_relu.clone()\n    grad_h[h < 0] = 0\n",
                                                       "    grad_h = grad_h_relu * (h > 0)\n")]),
    _ok("02_autograd", "backward", "matmul_T", [("grad_w2 = h_relu.t().mm(grad_y_pred)", "grad_w2 = h_relu.T @ grad_y_pred"),
                                                ("grad_w1 = x.t().mm(grad_h)", "grad_w1 = x.T @ grad_h")]),
    # autograd_step
    _m("02_autograd", "autograd_step", "not_zeroed", [("        w1.grad.zero_()\n", ""), ("        w2.grad.zero_()\n", "")],
       "not_zeroed"),
    _m("02_autograd", "autograd_step", "outside_no_grad",
       [("    with torch.no_grad():\n" + _STEP_UPDATE, "    w1 -= learning_rate * w1.grad\n    w2 -= learning_rate * w2.grad\n"
         "    with torch.no_grad():\n")], "update_outside_no_grad"),
    _m("02_autograd", "autograd_step", "lr_hardcoded", [("learning_rate * w1.grad", "1e-6 * w1.grad"),
                                                         ("learning_rate * w2.grad", "1e-6 * w2.grad")], "lr_hardcoded"),
    _m("02_autograd", "autograd_step", "loss_after_update",
       [("    return loss.item()", "    return (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().item()")], "loss_after_update"),
    _m("02_autograd", "autograd_step", "zeroed_before_update", [(_STEP_UPDATE + _STEP_ZERO, _STEP_ZERO + _STEP_UPDATE)],
       "zeroed_before_update"),
    _m("02_autograd", "autograd_step", "grad_set_to_none_before_update",
       [(_STEP_UPDATE + _STEP_ZERO, "        w1.grad = None\n        w2.grad = None\n" + _STEP_UPDATE)], "grad_none"),
    _m("02_autograd", "autograd_step", "sign", [("w1 -= ", "w1 += "), ("w2 -= ", "w2 += ")], "update_sign"),
    _m("02_autograd", "autograd_step", "lr_missing", [("learning_rate * w1.grad", "w1.grad"),
                                                       ("learning_rate * w2.grad", "w2.grad")], "lr_missing"),
    _m("02_autograd", "autograd_step", "mean_loss", [("(y_pred - y).pow(2).sum()", "(y_pred - y).pow(2).mean()")],
       "mean_instead_of_sum"),
    _m("02_autograd", "autograd_step", "relu_missing", [(".clamp(min=0)", "")], "relu_missing"),
    _m("02_autograd", "autograd_step", "rebinding", [("w1 -= learning_rate * w1.grad", "w1 = w1 - learning_rate * w1.grad"),
                                                      ("w2 -= learning_rate * w2.grad", "w2 = w2 - learning_rate * w2.grad")],
       "rebinding"),
    _ok("02_autograd", "autograd_step", "grad_none", [(_STEP_ZERO, "        w1.grad = None\n        w2.grad = None\n")]),
    _ok("02_autograd", "autograd_step", "autograd_grad",
       [("    loss.backward()\n    with torch.no_grad():\n" + _STEP_UPDATE + _STEP_ZERO,
         "    grad_w1, grad_w2 = torch.autograd.grad(loss, [w1, w2])\n    with torch.no_grad():\n"
         "        w1 -= learning_rate * grad_w1\n        w2 -= learning_rate * grad_w2\n")]),
    _ok("02_autograd", "autograd_step", "returns_tensor", [("    return loss.item()", "    return loss")]),
    _ok("02_autograd", "autograd_step", "sub_", [(_STEP_UPDATE, "        w1.sub_(learning_rate * w1.grad)\n"
                                                                "        w2.sub_(learning_rate * w2.grad)\n")]),
    _ok("02_autograd", "autograd_step", "data_update",
       [("    with torch.no_grad():\n" + _STEP_UPDATE + _STEP_ZERO,
         "    w1.data -= learning_rate * w1.grad.data\n    w2.data -= learning_rate * w2.grad.data\n"
         "    w1.grad.data.zero_()\n    w2.grad.data.zero_()\n")]),
]

# ------------------------------------------------------------------------------------------ 03_nn
_SGD_UPDATE = "    with torch.no_grad():\n        for param in model.parameters():\n            param -= learning_rate * param.grad\n"
NN = [
    # model
    _m("03_nn", "model", "bias_true", [("nn.Linear(D_in, H, bias=False)", "nn.Linear(D_in, H, bias=True)"),
                                       ("nn.Linear(H, D_out, bias=False)", "nn.Linear(H, D_out, bias=True)")], "bias_true"),
    _m("03_nn", "model", "default_init", [("    nn.init.normal_(model[0].weight)\n    nn.init.normal_(model[2].weight)\n", "")],
       "init_not_normal"),
    _m("03_nn", "model", "second_layer_not_initialised", [("    nn.init.normal_(model[2].weight)\n", "")], "init_not_normal"),
    _m("03_nn", "model", "small_std", [("nn.init.normal_(model[0].weight)", "nn.init.normal_(model[0].weight, std=0.01)"),
                                       ("nn.init.normal_(model[2].weight)", "nn.init.normal_(model[2].weight, std=0.01)")],
       "init_not_normal"),
    _m("03_nn", "model", "uniform_init", [("nn.init.normal_(model[0].weight)", "nn.init.uniform_(model[0].weight)"),
                                          ("nn.init.normal_(model[2].weight)", "nn.init.uniform_(model[2].weight)")],
       "init_not_normal"),
    _m("03_nn", "model", "relu_left_out", [("        nn.ReLU(),\n", ""), ("model[2].weight", "model[1].weight")],
       "model.layer_order", "relu_missing"),
    _m("03_nn", "model", "first_layer_swapped", [("nn.Linear(D_in, H, bias=False)", "nn.Linear(H, D_in, bias=False)")],
       "model.linear_shape"),
    _m("03_nn", "model", "no_return", [("    return model\n", "")], "model.not_sequential"),
    _ok("03_nn", "model", "ordered_dict",
        [("    model = nn.Sequential(\n        nn.Linear(D_in, H, bias=False),\n        nn.ReLU(),\n"
          "        nn.Linear(H, D_out, bias=False),\n    )\n",
          "    from collections import OrderedDict\n    model = nn.Sequential(OrderedDict([\n"
          "        ('linear1', nn.Linear(D_in, H, bias=False)),\n        ('relu', nn.ReLU()),\n"
          "        ('linear2', nn.Linear(H, D_out, bias=False)),\n    ]))\n"),
         ("nn.init.normal_(model[0].weight)", "nn.init.normal_(model.linear1.weight)"),
         ("nn.init.normal_(model[2].weight)", "nn.init.normal_(model.linear2.weight)")]),
    _ok("03_nn", "model", "weight_normal_", [("    nn.init.normal_(model[0].weight)\n    nn.init.normal_(model[2].weight)\n",
                                             "    with torch.no_grad():\n        model[0].weight.normal_()\n"
                                             "        model[2].weight.normal_(mean=0.0, std=1.0)\n")]),
    _ok("03_nn", "model", "relu_inplace", [("nn.ReLU()", "nn.ReLU(inplace=True)")]),
    # loss
    _m("03_nn", "loss", "reduction_mean", [('reduction="sum"', 'reduction="mean"')], "mean_instead_of_sum"),
    _m("03_nn", "loss", "default_mean", [('nn.MSELoss(reduction="sum")', "nn.MSELoss()")], "mean_instead_of_sum"),
    _m("03_nn", "loss", "l1", [('nn.MSELoss(reduction="sum")', 'nn.L1Loss(reduction="sum")')], "loss_abs"),
    _m("03_nn", "loss", "class_not_instance", [('nn.MSELoss(reduction="sum")', "nn.MSELoss")], "loss.not_instance"),
    _m("03_nn", "loss", "reduction_none", [('reduction="sum"', 'reduction="none"')], "value.not_scalar"),
    _m("03_nn", "loss", "over_batch", [('return nn.MSELoss(reduction="sum")',
                                        'return lambda y_pred, y: nn.MSELoss(reduction="sum")(y_pred, y) / y.shape[0]')],
       "mean_over_batch"),
    _m("03_nn", "loss", "norm", [('return nn.MSELoss(reduction="sum")', "return lambda y_pred, y: torch.norm(y_pred - y)")],
       "loss_not_squared"),
    _ok("03_nn", "loss", "size_average_false", [('nn.MSELoss(reduction="sum")', "nn.MSELoss(size_average=False)")]),
    _ok("03_nn", "loss", "lambda", [('return nn.MSELoss(reduction="sum")', "return lambda y_pred, y: ((y_pred - y) ** 2).sum()")]),
    _ok("03_nn", "loss", "functional", [('return nn.MSELoss(reduction="sum")',
                                         "import torch.nn.functional as F\n"
                                         "    return lambda y_pred, y: F.mse_loss(y_pred, y, reduction='sum')")]),
    # train_step
    _m("03_nn", "train_step", "not_zeroed", [("    model.zero_grad()\n", "")], "not_zeroed"),
    _m("03_nn", "train_step", "returns_tensor", [("    return loss.item()", "    return loss")], "tensor_not_number"),
    _m("03_nn", "train_step", "lr_hardcoded", [("learning_rate * param.grad", "1e-6 * param.grad")], "lr_hardcoded"),
    _m("03_nn", "train_step", "sign", [("param -= ", "param += ")], "update_sign"),
    _m("03_nn", "train_step", "lr_missing", [("learning_rate * param.grad", "param.grad")], "lr_missing"),
    # model.zero_grad() sets the gradients to None (PyTorch 2's default): the update then fails on a None .grad
    _m("03_nn", "train_step", "zero_grad_before_update",
       [("    loss.backward()\n" + _SGD_UPDATE + "    model.zero_grad()\n", "    loss.backward()\n    model.zero_grad()\n" + _SGD_UPDATE)],
       "grad_none"),
    _m("03_nn", "train_step", "grad_zero_before_update",
       [("    loss.backward()\n" + _SGD_UPDATE + "    model.zero_grad()\n",
         "    loss.backward()\n    for param in model.parameters():\n        param.grad.zero_()\n" + _SGD_UPDATE)],
       "zeroed_before_update"),
    _m("03_nn", "train_step", "loss_after_update", [("    return loss.item()", "    return loss_fn(model(x), y).item()")],
       "loss_after_update"),
    _m("03_nn", "train_step", "outside_no_grad", [(_SGD_UPDATE, "    for param in model.parameters():\n"
                                                                "        param -= learning_rate * param.grad\n")],
       "update_outside_no_grad"),
    _m("03_nn", "train_step", "rebinding", [("param -= learning_rate * param.grad", "param = param - learning_rate * param.grad")],
       "rebinding"),
    _m("03_nn", "train_step", "backward_missing", [("    loss.backward()\n", "")], "grad_none"),
    _ok("03_nn", "train_step", "zero_grad_first", [("    model.zero_grad()\n", ""), ("    y_pred = model(x)\n",
                                                                                     "    model.zero_grad()\n    y_pred = model(x)\n")]),
    _ok("03_nn", "train_step", "param_data", [(_SGD_UPDATE, "    for p in model.parameters():\n        p.data -= learning_rate * p.grad.data\n")]),
    _ok("03_nn", "train_step", "per_layer", [(_SGD_UPDATE, "    with torch.no_grad():\n"
                                                           "        model[0].weight -= learning_rate * model[0].weight.grad\n"
                                                           "        model[2].weight -= learning_rate * model[2].weight.grad\n")]),
    _ok("03_nn", "train_step", "sgd_optimizer", [(_SGD_UPDATE + "    model.zero_grad()\n",
                                                 "    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)\n"
                                                 "    optimizer.step()\n    optimizer.zero_grad()\n")]),
    _ok("03_nn", "train_step", "float_grad_none", [("    model.zero_grad()\n", "    for param in model.parameters():\n"
                                                                             "        param.grad = None\n"),
                                                  ("    return loss.item()", "    return float(loss)")]),
]

# ------------------------------------------------------------------------------------------ 04_optim
_ADAM_STEP = "    loss.backward()\n    optimizer.step()\n"
OPTIM = [
    # optimizer
    _m("04_optim", "optimizer", "sgd", [("return torch.optim.Adam(", "return torch.optim.SGD(")], "optimizer.not_adam",
       "optimizer_not_adam"),
    _m("04_optim", "optimizer", "lr_hardcoded", [("lr=learning_rate", "lr=1e-4")], "optimizer.learning_rate"),
    _m("04_optim", "optimizer", "lr_default", [(", lr=learning_rate", "")], "optimizer.learning_rate"),
    _m("04_optim", "optimizer", "first_layer_only", [("model.parameters()", "model[0].parameters()")],
       "optimizer.some_parameters"),
    _m("04_optim", "optimizer", "adamw", [("return torch.optim.Adam(", "return torch.optim.AdamW(")], "optimizer.not_adam",
       "optimizer_not_adam"),
    _m("04_optim", "optimizer", "rmsprop", [("return torch.optim.Adam(", "return torch.optim.RMSprop(")], "optimizer.not_adam",
       "optimizer_not_adam"),
    _ok("04_optim", "optimizer", "positional_lr", [("lr=learning_rate", "learning_rate")]),
    _ok("04_optim", "optimizer", "param_groups", [("model.parameters()", "[{'params': list(model.parameters())}]")]),
    _ok("04_optim", "optimizer", "imported_name", [("return torch.optim.Adam(model.parameters(), lr=learning_rate)",
                                                   "from torch.optim import Adam\n"
                                                   "    return Adam(params=model.parameters(), lr=learning_rate)")]),
    # train_step
    _m("04_optim", "train_step", "not_zeroed", [("    optimizer.zero_grad()\n", "")], "not_zeroed"),
    _m("04_optim", "train_step", "step_before_backward", [(_ADAM_STEP, "    optimizer.step()\n    loss.backward()\n")],
       "step_before_backward"),
    _m("04_optim", "train_step", "zeroed_before_step", [("    optimizer.zero_grad()\n", ""),
                                                        (_ADAM_STEP, "    loss.backward()\n    optimizer.zero_grad()\n"
                                                                     "    optimizer.step()\n")], "zeroed_before_update"),
    _m("04_optim", "train_step", "step_missing", [("    optimizer.step()\n", "")], "step_not_called"),
    _m("04_optim", "train_step", "step_twice", [("    optimizer.step()\n", "    optimizer.step()\n    optimizer.step()\n")],
       "step_not_called"),
    _m("04_optim", "train_step", "returns_tensor", [("    return loss.item()", "    return loss")], "tensor_not_number"),
    _m("04_optim", "train_step", "loss_after_step", [("    return loss.item()", "    return loss_fn(model(x), y).item()")],
       "loss_after_update"),
    _m("04_optim", "train_step", "manual_update_too",
       [("    optimizer.step()\n", "    optimizer.step()\n    with torch.no_grad():\n        for p in model.parameters():\n"
                                 "            p -= 1e-3 * p.grad\n")], "changed_outside_optimizer"),
    _ok("04_optim", "train_step", "set_to_none", [("optimizer.zero_grad()", "optimizer.zero_grad(set_to_none=True)")]),
    _ok("04_optim", "train_step", "zero_grad_last", [("    optimizer.zero_grad()\n", ""),
                                                    (_ADAM_STEP, _ADAM_STEP + "    optimizer.zero_grad()\n")]),
    _ok("04_optim", "train_step", "model_zero_grad", [("optimizer.zero_grad()", "model.zero_grad()")]),
    _ok("04_optim", "train_step", "float_detach", [("    return loss.item()", "    return float(loss.detach())")]),
]

# ------------------------------------------------------------------------------------------ 05_module
_FWD = "return self.linear2(self.relu(self.linear1(x)))"
_OPT = "torch.optim.Adam(model.parameters(), lr=learning_rate)"
MODULE = [
    # model
    _m("05_module", "model", "relu_left_out", [(_FWD, "return self.linear2(self.linear1(x))")], "relu_missing"),
    _m("05_module", "model", "super_init_forgotten", [("        super().__init__()\n", "")], "module_init_missing"),
    _m("05_module", "model", "torch_max_as_relu", [(_FWD, "return self.linear2(torch.max(self.linear1(x), 0))")],
       "max_returns_tuple"),
    _m("05_module", "model", "second_layer_size", [("self.linear2 = nn.Linear(H, D_out)", "self.linear2 = nn.Linear(D_in, D_out)")],
       "module.layer_shape"),
    _m("05_module", "model", "first_layer_swapped", [("self.linear1 = nn.Linear(D_in, H)", "self.linear1 = nn.Linear(H, D_in)")],
       "module.layer_shape"),
    _m("05_module", "model", "layer_names", [("self.linear1 = nn.Linear", "self.fc1 = nn.Linear"),
                                             ("self.linear1(x)", "self.fc1(x)")], "module.missing_layer"),
    _m("05_module", "model", "relu_on_output", [(_FWD, "return self.relu(self.linear2(self.relu(self.linear1(x))))")],
       "relu_on_output"),
    _m("05_module", "model", "not_a_module", [("class TwoLayerNet(nn.Module):", "class TwoLayerNet:")], "module.not_module"),
    _ok("05_module", "model", "functional_relu", [(_FWD, "return self.linear2(nn.functional.relu(self.linear1(x)))")]),
    _ok("05_module", "model", "super_with_class", [("super().__init__()", "super(TwoLayerNet, self).__init__()")]),
    _ok("05_module", "model", "clamp_in_steps", [("        " + _FWD,
                                                  "        h = self.linear1(x)\n        h_relu = h.clamp(min=0)\n"
                                                  "        return self.linear2(h_relu)")]),
    # train
    _m("05_module", "train", "data_left_on_cpu", [("    x = x.to(device)\n    y = y.to(device)\n", "")], "device_mismatch"),
    _m("05_module", "train", "to_not_assigned", [("    x = x.to(device)\n    y = y.to(device)\n",
                                                 "    x.to(device)\n    y.to(device)\n")], "device_mismatch"),
    _m("05_module", "train", "model_not_moved", [("    model.to(device)\n", "")], "model_not_on_device"),
    _m("05_module", "train", "model_cuda_hardcoded", [("    model.to(device)\n", "    model.cuda()\n")], "model_not_on_device"),
    _m("05_module", "train", "sgd", [(_OPT, "torch.optim.SGD(model.parameters(), lr=learning_rate)")], "optimizer_not_adam"),
    _m("05_module", "train", "mse_default_mean", [('nn.MSELoss(reduction="sum")', "nn.MSELoss()")], "mean_instead_of_sum"),
    _m("05_module", "train", "zero_grad_missing", [("        optimizer.zero_grad()\n", "")], "not_zeroed"),
    _m("05_module", "train", "loss_tensors", [("losses.append(loss.item())", "losses.append(loss)")], "tensor_not_number"),
    _m("05_module", "train", "lr_hardcoded", [("lr=learning_rate", "lr=1e-4")], "lr_hardcoded"),
    _m("05_module", "train", "steps_hardcoded", [("range(steps)", "range(500)")], "train.loss_count"),
    _m("05_module", "train", "step_before_backward", [("        loss.backward()\n        optimizer.step()\n",
                                                      "        optimizer.step()\n        loss.backward()\n")],
       "step_before_backward"),
    _ok("05_module", "train", "reassigned_and_tuple", [("    model.to(device)\n    x = x.to(device)\n    y = y.to(device)\n",
                                                       "    model = model.to(device)\n    x, y = x.to(device), y.to(device)\n")]),
    _ok("05_module", "train", "cuda_if_asked", [("    model.to(device)\n",
                                                "    model.cuda() if torch.device(device).type == 'cuda' else model.to(device)\n")]),
    _ok("05_module", "train", "functional_loss_float",
        [('    loss_fn = nn.MSELoss(reduction="sum")\n', "    import torch.nn.functional as F\n"),
         ("loss = loss_fn(model(x), y)", "loss = F.mse_loss(model(x), y, reduction='sum')"),
         ("losses.append(loss.item())", "losses.append(float(loss))")]),
    _ok("05_module", "train", "set_to_none", [("optimizer.zero_grad()", "optimizer.zero_grad(set_to_none=True)")]),
]

# Mistakes outside the catalogue: no name fits, so the feedback must say what is measurably true of the
# wrong value (the fallback, catalogue "observed.*"), and name no mistake, which would be a false statement.
OUTSIDE = [
    _m("01_numpy", "loss", "tripled", [("np.square(y_pred - y).sum()", "3 * np.square(y_pred - y).sum()")],
       "observed.ratio"),
    _m("01_numpy", "loss", "quartered", [("np.square(y_pred - y).sum()", "np.square(y_pred - y).sum() / 4")],
       "observed.ratio"),
    _m("01_numpy", "forward", "h_relu_unclipped", [("    return h, h_relu, y_pred", "    return h, h, y_pred")],
       "observed.masked"),
    _m("01_numpy", "backward", "grad_w2_halved",
       [("    grad_w2 = h_relu.T.dot(grad_y_pred)\n", "    grad_w2 = 0.5 * h_relu.T.dot(grad_y_pred)\n")],
       "observed.one_gradient", "observed.ratio"),
    _m("01_numpy", "backward", "grad_w2_from_h",
       [("    grad_w2 = h_relu.T.dot(grad_y_pred)\n", "    grad_w2 = h.T.dot(grad_y_pred)\n")],
       "observed.one_gradient"),
    _m("02_autograd", "loss", "tripled", [("    return (y_pred - y).pow(2).sum()", "    return 3 * (y_pred - y).pow(2).sum()")],
       "observed.ratio"),
    _m("02_autograd", "forward", "h_relu_unclipped", [("    h_relu = h.clamp(min=0)\n    y_pred = h_relu.mm(w2)",
                                                       "    y_pred = h.clamp(min=0).mm(w2)\n    h_relu = h")],
       "observed.masked"),
    _m("02_autograd", "backward", "grad_w2_from_h",
       [("    grad_w2 = h_relu.t().mm(grad_y_pred)\n", "    grad_w2 = h.t().mm(grad_y_pred)\n")],
       "observed.one_gradient"),
    _m("02_autograd", "backward", "grad_w1_tripled",
       [("    grad_w1 = x.t().mm(grad_h)\n", "    grad_w1 = 3 * x.t().mm(grad_h)\n")],
       "observed.one_gradient", "observed.ratio"),
    _m("03_nn", "loss", "doubled", [('    return nn.MSELoss(reduction="sum")',
                                     '    return lambda y_pred, y: 2 * nn.MSELoss(reduction="sum")(y_pred, y)')],
       "observed.ratio"),
    _m("05_module", "model", "doubled_output", [("        return self.linear2(self.relu(self.linear1(x)))",
                                                 "        return 2 * self.linear2(self.relu(self.linear1(x)))")],
       "observed.ratio"),
]

# Values overwritten in place or aliased, exceptions with a known cause, the wrong object, lists of losses
# built wrong: each named only on the facts that define it (autograder/diagnosis.py: FACTS). With the
# correct alternatives that look like them.
_NO_GRAD_SEQ = ("    y_pred = model(x)\n    loss = loss_fn(y_pred, y)\n",
                "    with torch.no_grad():\n        y_pred = model(x)\n    loss = loss_fn(y_pred, y)\n")
_NEW_LEAF = ("    loss.backward()\n", "    loss = torch.tensor(loss.item(), requires_grad=True)\n    loss.backward()\n")
_ITEM_SEQ = [("    loss = loss_fn(y_pred, y)\n", "    loss = loss_fn(y_pred, y).item()\n"), ("    return loss.item()", "    return loss")]
_TWICE = ("    loss.backward()\n", "    loss.backward()\n    loss.backward()\n")
_OWN_ADAM = ("    optimizer.zero_grad()\n", "    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n    optimizer.zero_grad()\n")
NEXT = [
    # 01_numpy forward: h overwritten by the ReLU
    _m("01_numpy", "forward", "maximum_out_h", [("h_relu = np.maximum(h, 0)", "h_relu = np.maximum(h, 0, out=h)")], "h_overwritten"),
    _m("01_numpy", "forward", "maximum_positional_out", [("h_relu = np.maximum(h, 0)", "h_relu = np.maximum(h, 0, h)")],
       "h_overwritten"),
    _m("01_numpy", "forward", "clip_out_h", [("h_relu = np.maximum(h, 0)", "h_relu = np.clip(h, 0, None, out=h)")], "h_overwritten"),
    _m("01_numpy", "forward", "alias_then_mask", [("h_relu = np.maximum(h, 0)", "h_relu = h\n    h_relu[h_relu < 0] = 0")],
       "h_overwritten"),
    _m("01_numpy", "forward", "alias_times_mask", [("h_relu = np.maximum(h, 0)", "h_relu = h\n    h_relu *= h_relu > 0")],
       "h_overwritten"),
    _m("01_numpy", "forward", "mask_h_itself", [("h_relu = np.maximum(h, 0)", "h[h < 0] = 0\n    h_relu = h")], "h_overwritten"),
    _ok("01_numpy", "forward", "copy_then_mask", [("h_relu = np.maximum(h, 0)", "h_relu = h.copy()\n    h_relu[h_relu < 0] = 0")]),
    _ok("01_numpy", "forward", "maximum_out_new", [("h_relu = np.maximum(h, 0)", "h_relu = np.maximum(h, 0, out=np.empty_like(h))")]),
    # 01_numpy: an argument changed, the result right (a note; no points lost)
    _m("01_numpy", "loss", "difference_in_y_pred", [("    return np.square(y_pred - y).sum()",
                                                     "    d = y_pred\n    d -= y\n    return np.square(d).sum()")],
       "argument_changed"),
    _m("01_numpy", "backward", "grad_y_pred_in_y_pred", [("    grad_y_pred = 2.0 * (y_pred - y)\n",
                                                          "    grad_y_pred = y_pred\n    grad_y_pred -= y\n    grad_y_pred *= 2.0\n")],
       "argument_changed"),
    _ok("01_numpy", "backward", "mask_from_h_relu_positive", [("    grad_h = grad_h_relu.copy()\n    grad_h[h < 0] = 0\n",
                                                               "    grad_h = grad_h_relu * (h_relu > 0)\n")]),
    # 02_autograd forward: h overwritten by the ReLU
    _m("02_autograd", "forward", "clamp_", [("h_relu = h.clamp(min=0)", "h_relu = h.clamp_(min=0)")], "h_overwritten"),
    _m("02_autograd", "forward", "relu_", [("h_relu = h.clamp(min=0)", "h_relu = h.relu_()")], "h_overwritten"),
    _m("02_autograd", "forward", "torch_relu_", [("h_relu = h.clamp(min=0)", "h_relu = torch.relu_(h)")], "h_overwritten"),
    _m("02_autograd", "forward", "functional_inplace", [("h_relu = h.clamp(min=0)", "h_relu = torch.nn.functional.relu(h, inplace=True)")],
       "h_overwritten"),
    _m("02_autograd", "forward", "clamp_out_h", [("h_relu = h.clamp(min=0)", "h_relu = torch.clamp(h, min=0, out=h)")], "h_overwritten"),
    _m("02_autograd", "forward", "mask_h_itself", [("h_relu = h.clamp(min=0)", "h[h < 0] = 0\n    h_relu = h")], "h_overwritten"),
    _ok("02_autograd", "forward", "clone_then_clamp_", [("h_relu = h.clamp(min=0)", "h_relu = h.clone().clamp_(min=0)")]),
    _m("02_autograd", "loss", "sub_", [("    return (y_pred - y).pow(2).sum()", "    return y_pred.sub_(y).pow(2).sum()")],
       "argument_changed"),
    _m("02_autograd", "backward", "grad_y_pred_in_y_pred", [("    grad_y_pred = 2.0 * (y_pred - y)\n",
                                                             "    grad_y_pred = y_pred.sub_(y).mul_(2.0)\n")], "argument_changed"),
    _ok("02_autograd", "backward", "mask_from_h_relu_positive", [("    grad_h = grad_h_relu.clone()\n    grad_h[h < 0] = 0\n",
                                                                  "    grad_h = grad_h_relu * (h_relu > 0)\n")]),
    # 02_autograd autograd_step: backward() without a graph, on a number, twice
    _m("02_autograd", "autograd_step", "forward_under_no_grad",
       [("    y_pred = x.mm(w1).clamp(min=0).mm(w2)\n    loss = (y_pred - y).pow(2).sum()\n",
         "    with torch.no_grad():\n        y_pred = x.mm(w1).clamp(min=0).mm(w2)\n        loss = (y_pred - y).pow(2).sum()\n")],
       "backward_without_graph"),
    _m("02_autograd", "autograd_step", "detached_y_pred", [("(y_pred - y).pow(2).sum()", "(y_pred.detach() - y).pow(2).sum()")],
       "backward_without_graph"),
    _m("02_autograd", "autograd_step", "backward_on_item", [("(y_pred - y).pow(2).sum()", "(y_pred - y).pow(2).sum().item()"),
                                                            ("    return loss.item()", "    return loss")], "backward_on_number"),
    _m("02_autograd", "autograd_step", "backward_twice", [_TWICE], "backward_twice"),
    _ok("02_autograd", "autograd_step", "clamp_in_place_on_product", [("x.mm(w1).clamp(min=0)", "x.mm(w1).clamp_(min=0)")]),
    # 03_nn
    _m("03_nn", "model", "relu_class", [("        nn.ReLU(),\n", "        nn.ReLU,\n")], "class_not_instance"),
    _ok("03_nn", "model", "layers_from_a_list",
        [("    model = nn.Sequential(\n        nn.Linear(D_in, H, bias=False),\n        nn.ReLU(),\n"
          "        nn.Linear(H, D_out, bias=False),\n    )\n",
          "    layers = [nn.Linear(D_in, H, bias=False), nn.ReLU(), nn.Linear(H, D_out, bias=False)]\n"
          "    model = nn.Sequential(*layers)\n")]),
    _m("03_nn", "train_step", "forward_under_no_grad", [_NO_GRAD_SEQ], "backward_without_graph"),
    _m("03_nn", "train_step", "detached_y_pred", [("    loss = loss_fn(y_pred, y)\n", "    loss = loss_fn(y_pred.detach(), y)\n")], "backward_without_graph"),
    _m("03_nn", "train_step", "backward_on_item", _ITEM_SEQ, "backward_on_number"),
    _m("03_nn", "train_step", "loss_rebuilt_from_item", [_NEW_LEAF], "loss_detached"),
    _m("03_nn", "train_step", "backward_twice", [_TWICE], "backward_twice"),
    _ok("03_nn", "train_step", "sub_", [("            param -= learning_rate * param.grad\n",
                                         "            param.sub_(learning_rate * param.grad)\n")]),
    # 04_optim
    _m("04_optim", "optimizer", "class_returned", [("return torch.optim.Adam(model.parameters(), lr=learning_rate)",
                                                    "return torch.optim.Adam")], "class_not_instance"),
    _m("04_optim", "optimizer", "model_given", [("torch.optim.Adam(model.parameters(),", "torch.optim.Adam(model,")],
       "optimizer_given_model"),
    _m("04_optim", "train_step", "own_adam", [_OWN_ADAM], "other_optimizer"),
    _m("04_optim", "train_step", "own_adam_named_apart",
       [("    optimizer.zero_grad()\n", "    opt = torch.optim.Adam(model.parameters(), lr=1e-4)\n    opt.zero_grad()\n"),
        ("    optimizer.step()\n", "    opt.step()\n")], "other_optimizer"),
    _m("04_optim", "train_step", "own_sgd", [("    optimizer.zero_grad()\n",
                                              "    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)\n    optimizer.zero_grad()\n")],
       "other_optimizer"),
    _m("04_optim", "train_step", "forward_under_no_grad", [_NO_GRAD_SEQ], "backward_without_graph"),
    _m("04_optim", "train_step", "detached_y_pred", [("    loss = loss_fn(y_pred, y)\n", "    loss = loss_fn(y_pred.detach(), y)\n")], "backward_without_graph"),
    _m("04_optim", "train_step", "backward_on_item", _ITEM_SEQ, "backward_on_number"),
    _m("04_optim", "train_step", "loss_rebuilt_from_item", [_NEW_LEAF], "loss_detached"),
    _m("04_optim", "train_step", "model_given", [("    optimizer.zero_grad()\n",
                                                  "    optimizer = torch.optim.Adam(model, lr=1e-3)\n    optimizer.zero_grad()\n")],
       "optimizer_given_model"),
    _m("04_optim", "train_step", "backward_twice", [_TWICE], "backward_twice"),
    # 05_module
    _m("05_module", "model", "relu_built_in_forward", [(_FWD, "return self.linear2(nn.ReLU(self.linear1(x)))")],
       "module_built_not_applied"),
    _m("05_module", "model", "relu_class_attribute", [("self.relu = nn.ReLU()", "self.relu = nn.ReLU")], "module_built_not_applied"),
    _ok("05_module", "model", "layers_also_in_a_list",
        [("        self.linear2 = nn.Linear(H, D_out)\n",
          "        self.linear2 = nn.Linear(H, D_out)\n        self.layers = [self.linear1, self.relu, self.linear2]\n"),
         ("        " + _FWD, "        for layer in self.layers:\n            x = layer(x)\n        return x")]),
    _ok("05_module", "model", "module_list", [("        self.linear2 = nn.Linear(H, D_out)\n",
                                               "        self.linear2 = nn.Linear(H, D_out)\n"
                                               "        self.layers = nn.ModuleList([self.linear1, self.relu, self.linear2])\n")]),
    _m("05_module", "train", "last_loss_repeated", [("    return losses", "    return [loss.item()] * steps")], "losses_repeated"),
    _m("05_module", "train", "one_iteration_short", [("range(steps)", "range(steps - 1)")], "losses_one_short"),
    _m("05_module", "train", "range_from_one", [("range(steps)", "range(1, steps)")], "losses_one_short"),
    _m("05_module", "train", "losses_after_update", [("losses.append(loss.item())", "losses.append(loss_fn(model(x), y).item())")],
       "loss_after_update"),
    _m("05_module", "train", "appended_after_the_loop", [("        losses.append(loss.item())\n", "    losses.append(loss.item())\n")],
       "train.loss_count"),
    _m("05_module", "train", "forward_under_no_grad", [("        loss = loss_fn(model(x), y)\n",
                                                        "        with torch.no_grad():\n            loss = loss_fn(model(x), y)\n")],
       "backward_without_graph"),
    _ok("05_module", "train", "optimizer_before_to_device",
        [("    model.to(device)\n", ""),
         ("    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)\n",
          "    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)\n    model.to(device)\n")]),
    _ok("05_module", "train", "losses_extended", [("losses.append(loss.item())", "losses += [loss.item()]")]),
]

CORPUS = NUMPY + AUTOGRAD + NN + OPTIM + MODULE + OUTSIDE + NEXT


def mistakes():
    """The mistakes the feedback must name (the catalogue's)."""
    return [e for e in CORPUS if not e.correct and not e.outside]


def outside():
    """The mistakes outside the catalogue, for which the feedback must state only what is true."""
    return [e for e in CORPUS if e.outside]


def alternatives():
    return [e for e in CORPUS if e.correct]


def apply(nb, entry):
    """``nb`` (changed in place) with ``entry``'s replacements in its answer cell; each text to replace
    must occur exactly once in that cell."""
    cell = cells.cell(nb, entry.cell)
    for old, new in entry.replacements:
        count = cell.source.count(old)
        assert count == 1, f"{entry.id}: the text to replace occurs {count} times in the cell, not once: {old!r}"
        cell.source = cell.source.replace(old, new)
    return nb


def notebook(entry, sources=None):
    """The source notebook of ``entry``'s assignment with its edit applied."""
    from autograder.grading import folders

    path = (sources or folders.source_notebooks())[entry.assignment]
    return apply(nbformat.read(path, as_version=4), entry)
