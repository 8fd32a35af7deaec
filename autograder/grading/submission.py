"""What is wrong with a submission before nbgrader grades it, in words the student can act on.

nbgrader's own errors for a mangled submission are misleading (a duplicated answer cell gives
``KeyError: 'grade_id'``, nbgrader issue #1083; stripped cell metadata gives ``KeyError:
'forward'``; a renamed notebook, "see the above traceback"). These checks run first and name the
problem instead, as a failures.Reason: the key of the student's explanation, and what was found.
What can be repaired without guessing is repaired first (repair.py): ``prepare`` does both.
"""
from collections import Counter
from pathlib import Path

from nbgrader.utils import is_solution

from . import repair
from .failures import Reason


def prepare(folder, expected):
    """Repair the submission in ``folder`` where its answers can be found without guessing, then check it:
    (the Reason it cannot be graded, or None; the repairs made, as Messages). ``expected`` as for ungradable."""
    wrong, done = repair.repair(folder, expected)
    return wrong or ungradable(folder, expected), done


def ungradable(folder, expected):
    """The Reason ``folder`` (submitted/<student>/<assignment>) cannot be graded, or None.
    ``expected``: {notebook file name: the source notebook} of the assignment."""
    folder = Path(folder)
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    missing = [name for name in expected if name not in found]
    if missing:
        return Reason("submission.no_notebook", f"No submitted file {', '.join(missing)}: found "
                      + (", ".join(found) if found else "no notebook at all"))
    for name, source in expected.items():
        try:
            nb = repair.read(folder / name)
        except Exception as error:  # noqa: BLE001 (whatever makes it unreadable is the reason)
            return Reason("submission.not_a_notebook", f"{name}: {type(error).__name__}: {error}")
        ids = Counter(c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id"))
        twice = sorted(g for g, n in ids.items() if n > 1)
        if twice:
            return Reason("submission.cell_twice",
                          f"{name}: grade id {', '.join(twice)} appears more than once (a copied answer or test cell)")
        wanted = {c.metadata["nbgrader"]["grade_id"] for c in repair.read(source).cells
                  if is_solution(c)}
        if wanted and not wanted & set(ids):
            return Reason("submission.metadata",
                          f"{name}: no answer cell has its nbgrader metadata any more (cell metadata removed)")
    return None
