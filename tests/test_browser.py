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

import cells
from autograder.grading import course_files
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Lab, MakeLab, course_copy, jupyter_env

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
                "to run the browser tests", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt)")

pytestmark = pytest.mark.slow

NOTEBOOK = "two_layer_net_numpy.ipynb"
WAIT_MS = 60_000  # generous, bounded waits: kernel start and checks on a busy 2-core machine


def _cell_source(assignment, grade_id, drop=()):
    """The solution of one step, from the source notebook, without the solution markers and the
    lines in ``drop`` (each must be there)."""
    nb = nbformat.read(course_files.ROOT / "source" / assignment / NOTEBOOK, as_version=4)
    cell = cells.cell(nb, grade_id)
    lines = [line for line in cell.source.splitlines() if line.strip() not in course_files.SOLUTION_MARKERS]
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
    course_files.generate_release(root)
    course_files.nbgrader(root, "release_assignment", "01_numpy", f"--Exchange.root={exchange}")
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
    cell.locator(".jp-InputArea-prompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for()


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
    for a in course_files.assignments():
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
    if not (course_files.ROOT / ".venv" / "bin" / "jupyter").exists():
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
