#!/usr/bin/env bash
# Back up a Newsroom database and its media, restore both somewhere fresh, and check that the
# restored site serves the same stories. Proves the README's backup procedure works.
#
#   ops/backup_restore_check.sh postgres://postgres@127.0.0.1:5432/newsroom [MEDIA_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE_URL=${1:?usage: $0 DATABASE_URL [MEDIA_ROOT]}
MEDIA=${2:-media}
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d)
RESTORED=newsroom_restore_check_$$
BASE_URL=${SOURCE_URL%/*}
trap 'psql "$BASE_URL/postgres" -qc "DROP DATABASE IF EXISTS $RESTORED" >/dev/null 2>&1; rm -rf "$WORK"' EXIT

echo "1. Back up: pg_dump (custom format) and a copy of the media folder"
pg_dump --format=custom --no-owner --file "$WORK/newsroom.dump" "$SOURCE_URL"
mkdir -p "$WORK/media" && { [ -d "$MEDIA" ] && cp -a "$MEDIA/." "$WORK/media/" || true; }
ls -l "$WORK/newsroom.dump"

echo "2. Restore into a fresh database: $RESTORED"
psql "$BASE_URL/postgres" -qc "CREATE DATABASE $RESTORED"
pg_restore --no-owner --exit-on-error --dbname "$BASE_URL/$RESTORED" "$WORK/newsroom.dump"

echo "3. Check: same stories, and the restored site serves them"
count() {
  DATABASE_URL=$1 MEDIA_ROOT=$2 PAGE_CACHE=0 "$PY" manage.py shell -c "
from django.test import Client
from articles.models import Article
live = Article.objects.published()
story = live.order_by('-published_at').first()
c = Client()
codes = [c.get(u).status_code for u in ['/', story.get_absolute_url() if story else '/']]
print('CHECK', live.count(), Article.objects.count(), codes)" 2>/dev/null | grep CHECK
}
before=$(count "$SOURCE_URL" "$MEDIA")
after=$(count "$BASE_URL/$RESTORED" "$WORK/media")
echo "source:   $before"
echo "restored: $after"
[ "$before" = "$after" ] && [[ "$after" == *"[200, 200]"* ]] || { echo "RESTORE CHECK FAILED"; exit 1; }
echo "Restore check passed."
