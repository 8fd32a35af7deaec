"""nbgrader's Execute, made to finish every notebook it starts.

Stock nbgrader stops a notebook at the first kernel death (``os._exit``, a segfault, a memory or
time limit reached), or at a cell whose kernel never reports it is done (one that ignores the
interrupt sent at the timeout), and grades nothing of it. Here the cell during which the kernel died gets
an error output saying so, every later code cell gets one saying it was not run, and grading
goes on: the cells that passed before keep their points. A cell that never finished gets an
error output, so it scores zero if it is a test cell, and the next cell runs.

Test cells are not run in the submission's kernel: the judge decides them outside it
(verdicts.JudgeSteps, next in the pipeline). Until it does, each holds an error output, so a
pipeline without the judge scores them zero rather than full.
"""
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

from ...messages import say


def error(ename, text):
    return new_output("error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])


class GuardedExecute(Execute):
    """Execute that records a dead kernel in the cells instead of failing the notebook."""

    def preprocess(self, nb, resources=None, km=None):
        self._died_at = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        from ..judge import is_test

        if is_test(cell):  # decided by the judge, outside the kernel the submission's code runs in
            cell.outputs = [error("NotJudged", say("kernel.not_judged"))]
            return cell, resources
        if self._died_at is not None:
            if cell.cell_type == "code":
                cell.outputs = [error("KernelDied", say("kernel.not_run", where=self._died_at))]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_at = cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index + 1}"
            cell.outputs.append(error("KernelDied", say("kernel.died")))
            return cell, resources
        except CellTimeoutError:  # the kernel never said it was done (it ignores the interrupt, say)
            cell.outputs.append(error("CellTimeoutError", say("kernel.unfinished")))
            return cell, resources
