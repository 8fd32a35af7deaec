"""Submissions made from the source notebooks: the solution, and one per common mistake.

Each mistake edits one solution cell by exact text replacement, so a change in the source
notebook that breaks a replacement fails loudly instead of silently testing nothing.
"""
import shutil
from pathlib import Path

import nbformat

# (assignment, student, grade id of the cell edited, [(old, new), ...], mistake key the feedback must name)
MISTAKES = [
    ("01_numpy", "relu_mask_missing", "backward", [("    grad_h[h < 0] = 0\n", "")], "relu_mask_missing"),
    ("01_numpy", "factor_2_missing", "backward", [("2.0 * (y_pred - y)", "(y_pred - y)")], "factor_2_missing"),
    ("01_numpy", "transposed_product", "backward",
     [("grad_w2 = h_relu.T.dot(grad_y_pred)", "grad_w2 = grad_y_pred.T.dot(h_relu)")], "transposed"),
    ("02_autograd", "relu_mask_missing", "backward", [("    grad_h[h < 0] = 0\n", "")], "relu_mask_missing"),
    ("02_autograd", "autograd_in_backward", "backward",
     [("    grad_y_pred = 2.0 * (y_pred - y)\n",
       "    w1 = torch.linalg.lstsq(x, h).solution.requires_grad_(True)\n"
       "    w2 = w2.clone().requires_grad_(True)\n"
       "    (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().backward()\n"
       "    return w1.grad, w2.grad\n"
       "    grad_y_pred = 2.0 * (y_pred - y)\n")], "autograd"),
    ("02_autograd", "not_zeroed", "autograd_step",
     [("        w1.grad.zero_()\n", ""), ("        w2.grad.zero_()\n", "")], "not_zeroed"),
    ("02_autograd", "outside_no_grad", "autograd_step",
     [("    with torch.no_grad():\n        w1 -= learning_rate * w1.grad\n        w2 -= learning_rate * w2.grad\n",
       "    w1 -= learning_rate * w1.grad\n    w2 -= learning_rate * w2.grad\n    with torch.no_grad():\n")],
     "update_outside_no_grad"),
    ("03_nn", "bias_true", "model", [("bias=False", "bias=True")], "bias_true"),
    ("03_nn", "reduction_mean", "loss", [('reduction="sum"', 'reduction="mean"')], "reduction_mean"),
    ("03_nn", "not_zeroed", "train_step", [("    model.zero_grad()\n", "")], "not_zeroed"),
    ("04_optim", "not_zeroed", "train_step", [("    optimizer.zero_grad()\n", "")], "not_zeroed"),
    ("04_optim", "step_before_backward", "train_step",
     [("    loss.backward()\n    optimizer.step()\n", "    optimizer.step()\n    loss.backward()\n")],
     "step_before_backward"),
    ("05_module", "data_left_on_cpu", "train",
     [("    x = x.to(device)\n    y = y.to(device)\n", "")], "device_mismatch"),
]


def edited(source_path, grade_id, replacements):
    """The source notebook with ``replacements`` applied to the cell ``grade_id``."""
    nb = nbformat.read(source_path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    for old, new in replacements:
        assert old in cell.source, f"{source_path.name}/{grade_id}: text to replace not found: {old!r}"
        cell.source = cell.source.replace(old, new)
    return nb


def submit(course, student, assignment, nb_or_path, name):
    """Place a notebook as ``submitted/<student>/<assignment>/<name>``."""
    folder = Path(course) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_path, (str, Path)):
        shutil.copy(nb_or_path, folder / name)
    else:
        nbformat.write(nb_or_path, folder / name)
