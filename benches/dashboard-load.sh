#!/usr/bin/env bash
# Fills a database with 100 000 orders over the last ~90 days (20 000 per pizzeria, a line
# and a `ready` transition each), then times REQUESTS (50) sequential `/manage/dashboard`
# pages of one pizzeria's manager, and the admin's overview of every pizzeria.
# Usage: benches/dashboard-load.sh [BINARY] [DATABASE_URL]   (needs sqlite3 or psql, curl)
# ORDERS (100000). Loopback only; stops the server it starts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
binary=${1:-target/release/oc-pizza}
orders=${ORDERS:-100000}
requests=${REQUESTS:-50}
bench_setup "${PORT:-18995}" "${2:-}"
"$binary" migrate >/dev/null
for who in "manager --pizzeria boulogne --email bench.manager@ocpizza.fr" "admin --email bench.admin@ocpizza.fr"; do
    # shellcheck disable=SC2086
    echo "un tableau de bord rapide" | "$binary" user add --role $who --password-stdin >/dev/null
done
now=$(date +%s)
if [ -n "$database_url" ]; then
    series="generate_series(1, $orders) AS s(n)"
else
    series="(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $orders) SELECT n FROM s) AS s"
fi
echo "filling: $orders orders on ${database_url:-SQLite}"
bench_sql "INSERT INTO orders (reference, pizzeria_id, customer_name, customer_phone, channel, mode, status, payment_method,
        payment_status, delivery_street, delivery_postcode, delivery_city, total_ht_cents, total_vat_cents,
        total_ttc_cents, created_at, updated_at)
     SELECT 'BENCH-' || n, 1 + n % 5, 'Client', '06 00 00 00 00',
            CASE n % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'phone' ELSE 'counter' END,
            CASE n % 2 WHEN 0 THEN 'delivery' ELSE 'takeaway' END,
            CASE WHEN n < 50 THEN 'placed' WHEN n % 2 = 0 THEN 'delivered' ELSE 'collected' END,
            'cash', 'paid', '1 rue du Banc', '92100', 'Boulogne', 1727, 173, 1900, $now - n * 77, $now - n * 77
     FROM $series
     WHERE TRUE;"
bench_sql "INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity)
     SELECT id, 1, 'Margherita', 950, 1000, 2 FROM orders WHERE reference LIKE 'BENCH-%';
     INSERT INTO order_transitions (order_id, from_status, to_status, created_at)
     SELECT id, 'preparing', 'ready', created_at + 600 FROM orders WHERE reference LIKE 'BENCH-%';"
# Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would give a live database.
bench_sql "ANALYZE;"
bench_start
time_pages() { # email, path
    local jar="$data_dir/jar-$1" token
    token=$(curl -fs -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
    curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf_token=$token" --data-urlencode "email=$1" \
        --data-urlencode "password=un tableau de bord rapide" "http://127.0.0.1:$port/login"
    for _ in $(seq "$requests"); do
        curl -fs -o /dev/null -b "$jar" -w '%{time_total}\n' "http://127.0.0.1:$port$2"
    done | sort -n | awk -v what="$2" '{t[NR] = $1 * 1000; s += $1 * 1000}
        END {printf "%s: %d requests, mean %.1f ms, p50 %.1f ms, max %.1f ms\n", what, NR, s / NR, t[int(NR / 2) + 1], t[NR]}'
}
time_pages bench.manager@ocpizza.fr /manage/dashboard
time_pages bench.admin@ocpizza.fr /manage/dashboard
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
