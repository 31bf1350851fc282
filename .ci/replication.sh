#!/usr/bin/env bash
# Let tests/test_replica.py take a streaming replica of the local PostgreSQL server
# (pg_basebackup over 127.0.0.1 as postgres). Idempotent; Debian's PostgreSQL 15 needs only the
# pg_hba.conf line (wal_level is "replica" and max_wal_senders 10 by default).
set -euo pipefail
PSQL=(psql -h 127.0.0.1 -U postgres -d postgres -Atq)

HBA=$("${PSQL[@]}" -c "SHOW hba_file")
LINE="host replication postgres 127.0.0.1/32 trust"
if ! grep -qE '^[[:space:]]*host[[:space:]]+replication[[:space:]]+postgres[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$HBA"; then
  # First: the first matching line wins, and Debian's own asks replication for a password.
  sed -i "1i $LINE" "$HBA"
  "${PSQL[@]}" -c "SELECT pg_reload_conf()" >/dev/null
fi

restart=""
if [ "$("${PSQL[@]}" -c "SHOW wal_level")" = "minimal" ]; then
  "${PSQL[@]}" -c "ALTER SYSTEM SET wal_level = 'replica'"
  restart=1
fi
if [ "$("${PSQL[@]}" -c "SHOW max_wal_senders")" -lt 4 ]; then
  "${PSQL[@]}" -c "ALTER SYSTEM SET max_wal_senders = 10"
  restart=1
fi
if [ -n "$restart" ]; then
  pg_ctlcluster 15 main restart
fi
