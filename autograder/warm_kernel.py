"""Grading kernels forked from a warm process: numpy and torch are imported once per grading
worker instead of once per notebook.

A zygote process imports ipykernel, numpy and torch, runs nothing else, and waits on a Unix
socket. For each kernel it forks a child that starts a fresh IPKernelApp on the connection file
it is sent. Every notebook so still runs in a process of its own, from an interpreter in which
no other code than those imports has run; only the imports' cost is shared.

``ForkProvisioner`` is a jupyter_client kernel provisioner (kernel spec ``python3-warm``, in
kernels/ beside this file): it asks the zygote for a kernel instead of starting
``python -m ipykernel_launcher``, and signals the child by its process group.

    python -m autograder.warm_kernel SOCKET     run a zygote (a grading worker starts its own)
"""
import json
import os
import signal
import socket
import sys
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

KERNELS = Path(__file__).resolve().parent  # JUPYTER_PATH entry holding kernels/python3-warm
KERNEL_NAME = "python3-warm"
SOCKET_VARIABLE = "AUTOGRADER_ZYGOTE"


def _reap(*_):
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve(path):
    """The zygote: import the heavy modules, then fork one kernel per request."""
    import ipykernel.kernelapp  # noqa: F401
    import numpy  # noqa: F401
    import torch  # noqa: F401

    parent = os.getppid()
    signal.signal(signal.SIGCHLD, _reap)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    server.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent:  # the worker that started us is gone: stop
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        with conn:
            request = json.loads(conn.makefile().readline())
            pid = os.fork()
            if pid == 0:
                server.close()
                _become_kernel(request)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _become_kernel(request):
    """In the forked child: a new session (so the provisioner can signal its group), the
    kernel manager's working folder and environment, then an IPython kernel."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    from ipykernel.kernelapp import IPKernelApp

    code = 0
    try:
        IPKernelApp.launch_instance(argv=request["argv"])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 (a kernel that crashes ends its process, nothing more)
        code = 1
    os._exit(code)


class _Forked:
    """What the provisioner needs of a Popen, for a process that is the zygote's child."""

    def __init__(self, pid):
        self.pid = pid
        self.stdin = self.stdout = self.stderr = None

    def poll(self):
        try:
            os.kill(self.pid, 0)
            return None
        except ProcessLookupError:
            return 0

    def wait(self, timeout=None):
        import time

        while self.poll() is None:
            time.sleep(0.05)
        return 0

    def send_signal(self, signum):
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:  # already ended, as Popen.send_signal tolerates too
            pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """Starts a kernel by asking this worker's zygote to fork one."""

    async def launch_kernel(self, cmd, **kwargs):
        argv = cmd[cmd.index("ipykernel_launcher") + 1:]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = dict(kwargs.get("env") or os.environ)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(os.environ[SOCKET_VARIABLE])
            s.sendall(json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode() + b"\n")
            pid = json.loads(s.makefile().readline())["pid"]
        self.process = _Forked(pid)
        self.pid, self.pgid = pid, pid  # the child called setsid(): its group is its pid
        self.cwd = cwd
        return self.connection_info


def start_zygote():
    """Start a zygote for this process; kernels named python3-warm come from it from now on.
    It stops by itself within a second of this process ending."""
    import subprocess
    import tempfile

    path = os.path.join(tempfile.mkdtemp(prefix="zygote-"), "socket")  # short: socket paths have a length limit
    proc = subprocess.Popen([sys.executable, "-m", "autograder.warm_kernel", path], stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the warm kernel process did not start")
    os.environ[SOCKET_VARIABLE] = path
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(KERNELS), os.environ.get("JUPYTER_PATH")]))
    return proc


if __name__ == "__main__":
    serve(sys.argv[1])
