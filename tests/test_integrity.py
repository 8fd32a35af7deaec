"""autograder.integrity: a student's rebinding of what the checks rely on is named, put back, and fails
the hidden test; the reference solutions never trip it.

The unit tests cheat in this process, one binding at a time, and call verify() as a hidden test would.
The slow tests run the source notebooks (hidden tests included) in real kernels with nbclient.
"""
import builtins
import functools
import re
import subprocess
import sys
import textwrap
import types

import nbformat
import numpy as np
import numpy.testing
import pytest
import torch
import torch.testing
from IPython.core.interactiveshell import InteractiveShell

from autograder import checks, compare, course, integrity, nn_checks
from autograder.compare import CheckFailed

CJK = re.compile(r"[\u4e00-\u9fff]")
ABSENT = object()
EXEC_LINES = "--IPKernelApp.exec_lines=import autograder.integrity; autograder.integrity.snapshot()"


def noop(*args, **kwargs):
    return None


def always_true(*args, **kwargs):
    return True


# type() rather than isinstance(): one of the cheats below replaces isinstance.
def binding(owner, name):
    return (owner if type(owner) is dict else vars(owner)).get(name, ABSENT)


def rebind(owner, name, value):
    if type(owner) is dict:
        owner[name] = value
    elif value is ABSENT:
        delattr(owner, name)
    else:
        setattr(owner, name, value)


@pytest.fixture(autouse=True)
def snapshot_taken():
    integrity.snapshot()
    yield
    assert integrity.changed() == [], "a test left a binding changed"


# (what the message names, where the binding lives, its name, what a cheat puts there)
CHEATS = [
    ("autograder.checks.forward", checks, "forward", noop),
    ("autograder.nn_checks.train_loop", nn_checks, "train_loop", noop),
    ("numpy.testing.assert_allclose", numpy.testing, "assert_allclose", noop),
    ("torch.testing.assert_close", torch.testing, "assert_close", noop),
    ("numpy.allclose", np, "allclose", always_true),
    ("torch.allclose", torch, "allclose", always_true),
    ("autograder.compare.relative_error", compare, "relative_error", lambda a, b: 0.0),
    ("autograder.compare.TOLERANCE['float32']", compare.TOLERANCE, "float32", 1e9),
    ("sys.modules['autograder.checks']", sys.modules, "autograder.checks", types.ModuleType("autograder.checks")),
    ("builtins.isinstance", builtins, "isinstance", always_true),
    ("builtins.abs", builtins, "abs", lambda x: 0),
    ("torch.Tensor.item", torch.Tensor, "item", lambda self: 0.0),  # shadows the inherited TensorBase.item
    ("sys.excepthook", sys, "excepthook", noop),
    ("IPython showtraceback", InteractiveShell, "showtraceback", noop),
    ("IPython _showtraceback", InteractiveShell, "_showtraceback", noop),
]


@pytest.mark.parametrize("label, owner, name, fake", CHEATS, ids=[c[0] for c in CHEATS])
def test_a_rebinding_is_named_and_put_back(label, owner, name, fake):
    real = binding(owner, name)
    try:
        with pytest.raises(CheckFailed) as failed:
            rebind(owner, name, fake)
            integrity.verify()
    finally:  # should verify() not put it back, leave this process working for the tests after this one
        if binding(owner, name) is not real:
            rebind(owner, name, real)
            pytest.fail(f"verify() did not put back {label}")
    zh, en = str(failed.value).split("\n")
    assert CJK.search(zh) and label in zh
    assert not CJK.search(en) and label in en and "remove the code that changes" in en
    integrity.verify()  # back to the real objects: passes again


def test_several_rebindings_are_all_named():
    real_forward, real_close = checks.forward, np.allclose
    checks.forward, np.allclose = noop, always_true
    with pytest.raises(CheckFailed) as failed:
        integrity.verify()
    assert "autograder.checks.forward" in str(failed.value) and "numpy.allclose" in str(failed.value)
    assert checks.forward is real_forward and np.allclose is real_close


def test_the_checks_run_on_the_real_functions_after_verify():
    checks.forward = noop
    with pytest.raises(CheckFailed):
        integrity.verify()
    with pytest.raises(CheckFailed, match="forward"):  # a wrong forward is caught again
        checks.forward(lambda x, w1, w2: (x @ w1, x @ w1, x @ w1 @ w2))


def test_clean_state_passes():
    assert integrity.changed() == []
    integrity.verify()
    checks.forward(lambda x, w1, w2: (x @ w1, np.maximum(x @ w1, 0), np.maximum(x @ w1, 0) @ w2))


def test_a_student_wrapper_is_not_taken_for_torch_s_own():
    real = torch.manual_seed
    torch.manual_seed = functools.wraps(real)(noop)  # __wrapped__ is the real one, but the code is the student's
    with pytest.raises(CheckFailed, match=r"torch\.manual_seed"):
        integrity.verify()
    assert torch.manual_seed is real


def test_torch_wrapping_its_own_functions_on_first_use_is_no_cheat():
    """The first torch.optim.Adam imports torch._dynamo (which wraps torch.manual_seed) and wraps
    Adam.step; torch.compile's first run wraps nn.Module.__init__. A fresh process, so that all of
    it happens after the snapshot."""
    code = textwrap.dedent("""
        import torch
        from autograder import integrity
        integrity.snapshot()
        real = torch.manual_seed, torch.optim.Adam.step, torch.nn.Module.__init__
        p = torch.zeros(2, requires_grad=True)
        optimizer = torch.optim.Adam([p])
        p.sum().backward()
        optimizer.step()
        from torch._dynamo.mutation_guard import install_generation_tagging_init
        install_generation_tagging_init()  # what torch.compile does on its first run
        now = torch.manual_seed, torch.optim.Adam.step, torch.nn.Module.__init__
        assert all(a is not b for a, b in zip(real, now)), "torch no longer wraps these: drop the test"
        integrity.verify()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr


# ---------------------------------------------------------------- whole notebooks, real kernels

def _execute(nb, path, extra_arguments=()):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True, extra_arguments=list(extra_arguments),
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _errors(nb):
    return [(c.metadata.get("nbgrader", {}).get("grade_id"), o.ename, o.evalue)
            for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("start", ["exec_lines", "import"])
@pytest.mark.parametrize("assignment", course.assignments())
def test_reference_solutions_raise_no_false_alarm(assignment, start):
    """The source notebook top to bottom, hidden tests (and so verify()) included: no cell raises.
    The snapshot is taken at kernel start as the grading kernel does (exec_lines), or, failing that,
    by the first cell's `import autograder`."""
    path = course.source_notebooks()[assignment]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "from autograder import integrity\nprint('watched', len(integrity._watched))"))
    _execute(nb, path, [EXEC_LINES] if start == "exec_lines" else [])
    assert _errors(nb) == []
    verified = sum("integrity.verify()" in c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert verified == sum(1 for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")) > 0
    assert int(nb.cells[-1].outputs[0].text.split()[1]) > 1000  # a real snapshot was compared with


def _numpy_notebook_with(cheat, forward_body):
    """01_numpy's source notebook, with a cell right after the setup cell and forward's solution replaced."""
    path = course.source_notebooks()["01_numpy"]
    nb = nbformat.read(path, as_version=4)
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(cheat))
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "forward")
    solution.source = "def forward(x, w1, w2):\n" + textwrap.indent(forward_body, "    ")
    return nb, path


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.slow
def test_a_rebound_check_fails_the_hidden_tests():
    """A student rebinds checks.forward to a no-op and writes a wrong forward: the visible check
    passes silently, the hidden part names the rebinding, and the checks after it run on the real
    functions. nbclient starts a kernel without the grading kernel's exec_lines, so the snapshot here
    is the fallback one, taken by the setup cell's `from autograder import plots`."""
    nb, path = _numpy_notebook_with("from autograder import checks\nchecks.forward = lambda *a, **k: None",
                                    "h = x.dot(w1)\nreturn h, h, h.dot(w2)  # no ReLU\n")
    _execute(nb, path)
    errors = _errors(nb)
    assert [e[:2] for e in errors] == [("test_forward", "CheckFailed")], errors
    assert "autograder.checks.forward" in errors[0][2] and "remove the code that changes" in errors[0][2]
    visible = [o for o in _cell(nb, "test_forward").outputs if o.output_type == "stream"]
    assert visible == []  # the fake check printed nothing and raised nothing: only the hidden part caught it


@pytest.mark.slow
def test_nbgrader_zeroes_a_cell_whose_traceback_display_is_disabled():
    """A student who silences IPython's traceback display gains nothing: nbgrader's Execute records the
    error from the kernel's reply (test_forward, wrong forward), and verify() names the change and
    puts it back (test_loss, right answer)."""
    from nbgrader.preprocessors import Execute
    from nbgrader.utils import determine_grade

    nb, path = _numpy_notebook_with("get_ipython().showtraceback = lambda *a, **k: None",
                                    "h = x.dot(w1)\nreturn h, h, h.dot(w2)  # no ReLU\n")
    Execute(kernel_name="python3").preprocess(nb, {"metadata": {"path": str(path.parent)}})
    forward, loss = _cell(nb, "test_forward"), _cell(nb, "test_loss")
    assert determine_grade(forward)[0] == 0
    assert "showtraceback was disabled" in str(forward.outputs)
    assert determine_grade(loss)[0] == 0
    assert "IPython showtraceback" in str(loss.outputs)
    assert determine_grade(_cell(nb, "test_backward")) == (4, 4)  # put back: later cells as usual
