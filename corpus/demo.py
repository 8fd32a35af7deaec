"""`make demo`: the demo class (demo_class.py) and a few hostile or damaged submissions of 01_numpy
(hostile_class.py: a kernel that dies, a memory bomb, a 200 MB print, rebound checks, a submission
reaching for the course's files, a broken file; and three repaired before grading: a duplicated
answer cell, cell metadata removed by an editor, a renamed notebook), built in a folder of the
user's own, graded as `make grade` grades, the grade table printed and every score checked.

    python -m corpus.demo [FOLDER] [--assignments A ...]
"""
import subprocess
import sys

from corpus import demo_class, hostile_class
from autograder.grading import failures, folders, report
from autograder.grading.isolation import sandbox

# Hostile submissions in the demo: none needs a cell to time out, so the demo keeps the course's limits. The
# last three are damaged notebooks that are repaired, then graded (autograder/grading/repair.py).
HOSTILE = ("os_exit", "memory_bomb", "huge_string", "rebind_checks", "reach_out", "truncated_json",
           "duplicated_solution", "metadata_stripped", "renamed")


def expected(folder, student, assignment, points):
    """The scores ``student`` must get on ``assignment``: {test cell: score}; None for a hostile
    student on an assignment they did not submit."""
    if student in HOSTILE:
        return hostile_class.expected(folder, student, points) if assignment == hostile_class.ASSIGNMENT else None
    return demo_class.expected(folder, student, assignment, points)


def main(folder=None, assignments=None):
    folder = demo_class.scratch_folder(folder)
    # Without the sandbox, the course's own notebooks are still graded (they are trusted), and the
    # hostile submissions that only the sandbox makes harmless are left out.
    why = sandbox.unavailable()
    hostile = [s for s in HOSTILE if not (why and s in hostile_class.NEEDS_SANDBOX)]
    if why:
        print(f"no grading sandbox here: {why}\nThe demo grades the course's own notebooks without it, and leaves out "
              + "; ".join(f"{s} ({hostile_class.NEEDS_SANDBOX[s]})" for s in HOSTILE if s not in hostile) + ".")
    print(f"building the demo class in {folder} ...")
    demo_class.build(folder, assignments=assignments)
    for student in hostile:
        hostile_class.submit(folder, student)
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "--course", str(folder),
                           *demo_class.trusted_grading()])
    broken = {f"{s}/{hostile_class.ASSIGNMENT}" for s in hostile if hostile_class.CASES[s][2] == hostile_class.BROKEN}
    if proc.returncode and set(failures.reasons(folder)) != broken:  # 1 is expected: the broken files
        return proc.returncode
    steps = report.steps(folder, folders.assignments(folder))
    grid = report.table(folder, folders.assignments(folder))
    off = [s for s, row in grid.items() for a in folders.assignments(folder)
           if (want := expected(folder, s, a, {g: m for a2, g, m in steps if a2 == a})) is not None
           and {g: row[(a, g)] for a2, g, _ in steps if a2 == a} != want]
    print()
    print("every score as expected: reference full marks, stub zero, each mistake loses only its step, "
          "each hostile submission only what it broke" if not off else f"UNEXPECTED scores for: {', '.join(sorted(set(off)))}")
    return 1 if off else 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m corpus.demo")
    parser.add_argument("folder", nargs="?", help="where to build the class (default: a new folder of your own in "
                                                  "the temporary folder)")
    parser.add_argument("--assignments", nargs="+", help="only these assignments (default: all)")
    options = parser.parse_args()
    sys.exit(main(options.folder, options.assignments))
