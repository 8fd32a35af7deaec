"""HideHiddenTests and SummariseSteps (autograder/grading/plugins/feedback.py) and the course's feedback
template, nbgrader style: a tiny notebook built here, as generate_feedback would get it, then what the
feedback page would show."""
import base64
import html
import gzip
import re
from pathlib import Path

import pytest
from nbformat.v4 import new_markdown_cell, new_notebook, new_output
from nbgrader.utils import is_grade

from autograder import messages, wire
from autograder.diagnosis import MISTAKES
from autograder.grading import verdict
from autograder.grading.plugins import feedback
from autograder.grading.plugins.feedback import HideHiddenTests, SummariseSteps
from autograder.messages import Message
from corpus.cells import answer_cell, graded_cell

HIDDEN = "checks.forward(forward, seed=7)"
TEST = f"checks.forward(forward)\n### BEGIN HIDDEN TESTS\n{HIDDEN}\n### END HIDDEN TESTS"


def _with(cell, *outputs):
    cell.outputs = list(outputs)
    return cell


def _feedback(*cells):
    nb, _ = HideHiddenTests().preprocess(new_notebook(cells=list(cells)), {})
    return nb.cells


def test_hidden_test_code_is_gone_from_a_graded_cell():
    cell, = _feedback(graded_cell(TEST, "test_forward"))
    assert HIDDEN not in cell.source and "HIDDEN TESTS" not in cell.source
    assert "checks.forward(forward)" in cell.source  # the visible check stays


def test_a_graded_cells_traceback_is_cut_to_the_errors_own_message():
    # The traceback quotes the failing line, which may be a hidden one.
    error = new_output("error", ename="CheckFailed", evalue="✗ forward: check failed.",
                       traceback=["-----", f"Cell In[3], line 3\n----> 3 {HIDDEN}", "CheckFailed: ✗ forward: check failed."])
    cell, = _feedback(_with(graded_cell(TEST, "test_forward", points=2), error))
    traceback, = cell.outputs[0].traceback
    assert "✗ forward: check failed." in traceback and "CheckFailed" in traceback
    assert "seed=7" not in traceback


def test_the_students_own_cell_keeps_its_traceback():
    # Nothing hidden there, and the student needs the line that failed.
    lines = ["-----", "Cell In[2], line 2\n----> 2 h = x.dot(w)", "NameError: name 'w' is not defined"]
    error = new_output("error", ename="NameError", evalue="name 'w' is not defined", traceback=lines)
    cell, = _feedback(_with(answer_cell("h = x.dot(w)", "forward"), error))
    assert cell.outputs[0].traceback == lines


def test_a_bare_memory_error_is_explained_in_both_languages():
    error = new_output("error", ename="MemoryError", evalue="", traceback=["-----", "MemoryError: "])
    cell, = _feedback(_with(graded_cell(TEST, "test_forward"), error))
    traceback, = cell.outputs[0].traceback
    assert traceback.startswith("MemoryError")
    assert "Out of memory" in traceback and "内存" in traceback


# ---- the summary at the top of the page ---------------------------------------------------------------

def _backward_failed():
    """The verdict record of a backward pass without the ReLU mask, as the judge makes it."""
    said = [Message("check.failed", step="backward"),
            Message("value.wrong", name="grad_w1", error=0.56, dtype="float64", tol=1e-7),
            MISTAKES["relu_mask_missing"].message, Message("check.case", label="numpy float64, seed 121")]
    return verdict.make("test_backward", 4, "failed", said=said)


def _scored(cell, score):
    """A graded cell as GetGrades leaves it: its score and points in its metadata."""
    cell.metadata.nbgrader["score"] = score
    cell.metadata.nbgrader["points"] = cell.metadata.nbgrader["points"]
    return cell


def _judged(cell, record):
    """A test cell as JudgeSteps leaves it: its verdict record, and its outputs rendered from it."""
    verdict.store(cell, record)
    return _with(cell, *verdict.outputs(record))


PLOT = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def _graded_notebook(record=None):
    return new_notebook(cells=[
        new_markdown_cell("The forward pass: $$h = x W_1 \\quad (N \\times H)$$ and $y$ inline. "
                          '<img src="data:image/png;base64,AAAA"> '
                          '<img src="data:image/png;base64,BBBB" alt="a sketch">'),
        _with(answer_cell("def forward(x, w1, w2): ...", "forward"),
              new_output("display_data", data={"image/png": PLOT})),  # a plot
        _scored(graded_cell("checks.forward(forward)", "test_forward", points=2), 2.0),
        _scored(_judged(graded_cell("checks.backward(backward)", "test_backward", points=4), record or _backward_failed()), 0.0),
        _scored(graded_cell("checks.extra(extra)", "test_extra", points=1), 0.5),
    ])


def _summary(nb, grades=None):
    resources = {"nbgrader": grades} if grades is not None else {}
    _, resources = SummariseSteps().preprocess(HideHiddenTests().preprocess(nb, resources)[0], resources)
    return resources["course_summary"]


def test_the_summary_names_each_step_with_its_points_and_a_failed_ones_first_explanation(monkeypatch):
    monkeypatch.delenv(messages.VARIABLE, raising=False)
    summary = _summary(_graded_notebook(), {"score": 2.5, "max_score": 7.0, "late_penalty": 0})
    forward, backward, extra = summary["steps"]
    assert (forward["name"], forward["score"], forward["points"], forward["failed"]) == ("前向 / forward", "2", "2", False)
    assert forward["explanation"] == []
    assert (backward["name"], backward["score"], backward["points"], backward["failed"]) == ("反向 / backward", "0", "4", True)
    # The named cause, in each language: what to fix, rather than which value was wrong.
    mistake = MISTAKES["relu_mask_missing"]
    assert backward["explanation"] == [f"可能的原因：{mistake.zh}", f"Likely cause: {mistake.en}"]
    assert backward["grade_id"] == "test_backward"
    # A graded cell that is not one of the course's steps keeps its grade id; partial points are a failure.
    assert (extra["name"], extra["score"], extra["failed"]) == ("test_extra", "0.5", True)
    assert extra["explanation"] == messages.lines("summary.see_cell")
    assert (summary["score"], summary["max_score"], summary["late_label"]) == ("2.5", "7", "")
    assert summary["total_label"] == "总分 / Total"


def test_in_one_language_the_summary_says_one_line(monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, "en")  # the page made in English: the record renders English only
    backward = _summary(_graded_notebook())["steps"][1]
    assert backward["name"] == "backward"
    assert backward["explanation"] == [f"Likely cause: {MISTAKES['relu_mask_missing'].en}"]


def test_without_a_named_cause_the_summary_gives_the_first_explanation_after_the_step_marker():
    said = [Message("check.failed", step="train_step"), Message("check.at_step", k=1), Message("update.unchanged", name="w1")]
    record = verdict.make("test_train_step", 5, "failed", said=said)
    assert feedback.explanation(record, "both") == ["w1 没有变化。", "w1 did not change."]
    assert feedback.explanation(record, "zh") == ["w1 没有变化。"]


def test_the_students_exception_gives_its_own_first_line_and_a_bare_one_the_courses_explanation():
    raised = wire.StudentError("NameError", "name 'forward' is not defined", ["  File ...\n"])
    assert feedback.explanation(verdict.make("test_forward", 2, "raised", raised=raised)) == ["name 'forward' is not defined"]
    bare = verdict.make("test_forward", 2, "raised", raised=wire.StudentError("MemoryError", ""))
    assert feedback.explanation(bare, "en") == [messages.text("error.memory", "en")]


def test_every_step_of_the_contract_has_a_name():
    source = Path(feedback.__file__).resolve().parents[3] / "source"
    import nbformat
    grade_ids = {c.metadata.nbgrader["grade_id"] for p in source.glob("*/*.ipynb")
                 for c in nbformat.read(p, as_version=4).cells if is_grade(c)}
    assert grade_ids and grade_ids == set(feedback.STEP_NAMES)


# ---- the page: nbgrader's feedback template extended by the course's ------------------------------------

def feedback_config():
    """The course's nbgrader_config.py, loaded as nbgrader loads it."""
    from traitlets.config import Config

    c = Config()
    path = Path(feedback.__file__).resolve().parents[3] / "nbgrader_config.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
    return c


@pytest.fixture(scope="module")
def page():
    """The tiny notebook's feedback page, made by the exporter of nbgrader's GenerateFeedback with the
    course's nbgrader_config.py (GetGrades, which reads the gradebook, left out: the scores are set here)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    c = feedback_config()
    converter = GenerateFeedback(coursedir=CourseDirectory(config=c), config=c)
    grades = {"notebook": "nb", "score": 2.5, "max_score": 7.0, "late_penalty": 0}
    resources = {"nbgrader": grades}
    nb, resources = HideHiddenTests().preprocess(_graded_notebook(), resources)
    nb, resources = SummariseSteps().preprocess(nb, resources)
    exporter = converter.exporter_class(parent=converter, config=converter.config)  # the course's FeedbackExporter
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


def test_every_picture_has_alternative_text(page):
    """nbconvert's words for a picture without any (its HTML exporter's), here without its pass over the whole page:
    the plot of an output and a picture in the student's markdown; a picture's own text is kept."""
    pictures = re.findall(r"<img\b[^>]*>", page)
    assert len(pictures) == 3 and all(re.search(r"\salt=", p) for p in pictures), pictures
    assert f'alt="{feedback.NO_DESCRIPTION}"' in next(p for p in pictures if PLOT in p)
    assert f'alt="{feedback.NO_DESCRIPTION}"' in next(p for p in pictures if "AAAA" in p)
    assert 'alt="a sketch"' in next(p for p in pictures if "BBBB" in p)


def test_the_summary_comes_first_and_links_each_step_to_its_cell(page):
    summary = page.index('id="course-summary"')
    assert summary < page.index("The forward pass")  # before the notebook's first cell
    for grade_id in ("test_forward", "test_backward", "test_extra"):
        assert f'href="#{grade_id}"' in page and f'<a name="{grade_id}"></a>' in page  # nbgrader's anchor
    assert html.escape(f"Likely cause: {MISTAKES['relu_mask_missing'].en}", quote=False) in page[summary:page.index("The forward pass")]
    assert "div#toc { display: none; }" in page  # nbgrader's list of nameless "Test cell"s gives way


def test_the_page_carries_mathjax_and_loads_nothing_from_a_cdn(page):
    assert "cdnjs" not in page and not re.search(r"<script[^>]*src=", page)
    packed = re.search(r'<script[^>]* id="course-mathjax"[^>]*>([^<]*)</script>', page).group(1)
    assert gzip.decompress(base64.b64decode(packed)) == feedback.MATHJAX.read_bytes()
    assert "window.MathJax" in page and "inlineMath: [['$', '$']" in page


# ---- the student's markup: inert --------------------------------------------------------------------------

def test_inert_html_keeps_what_markdown_makes_and_escapes_what_runs():
    kept = ('<h2 id="x">Title</h2><p>a <em>b</em> <code>c</code></p><table><thead><tr><th align="left">h</th></tr>'
            '</thead><tbody><tr><td>1</td></tr></tbody></table><img src="data:image/png;base64,AAAA" alt="plot">'
            '<a href="https://pytorch.org">docs</a><pre><span class="n">x</span></pre>')
    assert feedback.inert_html(kept) == kept
    for live, shown in [('<script>alert(1)</script>', "&lt;script&gt;"), ('<img src=x onerror="alert(1)">', '<img src="x" alt='),
                        ('<a href="javascript:alert(1)">a</a>', "<a>a</a>"), ('<svg onload="alert(1)"></svg>', "&lt;svg"),
                        ('<iframe srcdoc="x"></iframe>', "&lt;iframe"), ('<style>body{}</style>', "&lt;style&gt;"),
                        ('<div onclick="alert(1)">d</div>', "<div>d</div>"), ('<object data="x"></object>', "&lt;object")]:
        cleaned = feedback.inert_html(live)
        assert shown in cleaned and _elements_that_run(cleaned) == [], (live, cleaned)
    assert _elements_that_run('<img src=x onerror="alert(1)">') == ["img"]  # what the test would see


def _elements_that_run(html):
    from bs4 import BeautifulSoup

    return [e.name for e in BeautifulSoup(html, "html.parser").find_all(True)
            if e.name in ("script", "svg", "iframe", "object", "embed", "style")
            or any(a.lower().startswith("on") for a in e.attrs) or e.get("href", "").startswith("javascript:")]


def test_markdown_with_math_and_raw_html_renders_inert():
    from nbconvert.exporters import HTMLExporter

    exporter = HTMLExporter(config=feedback_config())
    env = exporter.environment
    html = env.from_string("{{ source | markdown2html }}").render(
        source='A <img src=x onerror="alert(1)"> and $$a &= b < c$$\n\n| a | b |\n|---|---|\n| 1 | 2 |', cell={}, resources={})
    assert "onerror" not in html and "<th>a</th>" in html and "$$a &amp;= b &lt; c$$" in html


def test_only_the_pages_own_scripts_may_run(page):
    """The page's Content-Security-Policy names by hash every script the page runs (its two inline scripts and
    MathJax's code), and nothing else: an inline handler or a student's script is refused by the browser."""
    policy = re.search(r'<meta (?=[^>]*http-equiv="Content-Security-Policy")[^>]*content="([^"]*)"', page).group(1)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'" and "unsafe" not in directives["script-src"]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    allowed = set(directives["script-src"].split())
    assert allowed == {feedback.csp_hash(s) for s in scripts} | {feedback.mathjax_hash()}
    assert page.index("Content-Security-Policy") < page.index("<script")  # before any script
    assert feedback.mathjax_hash() == feedback.csp_hash(feedback.MATHJAX.read_bytes().decode("utf-8"))
