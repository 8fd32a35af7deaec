"""Command line: ``python -m autograder release``."""
import argparse

from . import course


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate release/ (student notebooks) and notebooks/ (reading edition)")
    args = parser.parse_args(argv)
    if args.command == "release":
        course.build_release(course.ROOT / "release")
        print("release/ regenerated with nbgrader generate_assignment")
        course.build_reading_edition(course.ROOT / "notebooks")
        print("notebooks/ regenerated (reading edition, executed)")


if __name__ == "__main__":
    main()
