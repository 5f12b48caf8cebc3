#!/usr/bin/env bash
# Backup, verification and restore of a database with ORDERS orders (100 000 by default, with
# two lines, a transition and the stock movements of each), on SQLite or PostgreSQL, with a
# release binary. Prints the durations (goal: backup + verification ≤ 60 s) and the sizes.
# With s3s-fs installed, the backup also goes to a loopback S3 server in 5 MiB parts
# (multipart upload).
# Usage: benches/backup.sh [BINARY] [POSTGRES_ADMIN_URL]   (needs sqlite3, or psql)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/oc-pizza}
admin_url=${2:-}
orders=${ORDERS:-100000}
. benches/lib.sh

# Named here, not recorded by new_database: it runs in a $( ) subshell.
databases="oc_pizza_bench_$$_source oc_pizza_bench_$$_target"
cleanup() {
    if [ -n "$admin_url" ]; then
        for name in $databases; do psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; done
    fi
    [ -n "${s3_pid:-}" ] && kill "$s3_pid" 2>/dev/null
    bench_stop
}
new_database() {
    local name="oc_pizza_bench_$$_$1"
    psql -q "$admin_url" -c "CREATE DATABASE $name" >/dev/null
    echo "${admin_url%/*}/$name"
}

source_url=""
[ -n "$admin_url" ] && source_url=$(new_database source)
bench_setup "${PORT:-18997}" "$source_url"
trap cleanup EXIT
backups="$data_dir/backups"
export OC_PIZZA_BACKUP_DIR="$backups" OC_PIZZA_LOG=error
"$binary" migrate >/dev/null

if [ -n "$admin_url" ]; then
    numbers="generate_series(1, $orders) AS n(i)"; reference="'B' || lpad(i::text, 7, '0')"; prefix=""
else
    numbers="n"; reference="'B' || printf('%07d', i)"
    prefix="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $orders)"
fi
started=$(date +%s.%N)
bench_sql "$prefix
    INSERT INTO orders (reference, pizzeria_id, customer_name, customer_phone, customer_email, channel, mode,
                        status, payment_method, payment_status, total_ht_cents, total_vat_cents, total_ttc_cents,
                        created_at, updated_at)
    SELECT $reference, (SELECT MIN(id) FROM pizzerias) + i % 5, 'Client ' || i, '06 11 22 33 44',
           'client' || i || '@exemple.fr', 'web', 'takeaway', 'collected', 'cash', 'paid', 1910, 190, 2100,
           1700000000 + i * 60, 1700000000 + i * 60
    FROM $numbers;
    INSERT INTO order_lines (order_id, pizza_id, pizza_name, unit_price_cents, vat_rate_bp, quantity)
    SELECT o.id, p.id, p.name, p.price_cents, p.vat_rate_bp, 1 FROM orders o
    JOIN pizzas p ON p.slug IN ('margherita', 'reine') WHERE o.reference LIKE 'B%';
    INSERT INTO order_transitions (order_id, from_status, to_status, created_at)
    SELECT id, NULL, 'placed', created_at FROM orders WHERE reference LIKE 'B%';
    INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, order_id, created_at)
    SELECT o.pizzeria_id, r.ingredient_id, -r.quantity * l.quantity, 'order', o.id, o.created_at
    FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN recipe_lines r ON r.pizza_id = l.pizza_id
    WHERE o.reference LIKE 'B%';
    INSERT INTO stock_movements (pizzeria_id, ingredient_id, delta, kind, note)
    SELECT pizzeria_id, ingredient_id, 1000000000, 'restock', 'benchmark' FROM stock;
    UPDATE stock SET quantity = (SELECT SUM(delta) FROM stock_movements m
                                 WHERE m.pizzeria_id = stock.pizzeria_id AND m.ingredient_id = stock.ingredient_id);" >/dev/null
[ -n "$admin_url" ] && psql -q "$source_url" -c "VACUUM ANALYZE" >/dev/null
printf 'filled %s orders in %.1f s\n' "$orders" "$(echo "$(date +%s.%N) - $started" | bc)"
bench_sql "SELECT 'rows: ' || (SELECT COUNT(*) FROM orders) || ' orders, ' || (SELECT COUNT(*) FROM order_lines)
           || ' lines, ' || (SELECT COUNT(*) FROM stock_movements) || ' stock movements'" | grep rows

backend=SQLite; [ -n "$admin_url" ] && backend=PostgreSQL
echo "backup to a folder ($backend):"
/usr/bin/time -f '  wall %e s, max RSS %M KiB' "$binary" backup run
key=$(ls "$backups" | sort | tail -n 1)
du -b "$backups/$key"/* | awk '{printf "  %-60s %8.1f MiB\n", $2, $1 / 1048576}'
if [ -n "$admin_url" ]; then
    echo "  (live database: $(psql -Atq "$source_url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))"))"
else
    echo "  (live database: $(du -h "$data_dir/oc-pizza.db" | cut -f1))"
fi

echo "restore into an empty database:"
if [ -n "$admin_url" ]; then target=$(new_database target); else target="sqlite://$data_dir/restored.db?mode=rwc"; fi
/usr/bin/time -f '  wall %e s, max RSS %M KiB' env DATABASE_URL="$target" "$binary" restore "$backups/$key" | sed 's/^/  /'

s3s=$(command -v s3s-fs || echo "${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs")
if [ -x "$s3s" ]; then
    s3_port=$((${PORT:-18997} + 1))
    mkdir -p "$data_dir/s3/bench"
    "$s3s" --host 127.0.0.1 --port "$s3_port" --access-key BENCHKEY --secret-key benchsecret "$data_dir/s3" >/dev/null 2>&1 &
    s3_pid=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; do sleep 0.05; done
    echo "backup to S3 on loopback (s3s-fs, 5 MiB parts):"
    /usr/bin/time -f '  wall %e s, max RSS %M KiB' env OC_PIZZA_BACKUP_STORAGE=s3 \
        OC_PIZZA_BACKUP_S3_ENDPOINT="http://127.0.0.1:$s3_port" OC_PIZZA_BACKUP_S3_BUCKET=bench \
        OC_PIZZA_BACKUP_S3_ACCESS_KEY=BENCHKEY OC_PIZZA_BACKUP_S3_SECRET_KEY=benchsecret \
        OC_PIZZA_BACKUP_PART_SIZE_MIB=5 "$binary" backup run | sed 's/^/  /'
fi
