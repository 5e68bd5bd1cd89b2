# Thin targets over scripts and tools; the logic lives in code that tests can call.
PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.tessel-setup
SERVICES := $(wildcard services/*)
PYTEST_ARGS ?=

.PHONY: setup lint gen check-gen lint-protos baseline test test-slow demo up down status bench bench-gpu bench-gpu-wheels lint-charts clean

# The stamp makes `make test`/`make demo` fast once set up; it is redone when a pin or package changes.
setup: $(STAMP)

$(STAMP): requirements/runtime.txt requirements/dev.txt requirements/assets-nodeps.txt shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PIP) install -q --upgrade pip==26.3
	# torch first, alone: `torch==2.13.0` takes the local CPU wheel; nothing later may replace it.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -r requirements/dev.txt
	$(PIP) install -q --no-deps -r requirements/assets-nodeps.txt
	$(PIP) install -q --no-deps -e shared $(addprefix -e ,$(SERVICES))
	scripts/install_tools.sh
	$(PY) scripts/gen_protos.py --check
	touch $(STAMP)

gen: setup
	$(PY) scripts/gen_protos.py

check-gen: setup
	$(PY) scripts/gen_protos.py --check

lint-protos: setup
	$(VENV)/bin/buf lint protos
	$(VENV)/bin/buf breaking protos --against protos/baseline.binpb

# Release the current contract: the baseline `buf breaking` compares against.
baseline: setup
	$(VENV)/bin/buf build protos -o protos/baseline.binpb

lint: setup
	$(VENV)/bin/ruff check shared services tests scripts

test: setup lint lint-protos check-gen
	scripts/run_tests.sh -m "not slow" $(PYTEST_ARGS)

test-slow: setup
	scripts/run_tests.sh -m slow $(PYTEST_ARGS)

demo: setup
	$(PY) scripts/demo.py

up: setup
	$(VENV)/bin/tessel stack up

down:
	$(VENV)/bin/tessel stack down

status:
	$(VENV)/bin/tessel stack status

bench: setup
	$(PIP) install -q -r requirements/bench.txt
	$(PY) tests/bench/run_all.py

# A lent GPU machine has no Python 3.11 venv and no registry: fetch the wheels it lacks here first
# (`make bench-gpu-wheels`), then run `tests/bench/gpu.sh` there, carrying .cache/gpu-wheels and .cache/gpu-data.
bench-gpu-wheels: setup
	tests/bench/gpu.sh wheels

bench-gpu:
	tests/bench/gpu.sh

lint-charts: setup
	.tools/bin/helm lint --strict charts/tessel -f charts/tessel/values-dev.yaml
	.tools/bin/helm lint --strict charts/tessel -f charts/tessel/values-ci.yaml
	.tools/bin/helm lint --strict charts/tessel -f charts/tessel/values-gpu.yaml
	$(VENV)/bin/hadolint docker/base.Dockerfile docker/service.Dockerfile

clean:
	rm -rf $(VENV) .tools
