"""Where a submitted notebook's code runs when it is graded, and what it can reach.

The sandbox is bubblewrap (Debian's ``bubblewrap``: the unprivileged namespace sandbox behind
Flatpak). Chosen over a separate user alone, which still sees every world-readable file, and
over hand-made namespaces, which would redo what bubblewrap does carefully. Each grading worker
runs its zygote (zygote.py) inside one sandbox:

- files: only the system (``/usr``, a few ``/etc`` files), Python, the course's environment and
  the ``autograder`` package, all read-only, and one scratch folder of the worker's, read-write.
  The course folder (``source/``, the gradebook, ``submitted/``, ``autograded/``), home
  folders and the machine's ``/tmp`` are not there at all;
- no network (an empty network namespace), its own process ids (a process a notebook leaves
  behind is killed before the next notebook starts), no terminal;
- run as a user id of the worker's own, unused by anyone, when the grader runs as root (then a
  process limit also applies: a fork bomb stops at it and hurts no other worker).

Each notebook's kernel also gets resource limits (``GradingLimits``: memory, CPU seconds, file
size) and a wall-clock deadline, on top of nbgrader's per-cell timeout.
"""
import functools
import os
import resource
import shutil
import sys
from pathlib import Path

from traitlets import Integer
from traitlets.config import Configurable

from ... import messages

# /etc files a Python kernel needs (names, libraries, time zone, fonts); the rest of /etc stays out.
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime",
       "fonts", "alternatives", "mime.types", "ssl")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
# Variables a kernel keeps from the grader's environment; the rest (NBGRADER_DB_URL and any
# other secret) is dropped.
# Math libraries' thread pools, which kernels inherit from their worker's environment (worker.py sets them).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", *THREAD_VARIABLES, "CUDA_VISIBLE_DEVICES",
                  "NBGRADER_EXECUTION", "PYTHONHASHSEED", "JPY_PARENT_PID", "JPY_SESSION_NAME", messages.VARIABLE)


class GradingLimits(Configurable):
    """Limits on each graded notebook's kernel: the course's defaults, in this one place (change one in
    nbgrader_config.py as c.GradingLimits.*). A correct notebook of this course stays far inside each:
    torch and the tutorial's 64×1000 problem take well under 1 GiB, and the 500-iteration training
    runs take seconds, so only a runaway submission meets a limit."""

    memory_mb = Integer(4096, help="memory the kernel process may allocate, in MiB").tag(config=True)
    cpu_seconds = Integer(600, help="CPU time of the kernel process, in seconds").tag(config=True)
    wall_seconds = Integer(900, help="wall-clock time of one notebook's kernel, in seconds").tag(config=True)
    file_mb = Integer(64, help="largest file the kernel may write, in MiB").tag(config=True)
    processes = Integer(256, help="processes and threads of one grading worker's sandbox (when grading as root)"
                        ).tag(config=True)

    def as_dict(self):
        """{limit: value}, as a zygote takes them (zygote_control.start_zygote)."""
        return {name: getattr(self, name) for name in self.trait_names(config=True)}


# The bubblewrap program; AUTOGRADER_BWRAP names another (the tests name a missing one to try the
# course on a machine without it).
BWRAP_VARIABLE = "AUTOGRADER_BWRAP"


def bwrap():
    """The path of bubblewrap's bwrap here, or None."""
    return shutil.which(os.environ.get(BWRAP_VARIABLE, "bwrap"))


def available():
    """Whether bubblewrap is installed here."""
    return bwrap() is not None


MISSING = ("bubblewrap (bwrap) is not installed, so submitted notebooks cannot run isolated. "
           "Install it (make system as root, or apt-get install -y bubblewrap), or grade without isolation "
           "with --no-sandbox (only for notebooks you trust).")


@functools.cache
def unavailable():
    """Why the sandbox cannot run here (bwrap missing, or not allowed to make namespaces), or None.
    Asked once per process: it starts a sandbox to find out."""
    import subprocess
    import tempfile

    if not available():
        return MISSING
    with tempfile.TemporaryDirectory(prefix="grade-check-") as scratch:
        if os.geteuid() == 0:
            os.chown(scratch, *account())
        proc = subprocess.run(command(scratch, [sys.executable, "-c", "import autograder"]),
                              capture_output=True, text=True, timeout=120)
    if proc.returncode:
        return ("bubblewrap could not start the grading sandbox here: "
                f"{(proc.stderr.strip().splitlines() or ['exit code %d' % proc.returncode])[-1]}. "
                "It needs to run as root or where unprivileged user namespaces are allowed (in a "
                "container, allow them or run it privileged); --no-sandbox grades without isolation, "
                "only for notebooks you trust.")
    return None


# As root, each grading worker's sandbox runs as a user id of its own, unused by anyone else,
# so one worker's kernels can never signal, or exhaust the process limit of, another's.
FIRST_UID = 2_000_000


def account():
    """(uid, gid) this worker's sandboxed kernels run as: a user id of its own when the grader
    is root, else the grader's."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    return FIRST_UID + os.getpid(), FIRST_UID + os.getpid()


def command(scratch, argv):
    """The bwrap command line that runs ``argv`` in the sandbox, with ``scratch`` writable.
    As root, the sandbox starts as root without a user namespace and ``setpriv`` drops to
    the worker's own user id (``account()``) before ``argv`` runs; as anyone else, bwrap's user namespace keeps their id."""
    import autograder

    readable = {sys.base_prefix, sys.prefix, sys.exec_prefix, str(Path(autograder.__file__).resolve().parent)}
    mounted = readable | {str(scratch)}
    cmd = [bwrap() or "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
           "--die-with-parent", "--new-session",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind-try", "/sys", "/sys"]
    if os.geteuid() != 0:
        cmd.append("--unshare-user")
    # Folders above the mounts are made by bwrap; make them traversable (it makes them 0700).
    parents = {"/etc"} | {str(p) for m in mounted for p in Path(m).parents if str(p) not in ("/", "/tmp")}
    for path in sorted(parents, key=lambda p: p.count("/")):
        cmd += ["--perms", "0755", "--dir", path]
    for path in SYSTEM:
        cmd += ["--ro-bind-try", path, path]
    for name in ETC:
        cmd += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for path in sorted(readable):
        cmd += ["--ro-bind", path, path]
    for device in sorted(Path("/dev").glob("nvidia*")):  # a GPU, for the CUDA hidden tests
        cmd += ["--dev-bind", str(device), str(device)]
    cmd += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    if os.geteuid() == 0:
        uid, gid = account()
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs"]
    else:
        cmd.append("--")
    return cmd + list(argv)


def kernel_environment(env, home):
    """The environment a kernel gets: the kept variables of ``env``, and ``home`` as its home."""
    kept = {k: v for k, v in env.items() if k in KEPT_VARIABLES}
    kept.setdefault("PATH", "/usr/bin:/bin")
    kept.update(HOME=str(home), TMPDIR=str(home), USER="student", LOGNAME="student", IPYTHONDIR=str(Path(home) / ".ipython"),
                MPLCONFIGDIR=str(Path(home) / ".matplotlib"), PYTHONDONTWRITEBYTECODE="1")
    return kept


def apply_limits(memory_mb, cpu_seconds, file_mb, processes=None):
    """Resource limits for this process and its children (called in the kernel before it starts).
    ``processes`` (threads included) counts every process of the user id, so it is only given
    when the sandbox runs as a user id of its own."""
    mib = 1024 * 1024
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    # RLIMIT_DATA counts what the process allocates (heap and private writable memory), not the
    # address space CUDA reserves without using it, so it also holds on a GPU machine.
    resource.setrlimit(resource.RLIMIT_DATA, (memory_mb * mib, memory_mb * mib))
    # CPU: SIGXCPU at the soft limit (the kernel dies), SIGKILL a few seconds later if it is caught.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * mib, file_mb * mib))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
