"""SafeExtractor (autograder/grading/plugins/collect.py), the extractor of nbgrader's zip_collect:
one bad member or one broken archive is skipped and named, and everything else is collected.
A tiny archive folder, built here."""
import logging
import zipfile

import pytest

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
