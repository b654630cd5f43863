# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fmt typecheck bench fuzz clean

# Bytecode caches are written even where the environment says not to: the suite starts a few
# hundred bgreplay processes, and each would compile the package's sources again (~0.1 s).
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bgreplay run scenarios/pixar-film-tracker.yaml

# The whole suite on every core; the 15 slowest tests are listed at the end.
test: lint typecheck
	$(BIN)/python -m pytest -n auto --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff format .

# The engine strictly (it is also what the compiled engine is built from), the rest as written.
typecheck: $(STAMP)
	$(BIN)/mypy --strict bgreplay/engine
	$(BIN)/mypy bgreplay

bench: $(STAMP)
	$(BIN)/python -m bench

# The long session: mutated inputs for 10 minutes, then the property tests on fresh random
# examples (make test draws the same ones every run).
fuzz: $(STAMP)
	$(BIN)/python -m fuzz --minutes 10
	BGREPLAY_HYPOTHESIS=explore $(BIN)/python -m pytest -n auto tests/test_engine_properties.py \
	  tests/test_determinism.py tests/test_predictor.py tests/test_trace_build.py \
	  tests/test_trace_io.py tests/test_durations.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis .mypy_cache \
	  bgreplay/_cengine bgreplay/*.so
