"""A grading zygote (autograder/grading/isolation/zygote.py) for tests that start kernels or student processes themselves."""
import contextlib
import os

from autograder.grading.isolation import zygote_control


@contextlib.contextmanager
def running(**options):
    """A zygote started with ``options`` (zygote_control.start_zygote), stopped afterwards, with the
    environment variables it set put back."""
    saved = {k: os.environ.get(k) for k in (zygote_control.SOCKET_VARIABLE, "JUPYTER_PATH")}
    proc = zygote_control.start_zygote(**options)
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
