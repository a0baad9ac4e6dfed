#!/usr/bin/env bash
# Installs the pinned fixture (npm ci, skipped when node_modules matches the lock), makes a
# throwaway attester key, starts server.mjs on an ephemeral 127.0.0.1 port, waits for its ready
# line, runs smoke.mjs against it and stops the server by pid.
# Exit status: smoke.mjs's (0 all expectations met, 1 some not, 2 could not run), or 3 when the
# fixture could not be installed or started. Every step has a timeout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

READY_TIMEOUT="${READY_TIMEOUT:-20}"     # seconds to wait for the ready line
SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-120}"    # seconds for the whole smoke run
NPM_TIMEOUT="${NPM_TIMEOUT:-300}"

die() { echo "run-smoke.sh: $*" >&2; exit 3; }

# npm ci only when the lock changed since the last successful install.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.abca-lock-sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  timeout "$NPM_TIMEOUT" npm ci --no-audit --no-fund >&2 || die "npm ci failed"
  echo "$lock_hash" > "$stamp"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

timeout 30 node keygen.mjs "$work" || die "key generation failed"

# --ttl: the server exits on its own even if this script is killed before cleanup runs.
node server.mjs --port 0 --attester-jwks "$work/attester-jwks.json" --ttl $((SMOKE_TIMEOUT + READY_TIMEOUT + 30)) \
  > "$work/ready" 2> "$work/server.log" &
server_pid=$!

for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
  [[ -s "$work/ready" ]] && grep -q '}$' "$work/ready" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited before it was ready"; }
  sleep 0.1
done
[[ -s "$work/ready" ]] || { cat "$work/server.log" >&2; die "no ready line within ${READY_TIMEOUT}s"; }
echo "run-smoke.sh: ready: $(head -n1 "$work/ready")" >&2

status=0
timeout "$SMOKE_TIMEOUT" node smoke.mjs --ready-file "$work/ready" \
  --attester-key "$work/attester-private.jwk.json" || status=$?

if [[ $status -ne 0 ]]; then
  echo "run-smoke.sh: smoke.mjs exited $status; server log:" >&2
  cat "$work/server.log" >&2
fi
exit "$status"
