"""A class of submissions that try to make the grader believe them, graded once by tests/test_authority.py.

Each starts from the reference solution and tries to take the points of one step without doing its
work: it switches a rule off in the process that runs its functions, replaces a probe function or the
facts it reports, forges the reply on the socket, reaches the oracles or torch through a door the
rules did not name. ``CASES`` gives, for each, the steps it must score zero on; every other step
keeps its points, and the reference scores full.

    python -m corpus.authority_class [FOLDER]     build the class in FOLDER and grade it
"""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from corpus import cells
from corpus import demo_class
from autograder.grading import folders, gradebook
from corpus.hostile_class import LIMITS, in_function, prepend

# The guard switched off from inside the probe: its module found through sys.modules by a built name.
GUARD_OFF = ("import sys\n_guards = sys.modules['autograder.' + 'gua' + 'rds']\n"
             "_guards.run = lambda fn, *args, forbid=(), autograd=True, **kwargs: fn(*args, **kwargs)")
NUMPY_BY_AUTOGRAD = ("import torch\nw1 = torch.linalg.lstsq(torch.tensor(x), torch.tensor(h)).solution.requires_grad_(True)\n"
                     "w2t = torch.tensor(w2, requires_grad=True)\n"
                     "(torch.tensor(x).mm(w1).clamp(min=0).mm(w2t) - torch.tensor(y)).pow(2).sum().backward()\n"
                     "return w1.grad.numpy(), w2t.grad.numpy()")
TORCH_BY_AUTOGRAD = ("w1 = torch.linalg.lstsq(x, h).solution.detach().requires_grad_(True)\n"
                     "w2 = w2.detach().requires_grad_(True)\n"
                     "with torch.enable_grad():\n    (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum().backward()\n"
                     "return w1.grad, w2.grad")
# The probe table's entry for build_optimizer replaced: it reports an Adam over every parameter.
FORGED_FACTS = ("import sys\n_probes = sys.modules['autograder.' + 'probes']\n"
                "_probes.PROBES['build_optimizer'] = lambda fn, learning_rate, **kw: "
                "{'type': 'Adam', 'adam': True, 'rates': [learning_rate], 'all_parameters': True}")
# forward's probe replaced: the values come from the checking library's oracle.
PROBE_REPLACED = ("import sys\n_probes = sys.modules['autograder.' + 'pro' + 'bes']\n"
                  "_oracles = sys.modules['autograder.' + 'ora' + 'cles']\n"
                  "def _lie(fn, args, guard, after=()):\n    x, w1, w2 = args[:3]\n"
                  "    ref = _oracles.reference(x, np.zeros((len(x), w2.shape[-1])), w1, w2)\n"
                  "    return {'out': tuple(ref[k].numpy().astype(x.dtype) for k in ('h', 'h_relu', 'y_pred')), 'after': []}\n"
                  "_probes.PROBES['call'] = _lie")
# A reply written on the judge's socket before the probe's own: forward's right values, computed here.
SOCKET_FORGED = ("import os, stat, json\nh = x.dot(w1)\nvalues = [h, np.maximum(h, 0), np.maximum(h, 0).dot(w2)]\n"
                 "def array(i, a):\n    return {'$': 'ndarray', 'dtype': str(a.dtype), 'shape': list(a.shape), 'blob': i}\n"
                 "line = json.dumps({'values': {'out': [array(i, v) for i, v in enumerate(values)], 'after': []},"
                 " 'blobs': [v.nbytes for v in values]}) + '\\n'\n"
                 "forged = line.encode() + b''.join(v.tobytes() for v in values)  # the wire's format (wire.py)\n"
                 "in_probe = type(get_ipython()).__name__ != 'ZMQInteractiveShell'  # the kernel's own sockets are left alone\n"
                 "for fd in range(3, 64) if in_probe else ():\n    try:\n        if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
                 "            os.write(fd, forged)\n    except OSError:\n        pass\n"
                 "return None, None, None")
# The oracles imported by a computed name, inside backward.
ORACLES_BY_NAME = ("_oracles = __import__('autograder.' + 'ora' + 'cles', fromlist=['reference'])\n"
                   "w1 = np.linalg.lstsq(x, h, rcond=None)[0]\nref = _oracles.reference(x, y, w1, w2)\n"
                   "return ref['grad_w1'].numpy(), ref['grad_w2'].numpy()")


def _torch_door(door):
    """backward by torch autograd in 01_numpy, torch reached through ``door`` (code binding ``torch``)."""
    return in_function("backward", door + "\n" + NUMPY_BY_AUTOGRAD.replace("import torch\n", ""))


# student: (assignment, what it does, how (an edit of the reference notebook), the steps that must score zero)
CASES = {
    "guard_off_numpy": ("01_numpy", "switches the guard off by a built name, backward by torch autograd",
                        lambda nb: in_function("backward", NUMPY_BY_AUTOGRAD)(prepend("backward", GUARD_OFF)(nb, None), None),
                        ("test_backward", "test_update")),
    "guard_off_autograd": ("02_autograd", "switches the guard off by a built name, the manual backward by autograd",
                           lambda nb: in_function("backward", TORCH_BY_AUTOGRAD)(prepend("backward", GUARD_OFF)(nb, None), None),
                           ("test_backward", "test_autograd_step")),
    "probe_replaced": ("01_numpy", "replaces forward's probe so it sends the oracle's values; forward wrong",
                       lambda nb: prepend("forward", PROBE_REPLACED)(demo_class_wrong_forward(nb), None),
                       ("test_forward", "test_loss", "test_backward", "test_update")),
    "facts_forged": ("04_optim", "build_optimizer returns None; its probe replaced to report an Adam",
                     lambda nb: _replace(prepend("optimizer", FORGED_FACTS)(nb, None), "optimizer",
                                         "return torch.optim.Adam(model.parameters(), lr=learning_rate)", "return None"),
                     ("test_optimizer", "test_train_step")),
    "socket_forged": ("01_numpy", "forward writes a forged reply on the judge's socket and returns nothing",
                      lambda nb: in_function("forward", SOCKET_FORGED)(nb, None), ("test_forward",)),
    "oracles_by_name": ("01_numpy", "backward returns the oracle's gradients, imported by a computed name",
                        lambda nb: in_function("backward", ORACLES_BY_NAME)(nb, None), ("test_backward",)),
    "torch_by_dunder_import": ("01_numpy", "torch by __import__ with a built name",
                               lambda nb: _torch_door("torch = __import__('tor' + 'ch')")(nb, None), ("test_backward",)),
    "torch_by_importlib": ("01_numpy", "torch by importlib",
                           lambda nb: _torch_door("import importlib\ntorch = importlib.import_module('torch')")(nb, None),
                           ("test_backward",)),
    "torch_by_exec": ("01_numpy", "torch by exec of a string",
                      lambda nb: _torch_door("scope = {}\nexec('import torch', scope)\ntorch = scope['torch']")(nb, None),
                      ("test_backward",)),
    "torch_by_builtins": ("01_numpy", "torch through the builtins",
                          lambda nb: _torch_door("torch = __builtins__['__import__']('torch') if isinstance(__builtins__, dict) "
                                                 "else __builtins__.__import__('torch')")(nb, None), ("test_backward",)),
    "torch_by_numpy_sys": ("01_numpy", "torch through numpy's own reference to sys, no import",
                           lambda nb: _torch_door("torch = np.sys.modules.get('torch') or np.sys.modules['numpy']")(nb, None),
                           ("test_backward",)),
}
ASSIGNMENTS = sorted({case[0] for case in CASES.values()})


def demo_class_wrong_forward(nb):
    """The forward cell without its ReLU: the lie, not the answer, would have to earn the points."""
    return _replace(nb, "forward", "h_relu = np.maximum(h, 0)", "h_relu = h")


def _replace(nb, grade_id, old, new):
    cell = cells.cell(nb, grade_id)
    assert cell.source.count(old) == 1, (grade_id, old)
    cell.source = cell.source.replace(old, new)
    return nb


def build(folder):
    """The class (and the reference student, on every assignment it uses) in a scratch course."""
    folder = demo_class.build(folder, students=1, assignments=ASSIGNMENTS)
    with (folder / "nbgrader_config.py").open("a") as config:
        config.write(LIMITS)
    sources = folders.source_notebooks(folder)
    for student, (assignment, _, edit, _) in CASES.items():
        nb = edit(nbformat.read(sources[assignment], as_version=4))
        demo_class.submit(folder, student, assignment, nb, sources[assignment].name)
    return folder


def expected(student, points):
    """{test cell: score} the case ``student`` must get, given its assignment's ``points``."""
    zero = CASES[student][3]
    return {g: (0 if g in zero else p) for g, p in points.items()}


def main(folder=None):
    folder = Path(folder or Path(tempfile.gettempdir()) / "two-layer-net-authority")
    shutil.rmtree(folder, ignore_errors=True)
    build(folder)
    code = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder)]).returncode
    print("\n| case | notebook | what the submission does | scores | as expected |\n|---|---|---|---|---|")
    for student, (assignment, what, _, _) in CASES.items():
        got = gradebook.scores(folder, assignment).get(student, {})
        want = expected(student, cells.points(folder, assignment))
        print(f"| {student} | {assignment} | {what} | {got} | {'yes' if got == want else 'NO'} |")
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
