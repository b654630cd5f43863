# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD_TOOLS := $(VENV)/.build-tools
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled
ENGINE_SOURCES := $(wildcard bgreplay/engine/*.py bgreplay/engine/*/*.py)

.PHONY: install demo test lint fmt typecheck bench fuzz clean

# Bytecode caches are written even where the environment says not to: the suite starts a few
# hundred bgreplay processes, and each would compile the package's sources again (~0.1 s).
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The build's own requirements (pyproject.toml's [build-system]: setuptools, and mypy for mypyc)
# go in first: the package and the compiled engine both build in this venv.
$(BUILD_TOOLS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c 'import subprocess, sys, tomllib; \
	  needs = tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]; \
	  subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *needs], check=True)'
	touch $(BUILD_TOOLS)

# The package and its tools, engine in pure Python (the compiled engine is built apart).
$(STAMP): pyproject.toml $(BUILD_TOOLS)
	BGREPLAY_PURE_PYTHON=1 $(BIN)/python -m pip install --quiet --no-build-isolation -e '.[dev]'
	touch $(STAMP)

# The compiled engine (mypyc; about 30 s, mostly on one core), built in place beside the
# sources, as an editable install does, and rebuilt whenever the engine changes.
$(COMPILED): $(BUILD_TOOLS) setup.py $(ENGINE_SOURCES)
	$(BIN)/python setup.py --quiet build_ext --inplace
	touch $(COMPILED)

# Both at once: the package installs while the engine compiles.
install:
	$(MAKE) --no-print-directory -j2 --output-sync=target $(STAMP) $(COMPILED)

demo: install
	$(BIN)/bgreplay run scenarios/pixar-film-tracker.yaml

# Lint and types are checked while the engine compiles, then the whole suite runs on every
# core; the 15 slowest tests are listed at the end.
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck $(COMPILED)
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff format .

# The engine strictly, the rest as written (pyproject.toml's [tool.mypy] says which is which).
typecheck: $(STAMP)
	$(BIN)/mypy bgreplay

bench: install
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
