"""Cheating by rebinding gains nothing: the objects the checks rely on are put back before grading.

Student code runs in the same Python process as the test cells, so it could make a check pass by
rebinding it (``checks.forward = lambda *a, **k: None``), by making a comparison always true
(``numpy.testing.assert_allclose``, ``torch.allclose``, ``builtins.isinstance`` …), by putting a
fake module in ``sys.modules``, or by hiding errors (IPython's ``showtraceback``).

- ``snapshot()`` records, by identity, what those names are bound to. It runs before any student
  code: the grading kernel calls it at start (``--IPKernelApp.exec_lines``), and importing
  ``autograder`` in a kernel (the notebooks' first, locked cell) takes it if that did not.
- ``verify()`` (the first line of every hidden test) puts back every binding that changed and,
  if any had, fails the cell with a message naming them.

Watched: every attribute of the checking modules; the functions, classes and modules bound in
numpy, numpy.testing, numpy.linalg, torch, torch.testing, torch.nn, torch.nn.functional,
torch.autograd, torch.optim and builtins (except ``input``, which ipykernel swaps during every
cell); the methods of torch.Tensor, nn.Module and the nn/optim classes the references are built
from, including a method added to shadow an inherited one; the contents of the checking
library's dicts (tolerances, mistakes, rules); those modules' ``sys.modules`` entries;
``sys.excepthook``; IPython's ``showtraceback``, ``_showtraceback``, ``showsyntaxerror`` and
``custom_exceptions``, on the shell's classes and on the shell itself.

Compared by identity, with two exceptions that are not cheats: IPython binds ``sys.excepthook`` to
a new bound method of the shell in every cell, and torch wraps some of its own functions on first
use (``torch.manual_seed``, an optimizer's ``step``, ``nn.Module.__init__``); a wrapper from torch's
own source around the recorded function is accepted, and compared with from then on.

Limits: these checks run in the student's process, so a determined student who sabotages this
module itself, or the kernel's execution and replies (``run_cell``, the message loop), is not
stopped here; that needs the grading side (nbgrader records an error from the kernel's reply
even when the traceback display is disabled) or a separate process.
"""
import importlib
import inspect
import os
import sys
import types
# verify() must not run on the builtins it checks: bound here, at import, before any student code.
from builtins import ValueError, any, delattr, dict, enumerate, getattr, isinstance, len, list, setattr, vars

from .compare import CheckFailed, say

CHECKING = ["autograder", "autograder.checks", "autograder.nn_checks", "autograder.compare", "autograder.oracles",
            "autograder.diagnosis", "autograder.guards", "autograder.problems"]
LIBRARIES = ["numpy", "numpy.testing", "numpy.linalg", "torch", "torch.testing", "torch.nn", "torch.nn.functional",
             "torch.autograd", "torch.optim", "builtins"]
CLASSES = ["torch.Tensor", "torch.nn.Module", "torch.nn.Sequential", "torch.nn.Linear", "torch.nn.ReLU",
           "torch.nn.MSELoss", "torch.optim.Optimizer", "torch.optim.Adam"]
SHELL_NAMES = ["showtraceback", "_showtraceback", "showsyntaxerror", "custom_exceptions"]
# ipykernel binds builtins.input to the frontend during every cell and back after it.
NOT_WATCHED = {"input"}

_MISSING = object()  # "was not there": a name that must stay absent (a shadowing method, an instance override)
_watched = None  # [(label, owner, name, object at snapshot time)], once snapshot() ran
_torch_source = None  # torch's folder, found at snapshot time: verify() calls no library code


def _code(value):
    """Functions, classes, modules and method descriptors: bindings whose identity never changes by itself
    (unlike data, or attributes that a library fills in lazily)."""
    return callable(value) or isinstance(value, (types.ModuleType, classmethod, property)) \
        or inspect.isdatadescriptor(value)


def _same(recorded, now):
    if now is recorded:
        return True
    # A bound method is made anew each time it is read: IPython sets sys.excepthook = shell.excepthook per cell.
    if isinstance(recorded, types.MethodType):
        return isinstance(now, types.MethodType) and now == recorded
    return _torch_wrapper(recorded, now)


def _torch_wrapper(recorded, now):
    """torch wraps some of its own functions on first use: importing torch._dynamo wraps torch.manual_seed,
    the first optimizer of a class wraps that class's step, torch.compile wraps nn.Module.__init__.
    A function from torch's own source around the recorded one is that; a student's wrapper is not."""
    inner = [getattr(now, "__wrapped__", None)]
    for cell in getattr(now, "__closure__", None) or ():
        try:
            inner.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    code = getattr(now, "__code__", None)
    return (any(item is recorded for item in inner) and code is not None and _torch_source is not None
            and code.co_filename.startswith(_torch_source))


def _get(owner, name):
    return (owner if isinstance(owner, dict) else vars(owner)).get(name, _MISSING)


def _put(owner, name, value):
    if isinstance(owner, dict) and value is _MISSING:
        owner.pop(name, None)
    elif isinstance(owner, dict):
        owner[name] = value
    elif value is _MISSING:
        if name in vars(owner):
            delattr(owner, name)
    else:
        setattr(owner, name, value)


def _import(name):
    try:
        return importlib.import_module(name)
    except ImportError:  # e.g. a numpy-only install: what is not there cannot be relied on either
        return None


def _watch(module, attr, value):
    if module.startswith("autograder"):  # our own modules: every binding, constants included
        return not attr.startswith("__")
    if module == "builtins":  # not exit, help, display, get_ipython: site and IPython set those
        return (isinstance(value, (types.BuiltinFunctionType, type)) and attr not in NOT_WATCHED
                and (not attr.startswith("_") or attr in ("__import__", "__build_class__")))
    return _code(value) and not attr.startswith("_")


def _module_entries(name):
    module = _import(name)
    if module is None:
        return []
    entries = [(f"sys.modules[{name!r}]", sys.modules, name, module)]
    for attr, value in list(vars(module).items()):
        if _watch(name, attr, value):
            entries.append((f"{name}.{attr}", module, attr, value))
            if name.startswith("autograder") and isinstance(value, dict):  # TOLERANCE["float32"] = 1e9 too
                entries += [(f"{name}.{attr}[{key!r}]", value, key, item) for key, item in value.items()]
    return entries


def _class_entries(path):
    module_name, _, class_name = path.rpartition(".")
    module = _import(module_name)
    cls = getattr(module, class_name, None) if module else None
    if cls is None:
        return []
    # Every name the class answers to, inherited ones included: Tensor.item = ... shadows TensorBase.item.
    return [(f"{path}.{attr}", cls, attr, _get(cls, attr)) for attr in dir(cls)
            if _code(inspect.getattr_static(cls, attr, None))]


def _shell_entries():
    interactiveshell = _import("IPython.core.interactiveshell")
    if interactiveshell is None:
        return []
    shell = interactiveshell.InteractiveShell.instance() if interactiveshell.InteractiveShell.initialized() else None
    owners = [*type(shell).__mro__, shell] if shell is not None else [*interactiveshell.InteractiveShell.__mro__]
    return [(f"IPython {name}", owner, name, _get(owner, name)) for owner in owners if owner is not object
            for name in SHELL_NAMES]


def snapshot():
    """Record the bindings the checks rely on. Only the first call records: later ones, made after
    student code may have run, change nothing."""
    global _watched, _torch_source
    if _watched is not None:
        return
    torch = _import("torch")
    _torch_source = os.path.join(os.path.dirname(torch.__file__), "") if torch else None
    entries = [("sys.excepthook", sys, "excepthook", sys.excepthook)]
    for name in CHECKING + LIBRARIES:
        entries += _module_entries(name)
    for path in CLASSES:
        entries += _class_entries(path)
    _watched = entries + _shell_entries()


def changed():
    """Labels of the bindings that differ from the snapshot, without putting anything back."""
    return list(dict.fromkeys(label for label, owner, name, value in _watched or ()
                              if not _same(value, _get(owner, name))))


def verify():
    """Put back every binding that changed since snapshot(); if any had, fail with their names."""
    __tracebackhide__ = True
    if _watched is None:  # not taken in this process (no kernel start, no import): from now on, then
        snapshot()
        return
    labels = []
    for i, (label, owner, name, value) in enumerate(_watched):
        now = _get(owner, name)
        if now is value:
            continue
        if _same(value, now):
            _watched[i] = (label, owner, name, now)  # compare with torch's wrapper from now on
            continue
        _put(owner, name, value)
        labels.append(label)
    if labels:
        labels = list(dict.fromkeys(labels))
        shown = ", ".join(labels[:8]) + (f" (+{len(labels) - 8})" if len(labels) > 8 else "")
        raise CheckFailed(say(
            f"✗ 检查所依赖的对象被改动了：{shown}。改写检查库、numpy、torch、内置函数或 IPython 的代码不能得分："
            f"请删掉这样的代码，然后重新运行整个笔记本。",
            f"✗ Objects the checks rely on were changed: {shown}. Code that rebinds the checking library, numpy, "
            f"torch, builtins or IPython gains no points: remove the code that changes them, then rerun the whole "
            f"notebook."))
