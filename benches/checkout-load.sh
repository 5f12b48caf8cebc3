#!/usr/bin/env bash
# Places orders through the JSON API from many concurrent clients on loopback (wrk), with
# stock large enough for the whole run, and prints orders/s, p50/p99 latency and errors.
# Usage: benches/checkout-load.sh [BINARY] [DATABASE_URL]   (needs Debian's wrk, sqlite3 or psql)
# DURATION (10s), CONNECTIONS (32), PIZZERIAS (the five of the seed; one slug puts every
# order on the same stock rows). Loopback only; stops the server it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-target/release/oc-pizza}
database_url=${2:-}
port=${PORT:-18997}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
data_dir=$(mktemp -d); : > "$data_dir/none.toml"
export ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" ROCKET_PORT="$port" \
    OC_PIZZA_DATA_DIR="$data_dir" OC_PIZZA_CONFIG="$data_dir/none.toml" OC_PIZZA_LOG=warn
[ -n "$database_url" ] && export DATABASE_URL="$database_url"
"$binary" migrate >/dev/null
# Stock for a million pizzas everywhere, written like a restock would be.
restock="INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
    SELECT pizzeria_id, ingredient_id, 100000000, 'restock', 'benchmark' FROM stock;
  UPDATE stock SET quantity = quantity + 100000000;"
if [ -n "$database_url" ]; then psql -q "$database_url" -c "$restock"; else sqlite3 "$data_dir/oc-pizza.db" "$restock"; fi
"$binary" >"$data_dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data_dir"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$data_dir/log"; exit 1; }
    sleep 0.05
done
export WHEN=$(TZ=Europe/Paris date -d "tomorrow 20:00" +%Y-%m-%dT%H:%M)
export PIZZERIAS=${PIZZERIAS:-"paris-bastille paris-vaugirard boulogne montreuil vincennes"}
echo "checkout through the API on ${database_url:-SQLite}, $duration, 2 threads, $connections connections, pizzerias: $PIZZERIAS"
wrk -t2 -c"$connections" -d"$duration" -s "$here/checkout-load.lua" "http://127.0.0.1:$port/api/v1/orders"
count="SELECT COUNT(*) FROM orders"
written=$(if [ -n "$database_url" ]; then psql -qtA "$database_url" -c "$count"; else sqlite3 "$data_dir/oc-pizza.db" "$count"; fi)
echo "orders written: $written; server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
