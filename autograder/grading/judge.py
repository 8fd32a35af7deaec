"""The judge: every graded step decided in the grader's own process, where no student code runs.

For one notebook the judge keeps a student process (student_process.py: forked by the grading
worker's zygote, in the sandbox). It replays the notebook in order, as the kernel ran it, with two
differences: of the cells before each test cell only those that define things run in the student
process (the answer cells, the set-up cells above them and cells the student added: not the
training runs), and the test cell itself runs here, as the instructor wrote it, with each name of
the student's bound to a ``Remote`` handle. The checks call a probe (probes.py) on the handle, the
student process calls the student's function on the inputs the checks chose and sends back values
(wire.py), and the checks compare those with the oracles here. What the checks say (their
success lines, or the CheckFailed a check raises, as Messages) and the student's exception become
the step's verdict record (verdict.py).
"""
import ast
import builtins
import contextlib
import io

from nbgrader import utils

from .. import compare, guards, rules, wire
from ..compare import CheckFailed
from ..messages import Message
from . import verdict
from .student_process import MAX_BYTES, NotDefined, ProbeFailed, StudentProcess


class Remote:
    """The judge's handle on a student's function or class that lives in the student process."""

    def __init__(self, process, name):
        self.process, self.name = process, name

    def remote_probe(self, probe, inputs):
        __tracebackhide__ = True
        return self.process.call(probe, self.name, inputs)

    def __repr__(self):
        return f"<{self.name} of the submission>"


def student_names(source):
    """The names a test cell's code reads but neither imports nor assigns: the student's."""
    tree = ast.parse(source)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return sorted(loaded - bound - set(dir(builtins)))


def is_test(cell):
    """A test cell: graded, and not the student's answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def definitions_only(source):
    """Of an instructor's set-up cell, what a student process needs: the imports, assignments, functions and
    classes at its top level, not its prints, pictures and demonstrations."""
    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return source
    kept = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef)
    return "\n".join(ast.get_source_segment(code, node) for node in tree.body if isinstance(node, kept))


def definitions(nb):
    """The notebook's code cells in order, as (definition, None) for a cell the student process runs, or (None, cell)
    for a test cell. The student process runs the answer cells, the cells a student added, and of the instructor's
    cells above the first answer what they define (imports, set-up); not the instructor's cells
    further down (the training runs and demonstrations), and never a test cell."""
    answered = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test(cell):
            yield None, cell
            continue
        answer, added = utils.is_solution(cell), not cell.metadata.get("nbgrader")  # added: by the student
        if answer or added or not answered:
            answered = answered or answer
            own = answer or added  # the student's, not the instructor's set-up
            source = cell.source if own else definitions_only(cell.source)
            yield {"id": cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index + 1}", "source": source,
                   "own": own}, None


def judge_notebook(nb, tests, timeout, max_bytes=MAX_BYTES, assignment=None):
    """[(test cell, its verdict's outputs, in the chosen language)]: ``records`` rendered."""
    return [(cell, verdict.outputs(record)) for cell, record in records(nb, tests, timeout, max_bytes, assignment)]


def records(nb, tests, timeout, max_bytes=MAX_BYTES, assignment=None):
    """[(test cell, its verdict record)] for the test cells of ``nb`` whose grade id is in ``tests``
    ({grade id: the instructor's source}), decided in order against one student process, in which the
    modules ``assignment``'s rules forbid cannot be imported (rules.FORBIDDEN)."""
    process = StudentProcess(timeout, max_bytes, rules.FORBIDDEN.get(assignment, ()), optimizers=uses_optimizers(nb))
    pending, decided = [], []
    try:
        for definition, test in definitions(nb):
            if definition:
                pending.append(definition)
                continue
            meta = test.metadata["nbgrader"]
            if meta.get("grade_id") in tests:
                process.define(pending)
                pending = []
                decided.append((test, decide(tests[meta["grade_id"]], process, timeout, meta["grade_id"],
                                             meta.get("points") or 0)))
    finally:
        process.close()
    return decided


def uses_optimizers(nb):
    """Whether any code cell of ``nb`` mentions torch's optimizers (``optim``), as text. It only decides
    whether the student process starts with them set up: one that uses them unseen sets them up itself."""
    return any(cell.cell_type == "code" and "optim" in cell.source for cell in nb.cells)


def outcome(failed):
    """The verdict's outcome for a CheckFailed (verdict.OUTCOMES)."""
    for kind, name in ((guards.GuardViolation, "rule_broken"), (ProbeFailed, "probe_failed"), (NotDefined, "not_defined")):
        if isinstance(failed, kind):
            return name
    return "failed"


def decide(test_source, process, timeout, grade_id="test", max_points=0):
    """Run a test cell's code here, the student's names bound to ``process``: the step's verdict record.
    What the test cell prints besides the checks' own lines is not kept."""
    namespace = {name: Remote(process, name) for name in student_names(test_source)}
    kind, said, raised = "passed", [], None
    process.budget = timeout
    try:
        with compare.listening() as heard, contextlib.redirect_stdout(io.StringIO()):
            exec(compile(test_source, f"<{grade_id}>", "exec"), namespace)  # the instructor's code, from the gradebook
    except CheckFailed as failed:  # a check's verdict, a broken rule, or a probe that got no answer
        kind, said, raised = outcome(failed), failed.said, failed.raised
    except wire.StudentError as error:  # the student's function raised: their traceback, their words
        kind, raised = "raised", error
    except Exception as broken:  # noqa: BLE001 (values the checks cannot compare: zero for the step, and why)
        kind, said = "probe_failed", [Message("probe.unusable_values"), f"({type(broken).__name__}: {str(broken)[:300]})"]
    finally:
        process.budget = None
    return verdict.make(grade_id, max_points, kind, heard.said, said, raised, heard.cases)
