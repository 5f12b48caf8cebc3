#!/usr/bin/env bash
# Places orders through the JSON API from many concurrent clients on loopback (wrk), with
# stock large enough for the whole run, and prints orders/s, p50/p99 latency and errors.
# Usage: benches/checkout-load.sh [BINARY] [DATABASE_URL]   (needs Debian's wrk, sqlite3 or psql)
# DURATION (10s), CONNECTIONS (32), PIZZERIAS (the five of the seed; one slug puts every
# order on the same stock rows). Loopback only; stops the server it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:-target/release/oc-pizza}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
bench_setup "${PORT:-18997}" "${2:-}"
"$binary" migrate >/dev/null
bench_restock
bench_start
export WHEN=$(TZ=Europe/Paris date -d "tomorrow 20:00" +%Y-%m-%dT%H:%M)
export PIZZERIAS=${PIZZERIAS:-"paris-bastille paris-vaugirard boulogne montreuil vincennes"}
echo "checkout through the API on ${database_url:-SQLite}, $duration, 2 threads, $connections connections, pizzerias: $PIZZERIAS"
wrk -t2 -c"$connections" -d"$duration" -s "$here/checkout-load.lua" "http://127.0.0.1:$port/api/v1/orders"
count="SELECT COUNT(*) FROM orders"
written=$(if [ -n "$database_url" ]; then psql -qtA "$database_url" -c "$count"; else sqlite3 "$data_dir/oc-pizza.db" "$count"; fi)
echo "orders written: $written; server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
