"""The pages people open from a graded class: the feedback page and nbgrader's formgrader.

A 01_numpy class of two (corpus/markup_class.py): the reference, and a submission carrying scripts in
its outputs and markdown, graded by the course's pipeline. In Debian's Chromium, with every request that
is not the page's own refused: no script of the student's runs in the feedback page or in the formgrader's
view of it; the feedback page keeps its math, plot and summary. Then an instructor walks the formgrader:
each submission opens, a comment and a manual score are saved and are in the gradebook. Skipped when
/usr/bin/chromium or playwright is missing (`apt-get install chromium`); screenshots go to
.scratch/screenshots/.
"""
import nbformat
import pytest

from corpus import demo_class
from corpus import markup_class
from autograder.grading import folders, gradebook
from autograder.grading.plugins import feedback
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Lab, feedback_page, jupyter_env

pytestmark = pytest.mark.slow

NOTEBOOK = "two_layer_net_numpy"
WAIT_MS = 60_000  # generous, bounded waits on a busy 2-core machine
TAKEN = f"() => Object.keys(window).filter(k => k.startsWith('{markup_class.SIGN}'))"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    # Judged, as `make grade` does: the graded notebooks keep the students' own outputs, their plots included.
    return markup_class.grade(markup_class.build(tmp_path_factory.mktemp("pages") / "course"))


# ---- without a browser: the exporters as nbgrader makes them under the course's configuration -------------

def _formgrader_exporter(course):
    """The formgrader's exporter as its server extension makes it: the course's config, then the extension's
    (nbgrader's 'formgrade' template), and no parent (so no GenerateFeedback settings)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = folders.load_config(course)
    extra = Config()
    extra.HTMLExporter.template_name = "formgrade"
    extra.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    config.merge(extra)
    return HTMLExporter(config=config)


def test_the_formgrader_renders_a_graded_submission_with_the_student_markup_inert(course):
    nb, _ = markup_class.graded(course)
    carried = markup_class.payloads(nb)
    assert {"rerun_html_img", "rerun_js", "rerun_svg", "markdown_script", "markdown_img"} <= carried  # the scripts
    assert "widget_state" not in carried  # the notebook's widget state is dropped when graded (outputs.StillOutputs)
    resources = {"base_url": "", "assignment_id": markup_class.ASSIGNMENT, "notebook_id": NOTEBOOK,
                 "submission_id": "x", "index": 0, "total": 2, "student": markup_class.STUDENT,
                 "notebook_path": "x"}
    html, _ = _formgrader_exporter(course).from_notebook_node(nb, resources=resources)
    assert "formgrade_keyboardmanager.js" in html and 'id="course-summary"' not in html  # nbgrader's, not ours
    for cell in ("forward", "loss", "backward", "update"):
        assert f'id="{cell}-comment"' in html  # a comment box under each answer
    assert markup_class.live(html) == []
    assert f"window.{markup_class.SIGN}markdown_script=1" in html  # shown as text


# ---- in Chromium ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _offline(browser, allowed):
    """A browser context that refuses every request whose URL does not start with ``allowed`` and
    counts them in its ``refused`` list."""
    context = browser.new_context(viewport={"width": 1300, "height": 950}, offline=allowed == "file:")
    context.set_default_timeout(WAIT_MS)
    context.refused = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed)
                  else (context.refused.append(route.request.url), route.abort()))
    return context


def _open_feedback(context, path):
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")  # every formula typeset
    return page


def _no_script_ran(page, title):
    assert page.evaluate(TAKEN) == []
    assert page.title() == title != markup_class.TITLE_TAKEN


def test_no_script_of_the_student_runs_in_the_feedback_page(browser, course):
    _, path = markup_class.graded(course)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = _offline(browser, "file:")
    page = _open_feedback(context, path)
    page.wait_for_timeout(500)  # an onerror or onload would have fired by now; the checks below do not depend on it
    _no_script_ran(page, NOTEBOOK)
    # The markup is there, shown as text: the student's <script> in markdown and in an HTML output.
    text = page.locator("body").inner_text()
    for mark in markup_class.MARKS:
        assert f"window.{markup_class.SIGN}{mark}=1" in text, mark
    # What the page is for still works under its Content-Security-Policy.
    assert page.locator("#course-summary tr.step").count() == 4
    assert page.locator("#course-summary tr.total").inner_text().endswith("10 / 10")
    assert page.locator("mjx-container[display='true']").count() >= 5  # the course's derivations
    table = page.locator(".text_cell_render table").filter(has_text="my notes")  # the student's own table
    assert table.locator("th").count() == 2 and table.locator("td mjx-container").count() == 1
    plots = page.locator("img[src^='data:image/png']")
    assert plots.count() >= 1
    assert all(plots.nth(i).evaluate("img => img.complete && img.naturalWidth > 100") for i in range(plots.count()))
    assert not [url for url in context.refused if not url.startswith("file:")], context.refused
    page.screenshot(path=SCREENSHOTS / "11_feedback_markup_inert.png")
    page.locator(".text_cell_render").filter(has_text="Notes of mine").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "12_feedback_markup_inert_notes.png")
    context.close()


def _with_scores(nb):
    for cell in nb.cells:
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade"):
            info["score"] = float(info["points"])
    return nb


def test_the_content_security_policy_alone_stops_the_scripts(browser, course, tmp_path):
    """The submitted file itself, outputs stored by the student included, rendered by the course's feedback
    exporter with nbconvert's sanitising switched off: the scripts are live markup in the page, and the
    page's policy still lets none run, while MathJax (its own script) does."""
    name = folders.source_notebooks(course)[markup_class.ASSIGNMENT].name
    nb = _with_scores(nbformat.read(folders.folder(course, "submitted", markup_class.STUDENT,
                                                        markup_class.ASSIGNMENT) / name, as_version=4))
    grades = {"notebook": NOTEBOOK, "score": 10.0, "max_score": 10.0, "late_penalty": 0}
    unsanitised = feedback_page(nb, grades, sanitize_html=False, filters={
        "course_mathjax": feedback.mathjax_packed, "course_mathjax_hash": feedback.mathjax_hash,
        "course_csp_hash": feedback.csp_hash, "course_described": feedback.described})
    live = markup_class.live(unsanitised)
    for markup in ("<img onerror>", "<a href=javascript", "<iframe>", f"<script>window.{markup_class.SIGN}stored_js",
                   f"<script>window.{markup_class.SIGN}markdown_script", f"<script>window.{markup_class.SIGN}stored_html"):
        assert any(found.startswith(markup) for found in live), (markup, live)
    sanitised = feedback_page(_with_scores(nbformat.read(folders.folder(
        course, "submitted", markup_class.STUDENT, markup_class.ASSIGNMENT) / name, as_version=4)), grades)
    assert markup_class.live(sanitised) == []
    for label, html in (("unsanitised", unsanitised), ("sanitised", sanitised)):
        path = tmp_path / f"{label}.html"
        path.write_text(html, encoding="utf-8")
        context = _offline(browser, "file:")
        page = _open_feedback(context, path)
        page.wait_for_timeout(500)
        _no_script_ran(page, NOTEBOOK)
        assert page.locator("mjx-container[display='true']").count() >= 5, label
        context.close()


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    """`jupyter lab` on the graded course, nbgrader's formgrader in it (the course's nbgrader_config.py)."""
    tmp = tmp_path_factory.mktemp("formgrader")
    config_dir = tmp / "jupyter_config"
    config_dir.mkdir()
    (tmp / "exchange").mkdir()
    (config_dir / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(tmp / 'exchange')!r}\n")
    (tmp / "home").mkdir()
    lab = Lab(course, jupyter_env(tmp / "home", config_dir), tmp / "lab.log")
    try:
        yield lab.wait()
    finally:
        lab.stop()


def _submission_id(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook.db_url(course)) as gb:
        return gb.find_submission_notebook(NOTEBOOK, markup_class.ASSIGNMENT, student).id


def test_no_script_of_the_student_runs_in_the_formgrader(browser, course, server):
    context = _offline(browser, server.url)
    page = context.new_page()
    response = page.goto(server.page_url(f"formgrader/submissions/{_submission_id(course, markup_class.STUDENT)}/"))
    assert response.status == 200, server.log_text()
    page.locator("textarea#forward-comment").wait_for()
    page.wait_for_timeout(500)
    _no_script_ran(page, NOTEBOOK)
    text = page.locator("body").inner_text()
    for mark in markup_class.MARKS:
        assert f"window.{markup_class.SIGN}{mark}=1" in text, mark
    page.locator(".text_cell_render").filter(has_text="Notes of mine").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "13_formgrader_markup_inert.png")
    context.close()


def test_an_instructor_grades_by_hand_in_the_formgrader(browser, course, server):
    """Manual Grading → 01_numpy → the notebook → each submission opens; on the reference, a comment on
    forward and a manual score for its test; both saved, shown again on reload, and in the gradebook."""
    from nbgrader.api import Gradebook

    context = _offline(browser, server.url)
    page = context.new_page()
    page.goto(server.page_url("formgrader/gradebook"))
    page.get_by_role("link", name=markup_class.ASSIGNMENT, exact=True).click()
    page.get_by_role("link", name=NOTEBOOK, exact=True).click()
    rows = page.locator("table tbody tr")
    rows.filter(has_text="Submission #2").wait_for()
    assert rows.count() == 2
    listing = page.url
    for i in (1, 2):  # every graded notebook opens (no HTTP 500: the formgrader's own template is found)
        with page.expect_response(lambda r: "/formgrader/submissions/" in r.url and r.request.method == "GET") as got:
            page.get_by_role("link", name=f"Submission #{i}", exact=True).click()
        assert got.value.status in (200, 301), server.log_text()
        page.locator("textarea#forward-comment").wait_for()
        assert page.locator("input.score#test_backward").count() == 1
        page.goto(listing)

    page.goto(server.page_url(f"formgrader/submissions/{_submission_id(course, demo_class.REFERENCE)}/"))
    comment, score = "Clear and vectorised: well done. 写得清楚。", "1.5"
    box = page.locator("textarea#forward-comment")
    # a box saves on change only once the formgrader has loaded its grades and comments (a loaded machine
    # is slow). (Its init stops short of formgrader.loaded here: its MathJax 2 comes from a CDN, refused.)
    page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
                           " && formgrader.comments && formgrader.comments.loaded", timeout=WAIT_MS)
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT") as saved:
        box.fill(comment)
        box.press("Tab")
    assert saved.value.ok, saved.value.text()
    field = page.locator("input.score#test_forward")
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
        field.fill(score)
        field.press("Tab")
    assert saved.value.ok, saved.value.text()
    page.reload()
    page.locator("textarea#forward-comment").wait_for()
    # the formgrader fills each box when its own request returns: wait for both (a loaded machine is slow)
    page.wait_for_function("() => document.querySelector('input.score#test_forward').value !== ''"
                           " && document.querySelector('textarea#forward-comment').value !== ''", timeout=WAIT_MS)
    assert page.locator("textarea#forward-comment").input_value() == comment
    assert page.locator("input.score#test_forward").input_value() == score
    page.locator("input.score#test_forward").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "14_formgrader_manual_grade.png")
    context.close()

    with Gradebook(gradebook.db_url(course)) as gb:
        args = (NOTEBOOK, markup_class.ASSIGNMENT, demo_class.REFERENCE)
        assert gb.find_comment("forward", *args).manual_comment == comment
        grade = gb.find_grade("test_forward", *args)
        assert (grade.manual_score, grade.auto_score, grade.score) == (1.5, 2.0, 1.5)
        assert gb.find_submission_notebook(*args).score == 9.5

