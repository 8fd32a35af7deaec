"""nbgrader's side of the judge: each test cell's outputs are the judge's verdict, not the kernel's.

``JudgeSteps`` runs in the autograde pipeline right after the notebook was executed. The kernel
did not run the test cells (execution.GuardedExecute leaves them to the judge), so whatever the
submission did to its kernel cannot touch them. For each test cell, in notebook order, the judge
(judge.py) defines the student's cells that come before it in a student process and runs the
instructor's test code, read from the gradebook, against it. The verdict record (verdict.py) is
kept in the cell's metadata and the cell's outputs are rendered from it. nbgrader then scores those
outputs as usual (SaveAutoGrades), so the gradebook and grades.csv show the judge's result, and the
feedback page and the class report read the records.

``RenderVerdicts`` runs in generate_feedback: it renders each test cell's outputs again from its
record, in the language chosen when the feedback is made (`make feedback LANGUAGE=en`).

Which cells a student process defines is the judge's choice (judge.definitions).
"""
import os

from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

from ... import messages
from .. import judge, verdict
from ..student_process import MAX_BYTES


def ensure_zygote(config):
    """The grading worker's zygote forks the student processes; `nbgrader autograde` run by hand starts one for
    itself (sandboxed where the sandbox can run), kept until it exits."""
    from ..isolation import sandbox, zygote_control

    if zygote_control.ensure_zygote() or os.environ.get(zygote_control.SOCKET_VARIABLE):
        return
    zygote_control.start_zygote(sandboxed=sandbox.unavailable() is None, limits=sandbox.GradingLimits(config=config).as_dict())


class JudgeSteps(NbGraderPreprocessor):
    """Write the judge's verdict into every test cell's outputs."""

    timeout = Integer(0, help="seconds for each test cell's calls, and for each cell a student process defines "
                              "(0: Execute.timeout, the time a notebook cell gets)").tag(config=True)
    max_reply_mb = Integer(MAX_BYTES // 2**20, help="largest answer a student process may send, in MiB").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            tests = {cell.name: cell.source for cell in notebook.source_cells}
        ensure_zygote(self.config)
        timeout = self.timeout or Execute(config=self.config).timeout
        for cell, record in judge.records(nb, tests, timeout, self.max_reply_mb * 2**20, info["assignment"]):
            verdict.store(cell, record)
            cell.outputs, cell.execution_count = verdict.outputs(record), None
        return nb, resources


class RenderVerdicts(NbGraderPreprocessor):
    """Render every test cell's outputs again from its verdict record, in AUTOGRADER_LANGUAGE as it is
    now: the same graded notebook gives feedback in zh, en or both. A cell without a record keeps its
    outputs."""

    def preprocess_cell(self, cell, resources, index):
        record = verdict.read(cell)
        if record is not None:
            cell.outputs = verdict.outputs(record, messages.language())
        return cell, resources
