#!/usr/bin/env bash
# Holds SCREENS (5000) kitchen screens open on the server's event stream while ORDERS (100)
# orders are placed through the API, one every INTERVAL_MS (100), and prints the server's
# RSS and the event delay (p50/p99). Usage: benches/sse-load.sh [BINARY] [DATABASE_URL]   (needs sqlite3 or psql)
# Loopback only; stops the server it starts.
set -euo pipefail
binary=${1:-target/release/oc-pizza}
database_url=${2:-}
port=${PORT:-18996}
screens=${SCREENS:-5000}
orders=${ORDERS:-100}
interval=${INTERVAL_MS:-100}
data_dir=$(mktemp -d); : > "$data_dir/none.toml"
# Every stream is a socket on each side.
ulimit -n "$(ulimit -Hn)"
export ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" ROCKET_PORT="$port" \
    OC_PIZZA_DATA_DIR="$data_dir" OC_PIZZA_CONFIG="$data_dir/none.toml" OC_PIZZA_LOG=warn
[ -n "$database_url" ] && export DATABASE_URL="$database_url"
if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then echo "port $port is taken: set PORT" >&2; exit 1; fi
"$binary" migrate >/dev/null
echo "une cuisine bien chaude" | "$binary" user add --role pizzaiolo --email bench.kitchen@ocpizza.fr \
    --pizzeria boulogne --name "Banc d'essai" --password-stdin >/dev/null
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
echo "SSE: $screens kitchen screens on ${database_url:-SQLite}, $orders orders, one every $interval ms"
cargo bench --quiet --bench sse_load -- "http://127.0.0.1:$port" "$pid" bench.kitchen@ocpizza.fr \
    "une cuisine bien chaude" "$screens" "$orders" boulogne "$interval"
