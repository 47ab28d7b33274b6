# Two commands do all the set-up: `make run` (the app on the sample warehouse) and `make test`
# (lint, then the whole suite). `make check` is the fast tier (under 2 minutes): lint and the tests
# that need no browser and no real server and are not marked slow.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/warehouse.duckdb
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := chromium fonts-noto-cjk libreoffice-impress-nogui poppler-utils nginx

.PHONY: run test check install install-dev system-deps bytecode warehouse lint bench stress serve-replicas clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps japanmap==0.6.0
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages for the browser tests and PNG export (Chromium, Japanese fonts), and for the
# optional PDF of a deck and its test (LibreOffice Impress without GUI, poppler's pdftoppm).
system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The project's bytecode, as pip writes an installed package's: where PYTHONDONTWRITEBYTECODE is set
# (as on these machines) Python would otherwise compile every module of the ETL again at each start,
# a sixth of `python -m etl build`'s start-up. compileall rewrites only what changed.
bytecode: install
	$(BIN)/python -m compileall -q app.py core dashboard deploy etl exports pages

warehouse: install bytecode
	$(BIN)/python -m etl build --if-missing --db $(DB)

# MALLOC_ARENA_MAX: fewer glibc arenas for the per-session threads (see deploy/replicas.py)
run: warehouse
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} $(BIN)/streamlit run app.py

# R replicas of the app on one warehouse behind nginx on PORT (deploy/); Ctrl-C stops them all.
R    ?= 2
PORT ?= 8501
serve-replicas: warehouse system-deps
	$(BIN)/python -m deploy.replicas --replicas $(R) --port $(PORT) --db $(DB)

# Two workers (pytest-xdist), each test file in one of them (its module fixtures, and each worker's
# own server and Chromium for the browser files).
JOBS ?= 2
test: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

check: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not browser and not server and not slow and not stress"

# Every benchmark, then docs/benchmarks.md (machine, date, each figure with its target, outcome and
# command). Unattended; the full run includes the capacity steps and the 30-minute soak (over an
# hour in all). `make bench QUICK=1`: a smoke run of every script with short settings.
QUICK ?=
bench: install-dev system-deps bytecode
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick)

# The long runs left out of `make test`: 20 SIGKILLs during loads, and STRESS = browsers x seconds x
# publishes (3 browsers for correctness; `make stress STRESS=20x60x5` for the 20-browser run).
STRESS ?= 3x60x5
stress: install-dev system-deps
	DXGAP_CONCURRENCY=$(STRESS) $(BIN)/python -m pytest -m stress

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(DB) data/raw tests/artifacts
