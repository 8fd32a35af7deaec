"""Feedback that never shows hidden tests: a preprocessor for nbgrader's generate_feedback.

Stock nbgrader copies the autograded notebook, hidden tests included, into the feedback
page (nbgrader issues #917, #1363). This removes the hidden region from every test cell and
cuts the tracebacks of test cells (which quote the failing line, hidden or not) down to the
error's own message, which for a failed check is the bilingual explanation.
"""
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
