# The Activation Zoo: set-up, book, tests and benchmarks.
# `make book` and `make test` are all a fresh machine with Python 3.11 needs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
# scripts/setup_venv.py checks the interpreter's version first, rebuilds
# .venv when PYTHON changes, re-installs when the lock or pyproject change,
# and otherwise returns at once.
STAMP  := venv

.PHONY: help venv book pdf test test-fast lint bench lab lock clean public

help:
	@echo "make book       build the book into _build/html and its Chinese edition into"
	@echo "                _build/html/zh (sets up .venv first)"
	@echo "make pdf        the book, then each edition as one PDF (_static/activation-zoo.pdf)"
	@echo "make test       run the whole test suite, book build included"
	@echo "make test-fast  the suite without the slow book/notebook tests"
	@echo "make lint       ruff (lint and layout) and mypy on src/, as make test runs them"
	@echo "make bench      run the benchmarks and print their tables"
	@echo "make lab        open JupyterLab in the course environment on the exercises"
	@echo "make public     the public edition (no solutions/, no hidden test) in OUT"
	@echo "                (default _build/public), from the last commit"
	@echo "make clean      remove _build (keeps .venv)"
	@echo
	@echo "Grading (COURSE=<folder outside the repo>, default ~/activation-zoo-course;"
	@echo "         DB=<SQLAlchemy URL> for a gradebook on a server, default COURSE/gradebook.db):"
	@echo "make release    regenerate exercises/ from solutions/ (install cell first),"
	@echo "                then zh/exercises/ from exercises/ and the Chinese translations"
	@echo "make collect SUBMISSIONS=<folder or LMS zip> [ASSIGNMENT=name]"
	@echo "make autograde [ASSIGNMENT=name] [JOBS=n] [MEMORY_MB=m] [TIMEOUT=s] [WALL=s]"
	@echo "                [NO_SANDBOX=1 | PLAIN=1]   grade collected submissions,"
	@echo "                each in a sandbox, n at once (default: one per core)"
	@echo "                [SCHEDULER=tcp://host:port]   or on a Dask scheduler's workers"
	@echo "make grades     export grades as CSV"
	@echo "make feedback   write feedback pages (no hidden-test source)"
	@echo "make summary    per assignment: score histogram, mean, median, pass rate of"
	@echo "                each part, failures, detections (COURSE/summary/, text and PNG)"

venv:
	@test -n "$(PYTHON)" || { echo "setup: no python3 found; run 'make PYTHON=/path/to/python3.11'"; exit 2; }
	@$(PYTHON) scripts/setup_venv.py

book: $(STAMP)
	$(PY) scripts/build_book.py

# The whole book as one PDF, printed offline by Debian's Chromium from a
# single-page build that shares the execution cache.
pdf: $(STAMP)
	sh scripts/install_chromium.sh
	sh scripts/install_cjk_fonts.sh
	$(PY) scripts/build_book.py --pdf

test: lint
	sh scripts/install_chromium.sh
	sh scripts/install_cjk_fonts.sh
	sh scripts/install_bubblewrap.sh
	sh scripts/install_postgresql.sh
	$(PY) -m pytest

# Lint, layout and types, configured in pyproject.toml; make test runs it first.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

bench: $(STAMP)
	$(PY) benchmarks/bench_activations.py
	$(PY) benchmarks/bench_landscape.py
	$(PY) benchmarks/bench_book.py
	sh scripts/install_bubblewrap.sh
	sh scripts/install_postgresql.sh
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_scale.py

# JupyterLab in the course environment, opened on the student notebooks.
lab: $(STAMP)
	$(PY) -m jupyterlab --ServerApp.root_dir=exercises

# Re-pin every package after editing pyproject.toml's dependencies.
lock: $(STAMP)
	$(PY) -m pip install --quiet -e ".[torch,evidence,course,postgres,test]"
	$(PY) -m pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | sed 's/+cpu$$//' > requirements-lock.txt

clean:
	rm -rf _build

# The public edition: what the site links as the repository and what wheels
# and sdists are built from; the committed tree without solutions/, tests/
# and what else only instructors keep, scanned for leaks.
OUT ?= _build/public

public: $(STAMP)
	$(PY) scripts/public_edition.py --replace "$(OUT)"

# --- Grading (instructors): python -m actzoo_grader, see src/actzoo_grader. --
# COURSE is the working folder for submissions, the gradebook, grades and
# feedback; it must lie outside the repository. SUBMISSIONS is a folder
# <student>/<assignment>/<notebook>.ipynb or an LMS zip (then also give
# ASSIGNMENT). ASSIGNMENT empty means every assignment.
COURSE      ?= $(HOME)/activation-zoo-course
# DB is the gradebook's SQLAlchemy URL, e.g. postgresql://grader@dbhost/actzoo
# (the password belongs in ~/.pgpass, not here: make prints its commands);
# empty means gradebook.db in COURSE.
DB          ?=
GRADER       = $(PY) -m actzoo_grader --course "$(COURSE)"$(if $(DB), --db "$(DB)")
SUBMISSIONS ?=
ASSIGNMENT  ?=
# Submissions graded at once; each runs in its own sandbox.
JOBS        ?= $(shell nproc 2>/dev/null || echo 1)
# A Dask scheduler's address (tcp://HOST:PORT): its workers run the
# submissions instead of JOBS processes here; empty grades on this machine.
SCHEDULER   ?=
# Limits of each submission's run (empty: the grader's defaults), and the
# two ways to grade without a sandbox (NO_SANDBOX=1 keeps every other
# check; PLAIN=1 is nbgrader's own execution).
MEMORY_MB   ?=
TIMEOUT     ?=
WALL        ?=
NO_SANDBOX  ?=
PLAIN       ?=

.PHONY: release release-check collect autograde grades feedback

# The install cell (scripts/install_cell.py) follows html: baseurl: in
# _config.yml; it is written into solutions/ before they are released.
# The Chinese student notebooks (zh/exercises/) are made from the English
# ones and zh/exercises/<ex>.translation.yml; a stale translation stops it.
release: $(STAMP)
	$(PY) scripts/install_cell.py
	$(PY) -m actzoo_grader release $(ASSIGNMENT)
	$(PY) scripts/release_zh.py $(ASSIGNMENT)

release-check: $(STAMP)
	$(PY) scripts/install_cell.py --check
	$(PY) -m actzoo_grader release --check $(ASSIGNMENT)
	$(PY) scripts/release_zh.py --check $(ASSIGNMENT)

collect: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "make collect SUBMISSIONS=<folder or zip>"; exit 2; }
	$(GRADER) collect "$(SUBMISSIONS)" \
	  $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

autograde: $(STAMP)
	@$(if $(NO_SANDBOX)$(PLAIN),true,sh scripts/install_bubblewrap.sh)
	$(GRADER) autograde $(if $(SCHEDULER),--scheduler "$(SCHEDULER)",--jobs $(JOBS)) \
	  $(if $(MEMORY_MB),--memory-mb $(MEMORY_MB)) \
	  $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(WALL),--wall $(WALL)) \
	  $(if $(NO_SANDBOX),--no-sandbox) $(if $(PLAIN),--plain) $(ASSIGNMENT)

grades: $(STAMP)
	$(GRADER) grades

feedback: $(STAMP)
	$(GRADER) feedback $(ASSIGNMENT)

.PHONY: summary

summary: $(STAMP)
	$(GRADER) summary $(ASSIGNMENT)
