"""Grading kernels, each started by a per-worker kernel process inside the grading sandbox.

A zygote process imports ipykernel, numpy, torch and matplotlib's font list, runs nothing else,
and waits on a Unix socket in the worker's scratch folder. For each notebook it forks a child
that starts a fresh IPKernelApp (or, for ``cold`` kernels, execs a new Python that starts one).
Every notebook so still runs in a process of its own, from an interpreter in which no other
code than those imports has run; only the imports' cost is shared.

With ``sandboxed`` the zygote itself runs inside bubblewrap (sandbox.py). Before each kernel
it kills whatever the previous notebook left running in the sandbox and empties its ``/tmp``.
Each kernel child gets its own scratch folder (a copy of the submission's files, never the
notebooks, which hold the hidden tests once nbgrader has restored them), a scrubbed
environment, resource limits and a wall-clock deadline. Kernels talk to nbgrader over Unix
sockets in that folder, since the sandbox has no network.

``ForkProvisioner`` is a jupyter_client kernel provisioner (kernel spec ``python3-warm``, in
kernels/ beside this file): it asks the zygote for a kernel instead of starting
``python -m ipykernel_launcher``, and signals and polls the kernel through the zygote, which
sees the kernel's process id inside the sandbox.

    python -m autograder.grading.isolation.warm_kernel SOCKET OPTIONS     run a zygote (a grading worker starts its own)
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

from . import sandbox

KERNELS = Path(__file__).resolve().parent  # JUPYTER_PATH entry holding kernels/python3-warm
KERNEL_NAME = "python3-warm"
SOCKET_VARIABLE = "AUTOGRADER_ZYGOTE"
MATPLOTLIB = ".matplotlib"  # the zygote's matplotlib font cache, in the scratch folder



# ---------------------------------------------------------------- the zygote

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
        # GPU must not start it here (NVML answers instead), so that every kernel and probe can.
        os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "1"
        if not self.cold:
            import ipykernel.kernelapp  # noqa: F401
            import numpy  # noqa: F401
            import torch  # noqa: F401

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
                if reply is not None:  # None: the connection was handed to a probe process
                    conn.sendall(json.dumps(reply).encode() + b"\n")

    def enforce_deadlines(self):
        now = time.monotonic()
        for pid, deadline in list(self.deadlines.items()):
            if now > deadline:
                _signal(pid, signal.SIGKILL)
                self.deadlines.pop(pid, None)

    def op_start(self, server, conn, argv, env, dir):
        if self.own_pid_namespace:
            self.clear_leftovers(keep=Path(dir))
        pid = os.fork()
        if pid == 0:
            server.close()
            conn.close()
            self.become_kernel(argv, env, dir)
        self.deadlines[pid] = time.monotonic() + self.wall_seconds
        return {"pid": pid}

    def op_probe(self, server, conn, env, dir):
        """Fork a probe process (probes.serve) that takes over this connection: the judge's line to it.
        Its pid goes to the judge first; the probe may only write after that."""
        if self.own_pid_namespace:
            self.clear_leftovers(keep=Path(dir))
        ready, go = os.pipe()
        pid = os.fork()
        if pid == 0:
            server.close()
            os.close(go)
            os.read(ready, 1)
            os.close(ready)
            self.become(env, dir, lambda: self.serve_probe(conn))
        os.close(ready)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        os.write(go, b"x")
        os.close(go)
        self.deadlines[pid] = time.monotonic() + self.wall_seconds
        return None

    def serve_probe(self, conn):
        for fd in (1, 2):  # what the student's code prints goes nowhere: the judge reads values only
            os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
        from . import probe_server

        probe_server.serve(conn)

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
        except BaseException:  # noqa: BLE001 (a kernel or probe that crashes ends its process, nothing more)
            code = 1
        os._exit(code)


def _die_with(parent):
    """Be killed the moment ``parent`` (the zygote) ends. A kernel or probe that kills its zygote, which it
    could (same sandbox, same user), so ends at once, whatever it was doing, and never answers after."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def warm_up():
    """What every notebook of the course, and every probe, would otherwise pay for again: pyplot and
    IPython's shell imported, and torch's lazy set-up of the meta device and of its optimizers.
    Only the course's own code runs here, never a student's."""
    import IPython.core.interactiveshell  # noqa: F401  (the probes' shell)
    import matplotlib.pyplot  # noqa: F401  (imported, no backend chosen: each kernel still chooses its own)
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


# ---------------------------------------------------------------- the grading worker's side

def ask(request, timeout=60):
    """Send ``request`` to this process's zygote; its reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)  # a zygote that stopped answering raises OSError here, never hangs the grader
        s.connect(os.environ[SOCKET_VARIABLE])
        s.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(s.makefile().readline())


class _Forked:
    """What the provisioner needs of a Popen, for a kernel that is the zygote's child."""

    def __init__(self, pid):
        self.pid = pid
        self.stdin = self.stdout = self.stderr = None
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                reply = ask({"op": "poll", "pid": self.pid})
            except OSError:  # the zygote is gone, and its kernels with it
                reply = {"running": False, "exit": -signal.SIGKILL}
            if not reply["running"]:
                self.returncode = reply["exit"] if reply["exit"] is not None else -signal.SIGKILL
        return self.returncode

    def wait(self, timeout=None):
        while self.poll() is None:
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            try:
                ask({"op": "signal", "pid": self.pid, "signum": int(signum)})
            except OSError:
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """Starts a kernel by asking this worker's zygote to fork one, in a scratch folder of its own."""

    kernel_dir = None

    async def pre_launch(self, **kwargs):
        km = self.parent
        scratch = Path(os.environ[SOCKET_VARIABLE]).parent
        self.kernel_dir = Path(tempfile.mkdtemp(prefix="k", dir=scratch))
        # Unix sockets in the kernel's folder: the sandbox has no network to reach TCP ports on.
        km.cache_ports = False
        km.transport = "ipc"
        km.ip = str(self.kernel_dir / "ipc")
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        folder = self.kernel_dir
        argv = cmd[cmd.index("ipykernel_launcher") + 1:]
        i = argv.index("-f")
        shutil.copy(argv[i + 1], folder / "connection.json")
        argv[i + 1] = str(folder / "connection.json")
        _copy_submission_files(Path(kwargs.get("cwd") or os.getcwd()), folder)
        uid, gid = int(os.environ.get("AUTOGRADER_KERNEL_UID", -1)), int(os.environ.get("AUTOGRADER_KERNEL_GID", -1))
        if uid >= 0:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, uid, gid, follow_symlinks=False)
        env = sandbox.kernel_environment(dict(kwargs.get("env") or os.environ), folder)
        pid = ask({"op": "start", "argv": argv, "env": env, "dir": str(folder)})["pid"]
        self.process = _Forked(pid)
        self.pid, self.pgid = pid, None  # no pgid: signals go through the zygote, see _Forked
        self.cwd = str(folder)
        return self.connection_info

    async def cleanup(self, restart=False):
        await super().cleanup(restart)
        if not restart and self.kernel_dir:
            shutil.rmtree(self.kernel_dir, ignore_errors=True)


def _copy_submission_files(src, dst):
    """The student's own files beside the notebook (data they read, say), without the notebooks:
    nbgrader has put the hidden tests back into those."""
    if not src.is_dir():
        return
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if path.suffix == ".ipynb" or any(part.startswith(".") for part in rel.parts) or path.is_symlink():
            continue
        if path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / rel)


_started = None  # (Popen, options) of this process's zygote


def ensure_zygote():
    """Start this process's zygote again if it has ended: the code it runs is a submission's, in the
    same sandbox, and may kill it; the next notebook then gets a new one. True if there is one."""
    if _started is None:
        return False
    if _started[0].poll() is not None:
        start_zygote(**_started[1])
    return True


def stop_zygote():
    """End this process's zygote, and with it every kernel and probe it started."""
    global _started
    if _started is not None:
        _started[0].kill()
        _started[0].wait()
    _started = None


def start_zygote(sandboxed=True, cold=False, limits=None, log=None):
    """Start this process's zygote (in the sandbox when ``sandboxed``); kernels named python3-warm
    come from it from now on. It stops by itself when this process ends. ``log``: a file for what it
    and its kernels write to stderr (this process's stderr otherwise). Returns the Popen."""
    global _started
    import subprocess
    from multiprocessing.util import Finalize

    scratch = Path(tempfile.mkdtemp(prefix="grade-"))  # short: socket paths have a length limit
    Finalize(None, shutil.rmtree, args=(scratch,), kwargs={"ignore_errors": True}, exitpriority=10)
    path = scratch / "zygote"
    options = {"cold": cold, "sandboxed": sandboxed, "outer_pid_ns": os.readlink("/proc/self/ns/pid"),
               "limits": limits or {}, "own_user": sandboxed and os.geteuid() == 0}
    argv = [sys.executable, "-m", "autograder.grading.isolation.warm_kernel", str(path), json.dumps(options)]
    env = dict(os.environ, MPLCONFIGDIR=str(scratch / MATPLOTLIB))
    if sandboxed:
        argv = sandbox.command(scratch, argv)
        env = dict(sandbox.kernel_environment(os.environ, scratch), MPLCONFIGDIR=str(scratch / MATPLOTLIB))
        if os.geteuid() == 0:  # the sandbox runs as this worker's own user id: let it write its scratch folder
            uid, gid = sandbox.account()
            os.chown(scratch, uid, gid)
            os.environ["AUTOGRADER_KERNEL_UID"], os.environ["AUTOGRADER_KERNEL_GID"] = str(uid), str(gid)
    with open(log, "ab") if log else contextlib.nullcontext() as stderr:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, cwd=scratch)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the grading kernel process did not start (see autograded/.kernels.log)")
    os.environ[SOCKET_VARIABLE] = str(path)
    if str(KERNELS) not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(KERNELS), os.environ.get("JUPYTER_PATH")]))
    _started = (proc, {"sandboxed": sandboxed, "cold": cold, "limits": limits, "log": log})
    return proc


if __name__ == "__main__":
    Zygote(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}).serve()
