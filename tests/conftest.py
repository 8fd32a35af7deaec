"""Shared by every test file.

The class builders, student-like code and helpers that tests import live in tests/support/, not
next to the test files: this puts that folder on sys.path, so a test says ``import demo_class``
whether pytest is run from the repository root or from tests/.
"""
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """`make test` runs the tests on several processes (pytest-xdist, --dist loadgroup). Each test file
    stays on one process, so that a class it grades once for all its tests is graded once; the files
    that use the PostgreSQL test database share one group (postgres.ONE_AT_A_TIME)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


@pytest.fixture(scope="session")
def untrusted(tmp_path_factory):
    """The hostile and the authority classes in one course, graded once in the sandbox
    (untrusted_class.py): (folder, the grading process, {file: contents before grading})."""
    import untrusted_class

    folder = untrusted_class.build(tmp_path_factory.mktemp("untrusted") / "course")
    before = untrusted_class.canaries(folder)
    return folder, untrusted_class.grade(folder), before
