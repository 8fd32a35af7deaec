"""nbgrader settings for the two-layer net course. Each choice says why in one line."""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# One course, and its folder is wherever this file is (a copy of the course works as is).
c.CourseDirectory.course_id = "two-layer-net"
c.CourseDirectory.root = HERE

# Gradebook: SQLite beside this file; set NBGRADER_DB_URL (e.g. postgresql://user@host/course)
# to share one PostgreSQL gradebook between several graders. Parallel graders write to one
# SQLite file, so a writer waits up to 60 s for the lock instead of failing at once.
c.CourseDirectory.db_url = (os.environ.get("NBGRADER_DB_URL")
                            or f"sqlite:///{os.path.join(HERE, 'gradebook.db')}?timeout=60")

# The language of every message a student reads (all of them are in autograder/messages.py, 中文 and
# English side by side): "zh" (中文 only), "en" (English only) or "both" (中文, then English; the
# default, messages.DEFAULT). This sets it for grading (write "zh" or "en" in place of DEFAULT), and the
# grading sandbox passes it on; for students' own kernels, set AUTOGRADER_LANGUAGE in their environment
# too (on a JupyterHub, the spawner's environment).
from autograder.messages import DEFAULT, VARIABLE, language, say  # noqa: E402

os.environ.setdefault(VARIABLE, DEFAULT)

try:
    language()
except ValueError as error:  # nbgrader would only log an exception here and grade without this file
    raise SystemExit(f"nbgrader_config.py: {error}") from None

# Every cell gets at most two minutes, then the kernel is interrupted and the cell scores zero,
# so an endless loop costs its student that cell and nobody else anything.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {
    "ename": "CellTimeoutError",
    "evalue": say("kernel.timeout", joined="/ "),
    "traceback": ["CellTimeoutError: " + say("kernel.timeout_short", joined="/ ")],
}

# Grade with the course's own Python (the environment nbgrader runs in), whatever kernel
# a submission's metadata names.
c.Execute.kernel_name = "python3"

# What a student sees in a cell to fill in: one line (in both languages by default), and an error until done.
c.ClearSolutions.code_stub = {
    "python": f"# {say('stub.code', joined=' / ')}\nraise NotImplementedError(\"{say('stub.complete', joined=' / ')}\")"
}
c.ClearSolutions.text_stub = say("stub.answer", joined=" / ")

# A test cell the student deleted is put back from the source and graded, not silently skipped.
c.OverwriteCells.add_missing_cells = True

# Any stderr output zeroes a test cell in nbgrader. torch and matplotlib warnings are harmless,
# so stderr text that is such a warning is dropped before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\b(UserWarning|FutureWarning|DeprecationWarning)\b"

# Kept at nbgrader's defaults: long outputs and tracebacks are cut so feedback stays readable.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# zip_collect (submissions downloaded from an LMS or mail): files named <student>__<notebook>.ipynb,
# alone or inside any zip, e.g. alice__two_layer_net_numpy.ipynb; the double underscore lets
# student ids contain single ones. An id may not start with "." (".." would write outside
# submitted/), and an archive member whose path leaves the course is skipped, not fatal.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^/.][^/]*?)__(?P<file_id>[^/]+\.ipynb)$"
c.ZipCollectApp.extractor_plugin = "autograder.grading.plugins.collect.SafeExtractor"

# Feedback shows each step's points and the check's message, never hidden test code. At its top, a
# summary: each step by name with its points, a failed one with the check's first explanation, the total.
# The test cells' outputs are rendered again from their verdict records in AUTOGRADER_LANGUAGE, so feedback
# can be made in another language without grading again (`make feedback LANGUAGE=en`).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from autograder.grading.plugins import feedback  # noqa: E402
from autograder.grading.plugins.verdicts import RenderVerdicts  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, RenderVerdicts, feedback.HideHiddenTests, feedback.SummariseSteps,
                                    CSSHTMLHeaderPreprocessor]
# The submission's outputs and markdown are the student's markup: inert in every page nbgrader renders
# (feedback pages, the formgrader's view of a submission). nbconvert's sanitising drops JavaScript and widget
# outputs and cleans HTML ones; markdown's raw HTML is cleaned too, with one allow-list (feedback.inert_html).
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = feedback.INERT_FILTERS
# The page: nbgrader's feedback template, extended by the course's (the summary; MathJax carried in the
# page, so formulas render with no network: exam rooms and many lab networks block MathJax's CDN; a
# Content-Security-Policy that lets only the page's own scripts run). For feedback pages only: the
# formgrader renders submissions with its own template, and finds it only without these settings.
c.GenerateFeedback.exporter_class = feedback.FeedbackExporter  # its templates compiled once per worker
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [str(feedback.TEMPLATES), str(feedback.NBGRADER_TEMPLATES)]
c.GenerateFeedback.HTMLExporter.template_name = "feedback"
c.GenerateFeedback.HTMLExporter.template_file = "course_feedback.html.j2"
c.GenerateFeedback.HTMLExporter.filters = {**feedback.INERT_FILTERS, "course_mathjax": feedback.mathjax_packed,
                                           "course_mathjax_hash": feedback.mathjax_hash,
                                           "course_csp_hash": feedback.csp_hash, "course_described": feedback.described}

# Grading judges each step and runs no kernel: the judge (JudgeSteps) decides every test cell in the
# grading process, calling the student's functions in a separate sandboxed student process that sends
# back values only. The graded notebook keeps the student's own outputs (their plots, as they saw them),
# cut to the output limits and stripped of anything that runs (autograder/grading/plugins/outputs.py).
# AUTOGRADER_EXECUTE=1 (`make grade EXECUTE=1`, `python -m autograder grade --execute`) first runs the
# notebook again in a sandboxed kernel, test cells excepted, for fresh outputs: a kernel that dies costs
# the cells from there on, not the whole notebook (plugins/execution.py). The scores are the same.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, ClearOutput, DeduplicateIds, IgnorePattern,  # noqa: E402
                                    LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from autograder.grading.plugins.execution import GuardedExecute  # noqa: E402
from autograder.grading.plugins.metadata import CheckCellMetadataOnce  # noqa: E402  (nbgrader's, its schema checked once)
from autograder.grading.plugins.outputs import LimitOutputSize, StillOutputs  # noqa: E402
from autograder.grading.plugins.verdicts import JudgeSteps  # noqa: E402

EXECUTE = os.environ.get("AUTOGRADER_EXECUTE", "0") == "1"
c.Autograde.sanitize_preprocessors = [*([ClearOutput] if EXECUTE else []), DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCells, CheckCellMetadataOnce]
c.Autograde.autograde_preprocessors = [*([GuardedExecute] if EXECUTE else []), JudgeSteps, IgnorePattern,
                                       ClearMetadataPreprocessor, LimitOutput, LimitOutputSize, StillOutputs,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadataOnce]

# Limits on each submitted notebook's kernel when `make grade` runs it in the grading sandbox: memory
# it may allocate, CPU seconds, wall-clock seconds, largest file, and (grading as root) processes and
# threads of one grading worker's sandbox. Their defaults, with the reason for each, are in one place:
# GradingLimits in autograder/grading/isolation/sandbox.py. Change one here, for example:
#   c.GradingLimits.memory_mb = 8192
