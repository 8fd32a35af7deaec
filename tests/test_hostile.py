"""Hostile and broken submissions (corpus/hostile_class.py), graded once by `python -m autograder
grade` in the grading sandbox, in one course with the authority class (untrusted_class.py); many
assertions on the result; and some of it graded again with --execute (each notebook run in a kernel first).

Needs bubblewrap (`apt-get install bubblewrap`; .ci/run installs it): without it grading
refuses to run untrusted notebooks, and these tests skip."""
import html
import re
import subprocess
import sys

import nbformat
import pytest

from corpus import cells
from corpus import demo_class
from corpus import hostile_class
from autograder import messages
from autograder.grading import folders, gradebook, failures
from autograder.grading.isolation import sandbox

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))]
A = hostile_class.ASSIGNMENT


@pytest.fixture(scope="module")
def graded(untrusted):
    """The hostile class, graded with the authority class in one course (conftest.py)."""
    folder, proc, canaries = untrusted
    return folder, proc, gradebook.scores(folder, A), canaries


def _expected(folder, student):
    return hostile_class.expected(folder, student, cells.points(folder, A))


def _autograded(folder, student):
    return nbformat.read(folder / "autograded" / student / A / folders.source_notebooks(folder)[A].name, as_version=4)


def _feedback(folder, student):
    page = next((folder / "feedback" / student / A).glob("*.html"))
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def test_the_batch_finishes_and_reports_what_could_not_be_graded(graded):
    folder, proc, scores, _ = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: some submissions could not be graded
    broken = [s for s, case in hostile_class.CASES.items() if case[2] == hostile_class.BROKEN]
    for student in broken:
        assert f"could not grade {student}/{A}" in proc.stdout, proc.stdout
    assert set(failures.reasons(folder)) == {f"{s}/{A}" for s in broken}
    report = (folder / "reports" / "class_report.md").read_text()
    assert all(f"{s}/{A}" in report for s in broken)


@pytest.mark.parametrize("student", sorted(hostile_class.CASES))
def test_each_submission_gets_the_score_it_earned(graded, student):
    folder, proc, scores, _ = graded
    assert student in scores, f"{student} is not in the gradebook:\n{proc.stdout}\n{proc.stderr}"
    assert scores[student] == _expected(folder, student), hostile_class.CASES[student][0]


def test_the_reference_student_is_graded_as_usual(graded):
    folder, _, scores, _ = graded
    assert scores[demo_class.REFERENCE] == cells.points(folder, A)


@pytest.mark.parametrize("student", [s for s, c in hostile_class.CASES.items() if c[2] == hostile_class.BROKEN])
def test_a_broken_submission_has_a_reason_in_its_feedback(graded, student):
    folder = graded[0]
    page = _feedback(folder, student)
    assert "Could not be graded" in page and "无法评分" in page
    why = failures.reasons(folder)[f"{student}/{A}"]
    assert why.key != "submission.not_graded", "the reason should say what is wrong, not only that grading failed"
    zh, en = messages.pair(why.key)
    assert zh in page and en in page


def test_reasons_name_the_problem(graded):
    assert "could not grade truncated_json/01_numpy: " in graded[1].stdout
    assert "does not appear to be JSON" in graded[1].stdout  # nbformat's own words, after the course's
    got = {name: why.text("en") for name, why in failures.reasons(graded[0]).items()}
    assert "not a valid notebook" in got[f"empty_file/{A}"]
    assert "not a valid notebook" in got[f"truncated_json/{A}"]
    assert "not a valid notebook" in got[f"zip_as_ipynb/{A}"]
    assert "file name" in got[f"missing_notebook/{A}"]
    # no guessing: two notebooks that both look like the assignment, named; answer cells that cannot be told apart
    assert "More than one notebook" in got[f"two_candidates/{A}"]
    assert "copy_a.ipynb and copy_b.ipynb each look like" in got[f"two_candidates/{A}"]
    assert "metadata" in got[f"cells_alike/{A}"] and "which one is the answer cannot be told" in got[f"cells_alike/{A}"]


# ---------------------------------------------------------------- repaired, then graded (repair.py)

@pytest.mark.parametrize("student", sorted(hostile_class.TWINS))
def test_a_repaired_submission_scores_what_its_undamaged_twin_scores(graded, student):
    """The same answers in an undamaged notebook: neither a point more nor a point less."""
    folder, proc, scores, _ = graded
    twin = hostile_class.TWINS[student]
    assert scores[student] == scores[twin], (student, twin)
    assert f"{student}/{A}" not in failures.reasons(folder)
    assert f"could not grade {student}/{A}" not in proc.stdout


@pytest.mark.parametrize("student", sorted(hostile_class.REPAIRS))
def test_a_repair_is_named_in_the_feedback_and_the_grade_table(graded, student):
    from autograder import messages
    from autograder.grading import repair

    folder, proc = graded[0], graded[1]
    done = repair.recorded(folder)[f"{student}/{A}"]
    assert [m.key for m in done] == [hostile_class.REPAIRS[student]]
    page = _feedback(folder, student)
    assert "Repaired before grading" in page and "评分前修复了这份提交" in page
    for lang in ("zh", "en"):
        assert done[0].text(lang) in page
    table = proc.stdout[proc.stdout.index("graded after a repair:"):]
    assert f"  {student}/{A}: {messages.render(done[0], joined=' / ')}" in table
    # the graded notebook is under the assignment's own name, with the answer cells nbgrader knows
    assert [c.metadata["nbgrader"]["grade_id"] for c in _autograded(folder, student).cells
            if c.metadata.get("nbgrader", {}).get("grade")] == list(hostile_class.STEPS)


def test_a_notebook_graded_as_is_names_no_repair(graded):
    from autograder.grading import repair

    folder = graded[0]
    assert set(repair.recorded(folder)) == {f"{s}/{A}" for s in hostile_class.REPAIRS}
    assert "Repaired before grading" not in _feedback(folder, demo_class.REFERENCE)


def test_long_lines_wrap_on_the_feedback_page(graded):
    """Outputs (a check's explanation, a traceback) wrap at the page's width instead of running off its edge."""
    page = next((graded[0] / "feedback" / "rebind_checks" / A).glob("*.html")).read_text()
    assert re.search(r"div\.output_area pre, div\.output_subarea pre \{ white-space: pre-wrap; overflow-wrap: anywhere; \}",
                     page)
    assert page.index("white-space: pre-wrap; overflow-wrap") > page.index("</head>")  # after the page's stylesheets: it wins


def test_endless_cells_are_stopped_and_named(graded):
    folder = graded[0]
    for student, grade_id in (("infinite_loop", "test_forward"), ("sleep_forever", "test_loss"), ("busy_helper", "test_backward")):
        cell = cells.cell(_autograded(folder, student), grade_id)
        assert any(o.output_type == "error" for o in cell.outputs), (student, cell.outputs)
    # a cell that never ends, and a call that never returns, are stopped by the judge at the cell's time limit
    assert "ran past its time limit" in _feedback(folder, "infinite_loop")
    assert "gave no result within 10 s" in _feedback(folder, "sleep_forever")


def test_errors_without_a_message_are_explained_in_the_feedback(graded):
    assert "Out of memory" in _feedback(graded[0], "memory_bomb")


@pytest.mark.parametrize("kept", ["the student's own outputs", "outputs of a run again"])
def test_outputs_stay_small(graded, executed, kept):
    folder = graded[0] if kept == "the student's own outputs" else executed[0]
    for student in ("print_flood", "huge_string", "huge_image"):
        notebook = folder / "autograded" / student / A / folders.source_notebooks(folder)[A].name
        page = next((folder / "feedback" / student / A).glob("*.html"))
        assert notebook.stat().st_size < 2_000_000, (student, notebook.stat().st_size)
        assert page.stat().st_size < 3_000_000, (student, page.stat().st_size)
    assert "output too long" in _feedback(folder, "huge_string")
    assert "output too large" in _feedback(folder, "huge_image")


def test_the_graded_notebook_keeps_the_students_own_outputs_and_plots(graded):
    folder = graded[0]
    flood = cells.cell(_autograded(folder, "print_flood"), "forward")
    assert any(o.get("text", "").startswith("0\n1\n2\n") for o in flood.outputs)  # their own run's, cut
    page = next((folder / "feedback" / demo_class.REFERENCE / A).glob("*.html")).read_text()
    assert "data:image/png" in page  # the reference ran its notebook: its plots are in its feedback


# ---------------------------------------------------------------- run again in a kernel (--execute)

# The cases whose run in a kernel some test below reads (a kernel that dies, a cell that never ends, one that
# reaches out, outputs too big): each costs its kernel's limits again.
EXECUTED = ("os_exit", "infinite_loop", "reach_out", "print_flood", "huge_string", "huge_image")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Some of the class graded with --execute: each notebook run again in the sandboxed kernel first."""
    folder = hostile_class.build(tmp_path_factory.mktemp("executed") / "course", students=EXECUTED)
    canaries = {folder / "nbgrader_config.py": (folder / "nbgrader_config.py").read_bytes()}
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "2", "--execute"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder, proc, gradebook.scores(folder, A), canaries


def test_running_the_notebooks_again_gives_the_same_scores(graded, executed):
    for student in (demo_class.REFERENCE, *EXECUTED):
        assert executed[2][student] == graded[2][student], student


def test_a_dead_kernel_costs_only_the_cells_from_there_on(executed):
    folder = executed[0]
    update = cells.cell(_autograded(folder, "os_exit"), "update")
    assert any(o.output_type == "error" and o.ename == "KernelDied" for o in update.outputs)
    page = _feedback(folder, "os_exit")
    assert "The kernel stopped" in page and "Not run: the kernel stopped in an earlier cell (update)" in page


def test_a_cell_that_never_ends_is_stopped_in_the_kernel_too(executed):
    cell = cells.cell(_autograded(executed[0], "infinite_loop"), "forward")
    assert any(o.output_type == "error" and o.ename in ("CellTimeoutError", "KeyboardInterrupt") for o in cell.outputs)


def test_a_submission_cannot_reach_the_course_files_the_environment_or_the_network(graded, executed):
    for folder, canaries in ((graded[0], graded[3]), (executed[0], executed[3])):
        for path, content in canaries.items():
            assert path.read_bytes() == content, f"{path} was changed"
        assert not list(folder.rglob("planted.txt"))
    # what the cell found, as it printed it when run again in the kernel
    nb = _autograded(executed[0], "reach_out")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "nothing reached" in text and "LEAKED" not in text, text[:2000]


def test_cheats_are_named_in_the_feedback(graded):
    folder = graded[0]
    assert "this exercise is by hand with numpy only; torch is not allowed" in _feedback(folder, "torch_in_numpy")
    assert "calling the checking library autograder" in _feedback(folder, "calls_oracle")
    assert "calling the checking library autograder" in _feedback(folder, "lying_probe")
    # rebinding the checks in the kernel changes nothing: the judge's own check names the real mistake
    assert "Likely cause: the ReLU is missing in the forward pass" in _feedback(folder, "rebind_checks")


@pytest.mark.parametrize("student", sorted(hostile_class.CHEATS))
def test_a_cheat_on_the_kernel_leaves_each_step_as_the_student_left_it(graded, student):
    """The stub and a line that changes how later cells run: each step gets what the stub gets
    (the judge ran it, in the probe the stub's functions raise), whatever the kernel showed."""
    folder = graded[0]
    nb = _autograded(folder, student)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors and errors[0].ename in ("NotImplementedError", "CheckFailed", "GuardViolation", "ProbeFailed",
                                                   "AttributeError"), (student, cell.outputs)


# ---------------------------------------------------------------- the grader interrupted


