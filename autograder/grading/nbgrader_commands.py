"""nbgrader's own commands (``python -m nbgrader``), run in a course folder exactly as an instructor runs them,
generate_assignment through nbgrader's Python API, and nbgrader's gradebooks as the grader's processes open
them (``gradebooks_here``)."""
import functools
import os
import subprocess
import sys
from pathlib import Path

from . import folders
from .third_party import quiet


def environment_first():
    """Put this environment's bin/ first on PATH: nbgrader runs its `alembic` command from there
    when it creates a gradebook, and a command run without activating .venv would not find it."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


@functools.cache
def schema_version():
    """The version nbgrader stamps on a new gradebook: the head of its own alembic migrations (nbgrader.dbutil's
    ALEMBIC_DIR), as `alembic heads` prints it."""
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    (head,) = ScriptDirectory(ALEMBIC_DIR).get_heads()
    return head


_engines = {}  # (database URL, options, process id) -> its SQLAlchemy engine


def engine(url, **options):
    """One SQLAlchemy engine per database and process (a forked worker makes its own), kept: its queries are
    compiled once. Closing a gradebook disposes of the engine's connections, not of the engine."""
    from sqlalchemy import create_engine

    key = (str(url), tuple(sorted(options.items())), os.getpid())
    if key not in _engines:
        _engines[key] = create_engine(url, **options)
    return _engines[key]


def gradebooks_here():
    """nbgrader's gradebooks as this process opens them, about ten times for each notebook it grades: a new
    gradebook's schema version read here (``schema_version``), where nbgrader would start an `alembic heads`
    process for it (about 2 s of CPU), and one engine per database (``engine``), where nbgrader would make a
    new one, and compile its queries again, each time."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = schema_version
    nbgrader.api.create_engine = engine


def run(course, *args, check=True):
    """Run ``nbgrader ARGS`` in the course folder ``course``; return the finished process."""
    environment_first()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def generate_assignment(course, pattern, release_directory=None):
    """nbgrader generate_assignment for the assignments matching ``pattern`` ("*": all of them), through
    nbgrader's Python API in this process: the command would start Python and import nbgrader again (a few
    seconds each time). Into ``release_directory`` when given, else the course's release/."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = folders.load_config(course)
    if release_directory:
        config.CourseDirectory.release_directory = str(release_directory)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    gradebooks_here()  # it may create the gradebook
    with quiet():
        result = api.generate_assignment(pattern, force=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {pattern} failed:\n{result.get('log')}\n{result.get('error')}")
