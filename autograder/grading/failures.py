"""Submissions that could not be graded: each scores zero, with a reason the student can act on.

When nbgrader cannot grade a submission at all (the file is not a notebook, its cells are
mangled beyond repair), the pipeline records zero for each of its steps in the gradebook,
writes a feedback page that says why, and lists it in autograded/.failures.json, from which the
class report names it. The rest of the class is graded as usual.
"""
import html
import json
import os
import re

from .. import messages
from . import course_files

# (pattern in nbgrader's error, the key of what the student reads in autograder/messages.py)
EXPLANATIONS = [
    (r"does not appear to be JSON|NotJSONError|JSONDecodeError|Expecting value|Unterminated string|UnicodeDecodeError",
     "submission.not_a_notebook"),
    (r"[Dd]uplicate|more than once|multiple cells", "submission.cell_twice"),
    (r"[Nn]o notebooks found|No submitted file|Skipping unknown notebook|No notebooks were matched",
     "submission.no_notebook"),
    (r"metadata", "submission.metadata"),
    (r"nbformat|[Nn]otebook does not appear|version", "submission.format_version"),
]
GENERIC = messages.pair("submission.not_graded")


def reason(raw):
    """The catalogue's key of the explanation of nbgrader's error ``raw``."""
    for pattern, key in EXPLANATIONS:
        if re.search(pattern, raw):
            return key
    return "submission.not_graded"


def explain(raw):
    """(中文, English) for nbgrader's error ``raw``."""
    return messages.pair(reason(raw))


def _ledger(course):
    return course_files.folder(course, "autograded") / ".failures.json"


def load(course):
    """{"student/assignment": reason} of the submissions that could not be graded."""
    path = _ledger(course)
    return json.loads(path.read_text()) if path.exists() else {}


def _save(course, entries):
    path = _ledger(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False))
    os.replace(tmp, path)


def clear(course, student, assignment):
    entries = load(course)
    if entries.pop(f"{student}/{assignment}", None) is not None:
        _save(course, entries)


def record(course, student, assignment, raw):
    """Zero for every step of the submission, a feedback page with the reason, and an entry
    in the failures ledger. Returns the reason in English."""
    from nbgrader.api import Gradebook


    key = reason(raw)
    with Gradebook(course_files.db_url(course)) as gb:
        submission = gb.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()
        notebooks = [nb.name for nb in submission.notebooks]
    folder = course_files.folder(course, "feedback", student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    detail = html.escape(raw.strip().splitlines()[-1] if raw.strip() else "")
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(name) + "</title></head><body>"
            f"<h1>{html.escape(name)}</h1><h2>{html.escape(messages.say('submission.page_title'), quote=False)}</h2>"
            + "".join(f"<p>{html.escape(text)}</p>" for text in messages.lines(key))
            + f"<p><small>{html.escape(messages.say('submission.graders_message'), quote=False)} <code>{detail}</code>"
            "</small></p></body></html>",
            encoding="utf-8")
    en = messages.text(key, "en")  # the ledger is for the instructor: English
    entries = load(course)
    entries[f"{student}/{assignment}"] = f"{en} ({raw.strip().splitlines()[-1] if raw.strip() else 'no message'})"
    _save(course, entries)
    return en
