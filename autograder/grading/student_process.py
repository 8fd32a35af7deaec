"""A notebook's student process, seen from the judge (judge.py): the student's cells defined in it and
the student's functions called there, over a Unix socket, one message each way (wire.py).

The process (isolation/student_server.py) is forked by the grading worker's zygote in the sandbox. One
that dies, hangs, floods or garbles its answer raises ProbeFailed with the reason, which costs the step
it was working for; the next call starts a fresh process that replays the cells defined so far.
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import time

from .. import guards, rules, wire
from ..compare import CheckFailed
from ..messages import Message
from ..probes import raise_judged
from .isolation import sandbox, zygote_control

MAX_BYTES = 64 * 2**20  # the longest answer a student process may send


class ProbeFailed(CheckFailed):
    """A probe got no answer from the student process: it died, ran out of time, or sent too much or garbage."""


class NotDefined(CheckFailed):
    """A name the test cell checks was not defined by any cell before it."""


def _died(status):
    if status is None:
        return Message("probe.ended")
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.Signals.__members__.values() else str(-status)
        return Message("probe.signal", signal=name)
    return Message("probe.exited", status=status)


def _timed_out(seconds):
    return Message("probe.timed_out", seconds=seconds)


def _too_big(limit):
    return Message("probe.too_big", mib=limit // 2**20)


def _garbled(what):
    return Message("probe.garbled", what=what)


class StudentProcess:
    """One notebook's student process, seen from the judge: define cells in it, call the student's functions.

    Started on first use and again after it failed: then it replays every cell defined so far."""

    def __init__(self, timeout, max_bytes=MAX_BYTES, forbidden=(), optimizers=False):
        self.timeout, self.max_bytes, self.forbidden = timeout, max_bytes, tuple(forbidden)
        self.optimizers = optimizers  # the notebook uses torch's optimizers: the zygote sets them up first
        self.cells = []       # every cell defined so far, to replay in a fresh process
        self.report = {}      # cell id -> its exception record, for the cells that raised one
        self.sock = self.reader = self.pid = self.folder = None
        # Seconds of the current test cell's time left to the student's code: only the time spent waiting
        # for this process counts, not the checks' own work here (None: each call gets the whole timeout).
        self.budget = None
        self.failure = None   # why the last cells could not be defined, raised at the next call
        self.reading = rules.Reading()  # the student's cells as text: the rules are read there, not in the process

    # ---- the process

    def _start(self):
        zygote_control.ensure_zygote()  # a student process before may have killed it
        self.folder = zygote_control.child_folder("p")
        zygote_control.hand_over(self.folder)
        env = dict(sandbox.kernel_environment(os.environ, self.folder), MPLBACKEND="Agg",
                   PYTORCH_NVML_BASED_CUDA_CHECK="1")  # asking whether there is a GPU must not start CUDA
        try:
            self.sock = zygote_control.connect({"op": "student", "env": env, "dir": str(self.folder),
                                               "torch": "torch" not in self.forbidden, "optimizers": self.optimizers})
            self.reader = self.sock.makefile("rb")
            self.pid = json.loads(self.reader.readline())["pid"]  # from the zygote, before the process may write
        except (OSError, ValueError, KeyError):  # the zygote has just ended
            if self.sock is not None:
                self.sock.close()
            self.sock = None
            raise ProbeFailed(Message("probe.cannot_start")) from None
        if self.cells:
            self._define(self.cells)

    def close(self):
        """Hang up and make sure the process is gone."""
        if self.sock is None:
            return
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(OSError, KeyError, ValueError):
            zygote_control.ask({"op": "signal", "pid": self.pid, "signum": int(signal.SIGKILL)})
        shutil.rmtree(self.folder, ignore_errors=True)
        self.sock = self.reader = self.pid = None

    def _status(self):
        """The exit status of the ended process, when the zygote knows it."""
        for _ in range(20):
            with contextlib.suppress(OSError, KeyError, ValueError):
                reply = zygote_control.ask({"op": "poll", "pid": self.pid})
                if not reply["running"]:
                    return reply["exit"]
            time.sleep(0.05)
        return None

    # ---- messages

    def _exchange(self, message, seconds, blobs=()):
        """Send ``message`` (and its arrays' ``blobs``), return the reply and its blobs; any failure ends the process
        and raises ProbeFailed."""
        try:
            self.sock.settimeout(max(0.1, seconds))
            self.sock.sendall(wire.dumps(message, blobs))
            return wire.read(self.reader, self.max_bytes)
        except (socket.timeout, TimeoutError):
            failed = _timed_out(self.timeout)
        except wire.TooBig:
            failed = _too_big(self.max_bytes)
        except (OSError, EOFError):  # it hung up, before or during its reply
            failed = _died(self._status())
        except ValueError as error:  # not JSON, or not a message
            failed = _garbled(type(error).__name__)
        self.close()
        raise ProbeFailed(failed)

    def _define(self, cells):
        message = {"cells": [{"id": c["id"], "source": c["source"]} for c in cells], "cell_seconds": self.timeout,
                   "forbidden": self.forbidden}
        reply, _ = self._exchange(message, self.timeout * len(cells) + 30)
        report = reply.get("cells")
        if not isinstance(report, list) or len(report) != len(cells):
            self.close()
            raise ProbeFailed(_garbled("cells"))
        for cell, entry in zip(cells, report):
            if isinstance(entry, dict) and entry.get("error"):
                self.report[cell["id"]] = entry["error"]

    def define(self, cells):
        """Run ``cells`` ([{"id", "source"}]) in the student process, after those defined before.
        A failure here is kept for the next call to raise: it costs that step."""
        self.cells += cells
        self.failure = None
        for cell in cells:
            if cell.get("own"):
                self.reading.add(cell["source"], cell["id"])
        if not cells:
            return
        try:
            if self.sock is None:
                self._start()  # replays self.cells, these included
            else:
                self._define(cells)
        except ProbeFailed as failure:
            self.failure = failure

    def call(self, probe, name, inputs):
        """The values of ``probe`` (probes.PROBES) on the student's ``name``, in the student process."""
        __tracebackhide__ = True
        broken = self.reading.broken(name, inputs.get("guard") if probe == "call" else "no_oracles")
        if broken is not None:
            raise guards.GuardViolation(*broken)
        if self.failure is not None:
            raise self.failure
        started = time.monotonic()
        try:
            if self.sock is None:
                self._start()
            seconds = self.timeout if self.budget is None else self.budget - (time.monotonic() - started)
            if seconds <= 0:
                self.close()
                raise ProbeFailed(_timed_out(self.timeout))
            blobs = []
            request = {"probe": probe, "fn": name, "inputs": wire.encode(inputs, blobs)}
            reply, blobs = self._exchange(request, seconds, blobs)
        finally:
            if self.budget is not None:
                self.budget -= time.monotonic() - started
        try:
            if "missing" in reply:
                raise NotDefined(*self._not_defined(name))
            if "error" in reply:
                raise_judged(wire.decode(reply["error"]))
            values = wire.decode(reply.get("values"), blobs)
        except wire.Garbled as error:
            self.close()
            raise ProbeFailed(_garbled(str(error))) from None
        if not isinstance(values, dict):
            self.close()
            raise ProbeFailed(_garbled("values"))
        return values

    def _not_defined(self, name):
        """Why ``name`` is missing: the cells that raised, each with the end of its traceback."""
        said = [Message("probe.not_defined", name=name)]
        for cell, error in self.report.items():
            said += [Message("probe.cell_raised", cell=cell),
                     "".join(error.get("traceback", [])[-3:]) + f"{error.get('type')}: {error.get('message')}"]
        return said
