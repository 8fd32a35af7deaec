"""Browser tests: JupyterLab on a copy of the course, driven by Playwright in Debian's Chromium.

A student fills in a step in the cell editor and sees the check's verdict; nbgrader's Validate
button; the instructor's formgrader lists the assignments; the Assignments panel fetches a
released assignment from an exchange. Skipped when /usr/bin/chromium or playwright is missing
(`apt-get install chromium`). Screenshots go to .scratch/screenshots/.
"""
import os
import re
import shutil

import nbformat
import pytest

from corpus import cells
from autograder.grading import folders, nbgrader_commands, release
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Lab, MakeLab, course_copy, feedback_page, jupyter_env

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
                "to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt)")

pytestmark = pytest.mark.slow

NOTEBOOK = "two_layer_net_numpy.ipynb"
WAIT_MS = 60_000  # generous, bounded waits: kernel start and checks on a busy 2-core machine
# A cell's run: under make test, with another test process grading beside it on 2 cores, the first
# cell's imports once took over a minute.
RUN_MS = 180_000


def _cell_source(assignment, grade_id, drop=()):
    """The solution of one step, from the source notebook, without the solution markers and the
    lines in ``drop`` (each must be there)."""
    nb = nbformat.read(folders.ROOT / "source" / assignment / NOTEBOOK, as_version=4)
    cell = cells.cell(nb, grade_id)
    lines = [line for line in cell.source.splitlines() if line.strip() not in release.SOLUTION_MARKERS]
    for line in drop:
        assert line in lines, f"{grade_id}: line to drop not found: {line!r}"
        lines.remove(line)
    return "\n".join(lines) + "\n"


def _grade_index(path, grade_id):
    nb = nbformat.read(path, as_version=4)
    return cells.cell_index(nb, grade_id)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    root = course_copy(tmp / "course")
    exchange = tmp / "exchange"
    exchange.mkdir()
    config_dir = tmp / "jupyter_config"
    config_dir.mkdir()
    # The exchange, for the server's nbgrader extensions and the nbgrader commands alike.
    (config_dir / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    env = jupyter_env(tmp / "home", config_dir)
    (tmp / "home").mkdir()
    # The gradebook knows the assignments (formgrader), and one is released to the exchange.
    release.generate_release(root)
    nbgrader_commands.run(root, "release_assignment", "01_numpy", f"--Exchange.root={exchange}")
    # A solved notebook, as a student would have it, for the Validate button.
    (root / "solved").mkdir()
    shutil.copy(root / "source" / "01_numpy" / NOTEBOOK, root / "solved" / NOTEBOOK)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lab = Lab(root, env, tmp / "lab.log")
    try:
        yield lab.wait()
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    pg = context.new_page()
    yield pg
    context.close()


def _open_notebook(page, server, path):
    """Open ``path`` alone: `?reset` starts from an empty workspace, so the notebooks earlier tests
    opened (JupyterLab restores them from the server's workspace) are not open beside it."""
    page.goto(server.page_url(f"lab/tree/{path}?reset"))
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for()
    assert page.locator(".jp-NotebookPanel").count() == 1
    # Loaded when the panel's spinner is gone; the kernel is up when the toolbar's status says idle.
    page.locator(".jp-NotebookPanel .jp-Spinner").wait_for(state="detached")
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()


def _cell(page, index):
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)


def _replace_source(page, index, text):
    """Type ``text`` into cell ``index`` through its editor: click, select all, insert."""
    editor = _cell(page, index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)
    got = editor.inner_text()
    assert "def " in got, got


def _run(page, index):
    cell = _cell(page, index)
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    # Done when its prompt shows an execution count, not [*] or [ ].
    cell.locator(".jp-InputArea-prompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=RUN_MS)


def test_student_sees_check_verdicts_in_the_notebook(page, server):
    path = server.root / "release" / "01_numpy" / NOTEBOOK
    setup, fwd, test_fwd = (_grade_index(path, g) for g in ("setup", "forward", "test_forward"))
    bwd, test_bwd = (_grade_index(path, g) for g in ("backward", "test_backward"))
    _open_notebook(page, server, "release/01_numpy/" + NOTEBOOK)

    _replace_source(page, fwd, _cell_source("01_numpy", "forward"))
    for i in (setup, fwd, test_fwd):
        _run(page, i)
    output = _cell(page, test_fwd).locator(".jp-OutputArea")
    output.get_by_text("✓ forward").first.wait_for()
    _cell(page, test_fwd).scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "01_forward_passes.png")

    _replace_source(page, bwd, _cell_source("01_numpy", "backward", drop=["    grad_h[h < 0] = 0"]))
    for i in (bwd, test_bwd):
        _run(page, i)
    output = _cell(page, test_bwd).locator(".jp-OutputArea")
    output.get_by_text("the ReLU mask is missing").first.wait_for()
    _cell(page, test_bwd).scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "02_backward_relu_mask_missing.png")
    assert "✓ backward" not in output.inner_text()


def test_validate_button_passes_a_solved_notebook(page, server):
    _open_notebook(page, server, "solved/" + NOTEBOOK)
    page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    # Validation runs the whole notebook on the server: allow for a slow machine.
    dialog.locator(".jp-Dialog-header").wait_for(timeout=150_000)
    page.screenshot(path=SCREENSHOTS / "03_validate.png")
    assert "Success! Your notebook passes all the tests." in dialog.inner_text(), dialog.inner_text()


def test_formgrader_lists_the_assignments(page, server):
    page.goto(server.page_url("formgrader"))
    table = page.locator("table")
    for a in folders.assignments():
        table.get_by_role("link", name=a, exact=True).wait_for()
    page.screenshot(path=SCREENSHOTS / "04_formgrader.png")


def test_assignments_panel_fetches_a_released_assignment(page, server):
    # Notebook 7's file browser (/tree) has no Assignments tab; nbgrader puts its
    # "Assignment List" panel under its own Nbgrader menu.
    page.goto(server.page_url("tree"))
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.get_by_text("01_numpy").first.wait_for()
    page.screenshot(path=SCREENSHOTS / "05_assignments_released.png")
    released.get_by_role("button", name="Fetch").first.click()
    page.locator("#fetched_assignments_list").get_by_text("01_numpy").first.wait_for()
    page.screenshot(path=SCREENSHOTS / "06_assignments_fetched.png")
    assert (server.root / "01_numpy" / NOTEBOOK).exists()


def test_make_lab_opens_without_the_news_prompt(browser, tmp_path):
    """`make lab` as a student runs it, with a fresh HOME and Jupyter config (no page_config of the tests'
    own, which turns the news plug-in off): JupyterLab's "get notified about official Jupyter news?"
    toast, which otherwise comes up with the launcher, stays away (tools/lab-settings/overrides.json)."""
    if not (folders.ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("make lab runs .venv/bin/jupyter: no .venv here (make setup)")
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter_config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    env.pop("NBGRADER_DB_URL", None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lab = MakeLab(env, tmp_path / "lab.log")
    try:
        lab.wait()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        settings = page.request.get(lab.page_url("lab/api/settings/@jupyterlab/apputils-extension:notification"))
        # The override is the setting's default on this server (a student may still turn news on).
        assert settings.json()["schema"]["properties"]["fetchNews"]["default"] == "false", settings.text()[:2000]
        page.goto(lab.page_url("lab?reset"))
        page.locator(".jp-Launcher").first.wait_for()
        page.get_by_role("menuitem", name="Nbgrader").wait_for()  # the course's extensions are still there
        # Without the override the toast comes up within a second of the launcher; allow it ten.
        with pytest.raises(sync_api.TimeoutError):
            page.get_by_text("official Jupyter news").first.wait_for(timeout=10_000)
        page.screenshot(path=SCREENSHOTS / "07_make_lab_no_news_prompt.png")
        assert page.locator(".jp-Notification-Toast-default").count() == 0
        context.close()
    finally:
        lab.stop()


def _graded_feedback_page(folder):
    """The feedback page of a 01_numpy submission whose backward has no ReLU mask: the source notebook
    with every step's points, backward's cell with the check's real message (checks.backward on that
    mistake, in its verdict record), made as generate_feedback makes it (browser_helpers.feedback_page). Returns (path, scores)."""
    from corpus import student_code
    from autograder import checks
    from autograder.compare import CheckFailed
    from autograder.grading import verdict

    with pytest.raises(CheckFailed) as failed:
        checks.backward(student_code.backward_np_mask_missing)
    nb = nbformat.read(folders.ROOT / "source" / "01_numpy" / NOTEBOOK, as_version=4)
    scores = {}
    for cell in nb.cells:
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade"):
            info["score"] = 0.0 if info["grade_id"] == "test_backward" else float(info["points"])
            scores[info["grade_id"]] = (info["score"], float(info["points"]))
            if info["grade_id"] == "test_backward":  # as the judge leaves it: the record, the outputs rendered from it
                record = verdict.make("test_backward", info["points"], "failed", said=failed.value.said)
                verdict.store(cell, record)
                cell.outputs = verdict.outputs(record)
    grades = {"notebook": "two_layer_net_numpy", "score": sum(s for s, _ in scores.values()),
              "max_score": sum(p for _, p in scores.values()), "late_penalty": 0}
    path = folder / "feedback" / "alice" / "01_numpy" / "two_layer_net_numpy.html"
    path.parent.mkdir(parents=True)
    path.write_text(feedback_page(nb, grades), encoding="utf-8")
    return path, scores


def test_feedback_page_renders_its_math_offline_and_starts_with_the_summary(browser, tmp_path):
    """The page opened as a file, the network cut off (every request that is not the file itself is
    refused, and counted): MathJax's output (mjx-container with SVG) stands where the notebook's
    $$…$$ were, and the summary at the top names each step with its points."""
    from autograder import messages
    from autograder.grading.plugins import feedback

    path, scores = _graded_feedback_page(tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    context.set_default_timeout(WAIT_MS)
    elsewhere = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (elsewhere.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(path.as_uri())
    page.locator("mjx-container svg").first.wait_for()
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")  # every formula typeset
    assert elsewhere == [], elsewhere

    # Rendered math, not TeX: display formulas and inline ones, and no $$ left in the text a student reads.
    assert page.locator("mjx-container[display='true']").count() >= 5
    assert page.locator("mjx-container:not([display='true'])").count() >= 10
    text = page.locator("main").inner_text()  # the cells (nbgrader nests two #notebook-container)
    assert "$$" not in text and "\\times" not in text, text[:2000]

    # The summary first: each step's name and points as graded, the failed one's first explanation.
    summary = page.locator("#course-summary")
    assert summary.bounding_box()["y"] < page.locator(".cell").first.bounding_box()["y"]
    rows = summary.locator("tr.step")
    assert rows.count() == len(scores)
    for i, (grade_id, (score, points)) in enumerate(scores.items()):
        row = rows.nth(i)
        assert row.locator("a").inner_text() == messages.say(feedback.STEP_NAMES[grade_id], joined=" / ")
        assert row.locator("td.points").inner_text().endswith(f"{score:g} / {points:g}")
        assert row.locator("a").get_attribute("href") == f"#{grade_id}"
    backward = summary.locator("tr.failed")
    assert backward.count() == 1 and "the ReLU mask" in backward.inner_text()  # the named cause: what to fix
    page.screenshot(path=SCREENSHOTS / "08_feedback_top_offline.png")

    # The link takes the student to the failed step's cell.
    backward.locator("a").click()
    page.wait_for_function("() => window.scrollY > 500")
    # One derivation, rendered: the backward pass, the chain rule.
    derivation = page.locator(".text_cell_render").filter(has=page.locator("mjx-container[display='true']")) \
        .filter(has_text="Backward pass: the chain rule").first
    derivation.scroll_into_view_if_needed()
    derivation.screenshot(path=SCREENSHOTS / "09_feedback_derivation_offline.png")
    context.close()


def test_a_derivation_renders_in_the_feedback_page_as_in_jupyterlab(page, server, browser, tmp_path):
    """The backward pass's derivation: the same formulas, display and inline, in the offline feedback page
    as in JupyterLab (screenshots 09_… and 10_… side by side)."""
    index = next(i for i, c in enumerate(nbformat.read(server.root / "release" / "01_numpy" / NOTEBOOK, as_version=4).cells)
                 if c.cell_type == "markdown" and "Backward pass: the chain rule" in c.source)
    _open_notebook(page, server, "release/01_numpy/" + NOTEBOOK)
    cell = _cell(page, index)
    cell.scroll_into_view_if_needed()
    cell.locator("mjx-container").first.wait_for()
    page.wait_for_timeout(1000)  # the last formulas of the cell typeset
    lab = (cell.locator("mjx-container[display='true']").count(), cell.locator("mjx-container").count())
    cell.screenshot(path=SCREENSHOTS / "10_lab_derivation.png")

    path, _ = _graded_feedback_page(tmp_path)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    offline = context.new_page()
    offline.goto(path.as_uri())
    offline.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    offline.evaluate("() => MathJax.startup.promise")
    derivation = offline.locator(".text_cell_render").filter(has_text="Backward pass: the chain rule").first
    ours = (derivation.locator("mjx-container[display='true']").count(), derivation.locator("mjx-container").count())
    context.close()
    assert lab[0] >= 4 and ours == lab, (ours, lab)
