# The two commands: `make run` and `make test`. Both create .venv on a fresh clone.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
CORPUS  := corpus/docs

.PHONY: run test lint corpus bench clean

$(VENV)/.installed-run: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed-run

## run: the main job on the sample corpus
run: $(VENV)/.installed-run
	$(BIN)/baocao run $(CORPUS)

## test: the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## lint: ruff (lint, imports) and mypy (types), as CI runs them
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

## corpus: rebuild corpus/docs from corpus/seeds (needs reportlab; LibreOffice for *.lo.pdf)
corpus: $(VENV)/.installed-test
	$(BIN)/python -m corpus.build

## bench: every benchmark, figures printed
bench: $(VENV)/.installed-test
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
