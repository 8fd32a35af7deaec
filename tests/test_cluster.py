"""Grading on a Dask cluster (`make grade SCHEDULER=…`) into a PostgreSQL gradebook (NBGRADER_DB_URL):
a scheduler and two worker processes on 127.0.0.1, started by the README's blocks ("Grading on several
machines", tests/support/dask_cluster.py); the instructor's block runs `make grade` in a copy of this
folder. (The local pool into PostgreSQL is the README's grading-machine block, in test_deployment.py.)

The cluster gives the grades, feedback pages and graded notebooks the local pool gives into SQLite,
even with a worker killed in the middle of a job, and no grade twice; a stopped run is finished by the next; a worker without
bubblewrap takes no job and says why. These need the PostgreSQL database named in
NBGRADER_TEST_POSTGRES_URL (tests/support/postgres.py) and skip without it; the refusal of an SQLite
gradebook needs nothing."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.utils import is_grade

import dask_cluster
from corpus import demo_class
import postgres
import readme_blocks
from dask_cluster import environment as _environment
from autograder.grading import cluster as grading_cluster
from autograder.grading import folders, gradebook
from autograder.grading.isolation import sandbox

URL = postgres.URL
needs_postgres = pytest.mark.skipif(not URL, reason="no PostgreSQL server named in NBGRADER_TEST_POSTGRES_URL")
ASSIGNMENTS = ["01_numpy", "03_nn"]
SLOW = "slow_reference"  # the reference solution with a cell that sleeps: a job surely running when its worker is killed
SLEEP = 3


def _grade(folder, *args, env=None, trusted=True, popen=False):
    """`python -m autograder grade` on ``folder``; the course's own notebooks are trusted, graded without the
    sandbox where there is none (``trusted``), else in it. ``popen``: started, not waited for."""
    argv = [sys.executable, "-m", "autograder", "grade", "--course", str(folder),
            *(demo_class.trusted_grading() if trusted else []), *args]
    if popen:
        # As started from a terminal: Ctrl-C not ignored (a test run in the background inherits SIGINT ignored).
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return subprocess.run(argv, capture_output=True, text=True, env=env)


def _empty_gradebook():
    postgres.empty(URL)


def _gradebook_rows():
    """(submitted notebooks, grades, (notebook, cell) pairs graded more than once) in the PostgreSQL gradebook."""
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.connect() as db:
        notebooks = db.execute(text("select count(*) from submitted_notebook")).scalar()
        grades = db.execute(text("select count(*) from grade")).scalar()
        twice = db.execute(text("select count(*) from (select notebook_id, cell_id from grade "
                                "group by notebook_id, cell_id having count(*) > 1) as doubled")).scalar()
    engine.dispose()
    return notebooks, grades, twice


def _expected_rows(folder):
    """(submitted notebooks, grades) a fully graded ``folder`` has: one per job, one per graded cell of each."""
    jobs = [(s.name, a) for a in ASSIGNMENTS for s in folders.folder(folder, "submitted").iterdir()
            if folders.folder(folder, "submitted", s.name, a).is_dir()]
    cells = {a: sum(1 for c in nbformat.read(p, as_version=4).cells if is_grade(c))
             for a, p in folders.source_notebooks(folder).items()}
    return len(jobs), sum(cells[a] for _, a in jobs)


@pytest.fixture(scope="module")
def graded_here(tmp_path_factory):
    """The class, with one slow student, graded by the local pool into SQLite: the grades to match."""
    folder = demo_class.build(tmp_path_factory.mktemp("class") / "local", students=3, assignments=ASSIGNMENTS)
    source = folders.source_notebooks(folder)["01_numpy"]
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import time\ntime.sleep({SLEEP})  # a slow student"))
    demo_class.submit(folder, SLOW, "01_numpy", nb, source.name)
    proc = _grade(folder, "--jobs", "2", env=_environment())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder, {a: gradebook.scores(folder, a) for a in ASSIGNMENTS}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = dask_cluster.Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.workers(2)
        yield running
    finally:
        running.stop()


def _copy_for_postgres(graded_here, tmp_path, empty=True):
    """The class, ungraded, for grading into the PostgreSQL gradebook (emptied first when ``empty``)."""
    local, _ = graded_here
    folder = tmp_path / "course"
    shutil.copytree(local, folder, ignore=shutil.ignore_patterns("gradebook.db", "autograded", "feedback",
                                                                 "grades.csv", "reports"))
    if empty:
        _empty_gradebook()
    return folder


def _job_files(folder):
    """Each job's files in autograded/ and feedback/ (the ledgers at their top are not a job's)."""
    return sorted(str(p.relative_to(folder)) for step in ("autograded", "feedback") for p in (folder / step).glob("*/*/*"))


def _scores(folder):
    return {a: gradebook.scores(folder, a, URL) for a in ASSIGNMENTS}


def test_every_block_of_the_readme_section_is_run_here():
    openings = [body.splitlines()[0] for _, body in readme_blocks.fences(dask_cluster.SECTION)]
    assert len(openings) == len(dask_cluster.BLOCKS), openings
    for opening in dask_cluster.BLOCKS:
        readme_blocks.block(dask_cluster.SECTION, opening)


def test_a_cluster_refuses_an_sqlite_gradebook_with_the_reason(tmp_path):
    folder = folders.new_course(tmp_path / "course")
    # Dask's own variable names the scheduler; nothing listens there, and nothing is asked of it.
    proc = _grade(folder, env=_environment(DASK_SCHEDULER_ADDRESS="tcp://127.0.0.1:9"))
    assert proc.returncode != 0
    assert f"cannot grade on a cluster: {grading_cluster.SQLITE}" in proc.stderr
    assert "NBGRADER_DB_URL" in proc.stderr and "Traceback" not in proc.stderr
    assert not (folder / "autograded").exists()


@needs_postgres
def test_the_cluster_grades_as_the_local_pool_even_with_a_worker_killed_in_a_job(graded_here, cluster, tmp_path):
    with readme_blocks.course_with_environment(tmp_path / "course") as folder:
        _test_the_instructors_block(graded_here, cluster, folder, tmp_path)


def _test_the_instructors_block(graded_here, cluster, folder, tmp_path):
    local = graded_here[0]
    for extra in set(folders.assignments(folder)) - set(ASSIGNMENTS):  # as in the class graded here
        shutil.rmtree(folders.folder(folder, "source", ".", extra))
    shutil.copytree(folders.folder(local, "submitted"), folders.folder(folder, "submitted"))
    _empty_gradebook()
    env = readme_blocks.clean_env(tmp_path / "home_instructor")
    if not readme_blocks.up_to_date(folder, env):
        pytest.skip("the course's .venv is older than requirements.txt or pyproject.toml: run make setup first")
    client = cluster.client()
    seen = len(client.get_events(grading_cluster.EVENTS))
    if sandbox.unavailable():  # make grade refuses untrusted notebooks where there is no sandbox: the same, trusted
        proc = _grade(folder, "--scheduler", cluster.address, env=_environment(NBGRADER_DB_URL=URL), popen=True)
    else:
        proc = readme_blocks.start_block(dask_cluster.SECTION, dask_cluster.GRADE_BLOCK, folder, env,
                                         tmp_path / "grade.log", NBGRADER_DB_URL=URL, SCHEDULER=cluster.address)
    deadline = time.monotonic() + 300
    victim = None
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        for _, event in client.get_events(grading_cluster.EVENTS)[seen:]:
            if event["job"] == f"{SLOW}/01_numpy":
                victim = event["worker"]
        time.sleep(0.1)
    assert victim, "the slow job never started"
    time.sleep(1)  # well inside its sleep: the job is running
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)  # the worker process, as the kernel's out-of-memory killer would
    out, _ = proc.communicate(timeout=300)
    out = out or (tmp_path / "grade.log").read_text()
    assert proc.returncode == 0, out
    jobs, grades = _expected_rows(folder)
    # The killed job started again (under a loaded machine another may have been too); the rows below show
    # that none was graded twice.
    again = re.search(rf"{jobs} jobs sent, (\d+) started: (\d+) started again on another worker", out)
    assert again and int(again[1]) == jobs + int(again[2]) and int(again[2]) >= 1, out[-3000:]
    # One grade per graded cell of every notebook, none twice; the local pool's scores.
    assert _gradebook_rows() == (jobs, grades, 0)
    assert _scores(folder) == graded_here[1]
    assert not (folder / "gradebook.db").exists()
    # The graded notebooks and feedback pages, written here by the grading command from what the workers
    # sent: the local pool's, byte for byte (the notebooks but for their execution times).
    assert _job_files(folder) == _job_files(local)
    for name in _job_files(local):
        if name.endswith(".ipynb"):
            assert _untimed(folder / name) == _untimed(local / name), name
        else:
            assert (folder / name).read_bytes() == (local / name).read_bytes(), name
    # The workers keep nothing of the class once the run is over; the killed one was started again.
    assert list((cluster.folder / "workers").rglob("*.ipynb")) == []
    restarted = client.run(os.getpid)
    assert pid not in restarted.values() and len(restarted) == 2
    rerun = _grade(folder, "--scheduler", cluster.address, env=_environment(NBGRADER_DB_URL=URL))
    assert "graded 0 submission(s) (nothing new or changed" in rerun.stdout, rerun.stdout + rerun.stderr


def _untimed(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


@needs_postgres
def test_a_run_stopped_halfway_is_finished_by_the_next(graded_here, cluster, tmp_path):
    # The gradebook as the test before left it (this class, graded): the course folder is new, so every
    # job is graded again, and what the stopped run and the next one write must still be one grade per cell.
    folder = _copy_for_postgres(graded_here, tmp_path, empty=False)
    ledger = folders.folder(folder, "autograded") / ".digests.json"
    proc = _grade(folder, "--scheduler", cluster.address, env=_environment(NBGRADER_DB_URL=URL), popen=True)
    deadline = time.monotonic() + 300
    while not (ledger.exists() and ledger.read_text().count("/") >= 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "grading ended before it could be stopped"
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
    proc.communicate(timeout=120)
    done = ledger.read_text().count("/")
    jobs, grades = _expected_rows(folder)
    assert 2 <= done < jobs
    rerun = _grade(folder, "--scheduler", cluster.address, env=_environment(NBGRADER_DB_URL=URL))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"graded {jobs - done} submission(s)" in rerun.stdout
    assert _gradebook_rows() == (jobs, grades, 0)
    assert _scores(folder) == graded_here[1]


@needs_postgres
def test_a_worker_without_bubblewrap_takes_no_job_and_says_why(graded_here, tmp_path):
    folder = _copy_for_postgres(graded_here, tmp_path)
    for student in (folder / "submitted").iterdir():
        if student.name != demo_class.REFERENCE:
            shutil.rmtree(student)
    no_bwrap = _environment(**{sandbox.BWRAP_VARIABLE: str(tmp_path / "no-bwrap-here")})
    alone = dask_cluster.Cluster(tmp_path / "alone")
    try:
        alone.workers(1, name="no-bubblewrap", env=no_bwrap)
        proc = _grade(folder, "--scheduler", alone.address, env=_environment(NBGRADER_DB_URL=URL), trusted=False)
        assert proc.returncode != 0
        assert f"no worker of the cluster at {alone.address} can grade: {sandbox.MISSING}" in proc.stderr
        assert "Traceback" not in proc.stderr
        if sandbox.unavailable():  # no worker here can grade untrusted notebooks: the rest needs one that can
            return
        alone.workers(1, name="with-bubblewrap", env=_environment())
        client = alone.client()
        refusing = [w for w, env in client.run(lambda: os.environ.get(sandbox.BWRAP_VARIABLE)).items() if env]
        proc = _grade(folder, "--scheduler", alone.address, env=_environment(NBGRADER_DB_URL=URL), trusted=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert f"✗ worker {refusing[0]} does not grade: {sandbox.MISSING}" in proc.stderr
        started = {event["worker"] for _, event in client.get_events(grading_cluster.EVENTS)}
        assert started and refusing[0] not in started
        assert _scores(folder) == {a: {demo_class.REFERENCE: scores[demo_class.REFERENCE]}
                                   for a, scores in graded_here[1].items()}
    finally:
        alone.stop()
