"""ForkProvisioner: a jupyter_client kernel provisioner (kernel spec ``python3-warm``, in kernels/
beside this file, entry point ``autograder-fork`` in pyproject.toml). It asks the grading worker's
zygote for a kernel instead of starting ``python -m ipykernel_launcher``, and signals and polls the
kernel through the zygote, which sees the kernel's process id inside the sandbox.
"""
import os
import shutil
import signal
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

from . import sandbox
from .zygote_control import ask, child_folder, hand_over


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
        self.kernel_dir = child_folder("k")
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
        hand_over(folder)
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
