"""A probe process: the student's notebook cells defined in an IPython shell, then the judge's calls
of the student's functions answered, one JSON line each, as values (wire.py).

It runs forked for one notebook by the grading worker's zygote (warm_kernel.py), in the sandbox.
Whatever the student's code does to this process can change only the values it sends, and a value
is believed only if the judge's oracle agrees with it (grading/judge.py).
"""
import os
import signal
import sys

from ... import wire
from ...messages import say
from ...probes import PROBES

class CellTimeout(BaseException):
    """A definition cell ran past its time (a BaseException: ``except Exception`` does not stop it)."""


def _on_alarm(signum, frame):
    raise CellTimeout(say("probe.cell_timeout", joined=" / "))


def shell():
    """The IPython shell a probe runs the notebook's cells in: magics and ``get_ipython()`` work as in
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
    """Answer the judge on the connected socket ``conn``, one JSON line each, until it hangs up: cells to
    define ({"cells"}), and calls of the student's functions ({"probe", "fn", "inputs"}), in the
    notebook's order. Runs in a probe process; never returns."""
    import json

    reader = conn.makefile("rb")

    def send(value):
        conn.sendall(wire.dumps(value))

    def receive():
        line = reader.readline(max_bytes)
        if not line.endswith(b"\n"):
            os._exit(0)  # the judge hung up
        return json.loads(line)

    ipython = shell()
    while True:
        request = receive()
        if "cells" in request:
            send({"cells": define(ipython, request["cells"], request["cell_seconds"])})
            continue
        fn = ipython.user_ns.get(request["fn"])
        if fn is None:
            send({"missing": request["fn"]})
            continue
        try:
            values = PROBES[request["probe"]](fn, **wire.decode(request["inputs"]))
            reply = {"values": wire.encode(values)}
        except Exception as error:  # noqa: BLE001 (the student's exception, sent as a value)
            reply = {"error": wire.exception_record(error)}
        sys.stdout.flush()
        send(reply)
