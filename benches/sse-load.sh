#!/usr/bin/env bash
# Holds SCREENS (5000) kitchen screens open on the server's event stream while ORDERS (100)
# orders are placed through the API, one every INTERVAL_MS (100), and prints the server's
# RSS and the event delay (p50/p99). Usage: benches/sse-load.sh [BINARY] [DATABASE_URL]   (needs sqlite3 or psql)
# The screens connect to the events port (EVENTS_PORT, 18997; the production layout) or, with
# EVENTS_PORT=main, to the main port. Loopback only; stops the server it starts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
binary=${1:-target/release/oc-pizza}
screens=${SCREENS:-5000}
orders=${ORDERS:-100}
interval=${INTERVAL_MS:-100}
# Every stream is a socket on each side.
ulimit -n "$(ulimit -Hn)"
bench_setup "${PORT:-18996}" "${2:-}"
events_port=${EVENTS_PORT:-18997}
streams="http://127.0.0.1:$port"
if [ "$events_port" != main ]; then
    export OC_PIZZA_EVENTS_PORT=$events_port
    streams="http://127.0.0.1:$events_port"
fi
"$binary" migrate >/dev/null
bench_user pizzaiolo bench.kitchen@ocpizza.fr "une cuisine bien chaude"
bench_restock
bench_start
echo "SSE: $screens kitchen screens on $streams, ${database_url:-SQLite}, $orders orders, one every $interval ms"
cargo bench --quiet --bench sse_load -- "http://127.0.0.1:$port" "$pid" bench.kitchen@ocpizza.fr \
    "une cuisine bien chaude" "$screens" "$orders" boulogne "$interval" "$streams"
