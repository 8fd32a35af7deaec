"""autograder/_steps.py: what checks.py and nn_checks.py share."""
import json

import pytest

from autograder import _steps, checks, nn_checks
from autograder.compare import CheckFailed
from autograder.grading import folders
from autograder.problems import devices


def test_on_every_device_runs_the_check_on_each_device_and_dtype():
    calls = []
    _steps.on_every_device(lambda fn, **kw: calls.append((fn, kw)), "f", seed=3)
    assert calls == [("f", {"device": d, "dtype": t, "seed": 3}) for d in devices() for t in ("float64", "float32")]


def test_on_every_device_without_dtypes_leaves_the_check_its_own():
    calls = []
    _steps.on_every_device(lambda fn, **kw: calls.append(kw), "f", dtypes=[None])
    assert calls == [{"device": d} for d in devices()]


def test_on_every_device_stops_at_the_first_failure_and_names_it():
    def forward(x, w1, w2):
        h = x @ w1
        return h, h, h @ w2  # ReLU left out

    with pytest.raises(CheckFailed, match="float64"):
        checks.on_every_device(checks.forward, forward, backend="torch", seed=5, shape=(4, 5, 6, 3))


def _hidden_tests():
    for assignment, path in folders.source_notebooks().items():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
                yield assignment, cell["metadata"]["nbgrader"]["grade_id"], "".join(cell["source"])


def test_no_hidden_test_writes_its_own_device_loop():
    """The loop is on_every_device's: a hand-written one leaves ``device`` and ``dtype`` in the student's namespace."""
    loops = [(a, g) for a, g, source in _hidden_tests() if "for device" in source or "for dtype" in source]
    assert not loops, loops
    assert any("on_every_device" in source for _, _, source in _hidden_tests())


def test_both_check_modules_offer_the_helper():
    assert checks.on_every_device is nn_checks.on_every_device is _steps.on_every_device
