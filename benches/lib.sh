# Shared by the benchmark scripts (sourced, not run): a release server on a loopback port
# with a throw-away data folder, its database filled like a restock would, and stopped
# (with anything else listed in $bench_pids) when the script exits.
#   bench_setup PORT [DATABASE_URL]   data folder, environment, refuses a taken port
#   bench_sql SQL                     runs SQL on the bench database (psql or sqlite3)
#   bench_restock                     stock for a million pizzas everywhere, journaled
#   bench_user ROLE EMAIL PASSWORD    a member of staff of Boulogne ("$binary" user add)
#   bench_start                       starts "$binary", waits for /readyz; sets $pid

bench_pids=""

bench_setup() {
    port=$1
    database_url=${2:-}
    data_dir=$(mktemp -d); : > "$data_dir/none.toml"
    # All the load comes from one address: the limits on anonymous orders are switched off
    # (for benchmarks only; they are on by default). So is capacity, unless CAPACITY_LIMITS=true:
    # raw checkout speed puts every order on one evening's time.
    export ROCKET_PROFILE=release ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" ROCKET_PORT="$port" \
        OC_PIZZA_DATA_DIR="$data_dir" OC_PIZZA_CONFIG="$data_dir/none.toml" OC_PIZZA_LOG=warn \
        OC_PIZZA_GUEST_ORDER_LIMITS=false OC_PIZZA_CAPACITY_LIMITS="${CAPACITY_LIMITS:-false}"
    [ -n "$database_url" ] && export DATABASE_URL="$database_url"
    if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then echo "port $port is taken: set PORT" >&2; exit 1; fi
    trap 'bench_stop' EXIT
}

bench_stop() {
    # shellcheck disable=SC2086
    [ -n "$bench_pids" ] && { kill $bench_pids 2>/dev/null; wait $bench_pids 2>/dev/null; }
    rm -rf "$data_dir"
}

bench_sql() {
    if [ -n "$database_url" ]; then psql -q "$database_url" -c "$1"; else sqlite3 "$data_dir/oc-pizza.db" "$1"; fi
}

bench_restock() {
    bench_sql "INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
                   SELECT pizzeria_id, ingredient_id, 100000000, 'restock', 'benchmark' FROM stock;
               UPDATE stock SET quantity = quantity + 100000000;"
}

bench_user() {
    echo "$3" | "$binary" user add --role "$1" --email "$2" --pizzeria boulogne --name "Banc d'essai" \
        --password-stdin >/dev/null
}

bench_start() {
    "$binary" >"$data_dir/log" 2>&1 &
    pid=$!
    bench_pids="$bench_pids $pid"
    until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
        kill -0 "$pid" 2>/dev/null || { cat "$data_dir/log"; exit 1; }
        sleep 0.05
    done
}
