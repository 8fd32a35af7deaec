"""The generated class: the reference solution, the untouched stub, and one student per common
mistake, each submitting every assignment; and the scores each must get. Used by `make demo`
(demo.py), the grading tests and `make bench`.

Each mistake edits one solution cell of a source notebook by exact text replacement, so a
change in the source that breaks a replacement fails loudly instead of testing nothing.
"""
import shutil
import tempfile
from pathlib import Path

import nbformat

from corpus import cells
from autograder.grading import folders, release

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
    ("03_nn", "reduction_mean", "loss", [('reduction="sum"', 'reduction="mean"')], "mean_instead_of_sum"),
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
    cell = cells.cell(nb, grade_id)
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


REFERENCE, STUB = "reference", "untouched_stub"
def build(folder, students=None, only_mistaken=False, assignments=None):
    """A scratch course in ``folder`` with the class submitted: every student submits every
    assignment (the reference solution where their mistake is elsewhere, or nothing there
    when ``only_mistaken``). ``students`` (default: the reference, the stub and one per
    mistake) cycles through them to reach that many. ``assignments``: only these (default all)."""
    folder = folders.new_course(folder)
    for extra in set(folders.assignments(folder)) - set(assignments or folders.assignments(folder)):
        shutil.rmtree(folder / "source" / extra)
    release.generate_release(folder)
    sources = folders.source_notebooks(folder)
    names = [REFERENCE, STUB] + sorted({m[1] for m in MISTAKES})
    roster = [names[i % len(names)] + (f"_{i // len(names) + 1}" if i >= len(names) else "")
              for i in range(students or len(names))]
    for student in roster:
        kind = student if student in names else student.rsplit("_", 1)[0]
        for assignment, source in sources.items():
            if only_mistaken and kind not in (REFERENCE, STUB) and not any(m[:2] == (assignment, kind) for m in MISTAKES):
                continue
            submit(folder, student, assignment, notebook_for(folder, kind, assignment, source), source.name)
    return folder


def notebook_for(folder, kind, assignment, source):
    if kind == STUB:
        return folder / "release" / assignment / source.name
    for a, student, grade_id, replacements, _ in MISTAKES:
        if (a, student) == (assignment, kind):
            return edited(source, grade_id, replacements)
    return ran(source, assignment)


def ran(source, assignment):
    """The reference as a student hands it in after running it top to bottom: with the outputs of the
    course's reading edition (the same cells, executed: the loss curves included)."""
    nb = nbformat.read(source, as_version=4)
    executed = nbformat.read(release.reading_edition_path(folders.ROOT, assignment, source), as_version=4)
    assert len(executed.cells) == len(nb.cells), f"{assignment}: the reading edition's cells are not the source's"
    for cell, done in zip(nb.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
    return nb


def expected(folder, student, assignment, points):
    """The scores ``student`` of this class must get on ``assignment``: {test cell: score}."""
    if student.startswith(STUB):
        return {g: 0 for g in points}
    wrong = {f"test_{m[2]}" for m in MISTAKES if (m[0], m[1]) == (assignment, student.rstrip("_0123456789"))}
    return {g: (0 if g in wrong else p) for g, p in points.items()}


def trusted_grading():
    """Options of `autograder grade` for the course's own notebooks: they are trusted, so where the
    grading sandbox cannot run (no bubblewrap) they are graded without it."""
    from autograder.grading.isolation import sandbox

    return [] if sandbox.unavailable() is None else ["--no-sandbox"]


def scratch_folder(chosen=None, prefix="two-layer-net-demo-"):
    """Where a run builds its class. By default a new folder of this user's own, readable by no one else, in the
    temporary folder: a fixed name in /tmp may be another account's (made by its earlier run), or planted there in
    advance. ``chosen`` (DEMO_DIR): that folder, emptied first if it holds an earlier run's class. Stops with a
    message saying what to do when ``chosen`` cannot be written, or is a folder of something else."""
    if not chosen:
        return Path(tempfile.mkdtemp(prefix=prefix))
    folder = Path(chosen).expanduser()
    again = (folder / "nbgrader_config.py").is_file() and (folder / "source").is_dir()  # an earlier run's class
    if folder.is_dir() and any(folder.iterdir()) and not again:
        raise SystemExit(f"{folder} is not empty and holds no earlier demo class, so it is left as it is: choose a new "
                         "or empty folder (make demo DEMO_DIR=..., or python -m corpus.demo FOLDER), or leave it "
                         "out for a new folder of your own in the temporary folder.")
    try:
        if again:
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise SystemExit(f"cannot write the demo class in {folder}: {error.strerror or error} (another account's "
                         "folder?). Choose a folder you can write (make demo DEMO_DIR=~/two-layer-net-demo, or python "
                         "-m corpus.demo FOLDER), or leave it out for a new folder of your own in the temporary "
                         "folder.") from None
    return folder
