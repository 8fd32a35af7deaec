"""The class report: who scored what on each step, and which mistakes the class made most.

Scores come from the gradebook; mistakes from the verdict records of the autograded notebooks'
test cells (verdict.py): the known mistakes named, alone or two at once, the rules broken, the shape
mistakes and what the fallback observed, each counted by its key and shown in the chosen language.
"""
from collections import Counter
from pathlib import Path

import nbformat

from .. import messages
from ..messages import Message
from . import folders, gradebook, failures, repair, verdict


def steps(course, assignments):
    """[(assignment, grade_id, max_score)] of every test cell, in notebook order."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import is_grade

    sources = folders.source_notebooks(course)
    result = []
    with Gradebook(gradebook.db_url(course)) as gb:
        for a in assignments:
            order = [c.metadata.nbgrader["grade_id"] for c in nbformat.read(sources[a], as_version=4).cells if is_grade(c)]
            cells = [cell for nb in gb.find_assignment(a).notebooks for cell in nb.grade_cells]
            cells.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
            result += [(a, cell.name, cell.max_score) for cell in cells]
    return result


def table(course, assignments):
    """{student: {(assignment, grade_id): score or None}} for every student in the gradebook."""
    scores = {a: gradebook.scores(course, a) for a in assignments}
    students = sorted({s for per in scores.values() for s in per})
    cells = steps(course, assignments)
    return {s: {(a, g): scores[a].get(s, {}).get(g) for a, g, _ in cells} for s in students}


def named(record):
    """(key, Message) of everything a verdict record names: each mistake ("relu_mask_missing"), two
    made together ("loss_half + mean_over_batch"), each rule broken ("rule.torch"), each shape mistake
    and each observation (by its catalogue key, "value.transposed", with its values)."""
    for key in record["mistakes"]:
        yield key, Message(f"mistake.{key}")
    for first, second in record["pairs"]:
        yield f"{first} + {second}", Message("diagnosis.two_causes", first=Message(f"mistake.{first}"),
                                             second=Message(f"mistake.{second}"))
    for rule in record["rules"]:
        yield f"rule.{rule}", Message(f"rule.{rule}")
    for data in record["shapes"] + record["observations"]:
        yield data["key"], Message.from_dict(data)


def mistakes(course, assignments):
    """Counter of (assignment, grade_id, key, Message) named in the autograded test cells' verdict
    records (``named``): how many students' steps named each."""
    found = Counter()
    for path in folders.notebooks(course, "autograded"):
        assignment = path.parent.name
        if assignment not in assignments:
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            record = verdict.read(cell)
            if record is not None:
                found.update({(assignment, record["step"], key, message) for key, message in named(record)})
    return found


def _ranked(counts):
    """The counts, most common first; ties by step and key (so in the same order in every language)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0][:3], repr(item[0][3].as_dict())))


def _cell(text):
    """Text as one cell of a markdown table: one line, no column bar."""
    return " ".join(text.split()).replace("|", "/")


def mistakes_table(counts, lang=None):
    """The markdown table of ``counts`` (as from ``mistakes``), most common first, each said in ``lang``."""
    return ["| step | key | what the check said | students |", "|---|---|---|---|",
            *(f"| {a}.{g} | {k} | {_cell(m.render(lang, joined=' / '))} | {n} |" for (a, g, k, m), n in _ranked(counts))]


def totals_text(course, assignments):
    """The grade table: one row per student, one column per assignment (score / max)."""
    grid, cells = table(course, assignments), steps(course, assignments)
    best = {a: sum(m for a2, _, m in cells if a2 == a) for a in assignments}
    width = max([len("student")] + [len(s) for s in grid]) + 2
    lines = ["student".ljust(width) + "".join(a.rjust(14) for a in assignments)]
    for student, row in grid.items():
        got = {a: [v for (a2, _), v in row.items() if a2 == a and v is not None] for a in assignments}
        lines.append(student.ljust(width) + "".join(
            (f"{sum(got[a]):g}/{best[a]:g}" if got[a] else "–").rjust(14) for a in assignments))
    broken = {key: why.text(messages.language()) for key, why in failures.reasons(course).items()
              if key.split("/")[-1] in assignments}
    if broken:
        lines += ["", "could not be graded (scored zero):"] + [f"  {key}: {why}" for key, why in sorted(broken.items())]
    fixed = {key: done for key, done in repair.recorded(course).items() if key.split("/")[-1] in assignments}
    if fixed:  # graded after a repair (repair.py): what was repaired, one line each
        lines += ["", "graded after a repair:"] + [f"  {key}: {messages.render(one, joined=' / ')}"
                                                   for key, done in sorted(fixed.items()) for one in done]
    return "\n".join(lines)


def write(course, assignments, out=None, lang=None):
    """Write reports/class_report.md (students × steps, and the common mistakes, in ``lang``: "zh",
    "en" or "both", default the chosen language) and reports/class_report.png (pass rate per step;
    most common mistakes). Returns the folder."""
    # A Figure of its own, drawn by Agg: pyplot (its backends, its figure manager) is not needed for a file.
    import matplotlib.ticker
    from matplotlib.figure import Figure

    lang = lang or messages.language()
    out = Path(out or Path(course) / "reports")
    out.mkdir(parents=True, exist_ok=True)
    grid, cells, counts = table(course, assignments), steps(course, assignments), mistakes(course, assignments)
    names = [f"{a[:2]}.{g.removeprefix('test_')}" for a, g, _ in cells]
    md = ["# Class report / 班级报告", "", "| student | " + " | ".join(names) + " |",
          "|---|" + "---|" * len(names)]
    for student, row in grid.items():
        md.append(f"| {student} | " + " | ".join("–" if row[(a, g)] is None else f"{row[(a, g)]:g}/{m:g}"
                                                    for a, g, m in cells) + " |")
    md += ["", "## Most common mistakes / 最常见的错误", "", *mistakes_table(counts, lang)]
    broken = {key: why.text(lang) for key, why in failures.reasons(course).items() if key.split("/")[-1] in assignments}
    if broken:
        md += ["", "## Could not be graded (scored zero) / 无法评分（记 0 分）", "", "| submission | reason |", "|---|---|"]
        md += [f"| {key} | {_cell(why)} |" for key, why in sorted(broken.items())]
    (out / "class_report.md").write_text("\n".join(md) + "\n")

    graded = {(a, g): [row[(a, g)] for row in grid.values() if row[(a, g)] is not None] for a, g, _ in cells}
    rates = [100 * sum(v >= m for v in graded[(a, g)]) / max(1, len(graded[(a, g)])) for a, g, m in cells]
    top = _ranked(counts)[:8]
    fig = Figure(figsize=(13, 4.5))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    left.bar(range(len(names)), rates, color="#4a86e8")
    left.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    left.set_ylabel("students with full marks (%)")
    left.set_ylim(0, 100)
    left.set_title(f"pass rate per step ({len(grid)} students)")
    right.barh(range(len(top)), [n for _, n in top], color="#e06666")
    right.set_yticks(range(len(top)), [f"{a[:2]}.{g.removeprefix('test_')}: {k}" for (a, g, k, _), _ in top], fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("students")
    right.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    right.set_title("most common diagnosed mistakes" if top else "no diagnosed mistakes")
    fig.tight_layout()
    fig.savefig(out / "class_report.png", dpi=110)
    return out
