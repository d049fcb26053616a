# One-command set-up: every target creates .venv, installs the project (editable, with
# its extras) and the system Graphviz, then does its job.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup graphviz chromium test lint typecheck pytest notebooks demo bench soak reliability mutation docs docs-check screenshots serve-docs clean

setup: $(STAMP) graphviz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,extras,distributed]'
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

# Headless Chromium and its driver open the built docs site for the docs check
# (tests/test_docs_site.py); install them when missing and we are root.
chromium:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium and its driver (for the docs check)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "Chromium is missing: install it with 'sudo apt-get install chromium chromium-driver'" \
		     "(Debian/Ubuntu); the docs check (tests/test_docs_site.py) fails without it"; \
	fi

lint: setup
	$(BIN)/ruff check autograd_mini tests $(wildcard bench)

typecheck: setup
	$(BIN)/mypy autograd_mini
	$(BIN)/lint-imports

pytest: setup chromium
	$(BIN)/python -m pytest -q

# The docs check runs last, on the site that `docs` has just built.
test: setup
	$(BIN)/ruff check autograd_mini tests $(wildcard bench) $(wildcard tools)
	$(BIN)/mypy autograd_mini
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/test_docs_site.py
	$(MAKE) --no-print-directory notebooks docs docs-check

# Every notebook runs top to bottom (nbmake); outputs are not written back.
notebooks: setup
	$(if $(wildcard notebooks/*.ipynb),$(BIN)/python -m pytest -q -p no:cacheprovider --nbmake notebooks,@echo "no notebooks yet")

docs: setup
	$(if $(wildcard mkdocs.yml),NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet,@echo "no mkdocs.yml yet")

# The built site/ opened in headless Chromium with the network off: on every page every formula
# renders, no console error, every image loads, every internal link and anchor leads somewhere,
# nothing is loaded from outside; the search finds "backward" and the animation player plays.
docs-check: docs chromium
	AM_DOCS_SITE=site $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_docs_site.py

# Screenshots of the built site as a reader sees it (the home page, a concepts page, a notebook
# page, the API reference), kept in docs/images/screenshots/ as the docs' own record.
screenshots: docs chromium
	AM_DOCS_SITE=site AM_DOCS_SCREENSHOTS=docs/images/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_docs_site.py -k screenshots

serve-docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# The long soak (20,000 training steps); `make test` runs a 2,000-step version.
soak: setup
	AM_SOAK_STEPS=20000 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_reliability.py

# Regenerates docs/reliability.md from a full run with the long soak.
reliability: setup
	AM_SOAK_STEPS=20000 AM_RELIABILITY_JSON=.reliability.json $(BIN)/python -m pytest -q -p no:cacheprovider
	$(BIN)/python tools/reliability_report.py .reliability.json docs/reliability.md

# Source-level mutation testing (cosmic-ray) of the ops package and the engine, in a
# scratch copy of the committed tree (cosmic-ray edits files in place): many thousands of
# mutants, hours, so not part of `make test`. MUTATION_SAMPLE=N runs N drawn at random.
# Writes tools/mutation_results.json, which `make reliability` puts on docs/reliability.md.
MUTATION_SAMPLE ?= 0
mutation: setup
	$(BIN)/python tools/mutation_run.py --sample $(MUTATION_SAMPLE) --out tools/mutation_results.json

# Benchmarks against hand-written NumPy backprop; writes docs/performance.md and bench/results/.
bench: setup
	$(BIN)/python -m bench

demo: setup
	$(BIN)/python -m autograd_mini demo

clean:
	rm -rf $(VENV) demo-output site .pytest_cache .mypy_cache .ruff_cache
