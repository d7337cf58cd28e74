#!/usr/bin/env bash
# Restores an RDB snapshot made by scripts/backup-redis.sh into a RUNNING Redis, without
# restarting it: the file is loaded into a throwaway redis-server on a private Unix socket, and
# each key is copied to the target with DUMP / RESTORE, its remaining TTL kept. The target
# (or, with --prefix, its keys under that prefix) must be empty.
set -euo pipefail
# shellcheck source=scripts/backup-lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/backup-lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/restore-redis.sh [--prefix <key-prefix>] <backup-file> [redis-url]

Copies the keys of the backup's logical database N into database N of the target Redis (N
from the URL, default 0). With --prefix (e.g. the service's REDIS_KEY_PREFIX, "haven:") only
keys starting with it are restored, and the target may hold other keys but none under the
prefix; without it the target database must be empty. The Redis URL is the last argument or
the REDIS_URL environment variable. Keys whose TTL ran out since the backup are skipped.
Needs redis-server and redis-cli of the backup's Redis version or newer.
EOF
}

prefix=""
if [[ "${1:-}" == --prefix ]]; then
  [[ $# -ge 2 && -n "$2" ]] || die "--prefix needs a non-empty value"
  prefix="$2"
  shift 2
fi
read_file_and_url REDIS_URL Redis "$@"
command -v redis-cli >/dev/null || die "redis-cli not found (install redis-tools)"
command -v redis-server >/dev/null || die "redis-server not found: the backup is loaded into a throwaway local server"

require_backup_file "$file"
[[ "$(head -c 5 -- "$file")" == REDIS ]] || die "$file is not a Redis RDB file (made by scripts/backup-redis.sh)"

parse_redis_url "$url"
target() { redis-cli "${REDIS_CLI_ARGS[@]}" "$@"; }
[[ "$(target PING 2>&1)" == PONG ]] || die "Redis at $REDIS_TARGET does not answer PING (wrong URL or password?)"
# SCAN MATCH is a glob: the prefix's own *, ?, [, ] and \ must match literally.
pattern="$(sed 's/[][*?\\]/\\&/g' <<<"$prefix")*"
if [[ -n "$prefix" ]]; then
  existing=$(target --scan --pattern "$pattern" | head -n 1)
  [[ -z "$existing" ]] || die "refusing to restore into $REDIS_TARGET: it already holds keys under the prefix '$prefix'"
else
  existing=$(target DBSIZE)
  [[ "$existing" == 0 ]] || die "refusing to restore into $REDIS_TARGET: database $REDIS_DB is not empty ($existing keys); restore into an empty database or use --prefix"
fi

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf -- "$workdir"
}
trap cleanup EXIT
cp -- "$file" "$workdir/backup.rdb"
# Port 0: no TCP listener at all; persistence off, so nothing of it outlives the restore.
redis-server --port 0 --unixsocket "$workdir/redis.sock" --unixsocketperm 700 --dir "$workdir" \
  --dbfilename backup.rdb --save "" --appendonly no --logfile "$workdir/redis.log" &
server_pid=$!
# Never given the loop's input: redis-cli reads a command from a stdin that is not a terminal.
source_cli() { redis-cli -s "$workdir/redis.sock" -n "$REDIS_DB" "$@" </dev/null; }
for _ in $(seq 1 600); do
  [[ "$(source_cli PING 2>/dev/null)" == PONG ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 5 "$workdir/redis.log" >&2 || true
    server_pid=""
    die "redis-server could not load $file (damaged, or written by a newer Redis than $(redis-server --version | awk '{print $3}'))"
  fi
  sleep 0.1
done
[[ "$(source_cli PING 2>/dev/null)" == PONG ]] || die "the throwaway redis-server did not start within 60 s"

restored=0 with_ttl=0 expired=0 total=0
while IFS= read -r key; do
  total=$((total + 1))
  ttl=$(source_cli PTTL "$key")
  # -2: the key's TTL ran out since the backup (it would be gone from the original too).
  if [[ "$ttl" == -2 ]]; then
    expired=$((expired + 1))
    continue
  fi
  if [[ "$ttl" == -1 ]]; then ttl=0; else with_ttl=$((with_ttl + 1)); fi
  source_cli --raw -D "" DUMP "$key" >"$workdir/payload"
  # No REPLACE: a key written meanwhile by someone else is an error, never overwritten.
  answer=$(target -x RESTORE "$key" "$ttl" <"$workdir/payload" 2>&1)
  [[ "$answer" == OK ]] || die "RESTORE of a key failed after $restored keys: $answer (remove what was restored before trying again)"
  restored=$((restored + 1))
done < <(source_cli --scan --pattern "$pattern")

echo "restored $file ($(describe_file "$file")) into Redis at $REDIS_TARGET${prefix:+ under prefix '$prefix'}"
echo "  keys restored: $restored ($with_ttl with a TTL); skipped as expired since the backup: $expired; in the backup: $total"
