"""A grading zygote (autograder/grading/isolation/warm_kernel.py) for tests that start kernels or probes themselves."""
import contextlib
import os

from autograder.grading.isolation import warm_kernel


@contextlib.contextmanager
def running(**options):
    """A zygote started with ``options`` (warm_kernel.start_zygote), stopped afterwards, with the
    environment variables it set put back."""
    saved = {k: os.environ.get(k) for k in (warm_kernel.SOCKET_VARIABLE, "JUPYTER_PATH")}
    proc = warm_kernel.start_zygote(**options)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
