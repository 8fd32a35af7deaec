"""Grading on a Dask cluster: the local pool's jobs, on grading machines anywhere.

``make grade SCHEDULER=tcp://HOST:8786`` (or Dask's own DASK_SCHEDULER_ADDRESS) sends each job
to the workers of a Dask scheduler instead of a pool of processes here. Each Dask worker process is
one grading worker, set up by a worker plugin with the same code the local pool runs (worker.py):
its workspace, made from the course's kit; its warm kernel process, in the sandbox; nbgrader. The
workers need the course's environment (``make setup``) and bubblewrap, but nothing of this
machine's files: a job carries the submitted files, and its results come back here to be written.
Grades go straight from the workers to the gradebook, so it must be one they can reach (PostgreSQL).

A worker that cannot grade (no sandbox there, or a set-up that failed) takes no jobs: only a set-up
worker offers the resource the jobs ask for, and the reason is printed. When a worker is lost in
the middle of a job (killed, out of memory, its machine gone), the scheduler runs the job again on
another; the gradebook keeps one grade per cell whichever run writes last, so nothing is doubled.
"""
import contextlib
import os
import sys
import uuid

from distributed import Client, WorkerPlugin, get_worker
from distributed import wait as dask_wait
from distributed.comm.addressing import get_address_host
from tqdm import tqdm

from .. import messages
from . import gradebook
from .window import windowed
from .worker import grade as grade_job
from .worker import start as start_worker
from .worker import stop as stop_worker

# The resource each set-up grading worker offers, one per worker; the plugin's name on the cluster.
RESOURCE = "autograder-grading"
PLUGIN = "autograder-grading"
# The topic of the scheduler's event log where each job's start is noted, with its worker.
EVENTS = "autograder-jobs"

SQLITE = ("a Dask cluster's workers write grades to the gradebook themselves, and they cannot reach this "
          "course's SQLite file: set NBGRADER_DB_URL to a PostgreSQL gradebook "
          "(postgresql://USER:PASSWORD@HOST/DATABASE) for this command and the grading machines can reach")


def refuse_sqlite(course):
    """Stop, with the reason, when ``course``'s gradebook is an SQLite file."""
    if gradebook.db_url(course).startswith("sqlite"):
        raise SystemExit(f"cannot grade on a cluster: {SQLITE}")


class GradingPlugin(WorkerPlugin):
    """Makes each Dask worker a grading worker (worker.start), on every worker there is now and every
    one that joins or is restarted later; offers the resource the jobs ask for when that succeeded."""

    def __init__(self, course_kit, db_url, warm, sandboxed, execute, environment):
        self.setup_options = dict(course_kit=course_kit, db_url=db_url, warm=warm, sandboxed=sandboxed, execute=execute)
        self.environment = environment
        self.refusal = None

    async def setup(self, worker):  # runs in the worker's main thread, which the kernel process is tied to
        os.environ.update(self.environment)
        try:
            threads = await _threads_per_worker(worker)
            self.refusal = start_worker(scratch=worker.local_directory, threads=threads,
                                        log=os.path.join(worker.local_directory, "kernels.log"), **self.setup_options)
        except Exception as error:  # noqa: BLE001 (reported by the command that asked, not only in the worker's log)
            self.refusal = f"its set-up failed: {type(error).__name__}: {error}"
        if self.refusal is None:
            await worker.set_resources(**{RESOURCE: 1})

    async def teardown(self, worker):
        await worker.set_resources(**{RESOURCE: 0})
        stop_worker()


async def _threads_per_worker(dask_worker):
    """The math libraries' threads for this worker's kernels: its share of its machine's cores, as
    the local pool gives (the Dask workers on one machine share its cores)."""
    info = await dask_worker.scheduler.identity()
    host = get_address_host(dask_worker.address)
    here = sum(w["nthreads"] for w in info["workers"].values() if w["host"] == host) or dask_worker.state.nthreads
    return max(1, (os.cpu_count() or 1) // here)


def _readiness(dask_worker):
    """Why this worker cannot grade, or None (run on each worker by Client.run)."""
    plugin = dask_worker.plugins.get(PLUGIN)
    return "its grading set-up is missing" if plugin is None else plugin.refusal


def _run(job, files, run):
    """The job, on a Dask worker: noted in the scheduler's event log, then worker.grade."""
    here = get_worker()
    here.log_event(EVENTS, {"run": run, "job": f"{job.student}/{job.assignment}", "worker": here.address})
    return grade_job(job, files)


def grade(address, todo, files_of, course_kit, db_url, warm=True, sandboxed=True, execute=False):
    """(Outcome, files) of each job of ``todo``, as they finish, from the cluster at ``address``
    (the scheduler's). ``files_of(job)``: its submitted files, read when it is sent."""
    with Client(address, timeout="30s") as client:
        environment = {messages.VARIABLE: messages.language()}
        client.register_plugin(GradingPlugin(course_kit, db_url, warm, sandboxed, execute, environment), name=PLUGIN)
        try:
            refusals = {who: why for who, why in client.run(_readiness).items() if why}
            for who, why in sorted(refusals.items()):
                tqdm.write(f"✗ worker {who} does not grade: {why}", file=sys.stderr)  # above the progress bar
            if len(refusals) == len(client.nthreads()):
                raise SystemExit(f"no worker of the cluster at {address} can grade"
                                 + (f": {next(iter(refusals.values()))}" if refusals else " (it has no workers)"))
            run = uuid.uuid4().hex
            sent = [0]

            def submit(job, files):
                sent[0] += 1
                return client.submit(_run, job, files, run, key=f"grade-{job.student}-{job.assignment}-{run[:8]}",
                                     resources={RESOURCE: 1}, pure=False)

            def window():  # two jobs per grading worker: one running, one waiting, wherever the workers are
                return 2 * max(1, sum(1 for w in client.scheduler_info(n_workers=-1)["workers"].values()
                                      if w.get("resources", {}).get(RESOURCE)))

            yield from windowed(todo, submit, lambda pending: dask_wait(pending, return_when="FIRST_COMPLETED").done,
                                files_of, window)
            started = [event for _, event in client.get_events(EVENTS) if event.get("run") == run]
            again = len(started) - sent[0]
            if again > 0:
                tqdm.write(f"{sent[0]} jobs sent, {len(started)} started: {again} started again on another worker "
                           "after the worker running it was lost", file=sys.stderr)
        finally:
            with contextlib.suppress(Exception):  # the workers' kernel processes end; the cluster stays
                client.unregister_worker_plugin(PLUGIN)
