# The course's public commands. Set-up is automatic: any target that needs the
# environment builds .venv from requirements.txt when it is missing or older.
SHELL := /bin/bash
PYTHON ?= python3
# PyTorch's build: cpu, cuda, or auto (cuda where an NVIDIA GPU is present); see tools/setup-venv.sh.
TORCH ?= auto
VENV := .venv
PY := $(VENV)/bin/python
# Stamp file: touched after a successful install, so a failed install is retried.
READY := $(VENV)/.ready

.PHONY: help setup system test lab release grade feedback demo selfcheck bench feedback-report

help:
	@echo "make test     run every test (creates .venv first if needed)"
	@echo "make lab      JupyterLab on this course, nbgrader extensions enabled"
	@echo "make release  regenerate release/ (student notebooks) and notebooks/ (reading edition)"
	@echo "make grade    autograde submitted/ in parallel: feedback, grades.csv, class report"
	@echo "              (ASSIGNMENTS=\"01_numpy ...\" JOBS=N FORCE=1 to choose; SCHEDULER=tcp://HOST:8786: on a Dask cluster;"
	@echo "              EXECUTE=1: run each notebook again for fresh outputs, instead of keeping the student's)"
	@echo "make feedback feedback pages and class report again from the graded notebooks, without grading"
	@echo "              (LANGUAGE=zh|en|both; ASSIGNMENTS=\"01_numpy ...\")"
	@echo "make demo     grade a generated class end to end, in a new folder of your own under /tmp (DEMO_DIR=... to choose)"
	@echo "make selfcheck  grade your own notebooks (release/, or DIR=...) with the hidden tests"
	@echo "make bench    stock sequential nbgrader vs make grade on a generated class (K=12); with"
	@echo "              POSTGRES=postgresql://... (a database it may empty), also a Dask cluster vs the local pool"
	@echo "make feedback-report  judge the mutation corpus (corpus/mutations.py): named, fallback only,"
	@echo "              unexplained per step; written to docs/feedback_report.md (JOBS=N)"
	@echo "make setup    only create .venv from requirements.txt (TORCH=cpu|cuda|auto, PYTHON=python3.11)"
	@echo "make system   install bubblewrap where possible, report the optional system packages (OPTIONAL=1 installs them)"

setup: $(READY)

$(READY): requirements.txt pyproject.toml
	@$(MAKE) --no-print-directory system
	@PYTHON="$(PYTHON)" TORCH="$(TORCH)" tools/setup-venv.sh $(VENV)
	touch $@

system:
	@tools/system-packages.sh $(if $(OPTIONAL),--optional)

# The test files run on one process per core (pytest-xdist; TEST_JOBS=N to choose), each file on one,
# in the order tests/conftest.py gives them (the longest first).
test: $(READY)
	$(PY) -m pytest -n $(or $(TEST_JOBS),auto) --dist loadfile --no-loadscope-reorder

# JupyterLab's settings for the course's server only, not the user's: tools/lab-settings/overrides.json
# (no "get notified about official Jupyter news?" prompt over the check outputs). LAB_ARGS: more options.
lab: $(READY)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.app_settings_dir="$(CURDIR)/tools/lab-settings" \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

release: $(READY)
	$(PY) -m autograder release

grade: $(READY)
	$(PY) -m autograder grade $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(EXECUTE),--execute) $(ASSIGNMENTS)

# LANGUAGE only from the command line: the environment's LANGUAGE is gettext's (en_US:en), not this.
feedback: $(READY)
	$(PY) -m autograder feedback $(if $(filter command line,$(origin LANGUAGE)),--language $(LANGUAGE)) $(ASSIGNMENTS)

selfcheck: $(READY)
	$(PY) -m autograder selfcheck $(DIR)

# DEMO_DIR: where the class is built; without it, a new folder of this user's own under /tmp for each run.
demo: $(READY)
	$(PY) -m corpus.demo $(DEMO_DIR)

bench: $(READY)
	$(PY) tools/bench.py $(if $(K),--students $(K)) $(if $(JOBS),--jobs $(JOBS)) $(if $(POSTGRES),--postgres $(POSTGRES))

feedback-report: $(READY)
	$(PY) tools/feedback_report.py $(if $(JOBS),--jobs $(JOBS))
