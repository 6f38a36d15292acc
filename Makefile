# Thin entry points; each creates .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test bench mutants demo lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab lectures/00_start_here.ipynb

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One BLAS thread per pytest worker: the workers already use every core.
test: lint
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n auto --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Mutants of the solutions against the hidden cases (benchmarks/mutants.py).
mutants: $(STAMP)
	$(BIN)/python -m benchmarks.mutants

demo: $(STAMP)
	$(BIN)/python -m grader.demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
