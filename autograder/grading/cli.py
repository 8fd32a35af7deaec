"""Command line for instructors: ``python -m autograder COMMAND``.

  release                       regenerate release/ and notebooks/
  grade [ASSIGNMENT ...]        autograde submitted/ in parallel, feedback, grades.csv, class report
  selfcheck [FOLDER]            grade your own notebooks (default: release/) with the hidden tests
"""
import argparse
import os
import sys
from pathlib import Path

from . import course_files


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate release/ (student notebooks) and notebooks/ (reading edition)")
    g = sub.add_parser("grade", help="autograde every new or changed submission, write feedback, grades.csv and the class report")
    g.add_argument("assignments", nargs="*", help="assignments to grade (default: all)")
    g.add_argument("--jobs", type=int, default=os.cpu_count(), help="parallel workers (default: the number of cores)")
    g.add_argument("--force", action="store_true", help="regrade everything, changed or not")
    g.add_argument("--course", default=str(course_files.ROOT), help="course folder (default: this one)")
    g.add_argument("--cold", action="store_true",
                   help="start every probe process (and, with --execute, every kernel) from scratch instead of forking "
                        "it from a warm process")
    g.add_argument("--execute", action="store_true",
                   help="run each notebook again in a sandboxed kernel before judging it, for fresh outputs "
                        "(by default no kernel runs and the graded notebook keeps the student's own outputs)")
    g.add_argument("--no-sandbox", dest="sandboxed", action="store_false",
                   help="run the notebooks without the grading sandbox (only for notebooks you trust)")
    g.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER_ADDRESS"), metavar="tcp://HOST:8786",
                   help="grade on the workers of this Dask scheduler instead of --jobs processes here; the "
                        "gradebook must be PostgreSQL (NBGRADER_DB_URL). Default: DASK_SCHEDULER_ADDRESS, if set")
    sc = sub.add_parser("selfcheck", help="grade your own notebooks with the full hidden tests; your files stay as they are")
    sc.add_argument("folder", nargs="?", default=str(course_files.ROOT / "release"), help="where your notebooks are (default: release/)")
    args = parser.parse_args(argv)

    if args.command == "release":
        course_files.build_release(course_files.ROOT / "release")
        print("release/ regenerated with nbgrader generate_assignment")
        course_files.build_reading_edition(course_files.ROOT / "notebooks")
        print("notebooks/ regenerated (reading edition, executed)")
    elif args.command == "grade":
        return grade(Path(args.course), args.assignments, args.jobs, args.force, not args.cold, args.sandboxed,
                     args.scheduler, args.execute)
    elif args.command == "selfcheck":
        from . import selfcheck

        selfcheck.print_report(selfcheck.selfcheck(args.folder), args.folder)
    return 0


def grade(folder, assignments, jobs, force, warm=True, sandboxed=True, scheduler=None, execute=False):
    from . import batch, report

    assignments = assignments or course_files.assignments(folder)
    unknown = sorted(set(assignments) - set(course_files.assignments(folder)))
    if unknown:
        print(f"unknown assignment(s): {', '.join(unknown)}; the course has {', '.join(course_files.assignments(folder))}",
              file=sys.stderr)
        return 2
    outcomes = batch.grade(folder, assignments, jobs=jobs, force=force, warm=warm, sandboxed=sandboxed,
                           scheduler=scheduler, execute=execute)
    failed = [o for o in outcomes if not o.ok]
    left = [o for o in failed if o.retry]
    print(f"graded {len(outcomes) - len(failed)} submission(s)"
          + (f", {len(failed) - len(left)} could not be graded (scored zero, reason in their feedback)" if len(failed) > len(left) else "")
          + (f", {len(left)} not graded this time (the next make grade tries them again)" if left else "")
          + ("" if outcomes else " (nothing new or changed; --force regrades)"))
    print()
    print(report.totals_text(folder, assignments))
    out = report.write(folder, assignments)
    print()
    print(f"grades:   {folder / 'grades.csv'}")
    print(f"feedback: {folder / 'feedback'}/<student>/<assignment>/")
    print(f"report:   {out / 'class_report.md'}, {out / 'class_report.png'}")
    for o in failed:
        print(f"{'not graded' if o.retry else 'could not grade'} {o.job.student}/{o.job.assignment}: {o.reason}")
    return 1 if failed else 0
