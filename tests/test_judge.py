"""The judge against student processes: honest and broken answers, and a student
process that misbehaves (garbage, too much, nothing, death), which costs its step and nothing else.

The protocol is tested on its own against a scripted stand-in for the zygote and its student process, and
end to end against a real zygote (unsandboxed here, for speed; the hostile class grades the
same in the sandbox)."""
import contextlib
import importlib.util
import json
import socket
import threading

import pytest
import torch

import zygotes
from autograder import wire
from autograder.grading import judge, verdict
from autograder.grading import student_process
from autograder.grading.isolation import zygote_control

# ---------------------------------------------------------------- the protocol, against a scripted probe

class ScriptedProcess:
    """Stands in for the zygote and the student process it forks: answers the cells, then plays ``reply``
    (bytes to send for the first call, b"" to hang up, or None to never answer)."""

    def __init__(self, tmp_path, reply):
        self.path, self.reply = str(tmp_path / "zygote"), reply
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen()
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.done.is_set():
            conn, _ = self.server.accept()
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn):
        with conn:
            reader = conn.makefile("rb")
            request = json.loads(reader.readline())
            if request["op"] == "student":
                conn.sendall(b'{"pid": 4242}\n')
                cells = json.loads(reader.readline())["cells"]
                conn.sendall(json.dumps({"cells": [{"id": c["id"], "error": None} for c in cells]}).encode() + b"\n")
                wire.read(reader, 2**30)  # the call, its arrays too (a judge blocked sending them would time out)
                if self.reply == b"":
                    return  # hangs up
                if self.reply is not None:
                    with contextlib.suppress(OSError):  # the judge may stop reading a reply that is too long
                        conn.sendall(self.reply)
                self.done.wait(30)
            else:  # signal, poll
                conn.sendall(b'{"running": false, "exit": -9}\n')


@pytest.fixture
def scripted(tmp_path, monkeypatch):
    monkeypatch.setenv(zygote_control.SOCKET_VARIABLE, str(tmp_path / "zygote"))
    # no zygote of this process's own, which ensure_zygote would start again in the stand-in's place (a test
    # file run before this one on the same process may have started one, since ended)
    monkeypatch.setattr(zygote_control, "_started", None)

    def start(reply, **probe_options):
        stand_in = ScriptedProcess(tmp_path, reply)
        probe = student_process.StudentProcess(**{"timeout": 10, **probe_options})
        probe.define([{"id": "forward", "source": "def forward(x, w1, w2): pass"}])
        return stand_in, probe
    yield start


def _verdict(probe, code="from autograder import checks\nchecks.forward(forward)", timeout=10):
    outputs = verdict.outputs(judge.decide(code, probe, timeout))
    errors = [o for o in outputs if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else ("passed", "".join(o.get("text", "") for o in outputs))


@pytest.mark.parametrize("reply,options,expected", [
    (b"this is not json\n", {}, student_process._garbled("JSONDecodeError")),                   # malformed
    (b'{"values": {"$": "pickle", "data": "gASV"}}\n', {}, student_process._garbled("an unknown kind 'pickle'")),  # not a value
    (b"[" + b"1," * 600_000 + b"1]\n", {"max_bytes": 2**20}, student_process._too_big(2**20)),   # oversized
    (b'{"values": {}, "blobs": [2097152]}\n', {"max_bytes": 2**20}, student_process._too_big(2**20)),  # its arrays
    (None, {"timeout": 2}, student_process._timed_out(2)),                                          # never answers
    (b"", {}, student_process._died(-9)),                                                            # hangs up
], ids=["malformed", "not_a_value", "oversized", "oversized_arrays", "never_answers", "hangs_up"])
def test_a_probe_that_misbehaves_costs_the_step_with_the_reason(scripted, reply, options, expected):
    stand_in, probe = scripted(reply, **options)
    assert _verdict(probe, timeout=options.get("timeout", 10)) == ("ProbeFailed", str(expected))
    stand_in.done.set()


# ---------------------------------------------------------------- end to end, against a real zygote

@pytest.fixture(scope="module")
def zygote():
    warm = importlib.util.find_spec("ipykernel") is not None  # always in the course's environment
    with zygotes.running(sandboxed=False, cold=not warm,
                         limits={"memory_mb": 8192, "cpu_seconds": 600, "wall_seconds": 600, "file_mb": 16}) as proc:
        yield proc


SETUP = {"id": "setup", "source": "import numpy as np\n%matplotlib inline", "own": False}
FORWARD = """def forward(x, w1, w2):
    h = x.dot(w1)
    return h, np.maximum(h, 0), np.maximum(h, 0).dot(w2)"""


def _probe(zygote, *sources, own=True, **options):
    """A student process with the set-up cell and ``sources`` defined; ``own=False``: the rules do not read them, to
    try the judge against what a process does rather than what its code says."""
    probe = student_process.StudentProcess(**{"timeout": 120, **options})
    probe.define([SETUP] + [{"id": f"cell{i}", "source": s, "own": own} for i, s in enumerate(sources)])
    return probe


def test_an_honest_answer_passes_and_a_stub_scores_zero(zygote):
    probe = _probe(zygote, FORWARD)
    assert _verdict(probe)[0] == "passed" and "✓ forward" in _verdict(probe)[1]
    probe.close()
    stub = _probe(zygote, "def forward(x, w1, w2):\n    raise NotImplementedError('complete this step')")
    ename, text = _verdict(stub)
    assert ename == "NotImplementedError" and text == "complete this step"
    stub.close()


def test_only_the_student_process_s_time_counts_against_the_cells_limit(zygote):
    """The checks' own work here (their oracles; on a busy machine, their first imports) is the grader's time: a
    test cell that spends longer than the limit here still passes a quick answer; a slow answer does not."""
    slow_here = "import time\ntime.sleep(3)\nfrom autograder import checks\nchecks.forward(forward)"
    probe = _probe(zygote, FORWARD)
    assert _verdict(probe, code=slow_here, timeout=2)[0] == "passed"
    probe.close()
    slow_there = _probe(zygote, FORWARD.replace("    h = x.dot(w1)", "    import time\n    time.sleep(3)\n    h = x.dot(w1)"))
    assert _verdict(slow_there, timeout=2)[0] == "ProbeFailed"
    slow_there.close()
    # the limit is for the whole cell: calls of 1.2 s each pass one by one, not two in a 2 s cell
    steady = _probe(zygote, FORWARD.replace("    h = x.dot(w1)", "    import time\n    time.sleep(1.2)\n    h = x.dot(w1)"))
    twice = "from autograder import checks\nchecks.forward(forward)\nchecks.forward(forward)"
    assert _verdict(steady, code=twice, timeout=2)[0] == "ProbeFailed"
    steady.close()


def test_an_exception_of_the_students_code_shows_their_own_frames(zygote):
    probe = _probe(zygote, FORWARD.replace("    h = x.dot(w1)", "    h = x.dot(w3)"))
    ename, text = _verdict(probe)
    assert ename == "NameError" and text.startswith("name 'w3' is not defined\n\n")
    assert "in forward" in text and "x.dot(w3)" in text and "autograder" not in text
    probe.close()


def test_a_name_never_defined_says_which_cell_stopped(zygote):
    probe = _probe(zygote, "undefined_name + 1\n" + FORWARD)
    ename, text = _verdict(probe)
    assert ename == "CheckFailed" and "forward is not defined" in text and "NameError" in text and "cell0" in text
    probe.close()


@pytest.mark.parametrize("body,expected", [
    ("import os\n    os._exit(3)", "exit code 3"),
    ("import ctypes\n    ctypes.string_at(0)", "signal SIGSEGV"),
    ("import time\n    time.sleep(60)", "no result within 3 s"),
    ("import os, stat\n    for fd in range(3, 64):\n        try:\n            if stat.S_ISSOCK(os.fstat(fd).st_mode):\n"
     "                os.write(fd, b'not json\\n')\n        except OSError:\n            pass\n"
     "    return None", "not an answer"),
])
def test_a_probe_that_dies_hangs_or_garbles_costs_its_step_and_the_next_step_gets_a_fresh_one(zygote, body, expected):
    probe = _probe(zygote, f"def forward(x, w1, w2):\n    {body}", FORWARD.replace("def forward", "def forward_again"),
                   own=False, timeout=3)
    ename, text = _verdict(probe, timeout=3)
    assert ename == "ProbeFailed" and expected in text, text
    assert _verdict(probe, "from autograder import checks\nchecks.forward(forward_again)")[0] == "passed"
    probe.close()


def test_changing_how_the_probe_runs_cells_only_stops_the_students_own_definitions(zygote):
    hook = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
    ename, text = _verdict(_probe(zygote, hook, FORWARD))
    assert ename == "GuardViolation" and "get_ipython" in text  # read from the text: a rule of its own
    probe = _probe(zygote, hook, FORWARD, own=False)  # and what it does in the process costs nothing more
    ename, text = _verdict(probe)
    assert ename == "CheckFailed" and "forward is not defined" in text
    probe.close()


def test_reaching_into_the_checking_library_breaks_the_rule_for_the_steps_after_it(zygote):
    lie = "import autograder.probes as p\np.PROBES['call'] = lambda *a, **k: {'out': None, 'after': []}"
    probe = _probe(zygote, FORWARD, lie)
    ename, text = _verdict(probe)
    assert ename == "GuardViolation" and "autograder" in text and "import autograder.probes, cell cell1" in text
    probe.close()


def test_a_rule_broken_in_the_probe_is_named_by_the_judge(zygote):
    probe = _probe(zygote, "def forward(x, w1, w2):\n    import torch\n    return torch.tensor(x), None, None")
    ename, text = _verdict(probe)
    assert ename == "GuardViolation" and "numpy only; torch is not allowed" in text
    probe.close()


def _notebook_verdicts(path):
    """{grade id: (error name or "passed", text)} of every test cell of the notebook at ``path``, judged
    against the instructor's test code of its source notebook."""
    import nbformat

    from autograder.grading import folders

    assignment = path.parent.name
    source = nbformat.read(folders.source_notebooks()[assignment], as_version=4)
    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if judge.is_test(c)}
    nb = nbformat.read(path, as_version=4)
    found = {}
    for cell, outputs in judge.judge_notebook(nb, tests, timeout=300):
        errors = [o for o in outputs if o.output_type == "error"]
        found[cell.metadata["nbgrader"]["grade_id"]] = ((errors[0].ename, errors[0].evalue) if errors else
                                                         ("passed", "".join(o.get("text", "") for o in outputs)))
    assert set(found) == set(tests)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["01_numpy", "02_autograd", "03_nn", "04_optim", "05_module"])
def test_the_judge_passes_the_reference_solution_and_fails_the_stub_on_every_step(zygote, assignment):
    """Every hidden test, on every device here (CUDA too, where there is a GPU), judged in a student process."""
    from autograder.grading import folders

    source = folders.source_notebooks()[assignment]
    for grade_id, (outcome, text) in _notebook_verdicts(source).items():
        assert outcome == "passed" and "✓" in text, (grade_id, outcome, text)
        on_cpu_only = ("01_numpy", "03_nn/test_model", "04_optim/test_optimizer")  # checks of structure, no device
        if torch.cuda.is_available() and not {assignment, f"{assignment}/{grade_id}"} & set(on_cpu_only):
            assert " cuda" in text, (grade_id, text)  # the hidden tests ran on the GPU too
    for grade_id, (outcome, text) in _notebook_verdicts(folders.ROOT / "release" / assignment / source.name).items():
        assert outcome == "NotImplementedError" and text == "请完成这一步 / complete this step", (grade_id, outcome)


def test_the_test_cells_names_are_the_students():
    code = "from autograder import checks\nfor device in devices():\n    checks.forward(forward, device=device)\nx = 1\nprint(x, len([]))"
    assert judge.student_names(code) == ["devices", "forward"]


def test_the_judge_writes_what_a_check_says_and_nothing_of_the_students_own_output(zygote):
    probe = _probe(zygote, FORWARD.replace("    h = x.dot(w1)", "    print('students own line')\n    h = x.dot(w1)"))
    outputs = verdict.outputs(judge.decide("from autograder import checks\nchecks.forward(forward)", probe, 10))
    assert [o.output_type for o in outputs] == ["stream"]
    assert outputs[0].text.startswith("✓ forward") and "students own line" not in outputs[0].text
    probe.close()


def test_the_probes_world_lacks_what_its_notebook_forbids(zygote):
    """Read as text the cells below break rules; here they are run unread (own=False), to see the world itself:
    in 01_numpy no torch, anywhere no checking library but do-nothing stand-ins of its public modules."""
    stand_in = "from autograder import checks\nassert checks.forward(None) is None\n"
    probe = _probe(zygote, stand_in + "import torch\n" + FORWARD, own=False, forbidden=("torch",))
    ename, text = _verdict(probe)
    assert ename == "CheckFailed" and "ModuleNotFoundError" in text and "torch is not available where your code runs" in text
    assert "AssertionError" not in text  # the stand-in's check returned None
    probe.close()
    probe = _probe(zygote, "from autograder import oracles\n" + FORWARD, own=False)
    ename, text = _verdict(probe)
    assert ename == "CheckFailed" and "autograder.oracles is not available" in text, text
    probe.close()
    assert _verdict(_probe(zygote, stand_in + FORWARD, own=False, forbidden=("torch",)))[0] == "passed"


def test_the_judge_keeps_a_record_of_each_step(zygote):
    """What decided each step, as data (verdict.py): passed on which case, a name never defined, a rule broken."""
    code = "from autograder import checks\nchecks.forward(forward)"
    probe = _probe(zygote, FORWARD)
    record = judge.decide(code, probe, 10, "test_forward", 2)
    assert (record["outcome"], record["points"], record["case"]["backend"]) == ("passed", 2, "numpy")
    probe.close()
    probe = _probe(zygote, "undefined_name + 1\n" + FORWARD)
    record = judge.decide(code, probe, 10, "test_forward", 2)
    assert (record["outcome"], record["points"]) == ("not_defined", 0)
    assert record["messages"][0] == {"key": "probe.not_defined", "values": {"name": "forward"}}
    probe.close()
    probe = _probe(zygote, "def forward(x, w1, w2):\n    import torch\n    return torch.tensor(x), None, None")
    record = judge.decide(code, probe, 10, "test_forward", 2)
    assert (record["outcome"], record["rules"]) == ("rule_broken", ["torch"])
    assert verdict.outputs(record)[-1].ename == "GuardViolation"
    probe.close()


def test_only_the_notebooks_that_use_torchs_optimizers_ask_for_them():
    import nbformat

    from autograder.grading import folders

    uses = {a: judge.uses_optimizers(nbformat.read(path, as_version=4)) for a, path in folders.source_notebooks().items()}
    assert uses == {"01_numpy": False, "02_autograd": False, "03_nn": False, "04_optim": True, "05_module": True}
