"""The zygote: one per grading worker, inside the grading sandbox, forking its kernels and student processes.

It imports numpy, IPython's shell, pyplot and matplotlib's font list; torch before the first notebook that may
use it (not 01_numpy, which forbids it), ipykernel before its first kernel, and torch's optimizers set up before
the first notebook that uses them. It runs nothing else, and waits on a Unix socket in the worker's scratch
folder. For each notebook it forks a child that starts a fresh IPKernelApp (or, for ``cold`` kernels,
execs a new Python that starts one), and for the judge a student process (student_server.py). Every
notebook so still runs in a process of its own, from an interpreter in which no other code than those
imports has run; only the imports' cost is shared.

With ``sandboxed`` it runs inside bubblewrap (sandbox.py). Before each child it kills whatever the
previous notebook left running in the sandbox and empties its ``/tmp``. Each child gets its own
folder (made by the grading side, zygote_control.child_folder), a scrubbed environment, resource
limits and a wall-clock deadline. Children talk to the grading side over Unix sockets in that
folder, since the sandbox has no network.

    python -m autograder.grading.isolation.zygote SOCKET OPTIONS     (zygote_control.start_zygote runs it)
"""
import importlib
import json
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

from . import sandbox
from .. import lasting

MATPLOTLIB = ".matplotlib"  # the zygote's matplotlib font cache, in the scratch folder


class Zygote:
    def __init__(self, path, options):
        self.path = Path(path)
        self.cold = options.get("cold", False)
        self.sandboxed = options.get("sandboxed", False)
        # kill(-1) below must never run outside the sandbox's own process-id namespace.
        self.own_pid_namespace = self.sandboxed and os.readlink("/proc/self/ns/pid") != options.get("outer_pid_ns")
        self.limits = options.get("limits", {})
        # A kernel's wall clock runs even where no other limit is set (the tests' own zygotes).
        self.wall_seconds = self.limits.get("wall_seconds", sandbox.GradingLimits().wall_seconds)
        self.own_user = options.get("own_user", False)  # a user id no other process has (see sandbox.account)
        self.deadlines = {}  # pid -> time.monotonic() after which the kernel is killed
        self.exits = {}      # pid -> exit status, for kernels that ended
        # What is imported or set up here so far, besides the start's imports: each on the first notebook that
        # needs it (``ready``), so that a worker grading only the others never pays for it.
        self.readied = set()

    def reap(self, *_):
        try:
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if not pid:
                    break
                self.exits[pid] = os.waitstatus_to_exitcode(status)
                self.deadlines.pop(pid, None)
        except ChildProcessError:
            pass

    def serve(self):
        self.pid = os.getpid()
        # CUDA cannot be used in a process forked after its parent started it: asking whether there is a
        # GPU must not start it here (NVML answers instead), so that every kernel and student process can.
        os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"
        with lasting.imports():
            if not self.cold:
                import numpy  # noqa: F401

                warm_up()
            import matplotlib.font_manager  # noqa: F401  (builds the font cache once, for every kernel)

        signal.signal(signal.SIGCHLD, self.reap)
        parent = os.getppid()
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        server.listen()
        server.settimeout(1.0)
        print("ready", flush=True)
        os.dup2(2, 1)  # nobody reads our stdout after "ready"; kernels inherit fd 1
        while os.getppid() == parent:  # the worker that started us is gone: stop
            self.enforce_deadlines()
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            with conn:
                request = json.loads(conn.makefile().readline())
                reply = getattr(self, "op_" + request.pop("op"))(server, conn, **request)
                if reply is not None:  # None: the connection was handed to a student process
                    conn.sendall(json.dumps(reply).encode() + b"\n")

    def enforce_deadlines(self):
        now = time.monotonic()
        for pid, deadline in list(self.deadlines.items()):
            if now > deadline:
                _signal(pid, signal.SIGKILL)
                self.deadlines.pop(pid, None)

    def ready(self, *needs):
        """Import the modules in ``needs`` here ("optimizers": set them up, warm_optimizers), each once, before the
        first child that may use them: every child forked after has them. Only in a warm zygote."""
        for need in needs:
            if self.cold or need in self.readied:
                continue
            with lasting.imports():
                if need == "optimizers":
                    warm_optimizers()
                else:
                    importlib.import_module(need)
            self.readied.add(need)

    def op_start(self, server, conn, argv, env, dir):
        # A kernel runs a whole notebook (the instructor's training too): whatever it may use.
        self.ready("ipykernel.kernelapp", "torch", "optimizers")
        if self.own_pid_namespace:
            self.clear_leftovers(keep=Path(dir))
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.close()
            self.become_kernel(argv, env, dir)
        self.deadlines[pid] = time.monotonic() + self.wall_seconds
        return {"pid": pid}

    def op_student(self, server, conn, env, dir, torch=True, optimizers=False):
        """Fork a student process (student_server.serve) that takes over this connection: the judge's line
        to it. Its pid goes to the judge first; the student process may only write after that. ``torch``: the
        notebook may use torch; ``optimizers``: it uses torch's optimizers (each made ready here first, once)."""
        if torch:
            self.ready("torch")
        if optimizers:
            self.ready("optimizers")
        if self.own_pid_namespace:
            self.clear_leftovers(keep=Path(dir))
        ready, go = os.pipe()
        pid = os.fork()
        if pid == 0:
            server.close()
            os.close(go)
            os.read(ready, 1)
            os.close(ready)
            self.become(env, dir, lambda: self.serve_student(conn))
        os.close(ready)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        os.write(go, b"x")
        os.close(go)
        self.deadlines[pid] = time.monotonic() + self.wall_seconds
        return None

    def serve_student(self, conn):
        for fd in (1, 2):  # what the student's code prints goes nowhere: the judge reads values only
            os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
        from . import student_server

        student_server.serve(conn)

    def op_signal(self, server, conn, pid, signum):
        _signal(pid, signum)
        return {}

    def op_poll(self, server, conn, pid):
        self.reap()
        return {"exit": self.exits.get(pid), "running": pid not in self.exits}

    def clear_leftovers(self, keep):
        """Kill every process the previous notebooks left in the sandbox, and empty its /tmp and
        the scratch folder, so nothing of one student's run reaches the next."""
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            os.kill(-1, signal.SIGKILL)  # every process of this pid namespace but us and its init
        except ProcessLookupError:
            pass
        self.reap()
        # Killed processes count against the sandbox's process limit until they are reaped (by us or
        # by the namespace's init): wait for that, or the next kernel may find no process left to start.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
                p.name.isdigit() and int(p.name) not in (1, os.getpid()) for p in Path("/proc").iterdir()):
            time.sleep(0.01)
            self.reap()
        signal.signal(signal.SIGCHLD, self.reap)
        scratch = self.path.parent
        for entry in list(Path("/tmp").iterdir()) + list(scratch.iterdir()):
            if entry in (self.path, scratch / MATPLOTLIB, keep) or scratch.is_relative_to(entry):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def become_kernel(self, argv, env, dir):
        """In the forked child: a new session, the kernel's folder, environment and limits,
        then an IPython kernel."""
        def kernel():
            if self.cold:
                os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
            from ipykernel.kernelapp import IPKernelApp

            IPKernelApp.launch_instance(argv=argv)

        self.become(env, dir, kernel)

    def become(self, env, dir, run):
        """In a forked child: a new session, its folder, environment and limits, then ``run()``; never returns."""
        _die_with(self.pid)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(dir)
        os.environ.clear()
        os.environ.update(env)
        os.environ["MPLCONFIGDIR"] = str(self.path.parent / MATPLOTLIB)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        code = 1
        try:
            if self.limits:
                sandbox.apply_limits(self.limits["memory_mb"], self.limits["cpu_seconds"], self.limits["file_mb"],
                                     self.limits.get("processes") if self.own_user else None)
            run()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:  # noqa: BLE001 (a kernel or student process that crashes ends, nothing more)
            code = 1
        os._exit(code)


def _die_with(parent):
    """Be killed the moment ``parent`` (the zygote) ends. A kernel or student process that kills its zygote, which it
    could (same sandbox, same user), so ends at once, whatever it was doing, and never answers after."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def warm_up():
    """What every notebook of the course, and every student process, would otherwise pay for again: pyplot and
    IPython's shell imported. Only the course's own code runs here, never a student's."""
    import IPython.core.interactiveshell  # noqa: F401  (the student processes' shell)
    # and what that shell imports as it starts, in every student process otherwise
    import IPython.core.application, IPython.core.completer, IPython.core.completerlib  # noqa: F401,E401
    import IPython.core.logger, IPython.core.magics, IPython.core.oinspect  # noqa: F401,E401
    import matplotlib.pyplot  # noqa: F401  (imported, no backend chosen: each kernel still chooses its own)


def warm_optimizers():
    """torch's lazy set-up of what 04_optim and 05_module use: its optimizers, autograd, the meta device. Their
    first use imports torch._dynamo (about 2 s), so it is done only for a notebook that uses the optimizers
    (Zygote.ready). Only the course's own code runs here, never a student's."""
    import torch

    layer = torch.nn.Linear(2, 2).to("meta")
    try:
        layer(torch.zeros(1, 2))  # the meta-device error that notebook 5 shows
    except RuntimeError:
        pass
    if torch.cuda.is_available():
        # With a GPU, autograd's first backward starts its device threads, and a child forked after
        # that cannot use autograd at all: the children pay for their own first step instead.
        return
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.Adam([weight])
    (weight * 2).sum().backward()
    optimizer.step()


def _signal(pid, signum):
    try:
        os.killpg(pid, signum)  # the kernel called setsid(): its group is its pid
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    Zygote(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}).serve()
