"""nbgrader's own commands (``python -m nbgrader``), run in a course folder exactly as an instructor runs them."""
import os
import subprocess
import sys
from pathlib import Path


def environment_first():
    """Put this environment's bin/ first on PATH: nbgrader runs its `alembic` command from there
    when it creates a gradebook, and a command run without activating .venv would not find it."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])


def run(course, *args, check=True):
    """Run ``nbgrader ARGS`` in the course folder ``course``; return the finished process."""
    environment_first()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc
