# The two commands: `make reports` (fetch → prepare → score → every report) and `make test`.
# Both create or reuse .venv and install the project into it; nothing else is needed by hand.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOPEFUL := $(VENV)/bin/hopeful
STAMP := $(VENV)/.hopeful-installed

.PHONY: setup data reports test lint format lab bench clean-data browser-deps

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -c constraints.txt -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name hopeful --display-name "Python (hopeful)"
	touch $(STAMP)

setup: $(STAMP)

data: setup
	$(HOPEFUL) fetch
	$(HOPEFUL) prepare
	$(HOPEFUL) score

reports: data
	$(HOPEFUL) reports

test: data
	$(PY) -m pytest tests
	$(PY) -m pytest --nbval notebooks/town_report.ipynb notebooks/overview.ipynb \
		notebooks/pilots_comparison.ipynb --nbval-current-env \
		--nbval-sanitize-with notebooks/nbval-sanitize.cfg -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/ruff check src tests benchmarks

format: setup
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

lab: setup
	$(VENV)/bin/jupyter lab notebooks

bench: data
	$(PY) benchmarks/bench_score.py
	$(PY) benchmarks/bench_score_real.py
	$(PY) benchmarks/bench_mrp.py --seeds 1
	$(PY) benchmarks/bench_reports.py --full

# Debian's Chromium for the browser tests (no browser downloads); CI runs it before `make test`.
browser-deps:
	bash scripts/install_browser.sh

clean-data:
	rm -rf data/interim data/raw/*/ data/raw/provenance.json data/processed/*.csv data/processed/*.parquet data/processed/*.json
