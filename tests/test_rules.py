"""The rules read from the student's code as text (autograder/rules.py): every door found is shut, and no
honest answer is flagged (the reference solutions, the instructor's cells, the mutation corpus)."""
import nbformat
import pytest

from corpus import mutations
from autograder import guards, rules
from autograder.grading import folders
from autograder.grading.judge import definitions

# Where each notebook's steps run: by hand in 01_numpy, no autograd in 02_autograd's part A.
GUARDS = {"01_numpy": "by_hand", "02_autograd": "no_autograd"}
BY_HAND_STEPS = ("forward", "compute_loss", "backward", "sgd_update")


def _guard(assignment, name):
    if assignment == "02_autograd" and name == "autograd_step":
        return "no_oracles"
    return GUARDS.get(assignment, "no_oracles")


def _broken(nb, assignment):
    """{function: (rule, what)} for the student's functions of ``nb`` that break a rule."""
    reading = rules.read([(d["id"], d["source"]) for d, _ in definitions(nb) if d and d["own"]])
    return {name: reading.broken(name, _guard(assignment, name)) for name in reading.statements
            if name and reading.broken(name, _guard(assignment, name))}


def test_the_reference_solutions_and_every_instructor_cell_read_clean():
    for assignment, path in folders.source_notebooks().items():
        nb = nbformat.read(path, as_version=4)
        assert _broken(nb, assignment) == {}, assignment
        for cell in nb.cells:  # the set-up and check cells too: a visible check reads every cell the kernel ran
            if cell.cell_type == "code":
                assert rules.read([("c", cell.source)]).broken(None, GUARDS.get(assignment, "no_oracles")) is None, cell.source


@pytest.mark.parametrize("entry", mutations.CORPUS, ids=lambda e: e.id)
def test_no_answer_of_the_corpus_is_flagged_but_the_one_that_breaks_the_rule(entry):
    broken = _broken(mutations.notebook(entry), entry.assignment)
    if entry.name == "autograd_in_backward":
        assert broken["backward"][0] == "autograd"
    else:
        assert broken == {}, entry.id


# (what a submission's cell does, its source, the rule broken under by_hand). Each defines backward.
DOORS = [
    ("the guard switched off through sys.modules, a built name",
     "import sys\nsys.modules['autograder.' + 'gua' + 'rds'].run = lambda fn, *a, **k: fn(*a)", "readable"),
    ("the probe table replaced through sys.modules", "import sys as s\ns.modules['autograder.probes'].PROBES['call'] = 0",
     "readable"),
    ("sys reached through torch, no import of sys", "import torch\ntorch.sys.modules", "torch"),
    ("sys reached through numpy", "np.sys.modules['autograder.guards'].run = 0", "readable"),
    ("__import__ with a built name", "__import__('tor' + 'ch')", "readable"),
    ("builtins", "__builtins__['__import__']('torch')", "readable"),
    ("importlib", "import importlib\nimportlib.import_module('torch')", "readable"),
    ("exec of a string", "exec('import torch')", "readable"),
    ("eval", "eval('1')", "readable"),
    ("compile", "compile('x', 'y', 'exec')", "readable"),
    ("globals() written", "globals()['np'] = None", "readable"),
    ("vars()", "vars()['x'] = 1", "readable"),
    ("getattr with a built name", "getattr(np, 's' + 'ys')", "readable"),
    ("setattr on a module", "import numpy\nsetattr(numpy, name, None)", "readable"),
    ("the object graph through dunders", "().__class__.__base__.__subclasses__()", "readable"),
    ("a function's globals", "backward.__globals__", "readable"),
    ("a frame's globals, no dunder", "g = (i for i in [0])\ng.gi_frame.f_back.f_globals", "readable"),
    ("a private attribute of a library", "import torch\ntorch._C._set_grad_enabled(True)", "torch"),
    ("private machinery of numpy", "np._core", "readable"),
    ("a shell command", "!python -c 'import torch'", "readable"),
    ("an input transformer", "get_ipython().input_transformers_cleanup.append(lambda lines: lines)", "readable"),
    ("an event hook", "get_ipython().events.register('pre_run_cell', print)", "readable"),
    ("the socket written through a file", "open('/proc/self/fd/3', 'w').write('{}')", "readable"),
    ("the socket written by numpy", "np.savetxt('/proc/self/fd/3', [1])", "readable"),
    ("a pickle loaded", "np.load('x.npy', allow_pickle=True)", "readable"),
    ("the oracles imported", "from autograder import oracles", "autograder"),
    ("the oracles through a public module", "from autograder import checks\nchecks.oracles.reference", "autograder"),
    ("the oracles through the package", "import autograder\nautograder.oracles", "autograder"),
    ("torch imported", "import torch", "torch"),
    ("torch imported under another name", "from torch import tensor as t", "torch"),
    ("ctypes", "import ctypes", "readable"),
    ("os", "import os", "readable"),
]


@pytest.mark.parametrize("what, code, rule", DOORS, ids=[d[0] for d in DOORS])
def test_every_door_found_is_a_broken_rule_at_the_top_of_a_cell_and_inside_the_function(what, code, rule):
    top = rules.read([("backward", code + "\ndef backward(x):\n    return x")])
    assert top.broken("backward", "by_hand")[0] == rule
    body = "".join(f"    {line}\n" for line in code.splitlines())
    inside = rules.read([("backward", f"def helper(x):\n{body}    return x\ndef backward(x):\n    return helper(x)")])
    assert inside.broken("backward", "by_hand")[0] == rule  # reached through a function it calls
    assert inside.broken("forward", "by_hand") is None  # a function that does not call it is not touched


def test_autograd_is_a_rule_of_the_manual_backward_only():
    code = ("from torch.autograd import grad\nimport torch\n"
            "def backward(x, w):\n    return grad(x, w)\n"
            "def autograd_step(loss):\n    loss.backward()\n"
            "def backward_too(x):\n    return x.grad\n")
    reading = rules.read([("cell", code)])
    assert reading.broken("backward", "no_autograd") == ("autograd", "grad, cell cell")
    assert reading.broken("backward_too", "no_autograd")[0] == "autograd"
    assert reading.broken("autograd_step", "no_oracles") is None
    assert reading.broken("backward", "no_oracles") is None


def test_the_last_definition_is_the_one_read_and_top_level_code_counts_for_the_steps_after_it():
    reading = rules.Reading()
    reading.add("def forward(x):\n    import os\n    return x", "a")
    assert reading.broken("forward", "by_hand") == ("readable", "import os, cell a")
    reading.add("def forward(x):\n    return x", "b")
    assert reading.broken("forward", "by_hand") is None
    reading.add("%matplotlib inline\nimport numpy as np\nfrom autograder import checks, plots", "setup")
    assert reading.broken("forward", "by_hand") is None  # the course's own magics and modules
    reading.add("import sys", "c")
    assert reading.broken("forward", "by_hand") == ("readable", "import sys, cell c")


def test_a_visible_check_reads_the_rules_from_the_kernels_cells_in_the_same_words(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(guards, "run", guards.run)  # the cell below switches it off in this process: put it back after
    shell = InteractiveShell.instance()
    try:
        def run(source):
            return shell.run_cell(source, store_history=True).error_in_exec

        assert run("import numpy as np\nfrom autograder import checks\n"
                   "def forward(x, w1, w2):\n    h = x.dot(w1)\n    return h, np.maximum(h, 0), np.maximum(h, 0).dot(w2)") is None
        assert run("checks.forward(forward)") is None
        # the guard switched off in the kernel: the check reads the cell and says so
        assert run("import sys\nsys.modules['autograder.' + 'guards'].run = lambda fn, *a, **k: fn(*a)") is None
        error = run("checks.forward(forward)")
        assert isinstance(error, guards.GuardViolation) and error.rule == "readable" and "import sys" in str(error)
    finally:
        InteractiveShell.clear_instance()


def test_outside_ipython_a_check_reads_no_cells():
    assert rules.in_kernel(test_outside_ipython_a_check_reads_no_cells, "by_hand") is None


class _Handle:
    """Stands for the judge's handle on a student's function: its name, and the Reading of the cells."""

    def __init__(self, source, name="forward"):
        self.name, self.process = name, type("Process", (), {})()
        self.process.reading = rules.read([(name, source)])


@pytest.mark.parametrize("relu, lines", [
    ("h_relu = np.maximum(h, 0, out=h)", ["h_relu = np.maximum(h, 0, out=h)"]),
    ("h_relu = np.maximum(h, 0, h)", ["h_relu = np.maximum(h, 0, h)"]),
    ("h_relu = h.clamp_(min=0)", ["h_relu = h.clamp_(min=0)"]),
    ("h_relu = torch.relu_(h)", ["h_relu = torch.relu_(h)"]),
    ("h_relu = F.relu(h, inplace=True)", ["h_relu = F.relu(h, inplace=True)"]),
    ("h_relu = h\n    h_relu[h_relu < 0] = 0", ["h_relu = h", "h_relu[h_relu < 0] = 0"]),
    ("h_relu = h\n    h_relu *= h_relu > 0", ["h_relu = h", "h_relu *= h_relu > 0"]),
])
def test_the_line_that_changes_a_returned_value_in_place_is_named(relu, lines):
    source = f"def forward(x, w1, w2):\n    h = x @ w1\n    {relu}\n    return h, h_relu, h_relu @ w2\n"
    assert rules.in_place_lines(_Handle(source), 0) == ("h", lines)


@pytest.mark.parametrize("relu", ["h_relu = np.maximum(h, 0)", "h_relu = h.copy()\n    h_relu[h_relu < 0] = 0",
                                  "h_relu = h.clone().clamp_(min=0)", "h_relu = np.maximum(h, 0, out=np.empty_like(h))"])
def test_a_new_array_is_not_an_in_place_change(relu):
    source = f"def forward(x, w1, w2):\n    h = x @ w1\n    {relu}\n    return h, h_relu, h_relu @ w2\n"
    assert rules.in_place_lines(_Handle(source), 0) is None
    assert rules.in_place_lines(lambda: None, 0) is None  # code that cannot be read here: nothing named
