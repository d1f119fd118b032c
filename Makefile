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

.PHONY: run serve test data demo bench loadtest geo install clean browser proxy plotly

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

# --if-stale rebuilds only when the store is missing or older than a raw file. Without [auth] in
# .streamlit/secrets.toml the app is open: observatoire.ui.serve warns when HOST is not this machine.
run: $(DEMO_STAMP) browser plotly
	$(PY) -m pipelines build --raw $(RAW) --out $(STORE) --if-stale
	$(PY) -m observatoire.ui.serve --server.address $(HOST) --server.port $(PORT)

# Several app processes behind nginx at http://HOST:PORT, one per core (deploy/serve.py, deploy/nginx.conf; README
# « Sur un serveur »). `make run` stays the one-process demo.
WORKERS ?= 2
WORKER_PORT ?= 8601
serve: $(DEMO_STAMP) browser proxy plotly
	$(PY) -m pipelines build --raw $(RAW) --out $(STORE) --if-stale
	$(PY) -m deploy.serve --workers $(WORKERS) --host $(HOST) --port $(PORT) --worker-port $(WORKER_PORT)

# nginx from Debian's packages: `make serve` and its test (tests/test_serve.py, skipped without it).
proxy:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installation de nginx (make serve)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
		|| echo "ATTENTION : installation de nginx impossible ; make serve indisponible, make run fonctionne."; \
	else \
		echo "ATTENTION : nginx absent et pas de droits root pour l'installer (sudo apt-get install nginx) :"; \
		echo "  make serve ne peut pas démarrer ; make run sert l'application en un processus."; \
	fi

# The charts' Plotly library with only the chart types the app draws (deploy/plotly/, about 3 MB against 4,7 MB:
# a first visit reads it in a quarter of the time), built with Node.js from npm's packages, installed from Debian's
# packages when root. Without Node.js the full library of the Python plotly package is served (slower first load).
plotly: $(VENV)/.installed
	@if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installation de nodejs et npm (bibliothèque Plotly allégée des graphiques)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
		|| echo "ATTENTION : installation de Node.js impossible ; la bibliothèque Plotly complète sera servie."; \
	else \
		echo "ATTENTION : Node.js (nodejs, npm) absent et pas de droits root pour l'installer : la bibliothèque"; \
		echo "  Plotly complète est servie (premier affichage des graphiques plus lent d'environ 0,6 s)."; \
	fi
	@$(PY) -m deploy.plotly_bundle

# PNG exports, the bilan pack (kaleido drives Chromium) and the browser tests need Debian's chromium and the
# DejaVu fonts (French narrow no-break space): part of the set-up of `make run` and `make test` when root.
# Without them the app still runs: PNG buttons say why they are missing, CSV downloads work.
FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
browser:
	@if command -v chromium >/dev/null 2>&1 && [ -f $(FONT) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installation de chromium et fonts-dejavu-core (images PNG, dossier de bilan, tests navigateur)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null \
		|| echo "ATTENTION : installation de chromium impossible ; images PNG et dossier de bilan indisponibles."; \
	else \
		echo "ATTENTION : chromium ou fonts-dejavu-core absent et pas de droits root pour les installer"; \
		echo "  (sudo apt-get install chromium fonts-dejavu-core). L'application fonctionne sans : les boutons"; \
		echo "  « Télécharger (PNG) » et le dossier de bilan sont remplacés par un message, les tests navigateur sautés."; \
	fi

test: $(VENV)/.installed browser proxy plotly
	$(PY) -m pytest

bench: $(VENV)/.installed plotly
	$(PY) -m benchmarks

# Simulated users speaking Streamlit's websocket protocol on fresh `make serve` processes (WORKERS, may be a list)
# serving $(STORE), N users each acting every THINK s on average for DURATION s (benchmarks/loadtest.py);
# URL=http://… measures a running deployment instead.
N ?= 40 100
THINK ?= 3
DURATION ?= 60
loadtest: $(VENV)/.installed plotly
	$(PY) -m benchmarks.loadtest --users $(N) --think $(THINK) --duration $(DURATION) --store $(STORE) \
		--workers $(WORKERS) $(if $(URL),--url $(URL))

geo: $(VENV)/.installed
	$(PY) -m pipelines.reference_geo

clean:
	rm -rf $(STORE) $(VENV)
