# The course's public commands. Set-up is automatic: any target that needs the
# environment builds .venv from requirements.txt when it is missing or older.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Stamp file: touched after a successful install, so a failed install is retried.
READY := $(VENV)/.ready

.PHONY: help setup test lab release grade demo selfcheck bench

help:
	@echo "make test     run every test (creates .venv first if needed)"
	@echo "make lab      JupyterLab on this course, nbgrader extensions enabled"
	@echo "make release  regenerate release/ (student notebooks) and notebooks/ (reading edition)"
	@echo "make grade    autograde submitted/ in parallel: feedback, grades.csv, class report"
	@echo "              (ASSIGNMENTS=\"01_numpy ...\" JOBS=N FORCE=1 to choose)"
	@echo "make demo     grade a generated class end to end in a scratch folder (DEMO_DIR=...)"
	@echo "make selfcheck  grade your own notebooks (release/, or DIR=...) with the hidden tests"
	@echo "make bench    stock sequential nbgrader vs make grade on a generated class (K=12)"
	@echo "make setup    only create .venv from requirements.txt"

setup: $(READY)

$(READY): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

test: $(READY)
	$(PY) -m pytest

lab: $(READY)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root)

release: $(READY)
	$(PY) -m autograder release

grade: $(READY)
	$(PY) -m autograder grade $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) $(ASSIGNMENTS)

selfcheck: $(READY)
	$(PY) -m autograder selfcheck $(DIR)

demo: $(READY)
	$(PY) tests/demo_class.py $(DEMO_DIR)

bench: $(READY)
	$(PY) tests/bench.py $(if $(K),--students $(K)) $(if $(JOBS),--jobs $(JOBS))
