"""The PostgreSQL database the tests may empty and fill: NBGRADER_TEST_POSTGRES_URL, e.g.
postgresql://grader:grader@127.0.0.1/two_layer_net_test (.ci/run starts a local server when it can).
Tests that need it skip without it."""
import os

import pytest

URL = os.environ.get("NBGRADER_TEST_POSTGRES_URL")
# The mark of every test file that uses the database: make test runs them on one process, one after
# the other (conftest.py), as each empties it.
ONE_AT_A_TIME = pytest.mark.xdist_group("postgres")


def empty(url=URL):
    """Drop every table: the next nbgrader command makes a new gradebook there."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    engine.dispose()
