"""The judge: every graded step decided in the grader's own process, where no student code runs.

For one notebook the judge keeps a probe process (probes.serve, forked by the grading worker's
zygote, in the sandbox). It replays the notebook in order, as the kernel ran it, with two
differences: of the cells before each test cell only those that define things run in the probe
(the answer cells, the set-up cells above them and cells the student added: not the training
runs), and the test cell itself runs here, as the instructor wrote it, with each name of the
student's bound to a ``Remote`` handle. The checks call ``probes.run`` on the handle, the probe
process calls the student's function on the inputs the checks chose and sends back values
(wire.py), and the checks compare those with the oracles here. What the checks say (their
success lines, or the CheckFailed a check raises, as Messages) and the student's exception become
the step's verdict record (verdict.py).

A probe process that dies, hangs, floods or garbles its answer costs the step it was working
for, with the reason; the next step gets a fresh process that replays the cells so far.
"""
import ast
import builtins
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

from .. import compare, guards, rules, wire
from ..compare import CheckFailed
from ..messages import Message
from ..probes import raise_judged
from . import verdict
from .isolation import sandbox, warm_kernel


class ProbeFailed(CheckFailed):
    """The probe process could not give an answer: it died, ran out of time, or sent too much or garbage."""


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


class Probe:
    """One notebook's probe process, seen from the judge: define cells in it, call the student's functions.

    Started on first use and again after it failed: then it replays every cell defined so far."""

    def __init__(self, timeout=120, max_bytes=64 * 2**20, forbidden=()):
        self.timeout, self.max_bytes, self.forbidden = timeout, max_bytes, tuple(forbidden)
        self.cells = []       # every cell defined so far, to replay in a fresh process
        self.report = {}      # cell id -> its exception record, for the cells that raised one
        self.sock = self.reader = self.pid = self.folder = None
        self.deadline = None  # monotonic time by which the current test cell must be done
        self.failure = None   # why the last cells could not be defined, raised at the next call
        self.reading = rules.Reading()  # the student's cells as text: the rules are read there, not in the probe

    # ---- the process

    def _start(self):
        warm_kernel.ensure_zygote()  # a probe before may have killed it
        self.folder = Path(tempfile.mkdtemp(prefix="p", dir=Path(os.environ[warm_kernel.SOCKET_VARIABLE]).parent))
        uid, gid = int(os.environ.get("AUTOGRADER_KERNEL_UID", -1)), int(os.environ.get("AUTOGRADER_KERNEL_GID", -1))
        if uid >= 0:
            os.chown(self.folder, uid, gid)
        env = dict(sandbox.kernel_environment(os.environ, self.folder), MPLBACKEND="Agg",
                   PYTORCH_NVML_BASED_CUDA_CHECK="1")  # asking whether there is a GPU must not start CUDA
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.settimeout(60)
            self.sock.connect(os.environ[warm_kernel.SOCKET_VARIABLE])
            self.sock.sendall(json.dumps({"op": "probe", "env": env, "dir": str(self.folder)}).encode() + b"\n")
            self.reader = self.sock.makefile("rb")
            self.pid = json.loads(self.reader.readline())["pid"]  # from the zygote, before the probe may write
        except (OSError, ValueError, KeyError):  # the process probes are forked from has just ended
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
            warm_kernel.ask({"op": "signal", "pid": self.pid, "signum": int(signal.SIGKILL)})
        shutil.rmtree(self.folder, ignore_errors=True)
        self.sock = self.reader = self.pid = None

    def _status(self):
        """The exit status of the ended process, when the zygote knows it."""
        for _ in range(20):
            with contextlib.suppress(OSError, KeyError, ValueError):
                reply = warm_kernel.ask({"op": "poll", "pid": self.pid})
                if not reply["running"]:
                    return reply["exit"]
            time.sleep(0.05)
        return None

    # ---- messages

    def _exchange(self, message, seconds):
        """Send ``message``, return the reply; any failure ends the process and raises ProbeFailed."""
        try:
            self.sock.settimeout(max(0.1, seconds))
            self.sock.sendall(wire.dumps(message))
            line = self.reader.readline(self.max_bytes + 1)
        except (socket.timeout, TimeoutError):
            self.close()
            raise ProbeFailed(_timed_out(self.timeout)) from None
        except OSError:
            line = b""
        if len(line) > self.max_bytes:
            self.close()
            raise ProbeFailed(_too_big(self.max_bytes))
        if not line.endswith(b"\n"):
            status = self._status()
            self.close()
            raise ProbeFailed(_died(status))
        try:
            reply = json.loads(line)
            if not isinstance(reply, dict):
                raise wire.Garbled("not a message")
        except (ValueError, wire.Garbled) as error:
            self.close()
            raise ProbeFailed(_garbled(type(error).__name__)) from None
        return reply

    def _define(self, cells):
        message = {"cells": [{"id": c["id"], "source": c["source"]} for c in cells], "cell_seconds": self.timeout,
                   "forbidden": self.forbidden}
        reply = self._exchange(message, self.timeout * len(cells) + 30)
        report = reply.get("cells")
        if not isinstance(report, list) or len(report) != len(cells):
            self.close()
            raise ProbeFailed(_garbled("cells"))
        for cell, entry in zip(cells, report):
            if isinstance(entry, dict) and entry.get("error"):
                self.report[cell["id"]] = entry["error"]

    def define(self, cells):
        """Run ``cells`` ([{"id", "source"}]) in the probe, after those defined before.
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
        """The values of ``probe`` (probes.PROBES) on the student's ``name``, in the probe process."""
        __tracebackhide__ = True
        broken = self.reading.broken(name, inputs.get("guard") if probe == "call" else "no_oracles")
        if broken is not None:
            raise guards.GuardViolation(*broken)
        if self.failure is not None:
            raise self.failure
        if self.sock is None:
            self._start()
        seconds = self.deadline - time.monotonic() if self.deadline else self.timeout
        if seconds <= 0:
            self.close()
            raise ProbeFailed(_timed_out(self.timeout))
        reply = self._exchange({"probe": probe, "fn": name, "inputs": wire.encode(inputs)}, seconds)
        try:
            if "missing" in reply:
                raise NotDefined(*self._not_defined(name))
            if "error" in reply:
                raise_judged(wire.decode(reply["error"]))
            values = wire.decode(reply.get("values"))
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


class Remote:
    """The judge's handle on a student's function or class that lives in the probe process."""

    def __init__(self, probe, name):
        self.probe, self.name = probe, name

    def remote_probe(self, probe, inputs):
        __tracebackhide__ = True
        return self.probe.call(probe, self.name, inputs)

    def __repr__(self):
        return f"<{self.name} of the submission>"


def student_names(source):
    """The names a test cell's code reads but neither imports nor assigns: the student's."""
    tree = ast.parse(source)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return sorted(loaded - bound - set(dir(builtins)))


def is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def definitions_only(source):
    """Of an instructor's set-up cell, what a probe needs: the imports, assignments, functions and
    classes at its top level, not its prints, pictures and demonstrations."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return source
    kept = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef)
    return "\n".join(ast.get_source_segment(code, node) for node in tree.body if isinstance(node, kept))


def definitions(nb):
    """The notebook's code cells in order, as (definition, None) for a cell a probe runs, or (None, cell)
    for a test cell. A probe runs the answer cells, the cells a student added, and of the instructor's
    cells above the first answer what they define (imports, set-up); not the instructor's cells
    further down (the training runs and demonstrations), and never a test cell."""
    answered = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if is_test(cell):
            yield None, cell
        elif meta.get("solution") or not meta or not answered:
            answered = answered or bool(meta.get("solution"))
            own = bool(meta.get("solution")) or not meta  # the student's, not the instructor's set-up
            source = cell.source if own else definitions_only(cell.source)
            yield {"id": meta.get("grade_id") or f"#{index + 1}", "source": source, "own": own}, None


def judge_notebook(nb, tests, timeout, max_bytes=64 * 2**20, assignment=None):
    """[(test cell, its verdict's outputs, in the chosen language)]: ``records`` rendered."""
    return [(cell, verdict.outputs(record)) for cell, record in records(nb, tests, timeout, max_bytes, assignment)]


def records(nb, tests, timeout, max_bytes=64 * 2**20, assignment=None):
    """[(test cell, its verdict record)] for the test cells of ``nb`` whose grade id is in ``tests``
    ({grade id: the instructor's source}), decided in order against one probe process, in which the
    modules ``assignment``'s rules forbid cannot be imported (rules.FORBIDDEN)."""
    probe, pending, decided = Probe(timeout, max_bytes, rules.FORBIDDEN.get(assignment, ())), [], []
    try:
        for definition, test in definitions(nb):
            if definition:
                pending.append(definition)
                continue
            meta = test.metadata["nbgrader"]
            if meta.get("grade_id") in tests:
                probe.define(pending)
                pending = []
                decided.append((test, decide(tests[meta["grade_id"]], probe, timeout, meta["grade_id"],
                                             meta.get("points") or 0)))
    finally:
        probe.close()
    return decided


def outcome(failed):
    """The verdict's outcome for a CheckFailed (verdict.OUTCOMES)."""
    for kind, name in ((guards.GuardViolation, "rule_broken"), (ProbeFailed, "probe_failed"), (NotDefined, "not_defined")):
        if isinstance(failed, kind):
            return name
    return "failed"


def decide(test_source, probe, timeout, grade_id="test", max_points=0):
    """Run a test cell's code here, the student's names bound to ``probe``: the step's verdict record.
    What the test cell prints besides the checks' own lines is not kept."""
    namespace = {name: Remote(probe, name) for name in student_names(test_source)}
    kind, said, raised = "passed", [], None
    probe.deadline = time.monotonic() + timeout
    try:
        with compare.listening() as heard, contextlib.redirect_stdout(io.StringIO()):
            exec(compile(test_source, f"<{grade_id}>", "exec"), namespace)  # the instructor's code, from the gradebook
    except CheckFailed as failed:  # a check's verdict, a broken rule, or a probe that gave no answer
        kind, said, raised = outcome(failed), failed.said, failed.raised
    except wire.StudentError as error:  # the student's function raised: their traceback, their words
        kind, raised = "raised", error
    except Exception as broken:  # noqa: BLE001 (values the checks cannot compare: zero for the step, and why)
        kind, said = "probe_failed", [Message("probe.unusable_values"), f"({type(broken).__name__}: {str(broken)[:300]})"]
    finally:
        probe.deadline = None
    return verdict.make(grade_id, max_points, kind, heard.said, said, raised, heard.cases)
