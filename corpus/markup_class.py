"""A 01_numpy class of two, graded by the course's pipeline, for the tests of the pages people open
(tests/test_markup.py, tests/test_formgrader.py): the reference solution, and a submission that is the
reference plus the student's markup, scripts in every place a page shows:

- a code cell of theirs whose re-run displays HTML with <img onerror> and <script>, SVG with onload and
  <script>, application/javascript, markdown with <img onerror>;
- a cell tagged skip-execution (the kernel never runs it) with such outputs already stored in the file,
  and a widget view whose state is in the notebook's metadata;
- a markdown cell with <script>, <img onerror>, a javascript: link, an <iframe srcdoc>, and a table and a
  formula that must still render.

Every script sets a global whose name starts with SIGN and the page's title to TITLE_TAKEN: a page
where one ran says so. The marks (MARKS) are text that the page shows where it shows the markup inert.

    python -m corpus.markup_class [FOLDER]     build and grade the class, print the folder
"""
import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from corpus import cells
from corpus import demo_class
from autograder.grading import folders, release

ASSIGNMENT, STUDENT = "01_numpy", "script_carrier"
SIGN, TITLE_TAKEN = "pwned_", "pwned by the student"


def run(name):
    """JavaScript that marks the page as taken: a global SIGN+name, and the title."""
    return f"window.{SIGN}{name}=1;document.title='{TITLE_TAKEN}'"


def img(name):
    return f'<img src="x" onerror="{run(name)}">'


def script(name):
    return f"<script>{run(name)}</script>"


def svg(name):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="{run(name + "_onload")}">'
            f"<script>{run(name)}</script></svg>")


# What a re-run of the student's cell displays (IPython.display), in the submission's kernel.
RERUN = f"""from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML({img("rerun_html_img") + script("rerun_html_script")!r}))
display(SVG({svg("rerun_svg")!r}))
display(Javascript({run("rerun_js")!r}))
display(Markdown({"**rerun markdown** " + img("rerun_markdown_img")!r}))
"""

WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def stored_cell():
    """A cell the kernel never runs (tagged skip-execution), its outputs as the student left them."""
    cell = new_code_cell("# outputs stored in the file", metadata={"tags": ["skip-execution"]})
    cell.outputs = [
        new_output("display_data", data={"text/html": img("stored_html_img") + script("stored_html_script"),
                                         "text/plain": "stored html"}),
        new_output("display_data", data={"text/html": script("stored_isolated")},
                   metadata={"text/html": {"isolated": True}}),
        new_output("display_data", data={"image/svg+xml": svg("stored_svg")}),
        new_output("display_data", data={"application/javascript": run("stored_js")}),
        new_output("execute_result", data={"text/markdown": "stored markdown " + img("stored_markdown_img"),
                                           "text/plain": "md"}, execution_count=1),
        new_output("display_data", data={WIDGET: {"model_id": "m1", "version_major": 2, "version_minor": 0},
                                         "text/plain": "widget"}),
    ]
    return cell


MARKDOWN = (
    f"Notes of mine {script('markdown_script')} {img('markdown_img')}\n\n"
    f'<a href="javascript:{run("markdown_link")}">read me</a> <iframe srcdoc="{script("markdown_iframe")}"></iframe>\n\n'
    "| step | my notes |\n|---|---|\n| forward | $h = x W_1$ |\n\n"
    "$$\\frac{\\partial L}{\\partial W_2} = h_{relu}^T \\cdot 2 (\\hat y - y)$$\n")

# Payloads a graded page shows as text (escaped): the markdown's <script> and the re-run HTML's. (nbgrader's
# autograde clears the outputs stored in the file before it runs it; the stored ones reach a page only when
# the submitted file itself is rendered.)
MARKS = ["markdown_script", "rerun_html_script"]


def script_carrier(source):
    """The reference solution, as the student ran it (their plots in it), with their markup added after the
    set-up cell."""
    nb = demo_class.ran(source, ASSIGNMENT)
    at = cells.cell_index(nb, "setup") + 1
    nb.cells[at:at] = [new_markdown_cell(MARKDOWN), new_code_cell(RERUN), stored_cell()]
    nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": {
        "m1": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
               "state": {"value": script("widget_state")}}}}}
    return nb


def build(folder):
    """A scratch course in ``folder`` with 01_numpy only, the reference and the script carrier submitted."""
    folder = folders.new_course(folder)
    for other in set(folders.assignments(folder)) - {ASSIGNMENT}:
        shutil.rmtree(folder / "source" / other)
    release.generate_release(folder)
    source = folders.source_notebooks(folder)[ASSIGNMENT]
    demo_class.submit(folder, demo_class.REFERENCE, ASSIGNMENT, demo_class.ran(source, ASSIGNMENT), source.name)
    demo_class.submit(folder, STUDENT, ASSIGNMENT, script_carrier(source), source.name)
    return folder


def grade(folder, *options):
    """`python -m autograder grade` on the class (with the sandbox where it can run), with ``options``."""
    # one worker: a second one's start (its warm process) costs more than the few notebooks here
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder), "--jobs", "1",
                           *options, *demo_class.trusted_grading()], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"grading failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return folder


def graded(folder, student=STUDENT):
    """(the autograded notebook, the feedback page) of ``student``."""
    name = folders.source_notebooks(folder)[ASSIGNMENT].name
    notebook = folders.folder(folder, "autograded", student, ASSIGNMENT) / name
    page = folders.folder(folder, "feedback", student, ASSIGNMENT) / name.replace(".ipynb", ".html")
    return nbformat.read(notebook, as_version=4), page


def payloads(nb):
    """The script payloads the graded notebook holds: each SIGN name found in its cells and metadata."""
    return set(re.findall(rf"{SIGN}(\w+?)=1", json.dumps(nb)))


def live(html):
    """The student's markup that a browser would run in ``html``, as parsed (not text that shows it): on…
    handlers and scripts that carry SIGN, frames, javascript: links."""
    from bs4 import BeautifulSoup

    found = []
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        handlers = [a for a, v in element.attrs.items() if a.lower().startswith("on") and SIGN in str(v)]
        if handlers:
            found.append(f"<{element.name} {' '.join(handlers)}>")
        if element.name == "script" and SIGN in element.get_text() and element.get("type", "") != WIDGET_STATE:
            found.append("<script>" + re.search(rf"window\.{SIGN}\w+", element.get_text()).group(0))
        if element.name in ("iframe", "object", "embed", "frame"):
            src = element.get("src", "")
            if element.name == "iframe" and src.startswith("data:text/html;base64,") and "srcdoc" not in element.attrs:
                # nbconvert's frame for an output marked isolated: live only if what it shows is
                inner = live(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))
                found += [f"<iframe>{markup}" for markup in inner]
            else:
                found.append(f"<{element.name}>")
        if element.name == "a" and element.get("href", "").strip().lower().startswith("javascript:"):
            found.append(f"<a href={element['href'][:40]}>")
    return found


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="markup-class-"))
    print(grade(build(target)))
