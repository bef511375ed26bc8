#!/usr/bin/env bash
# Back up StarService: a pg_dump custom-format archive of the database (DATABASE_URL) and,
# when MEDIA_ROOT holds files (finding photos), a tar of them next to it.
#
#   DATABASE_URL=postgres://starservice@db:5432/starservice scripts/backup.sh [DIRECTORY]
#
# DIRECTORY defaults to $BACKUP_DIR or ./backups. Prints the archive's path; exits non-zero
# if the dump fails or the archive cannot be read back (pg_restore --list).
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the postgres:// URL of the database to back up}"
directory="${1:-${BACKUP_DIR:-backups}}"
mkdir -p "$directory"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive="$directory/starservice-$stamp.dump"

pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --file="$archive.partial" "$DATABASE_URL"
pg_restore --list "$archive.partial" >/dev/null
mv "$archive.partial" "$archive"

if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
  tar -C "$MEDIA_ROOT" -czf "$directory/starservice-$stamp.media.tar.gz" .
fi
echo "$archive"
