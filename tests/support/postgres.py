"""The PostgreSQL database the tests may empty and fill: NBGRADER_TEST_POSTGRES_URL, e.g.
postgresql://grader:grader@127.0.0.1/two_layer_net_test (.ci/run starts a local server when it can).
Tests that need it skip without it."""
import os

URL = os.environ.get("NBGRADER_TEST_POSTGRES_URL")


def empty(url=URL):
    """Drop every table: the next nbgrader command makes a new gradebook there."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    engine.dispose()
