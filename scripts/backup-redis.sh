#!/usr/bin/env bash
# Snapshots Redis (coordination state: nonce counters, breakers, locks, rate limits) into an
# RDB file with `redis-cli --rdb`, the same point-in-time file Redis writes for BGSAVE, and
# checks it with redis-check-rdb. Restore it with scripts/restore-redis.sh.
set -euo pipefail
# shellcheck source=scripts/backup-lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/backup-lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/backup-redis.sh <backup-file> [redis-url]

Writes an RDB snapshot of the whole Redis server (every logical database) to <backup-file>
(which must not exist). The Redis URL is the second argument or the REDIS_URL environment
variable. The server must allow replication commands (SYNC): on managed Redis that does not,
use the provider's snapshots instead (docs/operations/backup.md).
EOF
}

read_file_and_url REDIS_URL Redis "$@"
command -v redis-cli >/dev/null || die "redis-cli not found (install redis-tools)"

parse_redis_url "$url"
require_new_backup_file "$file"
[[ "$(redis-cli "${REDIS_CLI_ARGS[@]}" PING 2>&1)" == PONG ]] || die "Redis at $REDIS_TARGET does not answer PING (wrong URL or password?)"
keyspace=$(redis-cli "${REDIS_CLI_ARGS[@]}" INFO keyspace | tr -d '\r' | grep '^db' || true)

partial="$file.partial"
trap 'rm -f -- "$partial"' EXIT
# Its progress lines go to stderr; shown only when the transfer fails.
if ! transfer=$(redis-cli "${REDIS_CLI_ARGS[@]}" --rdb "$partial" 2>&1); then
  echo "$transfer" >&2
  die "the snapshot transfer from $REDIS_TARGET failed (does the server allow SYNC?)"
fi
if command -v redis-check-rdb >/dev/null; then
  redis-check-rdb "$partial" >/dev/null || die "the snapshot from $REDIS_TARGET failed redis-check-rdb; not kept"
fi
mv -- "$partial" "$file"
trap - EXIT

echo "backed up Redis at $REDIS_TARGET to $file"
echo "  size: $(describe_file "$file") (RDB, checked with redis-check-rdb)"
echo "  keys at the time of the snapshot:"
if [[ -n "$keyspace" ]]; then
  # db0:keys=12,expires=3,avg_ttl=... -> db0: 12 keys, 3 with a TTL
  sed -E 's/^(db[0-9]+):keys=([0-9]+),expires=([0-9]+).*/    \1: \2 keys, \3 with a TTL/' <<<"$keyspace"
else
  echo "    none"
fi
