"""The course's CheckCellMetadata (autograder/grading/plugins/metadata.py): nbgrader's rules and errors,
its schema checked once per process."""
import copy

import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import SchemaTooOldError, ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from autograder.grading import folders
from autograder.grading.plugins import metadata
from autograder.grading.plugins.metadata import CheckCellMetadataOnce


def _source():
    return nbformat.read(folders.source_notebooks()["01_numpy"], as_version=4)


def _graded_cell(nb):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


def _outcome(preprocessor, nb):
    """What ``preprocessor`` does with ``nb``: "ok", or the kind and text of what it raised."""
    try:
        preprocessor.preprocess(copy.deepcopy(nb), {})
        return "ok"
    except Exception as error:  # noqa: BLE001 (compared as they are)
        return type(error), str(error)


def _broken(edit):
    nb = _source()
    edit(_graded_cell(nb).metadata.nbgrader)
    return nb


@pytest.mark.parametrize("nb", [
    _source(),
    _broken(lambda meta: meta.update(points="two")),           # the schema: points is a number
    _broken(lambda meta: meta.update(grade_id=7)),             # the schema: grade_id is a string
    _broken(lambda meta: meta.pop("points")),                  # nbgrader's own check, after the schema
    _broken(lambda meta: meta.update(schema_version=1)),       # too old: nbgrader's error for the version
], ids=["valid", "points", "grade_id", "no_points", "old_schema"])
def test_it_decides_as_nbgraders_own(nb):
    assert _outcome(CheckCellMetadataOnce(), nb) == _outcome(CheckCellMetadata(), nb)


def test_a_notebook_with_broken_metadata_fails_with_nbgraders_error():
    with pytest.raises(ValidationError, match="may be corrupted"):
        CheckCellMetadataOnce().preprocess(_broken(lambda meta: meta.update(points="two")), {})
    with pytest.raises(SchemaTooOldError):
        metadata.Validator().validate_cell(_graded_cell(_broken(lambda meta: meta.update(schema_version=1))))


def test_the_schema_is_checked_once_for_many_cells_and_notebooks(monkeypatch):
    checked = []
    kind = jsonschema.validators.validator_for(metadata.Validator().schema)
    original = kind.check_schema.__func__
    def counted(cls, schema, **options):
        checked.append(1)
        return original(cls, schema, **options)

    monkeypatch.setattr(kind, "check_schema", classmethod(counted))
    monkeypatch.setattr(metadata, "_VALIDATORS", {})
    nb = _source()
    assert sum("nbgrader" in c.metadata for c in nb.cells) > 5
    for _ in range(3):
        CheckCellMetadataOnce().preprocess(copy.deepcopy(nb), {})
    assert len(checked) == 1
    CheckCellMetadata().preprocess(copy.deepcopy(nb), {})  # nbgrader's own: once per cell
    assert len(checked) > 5
