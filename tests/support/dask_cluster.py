"""A Dask cluster on 127.0.0.1, started as the README's "Grading on several machines" starts one:
``dask scheduler`` and ``dask worker tcp://HOST:PORT --nworkers N --nthreads 1``, as processes of
their own. Used by tests/test_cluster.py and `make bench`."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler, then groups of workers added with ``workers``; ``stop`` ends them all.
    Each process's output goes to a log in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes = []
        self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"])
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                raise RuntimeError("the Dask scheduler did not start:\n" + self.log("scheduler"))
            time.sleep(0.2)

    def _start(self, name, argv, env=None):
        with open(self.folder / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder,
                                    start_new_session=True)
        self.processes.append(proc)
        return proc

    def log(self, name):
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def workers(self, n, name="workers", env=None):
        """Start ``n`` worker processes (one `dask worker` command, with its nanny) and wait until the
        scheduler has them all."""
        before = len(self.client().nthreads())
        self._start(name, [DASK, "worker", self.address, "--nworkers", str(n), "--nthreads", "1",
                           "--no-dashboard", "--local-directory", str(self.folder / name)], env)
        self.client().wait_for_workers(before + n, timeout=120)

    def client(self):
        from distributed import Client

        if not hasattr(self, "_client"):
            self._client = Client(self.address, timeout="30s")
        return self._client

    def stop(self):
        if hasattr(self, "_client"):
            self._client.close()
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
