"""SafeExtractor (autograder/grading/plugins/collect.py), the extractor of nbgrader's zip_collect:
one bad member or one broken archive is skipped and named, and everything else is collected.
A tiny archive folder, built here; then nbgrader's zip_collect in a course, and the collected
submissions graded."""
import io
import logging
import shutil
import subprocess
import sys
import zipfile

import pytest

from corpus import cells, demo_class
from autograder.grading import folders, gradebook, nbgrader_commands
from autograder.grading.plugins.collect import SafeExtractor

ESCAPING = "../../x__nb.ipynb"


@pytest.fixture
def extract(tmp_path, caplog):
    """Run the extractor on ``archive`` into ``extracted``; its log is in caplog."""
    def run():
        caplog.set_level(logging.INFO, logger="test_collect")
        SafeExtractor(log=logging.getLogger("test_collect")).extract(str(tmp_path / "archive"), str(tmp_path / "extracted"))
        return tmp_path / "extracted"
    (tmp_path / "archive").mkdir()
    return run


def test_a_member_that_would_land_outside_is_skipped_named_and_the_rest_extracted(tmp_path, extract, caplog):
    with zipfile.ZipFile(tmp_path / "archive" / "lms_download.zip", "w") as z:
        z.writestr(ESCAPING, "{}")
        z.writestr("alice__nb.ipynb", '{"alice": 1}')
        z.writestr("sub/bob__nb.ipynb", '{"bob": 1}')
    out = extract()
    assert (out / "lms_download" / "alice__nb.ipynb").read_text() == '{"alice": 1}'
    assert (out / "lms_download" / "sub" / "bob__nb.ipynb").read_text() == '{"bob": 1}'
    assert not list(tmp_path.rglob("x__nb.ipynb"))  # neither outside nor, defanged, inside
    assert ESCAPING in caplog.text and "lms_download.zip" in caplog.text


def test_a_plain_file_is_copied(tmp_path, extract):
    (tmp_path / "archive" / "carol__nb.ipynb").write_text('{"carol": 1}')
    assert (extract() / "carol__nb.ipynb").read_text() == '{"carol": 1}'


def test_a_broken_tar_gz_is_skipped_without_stopping_the_rest(tmp_path, extract, caplog):
    (tmp_path / "archive" / "broken.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    (tmp_path / "archive" / "carol__nb.ipynb").write_text('{"carol": 1}')
    with zipfile.ZipFile(tmp_path / "archive" / "more.zip", "w") as z:
        z.writestr("dave__nb.ipynb", '{"dave": 1}')
    out = extract()
    assert (out / "carol__nb.ipynb").exists() and (out / "more" / "dave__nb.ipynb").exists()
    assert "broken.tar.gz" in caplog.text


@pytest.mark.slow
def test_zip_collect_then_grade(tmp_path):
    folder = folders.new_course(tmp_path / "course")
    archive = folder / "downloaded" / "01_numpy" / "archive"
    archive.mkdir(parents=True)
    source = folders.source_notebooks(folder)["01_numpy"]
    shutil.copy(source, archive / f"alice__{source.name}")
    with zipfile.ZipFile(archive / "bob.zip", "w") as z:
        z.write(folders.ROOT / "release" / "01_numpy" / source.name, f"bob__{source.name}")
    nbgrader_commands.run(folder, "zip_collect", "01_numpy")
    # one worker: a second one's start (its warm process) costs more than the few notebooks here
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "1",
                             *demo_class.trusted_grading(), "01_numpy"], capture_output=True, text=True)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    scores = gradebook.scores(folder, "01_numpy")
    assert scores["alice"] == cells.points(folder, "01_numpy")
    assert set(scores["bob"].values()) == {0}


@pytest.mark.slow
def test_zip_collect_keeps_every_file_inside_the_course_and_collects_the_rest(tmp_path):
    """Path traversal in an archive member (../..) or in a student id (.., .) is skipped and
    named; every other file, in the same zip or another one, is collected."""
    folder = folders.new_course(tmp_path / "course")
    archive = folder / "downloaded" / "01_numpy" / "archive"
    archive.mkdir(parents=True)
    name = folders.source_notebooks(folder)["01_numpy"].name
    notebook = (folders.ROOT / "release" / "01_numpy" / name).read_bytes()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr(f"carol__{name}", notebook)
    with zipfile.ZipFile(archive / "mixed.zip", "w") as z:
        for member in (f"../../../../escaped__{name}", f"..__{name}", f".__{name}", f"with space__{name}", f"学生__{name}"):
            z.writestr(member, notebook)
        z.writestr("inner.zip", inner.getvalue())
    with zipfile.ZipFile(archive / "bob.zip", "w") as z:
        z.writestr(f"bob__{name}", notebook)
    proc = nbgrader_commands.run(folder, "zip_collect", "01_numpy")
    assert "would be written outside the course" in proc.stderr
    collected = sorted(p.parent.parent.name for p in (folder / "submitted").glob(f"*/01_numpy/{name}"))
    assert collected == sorted(["bob", "carol", "with space", "学生"])
    assert not list(tmp_path.rglob("escaped__*")) and not (folder / "01_numpy").exists()
    assert not (folder / "submitted" / "01_numpy").exists()
