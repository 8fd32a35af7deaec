"""Kernels forked from a warm process: each one a new process with a clean interpreter state,
interruptible, and seen to die when it dies."""
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

import zygotes
from autograder.grading.isolation import sandbox, zygote_control


@pytest.fixture(scope="module")
def zygote():
    with zygotes.running(sandboxed=sandbox.unavailable() is None) as proc:
        yield proc


def _run(client, code):
    """stdout of ``code`` (raises on error)."""
    out = []
    reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out).strip()


def _kernel():
    manager, client = start_new_kernel(kernel_name=zygote_control.KERNEL_NAME)
    assert type(manager.provisioner).__name__ == "ForkProvisioner"
    return manager, client


def _stop(manager, client):
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_each_kernel_is_a_new_process_with_a_clean_interpreter(zygote):
    first = _kernel()
    pid_a = _run(first[1], "import os, numpy, torch\nnumpy.left_behind = 1\nleft_behind = 2\nprint(os.getpid())")
    _stop(*first)
    second = _kernel()
    seen = _run(second[1], "import os, numpy\nprint(os.getpid(), hasattr(numpy, 'left_behind'), 'left_behind' in globals())")
    _stop(*second)
    pid_b, has_module_attr, has_global = seen.split()
    assert pid_a != pid_b and int(pid_a) != zygote.pid
    assert (has_module_attr, has_global) == ("False", "False")


def test_interrupt_reaches_the_forked_kernel(zygote):
    manager, client = _kernel()
    client.execute("import time; time.sleep(600)")
    time.sleep(1)
    manager.interrupt_kernel()
    deadline = time.time() + 30
    while time.time() < deadline:
        msg = client.get_iopub_msg(timeout=30)
        if msg["msg_type"] == "error":
            assert msg["content"]["ename"] == "KeyboardInterrupt"
            break
    else:
        pytest.fail("the kernel was not interrupted")
    _stop(manager, client)


def test_a_kernel_that_dies_is_seen_dead(zygote):
    manager, client = _kernel()
    client.execute("import os; os._exit(3)")
    deadline = time.time() + 15
    while manager.is_alive() and time.time() < deadline:
        time.sleep(0.2)
    assert not manager.is_alive()
    _stop(manager, client)


def test_grading_without_bubblewrap_stops_and_says_what_to_do(monkeypatch, tmp_path):
    from autograder.grading import batch

    monkeypatch.setenv(sandbox.BWRAP_VARIABLE, str(tmp_path / "no" / "bwrap"))
    sandbox.unavailable.cache_clear()
    assert sandbox.unavailable() == sandbox.MISSING
    with pytest.raises(SystemExit, match="apt-get install -y bubblewrap"):
        batch.grade(tmp_path)
    assert not (tmp_path / "autograded").exists()  # nothing was started or written
    sandbox.unavailable.cache_clear()


@pytest.mark.skipif(sandbox.unavailable() is not None, reason=str(sandbox.unavailable()))
def test_the_sandbox_shows_only_the_environment_of_the_course_folder(tmp_path):
    import json
    import subprocess
    import sys

    from autograder.grading import folders

    if os.geteuid() == 0:  # the sandbox runs as the worker's own user id, which must reach its folder
        os.chown(tmp_path, *sandbox.account())
    listing = f"import json, os; print(json.dumps(os.listdir({str(folders.ROOT)!r})))"
    inside = subprocess.run(sandbox.command(tmp_path, [sys.executable, "-c", listing]), capture_output=True, text=True)
    assert inside.returncode == 0, inside.stderr
    assert "source" in os.listdir(folders.ROOT)
    assert set(json.loads(inside.stdout)) <= {"autograder", ".venv"}  # no source/, gradebook, submissions


def _outcome(manager, client, code, timeout=60):
    """What running ``code`` ended in: its error name, "ok", or "died" when its kernel died."""
    import queue

    sent = client.execute(code)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not manager.is_alive():
            return "died"
        try:
            reply = client.get_shell_msg(timeout=0.5)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") != sent:  # a late answer to the start-up's kernel_info request
            continue
        return reply["content"].get("ename") or reply["content"]["status"]
    return "still running"


def test_the_limits_hold_without_the_sandbox():
    """Memory, file size, CPU time and wall clock: each kernel gets them from its zygote, not from
    bubblewrap, so they hold where the sandbox cannot run (--no-sandbox)."""
    limits = {"memory_mb": 512, "cpu_seconds": 3, "wall_seconds": 8, "file_mb": 1}
    with zygotes.running(sandboxed=False, limits=limits):
        cases = {"memory": ("x = bytearray(1024 * 2**20)", "MemoryError"),
                 "file size": ("open('big', 'wb').write(bytes(2 * 2**20))", "OSError"),
                 "cpu": ("while True:\n    pass", "died"),
                 "wall clock": ("import time\ntime.sleep(60)", "died")}
        seen = {}
        for name, (code, _) in cases.items():
            manager, client = _kernel()
            seen[name] = _outcome(manager, client, code, timeout=30)
            _stop(manager, client)
        assert seen == {name: want for name, (_, want) in cases.items()}


def test_a_zygote_that_was_killed_is_started_again_for_the_next_notebook(monkeypatch):
    """Submitted code runs beside its zygote and can kill it; the next notebook must still get a kernel."""
    for key in (zygote_control.SOCKET_VARIABLE, "JUPYTER_PATH"):
        monkeypatch.setenv(key, os.environ.get(key, ""))
    first = zygote_control.start_zygote(sandboxed=False)
    first.kill()
    first.wait(timeout=10)
    assert zygote_control.ensure_zygote()
    manager, client = _kernel()
    assert _run(client, "print(6 * 7)") == "42"
    _stop(manager, client)
    zygote_control._started[0].terminate()
    zygote_control._started[0].wait(timeout=10)


def test_torch_and_the_optimizers_are_made_ready_once_and_only_for_a_notebook_that_uses_them(monkeypatch, tmp_path):
    """torch costs about 1.6 s to import and its optimizers about 1.5 s to set up: a zygote does each before the
    first student process of a notebook that may use it, or the first kernel, once; never when its worker grades
    only the others (torch never for 01_numpy, which forbids it)."""
    from autograder.grading.isolation import zygote

    done = []
    monkeypatch.setattr(zygote, "warm_optimizers", lambda: done.append("optimizers"))
    monkeypatch.setattr(zygote.importlib, "import_module", done.append)
    monkeypatch.setattr(zygote.lasting, "keep", lambda: None)  # not in this test's own process
    monkeypatch.setattr(zygote.os, "fork", lambda: (_ for _ in ()).throw(RuntimeError("not forked in this test")))
    warm = zygote.Zygote(str(tmp_path / "socket"), {})
    with pytest.raises(RuntimeError):
        warm.op_student(None, None, env={}, dir=str(tmp_path), torch=False)  # 01_numpy
    assert done == []
    with pytest.raises(RuntimeError):
        warm.op_student(None, None, env={}, dir=str(tmp_path))  # a notebook without optimizers
    assert done == ["torch"]
    for _ in range(2):
        with pytest.raises(RuntimeError):
            warm.op_student(None, None, env={}, dir=str(tmp_path), optimizers=True)
    with pytest.raises(RuntimeError):
        warm.op_start(None, None, argv=[], env={}, dir=str(tmp_path))
    assert done == ["torch", "optimizers", "ipykernel.kernelapp"]
    cold = zygote.Zygote(str(tmp_path / "cold"), {"cold": True})  # imports nothing: nothing to set up
    with pytest.raises(RuntimeError):
        cold.op_student(None, None, env={}, dir=str(tmp_path), optimizers=True)
    assert done == ["torch", "optimizers", "ipykernel.kernelapp"]
