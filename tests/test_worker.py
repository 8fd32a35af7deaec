"""What a grading job carries (worker.py): a submission's files, read without following links, and
written back only inside the folder they belong to; the course's kit, from which a worker makes its
own course folder; what a worker imports for life (lasting.py). Grading itself, through the local
pool and a Dask cluster, is in test_grading.py and test_cluster.py."""
import os

import pytest

from autograder.grading import batch, folders, worker


def test_a_submissions_files_leave_out_links_to_what_the_student_must_not_read(tmp_path):
    folder = tmp_path / "submitted" / "alice" / "01_numpy"
    (folder / "data").mkdir(parents=True)
    (folder / "two_layer_net_numpy.ipynb").write_text("{}")
    (folder / "data" / "x.csv").write_text("1,2\n")
    os.symlink("/etc/passwd", folder / "passwd")
    os.symlink("/etc", folder / "etc")
    assert worker.files_in(folder) == {"data/x.csv": b"1,2\n", "two_layer_net_numpy.ipynb": b"{}"}


@pytest.mark.parametrize("name", ["../outside.ipynb", "/etc/cron.d/x", "a/../../outside"])
def test_files_are_written_only_inside_their_folder(tmp_path, name):
    with pytest.raises(ValueError, match="not a path inside the folder"):
        worker.write_files({name: b"x"}, tmp_path / "job")
    assert not (tmp_path / "outside.ipynb").exists() and not (tmp_path / "outside").exists()


def test_writing_a_jobs_files_replaces_what_was_there(tmp_path):
    folder = tmp_path / "feedback" / "alice" / "01_numpy"
    worker.write_files({"old.html": b"old", "sub/page.html": b"x"}, folder)
    worker.write_files({"two_layer_net_numpy.html": b"new"}, folder)
    assert worker.files_in(folder) == {"two_layer_net_numpy.html": b"new"}


def test_the_kit_makes_a_course_folder_with_the_same_config_and_assignments(tmp_path):
    kit = worker.kit(folders.ROOT)
    assert "nbgrader_config.py" in kit
    assert all(name == "nbgrader_config.py" or name.startswith("source/") for name in kit)
    worker.write_files(kit, tmp_path / "workspace")
    assert folders.assignments(tmp_path / "workspace") == folders.assignments(folders.ROOT)
    for a, path in folders.source_notebooks(folders.ROOT).items():
        assert (folders.source_notebooks(tmp_path / "workspace")[a]).read_bytes() == path.read_bytes()


def test_the_digest_changes_with_a_files_name_or_contents():
    files = {"a.ipynb": b"{}", "data/x.csv": b"1"}
    assert batch.digest(files) == batch.digest(dict(reversed(files.items())))
    assert batch.digest(files) != batch.digest({"a.ipynb": b"{}", "data/y.csv": b"1"})
    assert batch.digest(files) != batch.digest({"a.ipynb": b"{ }", "data/x.csv": b"1"})


def test_what_a_worker_imports_for_life_is_made_without_collections_and_kept_out_of_them():
    """lasting.py: the collector is off while a worker or zygote imports, and what it made is frozen (a speed-up only,
    measured in the closing notes, not here): this test's process unfreezes it again."""
    import gc

    from autograder.grading import lasting

    before = gc.get_freeze_count()
    try:
        with lasting.imports():
            assert not gc.isenabled()
            made = [[] for _ in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= before + len(made)
    finally:
        gc.unfreeze()


def test_the_workers_preload_sets_the_optimizers_up_only_for_assignments_that_use_them():
    """torch._dynamo (imported by the checks' first optimizer step, about 1.6 s) is imported once before the workers
    are forked when an assignment to grade uses torch's optimizers, and not at all for the others."""
    import subprocess
    import sys

    code = ("import sys\nfrom autograder.grading import folders, worker\n"
            "worker.preload(folders.ROOT, ['01_numpy', '03_nn'])\nprint('torch._dynamo' in sys.modules)\n"
            "worker.preload(folders.ROOT, ['04_optim'])\nprint('torch._dynamo' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=folders.ROOT)
    assert proc.stdout.split() == ["False", "True"], proc.stdout + proc.stderr
