"""Feedback that never shows hidden tests: a preprocessor for nbgrader's generate_feedback.

Stock nbgrader copies the autograded notebook, hidden tests included, into the feedback
page (nbgrader issues #917, #1363). This removes the hidden region from every test cell and
cuts the tracebacks of test cells (which quote the failing line, hidden or not) down to the
error's own message, which for a failed check is the bilingual explanation (and, for an error
that has none, such as a MemoryError, one from BARE_ERRORS, in the course's language(s)).
"""
from nbgrader.preprocessors import ClearHiddenTests

from ... import messages

# What a bare error in a test cell means, for errors that come without a message of their own:
# the key of its explanation in autograder/messages.py.
BARE_ERRORS = {
    "MemoryError": "error.memory",
    "KeyboardInterrupt": "error.interrupted",
    "RecursionError": "error.recursion",
}


def bare_error(ename):
    """The explanation of an error ``ename`` that came without a message ("" for one not in BARE_ERRORS)."""
    return messages.say(BARE_ERRORS[ename], joined="/ ") if ename in BARE_ERRORS else ""


class HideHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.outputs:
                if output.output_type == "error":
                    evalue = output.evalue or bare_error(output.ename)
                    output.traceback = [f"{output.ename}: {evalue}"]
        return cell, resources
