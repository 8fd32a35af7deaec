"""A graded step's verdict as data: one record per test cell, made by the judge, kept with the graded
notebook, and rendered wherever it is read, in the language chosen there.

The judge (judge.py) makes the record; JudgeSteps (plugins/verdicts.py) stores it in the test cell's
metadata under NAMESPACE, which nbgrader keeps in the autograded notebook, and writes the cell's
outputs from it, which nbgrader scores (an error output: zero). The feedback page, the class report
and self-check read records, never the text of the outputs.

A record, a JSON-ready dict:

    step          the test cell's grade id ("test_backward")
    points        max_points when passed, else 0 (nbgrader's rule for an autograded test cell)
    max_points
    outcome       passed | failed | rule_broken | probe_failed | not_defined | raised
    printed       what the checks printed: success lines and notes, as messages
    messages      what the failed check said, as messages (empty when passed or raised)
    exception     the student's exception, {type, message, frames (their own)}, when one was raised or
                  explained, else None
    mistakes      the keys of the known mistakes named alone ("relu_mask_missing"), notes included
    pairs         two mistakes named together, [[first, second], ...]
    rules         the exercise's rules broken ("torch")
    shapes        the shape mistakes, as messages (value.transposed, value.shape)
    observations  what was measured of a wrong value, as messages (observed.ratio, observed.masked, ...)
    case          the last case a check ran: {backend, dtype, device, shape, seed}, or None

A message is {"key": catalogue key, "values": {...}} (values may hold messages), or {"text": ...} for
words that are not the course's (a student's traceback), the same in every language.
"""
from nbformat.v4 import new_output

from ..messages import Message, render

NAMESPACE = "two_layer_net"  # the course's own key in a cell's metadata
OUTCOMES = ("passed", "failed", "rule_broken", "probe_failed", "not_defined", "raised")
# The error a test cell shows for each outcome that has one of the course's (raised: the student's own).
ERROR_NAMES = {"failed": "CheckFailed", "rule_broken": "GuardViolation", "probe_failed": "ProbeFailed",
               "not_defined": "CheckFailed"}
SHAPES = ("value.transposed", "value.shape")
RATIO_HINTS = ("observed.per_row", "observed.per_entry")  # parts of an observation, not observations


def as_data(said):
    """A Message, or words not the course's, as JSON-ready data."""
    return said.as_dict() if isinstance(said, Message) else {"text": str(said)}


def from_data(data):
    return Message.from_dict(data) if "key" in data else data["text"]


def exception_data(error):
    """A student's exception (wire.StudentError) as {type, message, frames}."""
    return {"type": error.type_name, "message": error.message, "frames": list(error.lines)}


def make(step, max_points, outcome, printed=(), said=(), raised=None, cases=()):
    """The record of one step: ``printed`` and ``said`` are Messages (or words not the course's),
    ``raised`` the student's exception (wire.StudentError) or None, ``cases`` the cases checked."""
    if outcome not in OUTCOMES:
        raise ValueError(f"not an outcome: {outcome!r}")
    found = {"mistakes": [], "pairs": [], "rules": [], "shapes": [], "observations": []}
    for one in [*printed, *said]:
        if isinstance(one, Message):
            _collect(one, found)
    return {
        "step": step, "points": max_points if outcome == "passed" else 0, "max_points": max_points,
        "outcome": outcome,
        "printed": [as_data(one) for one in printed], "messages": [as_data(one) for one in said],
        "exception": exception_data(raised) if raised is not None else None,
        **{kind: _unique(items) for kind, items in found.items()},
        "case": dict(cases[-1]) if cases else None,
    }


def _collect(message, found):
    """The keys and facts ``message`` names, into ``found``."""
    key = message.key
    if key == "diagnosis.two_causes":
        found["pairs"].append([message.values[n].key.removeprefix("mistake.") for n in ("first", "second")])
        return
    if key.startswith("mistake."):
        found["mistakes"].append(key.removeprefix("mistake."))
    elif key.startswith("rule.") and key != "rule.broken":
        found["rules"].append(key.removeprefix("rule."))
    elif key in SHAPES:
        found["shapes"].append(message.as_dict())
    elif key.startswith("observed.") and key not in RATIO_HINTS:
        found["observations"].append(message.as_dict())
        return
    for value in message.values.values():
        if isinstance(value, Message):
            _collect(value, found)


def _unique(items):
    return [item for k, item in enumerate(items) if item not in items[:k]]


# ---- where records live: the test cell's metadata ----------------------------------------------------

def store(cell, record):
    cell.metadata.setdefault(NAMESPACE, {})["verdict"] = record


def read(cell):
    """The cell's verdict record, or None (not a test cell, or graded before records were kept)."""
    return cell.get("metadata", {}).get(NAMESPACE, {}).get("verdict")


def messages(record, part="messages"):
    """The record's ``part`` ("messages" or "printed") as Messages and words."""
    return [from_data(one) for one in record.get(part) or []]


# ---- the test cell's outputs, rendered from the record -----------------------------------------------

def outputs(record, lang=None):
    """The nbformat outputs of the test cell whose verdict is ``record``, in ``lang`` (default: the
    chosen language): the checks' printed lines, then the error when the step did not pass."""
    printed = "".join(render(one, lang) + "\n" for one in messages(record, "printed"))
    result = [new_output("stream", name="stdout", text=printed)] if printed else []
    if record["outcome"] == "raised":
        result.append(_student_error(record["exception"]))
    elif record["outcome"] != "passed":
        evalue = "\n\n".join(render(one, lang) for one in messages(record))
        result.append(new_output("error", ename=ERROR_NAMES[record["outcome"]], evalue=evalue,
                                 traceback=evalue.splitlines()))
    return result


def _student_error(exception):
    """The student's exception: their words and their own frames. The evalue carries the frames too: the
    feedback page shows a test cell's error by it alone. (Not for an untouched stub: its only frame is the
    stub's own raise.)"""
    kind, message, frames = exception["type"], exception["message"], exception["frames"]
    shown = "".join(frames).rstrip() if kind != "NotImplementedError" else ""
    evalue = message + (f"\n\n{shown}" if shown else "")
    return new_output("error", ename=kind, evalue=evalue,
                      traceback=[*frames, f"{kind}: {message}" if message else kind])
