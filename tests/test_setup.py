"""The course's set-up: pinned environment, nbgrader settings, CI, JupyterLab extensions."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _config(env=None):
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_requirements_pin_exact_versions_and_end_with_the_package():
    lines = [l.strip() for l in (ROOT / "requirements.txt").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines[-1] == "-e ."
    for line in lines[:-1]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.]*", line), f"not an exact pin: {line}"
    names = {l.split("==")[0].lower() for l in lines[:-1]}
    assert {"jupyterlab", "notebook", "nbgrader", "numpy", "torch", "matplotlib", "tqdm", "pytest"} <= names
    assert "torch==2.13.0" in lines


def test_nbgrader_config_defaults_to_sqlite_beside_it():
    c = _config()
    assert c.CourseDirectory.root == str(ROOT)
    assert c.CourseDirectory.db_url == f"sqlite:///{ROOT / 'gradebook.db'}?timeout=60"
    assert c.CourseDirectory.course_id


def test_database_url_from_environment_moves_the_gradebook():
    url = "postgresql://grader@localhost/two_layer_net"
    assert _config({"NBGRADER_DB_URL": url}).CourseDirectory.db_url == url


def test_nbgrader_config_grading_choices():
    c = _config()
    assert c.Execute.interrupt_on_timeout and c.Execute.timeout > 0
    assert c.Execute.kernel_name == "python3"
    assert "NotImplementedError" in c.ClearSolutions.code_stub["python"]
    assert c.OverwriteCells.add_missing_cells is True
    assert c.IgnorePattern.enabled and re.search(c.IgnorePattern.pattern, "/torch/nn/modules/loss.py:1: UserWarning: x")
    assert not re.search(c.IgnorePattern.pattern, "Traceback (most recent call last)")


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_nbgrader_extensions_are_enabled_for_make_lab():
    lab = subprocess.run([BIN / "jupyter", "labextension", "list"], capture_output=True, text=True)
    server = subprocess.run([BIN / "jupyter", "server", "extension", "list"], capture_output=True, text=True)
    lab_out, server_out = lab.stdout + lab.stderr, server.stdout + server.stderr
    assert re.search(r"@jupyter/nbgrader.*enabled", lab_out), lab_out
    assert re.search(r"nbgrader.*enabled", server_out), server_out
