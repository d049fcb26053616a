# One-command set-up: every target creates .venv, installs the project (editable, with
# its extras) and the system Graphviz, then does its job.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup graphviz test lint typecheck pytest notebooks demo bench soak reliability docs serve-docs clean

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,extras]'
	@touch $(STAMP)

# The Graphviz `dot` program renders pictures; install it when missing and we are root.
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing the system Graphviz (dot)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "Graphviz 'dot' is missing: install it with 'sudo apt-get install graphviz'" \
		     "(Debian/Ubuntu), 'brew install graphviz' (macOS) or see https://graphviz.org/download/"; \
	fi

lint: setup
	$(BIN)/ruff check autograd_mini tests $(wildcard bench)

typecheck: setup
	$(BIN)/mypy autograd_mini

pytest: setup
	$(BIN)/python -m pytest -q

test: setup
	$(BIN)/ruff check autograd_mini tests $(wildcard bench) $(wildcard tools)
	$(BIN)/mypy autograd_mini
	$(BIN)/python -m pytest -q -p no:cacheprovider
	$(MAKE) --no-print-directory notebooks docs

# Every notebook runs top to bottom (nbmake); outputs are not written back.
notebooks: setup
	$(if $(wildcard notebooks/*.ipynb),$(BIN)/python -m pytest -q -p no:cacheprovider --nbmake notebooks,@echo "no notebooks yet")

docs: setup
	$(if $(wildcard mkdocs.yml),NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet,@echo "no mkdocs.yml yet")

serve-docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# The long soak (20,000 training steps); `make test` runs a 2,000-step version.
soak: setup
	AM_SOAK_STEPS=20000 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_reliability.py

# Regenerates docs/reliability.md from a full run with the long soak.
reliability: setup
	AM_SOAK_STEPS=20000 AM_RELIABILITY_JSON=.reliability.json $(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/python tools/reliability_report.py .reliability.json docs/reliability.md

# Benchmarks against hand-written NumPy backprop; writes docs/performance.md and bench/results/.
bench: setup
	$(BIN)/python -m bench

demo: setup
	$(BIN)/python -m autograd_mini demo

clean:
	rm -rf $(VENV) demo-output site .pytest_cache .mypy_cache .ruff_cache
