"""A class of hostile and broken submissions of 01_numpy, graded once by tests/test_hostile.py.

Each student starts from the reference solution and does one bad thing: loops forever, kills
its kernel, floods its output, sends a file that is not a notebook, edits the test cells,
cheats, or reaches for files it must not read. ``CASES`` says, for each, what the grader must
give: the points of each step (``FULL`` = the step's points), or ``BROKEN`` = zero for every
step with a reason. The course's limits are lowered (``LIMITS``) so that the whole class grades
in a few minutes.

    python -m corpus.hostile_class [FOLDER]     build the class in FOLDER and grade it
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
from nbgrader.utils import is_grade

from corpus import demo_class
from corpus import cells
from autograder.grading import folders, gradebook

ASSIGNMENT = "01_numpy"
FULL, BROKEN = "full", "broken"
STEPS = ("test_forward", "test_loss", "test_backward", "test_update")

# Per-cell timeout, and the sandbox's limits per notebook, for this class only.
LIMITS = """
c.Execute.timeout = 10
c.GradingLimits.wall_seconds = 45
c.GradingLimits.memory_mb = 2048
c.GradingLimits.cpu_seconds = 60
"""


def prepend(grade_id, code):
    """Put ``code`` at the top of the cell ``grade_id``."""
    def edit(nb, folder):
        cell = cells.cell(nb, grade_id)
        cell.source = code + "\n" + cell.source
        return nb
    return edit


def in_function(grade_id, code):
    """Put ``code`` at the top of the body of the function defined in the cell ``grade_id``."""
    def edit(nb, folder):
        cell = cells.cell(nb, grade_id)
        first = cell.source.index('"""')
        end = cell.source.index("\n", cell.source.index('"""', first + 3)) + 1  # after the docstring
        indented = "".join(f"    {line}\n" for line in code.splitlines())
        cell.source = cell.source[:end] + indented + cell.source[end:]
        return nb
    return edit


def extra_cell_after_setup(code):
    def edit(nb, folder):
        index = nb.cells.index(cells.cell(nb, "setup"))
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
        return nb
    return edit


def replace_solution(grade_id, body):
    """Replace what is between the solution markers of ``grade_id`` by ``body``."""
    def edit(nb, folder):
        cell = cells.cell(nb, grade_id)
        start, end = cell.source.index("### BEGIN SOLUTION"), cell.source.index("### END SOLUTION")
        cell.source = cell.source[:start] + body.strip() + "\n    " + cell.source[end:]
        return nb
    return edit


def saved(grade_id, output):
    """Store ``output`` in the cell ``grade_id``, as the student's own run left it in the file."""
    def edit(nb, folder):
        cells.cell(nb, grade_id).outputs.append(output)
        return nb
    return edit


def chain(*edits):
    def edit(nb, folder):
        for e in edits:
            nb = e(nb, folder)
        return nb
    return edit


WRONG_FORWARD = """h = x.dot(w1)
    h_relu = h
    y_pred = h_relu.dot(w2)"""


def reach_out(nb, folder):
    """A cell that tries to read and write what a submission must never reach."""
    targets = {
        "source": folder / "source" / ASSIGNMENT / folders.source_notebooks(folder)[ASSIGNMENT].name,
        "gradebook": folder / "gradebook.db",
        "other student": folder / "submitted" / demo_class.REFERENCE / ASSIGNMENT,
        "course config": folder / "nbgrader_config.py",
    }
    code = f"""import os, glob, socket
leaks = []
for name, path in {json.dumps({k: str(v) for k, v in targets.items()})}.items():
    try:
        leaks.append(name + ' listed: ' + str(os.listdir(path)) if os.path.isdir(path) else name + ' read: ' + repr(open(path, 'rb').read(40)))
    except OSError:
        pass
    try:
        with open(path if not os.path.isdir(path) else os.path.join(path, 'planted.txt'), 'ab') as f:
            f.write(b'tampered')
        leaks.append(name + ' written')
    except OSError:
        pass
for notebook in glob.glob('*.ipynb') + glob.glob('../*/*.ipynb') + glob.glob('../../*/*/*.ipynb'):
    leaks.append('notebook with the hidden tests read: ' + notebook + open(notebook).read()[:40])
for name in ('NBGRADER_DB_URL', 'AUTOGRADER_ZYGOTE'):
    if name in os.environ:
        leaks.append('environment: ' + name)
try:
    socket.create_connection(('127.0.0.1', 5432), timeout=2)
    leaks.append('network')
except OSError:
    pass
print('LEAKED:' if leaks else 'nothing reached', leaks)"""
    return extra_cell_after_setup(code)(nb, folder)


def write_bytes(data):
    def write(path, folder):
        path.write_bytes(data(folder) if callable(data) else data)
    return write


def zip_file(folder):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.write(folders.source_notebooks(folder)[ASSIGNMENT], "notebook.ipynb")
    return buffer.getvalue()


def old_format(folder):
    nb = nbformat.read(folders.source_notebooks(folder)[ASSIGNMENT], as_version=4)
    return nbformat.writes(nbformat.convert(nb, 3)).encode()


def strip_metadata(nb, folder):
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def duplicate(grade_id):
    """The cell ``grade_id`` copied, metadata and all, and pasted below itself, as JupyterLab does it (the copy
    gets a cell id of its own)."""
    def edit(nb, folder):
        cell = cells.cell(nb, grade_id)
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        copy.id = f"{cell.id}-copy"
        nb.cells.insert(nb.cells.index(cell) + 1, copy)
        return nb
    return edit


duplicate_solution = duplicate("forward")


def old_editor(nb, folder):
    """Saved by an editor that knows neither nbgrader nor cell ids: every cell's metadata and id gone (nbformat 4.4)."""
    nb = strip_metadata(nb, folder)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    return nb


def notebook(edit=None):
    """A writer, for ("file", name, writer), of the reference solution after ``edit``: a notebook under another name."""
    def write(path, folder):
        nb = nbformat.read(folders.source_notebooks(folder)[ASSIGNMENT], as_version=4)
        nbformat.write(edit(nb, folder) if edit else nb, path)
    return write


def drop_test_cells(nb, folder):
    nb.cells = [c for c in nb.cells if not is_grade(c)]
    return nb


def to_markdown(nb, folder):
    cell = cells.cell(nb, "forward")
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def test_cell_pass(nb, folder):
    cells.cell(nb, "test_forward").source = "pass"
    return nb


def full_except(*zeros):
    return {step: (0 if step in zeros else FULL) for step in STEPS}


NOTHING = full_except(*STEPS)


def stub_with(code):
    """The untouched stub (nothing answered) with ``code`` at the top of its first answer cell."""
    def edit(nb, folder):
        stub = nbformat.read(folder / "release" / ASSIGNMENT / folders.source_notebooks(folder)[ASSIGNMENT].name, as_version=4)
        return prepend("forward", code)(stub, folder)
    return edit


# Cheats that change how the kernel runs later cells, or what it reports. Each starts from the
# untouched stub, so it must score zero everywhere: in the kernel they would take full marks
# (the test cells never run, or their failures never show), but the judge runs the test cells
# outside the kernel, and in the student process they can only stop the student's own definitions.
CHEATS = {
    "input_transformer": ("every later cell turned into `pass` (input_transformers_cleanup)",
                          "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"),
    "input_transformer_post": ("every later cell turned into `pass` (input_transformers_post)",
                               "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"),
    "ast_transformer": ("every later cell's code emptied by an AST transformer",
                        "import ast\nclass Nothing(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
                        "        node.body = []\n        return node\nget_ipython().ast_transformers.append(Nothing())"),
    "run_cell_replaced": ("run_cell and run_cell_async replaced: later cells report success and run nothing",
                          "from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult\n"
                          "def _nothing(raw_cell, store_history=False, silent=False, shell_futures=True, cell_id=None, **kw):\n"
                          "    return ExecutionResult(ExecutionInfo(raw_cell, store_history, silent, shell_futures, cell_id))\n"
                          "async def _nothing_async(raw_cell, *args, **kwargs):\n    return _nothing(raw_cell)\n"
                          "get_ipython().run_cell = _nothing\nget_ipython().run_cell_async = _nothing_async"),
    "cell_events": ("pre_run_cell and post_run_cell events rebind the checks to print success",
                    "import autograder.checks as _checks\ndef _pass(*args, **kwargs):\n    print('✓ correct')\n"
                    "def _cheat(*args):\n    for name in ('forward', 'loss', 'backward', 'update'):\n"
                    "        setattr(_checks, name, _pass)\n"
                    "get_ipython().events.register('pre_run_cell', _cheat)\n"
                    "get_ipython().events.register('post_run_cell', _cheat)"),
    "custom_exception_handler": ("a custom exception handler swallows every error silently",
                                 "get_ipython().set_custom_exc((BaseException,), "
                                 "lambda shell, etype, value, tb, tb_offset=None: None)"),
    "rebound_checks": ("the checks rebound to print success",
                       "from autograder import checks\n"
                       "checks.forward = checks.loss = checks.backward = checks.update = lambda *a, **k: print('✓')"),
    "fake_module": ("a fake autograder.checks in sys.modules",
                    "import sys, types\n_fake = types.ModuleType('autograder.checks')\n"
                    "_fake.forward = _fake.loss = _fake.backward = _fake.update = lambda *a, **k: print('✓ correct')\n"
                    "sys.modules['autograder.checks'] = _fake\nimport autograder\nautograder.checks = _fake"),
    "forged_reply": ("the kernel's messages forged: error outputs dropped, every reply 'ok'",
                     "_kernel = get_ipython().kernel\n_send = _kernel.session.send\n"
                     "def _forged(stream, msg_or_type, content=None, *args, **kwargs):\n"
                     "    kind = msg_or_type.get('msg_type') if isinstance(msg_or_type, dict) else msg_or_type\n"
                     "    if kind == 'error':\n        return None\n"
                     "    if kind == 'execute_reply' and isinstance(content, dict):\n"
                     "        content = dict(content, status='ok')\n"
                     "    return _send(stream, msg_or_type, content, *args, **kwargs)\n"
                     "_kernel.session.send = _forged"),
    "lying_probe": ("in the student process, the probe replaced: forward's values taken from the checking library's oracle",
                    "import numpy as _np\nimport autograder.probes as _probes, autograder.oracles as _oracles\n"
                    "def _lie(fn, args, guard, after=()):\n    x, w1, w2 = args[:3]\n"
                    "    ref = _oracles.reference(x, _np.zeros((len(x), w2.shape[-1])), w1, w2)\n"
                    "    return {'out': tuple(ref[k].numpy().astype(x.dtype) for k in ('h', 'h_relu', 'y_pred')), 'after': []}\n"
                    "_probes.PROBES['call'] = _lie"),
    "exit_in_probe": ("ends any process that is not a Jupyter kernel (the probe) before it can answer",
                      "import os\nif 'ipykernel' not in type(get_ipython()).__module__:\n    os._exit(0)"),
}


# student: (what the submission does, how it is made, the points it must get)
# Each test cell is decided by the judge, outside the kernel: rebinding the checks, the testing
# libraries or IPython in the kernel changes nothing, and only the steps actually wrong lose points.
# "how": a function (notebook, course folder) -> notebook, applied to the reference solution;
# or ("file", name, writer) for a file written as is; or ("files", {name: edit or None}).
CASES = {
    # 1. endless
    "infinite_loop": ("`while True: pass` at the top of the forward cell",
                      prepend("forward", "while True:\n    pass"), full_except("test_forward")),
    "sleep_forever": ("`time.sleep(10**6)` inside compute_loss",
                      in_function("loss", "import time\ntime.sleep(10**6)"), full_except("test_loss")),
    "busy_helper": ("backward calls a helper that ignores Ctrl-C (SIGINT) and loops forever",
                    in_function("backward", "def spin():\n    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                            "    while True:\n        pass\nspin()"),
                    full_except("test_backward")),
    # 2. errors and dying kernels
    "syntax_error": ("a syntax error in the forward cell", prepend("forward", "def (:"), full_except("test_forward")),
    "name_error_top": ("a NameError in a cell of its own at the top",
                       extra_cell_after_setup("undefined_name + 1"), full_except()),
    # (sys and os cannot be read as an answer's code: the steps after such top-level code score zero too)
    "sys_exit": ("`sys.exit()` at the top of the loss cell", prepend("loss", "import sys\nsys.exit()"),
                 full_except("test_loss", "test_backward", "test_update")),
    "os_exit": ("`os._exit(1)` at the top of the update cell", prepend("update", "import os\nos._exit(1)"),
                full_except("test_update")),
    "segfault": ("a segmentation fault through ctypes in the backward cell",
                 prepend("backward", "import ctypes\nctypes.string_at(0)"), full_except("test_backward", "test_update")),
    # (only when grading as root: only then has the sandbox a user id, and so a process limit, of its own)
    **({} if os.geteuid() else {"fork_bomb": ("the update cell forks until it cannot (the children wait an hour)",
                  prepend("update", "import os, time\nfor _ in range(100_000):\n    if os.fork() == 0:\n"
                                    "        time.sleep(3600)\n        os._exit(0)"),
                  full_except("test_update"))}),
    # 3. memory
    # (bytes(n) reserves zeroed pages without writing them, so the limit, on memory asked for, is met at
    # once with a MemoryError that has no message; blocks written one by one took over 10 s on a loaded
    # machine, and the judge's call timed out first)
    "memory_bomb": ("backward allocates 100 GB, then keeps appending 100 MB blocks",
                    in_function("backward", "import numpy\ntry:\n    numpy.ones((10**5, 10**5, 2))\nexcept MemoryError:\n"
                                            "    pass\nblocks = []\nwhile True:\n    blocks.append(bytes(10**8))"),
                    full_except("test_backward")),
    # 4. output floods
    # (each also saved with the outputs of the student's own run, as a browser saves them: what the
    # graded notebook keeps when no kernel runs it again; 20 MB of text, a 3 MB image)
    "print_flood": ("prints 300,000 lines in the forward cell",
                    chain(prepend("forward", "for i in range(300_000):\n    print(i)"),
                          saved("forward", nbformat.v4.new_output("stream", name="stdout",
                                                                  text="".join(f"{i}\n" for i in range(300_000))))),
                    full_except()),
    "huge_string": ("prints a 200 MB string",
                    chain(prepend("loss", "print('x' * 200_000_000)"),
                          saved("loss", nbformat.v4.new_output("stream", name="stdout", text="x" * 20_000_000))),
                    full_except()),
    "huge_image": ("displays a 30 MB image",
                   chain(prepend("update", "from IPython.display import Image, display\n"
                                           "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + bytes(30_000_000), format='png'))"),
                         saved("update", nbformat.v4.new_output("display_data", data={
                             "image/png": base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(3_000_000)).decode()}))),
                   full_except()),
    # 5. files that are not (the) notebooks
    "empty_file": ("an empty .ipynb", ("file", None, write_bytes(b"")), BROKEN),
    "truncated_json": ("a .ipynb cut short", ("file", None, write_bytes(b'{"cells": [')), BROKEN),
    "zip_as_ipynb": ("a zip archive named .ipynb", ("file", None, write_bytes(zip_file)), BROKEN),
    "old_nbformat": ("the notebook saved as nbformat 3", ("file", None, write_bytes(old_format)), full_except()),
    # (repaired: the one notebook whose cells are the assignment's is graded, whatever its name)
    "renamed": ("the notebook as a browser renames a second download (repaired)",
                ("file", "two_layer_net_numpy (1).ipynb", None), full_except()),
    "extra_notebook": ("the notebook and an extra one", ("files", {None: None, "scratch.ipynb": None}), full_except()),
    "missing_notebook": ("no notebook, only a text file", ("file", "answers.txt", write_bytes(b"see attached")), BROKEN),
    # (no guessing: two notebooks that both look like the assignment, and neither under its name)
    "two_candidates": ("two renamed copies of the notebook", ("files", {"copy_a.ipynb": None, "copy_b.ipynb": None}),
                       BROKEN),
    # 6. edited cells
    "test_cell_pass": ("the forward test cell replaced by `pass`", test_cell_pass, full_except()),
    "test_cells_deleted": ("every test cell deleted", drop_test_cells, full_except()),
    "duplicated_solution": ("the forward cell duplicated (same grade id; repaired: graded as it ran)", duplicate_solution,
                            full_except()),
    "duplicated_test_cell": ("the forward check cell duplicated (repaired: the copy dropped)", duplicate("test_forward"),
                             full_except()),
    "code_to_markdown": ("the forward cell turned into markdown (nbgrader turns it back)", to_markdown, full_except()),
    "metadata_stripped": ("every cell's metadata removed, cell ids kept (repaired: cells recognised by id)",
                          strip_metadata, full_except()),
    "old_editor": ("every cell's metadata and id removed (repaired: by signature and check text)", old_editor,
                   full_except()),
    # (no guessing: no metadata, no ids, and two cells that each begin with forward's signature)
    "cells_alike": ("metadata and ids removed, and the forward cell copied: two cells could be the answer",
                    chain(duplicate_solution, old_editor), BROKEN),
    # 6b. a mistake, and the same mistake in each damaged notebook: a repair gives what the twin gets (TWINS)
    "forward_mistake": ("forward without its ReLU", replace_solution("forward", WRONG_FORWARD), full_except("test_forward")),
    "forward_mistake_duplicated": ("forward without its ReLU, its cell duplicated",
                                   chain(replace_solution("forward", WRONG_FORWARD), duplicate_solution),
                                   full_except("test_forward")),
    "forward_mistake_stripped": ("forward without its ReLU, every cell's metadata removed",
                                 chain(replace_solution("forward", WRONG_FORWARD), strip_metadata),
                                 full_except("test_forward")),
    "forward_mistake_renamed": ("forward without its ReLU, the notebook renamed",
                                ("file", "my_homework.ipynb", notebook(replace_solution("forward", WRONG_FORWARD))),
                                full_except("test_forward")),
    # 7. cheating
    "rebind_checks": ("rebinds the checking functions to no-ops, wrong forward",
                      chain(extra_cell_after_setup("from autograder import checks\n"
                                                   "checks.forward = checks.loss = lambda *a, **k: None"),
                            replace_solution("forward", WRONG_FORWARD)),
                      full_except("test_forward")),
    "rebind_testing": ("numpy.testing / torch.testing / allclose always pass, wrong forward",
                       chain(extra_cell_after_setup(
                           "import numpy, numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
                           "numpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_array_almost_equal = lambda *a, **k: None"),
                           replace_solution("forward", WRONG_FORWARD)),
                       full_except("test_forward")),
    "no_traceback": ("turns off IPython's traceback display, wrong forward",
                     chain(extra_cell_after_setup("import sys\nget_ipython().showtraceback = lambda *a, **k: None\n"
                                                  "sys.excepthook = lambda *a: None"),
                           replace_solution("forward", WRONG_FORWARD)),
                     NOTHING),
    "hardcoded": ("forward right only for the visible check's inputs (float64, N=8)",
                  replace_solution("forward", "if x.shape[0] != 8 or x.dtype != np.float64:\n"
                                              "        return x.dot(w1), x.dot(w1), x.dot(w1).dot(w2)\n"
                                              "    h = x.dot(w1)\n    h_relu = np.maximum(h, 0)\n    y_pred = h_relu.dot(w2)"),
                  full_except("test_forward")),
    "calls_oracle": ("backward returns the checking library's reference gradients",
                     in_function("backward", "from autograder import oracles\nw1 = np.linalg.lstsq(x, h, rcond=None)[0]\n"
                                             "ref = oracles.reference(x, y, w1, w2)\n"
                                             "return ref['grad_w1'].numpy(), ref['grad_w2'].numpy()"),
                     full_except("test_backward")),
    "torch_in_numpy": ("backward computed with torch autograd in the numpy notebook",
                       in_function("backward", "import torch\nw1 = torch.linalg.lstsq(torch.tensor(x), torch.tensor(h)).solution"
                                               ".requires_grad_(True)\nw2t = torch.tensor(w2, requires_grad=True)\n"
                                               "(torch.tensor(x).mm(w1).clamp(min=0).mm(w2t) - torch.tensor(y)).pow(2).sum().backward()\n"
                                               "return w1.grad.numpy(), w2t.grad.numpy()"),
                       full_except("test_backward")),
    # 8. cheats on the kernel: the stub, and a line that changes how later cells run (CHEATS)
    **{name: (what, stub_with(code), NOTHING) for name, (what, code) in CHEATS.items()},
    # 9. reaching out
    "reach_out": ("reads and writes the course's files, the environment and the network (a cell the grader cannot read "
                  "as an answer: the steps after it score zero)", reach_out, NOTHING),
    # 10. odd identities
    "with space": ("a student id with a space", lambda nb, folder: nb, full_except()),
    "学生_ü": ("a unicode student id", lambda nb, folder: nb, full_except()),
    "..dots": ("a student id starting with ..", lambda nb, folder: nb, full_except()),
}


# The damaged submissions that are repaired, each with its undamaged twin (the same answers): the twin's
# scores are the damaged one's, neither more nor less. REPAIRS: the repair each one's feedback names.
TWINS = {"duplicated_solution": demo_class.REFERENCE, "duplicated_test_cell": demo_class.REFERENCE,
         "metadata_stripped": demo_class.REFERENCE, "old_editor": demo_class.REFERENCE, "renamed": demo_class.REFERENCE,
         "forward_mistake_duplicated": "forward_mistake", "forward_mistake_stripped": "forward_mistake",
         "forward_mistake_renamed": "forward_mistake"}
REPAIRS = {"duplicated_solution": "repair.duplicates", "duplicated_test_cell": "repair.duplicates",
           "metadata_stripped": "repair.metadata", "old_editor": "repair.metadata", "renamed": "repair.renamed",
           "forward_mistake_duplicated": "repair.duplicates", "forward_mistake_stripped": "repair.metadata",
           "forward_mistake_renamed": "repair.renamed"}


# Cases that only the sandbox makes harmless: without it they would reach the course's files, or
# fork until the machine has no processes left. Left out wherever bubblewrap cannot run.
NEEDS_SANDBOX = {
    "reach_out": "it reads and writes the course's files, which only the sandbox keeps out of its reach",
    "fork_bomb": "it forks until it cannot, and only the sandbox has a process limit of its own",
}


def build(folder, students=None):
    """The hostile class (or those of its ``students``) and the reference student, as submissions of
    01_numpy in a scratch course."""
    folder = demo_class.build(folder, students=1, assignments=[ASSIGNMENT])
    with (folder / "nbgrader_config.py").open("a") as config:
        config.write(LIMITS)
    for student in students or CASES:
        submit(folder, student)
    return folder


def submit(folder, student):
    """Place the submission of the case ``student`` in ``folder``/submitted/."""
    how = CASES[student][1]
    source = folders.source_notebooks(folder)[ASSIGNMENT]
    target = folder / "submitted" / student / ASSIGNMENT
    target.mkdir(parents=True)
    if callable(how):
        nbformat.write(how(nbformat.read(source, as_version=4), folder), target / source.name)
    elif how[0] == "file":
        _, name, writer = how
        path = target / (name or source.name)
        if writer:
            writer(path, folder)
        else:
            shutil.copy(source, path)
    else:
        for name in how[1]:
            shutil.copy(source, target / (name or source.name))


def expected(folder, student, points):
    """{test cell: score} the case ``student`` must get, given each step's ``points``."""
    want = CASES[student][2]
    if want == BROKEN:
        return {g: 0 for g in points}
    return {g: (points[g] if want[g] == FULL else want[g]) for g in points}


def main(folder=None):
    """Build and grade the class, then print each case: what it does, its score per step, and why."""
    from autograder.grading import failures, repair

    # A folder of its own for each run, this user's (a fixed name in /tmp may be another account's)
    folder = demo_class.scratch_folder(folder, "two-layer-net-hostile-")
    build(folder)
    code = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder)]).returncode
    scores, broken, fixed = gradebook.scores(folder, ASSIGNMENT), failures.reasons(folder), repair.recorded(folder)
    points = cells.points(folder, ASSIGNMENT)
    print("\n| case | what the submission does | forward/loss/backward/update | total | as expected |\n|---|---|---|---|---|")
    for student, (what, _, want) in CASES.items():
        got = scores.get(student, {})
        why, done = broken.get(f"{student}/{ASSIGNMENT}"), fixed.get(f"{student}/{ASSIGNMENT}", [])
        print(f"| {student} | {what} | {'/'.join(f'{got.get(g, 0):g}' for g in STEPS)} | {sum(got.values()):g}/10"
              f"{' (not graded: ' + why.detail + ')' if why else ''}{' (repaired: ' + ', '.join(m.key for m in done) + ')' if done else ''}"
              f" | {'yes' if got == expected(folder, student, points) else 'NO'} |")
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
