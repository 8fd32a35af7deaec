"""nbgrader's side of the judge: each test cell's outputs are the judge's verdict, not the kernel's.

``JudgeSteps`` runs in the autograde pipeline right after the notebook was executed. The kernel
did not run the test cells (execution.GuardedExecute leaves them to the judge), so whatever the
submission did to its kernel cannot touch them. For each test cell, in notebook order, the judge
(judge.py) defines the student's cells that come before it in a probe process and runs the
instructor's test code, read from the gradebook, against it; the verdict (the checks' printed
lines, or their error) becomes the cell's outputs. nbgrader then scores those outputs as usual
(SaveAutoGrades), so the gradebook, feedback, grades.csv and the class report show the judge's
result.

Which cells a probe defines, before each test cell: the answer cells, the cells a student added,
and the instructor's cells above the first answer (imports, set-up); not the instructor's cells
further down (the training runs and demonstrations), and never a test cell.
"""
import os

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from . import judge


def is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def definitions(nb):
    """[(cell, its test cell or None)]: the code cells a probe runs, each with the test cell it comes before."""
    answered = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if is_test(cell):
            yield None, cell
        elif meta.get("solution") or not meta or not answered:
            answered = answered or bool(meta.get("solution"))
            own = bool(meta.get("solution")) or not meta  # the student's, not the instructor's set-up
            yield {"id": meta.get("grade_id") or f"#{index + 1}", "source": cell.source, "own": own}, None


def ensure_zygote(config):
    """The grading worker's zygote forks the probes; `nbgrader autograde` run by hand starts one for
    itself (sandboxed where the sandbox can run), kept until it exits."""
    from . import sandbox, warm_kernel

    if os.environ.get(warm_kernel.SOCKET_VARIABLE):
        return
    limits = sandbox.GradingLimits(config=config)
    warm_kernel.start_zygote(sandboxed=sandbox.problem() is None,
                             limits={name: getattr(limits, name) for name in limits.trait_names(config=True)})


class JudgeSteps(NbGraderPreprocessor):
    """Write the judge's verdict into every test cell's outputs."""

    enabled = Bool(True, help="decide test cells with the judge (off: the kernel's outputs count, as in stock nbgrader)"
                   ).tag(config=True)
    timeout = Integer(0, help="seconds for each test cell's calls, and for each cell a probe defines "
                              "(0: Execute.timeout, the time a notebook cell gets)").tag(config=True)
    max_reply_mb = Integer(64, help="largest answer a probe may send, in MiB").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            tests = {cell.name: cell.source for cell in notebook.source_cells}
        ensure_zygote(self.config)
        timeout = self.timeout or int(self.config.get("Execute", {}).get("timeout", 120) or 120)
        probe = judge.Probe(timeout, self.max_reply_mb * 2**20)
        pending = []
        try:
            for definition, test in definitions(nb):
                if definition:
                    pending.append(definition)
                    continue
                grade_id = test.metadata["nbgrader"].get("grade_id")
                if grade_id not in tests:
                    continue
                probe.define(pending)
                pending = []
                test.outputs = judge.verdict(tests[grade_id], probe, timeout, grade_id)
                test.execution_count = None
        finally:
            probe.close()
        return nb, resources
