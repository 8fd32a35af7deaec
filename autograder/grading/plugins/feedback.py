"""The feedback page: never hidden tests, the steps' points first, math that renders offline, and the
submission's markup inert there and in the formgrader.

HideHiddenTests and SummariseSteps are preprocessors for nbgrader's generate_feedback, and
templates/feedback/course_feedback.html.j2 extends nbgrader's feedback template (nbgrader_config.py
names them). INERT_FILTERS are the HTML filters of every page nbgrader renders from a submission.

Stock nbgrader copies the autograded notebook, hidden tests included, into the feedback
page (nbgrader issues #917, #1363). This removes the hidden region from every test cell and
cuts the tracebacks of test cells (which quote the failing line, hidden or not) down to the
error's own message, which for a failed check is the bilingual explanation (and, for an error
that has none, such as a MemoryError, one from BARE_ERRORS, in the course's language(s)).
"""
import base64
import functools
import gzip
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import bleach
import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
import nbgrader
from bleach import html5lib_shim
from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer
from nbconvert.utils.base import NbConvertBase
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade

from ... import messages
from .. import repair, verdict

# What a bare error in a test cell means, for errors that come without a message of their own:
# the key of its explanation in autograder/messages.py.
BARE_ERRORS = {
    "MemoryError": "error.memory",
    "KeyboardInterrupt": "error.interrupted",
    "RecursionError": "error.recursion",
}


def bare_error(ename):
    """The explanation of an error ``ename`` that came without a message ("" for one not in BARE_ERRORS)."""
    return messages.say(BARE_ERRORS[ename], joined="/ ") if ename in BARE_ERRORS else ""


class HideHiddenTests(ClearHiddenTests):
    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.outputs:
                if output.output_type == "error":
                    # An error without a message (a bare MemoryError) gets the course's explanation, before
                    # the student's own frames that the judge may have put after it (verdict.outputs).
                    message, gap, frames = (output.evalue or "").partition("\n\n")
                    evalue = (message if message.strip() else bare_error(output.ename)) + gap + frames
                    output.traceback = [f"{output.ename}: {evalue}"]
        return cell, resources


# ---- the page itself: a summary of the steps at the top, and math that renders with no network ------

# nbgrader's feedback template (nbgrader/server_extensions/formgrader/templates/feedback), extended by
# ours, TEMPLATES/feedback/course_feedback.html.j2 (the same template name, "feedback", so that nbgrader's
# API, which sets HTMLExporter.template_name = "feedback", finds it too; nbgrader_config.py names the file).
TEMPLATES = Path(__file__).resolve().parent / "templates"
NBGRADER_TEMPLATES = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
# MathJax 3.2.2's single-file TeX-to-SVG build (npm mathjax@3.2.2, es5/tex-svg-full.js, Apache-2.0,
# templates/mathjax/LICENSE): it needs no font files, so the page carries it and renders offline.
MATHJAX = TEMPLATES / "mathjax" / "tex-svg-full.js"

# Each step by its grade id (README "Contract"): its name in autograder/messages.py.
STEP_NAMES = {
    "test_forward": "step.forward",
    "test_loss": "step.loss",
    "test_backward": "step.backward",
    "test_update": "step.update",
    "test_autograd_step": "step.autograd_step",
    "test_model": "step.model",
    "test_train_step": "step.train_step",
    "test_optimizer": "step.optimizer",
    "test_train": "step.train",
}


@functools.lru_cache(maxsize=1)
def mathjax_packed(_=None):
    """MathJax, gzipped and base64-encoded, for the page to unpack (DecompressionStream) and run: 0.96 MB
    in the page instead of 2.3 MB. The same bytes every time (no timestamp in the gzip header).
    A Jinja filter (nbgrader_config.py registers it as ``course_mathjax``)."""
    return base64.b64encode(gzip.compress(MATHJAX.read_bytes(), 9, mtime=0)).decode("ascii")


def _points(value):
    """2.0 -> "2", 1.5 -> "1.5"."""
    return f"{round(float(value or 0), 2):g}"


# What a summary line would rather show: the named cause, or what the fallback observed.
CAUSES = ("diagnosis.likely_cause", "diagnosis.two_causes", "diagnosis.observed")
# What a summary line never shows: the step's own header, the step-of-training marker, the case.
FRAMING = ("check.failed", "check.at_step", "train.at_step", "check.case")


def explanation(record, lang=None):
    """A failed step's explanation for the summary, from its verdict record, one line per language of
    ``lang`` (default: the chosen one): the first named cause or observation when there is one, else the
    check's first message; for the student's exception, its first line (or, for a bare MemoryError, the
    course's explanation)."""
    if record["outcome"] == "raised":
        error = record["exception"]
        if error["message"].strip():
            return [error["message"].strip().splitlines()[0]]
        return messages.Message(BARE_ERRORS[error["type"]]).lines(lang) if error["type"] in BARE_ERRORS else [error["type"]]
    said = [one for one in verdict.messages(record)
            if not (isinstance(one, messages.Message) and one.key in FRAMING)] or verdict.messages(record)
    if not said:
        return messages.Message("summary.see_cell").lines(lang)
    chosen = next((one for one in said if isinstance(one, messages.Message) and one.key in CAUSES), said[0])
    return chosen.lines(lang) if isinstance(chosen, messages.Message) else str(chosen).strip().splitlines()[:1]


def _explanation(cell):
    record = verdict.read(cell)
    if record is None or record["outcome"] == "passed":  # not judged, or points taken off by hand
        return messages.lines("summary.see_cell")
    return explanation(record)


class SummariseSteps(NbGraderPreprocessor):
    """The summary at the top of the page (templates/feedback/course_feedback.html.j2): each graded cell by its step's
    name with its points, a failed one with the check's first explanation, and the total. After
    GetGrades (the points) and HideHiddenTests (the explanation), in resources["course_summary"]."""

    def preprocess(self, nb, resources):
        steps = []
        for cell in nb.cells:
            if not is_grade(cell):
                continue
            info = cell.metadata.nbgrader
            score, points = info.get("score") or 0, info.get("points") or 0
            grade_id = info.get("grade_id", "")
            name = messages.say(STEP_NAMES[grade_id], joined=" / ") if grade_id in STEP_NAMES else grade_id
            failed = float(score) < float(points)
            steps.append({"grade_id": grade_id, "name": name, "score": _points(score), "points": _points(points),
                          "failed": failed, "explanation": _explanation(cell) if failed else []})
        grades = resources.get("nbgrader", {})
        late = grades.get("late_penalty") or 0
        resources["course_summary"] = {
            "title": messages.say("summary.title", joined=" / "),
            "steps": steps,
            "total_label": messages.say("summary.total", joined=" / "),
            "score": _points(grades.get("score", sum(float(s["score"]) for s in steps))),
            "max_score": _points(grades.get("max_score", sum(float(s["points"]) for s in steps))),
            "late_label": messages.say("summary.late_penalty", joined=" / ") if late else "",
            "late_penalty": _points(late),
            # what was repaired before grading (grading/repair.py): one line each, in the chosen language(s)
            "repairs_title": messages.say("repair.title", joined=" / "),
            "repairs": [one.render(joined=" / ") for one in repair.noted(nb)],
        }
        return nb, resources


# ---- the submission's markup, inert in every page a person opens ---------------------------------------
# A submission's outputs and markdown are the student's HTML: opened by an instructor (feedback page,
# formgrader) a script in them would run with that person's session. nbconvert's sanitize_html (set in
# nbgrader_config.py) drops JavaScript and widget outputs and passes HTML outputs through the template
# filter clean_html; nbgrader's templates render markdown cells without it, so markdown2html cleans too.
# Both use this allow-list, wider than nbconvert's (which escapes <p>, <h1>, <th>, <img>: rendered
# markdown would show its own tags), and no attribute that runs code (on*, javascript: links, <script>,
# <iframe>, <object>, <svg>, <style> are not in it). The feedback page adds a Content-Security-Policy.
TAGS = sorted(bleach.ALLOWED_TAGS | {
    "p", "div", "span", "pre", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "img", "sub", "sup", "del", "s",
    "ins", "u", "small", "mark", "kbd", "samp", "var", "q", "cite", "dl", "dt", "dd", "details", "summary",
    "figure", "figcaption", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"})
LINK_SCHEMES = {"", "http", "https", "mailto"}


def _attribute(tag, name, value):
    """Whether attribute ``name`` of ``tag`` may stay: layout and text only; links and pictures that
    cannot run anything (an image from data: is drawn, never run, even SVG)."""
    if name in ("class", "id", "title", "style", "lang", "dir"):
        return True
    if tag == "a":
        return name == "href" and urlsplit(value.strip()).scheme.lower() in LINK_SCHEMES
    if tag == "img":
        return name in ("alt", "width", "height") or (
            name == "src" and urlsplit(value.strip()).scheme.lower() in LINK_SCHEMES | {"data"})
    if tag in ("td", "th", "col", "colgroup"):
        return name in ("align", "colspan", "rowspan", "span")
    return tag == "ol" and name in ("start", "type")


# nbconvert's words for a picture without alternative text (its HTMLExporter adds them to the whole page).
NO_DESCRIPTION = "No description has been provided for this image"


class _Described(html5lib_shim.Filter):
    """Gives a picture of the student's markup that has no alternative text nbconvert's (NO_DESCRIPTION)."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "img":
                token["data"].setdefault((None, "alt"), NO_DESCRIPTION)
            yield token


def inert_html(html):
    """``html`` with only the tags and attributes of TAGS and _attribute; anything else escaped, so it
    shows as text (comments dropped); a picture without alternative text gets NO_DESCRIPTION. The template
    filter ``clean_html`` (nbgrader_config.py)."""
    cleaner = bleach.sanitizer.Cleaner(  # one per call, as bleach.clean makes: a Cleaner is not thread-safe
        tags=TAGS, attributes=_attribute, protocols=sorted(LINK_SCHEMES | {"data"}), strip_comments=True,
        css_sanitizer=CSSSanitizer(allowed_css_properties=ALLOWED_CSS_PROPERTIES), filters=[_Described])
    return cleaner.clean(html.decode() if isinstance(html, bytes) else str(html))


def described(html):
    """The picture the page's template wrote for an output (an <img> tag), with NO_DESCRIPTION for alternative
    text when it has none. A Jinja filter (course_described) of the template's own tags, never the student's markup."""
    tag = str(html)
    if "<img" not in tag or re.search(r"\salt=", tag):
        return tag
    return tag.replace("<img", f'<img alt="{NO_DESCRIPTION}"', 1)


class InertMarkdown(NbConvertBase):
    """The template filter ``markdown2html``: the exporter's own (math, attachments, heading anchors),
    then inert_html. nbconvert makes one per exporter, with the exporter as its parent."""
    jinja_pass_arg = jinja2.pass_context(lambda: None).jinja_pass_arg  # jinja hands it the template's context

    def __call__(self, context, source):
        return inert_html(self.parent.markdown2html(context, source))


INERT_FILTERS = {"clean_html": inert_html, "markdown2html": InertMarkdown}


def csp_hash(script):
    """The Content-Security-Policy source that lets exactly this inline script run: 'sha256-…'."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.lru_cache(maxsize=1)
def mathjax_hash(_=None):
    """csp_hash of MathJax's code as the page runs it (unpacked into a script element); a Jinja filter."""
    return csp_hash(MATHJAX.read_text(encoding="utf-8"))


# ---- the page, made quickly -------------------------------------------------------------------------

class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates kept for the life of the process, by the template's source."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED = _CompiledTemplates()


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, made quicker for a page per notebook: its templates compiled once per grading
    worker (nbgrader makes a new exporter for every feedback page, and each would compile every template
    again: a profile of `make bench` found that a large part of a page's time), and no second pass over the page."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        """HTMLExporter's, without its last pass: BeautifulSoup parsing the whole page again (MathJax
        included) to add alternative text to pictures, and focus to the lab template's cells, which this
        classic one has not. In a profile of grading that pass was about a third of a page's time (0.13 of
        0.42 s). The pictures get their text as they are written instead (``described``, ``inert_html``)."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code",
                             self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                        parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)
