"""The course's set-up: pinned environment, nbgrader settings, CI, JupyterLab extensions."""
import ast
import importlib.metadata
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
    assert lines[-1] == "-e .[grading]"
    for line in lines[:-1]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.]*", line), f"not an exact pin: {line}"
    names = {l.split("==")[0].lower() for l in lines[:-1]}
    assert {"jupyterlab", "notebook", "nbgrader", "numpy", "torch", "matplotlib", "tqdm", "pytest"} <= names
    assert "torch==2.13.0" in lines


def _third_party_imports(files):
    """Top-level names of the modules ``files`` import, standard library and the course's own left out."""
    found = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"autograder"}


def _distributions(modules):
    """{distribution name, lower case} that provide ``modules`` in this environment."""
    provided = importlib.metadata.packages_distributions()
    return {name.lower() for module in modules for name in provided[module]}


def test_each_side_of_the_package_declares_what_it_imports():
    """The students' wheel brings what the checking library imports and nothing of the grading side's;
    the [grading] extra brings the rest. Both lists are pinned in requirements.txt."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    students = {d.lower() for d in project["dependencies"]}
    grading = {d.lower() for d in project["optional-dependencies"]["grading"]}
    library = sorted((ROOT / "autograder").glob("*.py"))
    grading_side = sorted((ROOT / "autograder" / "grading").rglob("*.py"))
    assert _distributions(_third_party_imports(library)) == students
    assert _distributions(_third_party_imports(grading_side)) <= students | grading
    assert not students & grading
    pins = {l.split("==")[0].lower().replace("_", "-") for l in (ROOT / "requirements.txt").read_text().splitlines() if "==" in l}
    assert {d.replace("_", "-") for d in students | grading} <= pins, (students | grading) - pins


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


# ---- set-up on a fresh machine (tools/setup-venv.sh, tools/system-packages.sh) ----------------

SETUP = ROOT / "tools" / "setup-venv.sh"


def _setup(*args, **env):
    return subprocess.run([str(SETUP), *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, **env), timeout=300)


@pytest.mark.parametrize("torch_build,index", [("cpu", True), ("cuda", False)])
def test_the_pip_command_takes_torch_from_the_index_of_the_build_asked_for(torch_build, index):
    proc = _setup("--print-pip", ".venv", TORCH=torch_build)
    assert proc.returncode == 0, proc.stderr
    assert "-r requirements.txt" in proc.stdout
    assert ("--extra-index-url https://download.pytorch.org/whl/cpu" in proc.stdout) is index


def test_torch_auto_is_the_cuda_build_only_where_there_is_an_nvidia_gpu():
    gpu = subprocess.run("nvidia-smi -L || test -e /dev/nvidia0", shell=True, capture_output=True).returncode == 0
    proc = _setup("--print-pip", ".venv", TORCH="auto")
    assert ("whl/cpu" in proc.stdout) is not gpu


def test_an_unknown_torch_build_is_refused_in_one_line():
    proc = _setup("--print-pip", ".venv", TORCH="rocm")
    assert proc.returncode != 0 and proc.stderr.strip() == "setup: TORCH must be cpu, cuda or auto, not 'rocm'"


def _fake_python(tmp_path, script):
    path = tmp_path / "python-fake"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


def test_a_python_older_than_3_10_gets_one_line_not_a_traceback(tmp_path):
    old = _fake_python(tmp_path, 'case "$*" in *print*) echo 3.8 ;; *) exit 1 ;; esac\n')
    proc = _setup(str(tmp_path / "venv"), PYTHON=old)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"setup: the course needs Python 3.10 or newer; {old} is 3.8. Install a newer one and name it: make setup PYTHON=python3.11"]
    assert not (tmp_path / "venv").exists()


def test_a_python_without_venv_names_the_package_to_install(tmp_path):
    (tmp_path / "hide" / "ensurepip").mkdir(parents=True)
    (tmp_path / "hide" / "ensurepip" / "__init__.py").write_text("raise ImportError('not shipped')\n")
    no_venv = _fake_python(tmp_path, f'PYTHONPATH={tmp_path / "hide"} exec {sys.base_prefix}/bin/python3 "$@"\n')
    proc = _setup(str(tmp_path / "venv"), PYTHON=no_venv)
    assert proc.returncode == 1
    assert "apt-get install python3-venv" in proc.stderr and "Traceback" not in proc.stderr


def test_a_failed_pip_install_says_so_and_the_next_make_tries_again(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for name in ("Makefile", "pyproject.toml", "tools"):
        (course / name).symlink_to(ROOT / name)
    (course / "requirements.txt").write_text("no-such-package-for-this-course==0.0.1\n")
    first = subprocess.run(["make", "setup", f"PYTHON={sys.base_prefix}/bin/python3", "TORCH=cuda"], cwd=course,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode != 0
    assert "no-such-package-for-this-course" in first.stderr  # pip's own error
    assert "setup: pip install failed (its error is above); nothing is marked done, so the next make tries again" in first.stderr
    assert not (course / ".venv" / ".ready").exists()
    again = subprocess.run(["make", "-n", "setup"], cwd=course, capture_output=True, text=True)
    assert "tools/setup-venv.sh" in again.stdout


def test_the_system_packages_script_reports_each_package_in_one_line_and_never_fails(tmp_path):
    """As a user who cannot install: one line per missing package, with what works without it and
    the command that adds it, and exit 0 (set-up goes on)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    for tool in ("bash", "id", "tail", "cat"):
        (empty / tool).symlink_to(subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip())
    proc = subprocess.run(["bash", str(ROOT / "tools" / "system-packages.sh")], capture_output=True, text=True,
                          env={"PATH": str(empty)})
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3, lines
    bwrap, chromium, postgres = lines
    assert bwrap.startswith("system: bubblewrap missing (") and "make demo and make test" in bwrap
    assert "--no-sandbox" in bwrap and "apt-get install -y bubblewrap" in bwrap
    assert "browser tests skip" in chromium and "apt-get install -y chromium fonts-wqy-microhei" in chromium
    assert "PostgreSQL gradebook test skips" in postgres and "apt-get install -y postgresql" in postgres


def test_setup_and_ci_install_system_packages_from_the_same_script():
    assert "tools/system-packages.sh" in (ROOT / "Makefile").read_text()
    assert "tools/system-packages.sh --optional" in (ROOT / ".ci" / "run").read_text()
    assert "apt-get install" not in (ROOT / ".ci" / "run").read_text()
