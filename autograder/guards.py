"""Run student code with some things out of reach, and say in words which rule was broken.

- ``by_hand``: a numpy exercise; torch and the checking library are unavailable.
- ``no_autograd``: a manual-backward torch exercise; autograd is off and any
  ``.backward()`` / ``torch.autograd.grad`` / ``torch.func`` call is caught.
- ``no_oracles``: any exercise; the checking library (and so its oracles) is unavailable.

Forbidden modules are swapped, for the duration of the call, both in ``sys.modules`` (so
``import torch`` inside the function gets a tripwire) and in the function's globals (so a
name imported at the top of the notebook does too). A rule broken inside a ``try`` still
counts: every touch is recorded, and the guard fails after the call.
"""
import sys
import types
from contextlib import contextmanager

from . import messages
from .compare import CheckFailed

# {rule: (中文, English)}; the texts are the catalogue's entries "rule.<rule>" (messages.py).
RULES = {rule: messages.pair(f"rule.{rule}") for rule in ("torch", "autograder", "autograd", "readable")}


class GuardViolation(CheckFailed):
    """Student code broke the exercise's rule ``rule`` (a key of RULES) by using ``what``."""

    def __init__(self, rule, what):
        self.rule, self.what = rule, what
        super().__init__(messages.Message("rule.broken", rule=messages.Message(f"rule.{rule}"), what=what))


class _Tripwire:
    """Stands in for a forbidden module or function; any use is recorded and raises."""

    def __init__(self, name, rule, touched):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_rule", rule)
        object.__setattr__(self, "_touched", touched)

    def _trip(self, what):
        __tracebackhide__ = True
        self._touched.append((self._rule, what))
        raise GuardViolation(self._rule, what)

    def __getattr__(self, attr):
        # The import system looks up dunders such as __spec__ first: that is an import.
        self._trip(f"import {self._name}" if attr.startswith("__") else f"{self._name}.{attr}")

    def __setattr__(self, attr, value):
        self._trip(f"{self._name}.{attr}")

    def __call__(self, *args, **kwargs):
        self._trip(f"{self._name}(...)")


def _origin(obj):
    """The module an object comes from ('' when unknown)."""
    try:
        if isinstance(obj, types.ModuleType):
            return obj.__name__
        return getattr(obj, "__module__", None) or type(obj).__module__ or ""
    except Exception:
        return ""


def _belongs(origin, prefix):
    return origin == prefix or origin.startswith(prefix + ".")


@contextmanager
def _swapped(namespace, replacements):
    """Temporarily set ``namespace[key] = value`` for each replacement, then restore exactly."""
    missing = object()
    saved = {key: namespace.get(key, missing) for key in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is missing:
                namespace.pop(key, None)
            else:
                namespace[key] = old


def _forbid_modules(fn, prefixes, touched):
    """Replacements for sys.modules and for fn's globals hiding every module under ``prefixes``."""
    modules = {}
    for prefix in prefixes:  # on every call: one str.startswith per loaded module (torch alone has hundreds)
        modules.update({name: _Tripwire(name, prefix, touched) for name in list(sys.modules)
                        if name.startswith(prefix + ".")})
        modules[prefix] = _Tripwire(prefix, prefix, touched)  # imported or not: a first import is blocked too
    glob = getattr(fn, "__globals__", {})
    names = {key: _Tripwire(key, prefix, touched)
             for key, value in list(glob.items()) if not key.startswith("__")
             for prefix in prefixes if _belongs(_origin(value), prefix)}
    return modules, glob, names


def _autograd_entry_points(touched):
    """(owner, attribute, tripwire) for every way of asking autograd for a gradient."""
    import torch
    import torch.autograd.functional as functional

    entries = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad")]
    entries += [(functional, n) for n in ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp")]
    entries += [(torch.func, n) for n in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd")]
    return [(owner, attr, _Tripwire(f"{getattr(owner, '__name__', owner)}.{attr}", "autograd", touched))
            for owner, attr in entries]


def run(fn, *args, forbid=(), autograd=True, **kwargs):
    """Call ``fn(*args, **kwargs)`` with the modules in ``forbid`` out of reach and, when
    ``autograd`` is False, with autograd off; raise GuardViolation if a rule was touched."""
    __tracebackhide__ = True
    touched = []
    modules, glob, names = _forbid_modules(fn, forbid, touched)
    patches = [] if autograd else _autograd_entry_points(touched)
    originals = {(owner, attr): getattr(owner, attr) for owner, attr, _ in patches}
    # A name imported from torch.autograd at the top of the notebook is the same object: swap it too.
    for key, value in list(glob.items()):
        for (owner, attr), original in originals.items():
            if value is original:
                names[key] = next(t for o, a, t in patches if (o, a) == (owner, attr))
    error = None
    with _swapped(sys.modules, modules), _swapped(glob, names):
        for owner, attr, tripwire in patches:
            setattr(owner, attr, tripwire)
        try:
            if autograd:
                result = fn(*args, **kwargs)
            else:
                import torch

                with torch.no_grad():
                    result = fn(*args, **kwargs)
        except Exception as exc:  # re-raised below, once everything is restored
            error = exc
        finally:
            for (owner, attr), original in originals.items():
                setattr(owner, attr, original)
    if touched:
        raise GuardViolation(*touched[0])
    if error is not None:
        raise error
    return result


def by_hand(fn, *args, **kwargs):
    """Run a numpy exercise: no torch, no checking library."""
    __tracebackhide__ = True
    return run(fn, *args, forbid=("torch", "autograder"), **kwargs)


def no_autograd(fn, *args, **kwargs):
    """Run a manual-backward torch exercise: no autograd, no checking library."""
    __tracebackhide__ = True
    return run(fn, *args, forbid=("autograder",), autograd=False, **kwargs)


def no_oracles(fn, *args, **kwargs):
    """Run any exercise without access to the checking library."""
    __tracebackhide__ = True
    return run(fn, *args, forbid=("autograder",), **kwargs)
