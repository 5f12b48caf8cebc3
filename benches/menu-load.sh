#!/usr/bin/env bash
# Load on the busiest public page, the menu with live availability: wrk on loopback for a
# bounded time against a release binary. Prints wrk's figures and the server's RSS after.
# Usage: benches/menu-load.sh [BINARY] [DATABASE_URL]   (needs Debian's wrk)
set -euo pipefail
binary=${1:-target/release/oc-pizza}
database_url=${2:-}
port=${PORT:-18998}
duration=${DURATION:-10s}

data_dir=$(mktemp -d)
: > "$data_dir/none.toml"
env ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" ROCKET_PORT="$port" \
    OC_PIZZA_DATA_DIR="$data_dir" OC_PIZZA_CONFIG="$data_dir/none.toml" OC_PIZZA_LOG=warn \
    ${database_url:+DATABASE_URL=$database_url} "$binary" >"$data_dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data_dir"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$data_dir/log"; exit 1; }
    sleep 0.05
done
echo "menu page on ${database_url:-SQLite}, $duration, 2 threads, 16 connections:"
wrk -t2 -c16 -d"$duration" --latency "http://127.0.0.1:$port/pizzerias/montreuil/menu" | grep -E "Requests/sec|Latency|50%|99%|requests in|Non-2xx"
echo "server RSS after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
