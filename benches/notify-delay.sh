#!/usr/bin/env bash
# The delay from an order's transition to the SMTP server's acceptance of its e-mail:
# starts a real SMTP server (aiosmtpd, tests/support/smtp_sink.py) and the application on
# loopback, places ORDERS (200) guest orders one every INTERVAL_MS (50) and prints p50/p99.
# Usage: benches/notify-delay.sh [BINARY] [DATABASE_URL]   (needs python3 with aiosmtpd,
# and sqlite3 or psql). Loopback only; stops what it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
binary=${1:-target/release/oc-pizza}
smtp_port=${SMTP_PORT:-18998}
orders=${ORDERS:-200}
interval=${INTERVAL_MS:-50}
bench_setup "${PORT:-18997}" "${2:-}"
export OC_PIZZA_SMTP_HOST=127.0.0.1 OC_PIZZA_SMTP_PORT="$smtp_port" OC_PIZZA_SMTP_SECURITY=none
mkdir "$data_dir/mail"
python3 "$here/../tests/support/smtp_sink.py" "$smtp_port" "$data_dir/mail" >/dev/null &
bench_pids="$!"
"$binary" migrate >/dev/null
bench_restock
bench_start
echo "notifications: $orders orders on ${database_url:-SQLite}, one every $interval ms, SMTP on loopback"
cargo bench --quiet --bench notify_delay -- "http://127.0.0.1:$port" "$data_dir/mail" "$orders" "$interval"
