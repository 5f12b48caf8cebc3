#!/usr/bin/env bash
# Measures, for one binary: time from exec to the first /readyz 200 (first boot on an
# empty database, then a second boot), and resident memory once idle.
# Usage: benches/startup.sh [BINARY] [DATABASE_URL]   (default: SQLite in a temp folder)
# Loopback only; stops the server it starts.
set -euo pipefail
binary=${1:-target/release/oc-pizza}
database_url=${2:-}
port=${PORT:-18999}
secret=$(head -c 32 /dev/urandom | base64)

boot() {
    local data_dir=$1 start end pid
    start=$(date +%s%N)
    env ROCKET_PROFILE=release ROCKET_SECRET_KEY="$secret" ROCKET_PORT="$port" OC_PIZZA_DATA_DIR="$data_dir" \
        OC_PIZZA_CONFIG="$data_dir/none.toml" ${database_url:+DATABASE_URL=$database_url} "$binary" >"$data_dir/log" 2>&1 &
    pid=$!
    until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
        kill -0 "$pid" 2>/dev/null || { cat "$data_dir/log"; exit 1; }
        sleep 0.005
    done
    end=$(date +%s%N)
    echo "  ready after $(( (end - start) / 1000000 )) ms"
    sleep 2
    echo "  idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
    for _ in 1 2 3; do curl -fs -o /dev/null "http://127.0.0.1:$port/pizzerias/montreuil/menu"; done
    echo "  RSS after 3 menu pages: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

data_dir=$(mktemp -d); : > "$data_dir/none.toml"
trap 'rm -rf "$data_dir"' EXIT
echo "first boot (migrations + seed) on ${database_url:-SQLite}:"
boot "$data_dir"
echo "second boot:"
boot "$data_dir"
