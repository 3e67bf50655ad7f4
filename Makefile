# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Nu HTML checker (vnu-jar on npm) checks every page type in the tests.
VNU_VERSION := 26.9.27
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: run test install system-deps messages migrate lint check serve serve-app prepare-serve nginx bench faults backup restore clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the browser tests; Java runs the Nu HTML checker; the cache outage tests start
# a redis-server of their own; GNU gettext checks the Ukrainian and Russian catalogues.
system-deps:
	@command -v xgettext >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1 || { \
	  echo "Installing GNU gettext for the translation catalogues..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
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

# After changing a reader-facing string: refresh locale/{uk,ru} (then translate what is new), and compile them.
# The compiled .mo files are committed; tests/test_translation_catalogues.py fails on anything missing.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests --ignore=bench \
  --ignore=var --ignore=docs --ignore=deploy --ignore=backups
messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l uk -l ru --no-location --no-obsolete $(MESSAGES_IGNORE)
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages $(MESSAGES_IGNORE)

migrate: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

run: migrate
	@if [ -f tracker/management/commands/load_dataset.py ]; then DJANGO_DEBUG=1 $(BIN)/python manage.py load_dataset --if-empty; fi
	DJANGO_DEBUG=1 $(BIN)/python manage.py create_demo_editor
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The suite is spread over TEST_WORKERS processes (pytest-xdist; "auto": one per CPU, at most 4; 0 runs it in
# this process). Each worker has a test database of its own and, with REDIS_URL, the next Redis database number.
# Compiled modules are kept (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set: otherwise each
# worker and each server a test starts compiles Django, the plugins and pytest's rewritten modules afresh.
TEST_WORKERS ?= auto
test: install system-deps nginx
	PYTHONDONTWRITEBYTECODE= DJANGO_SECRET_KEY=test-only-secret-key $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check --tabwidth 2 templates

check: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py check
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production mode, locally: hashed and compressed static files, gunicorn workers (gunicorn.conf.py) behind
# nginx (deploy/nginx.conf, Debian's nginx installed if missing), which buffers slow clients and serves the
# static files. Needs DJANGO_SECRET_KEY; DATABASE_URL and REDIS_URL point it at PostgreSQL and Redis.
# nginx listens on NGINX_LISTEN (default 127.0.0.1:8000), gunicorn on GUNICORN_BIND (default 127.0.0.1:8001).
# Plain http on 127.0.0.1, so the redirect to https (on behind the proxy) is off here unless set.
serve: install nginx prepare-serve
	DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
	  DJANGO_CONN_MAX_AGE=$${DJANGO_CONN_MAX_AGE:-60} deploy/serve-proxy.sh

# gunicorn alone on GUNICORN_BIND (default 127.0.0.1:8000), for app servers behind a buffering proxy of their own.
serve-app: install prepare-serve
	DJANGO_SECURE_SSL_REDIRECT=$${DJANGO_SECURE_SSL_REDIRECT:-0} DJANGO_SECURE_COOKIES=$${DJANGO_SECURE_COOKIES:-0} \
	  DJANGO_CONN_MAX_AGE=$${DJANGO_CONN_MAX_AGE:-60} $(BIN)/gunicorn --config gunicorn.conf.py

prepare-serve:
	@test -n "$$DJANGO_SECRET_KEY" || { echo "Set DJANGO_SECRET_KEY (a long random string) to run in production mode."; exit 1; }
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput

nginx:
	@command -v nginx >/dev/null 2>&1 || { \
	  echo "Installing Debian's nginx for the front..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

# Benchmark (not part of CI, ~20-25 min; BENCH_QUICK=1 for a fast check): writes BENCHMARKS.md.
# Needs PostgreSQL and Redis (BENCH_PG_URL, BENCH_REDIS_URL); see bench/run.py for the other knobs.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the benchmark..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py

# Fault run (not part of CI, a few minutes): the production stack (nginx, gunicorn) on a PostgreSQL cluster and a
# Redis of its own (started and stopped here; nothing shared is touched) under a read mix while Redis stops and
# hangs, PostgreSQL restarts, a worker is killed and 50 slow clients hold connections. Appends to BENCHMARKS.md.
faults: install nginx
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the fault run..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-server for the fault run..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	$(BIN)/python bench/faults.py

# Backups of the whole database (content, history, editors): PostgreSQL's pg_dump, SQLite's online backup.
# BACKUP=path chooses the file (default backups/tracker-<UTC time>.dump or .sqlite3). Without
# DJANGO_SECRET_KEY they run in local development mode.
backup: install
	@if [ -z "$$DJANGO_SECRET_KEY" ]; then export DJANGO_DEBUG=1; fi; $(BIN)/python manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "Say which backup to restore: make restore BACKUP=backups/tracker-....dump"; exit 1; }
	@if [ -z "$$DJANGO_SECRET_KEY" ]; then export DJANGO_DEBUG=1; fi; $(BIN)/python manage.py restore "$(BACKUP)"

clean:
	rm -rf $(VENV) staticfiles
