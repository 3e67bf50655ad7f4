#!/usr/bin/env bash
# `make serve`: nginx (deploy/nginx.conf) on NGINX_LISTEN in front of gunicorn (gunicorn.conf.py) on GUNICORN_BIND.
# nginx is stopped again when gunicorn exits (Ctrl-C, SIGTERM).
set -euo pipefail
cd "$(dirname "$0")/.."

NGINX_LISTEN="${NGINX_LISTEN:-127.0.0.1:8000}"
export GUNICORN_BIND="${GUNICORN_BIND:-127.0.0.1:8001}"
RUN_DIR="${NGINX_RUN_DIR:-$PWD/run/nginx}"
mkdir -p "$RUN_DIR"

sed -e "s|@LISTEN@|$NGINX_LISTEN|g" \
    -e "s|@UPSTREAM@|$GUNICORN_BIND|g" \
    -e "s|@STATIC_ROOT@|$PWD/staticfiles|g" \
    -e "s|@RUN_DIR@|$RUN_DIR|g" \
    -e "s|@USER@|$(id -un)|g" \
    -e "s|@ACCESS_LOG@|${NGINX_ACCESS_LOG:-off}|g" \
    -e "s|@FORWARDED_PROTO@|${NGINX_FORWARDED_PROTO:-\$scheme}|g" \
    deploy/nginx.conf >"$RUN_DIR/nginx.conf"

nginx_cmd=(nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/nginx-error.log")
"${nginx_cmd[@]}" -t -q
"${nginx_cmd[@]}"
trap '"${nginx_cmd[@]}" -s quit 2>/dev/null || true' EXIT
echo "nginx on http://$NGINX_LISTEN in front of gunicorn on $GUNICORN_BIND"

# nginx overwrites X-Forwarded-For with the reader's address: one proxy for the API's throttling.
export DJANGO_NUM_PROXIES="${DJANGO_NUM_PROXIES:-1}"
.venv/bin/gunicorn --config gunicorn.conf.py
