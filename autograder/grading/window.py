"""Jobs sent to workers with a bounded number out at once: the local pool's and the Dask cluster's
(batch.py, cluster.py), each with its own way to submit a job and to wait."""
from .worker import Outcome


def windowed(todo, submit, first_done, files_of, window):
    """(Outcome, files) of each job of ``todo``, as they finish, with at most ``window`` jobs sent and
    not finished (``window`` a number, or a function that says it now). A job whose worker failed
    comes back as an Outcome with ``retry`` and the reason."""
    pending = {}
    queue = iter(todo)

    def top_up():
        limit = window() if callable(window) else window
        while len(pending) < limit:
            job = next(queue, None)
            if job is None:
                return
            files = files_of(job)
            pending[submit(job, files)] = (job, files)

    top_up()
    while pending:
        for future in first_done(list(pending)):
            job, files = pending.pop(future)
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 (the worker's failure, not the submission's)
                outcome = Outcome(job, False, _failed_worker(error), retry=True)
            yield outcome, files
        top_up()


def _failed_worker(error):
    if type(error).__name__ == "KilledWorker":
        return "the grading workers that ran it were lost several times (see the workers' logs)"
    return f"the grading worker failed: {type(error).__name__}: {error}"
