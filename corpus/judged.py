"""The runner of the mutation corpus (mutations.py): each entry's edited notebook judged as a submission
is judged, every test cell of it, and classified.

Judging: the real judge (autograder/grading/judge.py: judge_notebook) against a student process forked
from a warm zygote, with the instructor's test code of the source notebook, as
tests/test_judge.py does. Worker processes (``jobs``, two by default) each start one zygote and
judge entries one after another; each notebook gets one student process, as in grading.

Classification of a mistake, on its own step's output (what the check printed, and the error's text):
  named        every expected key's text is there (the English text of the catalogue entry up to its
               first placeholder, which the workers' language, both, grading's default, prints too);
               a mistake whose keys are all notes (mutations.NOTES) is named by a step that passes
               with the note
  fallback     the step failed and says what it observed (catalogue "diagnosis.observed"), but does not
               name every expected key
  unexplained  otherwise, including a step that passed when it should have failed
and "costs another step" when any other test cell of its notebook failed. A correct alternative is
"flagged" when any step failed.

The visible check (the part of the test cell above ``### BEGIN HIDDEN TESTS``) is also run in the
worker's own process on the edited answer cells, as a student's kernel runs it (``from autograder
import checks``, the student's function an ordinary function), to measure whether the message in
JupyterLab names what the graded feedback names.
"""
import contextlib
import io
import multiprocessing
import os
import string
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from corpus import mutations

HIDDEN = "### BEGIN HIDDEN TESTS"
KINDS = ("named", "fallback", "unexplained")
ZYGOTE_LIMITS = {"memory_mb": 8192, "cpu_seconds": 600, "wall_seconds": 600, "file_mb": 16}


@dataclass
class Step:
    failed: bool
    text: str
    record: dict = None  # the judge's verdict record of the step (grading/verdict.py), when judged


@dataclass
class Result:
    entry: mutations.Entry
    kind: str                     # named, fallback, unexplained (mistakes); passed, flagged (alternatives)
    steps: dict                   # {grade id: Step}, every test cell of the notebook, graded
    visible: Step                 # the entry's own step's visible check, run in-process
    visible_named: bool           # the visible check names every expected key (an alternative: it passes)
    seconds: float
    costs: list = field(default_factory=list)  # other steps that failed

    @property
    def own(self):
        return self.steps[self.entry.step]


# ---------------------------------------------------------------- the texts a key stands for

def key_text(key):
    """The English text by which ``key``'s message is recognised in an output: the catalogue entry up
    to its first placeholder (where that is shorter than 12 characters, e.g. an entry that starts
    with one, its longest literal part instead); None for a key not in the catalogue (yet)."""
    from autograder import messages

    if key not in messages.CATALOGUE:
        return None
    english = messages.pair(key)[1]
    parts = [literal for literal, *_ in string.Formatter().parse(english)]
    first = parts[0] if parts else english
    return first if len(first) >= 12 else max(parts, key=len)


def names(text, keys):
    """Whether ``text`` names every one of ``keys``."""
    return all((t := key_text(k)) is not None and t in text for k in keys)


def observed(text):
    t = key_text("diagnosis.observed")
    return t is not None and t in text


def first_line(text):
    """The first line of an explanation worth quoting: not the "✗ step: check failed." header, in English
    where the message gives both languages."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    header = ("check failed", "没有通过检查")
    useful = [ln for ln in lines if not any(h in ln for h in header)] or lines
    english = [ln for ln in useful if not any(unicodedata.east_asian_width(ch) in "WF" for ch in ln)]
    return (english or useful or [""])[0][:200]


# ---------------------------------------------------------------- judging one entry

def _text(outputs):
    text, failed = [], False
    for o in outputs:
        if o.output_type == "error":
            failed = True
            text.append(f"{o.ename}: {o.evalue}")
        else:
            text.append(o.get("text", ""))
    return Step(failed, "\n".join(text))


def _tests(assignment, _cache={}):
    """{grade id: the instructor's test code} of ``assignment``'s source notebook."""
    if assignment not in _cache:
        import nbformat

        from autograder.grading import folders, judge

        nb = nbformat.read(folders.source_notebooks()[assignment], as_version=4)
        _cache[assignment] = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if judge.is_test(c)}
    return _cache[assignment]


def judged(nb, assignment):
    """{grade id: Step} of every test cell of ``nb``, decided by the judge against one student process: the
    outputs rendered from each step's verdict record, and the record."""
    from autograder.grading import folders, judge, verdict

    tests = _tests(assignment)
    steps = {}
    for c, record in judge.records(nb, tests, timeout=folders.load_config(folders.ROOT).Execute.timeout):
        step = _text(verdict.outputs(record))
        step.record = record
        steps[c.metadata["nbgrader"]["grade_id"]] = step
    return steps


def visible(nb, assignment, grade_id):
    """The visible part of test cell ``grade_id`` run here, after the cells a kernel would have run
    (the definitions the probe runs too), the student's functions plain functions: as in JupyterLab."""
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.grading import judge

    code = _tests(assignment)[grade_id].split(HIDDEN)[0]
    namespace = {"__name__": "__main__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
        for definition, _ in judge.definitions(nb):
            if definition:
                with contextlib.suppress(Exception):
                    exec(compile(TransformerManager().transform_cell(definition["source"]), definition["id"], "exec"),
                         namespace)
        try:
            exec(compile(code, f"<{grade_id}>", "exec"), namespace)
            error = None
        except Exception as raised:  # noqa: BLE001 (what the student sees under the cell)
            error = f"{type(raised).__name__}: {raised}"
    return Step(error is not None, printed.getvalue() + ("\n" + error if error else ""))


def classify(entry, steps, visible_step):
    own = steps[entry.step]
    failed_elsewhere = [g for g, s in steps.items() if g != entry.step and s.failed]
    if entry.correct:
        kind = "flagged" if own.failed or failed_elsewhere else "passed"
        return kind, failed_elsewhere, not visible_step.failed
    should_fail = not set(entry.expect) <= mutations.NOTES
    if entry.outside:  # the fallback must state what is expected and name no mistake: that would be false
        stated = own.failed and names(own.text, entry.expect) and not mentioned(own.text)
        return ("stated" if stated else "unexplained"), failed_elsewhere, names(visible_step.text, entry.expect)
    if should_fail and not own.failed:
        kind = "unexplained"
    elif names(own.text, entry.expect):
        kind = "named"
    elif own.failed and observed(own.text):
        kind = "fallback"
    else:
        kind = "unexplained"
    visible_named = (visible_step.failed or not should_fail) and names(visible_step.text, entry.expect)
    return kind, failed_elsewhere, visible_named


def run_entry(entry):
    start = time.monotonic()
    nb = mutations.notebook(entry)
    steps = judged(nb, entry.assignment)
    seen = visible(nb, entry.assignment, entry.step)
    kind, costs, visible_named = classify(entry, steps, seen)
    return Result(entry, kind, steps, seen, visible_named, time.monotonic() - start, costs)


# ---------------------------------------------------------------- the corpus, in worker processes

def _start_worker():
    from autograder import messages
    from autograder.grading import lasting
    from autograder.grading.isolation import zygote_control

    import torch

    os.environ.setdefault("MPLBACKEND", "Agg")
    # Grading's default language (nbgrader_config.py), both: the English texts the classification looks for are there.
    os.environ[messages.VARIABLE] = messages.DEFAULT
    torch.set_num_threads(1)  # two workers, each with a student process, on two cores
    zygote_control.start_zygote(sandboxed=False, cold=False, limits=ZYGOTE_LIMITS)
    lasting.keep()  # as a grading worker (worker.start)


def run(entries=None, jobs=None):
    """[Result] of every entry (default: the whole corpus), in the corpus's order."""
    entries = list(mutations.CORPUS if entries is None else entries)
    jobs = jobs or min(2, os.cpu_count() or 1)
    for entry in entries:  # every edit applies, before any work starts
        mutations.notebook(entry)
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold torch's threads
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker) as pool:
        return list(pool.map(run_entry, entries, chunksize=1))


# ---------------------------------------------------------------- what the results say

def mentioned(text):
    """The named-mistake keys ("mistake.<key>") whose text ``text`` holds."""
    from autograder import messages

    return [k for k in messages.keys("mistake.") if (t := key_text(k)) and t in text]


def explanation(text):
    """The first line of the step's explanation a student reads: not the "✗ step: check failed." header,
    a "(step k)" marker or a traceback line; in English where both languages are given."""
    def useful(line):
        s = line.strip()
        return s and not (line.startswith((" ", "\t")) or s.startswith(("File ", "Traceback", "^", "~", "(step ", "（第"))
                          or "check failed" in s or "没有通过检查" in s)
    lines = [ln for ln in text.splitlines() if useful(ln)]
    english = [ln for ln in lines if not any(unicodedata.east_asian_width(ch) in "WF" for ch in ln)]
    return (english or lines or [first_line(text)])[0].strip()[:240]


def table(results):
    """{(assignment, step): counts} in the corpus's order: mistakes, named, fallback, unexplained,
    visible (the visible check names the same keys), alternatives, flagged, costs."""
    rows = {}
    for r in results:
        row = rows.setdefault((r.entry.assignment, r.entry.step), dict.fromkeys(
            ("mistakes", "named", "fallback", "unexplained", "visible", "alternatives", "flagged", "costs",
             "outside", "stated"), 0))
        if r.entry.correct:
            row["alternatives"] += 1
            row["flagged"] += r.kind == "flagged"
        elif r.entry.outside:
            row["outside"] += 1
            row["stated"] += r.kind == "stated"
            row["costs"] += bool(r.costs)
        else:
            row["mistakes"] += 1
            row[r.kind] += 1
            row["visible"] += r.visible_named
            row["costs"] += bool(r.costs)
    return rows


def totals(results):
    total = dict.fromkeys(("mistakes", "named", "fallback", "unexplained", "visible", "alternatives", "flagged", "costs",
                           "outside", "stated"), 0)
    for row in table(results).values():
        for k, v in row.items():
            total[k] += v
    return total


def named_share(results):
    total = totals(results)
    return total["named"] / total["mistakes"] if total["mistakes"] else 1.0
