"""Every untrusted submission the tests grade in the sandbox, in one course graded once: the hostile
class (hostile_class.py: submissions that kill, flood, loop, reach out, or are broken files) and the
authority class (authority_class.py: submissions that try to be believed). test_hostile.py and
test_authority.py both read it (conftest.py's ``untrusted`` fixture)."""
import subprocess
import sys
from pathlib import Path

import once

from corpus import authority_class
from corpus import demo_class
from corpus import hostile_class
from autograder.grading import folders

def build(folder):
    """The authority class (the reference on each notebook it uses, the hostile class's limits), then the
    hostile class's submissions of 01_numpy."""
    folder = authority_class.build(folder)
    for student in hostile_class.CASES:
        hostile_class.submit(folder, student)
    return folder


def canaries(folder):
    """{path: contents} of files no submission may change: the source, the configuration, a submission."""
    a = hostile_class.ASSIGNMENT
    name = folders.source_notebooks(folder)[a].name
    paths = [folder / "source" / a / name, folder / "nbgrader_config.py", folder / "submitted" / demo_class.REFERENCE / a / name]
    return {path: path.read_bytes() for path in paths}


def grade(folder):
    """`python -m autograder grade` on the class, as an instructor runs it: the finished process."""
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "2"],
                          capture_output=True, text=True)


def graded_once(place):
    """(course folder, the grading process's returncode/stdout/stderr, canaries) of the class graded in
    ``place``, once per test run (once.py)."""
    def make(folder):
        build(folder)
        before = canaries(folder)
        proc = grade(folder)
        return {**once.finished(proc), "canaries": {str(p): data.hex() for p, data in before.items()}}

    folder, done = once.once(place, make)
    return folder, once.process(done), {Path(p): bytes.fromhex(data) for p, data in done["canaries"].items()}
