#!/usr/bin/env bash
# Restores a backup made by scripts/backup-db.sh into an EMPTY PostgreSQL database, in one
# transaction: it either restores everything or leaves the target as it was.
set -euo pipefail
# shellcheck source=scripts/backup-lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/backup-lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/restore-db.sh <backup-file> [database-url]

Restores a pg_dump custom-format archive into the database, which must exist and be empty
(no table, view or sequence outside PostgreSQL's own schemas): create it first, e.g.
  createdb haven_restored      (do NOT run the migrations: the archive holds the schema)
The database URL is the second argument or the DATABASE_URL environment variable.
Owners and grants are not restored: the objects belong to the user of the URL.

Wallet keys in the archive open only with the WALLET_ENCRYPTION_KEY (or KMS key) they were
sealed under: start the service on the restored database with that key.
EOF
}

read_file_and_url DATABASE_URL database "$@"
command -v pg_restore >/dev/null || die "pg_restore not found (install postgresql-client)"

require_backup_file "$file"
# Every custom-format archive starts with these five bytes; a plain SQL dump, a tar archive or
# a Redis RDB file does not.
[[ "$(head -c 5 -- "$file")" == PGDMP ]] || die "$file is not a pg_dump custom-format archive (made by scripts/backup-db.sh)"
toc=$(pg_restore --list "$file" 2>/dev/null) || die "$file is damaged: pg_restore cannot read its table of contents"
tables=$(grep -c ' TABLE DATA ' <<<"$toc" || true)

parse_postgres_url "$url"
relations=$(psql_query "$POSTGRES_RELATION_COUNT_SQL") || die "cannot query the target database $PG_TARGET (does it exist?)"
if [[ "$relations" -ne 0 ]]; then
  die "refusing to restore into $PG_TARGET: it is not empty ($relations tables, views or sequences). Restore into a new, empty database (not migrated)."
fi

echo "restoring $file ($(describe_file "$file"), $tables tables) into $PG_TARGET"
pg_restore --no-password --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname "$PG_URL_NO_PASSWORD" "$file"

echo "restored $file into $PG_TARGET; rows per table:"
psql_query "$POSTGRES_ROW_COUNTS_SQL" | awk '{ printf "  %-40s %s\n", $1, $2 }'
