"""Command line for instructors: ``python -m autograder COMMAND``.

  release                       regenerate release/ and notebooks/
  grade [ASSIGNMENT ...]        autograde submitted/ in parallel, feedback, grades.csv, class report
  feedback [ASSIGNMENT ...]     feedback pages and the class report again, from the graded notebooks
                                (--language zh|en|both), without grading again
  selfcheck [FOLDER]            grade your own notebooks (default: release/) with the hidden tests
"""
import argparse
import os
import sys
from pathlib import Path

from .. import messages
from . import folders, nbgrader_commands, release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate release/ (student notebooks) and notebooks/ (reading edition)")
    g = sub.add_parser("grade", help="autograde every new or changed submission, write feedback, grades.csv and the class report")
    g.add_argument("assignments", nargs="*", help="assignments to grade (default: all)")
    g.add_argument("--jobs", type=int, default=os.cpu_count(), help="parallel workers (default: the number of cores)")
    g.add_argument("--force", action="store_true", help="regrade everything, changed or not")
    g.add_argument("--course", default=str(folders.ROOT), help="course folder (default: this one)")
    g.add_argument("--cold", action="store_true",
                   help="start every student process (and, with --execute, every kernel) from scratch instead of forking "
                        "it from a warm process")
    g.add_argument("--execute", action="store_true",
                   help="run each notebook again in a sandboxed kernel before judging it, for fresh outputs "
                        "(by default no kernel runs and the graded notebook keeps the student's own outputs)")
    g.add_argument("--no-sandbox", dest="sandboxed", action="store_false",
                   help="run the notebooks without the grading sandbox (only for notebooks you trust)")
    g.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER_ADDRESS"), metavar="tcp://HOST:8786",
                   help="grade on the workers of this Dask scheduler instead of --jobs processes here; the "
                        "gradebook must be PostgreSQL (NBGRADER_DB_URL). Default: DASK_SCHEDULER_ADDRESS, if set")
    f = sub.add_parser("feedback", help="write the feedback pages and the class report again from the graded notebooks' "
                                        "verdicts, in another language, without grading again")
    f.add_argument("assignments", nargs="*", help="assignments (default: all)")
    f.add_argument("--language", choices=messages.LANGUAGES,
                   help=f"zh, en or both (default: {messages.VARIABLE}, else {messages.DEFAULT})")
    f.add_argument("--course", default=str(folders.ROOT), help="course folder (default: this one)")
    sc = sub.add_parser("selfcheck", help="grade your own notebooks with the full hidden tests; your files stay as they are")
    sc.add_argument("folder", nargs="?", default=str(folders.ROOT / "release"), help="where your notebooks are (default: release/)")
    args = parser.parse_args(argv)

    if args.command == "release":
        release.build_release(folders.ROOT / "release")
        print("release/ regenerated with nbgrader generate_assignment")
        release.build_reading_edition(folders.ROOT / "notebooks")
        print("notebooks/ regenerated (reading edition, executed)")
    elif args.command == "grade":
        return grade(Path(args.course), args.assignments, args.jobs, args.force, not args.cold, args.sandboxed,
                     args.scheduler, args.execute)
    elif args.command == "feedback":
        return feedback(Path(args.course), args.assignments, args.language)
    elif args.command == "selfcheck":
        from . import selfcheck

        selfcheck.print_report(selfcheck.selfcheck(args.folder), args.folder)
    return 0


def grade(folder, assignments, jobs, force, warm=True, sandboxed=True, scheduler=None, execute=False):
    from . import batch, report

    assignments = assignments or folders.assignments(folder)
    unknown = sorted(set(assignments) - set(folders.assignments(folder)))
    if unknown:
        print(f"unknown assignment(s): {', '.join(unknown)}; the course has {', '.join(folders.assignments(folder))}",
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


def feedback(folder, assignments, language=None):
    """The feedback pages (nbgrader generate_feedback, which renders each step from its verdict record)
    and the class report again, in ``language`` (default: the chosen one), for the graded class in ``folder``."""
    from . import failures, report

    if language:
        os.environ[messages.VARIABLE] = language  # for this process and the nbgrader it runs
    assignments = assignments or folders.assignments(folder)
    unknown = sorted(set(assignments) - set(folders.assignments(folder)))
    if unknown:
        print(f"unknown assignment(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    nbgrader_commands.environment_first()
    for assignment in assignments:
        nbgrader_commands.run(folder, "generate_feedback", assignment, "--force")
    for name, why in failures.reasons(folder).items():  # their pages are the course's own, not nbgrader's
        student, assignment = name.rsplit("/", 1)
        if assignment in assignments:
            failures.write_pages(folder, student, assignment, why)
    out = report.write(folder, assignments)
    print(f"feedback ({messages.language()}): {folder / 'feedback'}/<student>/<assignment>/")
    print(f"report:   {out / 'class_report.md'}, {out / 'class_report.png'}")
    return 0
