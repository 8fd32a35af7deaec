"""Helpers for the browser tests (tests/test_browser.py): a JupyterLab server on a copy of the
course, and Debian's Chromium driven by Playwright."""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from autograder.grading import folders

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = folders.ROOT / ".scratch" / "screenshots"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def course_copy(folder):
    """A copy of the course for the server: release/, source/ and nbgrader_config.py."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(folders.ROOT / "nbgrader_config.py", folder)
    for name in ("release", "source"):
        shutil.copytree(folders.ROOT / name, folder / name)
    return folder


def jupyter_env(home, config_dir):
    """Environment for the server and the nbgrader commands: a HOME and runtime folder of their own,
    an extra Jupyter config folder (for the exchange), the course environment first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, HOME=str(home), JUPYTER_RUNTIME_DIR=str(Path(home) / "runtime"),
               JUPYTER_CONFIG_DIR=str(config_dir), PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    env.pop("NBGRADER_DB_URL", None)
    # No "get notified about Jupyter news?" toast over the screenshots (the machine has no network anyway).
    labconfig = Path(config_dir) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    return env


def feedback_page(nb, grades, **settings):
    """``nb``'s feedback page as ``nbgrader generate_feedback`` writes it with the course's nbgrader_config.py,
    from the scores already in ``nb``'s metadata and ``grades`` (resources["nbgrader"]): the configured
    preprocessors but GetGrades, which would read them from a gradebook. ``settings``: exporter traits
    changed from the course's (e.g. sanitize_html=False)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    c = Config()
    path = folders.ROOT / "nbgrader_config.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
    converter = GenerateFeedback(coursedir=CourseDirectory(config=c), config=c)
    exporter = HTMLExporter(parent=converter, config=converter.config)  # as generate_feedback makes it
    for name, value in settings.items():
        setattr(exporter, name, value)
    for preprocessor in c.GenerateFeedback.preprocessors:  # as nbgrader's converter registers them
        if preprocessor is not GetGrades:
            exporter.register_preprocessor(preprocessor, enabled=True)
    page, _ = exporter.from_notebook_node(nb, resources={"nbgrader": dict(grades)})
    return page


class Lab:
    """`jupyter lab` from the course environment, on a free loopback port with a token."""

    def __init__(self, root, env, log_path):
        self.root, self.env = Path(root), env
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}: {self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer in {timeout} s: {self.log_text()}")

    def page_url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.url}/{path.lstrip('/')}{sep}token={self.token}"

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        return Path(self.log.name).read_text()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self._terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def _terminate(self):
        self.proc.terminate()


class MakeLab(Lab):
    """`make lab` itself, in the course's own folder, on a free loopback port with a token (LAB_ARGS),
    the environment taken as it is (-o: make does not rebuild .venv first)."""

    def __init__(self, env, log_path):
        self.root, self.env = folders.ROOT, env
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        lab_args = (f"--no-browser --ip=127.0.0.1 --port={self.port} --ServerApp.port_retries=0 "
                    f"--IdentityProvider.token={self.token}")
        # Its own process group: make and the jupyter it starts are stopped together.
        self.proc = subprocess.Popen(["make", "--no-print-directory", "-o", ".venv/.ready", "lab", f"LAB_ARGS={lab_args}"],
                                     cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def _terminate(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
