#!/usr/bin/env bash
# Restore a StarService backup made by scripts/backup.sh into an EMPTY database.
#
#   createdb -h db -U starservice starservice_restored
#   DATABASE_URL=postgres://starservice@db:5432/starservice_restored scripts/restore.sh FILE.dump
#
# Refuses a database that already has tables. Restores in one transaction (all or nothing),
# then unpacks FILE.media.tar.gz into MEDIA_ROOT if both exist. Afterwards run
# `manage.py migrate` (a no-op unless the code is newer than the backup).
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the postgres:// URL of the (empty) target database}"
archive="${1:?usage: scripts/restore.sh FILE.dump}"
[ -r "$archive" ] || { echo "cannot read $archive" >&2; exit 2; }

tables="$(psql --no-psqlrc --tuples-only --no-align --dbname="$DATABASE_URL" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "the target database already has $tables tables; restore only into an empty one" >&2
  exit 3
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$archive"

media="${archive%.dump}.media.tar.gz"
if [ -n "${MEDIA_ROOT:-}" ] && [ -f "$media" ]; then
  mkdir -p "$MEDIA_ROOT"
  tar -C "$MEDIA_ROOT" -xzf "$media"
fi
echo "restored $archive"
