"""This grading process's zygote (zygote.py), from the grading side: started, started again when a
submission killed it, stopped; asked to fork a child, in a folder of its own.

Kernels named ``python3-warm`` (kernels/ beside this file, through provisioner.py) and the judge's
student processes (grading/student_process.py) both come from it.
"""
import contextlib
import json
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from . import sandbox, zygote

KERNELS = Path(__file__).resolve().parent  # JUPYTER_PATH entry holding kernels/python3-warm
KERNEL_NAME = "python3-warm"
SOCKET_VARIABLE = "AUTOGRADER_ZYGOTE"
# The sandbox's own user and group, when grading as root (sandbox.account): a child's folder is theirs.
UID_VARIABLE, GID_VARIABLE = "AUTOGRADER_KERNEL_UID", "AUTOGRADER_KERNEL_GID"


def connect(request, timeout=60):
    """A connection to this process's zygote, with ``request`` sent on it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)  # a zygote that stopped answering raises OSError here, never hangs the grader
        s.connect(os.environ[SOCKET_VARIABLE])
        s.sendall(json.dumps(request).encode() + b"\n")
    except OSError:
        s.close()
        raise
    return s


def ask(request, timeout=60):
    """Send ``request`` to this process's zygote; its reply."""
    with connect(request, timeout) as s:
        return json.loads(s.makefile().readline())


def child_folder(prefix):
    """A new folder for one kernel or student process, beside the zygote's socket, so inside the sandbox."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=Path(os.environ[SOCKET_VARIABLE]).parent))


def hand_over(folder):
    """Give ``folder`` and all in it to the sandbox's own user, where it has one (grading as root)."""
    uid, gid = int(os.environ.get(UID_VARIABLE, -1)), int(os.environ.get(GID_VARIABLE, -1))
    if uid >= 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, uid, gid, follow_symlinks=False)


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
    """End this process's zygote, and with it every kernel and student process it started."""
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
    argv = [sys.executable, "-m", "autograder.grading.isolation.zygote", str(path), json.dumps(options)]
    env = dict(os.environ, MPLCONFIGDIR=str(scratch / zygote.MATPLOTLIB))
    if sandboxed:
        argv = sandbox.command(scratch, argv)
        env = dict(sandbox.kernel_environment(os.environ, scratch), MPLCONFIGDIR=str(scratch / zygote.MATPLOTLIB))
        if os.geteuid() == 0:  # the sandbox runs as this worker's own user id: let it write its scratch folder
            uid, gid = sandbox.account()
            os.chown(scratch, uid, gid)
            os.environ[UID_VARIABLE], os.environ[GID_VARIABLE] = str(uid), str(gid)
    with open(log, "ab") if log else contextlib.nullcontext() as stderr:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, cwd=scratch)
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the grading kernel process did not start (see autograded/.kernels.log)")
    os.environ[SOCKET_VARIABLE] = str(path)
    if str(KERNELS) not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(KERNELS), os.environ.get("JUPYTER_PATH")]))
    _started = (proc, {"sandboxed": sandboxed, "cold": cold, "limits": limits, "log": log})
    return proc
