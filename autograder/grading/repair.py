"""Submissions nbgrader would refuse, repaired when their answers can be found without guessing.

A real class hands in notebooks edited in ways nbgrader does not expect (nbgrader issue #1941: 15 of
300 in one course). Three are repaired here, in the grading worker's own copy of the submission,
before nbgrader sees it; each repair is a catalogue message (repair.*), kept in the notebook's
metadata for its feedback page and in autograded/.repairs.json for the instructor's table:

- a renamed notebook (a browser's "two_layer_net_numpy (1).ipynb"; nbgrader #416, #1219, #1302):
  the one notebook in the folder whose cells are the assignment's is that notebook;
- a copied graded cell (nbgrader #108, #1083): graded as the notebook ran from top to bottom. Of an
  answer cell, every copy but the last loses its nbgrader metadata and stays as a cell of the
  student's own, run in order, so the last definition of a function is the one that counts, as in
  the kernel (nbgrader's own DeduplicateIds keeps the last one too); a copied check or instructor's
  cell is dropped (nbgrader puts the check back from the source anyway);
- cell metadata dropped by an editor: each cell of the assignment is recognised by its cell id
  (nbformat 4.5 keeps them), else an answer cell by its signature line (``def forward(x, w1, w2):``)
  and a check or instructor's cell by its text, and gets its nbgrader metadata back from the
  assignment (the release's metadata is the source's).

No guessing: two notebooks that both look like the assignment, or two cells that could each be the
same answer cell, are left as they are, and the reason names them (the files, the cells).
"""
import json
import os
import re
from pathlib import Path

import nbformat

from .. import messages
from . import folders, verdict
from .failures import Reason
from .third_party import quiet

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def read(path):
    with quiet():
        return nbformat.read(path, as_version=4)


def write(nb, path):
    with quiet():
        nbformat.write(nb, path)


def _info(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _words(text):
    """``text`` without blank lines and with its spaces evened out, to compare cells by their text."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def signature(source):
    """The first line of code of a cell (comments and blank lines skipped): ``def forward(x, w1, w2):``."""
    return next((" ".join(line.split()) for line in source.splitlines()
                 if line.strip() and not line.lstrip().startswith("#")), "")


def _tracked(source_nb):
    """The cells of the assignment nbgrader tracks, in order: (source cell, its nbgrader metadata)."""
    return [(cell, _info(cell)) for cell in source_nb.cells if _info(cell).get("grade_id")]


def _looks_like(cell, source_cell, info, wholesale):
    """Whether ``cell`` (no nbgrader metadata, no matching id) is ``source_cell`` by what survives an
    editor: an answer cell's signature line, the text of a check or of an instructor's cell. An answer cell
    by its signature only when no cell has its metadata any more (``wholesale``): where the others kept
    theirs, a cell with an answer's signature is one the student added (the answer written in a new cell,
    which the judge runs as it is), not the answer cell stripped of its metadata."""
    if info.get("solution"):
        return wholesale and cell.cell_type == "code" and signature(cell.source) == signature(source_cell.source) != ""
    texts = {_words(source_cell.source), _words(HIDDEN.sub("", source_cell.source))} - {""}  # as released: no hidden tests
    return _words(cell.source) in texts


def locate(nb, source_nb):
    """{grade id: [indices of the cells of ``nb`` that are that cell of the assignment]}, for the cells that
    lost their nbgrader metadata: by cell id first, else by signature (answer) or text (the rest)."""
    present = {_info(c)["grade_id"] for c in nb.cells if _info(c).get("grade_id")}
    bare = [i for i, c in enumerate(nb.cells) if not _info(c).get("grade_id")]
    by_id = {nb.cells[i].get("id"): i for i in bare if nb.cells[i].get("id")}
    missing = [(cell, info) for cell, info in _tracked(source_nb) if info["grade_id"] not in present]
    found, claimed = {}, set()
    for cell, info in missing:
        if cell.get("id") in by_id:
            found[info["grade_id"]] = [by_id[cell["id"]]]
            claimed.add(by_id[cell["id"]])
    for cell, info in missing:
        if info["grade_id"] not in found:
            alike = [i for i in bare if i not in claimed and _looks_like(nb.cells[i], cell, info, not present)]
            if alike:
                found[info["grade_id"]] = alike
    return found


def answers_found(nb, source_nb):
    """Whether every answer of the assignment is in ``nb``: its answer cell, by its metadata or cell id, or a
    cell with its signature (an answer written in a new cell counts)."""
    have = {_info(c)["grade_id"] for c in nb.cells if _info(c).get("grade_id")} | set(locate(nb, source_nb))
    signatures = {signature(c.source) for c in nb.cells if c.cell_type == "code"}
    return all(info["grade_id"] in have or signature(cell.source) in signatures
               for cell, info in _tracked(source_nb) if info.get("solution"))


def deduplicate(nb):
    """Copied graded cells, graded as the notebook ran: the grade ids that appeared more than once."""
    last = {}
    for i, cell in enumerate(nb.cells):
        if _info(cell).get("grade_id"):
            last[_info(cell)["grade_id"]] = i
    twice = sorted({_info(c)["grade_id"] for i, c in enumerate(nb.cells)
                    if _info(c).get("grade_id") and last[_info(c)["grade_id"]] != i})
    kept = []
    for i, cell in enumerate(nb.cells):
        info = _info(cell)
        if info.get("grade_id") and last[info["grade_id"]] != i:
            if not info.get("solution"):
                continue  # a copied check or instructor's cell: the course's own, put back by nbgrader
            cell.metadata.pop("nbgrader")  # an earlier copy of an answer: the student's own cell, run in order
        kept.append(cell)
    nb.cells = kept
    return twice


def restore(nb, source_nb):
    """nbgrader metadata back on the cells that lost it and are recognised with certainty. Returns
    (how many were restored, None) or (0, what cannot be told apart)."""
    found = locate(nb, source_nb)
    infos = {info["grade_id"]: (cell, info) for cell, info in _tracked(source_nb)}
    for grade_id, where in found.items():
        if len(where) > 1 and infos[grade_id][1].get("solution"):
            return 0, (f"cells {' and '.join(str(i + 1) for i in where)} each begin with "
                       f"“{signature(infos[grade_id][0].source)}”, so which one is the answer cannot be told")
    restored, dropped = 0, set()
    for grade_id, where in found.items():
        *copies, index = where  # a check or instructor's cell found more than once: the last, as for copies
        dropped.update(copies)
        cell, info = infos[grade_id]
        nb.cells[index].metadata["nbgrader"] = json.loads(json.dumps(dict(info)))  # nbgrader fixes the cell's type
        restored += 1
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in dropped]
    return restored, None


def candidates(folder, source_nb):
    """The notebooks in ``folder`` whose cells are the assignment's, by name."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nb = read(path)
        except Exception:  # noqa: BLE001 (not a notebook: not a candidate)
            continue
        if answers_found(nb, source_nb):
            found.append(path.name)
    return found


def repair(folder, expected):
    """Repair the submission in ``folder`` (submitted/<student>/<assignment>, the worker's own copy) where
    it can be done without guessing. ``expected``: {notebook file name: the source notebook}. Returns
    (a Reason when it cannot be graded for a reason found here, else None; the repairs, as Messages)."""
    folder, done = Path(folder), []
    for name, source in expected.items():
        source_nb, path, repairs = read(source), folder / name, []
        if not path.exists():
            found = candidates(folder, source_nb)
            if len(found) > 1:
                return Reason("submission.two_candidates",
                              f"{' and '.join(found)} each look like {name}, so which one to grade cannot be told"), done
            if not found:
                continue  # submission.ungradable names what is there
            os.replace(folder / found[0], path)
            repairs.append(messages.Message("repair.renamed", found=found[0], name=name))
        try:
            nb = read(path)
        except Exception:  # noqa: BLE001 (submission.ungradable says what is wrong with it)
            done += repairs
            continue
        twice = deduplicate(nb)
        if twice:
            repairs.append(messages.Message("repair.duplicates", ids=", ".join(twice)))
        restored, alike = restore(nb, source_nb)
        if alike:
            return Reason("submission.metadata", f"{name}: cell metadata removed, and {alike}"), done
        if restored:
            repairs.append(messages.Message("repair.metadata", n=restored))
        done += repairs
        if repairs:  # said in this notebook's feedback page
            nb.metadata.setdefault(verdict.NAMESPACE, {})["repairs"] = [m.as_dict() for m in repairs]
            write(nb, path)
    return None, done


def noted(nb):
    """The repairs made to the graded notebook ``nb`` before it was graded, as Messages (feedback page)."""
    return [messages.Message.from_dict(m) for m in nb.get("metadata", {}).get(verdict.NAMESPACE, {}).get("repairs", [])]


# ---- the instructor's side: which submissions were graded after a repair (autograded/.repairs.json)

def _ledger(course):
    return folders.folder(course, "autograded") / ".repairs.json"


def recorded(course):
    """{"student/assignment": [the repairs, as Messages]} of the graded submissions that needed one."""
    path = _ledger(course)
    entries = json.loads(path.read_text()) if path.exists() else {}
    return {name: [messages.Message.from_dict(m) for m in done] for name, done in entries.items()}


def record(course, student, assignment, done):
    """Keep (or, with none, forget) the repairs ``done`` to a submission, graded or not."""
    path = _ledger(course)
    entries = json.loads(path.read_text()) if path.exists() else {}
    key = f"{student}/{assignment}"
    if not done and key not in entries:
        return
    if done:
        entries[key] = [m.as_dict() if isinstance(m, messages.Message) else m for m in done]
    else:
        entries.pop(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False))
    os.replace(tmp, path)
