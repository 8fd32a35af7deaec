"""Third-party warnings that would scroll past the instructor's progress bar, and mean nothing there.

nbformat's DuplicateCellId (a copied cell, whose id nbformat changes as it reads the notebook) is said
once, in the course's words, by the repair it leads to (repair.py: repair.duplicates); nbformat's
MissingIDFieldWarning (a notebook saved before cells had ids) and SQLAlchemy's "… not in session"
(nbgrader's gradebook as it adds a submission) mean nothing for grading, and are not said at all.
"""
import contextlib
import warnings


@contextlib.contextmanager
def quiet():
    """Within: those three warnings are not shown."""
    from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DuplicateCellId)
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        warnings.filterwarnings("ignore", r".*not in session", SAWarning)
        yield
