"""README.md's "Running the course on JupyterHub", run for real.

Every ```bash block of that section is read from README.md and run with ``bash`` (``set -euo
pipefail``), the variables it sets at its top (EXCHANGE, CONFIG_DIR, WHEELS, NBGRADER_DB_URL)
pointed at temporary folders, so the README and this test cannot drift apart: a block that is
edited, added or left without a test fails here. What is tested, and how it differs from a hub:

- the exchange and global-config blocks, into temporary folders: the exchange's mode is the one
  stated; the config names the course and the exchange. The instructor then releases 01_numpy
  from a copy of this course with nothing on the command line (global config + the course's
  own), and a student, in a HOME of their own and with the Python environment the students'
  block built, sees it with ``nbgrader list``, fetches it and submits it. A temporary folder
  stands in for /etc/jupyter through JUPYTER_CONFIG_PATH (a test checks /etc/jupyter is on
  nbgrader's search path), and every process runs as the same Unix user here, so the exchange's
  permissions are checked by its mode, not by a second user.
- the wheel block, in a copy of this folder (its .venv a link to this one): the wheel holds
  ``autograder`` (checks, kernel spec) and nothing of notebooks, tests, solutions or hidden tests.
- the students' block: the README's pip command runs for real, offline (PIP_NO_INDEX, no pip
  config), in a fresh environment of the course's base interpreter. So as not to download torch
  again, that environment sees the course environment's pinned third-party packages through a
  .pth file (a view of its site-packages without this course's own package): pip must find every
  pin already satisfied there and install the wheel itself into the fresh environment, from which
  ``import autograder.checks`` then works outside the course folder.
- the grading block (slow; only as root with Debian's bubblewrap installed, so that its apt-get
  line runs and changes nothing): a copy of this folder with a generated class (the reference
  solution and the untouched stub, 01_numpy), its .venv a hard-linked copy of this one, up to date
  so ``make setup`` installs nothing (skipped, saying so, when this folder's .venv is older than
  requirements.txt: run ``make setup``); then ``make grade``. NBGRADER_DB_URL is
  the PostgreSQL test database when NBGRADER_TEST_POSTGRES_URL names one (postgres.URL), empty otherwise (SQLite).

JupyterHub itself, spawners, images and volumes are not run; the README describes them in words.
"""
import csv
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from corpus import demo_class
import readme_blocks
from autograder.grading import folders
from autograder.grading.isolation import sandbox
from readme_blocks import clean_env, copy_course, course_with_environment
import postgres
from postgres import empty as _empty

ROOT = folders.ROOT
SECTION = "## Running the course on JupyterHub"
COURSE_ID = "two-layer-net"
ASSIGNMENT = "01_numpy"
# The blocks, by the comment that opens each: every one is run by a test below.
EXCHANGE_BLOCK = "# the exchange:"
CONFIG_BLOCK = "# nbgrader's global config:"
WHEEL_BLOCK = "# the wheel:"
STUDENT_BLOCK = "# the students' environment:"
GRADING_BLOCK = "# the grading machine:"
ALL_BLOCKS = (EXCHANGE_BLOCK, CONFIG_BLOCK, WHEEL_BLOCK, STUDENT_BLOCK, GRADING_BLOCK)


# ---------------------------------------------------------------- the README section and its blocks

def section():
    return readme_blocks.section(SECTION)


def fences():
    return readme_blocks.fences(SECTION)


def block(opening):
    return readme_blocks.block(SECTION, opening)


def defaults(opening):
    return readme_blocks.defaults(SECTION, opening)


def run_block(opening, cwd, env, timeout=300, **values):
    return readme_blocks.run_block(SECTION, opening, cwd, env, timeout, **values)


def test_every_block_of_the_section_is_bash_and_run_here():
    langs = [lang for lang, _ in fences()]
    assert langs and all(lang == "bash" for lang in langs), f"fenced blocks of other kinds: {langs}"
    openings = [body.splitlines()[0] for _, body in fences()]
    assert len(openings) == len(ALL_BLOCKS), f"the section has blocks {openings}; the test runs {ALL_BLOCKS}"
    for opening in ALL_BLOCKS:
        block(opening)


def test_blocks_agree_on_the_exchange_and_the_wheel_folder():
    assert defaults(EXCHANGE_BLOCK)["EXCHANGE"] == defaults(CONFIG_BLOCK)["EXCHANGE"]
    assert defaults(WHEEL_BLOCK)["WHEELS"] == defaults(STUDENT_BLOCK)["WHEELS"]
    assert f'c.CourseDirectory.course_id = "{COURSE_ID}"' in block(CONFIG_BLOCK)


# ---------------------------------------------------------------- the wheel and the students' environment

@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("deployment")


@pytest.fixture(scope="module")
def course_copy(work):
    dest = copy_course(work / "course")
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


@pytest.fixture(scope="module")
def wheels(work, course_copy):
    out = work / "wheels"
    run_block(WHEEL_BLOCK, course_copy, clean_env(work / "home_instructor"), WHEELS=out)
    return out


def _wheel(wheels):
    found = list(wheels.glob("two_layer_net_course-*.whl"))
    assert len(found) == 1, f"wheels: {sorted(p.name for p in wheels.iterdir())}"
    return found[0]


def test_wheel_holds_the_checking_library(wheels):
    names = zipfile.ZipFile(_wheel(wheels)).namelist()
    for module in ("__init__", "checks", "nn_checks", "compare", "oracles", "problems", "plots", "guards", "rules"):
        assert f"autograder/{module}.py" in names, names
    assert "autograder/grading/isolation/kernels/python3-warm/kernel.json" in names


def test_wheel_requires_only_what_students_need(wheels):
    """Installed without extras, the wheel brings the notebooks' libraries; nbgrader and the rest of
    the grading side come only with [grading]."""
    archive = zipfile.ZipFile(_wheel(wheels))
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.\-]+)(.*)$", metadata, re.M)
    assert {name.lower() for name, marker in requires if "extra" not in marker} == {"numpy", "torch", "matplotlib", "ipython"}
    grading = {name.lower() for name, marker in requires if 'extra == "grading"' in marker}
    assert {"nbgrader", "tqdm", "jupyter_client"} <= grading


def _code_lines(text):
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def _marked_blocks(tag):
    """The code between ### BEGIN <tag> and ### END <tag> in every source notebook, as lists of lines."""
    blocks = []
    for path in folders.source_notebooks(ROOT).values():
        for cell in nbformat.read(path, as_version=4).cells:
            current = None
            for line in cell.source.splitlines():
                if line.strip() == f"### BEGIN {tag}":
                    current = []
                elif line.strip() == f"### END {tag}":
                    blocks.append((path.parent.name, current))
                    current = None
                elif current is not None:
                    current.extend(_code_lines(line))
    return [(a, b) for a, b in blocks if b]


def test_wheel_has_no_notebooks_tests_solutions_or_hidden_tests(wheels):
    archive = zipfile.ZipFile(_wheel(wheels))
    names = archive.namelist()
    assert all(n.startswith(("autograder/", "two_layer_net_course-")) for n in names), names
    assert not [n for n in names if n.endswith(".ipynb")]
    files = {n: _code_lines(archive.read(n).decode("utf-8", "replace")) for n in names}
    solutions, hidden = _marked_blocks("SOLUTION"), _marked_blocks("HIDDEN TESTS")
    assert len(solutions) >= 15 and len(hidden) >= 10, (len(solutions), len(hidden))
    for kind, blocks in (("solution", solutions), ("hidden test", hidden)):
        for assignment, lines in blocks:
            for name, code in files.items():
                k = len(lines)
                assert not any(code[i:i + k] == lines for i in range(len(code) - k + 1)), \
                    f"a {kind} of {assignment} is in the wheel's {name}: {lines}"


@pytest.fixture(scope="module")
def student_python(work, wheels):
    """The students' environment: a fresh venv, the README's pip command run in it."""
    venv = work / "student_venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    course_site = Path(subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c",
                                       "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                      capture_output=True, text=True, check=True).stdout.strip())
    view = work / "course_packages"
    view.mkdir()
    for entry in course_site.iterdir():
        if entry.name.startswith(("two_layer_net_course", "__editable__")) or entry.suffix == ".pth":
            continue
        (view / entry.name).symlink_to(entry)
    (site / "course-packages.pth").write_text(f"{view}\n")
    env = clean_env(work / "home_image", PATH=f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    proc = run_block(STUDENT_BLOCK, work, env, WHEELS=wheels)
    assert "Successfully installed two-layer-net-course" in proc.stdout, proc.stdout
    return venv / "bin" / "python3", site, env


def test_students_environment_imports_the_library_from_outside_the_course(work, student_python):
    python, site, env = student_python
    elsewhere = work / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    proc = subprocess.run([str(python), "-c",
                           "import autograder, autograder.checks, autograder.nn_checks, autograder.plots, torch, nbgrader\n"
                           "print(autograder.__file__); print(torch.__version__); print(nbgrader.__version__)"],
                          cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    where, torch_version, nbgrader_version = proc.stdout.split()
    assert Path(where).is_relative_to(site), f"autograder imported from {where}, not from the students' environment"
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    assert torch_version.split("+")[0] == pins["torch"] and nbgrader_version == pins["nbgrader"]


def test_readme_config_dir_is_on_nbgraders_search_path(student_python):
    python, _, env = student_python
    proc = subprocess.run([str(python), "-c", "from jupyter_core.paths import jupyter_config_path as p; print('\\n'.join(p()))"],
                          env=env, capture_output=True, text=True, check=True)
    assert defaults(CONFIG_BLOCK)["CONFIG_DIR"] in proc.stdout.split()


# ---------------------------------------------------------------- the exchange, as a student sees it

@pytest.fixture(scope="module")
def exchange(work):
    root, etc = work / "srv" / "exchange", work / "etc_jupyter"
    env = clean_env(work / "home_root")
    run_block(EXCHANGE_BLOCK, work, env, EXCHANGE=root)
    run_block(CONFIG_BLOCK, work, env, EXCHANGE=root, CONFIG_DIR=etc)
    return root, etc


def test_exchange_is_writable_by_everyone_and_sticky(exchange):
    root, _ = exchange
    assert root.is_dir()
    assert stat.S_IMODE(root.stat().st_mode) == 0o1777


def test_global_config_names_the_course_and_the_exchange(exchange):
    from traitlets.config.loader import PyFileConfigLoader

    root, etc = exchange
    config = PyFileConfigLoader("nbgrader_config.py", path=str(etc)).load_config()
    assert config.CourseDirectory.course_id == COURSE_ID
    assert config.Exchange.root == str(root)


def test_student_lists_fetches_and_submits_a_released_assignment(work, exchange, course_copy, student_python):
    root, etc = exchange
    python, _, student_env = student_python
    notebook = folders.source_notebooks(ROOT)[ASSIGNMENT].name

    instructor = clean_env(work / "home_instructor", JUPYTER_CONFIG_PATH=etc,
                           PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    release = subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", ASSIGNMENT],
                             cwd=course_copy, env=instructor, capture_output=True, text=True)
    assert release.returncode == 0, release.stdout + release.stderr
    assert (root / COURSE_ID / "outbound" / ASSIGNMENT / notebook).is_file()

    home = work / "home_student"
    student = dict(student_env, HOME=str(home), JUPYTER_CONFIG_PATH=str(etc))
    home.mkdir()

    def nbgrader(*args):
        proc = subprocess.run([str(python), "-m", "nbgrader", *args], cwd=home, env=student, capture_output=True, text=True)
        assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout + proc.stderr

    listed = nbgrader("list")
    assert f"{COURSE_ID} {ASSIGNMENT}" in listed, listed
    nbgrader("fetch_assignment", ASSIGNMENT)
    fetched = home / ASSIGNMENT / notebook
    assert fetched.read_bytes() == (course_copy / "release" / ASSIGNMENT / notebook).read_bytes()
    nbgrader("submit", ASSIGNMENT)
    me = pwd.getpwuid(os.getuid()).pw_name
    inbound = [p.name for p in (root / COURSE_ID / "inbound").iterdir()]
    assert len(inbound) == 1 and inbound[0].startswith(f"{me}+{ASSIGNMENT}+"), inbound


# ---------------------------------------------------------------- the grading machine

def _bubblewrap_installed():
    return subprocess.run(["dpkg-query", "-W", "-f=${Status}", "bubblewrap"], capture_output=True,
                          text=True).stdout.strip() == "install ok installed" if shutil.which("dpkg-query") else False


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("apt-get") or not _bubblewrap_installed(),
                    reason="the grading block's apt-get runs only as root where Debian's bubblewrap is installed "
                           "already (.ci/run installs it), so that the test changes nothing on the machine")
@pytest.mark.skipif(sandbox.unavailable() is not None, reason=f"the grading block grades in the sandbox: {sandbox.unavailable()}")
def test_grading_machine_block_grades_a_class(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_DB_URL", raising=False)  # the class is built into the copy's SQLite gradebook
    with course_with_environment(tmp_path / "course") as folder:
        env = clean_env(tmp_path / "home_grader", JOBS=1)
        if not readme_blocks.up_to_date(folder, env):
            pytest.skip("the course's .venv is older than requirements.txt or pyproject.toml: run make setup first")
        demo_class.build(folder, students=2, assignments=[ASSIGNMENT])  # the reference solution and the stub
        apt = tmp_path / "apt.conf"
        apt.write_text('DPkg::Lock::Timeout "120";\n')  # wait for another apt-get instead of failing
        env["APT_CONFIG"] = str(apt)

        url = postgres.URL or ""
        if url:
            _empty(url)
            (folder / "gradebook.db").unlink()
        proc = run_block(GRADING_BLOCK, folder, env, timeout=600, NBGRADER_DB_URL=url)
        assert shutil.which("bwrap"), "bubblewrap's bwrap is not on PATH after the block"
        with open(folder / "grades.csv", newline="") as f:
            rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENT}
        assert set(rows) == {demo_class.REFERENCE, demo_class.STUB}, (rows, proc.stdout, proc.stderr)
        assert float(rows[demo_class.REFERENCE]["score"]) == float(rows[demo_class.REFERENCE]["max_score"]) > 0
        assert float(rows[demo_class.STUB]["score"]) == 0
        assert list((folder / "feedback" / demo_class.REFERENCE / ASSIGNMENT).glob("*.html"))
        if url:
            assert not (folder / "gradebook.db").exists(), "graded into SQLite although NBGRADER_DB_URL names PostgreSQL"
