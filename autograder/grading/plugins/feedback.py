"""Feedback that never shows hidden tests: a preprocessor for nbgrader's generate_feedback.

Stock nbgrader copies the autograded notebook, hidden tests included, into the feedback
page (nbgrader issues #917, #1363). This removes the hidden region from every test cell and
cuts the tracebacks of test cells (which quote the failing line, hidden or not) down to the
error's own message, which for a failed check is the bilingual explanation (and, for an error
that has none, such as a MemoryError, a bilingual one from BARE_ERRORS).
"""
from nbgrader.preprocessors import ClearHiddenTests

# What a bare error in a test cell means, for errors that come without a message of their own.
BARE_ERRORS = {
    "MemoryError": "内存不够：代码申请的内存超过了评分时允许的上限。/ Out of memory: the code asked for more "
                   "memory than grading allows.",
    "KeyboardInterrupt": "运行超过了时间限制，被中断了（死循环，或者太慢？）。/ Stopped at the time limit "
                         "(an endless loop, or a very slow step?).",
    "RecursionError": "递归太深：函数在无限地调用自己？/ Recursion too deep: does a function call itself forever?",
}


class HideHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.outputs:
                if output.output_type == "error":
                    evalue = output.evalue or BARE_ERRORS.get(output.ename, "")
                    output.traceback = [f"{output.ename}: {evalue}"]
        return cell, resources
