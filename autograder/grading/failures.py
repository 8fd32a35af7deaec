"""Submissions that could not be graded: each scores zero, with a reason the student can act on.

When nbgrader cannot grade a submission at all (the file is not a notebook, its cells are
mangled beyond repair), the pipeline records zero for each of its steps in the gradebook,
writes a feedback page that says why, and lists it in autograded/.failures.json as a Reason (the
key of the explanation and the grader's own words), from which the class report names it, in
the language chosen there. The rest of the class is graded as usual.
"""
import html
import json
import os
import re
from dataclasses import asdict, dataclass

from .. import messages
from .third_party import quiet
from . import folders, gradebook

# (pattern in nbgrader's own error, the key of what the student reads in autograder/messages.py).
# The course's own checks (submission.py) give their Reason directly.
EXPLANATIONS = [
    (r"does not appear to be JSON|NotJSONError|JSONDecodeError|Expecting value|Unterminated string|UnicodeDecodeError",
     "submission.not_a_notebook"),
    (r"[Dd]uplicate|multiple cells", "submission.cell_twice"),
    (r"[Nn]o notebooks found|Skipping unknown notebook|No notebooks were matched", "submission.no_notebook"),
    (r"metadata", "submission.metadata"),
    (r"nbformat|[Nn]otebook does not appear|version", "submission.format_version"),
]


@dataclass(frozen=True)
class Reason:
    """Why a submission could not be graded: ``key``, the catalogue entry the student reads
    (submission.*), and ``detail``, the grader's own words (the file and what was found, or
    nbgrader's last error line)."""
    key: str
    detail: str = ""

    def text(self, lang="en"):
        """The explanation in ``lang`` ("zh", "en" or "both", on one line), then the detail."""
        said = messages.Message(self.key).render(lang, joined=" / ")
        return f"{said} ({self.detail})" if self.detail else said

    def __str__(self):  # the console and the logs: the instructor's, in English
        return self.text("en")


def reason(raw):
    """The catalogue's key of the explanation of nbgrader's error ``raw``."""
    for pattern, key in EXPLANATIONS:
        if re.search(pattern, raw):
            return key
    return "submission.not_graded"


def from_nbgrader(raw):
    """The Reason for nbgrader's error ``raw``: its explanation, and its last line."""
    lines = raw.strip().splitlines()
    return Reason(reason(raw), lines[-1] if lines else "no message")


def _ledger(course):
    return folders.folder(course, "autograded") / ".failures.json"


def reasons(course):
    """{"student/assignment": Reason} of the submissions that could not be graded: the one way to read them
    (each says itself in a language with ``Reason.text(lang)``)."""
    path = _ledger(course)
    entries = json.loads(path.read_text()) if path.exists() else {}
    # A ledger written before reasons were kept as keys holds English text: shown as the detail.
    return {name: Reason(**entry) if isinstance(entry, dict) else Reason("submission.not_graded", entry)
            for name, entry in entries.items()}


def _save(course, entries):
    path = _ledger(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False))
    os.replace(tmp, path)


def clear(course, student, assignment):
    entries = reasons(course)
    if entries.pop(f"{student}/{assignment}", None) is not None:
        _save(course, {name: asdict(why) for name, why in entries.items()})


def record(course, student, assignment, why):
    """Zero for every step of the submission, a feedback page with the reason, and an entry
    in the failures ledger. ``why``: a Reason, or nbgrader's error. Returns the reason in English."""
    from nbgrader.api import Gradebook

    why = why if isinstance(why, Reason) else from_nbgrader(why)
    with quiet(), Gradebook(gradebook.db_url(course)) as gb:
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()
    write_pages(course, student, assignment, why)
    entries = {name: asdict(one) for name, one in reasons(course).items()}
    entries[f"{student}/{assignment}"] = asdict(why)
    _save(course, entries)
    return messages.text(why.key, "en")


def write_pages(course, student, assignment, why):
    """The submission's feedback pages, one per notebook of the assignment, saying ``why`` in the chosen
    language(s): written when it is recorded, and again when feedback is made in another language."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.db_url(course)) as gb:
        notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
    folder = folders.folder(course, "feedback", student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    detail = html.escape(why.detail)
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(name) + "</title></head><body>"
            f"<h1>{html.escape(name)}</h1><h2>{html.escape(messages.say('submission.page_title'), quote=False)}</h2>"
            + "".join(f"<p>{html.escape(text)}</p>" for text in messages.lines(why.key))
            + f"<p><small>{html.escape(messages.say('submission.graders_message'), quote=False)} <code>{detail}</code>"
            "</small></p></body></html>",
            encoding="utf-8")
