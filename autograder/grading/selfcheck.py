"""Grade a self-learner's own notebooks with the full hidden tests, without an instructor.

The notebooks are copied into a scratch course as one student's submission and graded by
the same pipeline as a class; the learner's files are only read.
"""
import shutil
import tempfile
from pathlib import Path

import nbformat

from .. import messages as catalogue
from . import batch, folders, failures, verdict
from .isolation import sandbox


def find_notebooks(folder, root=folders.ROOT):
    """{assignment: the learner's copy of its notebook} found anywhere under ``folder``, by name."""
    found = {}
    for assignment, source in folders.source_notebooks(root).items():
        matches = sorted(Path(folder).rglob(source.name))
        preferred = [m for m in matches if m.parent.name == assignment]
        if matches:
            found[assignment] = (preferred or matches)[0]
    return found


def messages(autograded_notebook):
    """[(grade_id, points, max_points, message)] of every graded cell of an autograded notebook, from the
    cells' verdict records (a graded cell the judge did not decide: nbgrader's points, no message)."""
    from nbgrader.utils import determine_grade, is_grade

    rows = []
    for cell in nbformat.read(autograded_notebook, as_version=4).cells:
        record = verdict.read(cell)
        if record is not None:
            rows.append((record["step"], record["points"], record["max_points"], explained(record)))
        elif is_grade(cell):
            rows.append((cell.metadata.nbgrader["grade_id"], *determine_grade(cell), ""))
    return rows


def explained(record):
    """What a step's verdict says, in the chosen language: the check's messages without the "✗ step"
    header, or the student's exception named; nothing for a step that passed."""
    if record["outcome"] == "raised":
        error = record["exception"]
        return f"{error['type']}: {error['message']}" if error["message"] else error["type"]
    return "\n".join(catalogue.render(one) for one in verdict.messages(record)
                     if not (isinstance(one, catalogue.Message) and one.key == "check.failed"))


def selfcheck(folder, jobs=None, root=folders.ROOT):
    """Grade the notebooks under ``folder``; return {assignment: rows as from ``messages``}."""
    notebooks = find_notebooks(folder, root)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = folders.new_course(Path(tmp) / "course", root)
        for assignment, path in notebooks.items():
            target = folders.folder(scratch, "submitted", "me", assignment)
            target.mkdir(parents=True)
            shutil.copy(path, target / path.name)
        outcomes = batch.grade(scratch, list(notebooks), jobs=jobs, progress=False,
                                 sandboxed=sandbox.unavailable() is None)  # your own notebooks: isolation optional
        failed = {o.job.assignment: o.reason for o in outcomes if not o.ok}
        return {a: failed.get(a) or messages(next(folders.folder(scratch, "autograded", "me", a).glob("*.ipynb")))
                for a in notebooks}


def print_report(results, folder):
    if not results:
        print(f"没有在 {folder} 下找到课程的笔记本 / no course notebooks found under {folder}")
        return
    for assignment, rows in results.items():
        if not isinstance(rows, list):  # a failures.Reason, or the grading worker's failure in words
            why = rows.text(catalogue.language()) if isinstance(rows, failures.Reason) else rows
            print(f"\n{assignment}: 无法评分 / could not be graded: {why}")
            continue
        total, best = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f"\n{assignment}: {total:g} / {best:g}")
        for grade_id, points, most, text in rows:
            print(f"  {'✓' if points == most else '✗'} {grade_id.removeprefix('test_'):<14} {points:g}/{most:g}")
            for line in text.splitlines():
                if line.strip():
                    print(f"      {line}")
