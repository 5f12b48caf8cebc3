#!/usr/bin/env bash
# Measures how long a login takes end to end (argon2id verification included), for a good
# password, a wrong one and an unknown e-mail address (which should take as long).
# Usage: benches/login.sh [BINARY] [DATABASE_URL]   (default: SQLite in a temp folder)
# Loopback only; stops the server it starts. Throttling is relaxed for the measure.
set -euo pipefail
binary=${1:-target/release/oc-pizza}
database_url=${2:-}
rounds=${ROUNDS:-20}
port=${PORT:-18998}
secret=$(head -c 32 /dev/urandom | base64)
data_dir=$(mktemp -d); : > "$data_dir/none.toml"
export ROCKET_PROFILE=release ROCKET_SECRET_KEY="$secret" ROCKET_PORT="$port" OC_PIZZA_DATA_DIR="$data_dir" \
    OC_PIZZA_CONFIG="$data_dir/none.toml" OC_PIZZA_LOGIN_MAX_FAILURES=100000 \
    OC_PIZZA_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 OC_PIZZA_LOGIN_MAX_FAILURES_PER_ACCOUNT=100000 \
    OC_PIZZA_LOGIN_SLOWDOWN_MS=0
[ -n "$database_url" ] && export DATABASE_URL="$database_url"
email="bench-$(date +%s)@ocpizza.fr"
password="une longue phrase de passe pour le banc"
printf '%s\n' "$password" | "$binary" user add --role admin --email "$email" --password-stdin >/dev/null
"$binary" >"$data_dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data_dir"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$data_dir/log"; exit 1; }
    sleep 0.01
done
jar="$data_dir/jar"
measure() {
    local label=$1 login=$2 secret=$3 total=0 t token
    for _ in $(seq "$rounds"); do
        rm -f "$jar"
        token=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
        t=$(curl -s -o /dev/null -c "$jar" -b "$jar" -w '%{time_total}' --data-urlencode "csrf_token=$token" \
            --data-urlencode "email=$login" --data-urlencode "password=$secret" "http://127.0.0.1:$port/login")
        total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
    done
    awk -v total="$total" -v n="$rounds" -v label="$label" 'BEGIN { printf "  %-22s %6.1f ms per login (mean of %d)\n", label, total / n * 1000, n }'
}
echo "login on ${database_url:-SQLite}, $(nproc) cores:"
measure "right password" "$email" "$password"
measure "wrong password" "$email" "pas le bon mot de passe"
measure "unknown e-mail" "nobody-$RANDOM@ocpizza.fr" "pas le bon mot de passe"
