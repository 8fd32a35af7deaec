"""`make bench`: stock sequential nbgrader against `python -m autograder grade`, side by side.

A generated class of K students (default 12) × every assignment is graded four times in one
run: by stock `nbgrader autograde` (one assignment after another, as an instructor would type
it, no sandbox, each notebook run in its kernel), and by the course's parallel pipeline (which
also writes feedback, grades.csv and the class report): judged only (the default: no kernel runs,
each step decided by the judge against a student process forked from a warm process), the same without the
grading sandbox (--no-sandbox), which shows what the sandbox costs, and with each notebook run
again in a kernel first (--execute). The grades must be identical. The import floor is what a
notebook run in a fresh kernel pays at least: a kernel that starts and imports torch, numpy and
matplotlib, measured here too. Then one worker grades a few notebooks under cProfile, to show
where a notebook's time goes.

Given a PostgreSQL database it may empty (--postgres URL, or NBGRADER_TEST_POSTGRES_URL), it also
grades the class on a Dask cluster of N workers started on this machine (`make grade SCHEDULER=…`,
cluster.py) and with the local pool of N processes, both into that gradebook, one after the other:
what sending the jobs through Dask costs, as the ratio of the two throughputs.

    python tools/bench.py [--students K] [--jobs N] [--postgres URL]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The generated class is the course corpus's (corpus/demo_class.py); this script is run as
# `python tools/bench.py`, so the repository root is put on the path.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import demo_class  # noqa: E402
from autograder.grading import folders, gradebook, nbgrader_commands  # noqa: E402


def floor_seconds(repeats=3):
    """Median wall time of: start a kernel, import torch, numpy and matplotlib.pyplot, shut it down."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3")
        reply = client.execute_interactive("import torch, numpy, matplotlib.pyplot", timeout=120)
        assert reply["content"]["status"] == "ok", reply
        client.stop_channels()
        manager.shutdown_kernel(now=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(command, cwd, env=None):
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--postgres", default=os.environ.get("NBGRADER_TEST_POSTGRES_URL"),
                        help="a PostgreSQL database the bench may empty: adds the Dask cluster against the local pool")
    args = parser.parse_args(argv)
    nbgrader_commands.environment_first()
    with tempfile.TemporaryDirectory() as tmp:
        stock, ours, bare, run = (Path(tmp) / name for name in ("stock", "ours", "bare", "run"))
        demo_class.build(stock, students=args.students)
        for copy in (ours, bare, run):
            shutil.copytree(stock, copy)
        assignments = folders.assignments(stock)
        notebooks = sum(1 for _ in (stock / "submitted").glob("*/*/*.ipynb"))
        print(f"class: {args.students} students × {len(assignments)} assignments = {notebooks} notebooks; "
              f"{os.cpu_count()} cores")

        from autograder.grading.isolation import sandbox

        why = sandbox.unavailable()
        if why:
            print(f"no grading sandbox here ({why}): every run below grades without it")
        floor = floor_seconds()
        execute = dict(os.environ, AUTOGRADER_EXECUTE="1")  # stock runs every notebook in its kernel
        t_stock = sum(timed([sys.executable, "-m", "nbgrader", "autograde", a, "--force"], stock, execute)
                      for a in assignments)
        grade = [sys.executable, "-m", "autograder", "grade", "--jobs", str(args.jobs), *demo_class.trusted_grading(), "--course"]
        t_ours = timed(grade + [str(ours)], ours)
        t_bare = timed(grade + [str(bare), "--no-sandbox"], bare) if not why else t_ours
        t_run = timed(grade + [str(run), "--execute"], run)
        graded = (ours, run) if why else (ours, bare, run)
        same = all(gradebook.scores(stock, a) == gradebook.scores(c, a) for a in assignments for c in graded)

        print(f"floor (kernel start + import torch, numpy, matplotlib): {floor:.2f} s per notebook")
        print(f"stock nbgrader autograde, sequential : {t_stock:7.1f} s  ({t_stock / notebooks:.2f} s per notebook)")
        runs = [(f"autograder grade --jobs {args.jobs}", t_ours)] + ([] if why else [("  the same, --no-sandbox", t_bare)])
        runs += [(f"autograder grade --jobs {args.jobs} --execute", t_run)]
        for name, t in runs:
            print(f"{name:<37}: {t:7.1f} s  ({t / notebooks:.2f} s per notebook; feedback, grades.csv, report included)")
        print(f"speed-up over stock: judged {t_stock / t_ours:.2f}×, run again first (--execute) {t_stock / t_run:.2f}×")
        print(f"wall time per notebook / floor: stock {t_stock / notebooks / floor:.2f}, "
              f"judged {t_ours / notebooks / floor:.2f}, --execute {t_run / notebooks / floor:.2f}")
        if not why:
            print(f"the sandbox's cost: {t_ours / t_bare:.2f}× the time of grading without it")
        print(profile(stock, why is None))
        if args.postgres:
            t_pool, t_dask, same_pg = pool_and_cluster(stock, Path(tmp), args.jobs, args.postgres, assignments)
            print(f"PostgreSQL gradebook: local pool of {args.jobs}: {t_pool:.1f} s; Dask cluster of {args.jobs} "
                  f"workers here: {t_dask:.1f} s; the cluster's throughput: {t_pool / t_dask:.2f}× the pool's")
            same = same and same_pg
        else:
            print("Dask cluster: not measured (it needs a PostgreSQL gradebook: make bench POSTGRES=postgresql://…)")
        print(f"grades identical: {'yes' if same else 'NO'}")
        return 0 if same else 1


# Where a notebook's time goes: (what, the function whose cumulative time it is, by its file and name).
PARTS = (("the judge (student process, checks, oracles)", "judge.py", "records"),
         ("  of which the student process's start and the student's cells", "student_process.py", "define"),
         ("nbgrader autograde, all of it", "apps/api.py", "autograde"),
         ("  of which writing the gradebook", "saveautogrades.py", "preprocess"),
         ("the feedback page", "apps/api.py", "generate_feedback"),
         ("  of which MathJax packed into the page", "feedback.py", "mathjax_packed"))


def profile(course, sandboxed, jobs=6):
    """One grading worker, here, grading ``jobs`` of the class's notebooks again under cProfile: seconds
    per notebook for each of PARTS, as a table."""
    import cProfile
    import pstats

    from autograder.grading import batch, worker

    todo = batch.submissions(course, folders.assignments(course))[:jobs]
    with tempfile.TemporaryDirectory() as scratch:
        why = worker.start(worker.kit(course), gradebook.db_url(course), scratch, sandboxed=sandboxed)
        if why:
            return f"profile: not measured ({why})"
        try:
            for first in {job.assignment: job for job in todo}.values():  # the first of each pays its imports
                worker.grade(first, batch.submitted_files(course, first))
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.enable()
            for job in todo:
                worker.grade(job, batch.submitted_files(course, job))
            profiler.disable()
            total = (time.perf_counter() - start) / len(todo)
        finally:
            worker.stop()
    stats = pstats.Stats(profiler).stats
    lines = [f"where a notebook's time goes (one worker, {len(todo)} notebooks, cProfile; {total:.2f} s per notebook):"]
    for what, file, name in PARTS:
        seconds = sum(entry[3] for (path, _, function), entry in stats.items()
                      if function == name and path.endswith(file))
        lines.append(f"  {what:<52} {seconds / len(todo):6.2f} s")
    return "\n".join(lines)


def pool_and_cluster(graded, tmp, jobs, url, assignments):
    """Wall times of grading the class of ``graded`` with the local pool, then on a Dask cluster of ``jobs``
    workers started here (its start not counted: a cluster outlives one grading run), each into an
    emptied PostgreSQL gradebook; and whether both gave ``graded``'s grades."""
    # (the tests' own cluster, started from the README's blocks, and their PostgreSQL helper)
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    import dask_cluster
    import postgres

    expected = {a: gradebook.scores(graded, a) for a in assignments}
    cluster = dask_cluster.Cluster(tmp / "dask")
    try:
        cluster.workers(jobs)
        times, same = [], True
        for name, options in (("pool", ["--jobs", str(jobs)]), ("dask", ["--scheduler", cluster.address])):
            folder = tmp / f"pg-{name}"
            shutil.copytree(graded, folder, ignore=shutil.ignore_patterns("gradebook.db", "autograded", "feedback",
                                                                          "grades.csv", "reports"))
            postgres.empty(url)
            env = dict(os.environ, NBGRADER_DB_URL=url)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder),
                                   *demo_class.trusted_grading(), *options], cwd=folder, capture_output=True,
                                  text=True, env=env)
            times.append(time.perf_counter() - start)
            if proc.returncode:
                raise SystemExit(f"grading with {' '.join(options)} failed:\n{proc.stdout}\n{proc.stderr}")
            same = same and {a: gradebook.scores(folder, a, url) for a in assignments} == expected
    finally:
        cluster.stop()
    return times[0], times[1], same


if __name__ == "__main__":
    sys.exit(main())
