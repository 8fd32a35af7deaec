"""``python -m autograder COMMAND``: the instructor's commands (grading/cli.py)."""
import sys

from .grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
