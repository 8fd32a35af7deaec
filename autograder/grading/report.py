"""The class report: who scored what on each step, and which mistakes the class made most.

Scores come from the gradebook; mistakes from the autograded notebooks' test cells, whose
failure messages name a mistake from the diagnosis catalogue.
"""
from collections import Counter
from pathlib import Path

import nbformat

from ..diagnosis import MISTAKES
from . import course_files, failures


def steps(course, assignments):
    """[(assignment, grade_id, max_score)] of every test cell, in notebook order."""
    from nbgrader.api import Gradebook

    sources = course_files.source_notebooks(course)
    result = []
    with Gradebook(course_files.db_url(course)) as gb:
        for a in assignments:
            order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nbformat.read(sources[a], as_version=4).cells]
            cells = [cell for nb in gb.find_assignment(a).notebooks for cell in nb.grade_cells]
            cells.sort(key=lambda c: order.index(c.name) if c.name in order else len(order))
            result += [(a, cell.name, cell.max_score) for cell in cells]
    return result


def table(course, assignments):
    """{student: {(assignment, grade_id): score or None}} for every student in the gradebook."""
    scores = {a: course_files.scores(course, a) for a in assignments}
    students = sorted({s for per in scores.values() for s in per})
    cells = steps(course, assignments)
    return {s: {(a, g): scores[a].get(s, {}).get(g) for a, g, _ in cells} for s in students}


def mistakes(course, assignments):
    """Counter of (assignment, grade_id, mistake key) named in the autograded test cells."""
    found = Counter()
    for path in course_files.notebooks(course, "autograded"):
        assignment = path.parent.name
        if assignment not in assignments:
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade"):
                continue
            text = "\n".join(o.get("evalue", "") + o.get("text", "") for o in cell.get("outputs", []))
            for key, mistake in MISTAKES.items():
                if mistake.en in text:
                    found[(assignment, meta["grade_id"], key)] += 1
    return found


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
    broken = {key: why for key, why in failures.load(course).items() if key.split("/")[-1] in assignments}
    if broken:
        lines += ["", "could not be graded (scored zero):"] + [f"  {key}: {why}" for key, why in sorted(broken.items())]
    return "\n".join(lines)


def write(course, assignments, out=None):
    """Write reports/class_report.md (students × steps, and the common mistakes) and
    reports/class_report.png (pass rate per step; most common mistakes). Returns the folder."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out or Path(course) / "reports")
    out.mkdir(parents=True, exist_ok=True)
    grid, cells, counts = table(course, assignments), steps(course, assignments), mistakes(course, assignments)
    names = [f"{a[:2]}.{g.removeprefix('test_')}" for a, g, _ in cells]
    md = ["# Class report / 班级报告", "", "| student | " + " | ".join(names) + " |",
          "|---|" + "---|" * len(names)]
    for student, row in grid.items():
        md.append(f"| {student} | " + " | ".join("–" if row[(a, g)] is None else f"{row[(a, g)]:g}/{m:g}"
                                                    for a, g, m in cells) + " |")
    md += ["", "## Most common mistakes / 最常见的错误", "", "| step | mistake | students |", "|---|---|---|"]
    md += [f"| {a}.{g} | {MISTAKES[k].en} | {n} |" for (a, g, k), n in counts.most_common()]
    broken = {key: why for key, why in failures.load(course).items() if key.split("/")[-1] in assignments}
    if broken:
        md += ["", "## Could not be graded (scored zero) / 无法评分（记 0 分）", "", "| submission | reason |", "|---|---|"]
        md += [f"| {key} | {why.replace('|', '/')} |" for key, why in sorted(broken.items())]
    (out / "class_report.md").write_text("\n".join(md) + "\n")

    graded = {(a, g): [row[(a, g)] for row in grid.values() if row[(a, g)] is not None] for a, g, _ in cells}
    rates = [100 * sum(v >= m for v in graded[(a, g)]) / max(1, len(graded[(a, g)])) for a, g, m in cells]
    top = counts.most_common(8)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    left.bar(range(len(names)), rates, color="#4a86e8")
    left.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    left.set_ylabel("students with full marks (%)")
    left.set_ylim(0, 100)
    left.set_title(f"pass rate per step ({len(grid)} students)")
    right.barh(range(len(top)), [n for _, n in top], color="#e06666")
    right.set_yticks(range(len(top)), [f"{a[:2]}.{g.removeprefix('test_')}: {k}" for (a, g, k), _ in top], fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("students")
    right.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    right.set_title("most common diagnosed mistakes" if top else "no diagnosed mistakes")
    fig.tight_layout()
    fig.savefig(out / "class_report.png", dpi=110)
    plt.close(fig)
    return out
