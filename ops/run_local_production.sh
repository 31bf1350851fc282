#!/usr/bin/env bash
# `make prod`: the site as production runs it, on this machine. DEBUG off, a secret key of its
# own (made once, kept in var/, never committed), ALLOWED_HOSTS localhost, static files collected
# and served by WhiteNoise, the Redis cache, gunicorn. See README "Production settings, locally".
#
# Everything can be overridden from the environment: PORT (8000), DATABASE_URL (SQLite
# db.sqlite3, as `make run`), REDIS_URL (redis://127.0.0.1:6379/0; empty for the file cache),
# CACHE_KEY_PREFIX, WORKERS (2), SEED_ARTICLES (300), VAR_DIR (var), STATIC_ROOT, MEDIA_ROOT.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-$(dirname "$PY")/gunicorn}
PORT=${PORT:-8000}
VAR_DIR=${VAR_DIR:-var}

mkdir -p "$VAR_DIR"
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s "$VAR_DIR/secret_key" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VAR_DIR/secret_key")
    echo "A new secret key is in $VAR_DIR/secret_key (kept for the next runs)."
  fi
  SECRET_KEY=$(cat "$VAR_DIR/secret_key")
fi
export SECRET_KEY
export DJANGO_DEBUG=0
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}
export CSRF_TRUSTED_ORIGINS=${CSRF_TRUSTED_ORIGINS:-http://localhost:$PORT,http://127.0.0.1:$PORT}
export SITE_URL=${SITE_URL:-http://localhost:$PORT}
# Plain HTTP here (production has a TLS proxy in front): no redirect to https. Cookies stay
# Secure, which browsers accept from http://localhost.
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0}
# No web server in front to serve uploads and image renditions: Django does.
export SERVE_MEDIA=${SERVE_MEDIA:-1}
export REDIS_URL=${REDIS_URL-redis://127.0.0.1:6379/0}
export CACHE_KEY_PREFIX=${CACHE_KEY_PREFIX:-newsroom-local}

if [ -n "$REDIS_URL" ]; then
  "$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()' \
    "$REDIS_URL" 2>/dev/null || {
    echo "Redis does not answer at $REDIS_URL. Start it (apt-get install redis-server), point"
    echo "REDIS_URL at another, or run with REDIS_URL= for the file cache."
    exit 1
  }
fi

echo "Collecting static files..."
"$PY" manage.py collectstatic --noinput -v0
echo "Migrating the database..."
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py seed_demo --articles "${SEED_ARTICLES:-300}"
"$PY" manage.py ensure_admin --file "$VAR_DIR/admin-login.txt" --url "http://localhost:$PORT/admin/"
echo "Serving http://localhost:$PORT/ with the production settings (DEBUG off, cache: ${REDIS_URL:-files}). Ctrl-C stops."
exec "$GUNICORN" newsroom.wsgi --bind "127.0.0.1:$PORT" --workers "${WORKERS:-2}" \
  --access-logfile - --graceful-timeout 5 --no-control-socket
