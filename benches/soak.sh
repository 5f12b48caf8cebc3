#!/usr/bin/env bash
# Soak: SOAK_SECONDS (600) of mixed traffic — MENUS_PER_S (200) menu pages over the five
# pizzerias, ORDERS_PER_S (20) orders through the API at one pizzeria, each moved by its
# manager to preparing, ready and collected, SCREENS (200) kitchen event streams — with the
# server's RSS sampled every 10 s; prints the curve and the growth after a minute's warm-up.
# Usage: benches/soak.sh [BINARY] [DATABASE_URL]   (needs sqlite3 or psql)
# Loopback only; stops the server it starts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
binary=${1:-target/release/oc-pizza}
ulimit -n "$(ulimit -Hn)"
bench_setup "${PORT:-18995}" "${2:-}"
"$binary" migrate >/dev/null
bench_user manager bench.soak@ocpizza.fr "un service sans fin"
bench_restock
bench_start
echo "server: $binary on ${database_url:-SQLite}, pid $pid"
cargo bench --quiet --bench soak -- "http://127.0.0.1:$port" "$pid" bench.soak@ocpizza.fr "un service sans fin" \
    boulogne "${SOAK_SECONDS:-600}" "${ORDERS_PER_S:-20}" "${MENUS_PER_S:-200}" "${SCREENS:-200}"
