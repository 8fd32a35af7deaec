"""The PostgreSQL database the tests may empty and fill: NBGRADER_TEST_POSTGRES_URL, e.g.
postgresql://grader:grader@127.0.0.1/two_layer_net_test (.ci/run starts a local server when it can).
Tests that need it skip without it.

`make test` runs test files on several processes (pytest-xdist): each process has a database of its
own, the named one with the process's name after it (two_layer_net_test_gw0), made here when missing,
so that two files never empty each other's gradebook."""
import os

NAMED = os.environ.get("NBGRADER_TEST_POSTGRES_URL")
PROCESS = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1 ... under pytest-xdist


def _own(url, process):
    """The database ``url`` with ``process``'s name after its own, made when missing; None when it cannot be."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    named = make_url(url)
    own = named.set(database=f"{named.database}_{process}")
    engine = create_engine(named, isolation_level="AUTOCOMMIT")  # CREATE DATABASE cannot run in a transaction
    try:
        with engine.connect() as db:
            if not db.execute(text("select 1 from pg_database where datname = :n"), {"n": own.database}).scalar():
                db.execute(text(f'create database "{own.database}"'))
    except Exception:  # noqa: BLE001 (no right to create databases: the tests that need one skip)
        return None
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


URL = _own(NAMED, PROCESS) if NAMED and PROCESS else NAMED


def empty(url=URL):
    """Drop every table: the next nbgrader command makes a new gradebook there."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    engine.dispose()
