"""zip_collect that keeps every file inside the course and every good file collected.

nbgrader's extractor stops the whole collection at the first archive member whose path leaves
the extraction folder (``../../x__notebook.ipynb``), and every other student's file is left
uncollected. This one walks the archive folder as nbgrader does, but extracts zip archives
member by member: a member that would land outside is skipped and named, the rest is collected.
"""
import os
import shutil
import zipfile
from pathlib import Path

from nbgrader.plugins import ExtractorPlugin
from nbgrader.utils import unzip


class SafeExtractor(ExtractorPlugin):
    def extract(self, archive_path, extracted_path):
        for root, _, files in os.walk(archive_path):
            dest = Path(extracted_path) / Path(root).relative_to(archive_path)
            dest.mkdir(parents=True, exist_ok=True)
            for name in files:
                path = Path(root) / name
                if zipfile.is_zipfile(path) and path.suffix in self.zip_ext:
                    self.log.info("Extracting from: %s", path)
                    self._extract_zip(path, dest / path.stem)
                elif path.suffix in self.zip_ext:  # .tar.gz: nbgrader's own, which refuses unsafe members
                    try:
                        unzip(str(path), str(dest), zip_ext=self.zip_ext, create_own_folder=True, tree=True)
                    except Exception as error:  # noqa: BLE001 (one bad archive must not stop the others)
                        self.log.warning("Skipping %s: %s", path, error)
                else:
                    shutil.copy(path, dest / name)

    def _extract_zip(self, path, target):
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as z:
            for member in z.infolist():
                if _outside(member.filename, target):
                    self.log.warning("Skipping %s in %s: it would be written outside the course", member.filename, path)
                    continue
                extracted = Path(z.extract(member, target))
                if extracted.is_file() and zipfile.is_zipfile(extracted) and extracted.suffix == ".zip":
                    self._extract_zip(extracted, extracted.with_suffix(""))  # a zip inside the zip


def _outside(member, folder):
    return not Path(os.path.normpath(folder / member)).is_relative_to(folder)
