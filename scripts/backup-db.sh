#!/usr/bin/env bash
# Backs up the service's PostgreSQL database (the record: transactions, wallets, audit trail,
# alerts) to one pg_dump custom-format archive. Restore it with scripts/restore-db.sh.
set -euo pipefail
# shellcheck source=scripts/backup-lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/backup-lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/backup-db.sh <backup-file> [database-url]

Writes a pg_dump custom-format archive of the database to <backup-file> (which must not exist).
The database URL is the second argument or, better (it stays out of shell history), the
DATABASE_URL environment variable. Needs pg_dump of the server's major version or newer.

The archive holds wallet keys sealed under WALLET_ENCRYPTION_KEY (or KMS): store it apart
from that key (docs/operations/backup.md).
EOF
}

read_file_and_url DATABASE_URL database "$@"
command -v pg_dump >/dev/null || die "pg_dump not found (install postgresql-client)"

parse_postgres_url "$url"
require_new_backup_file "$file"
relations=$(psql_query "$POSTGRES_RELATION_COUNT_SQL") || die "cannot query the database $PG_TARGET"
[[ "$relations" -gt 0 ]] || die "the database $PG_TARGET is empty: nothing to back up (wrong URL?)"

# Written beside the target name, then renamed: a failed dump never leaves a file that looks complete.
partial="$file.partial"
trap 'rm -f -- "$partial"' EXIT
pg_dump --format=custom --compress=6 --no-password --dbname "$PG_URL_NO_PASSWORD" --file "$partial"
mv -- "$partial" "$file"
trap - EXIT

toc=$(pg_restore --list "$file") || die "pg_restore cannot read the archive just written: $file"
tables=$(grep -c ' TABLE DATA ' <<<"$toc" || true)
echo "backed up $PG_TARGET to $file"
echo "  size:   $(describe_file "$file")"
echo "  tables: $tables (pg_dump custom format, $(pg_dump --version | awk '{print $3}'))"
