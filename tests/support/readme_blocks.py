"""The ```bash blocks of a README.md section, read and run by the tests, so that the README and the
tests cannot drift apart: a block that is edited is what the tests run, and a block no test names
fails the test that lists a section's blocks.

A block opens with a comment that names it ("# the grading machine: ..."), and sets its variables
at its top (NAME=value or export NAME=value lines); a test gives every one of them a value (so no
block writes to real /srv, /etc or /tmp paths from a test, or reaches for a real host).
"""
import contextlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def section(title):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert title + "\n" in text, f"README.md has no section {title!r}"
    start = text.index(title + "\n")
    end = text.find("\n## ", start + len(title))
    return text[start:end if end != -1 else len(text)]


def fences(title):
    """[(language, body)] of every fenced block of the section."""
    return re.findall(r"^```(\S*)\n(.*?)^```[ \t]*$", section(title), re.M | re.S)


def block(title, opening):
    found = [body for lang, body in fences(title) if lang == "bash" and body.startswith(opening)]
    assert len(found) == 1, f"README section: {len(found)} bash blocks open with {opening!r}, expected 1"
    return found[0]


def defaults(title, opening):
    """{NAME: value} of the variables the block sets (NAME=value or export NAME=value lines)."""
    return {m.group(2): m.group(3) for m in re.finditer(r"^(export )?([A-Z_][A-Z0-9_]*)=(\S*)", block(title, opening), re.M)}


def script(title, opening, **values):
    """The block, with its variables set to ``values``: every one it sets must be given."""
    text = block(title, opening)
    assert set(defaults(title, opening)) == set(values), \
        f"block {opening!r} sets {sorted(defaults(title, opening))}, the test gives {sorted(values)}"
    for name, value in values.items():
        text = re.sub(rf"^((?:export )?{name}=)\S*.*$", lambda m: m.group(1) + shlex.quote(str(value)),
                      text, count=1, flags=re.M)
    return "set -euo pipefail\n" + text


def run_block(title, opening, cwd, env, timeout=300, **values):
    """Run the block to its end; it must succeed."""
    text = script(title, opening, **values)
    proc = subprocess.run(["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"README block {opening!r} failed in {cwd}:\n{text}\n{proc.stdout}\n{proc.stderr}"
    return proc


def start_block(title, opening, cwd, env, log, **values):
    """Start the block (a server that runs until stopped) in a session of its own, its output to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(["bash", "-c", script(title, opening, **values)], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def copy_course(dest):
    """This folder's files (tracked, and new ones git does not ignore) copied to ``dest``, times kept."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@contextlib.contextmanager
def course_with_environment(dest):
    """A copy of this folder at ``dest`` with the course environment as `make setup` would leave it
    there: a hard-linked copy of this folder's .venv whose editable install of the course points at
    the copy. Removed at the end (unlinks only: this folder's .venv is untouched)."""
    folder = copy_course(dest)
    subprocess.run(["cp", "-al", str(ROOT / ".venv"), str(folder / ".venv")], check=True)
    try:
        finders = list((folder / ".venv").glob("lib/python*/site-packages/__editable___two_layer_net_course_*_finder.py"))
        assert len(finders) == 1, finders
        text = finders[0].read_text()
        assert repr(str(ROOT / "autograder")) in text, "the course's editable install is not the one make setup makes"
        finders[0].unlink()  # hard-linked: replace the file, never write into the course's own
        finders[0].write_text(text.replace(repr(str(ROOT / "autograder")), repr(str(folder / "autograder"))))
        yield folder
    finally:
        subprocess.run(["rm", "-rf", str(folder / ".venv")])


def up_to_date(folder, env):
    """Whether `make setup` has nothing to do in ``folder``."""
    return subprocess.run(["make", "-q", "setup"], cwd=folder, env=env).returncode == 0


def clean_env(home, **extra):
    """The environment of a fresh login: none of this session's Jupyter, nbgrader, Dask, pip or Python
    settings, its own HOME."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "NBGRADER", "DASK_", "PIP_", "PYTHON", "VIRTUAL_ENV", "MAKE", "MFLAGS"))
           and k not in ("ASSIGNMENTS", "JOBS", "FORCE", "DIR", "SCHEDULER")}
    Path(home).mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env
