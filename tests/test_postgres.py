"""The grading pipeline with a PostgreSQL gradebook (NBGRADER_DB_URL) gives the grades it gives
with SQLite. Runs when NBGRADER_TEST_POSTGRES_URL names a database the test may empty and fill,
e.g. postgresql://grader:grader@127.0.0.1/two_layer_net_test; skipped otherwise."""
import os
import shutil
import subprocess
import sys

import pytest

import demo_class
from autograder.grading import course_files

URL = os.environ.get("NBGRADER_TEST_POSTGRES_URL")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not URL, reason="no PostgreSQL server named in NBGRADER_TEST_POSTGRES_URL")]


def _empty(url):
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    engine.dispose()


def _grade(folder, env):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "2",
                           *demo_class.trusted_grading()],
                          capture_output=True, text=True, env=env)


def test_parallel_grading_into_postgresql_gives_the_sqlite_grades(tmp_path, monkeypatch):
    _empty(URL)
    lite, pg = tmp_path / "sqlite", tmp_path / "postgres"
    demo_class.build(lite, students=6, assignments=["01_numpy", "03_nn"])
    shutil.copytree(lite, pg)
    (pg / "gradebook.db").unlink()  # made by build(); the PostgreSQL course must not need or make one
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_DB_URL"}
    assert _grade(lite, env).returncode == 0
    proc = _grade(pg, dict(env, NBGRADER_DB_URL=URL))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (pg / "gradebook.db").exists()
    expected = {a: course_files.scores(lite, a) for a in ("01_numpy", "03_nn")}
    monkeypatch.setenv("NBGRADER_DB_URL", URL)
    assert {a: course_files.scores(pg, a) for a in ("01_numpy", "03_nn")} == expected
    assert len(expected["01_numpy"]) == 6
