# shellcheck shell=bash
# Helpers sourced by scripts/backup-*.sh and scripts/restore-*.sh (not run on its own).
# Connection URLs carry passwords: these helpers split the password off into the environment
# variable the client tool reads (PGPASSWORD, REDISCLI_AUTH) so it never appears on a command
# line (visible in `ps`) or in anything printed; messages name only host, port and database.

die() {
  echo "error: $*" >&2
  exit 1
}

# Reads the `<backup file> [URL]` arguments every script takes into `file` and `url`, the URL
# defaulting to the environment variable named by $1 (DATABASE_URL, REDIS_URL); answers -h.
# The caller defines `usage`.
read_file_and_url() {
  local url_var="$1" what="$2"
  shift 2
  case "${1:-}" in -h | --help)
    usage
    exit 0
    ;;
  esac
  if [[ $# -lt 1 || $# -gt 2 ]]; then
    usage >&2
    exit 2
  fi
  file="$1"
  url="${2:-${!url_var:-}}"
  [[ -n "$url" ]] || die "no $what URL: pass it as the last argument or set $url_var"
}

# Decodes %XX escapes of a URL part (a password may contain any character).
url_decode() {
  local encoded="${1//+/%2B}"
  printf '%b' "${encoded//%/\\x}"
}

# Human-readable size of a file, and its bytes.
describe_file() {
  local bytes
  bytes=$(wc -c <"$1" | tr -d ' ')
  echo "$(numfmt --to=iec-i --suffix=B "$bytes" 2>/dev/null || echo "${bytes}B") (${bytes} bytes)"
}

# A backup file to read: present, a regular file, readable and not empty.
require_backup_file() {
  local file="$1"
  [[ -e "$file" ]] || die "backup file not found: $file"
  [[ -f "$file" ]] || die "not a regular file: $file"
  [[ -r "$file" ]] || die "backup file is not readable: $file"
  [[ -s "$file" ]] || die "backup file is empty: $file"
}

# A backup file to write: not there yet (a backup never overwrites another), directory writable.
require_new_backup_file() {
  local file="$1" dir
  [[ ! -e "$file" ]] || die "refusing to overwrite an existing file: $file"
  dir=$(dirname -- "$file")
  [[ -d "$dir" && -w "$dir" ]] || die "directory does not exist or is not writable: $dir"
}

# Splits a postgres:// URL: sets PG_URL_NO_PASSWORD (for libpq), PG_PASSWORD and PG_TARGET
# (user@host:port/database, for messages).
parse_postgres_url() {
  local url="$1" re='^(postgres|postgresql)://([^:@/?#]*)(:([^@]*))?@([^/?#]*)(/([^?#]*))?(.*)$'
  local re_no_user='^(postgres|postgresql)://([^@/?#]*)(/([^?#]*))?(.*)$'
  if [[ "$url" =~ $re ]]; then
    PG_URL_NO_PASSWORD="${BASH_REMATCH[1]}://${BASH_REMATCH[2]}@${BASH_REMATCH[5]}${BASH_REMATCH[6]}${BASH_REMATCH[8]}"
    PG_PASSWORD=$(url_decode "${BASH_REMATCH[4]}")
    PG_TARGET="${BASH_REMATCH[2]}@${BASH_REMATCH[5]}/${BASH_REMATCH[7]}"
  elif [[ "$url" =~ $re_no_user ]]; then
    PG_URL_NO_PASSWORD="$url"
    PG_PASSWORD=""
    PG_TARGET="${BASH_REMATCH[2]}/${BASH_REMATCH[4]}"
  else
    die "not a postgres:// or postgresql:// URL (value not shown)"
  fi
  [[ "$PG_TARGET" != */ ]] || die "the database URL names no database ($PG_TARGET)"
  if [[ -n "$PG_PASSWORD" ]]; then export PGPASSWORD="$PG_PASSWORD"; fi
}

# Runs one query with psql on PG_URL_NO_PASSWORD: unaligned, tuples only, stop on error.
psql_query() {
  psql --no-psqlrc --no-password --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 \
    --dbname "$PG_URL_NO_PASSWORD" --command "$1"
}

# Every table outside PostgreSQL's own schemas with its exact row count, one "schema.table rows" a line.
POSTGRES_ROW_COUNTS_SQL="SELECT format('%s.%s %s', table_schema, table_name,
    (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text)
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
  ORDER BY table_schema, table_name"

# Relations (tables, views, sequences, ...) outside PostgreSQL's own schemas: 0 in an empty database.
POSTGRES_RELATION_COUNT_SQL="SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"

# Splits a redis:// or rediss:// URL into the redis-cli arguments REDIS_CLI_ARGS (host, port,
# database, user, TLS), the password into REDISCLI_AUTH, and REDIS_TARGET (host:port/db, for messages).
parse_redis_url() {
  local url="$1" re='^(redis|rediss)://(([^:@/]*)(:([^@/]*))?@)?(\[[^]]+\]|[^:/?#]+)(:([0-9]+))?(/([0-9]*))?([?#].*)?$'
  [[ "$url" =~ $re ]] || die "not a redis:// or rediss:// URL (value not shown)"
  local scheme="${BASH_REMATCH[1]}" user password host="${BASH_REMATCH[6]}" port="${BASH_REMATCH[8]:-6379}" db="${BASH_REMATCH[10]:-0}"
  user=$(url_decode "${BASH_REMATCH[3]}")
  password=$(url_decode "${BASH_REMATCH[5]}")
  host="${host#[}"
  host="${host%]}"
  REDIS_DB="$db"
  REDIS_CLI_ARGS=(-h "$host" -p "$port" -n "$db")
  if [[ "$scheme" == rediss ]]; then REDIS_CLI_ARGS+=(--tls); fi
  if [[ -n "$user" ]]; then REDIS_CLI_ARGS+=(--user "$user"); fi
  if [[ -n "$password" ]]; then export REDISCLI_AUTH="$password"; else unset REDISCLI_AUTH; fi
  REDIS_TARGET="$host:$port/$db"
}
