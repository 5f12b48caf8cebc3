#!/usr/bin/env bash
# The busiest public page, the menu with live availability, against the machine's ceiling: a
# release server and a bare hyper server serving the same bytes (benches/menu_ceiling.rs),
# each under wrk on loopback with 64 connections, in the same run. Prints req/s, p50 and p99
# of both, the ratio, and the server's RSS. The requests carry the cookies of a returning
# visitor (a first visit also creates their CSRF cookie).
# Usage: benches/menu-load.sh [BINARY] [DATABASE_URL]   (needs Debian's wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/oc-pizza}
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}
ceiling_port=$(( ${PORT:-18998} + 1 ))
# shellcheck source=benches/lib.sh
. benches/lib.sh
bench_setup "${PORT:-18998}" "${2:-}"
command -v wrk >/dev/null || { echo "install Debian's wrk (apt-get install wrk)" >&2; exit 1; }
bench_start
page="http://127.0.0.1:$port/pizzerias/montreuil/menu"
cookie=$(curl -s -o /dev/null -c - "$page" | sed 's/^#HttpOnly_//' | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}')
ceiling=$(cargo bench --no-run --bench menu_ceiling 2>&1 | sed -n 's/.*Executable .*(\(.*menu_ceiling-[^)]*\)).*/\1/p' | tail -n 1)
[ -x "$ceiling" ] || { echo "could not build benches/menu_ceiling.rs" >&2; exit 1; }
"$ceiling" "$page" "$ceiling_port" 2>"$data_dir/ceiling.log" &
ceiling_pid=$!
bench_pids="$bench_pids $ceiling_pid"
until curl -fs -o /dev/null "http://127.0.0.1:$ceiling_port/"; do
    kill -0 "$ceiling_pid" 2>/dev/null || { cat "$data_dir/ceiling.log"; exit 1; }
    sleep 0.2
done

load() { # URL → "req/s p50 p99" (ms)
    wrk -t2 -c"$connections" -d"$duration" --latency -H "Cookie: $cookie" "$1" | awk '
        /Requests\/sec/ {rps = $2}
        /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
        /Non-2xx/ {bad = $NF}
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        END { printf "%s %.2f %.2f %s\n", rps, ms(p50), ms(p99), (bad == "" ? 0 : bad) }'
}
curl -fs -o /dev/null -H "Cookie: $cookie" "$page"   # warm the cache
read -r app_rps app_p50 app_p99 app_bad < <(load "$page")
read -r top_rps top_p50 top_p99 _ < <(load "http://127.0.0.1:$ceiling_port/pizzerias/montreuil/menu")
echo "menu page on ${database_url:-SQLite}, $duration, $connections connections:"
printf "  oc-pizza        %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (non-2xx: %s)\n" "$app_rps" "$app_p50" "$app_p99" "$app_bad"
printf "  bare hyper      %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n" "$top_rps" "$top_p50" "$top_p99"
awk -v a="$app_rps" -v t="$top_rps" 'BEGIN { printf "  ratio           %9.1f %% of the ceiling (target ≥ 40 %%, p99 ≤ 10 ms)\n", 100 * a / t }'
echo "  server RSS after the load: $(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
