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

from . import course_files

# (pattern in nbgrader's error, what the student reads: 中文, then English)
EXPLANATIONS = [
    (r"does not appear to be JSON|NotJSONError|JSONDecodeError|Expecting value|Unterminated string|UnicodeDecodeError",
     "提交的文件不是有效的 notebook（空文件、被截断或不是 .ipynb 格式）。请在 JupyterLab 里打开它确认，然后重新提交。",
     "The submitted file is not a valid notebook (empty, cut short, or not in .ipynb format). "
     "Open it in JupyterLab to check, then submit again."),
    (r"[Dd]uplicate|more than once|multiple cells",
     "同一个题目单元（grade id）在 notebook 里出现了不止一次，多半是复制了答题单元。请删掉多余的那个，然后重新提交。",
     "A graded cell (the same grade id) appears more than once in the notebook, most likely a copied answer cell. "
     "Delete the extra copy, then submit again."),
    (r"[Nn]o notebooks found|No submitted file|Skipping unknown notebook|No notebooks were matched",
     "没有找到要评分的 notebook：文件名必须和发下来的 notebook 一样（不要改名），然后重新提交。",
     "No notebook to grade was found: the file name must be the one of the notebook you were given "
     "(do not rename it); submit it again under that name."),
    (r"metadata",
     "notebook 里标记答题单元和检查单元的元数据被删掉了，所以找不到你的答案。请从一份新的作业副本开始，把答案粘贴进对应的单元，然后重新提交。",
     "The notebook's cell metadata, which marks the answer and check cells, was removed, so your answers cannot be "
     "found. Start from a fresh copy of the assignment, paste your answers into its cells, then submit again."),
    (r"nbformat|[Nn]otebook does not appear|version",
     "notebook 的格式版本太旧或无法识别。请用 JupyterLab 打开并保存一次，然后重新提交。",
     "The notebook's format version is too old or not recognised. Open and save it once in JupyterLab, then submit again."),
]
GENERIC = ("这份提交无法评分。", "This submission could not be graded.")


def explain(raw):
    """(中文, English) for nbgrader's error ``raw``."""
    for pattern, zh, en in EXPLANATIONS:
        if re.search(pattern, raw):
            return zh, en
    return GENERIC


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


    zh, en = explain(raw)
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
            f"<h1>{html.escape(name)}</h1><h2>无法评分 / Could not be graded — 0 分 / score 0</h2>"
            f"<p>{html.escape(zh)}</p><p>{html.escape(en)}</p>"
            f"<p><small>评分程序的信息 / Grader's message: <code>{detail}</code></small></p></body></html>",
            encoding="utf-8")
    entries = load(course)
    entries[f"{student}/{assignment}"] = f"{en} ({raw.strip().splitlines()[-1] if raw.strip() else 'no message'})"
    _save(course, entries)
    return en
