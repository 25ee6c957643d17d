# ganlab: two commands for users (`make lab`, `make test`); the rest serve them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# JupyterLab refuses to run as root unless told (containers often run as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: install lab test test-unit test-notebooks test-mnist notebooks slides gallery bench measure clean

install: $(STAMP)

# Re-runs only when the package definition changes; otherwise a no-op.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

lab: install
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

# Everything but the tests marked slow (the MNIST homework runs: `make test-mnist`).
test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --nbval-lax -m "not slow" tests notebooks

test-unit: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope -m "not slow" tests

test-notebooks: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --nbval-lax notebooks

# The MNIST homework: notebooks 01, 02, 06, 07 with DATASET = "mnist" (slow; needs the MNIST
# files, see tests/test_mnist_notebooks.py), one at a time, printing each one's cost.
test-mnist: install
	$(PY) -m pytest -m slow -s tests/test_mnist_notebooks.py

# Re-execute the notebooks in place (fresh kernel each) and print their run times.
notebooks: install
	$(PY) tools/run_notebooks.py

# One Reveal.js deck per notebook, from the notebooks' slide metadata: build/slides/*.slides.html,
# with the scripts they load in build/slides/lib/ (fetched once with npm into build/vendor/).
slides: install
	$(PY) tools/make_slides.py

# The README's gallery: figures exported from the notebooks' stored outputs to docs/gallery/
gallery: install
	$(PY) tools/export_gallery.py

# All benchmarks, or some: make bench BENCH="training widgets" (presets takes ~10 min).
bench: install
	$(PY) -m benchmarks $(BENCH)

# Per notebook: wall time, CPU-seconds and the kernel's peak memory for one run (README's table).
# MEASURE_ARGS="--cold" for a first run; see tools/measure_notebooks.py for the options.
measure: install
	$(PY) tools/measure_notebooks.py $(MEASURE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
