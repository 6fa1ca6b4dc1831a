# The two commands: `make reports` (fetch → prepare → score → every report) and `make test`.
# Both create or reuse .venv and install the project into it; nothing else is needed by hand.
# `make` alone lists every target: the `## ` text after a target is its line in `make help`.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOPEFUL := $(VENV)/bin/hopeful
STAMP := $(VENV)/.hopeful-installed
NOTEBOOKS := notebooks/town_report.ipynb notebooks/overview.ipynb notebooks/practitioners_guide.ipynb \
	notebooks/resilience_framework.ipynb
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup data reports test test-fast notebooks scratch lint format lab bench \
	clean-data browser-deps

help: ## List every target with what it does
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-13s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

# Hashed installs (docs/reliability.md, "Pinned supply chain"): pip, setuptools and wheel first,
# then every dependency, each the exact file whose sha256 the lock lists (wheels only, nothing
# built here); then the project itself, the checked-out source, with the build backend just
# installed. Regenerate the locks with `bash scripts/refresh_lock.sh`.
$(STAMP): pyproject.toml requirements-pip.lock requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --require-hashes --only-binary :all: -r requirements-pip.lock
	$(PY) -m pip install --require-hashes --only-binary :all: --no-deps -r requirements.lock
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	$(PY) -m ipykernel install --sys-prefix --name hopeful --display-name "Python (hopeful)"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the project, its dev tools and Jupyter kernel

data: setup ## Fetch, prepare and score: data/raw and data/processed
	$(HOPEFUL) fetch
	$(HOPEFUL) prepare
	$(HOPEFUL) score

reports: data ## Every town report, the overview and the index page in reports/
	$(HOPEFUL) reports

test: data ## The full suite on real data, then nbval on the committed notebooks (what CI runs)
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval $(NOTEBOOKS) --nbval-current-env \
		--nbval-sanitize-with notebooks/nbval-sanitize.cfg -p no:cacheprovider

test-fast: setup ## Tests that need no real data (no `make data` first), slow ones left out
	$(PY) -m pytest tests -m "not real_data and not slow" -q

notebooks: data ## Re-run the committed notebooks for their default town and strip run metadata
	$(PY) -m hopeful.reports.committed_notebooks $(NOTEBOOKS)

scratch: ## Copy each committed notebook to notebooks/<name>.scratch.ipynb (git ignores them) to explore
	@for nb in $(NOTEBOOKS); do copy=$${nb%.ipynb}.scratch.ipynb; \
		if [ -e $$copy ]; then echo "kept $$copy"; else cp $$nb $$copy && echo "wrote $$copy"; fi; done

lint: setup ## ruff format --check and ruff check
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/ruff check src tests benchmarks

format: setup ## ruff format and ruff check --fix
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

lab: setup ## JupyterLab on the repository root with the project's kernel (extra options: ARGS="...")
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ARGS)

bench: data ## The scoring, model and report benchmarks
	$(PY) benchmarks/bench_score.py
	$(PY) benchmarks/bench_score_real.py
	$(PY) benchmarks/bench_attitudes.py
	$(PY) benchmarks/bench_leave_candidates.py
	$(PY) benchmarks/bench_mrp.py
	$(PY) benchmarks/bench_reports.py --full

# Debian's Chromium for the browser tests (no browser downloads); CI runs it before `make test`.
browser-deps: ## Debian's Chromium for the browser tests
	bash scripts/install_browser.sh

clean-data: ## Delete fetched raw data, interim tables and processed outputs
	rm -rf data/interim/*.parquet data/interim/*.json data/interim/score data/raw/*/ data/raw/provenance.json data/processed/*.csv data/processed/*.parquet data/processed/*.json
