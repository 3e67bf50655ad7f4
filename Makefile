# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Nu HTML checker (vnu-jar on npm) checks every page type in the tests.
VNU_VERSION := 26.9.27
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: run test install system-deps migrate lint check serve bench clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the browser tests; Java runs the Nu HTML checker; the cache outage tests start
# a redis-server of their own.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Java for the Nu HTML checker..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-server for the cache outage tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing npm to fetch the Nu HTML checker..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@test -f $(VNU_JAR) || npm install --prefix . --no-save --ignore-scripts --no-audit --no-fund vnu-jar@$(VNU_VERSION)

migrate: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

run: migrate
	@if [ -f tracker/management/commands/load_dataset.py ]; then DJANGO_DEBUG=1 $(BIN)/python manage.py load_dataset --if-empty; fi
	DJANGO_DEBUG=1 $(BIN)/python manage.py create_demo_editor
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install system-deps
	DJANGO_SECRET_KEY=test-only-secret-key $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py check
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production mode, locally: hashed and compressed static files served by WhiteNoise, gunicorn workers
# (gunicorn.conf.py). Needs DJANGO_SECRET_KEY; DATABASE_URL and REDIS_URL point it at PostgreSQL and Redis.
# Plain http on 127.0.0.1, so the redirect to https (on behind the proxy) is off here unless set.
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "Set DJANGO_SECRET_KEY (a long random string) to run in production mode."; exit 1; }
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
	  DJANGO_CONN_MAX_AGE=$${DJANGO_CONN_MAX_AGE:-60} $(BIN)/gunicorn --config gunicorn.conf.py

# Benchmark (not part of CI, ~20-25 min; BENCH_QUICK=1 for a fast check): writes BENCHMARKS.md.
# Needs PostgreSQL and Redis (BENCH_PG_URL, BENCH_REDIS_URL); see bench/run.py for the other knobs.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the benchmark..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles
