# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501
SCALE ?= national
RAW := data/raw
STORE := data/parquet
DEMO_STAMP := $(RAW)/.demo-$(SCALE)

.PHONY: run test data demo bench geo install clean browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The demo raw files are generated deterministically (too large to commit at national scale).
$(DEMO_STAMP): $(VENV)/.installed $(wildcard pipelines/demo/*.py)
	$(PY) -m pipelines demo --scale $(SCALE) --out $(RAW)
	touch $@

demo: $(DEMO_STAMP)

data: $(DEMO_STAMP)
	$(PY) -m pipelines build --raw $(RAW) --out $(STORE)

# --if-stale rebuilds only when the store is missing or older than a raw file.
run: $(DEMO_STAMP)
	$(PY) -m pipelines build --raw $(RAW) --out $(STORE) --if-stale
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

# Browser tests drive Debian's chromium; install it when we can (root), else they are skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) || echo "chromium absent: browser tests will be skipped"; }

test: $(VENV)/.installed browser
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m benchmarks

geo: $(VENV)/.installed
	$(PY) -m pipelines.reference_geo

clean:
	rm -rf $(STORE) $(VENV)
