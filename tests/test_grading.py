"""The grading pipeline on the generated class of `make demo` (corpus/demo.py): real
nbgrader underneath, run by `python -m autograder grade` in parallel. The demo is run once,
exactly as `make demo` runs it; the tests read its results. Also: a rerun grades only what changed.
(Parity with stock nbgrader: test_parity.py; the demo without bubblewrap: test_demo_elsewhere.py;
zip_collect then grading: test_collect.py.)"""
import html
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from corpus import cells
from corpus import demo, demo_class
from corpus import hostile_class
from autograder.grading import folders, gradebook, batch, window
from autograder.grading.isolation import sandbox
from autograder.diagnosis import MISTAKES as CATALOGUE

pytestmark = pytest.mark.slow

# What the feedback must say for a mistake that is not in the diagnosis catalogue.
EXTRA_PHRASES = {"transposed": "looks transposed",
                 "autograd": "autograd (.backward(), torch.autograd.grad, torch.func) is not allowed"}


def _grade(folder, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "2",
                           *demo_class.trusted_grading(), *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def graded(demo):
    """`make demo`'s class (conftest.py: graded once, read by test_parity.py too)."""
    folder, proc = demo
    return folder, proc, {a: gradebook.scores(folder, a) for a in folders.assignments(folder)}


def test_demo_prints_the_table_with_the_expected_scores(graded):
    folder, proc, scores = graded
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every score as expected" in proc.stdout
    table = proc.stdout[proc.stdout.index("student "):]
    assert re.search(r"^reference\s+(10/10\s+){4}10/10$", table, re.M)
    assert re.search(r"^untouched_stub\s+(0/10\s+){4}0/10$", table, re.M)
    assert re.search(r"^factor_2_missing\s+6/10\s+(10/10\s+){3}10/10$", table, re.M)
    assert str(folder / "feedback") in proc.stdout and "class_report.png" in proc.stdout
    # the damaged notebooks of the demo, repaired and graded in full, each repair named once below the table
    for student in ("duplicated_solution", "metadata_stripped", "renamed"):
        assert re.search(rf"^{student}\s+10/10\s", table, re.M), student  # 01_numpy, the first column
    repaired = table[table.index("graded after a repair:"):]
    assert all(f"  {s}/01_numpy: " in repaired for s in ("duplicated_solution", "metadata_stripped", "renamed"))


def test_demo_says_nothing_of_third_party_warnings(graded):
    """SQLAlchemy's and nbformat's warnings do not scroll past the progress bar: what a copied cell means is said
    once, by its repair, in the course's words."""
    proc = graded[1]
    for noise in ("SAWarning", "not in session", "DuplicateCellId", "MissingIDFieldWarning", "Warning:"):
        assert noise not in proc.stdout + proc.stderr, noise


def _page(folder, student, assignment):
    """The feedback page as the student reads it: text without tags."""
    page = next((folder / "feedback" / student / assignment).glob("*.html"))
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def test_grading_succeeds_and_every_submission_is_in_the_gradebook(graded):
    folder, proc, scores = graded
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from corpus import hostile_class
    from autograder.grading import failures

    assert set(failures.reasons(folder)) == {f"{s}/01_numpy" for s in demo.HOSTILE
                                          if hostile_class.CASES[s][2] == hostile_class.BROKEN}
    for job in batch.submissions(folder, folders.assignments(folder)):
        got = scores[job.assignment][job.student]
        assert set(got) == set(cells.points(folder, job.assignment)) and None not in got.values(), (job, got)


def test_solution_gets_full_marks(graded):
    folder, _, scores = graded
    for assignment in folders.assignments(folder):
        assert scores[assignment][demo_class.REFERENCE] == cells.points(folder, assignment)


def test_untouched_stub_scores_zero_on_every_test_cell(graded):
    folder, _, scores = graded
    for assignment in folders.assignments(folder):
        stub = scores[assignment][demo_class.STUB]
        assert set(stub) == set(cells.points(folder, assignment))
        assert all(score == 0 for score in stub.values()), stub


@pytest.mark.parametrize("student", demo.HOSTILE)
def test_the_demo_grades_its_hostile_submissions_as_expected(graded, student):
    folder, _, scores = graded
    if student in hostile_class.NEEDS_SANDBOX and sandbox.unavailable():
        pytest.skip(f"left out of the demo here: {sandbox.unavailable()}")
    assert scores["01_numpy"][student] == demo.expected(folder, student, "01_numpy", cells.points(folder, "01_numpy"))


@pytest.mark.parametrize("assignment,student,grade_id,_r,key", demo_class.MISTAKES,
                         ids=[f"{m[0]}-{m[1]}" for m in demo_class.MISTAKES])
def test_a_mistake_loses_only_its_step_and_feedback_names_it(graded, assignment, student, grade_id, _r, key):
    folder, _, scores = graded
    assert scores[assignment][student] == demo.expected(folder, student, assignment, cells.points(folder, assignment))
    page = _page(folder, student, assignment)
    if key in CATALOGUE:
        assert CATALOGUE[key].en in page and CATALOGUE[key].zh in page
    else:
        assert EXTRA_PHRASES[key] in page


def test_feedback_never_shows_hidden_tests(graded):
    folder, _, _ = graded
    hidden = [line.strip() for nb in folders.source_notebooks(folder).values() for line in _hidden_lines(nb)]
    assert len(hidden) > 10
    pages = list((folder / "feedback").rglob("*.html"))
    assert len(pages) == len(batch.submissions(folder, folders.assignments(folder)))
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert "HIDDEN TESTS" not in text
        for line in hidden:
            assert line not in text, f"{page}: shows hidden test line {line!r}"


def _hidden_lines(path):
    for cell in nbformat.read(path, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                yield line


def test_feedback_shows_points_per_step(graded):
    folder, _, _ = graded
    page = _page(folder, "factor_2_missing", "01_numpy")
    assert "Score: 0.0 / 4.0" in page  # backward
    assert "Score: 2.0 / 2.0" in page  # forward, loss, update


SUMMARY_ROW = re.compile(r'<tr class="step (?P<state>passed|failed)" data-grade-id="(?P<grade_id>[^"]+)">\s*'
                         r'<td class="name"><a href="#(?P<link>[^"]+)">(?P<name>[^<]*)</a>(?P<why>.*?)</td>\s*'
                         r'<td class="points">[✓✗] (?P<score>[\d.]+) / (?P<points>[\d.]+)</td>', re.S)


def test_feedback_summary_names_each_step_with_the_gradebooks_points(graded):
    """The summary at the top of every feedback page: each step by name, its points as in the gradebook,
    a link to its cell, a failed step's first explanation line, and the total."""
    from autograder import messages
    from autograder.grading import failures
    from autograder.grading.plugins import feedback

    folder, _, scores = graded
    not_graded = set(failures.reasons(folder))
    pages = 0
    for assignment in folders.assignments(folder):
        points = cells.points(folder, assignment)
        for student, got in scores[assignment].items():
            if f"{student}/{assignment}" in not_graded:  # not graded: failures.py's page, no steps to list
                continue
            page = next((folder / "feedback" / student / assignment).glob("*.html")).read_text(encoding="utf-8")
            summary = page[page.index('id="course-summary"'):page.index("</table>", page.index('id="course-summary"'))]
            rows = [m.groupdict() for m in SUMMARY_ROW.finditer(summary)]
            text = html.unescape(page)  # as the browser reads it (&#39; and ' alike)
            assert [r["grade_id"] for r in rows] == list(points), (student, assignment)
            for r in rows:
                grade_id = r["grade_id"]
                assert r["link"] == grade_id and f'<a name="{grade_id}"></a>' in page
                assert html.unescape(r["name"]) == messages.say(feedback.STEP_NAMES[grade_id], joined=" / ")
                assert (float(r["score"]), float(r["points"])) == (got[grade_id], points[grade_id]), (student, grade_id)
                assert (r["state"] == "failed") == (got[grade_id] < points[grade_id])
                why = [html.unescape(w) for w in re.findall(r'<div class="why">(.*?)</div>', r["why"], re.S)]
                assert bool(why) == (r["state"] == "failed"), (student, grade_id, why)
                for line in why:  # quoted from the check's message in the cell below
                    assert text.count(line) >= 2 or line in messages.lines("summary.see_cell")
            total = re.search(r'<tr class="total">.*?<td class="points">([\d.]+) / ([\d.]+)</td>', summary, re.S)
            assert (float(total[1]), float(total[2])) == (sum(got.values()), sum(points.values())), (student, assignment)
            assert page.index('id="course-summary"') < page.index('class="cell')  # before the first cell
            pages += 1
    assert pages > 20


def test_grades_csv_and_class_report_are_written(graded):
    folder, proc, _ = graded
    rows = (folder / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("assignment,")
    students = {job.student for job in batch.submissions(folder, folders.assignments(folder))}
    assert len(rows) - 1 == len(students) * len(folders.assignments(folder))  # nbgrader: one row each, 0 if absent
    md = (folder / "reports" / "class_report.md").read_text()
    assert CATALOGUE["relu_mask_missing"].en in md and "| reference |" in md
    assert (folder / "reports" / "class_report.png").stat().st_size > 10_000
    assert "reference" in proc.stdout and "untouched_stub" in proc.stdout


def test_rerun_grades_only_what_changed(graded, tmp_path):
    folder, _, scores = graded
    folder = shutil.copytree(folder, tmp_path / "demo", symlinks=True)  # the demo stays as graded, for the others
    again = _grade(folder)
    assert "nothing new or changed" in again.stdout, again.stdout
    target = folder / "submitted" / demo_class.STUB / "01_numpy"
    notebook = next(target.glob("*.ipynb"))
    shutil.copy(folders.source_notebooks(folder)["01_numpy"], notebook)  # the stub student finished 01
    changed = _grade(folder)
    assert "graded 1 submission(s)" in changed.stdout, changed.stdout
    assert gradebook.scores(folder, "01_numpy")[demo_class.STUB] == cells.points(folder, "01_numpy")
    for assignment in folders.assignments(folder):
        for student, got in gradebook.scores(folder, assignment).items():
            if (student, assignment) != (demo_class.STUB, "01_numpy"):
                assert got == scores[assignment][student]


def test_a_job_whose_workers_were_lost_comes_back_for_the_next_run_and_the_others_are_graded():
    """window.windowed, as the cluster and the local pool use it: a job whose workers Dask lost too often
    (KilledWorker) is an Outcome to retry, with the reason; the others come back as they finished;
    never more than ``window`` jobs are out at once."""
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    from distributed.scheduler import KilledWorker

    jobs = [batch.Job(s, "01_numpy") for s in ("alice", "bob", "carol")]
    out, most = [], [0]

    def submit(job, files):
        out.append(job)
        most[0] = max(most[0], len(out))
        future = Future()
        if job.student == "bob":
            future.set_exception(KilledWorker(f"grade-{job.student}", "tcp://127.0.0.1:1", 3))
        else:
            future.set_result(batch.Outcome(job, True))
        return future

    def first_done(pending):
        done = wait(pending, return_when=FIRST_COMPLETED).done
        out.clear()
        return done

    results = list(window.windowed(jobs, submit, first_done, lambda job: {"x.ipynb": job.student.encode()}, 1))
    assert [(o.job.student, o.ok, o.retry) for o, _ in results] == [("alice", True, False), ("bob", False, True),
                                                                      ("carol", True, False)]
    assert "lost several times" in results[1][0].reason
    assert [files for _, files in results] == [{"x.ipynb": s.encode()} for s in ("alice", "bob", "carol")]
    assert most[0] == 1
