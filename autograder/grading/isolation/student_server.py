"""A student process: the student's notebook cells defined in an IPython shell, then the judge's calls
of the student's functions answered, one message each, as values (wire.py).

It runs forked for one notebook by the grading worker's zygote (zygote.py), in the sandbox.
Whatever the student's code does to this process can change only the values it sends, and a value
is believed only if the judge's oracle agrees with it (grading/judge.py).
"""
import importlib
import importlib.abc
import importlib.machinery
import os
import signal
import sys
import types

from ... import rules, wire
from ...messages import say
from ...probes import PROBES

class Sealed(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The import system of a student process: the modules its notebook forbids are not there, and of the
    checking library only stand-ins of its public modules are, whose every function does nothing (a check
    pasted into an answer cell decides nothing here). The process's own machinery is already loaded and
    bound; what a student's code could import is not it."""

    def __init__(self, forbidden, public):
        self.forbidden, self.public = tuple(forbidden), tuple(public)

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in self.forbidden or (top == "autograder" and name not in self.public):
            raise ModuleNotFoundError(say("probe.not_here", joined=" / ", module=name), name=name)
        return importlib.machinery.ModuleSpec(name, self, is_package=True) if name in self.public else None

    def create_module(self, spec):
        return _StandIn(spec.name)

    def exec_module(self, module):
        pass


class _StandIn(types.ModuleType):
    """A public module of the checking library in a student process, every name of it a function that does nothing;
    of the package itself, only its public modules (any other is not found)."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        if "." not in self.__name__:  # the package: only its public modules, each imported (as a stand-in)
            return importlib.import_module(f"{self.__name__}.{attr}")
        return lambda *args, **kwargs: None


def seal(forbidden, public):
    """Take the checking library and the modules in ``forbidden`` out of this process's import system."""
    for name in [n for n in sys.modules if n.split(".")[0] in ("autograder", *forbidden)]:
        del sys.modules[name]
    sys.meta_path.insert(0, Sealed(forbidden, public))


class CellTimeout(BaseException):
    """A definition cell ran past its time (a BaseException: ``except Exception`` does not stop it)."""


def _on_alarm(signum, frame):
    raise CellTimeout(say("probe.cell_timeout", joined=" / "))


def shell():
    """The IPython shell a student process runs the notebook's cells in: magics and ``get_ipython()`` work as in
    JupyterLab; no history file."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def define(shell, cells, cell_seconds):
    """Run the notebook's cells (their sources, in order) in ``shell``, each stopped after
    ``cell_seconds``; return [{"id", "error"} for each cell]."""
    signal.signal(signal.SIGALRM, _on_alarm)
    report = []
    for cell in cells:
        # Tracebacks name the cell as the notebook does (its grade id), not as "<ipython-input-3-…>".
        shell.compile.get_code_name = lambda raw, transformed, number, name=cell["id"]: f"<cell {name}>"
        signal.setitimer(signal.ITIMER_REAL, cell_seconds)
        try:
            result = shell.run_cell(cell["source"], store_history=False)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        error = result.error_before_exec or result.error_in_exec
        report.append({"id": cell["id"], "error": None if error is None else wire.exception_record(error)})
    return report


def serve(conn, max_bytes=256 * 2**20):
    """Answer the judge on the connected socket ``conn``, one message each (wire.py), until it hangs up: cells to
    define ({"cells"}), and calls of the student's functions ({"probe", "fn", "inputs"}), in the
    notebook's order. Runs in a student process; never returns."""
    reader = conn.makefile("rb")

    def send(message, blobs=()):
        conn.sendall(wire.dumps(message, blobs))

    def receive():
        try:
            return wire.read(reader, max_bytes)
        except EOFError:
            os._exit(0)  # the judge hung up

    ipython = shell()
    sealed = False
    while True:
        request, blobs = receive()
        if "cells" in request:
            if not sealed:
                seal(request.get("forbidden", ()), rules.PUBLIC)
                sealed = True
            send({"cells": define(ipython, request["cells"], request["cell_seconds"])})
            continue
        fn = ipython.user_ns.get(request["fn"])
        if fn is None:
            send({"missing": request["fn"]})
            continue
        try:
            values = PROBES[request["probe"]](fn, **wire.decode(request["inputs"], blobs))
            blobs = []
            reply = {"values": wire.encode(values, blobs)}
        except Exception as error:  # noqa: BLE001 (the student's exception, sent as a value)
            reply, blobs = {"error": wire.exception_record(error)}, []
        sys.stdout.flush()
        send(reply, blobs)
