"""nbgrader's CheckCellMetadata, with its schema checked once per process instead of once per cell.

nbgrader validates each cell's nbgrader metadata with ``jsonschema.validate``, which checks the schema
itself before every validation; autograde runs CheckCellMetadata twice per notebook, so most of its time
went to checking the same schema again (a tenth of a notebook's grading in a profile of `make bench`).
The rules are nbgrader's own: the same schema, the same errors, its other checks unchanged.
"""
import traceback

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata

_VALIDATORS = {}  # schema version -> a jsonschema validator of that schema, checked once


class _SchemaCheckedOnce(BaseMetadataValidator):
    """nbgrader's validate_cell for a cell of the current schema version, its schema checked once."""

    def validate_cell(self, cell):
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nothing to check, or nbgrader's own error for the version
        if self.schema_version not in _VALIDATORS:
            kind = jsonschema.validators.validator_for(self.schema)
            kind.check_schema(self.schema)
            _VALIDATORS[self.schema_version] = kind(self.schema)
        error = jsonschema.exceptions.best_match(_VALIDATORS[self.schema_version].iter_errors(meta))
        if error is not None:  # what jsonschema.validate raises
            raise error


class Validator(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's metadata validator (its checks call the one above in place of nbgrader's base)."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """CheckCellMetadata with the validator above; its log and error as nbgrader's."""

    def preprocess(self, nb, resources):
        try:
            Validator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
