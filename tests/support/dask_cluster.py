"""A Dask cluster on 127.0.0.1, started by the README's own blocks ("Grading on several machines"):
the scheduler's, then the grading machine's for each group of workers, each a process group of its
own, with its output in a log. Used by tests/test_cluster.py and `make bench`."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import readme_blocks

SECTION = "## Grading on several machines"
SCHEDULER_BLOCK = "# the scheduler:"
WORKERS_BLOCK = "# each grading machine:"
GRADE_BLOCK = "# the instructor's machine:"
BLOCKS = (SCHEDULER_BLOCK, WORKERS_BLOCK, GRADE_BLOCK)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(**extra):
    """This environment without a gradebook or a scheduler of its own, and with ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_DB_URL", "DASK_SCHEDULER_ADDRESS")}
    return dict(env, **{k: str(v) for k, v in extra.items()})


class Cluster:
    """The scheduler, then groups of workers added with ``workers``; ``stop`` ends them all. Logs and the
    workers' local folders (Dask's temporary-directory) are in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes = []
        self._start("scheduler", SCHEDULER_BLOCK, environment(), PORT=self.port)
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                raise RuntimeError("the Dask scheduler did not start:\n" + self.log("scheduler"))
            time.sleep(0.2)

    def _start(self, name, opening, env, **values):
        env = dict(env, DASK_TEMPORARY_DIRECTORY=str(self.folder / name))
        proc = readme_blocks.start_block(SECTION, opening, readme_blocks.ROOT, env, self.folder / f"{name}.log", **values)
        self.processes.append(proc)
        return proc

    def log(self, name):
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def workers(self, n, name="workers", env=None):
        """Start ``n`` worker processes (the README's grading machine block: one `dask worker` with its
        nanny) and wait until the scheduler has them all."""
        before = len(self.client().nthreads())
        self._start(name, WORKERS_BLOCK, env or environment(), SCHEDULER=self.address, WORKERS=n)
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
