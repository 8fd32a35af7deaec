"""nbgrader's gradebooks as the grader opens them (nbgrader_commands.gradebooks_here): stamped with the schema
version nbgrader itself finds, and one engine per database and process."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.grading import folders, nbgrader_commands


def test_a_new_gradebook_is_stamped_with_the_schema_version_nbgrader_itself_finds(tmp_path):
    # nbgrader's own answer: its get_alembic_version, which starts `alembic heads`, in a process of its own
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    own = subprocess.run([sys.executable, "-c", "import nbgrader.api; print(nbgrader.api.get_alembic_version())"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert own and nbgrader_commands.schema_version() == own
    course = folders.new_course(tmp_path / "course")
    nbgrader_commands.generate_assignment(course, "01_numpy", release_directory=tmp_path / "release")
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [(own,)]


def test_a_gradebook_opened_again_uses_the_same_engine_and_another_process_its_own(tmp_path, monkeypatch):
    nbgrader_commands.gradebooks_here()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as first:
        first.add_student("ada")
    with Gradebook(url) as again:  # after the first was closed: its connections gone, the engine kept
        assert again.engine is first.engine
        assert [s.id for s in again.students] == ["ada"]
        again.add_student("bo")
    with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as other:
        assert other.engine is not first.engine and other.students == []
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a worker forked after the engine was made
    with Gradebook(url) as forked:
        assert forked.engine is not first.engine
        assert sorted(s.id for s in forked.students) == ["ada", "bo"]
