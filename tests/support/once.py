"""A class graded once per test run, whichever test process asks first; the others wait for it and read it.

Under `make test` the test files run on several processes (pytest-xdist); a class that several files read
(conftest.py's ``untrusted`` and ``demo``) is built and graded by the first process that asks, under a lock."""
import fcntl
import json
from types import SimpleNamespace


def once(place, make):
    """(``place``/course, what ``make(place/course)`` returned, as JSON): made by the first process of this
    test run that asks, read by the others."""
    place.mkdir(parents=True, exist_ok=True)
    folder, result = place / "course", place / "made.json"
    with open(place / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            result.write_text(json.dumps(make(folder)))
    return folder, json.loads(result.read_text())


def finished(proc):
    """A finished process's returncode, stdout and stderr, as JSON for ``once``."""
    return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def process(record):
    """``finished``'s record read back: an object with the process's returncode, stdout and stderr."""
    return SimpleNamespace(returncode=record["returncode"], stdout=record["stdout"], stderr=record["stderr"])
