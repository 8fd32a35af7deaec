"""Shared by every test file.

The classes and student code the tests grade are the course's own corpus (corpus/, a package beside autograder/, not installed with it: it quotes the solutions). The
tests' own helpers (browser, PostgreSQL, Dask cluster, README blocks) live in tests/support/: this puts
that folder on sys.path, so a test says ``import postgres`` whether pytest is run from the repository
root or from tests/.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # for ``from corpus import ...`` (not installed: it quotes solutions)
SUPPORT = ROOT / "tests" / "support"
for folder in (ROOT, SUPPORT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def untrusted(tmp_path_factory):
    """The hostile and the authority classes in one course, graded once in the sandbox
    (untrusted_class.py): (folder, the grading process, {file: contents before grading}). Under `make
    test` the files that read it may run on two processes: the first grades it, the other waits for it."""
    import untrusted_class

    return untrusted_class.graded_once(_run_folder(tmp_path_factory) / "untrusted")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`make demo`'s class, built and graded once, exactly as `make demo` does (python -m corpus.demo): (folder,
    the demo's process). test_grading.py reads it, test_parity.py compares stock nbgrader's grades with its
    own; a test that changes it works on a copy."""
    import subprocess
    import sys

    import once
    from autograder.grading import folders

    def make(folder):
        return once.finished(subprocess.run([sys.executable, "-m", "corpus.demo", str(folder)], capture_output=True,
                                            text=True, cwd=folders.ROOT))

    folder, done = once.once(_run_folder(tmp_path_factory) / "demo", make)
    return folder, once.process(done)


def _run_folder(tmp_path_factory):
    """A folder of this test run that every process of it shares (pytest-xdist gives each its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


# Under `make test` each file runs whole on one process (pytest-xdist --dist loadfile), in the order
# collected (--no-loadscope-reorder; xdist would otherwise start with the files of most tests, and a
# file that grades a whole class, with few tests, would come last and leave the other processes idle).
# So the files that grade whole classes come first, longest first (as measured on 2 cores). test_parity
# reads the demo that test_grading grades (``demo``), and comes after it. Then test_browser, whose waits on
# JupyterLab are the least tolerant of a machine busy grading classes: beside it run the short files,
# which grade no whole class (last, it ran alone for a minute while the other process was idle). Last:
# test_authority, which reads the class that test_hostile grades (``untrusted``), so that it finds it
# graded instead of waiting for it.
LONGEST_FIRST = ("test_hostile.py", "test_grading.py", "test_cluster.py", "test_deployment.py", "test_mutations.py",
                 "test_parity.py", "test_exchange.py", "test_interrupted.py", "test_zygote.py", "test_pages.py",
                 "test_languages.py", "test_collect.py", "test_demo_elsewhere.py", "test_judge.py", "test_browser.py")
LAST = ("test_authority.py",)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        if name in LAST:
            return len(LONGEST_FIRST) + 1 + LAST.index(name)
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file's own tests, and the other files, keep their order
