#!/usr/bin/env bash
# Places orders through the JSON API from many concurrent clients on loopback (wrk), with
# stock large enough for the whole run, and prints orders/s, p50/p99 latency and errors.
# Usage: benches/checkout-load.sh [BINARY] [DATABASE_URL]   (needs Debian's wrk, sqlite3 or psql)
# DURATION (10s), CONNECTIONS (32), PIZZERIAS (the five of the seed; one slug puts every
# order on the same stock rows). CAPACITY_LIMITS=true keeps the oven and drivers' limits on
# (each pizzeria's defaults): every order asks for the same time, so most are refused once
# it is full, and the script prints the pizzas booked against the capacity (never more).
# CUSTOM=true orders customised pizzas (sizes, a removal, an extra, a half-and-half).
# Loopback only; stops the server it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:-target/release/oc-pizza}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
bench_setup "${PORT:-18997}" "${2:-}"
"$binary" migrate >/dev/null
bench_restock
bench_start
export WHEN=$(TZ=Europe/Paris date -d "tomorrow 20:00" +%Y-%m-%dT%H:%M)
export PIZZERIAS=${PIZZERIAS:-"paris-bastille paris-vaugirard boulogne montreuil vincennes"}
echo "checkout through the API on ${database_url:-SQLite}, $duration, 2 threads, $connections connections, pizzerias: $PIZZERIAS, capacity limits: ${CAPACITY_LIMITS:-false}, customised lines: ${CUSTOM:-false}"
wrk -t2 -c"$connections" -d"$duration" -s "$here/checkout-load.lua" "http://127.0.0.1:$port/api/v1/orders"
count="SELECT COUNT(*) FROM orders"
written=$(if [ -n "$database_url" ]; then psql -qtA "$database_url" -c "$count"; else sqlite3 "$data_dir/oc-pizza.db" "$count"; fi)
echo "orders written: $written; server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
if [ "${CAPACITY_LIMITS:-false}" = true ]; then
    # Per pizzeria: pizzas booked, the fullest quarter-hour, against the oven's default (12 a
    # quarter-hour, four quarter-hours for one time).
    booked="SELECT p.slug || ' ' || (SELECT COALESCE(SUM(pizzas), 0) FROM oven_bookings b WHERE b.pizzeria_id = p.id)
                || ' ' || (SELECT COALESCE(MAX(n), 0) FROM (SELECT SUM(pizzas) AS n FROM oven_bookings b
                                                            WHERE b.pizzeria_id = p.id GROUP BY quarter) q)
            FROM pizzerias p ORDER BY p.slug"
    over=0
    while read -r slug pizzas fullest; do
        echo "capacity: $slug booked $pizzas pizzas for $WHEN (most: 48), fullest quarter-hour $fullest (oven: 12)"
        [ "$fullest" -le 12 ] && [ "$pizzas" -le 48 ] || over=1
    done < <(if [ -n "$database_url" ]; then psql -qtA "$database_url" -c "$booked"; else sqlite3 "$data_dir/oc-pizza.db" "$booked"; fi)
    if [ "$over" = 1 ]; then echo "CAPACITY CHECK FAILED: more booked than the oven bakes"; exit 1; fi
fi
# Oversell check: every stock row equals its journal, none is negative, and every order took
# from the stock exactly what its lines' recipes need. Customised orders (CUSTOM=true) are
# all the same; what they need was worked out by hand from the seed's recipes: a large reine
# without mushrooms with extra mozzarella takes 1 dough ball, 120 ml of sauce, 165 + 75 g of
# mozzarella and 105 g of ham (466); a large half margherita half reine, the margherita's base
# (1 ball, 120 ml) and half of each topping, rounded up (mozzarella 90 + 83, basil 3, oil 4,
# ham 53, mushrooms 45): 399. 865 units an order.
needed="SELECT l.order_id, SUM(l.quantity * r.quantity) AS q FROM order_lines l
                JOIN recipe_lines r ON r.pizza_id = l.pizza_id GROUP BY l.order_id"
[ "${CUSTOM:-false}" = true ] && needed="SELECT id AS order_id, 865 AS q FROM orders"
journal="WITH taken AS (SELECT order_id, -SUM(delta) AS q FROM stock_movements WHERE kind = 'order' GROUP BY order_id),
     needed AS ($needed),
     journal AS (SELECT pizzeria_id, ingredient_id, SUM(delta) AS q FROM stock_movements GROUP BY pizzeria_id, ingredient_id)
SELECT (SELECT COUNT(*) FROM stock s LEFT JOIN journal j ON j.pizzeria_id = s.pizzeria_id
            AND j.ingredient_id = s.ingredient_id WHERE s.quantity <> COALESCE(j.q, 0))
    || ' ' || (SELECT COUNT(*) FROM stock WHERE quantity < 0)
    || ' ' || (SELECT COUNT(*) FROM orders o LEFT JOIN taken t ON t.order_id = o.id LEFT JOIN needed n ON n.order_id = o.id
               WHERE COALESCE(t.q, 0) <> COALESCE(n.q, 0))"
read -r off_journal negative wrong_orders < <(if [ -n "$database_url" ]; then psql -qtA "$database_url" -c "$journal"; else sqlite3 "$data_dir/oc-pizza.db" "$journal"; fi)
if [ "$off_journal$negative$wrong_orders" = "000" ]; then
    echo "oversell: none (every stock row equals its journal, none negative, every order took what its recipes or its composition need)"
else
    echo "OVERSELL CHECK FAILED: $off_journal stock rows off their journal, $negative negative, $wrong_orders orders with wrong movements"
    exit 1
fi
