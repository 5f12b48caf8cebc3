#!/usr/bin/env bash
# Proves the Debian package from build to purge, on this machine (as root: it installs the
# package, then purges it):
#   1. the static musl binary and the .deb (cargo-deb), lintian with no error;
#   2. dpkg -i: files, owners and modes, the system user, the generated secret;
#   3. the installed binary, run as the service user on a fresh database, answers /readyz;
#   4. systemd-analyze verify on the installed unit, and its security score (≤ 3.0);
#   5. upgrade to a second package (higher version, one more migration): data, secret and
#      local configuration survive, the migration runs;
#   6. dpkg --remove keeps data and configuration; dpkg --purge removes them and the user;
#   7. the static binary serves /readyz in a Debian 11 (bullseye, glibc 2.31 like Ubuntu
#      20.04) root made with debootstrap (kept in ~/.cache between runs).
# Installs what it needs when missing: lintian, musl-tools, debootstrap, systemd
# (systemd-analyze) from Debian's packages, the musl target with rustup, cargo-deb from
# crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
target=x86_64-unknown-linux-musl
port=${CHECK_DEB_PORT:-18990}
events_port=$((port + 1))
bullseye="${BULLSEYE_ROOT:-$HOME/.cache/oc-pizza-bullseye}"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "check-deb: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "check-deb: run as root (it installs and purges the package)" >&2; exit 1; }

expect_mode() { # path mode owner:group
    local found
    found=$(stat -c '%a %U:%G' "$1") || fail "$1 is missing"
    [ "$found" = "$2 $3" ] || fail "$1 is $found, expected $2 $3"
    echo "ok  $1  $found"
}

server_pid=""
scratch=$(mktemp -d)
cleanup() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }
    if dpkg-query -W -f='${Status}' oc-pizza 2>/dev/null | grep -q "install ok\|deinstall"; then
        dpkg --purge oc-pizza >/dev/null 2>&1 || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT

# Serves the installed binary as the service user, as the unit would, until /readyz says 200.
serve_installed() {
    local log=$1
    touch "$log"
    chown oc-pizza "$log"
    if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then fail "port $port is taken: set CHECK_DEB_PORT"; fi
    # setpriv executes (no child left behind when the process is stopped): the PID is the server's.
    setpriv --reuid=oc-pizza --regid=oc-pizza --init-groups -- sh -c "cd /var/lib/oc-pizza && exec env -i \
        PATH=/usr/bin:/bin \$(grep -v '^#' /etc/oc-pizza/environment) ROCKET_PROFILE=release \
        OC_PIZZA_DATA_DIR=/var/lib/oc-pizza ROCKET_PORT=$port OC_PIZZA_EVENTS_PORT=$events_port \
        OC_PIZZA_BACKUP_SCHEDULE=off /usr/bin/oc-pizza serve" \
        >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && { echo "ok  /readyz 200 (installed binary, user oc-pizza)"; return 0; }
        kill -0 "$server_pid" 2>/dev/null || { cat "$log"; fail "the installed binary exited"; }
        sleep 0.1
    done
    cat "$log"; fail "no /readyz 200 within 10 s"
}

stop_installed() {
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    ! curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" || fail "the server did not stop"
}

step "tools"
need_apt=()
command -v lintian >/dev/null || need_apt+=(lintian)
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
command -v curl >/dev/null || need_apt+=(curl)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v file >/dev/null || need_apt+=(file)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "installing ${need_apt[*]} from Debian's packages"
    apt-get update -qq
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
if dpkg-query -W oc-pizza >/dev/null 2>&1; then
    fail "oc-pizza is already installed on this machine: this check installs and purges it; run it elsewhere"
fi

step "1. static binary and package"
started=$(date +%s)
cargo deb --locked --target "$target" --output "$scratch/v1.deb" | tail -n 1
echo "built in $(( $(date +%s) - started )) s"
binary="$CARGO_TARGET_DIR/$target/release/oc-pizza"
cp "$binary" "$scratch/oc-pizza"
file "$scratch/oc-pizza" | grep -qE "statically linked|static-pie linked" || fail "the binary is not static: $(file "$scratch/oc-pizza")"
echo "binary: $(du -h "$scratch/oc-pizza" | cut -f1) ($(stat -c %s "$scratch/oc-pizza") bytes), static"
echo ".deb:   $(du -h "$scratch/v1.deb" | cut -f1) ($(stat -c %s "$scratch/v1.deb") bytes)"
dpkg-deb --info "$scratch/v1.deb" | grep -E "Version|Depends|Recommends"

step "lintian"
lintian --fail-on error --info "$scratch/v1.deb" || fail "lintian reports errors"
echo "ok  lintian: no error"

step "2. dpkg -i"
dpkg -i "$scratch/v1.deb"
expect_mode /usr/bin/oc-pizza 755 root:root
expect_mode /usr/lib/systemd/system/oc-pizza.service 644 root:root
expect_mode /etc/oc-pizza/oc-pizza.toml 640 root:oc-pizza
expect_mode /etc/oc-pizza/environment 640 root:oc-pizza
expect_mode /var/lib/oc-pizza 750 oc-pizza:oc-pizza
expect_mode /usr/share/doc/oc-pizza/exploitation.md 644 root:root
getent passwd oc-pizza | grep -q ':/var/lib/oc-pizza:/usr/sbin/nologin$' || fail "user oc-pizza: $(getent passwd oc-pizza)"
[ "$(id -u oc-pizza)" -lt 1000 ] || fail "oc-pizza is not a system user"
echo "ok  system user $(getent passwd oc-pizza)"
secret=$(grep '^ROCKET_SECRET_KEY=' /etc/oc-pizza/environment | cut -d= -f2-)
[ "$(printf '%s' "$secret" | base64 -d 2>/dev/null | wc -c)" = 32 ] || fail "no 32-byte secret in /etc/oc-pizza/environment"
echo "ok  a secret of 32 random bytes was generated"
echo "installed: /usr/bin/oc-pizza $(stat -c %s /usr/bin/oc-pizza) bytes; package $(dpkg-query -W -f='${Installed-Size}' oc-pizza) KiB installed"

step "3. the installed binary as the service user"
serve_installed "$scratch/v1.log"
# The packaged configuration opens the events port (Nginx sends /events there).
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$events_port/kitchen/events")
[ "$code" = 401 ] || fail "the events port answers $code to an anonymous /kitchen/events (expected 401)"
echo "ok  events port: an anonymous /kitchen/events is refused (401)"
printf 'un-mot-de-passe-solide\n' | runuser -u oc-pizza -- sh -c "cd /var/lib/oc-pizza && env \
    \$(grep -v '^#' /etc/oc-pizza/environment) ROCKET_PROFILE=release OC_PIZZA_DATA_DIR=/var/lib/oc-pizza \
    /usr/bin/oc-pizza user add --role admin --email admin@check-deb.fr --password-stdin" | head -n 1
stop_installed

step "4. systemd-analyze"
systemd-analyze verify /usr/lib/systemd/system/oc-pizza.service || fail "systemd-analyze verify"
echo "ok  systemd-analyze verify"
score=$(systemd-analyze security --offline=true /usr/lib/systemd/system/oc-pizza.service 2>&1 \
    | sed -n 's/.*Overall exposure level for oc-pizza.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no security score"
awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || fail "security exposure $score > 3.0"
echo "ok  systemd-analyze security: $score (≤ 3.0)"

step "5. upgrade: a higher version (0.1.1) with one more migration"
sh -c 'printf "\n# local change kept across upgrades\n" >> /etc/oc-pizza/oc-pizza.toml'
copy="$scratch/source"
mkdir -p "$copy"
tar --exclude=./target --exclude=./.git -cf - . | tar -xf - -C "$copy"
# Another version is another build in the shared target folder: nothing of it replaces the
# artefacts of the real one.
sed -i '0,/^version = "0.1.0"/s//version = "0.1.1"/' "$copy/Cargo.toml"
sed -i '/^name = "oc-pizza"$/{n;s/^version = "0.1.0"$/version = "0.1.1"/}' "$copy/Cargo.lock"
for backend in sqlite postgres; do
    printf -- '-- Added by packaging/check-deb.sh to prove that upgrades migrate.\nCREATE TABLE check_deb_upgrade (id BIGINT PRIMARY KEY);\n' \
        > "$copy/migrations/$backend/29991231000001_check_deb_upgrade.sql"
done
started=$(date +%s)
(cd "$copy" && cargo deb --locked --target "$target" --output "$scratch/v2.deb" | tail -n 1)
echo "built in $(( $(date +%s) - started )) s"
dpkg -i "$scratch/v2.deb"
dpkg-query -W -f='${Version}\n' oc-pizza | grep -qx 0.1.1-1 || fail "the upgrade is not installed"
/usr/bin/oc-pizza --version | grep -q "0.1.1" || fail "the upgraded binary says $(/usr/bin/oc-pizza --version)"
[ "$(grep '^ROCKET_SECRET_KEY=' /etc/oc-pizza/environment | cut -d= -f2-)" = "$secret" ] || fail "the secret changed"
echo "ok  the secret survived"
grep -q "local change kept across upgrades" /etc/oc-pizza/oc-pizza.toml || fail "the local configuration was lost"
echo "ok  the local configuration survived"
serve_installed "$scratch/v2.log"
stop_installed
db=/var/lib/oc-pizza/oc-pizza.db
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM users WHERE email = 'admin@check-deb.fr'")" = 1 ] || fail "the data did not survive"
echo "ok  the data survived (the admin created before the upgrade)"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 29991231000001 AND success")" = 1 ] \
    || fail "the new migration did not run"
sqlite3 "$db" "SELECT COUNT(*) FROM check_deb_upgrade" >/dev/null || fail "the new table is missing"
echo "ok  the new migration ran"

step "6. remove, then purge"
dpkg --remove oc-pizza
[ ! -e /usr/bin/oc-pizza ] || fail "the binary is still there after --remove"
[ -f "$db" ] && test -f /etc/oc-pizza/environment && getent passwd oc-pizza >/dev/null \
    || fail "--remove must keep the data, the configuration and the user"
echo "ok  dpkg --remove kept the data, the configuration and the user"
dpkg --purge oc-pizza
[ ! -e /etc/oc-pizza ] || fail "/etc/oc-pizza is still there after --purge: $(ls -la /etc/oc-pizza)"
[ ! -e /var/lib/oc-pizza ] || fail "/var/lib/oc-pizza is still there after --purge"
! getent passwd oc-pizza >/dev/null || fail "the user oc-pizza is still there after --purge"
echo "ok  dpkg --purge removed the configuration, the data and the user"

step "7. the static binary in Debian 11 (bullseye)"
if [ ! -x "$bullseye/bin/sh" ]; then
    started=$(date +%s)
    debootstrap --variant=minbase bullseye "$bullseye" http://deb.debian.org/debian >/dev/null
    echo "debootstrap in $(( $(date +%s) - started )) s"
fi
echo "root: $(chroot "$bullseye" ldd --version | head -n 1)"
install -m 755 "$scratch/oc-pizza" "$bullseye/usr/local/bin/oc-pizza"
mkdir -p "$bullseye/srv/oc-pizza"
touch "$bullseye/srv/oc-pizza/oc-pizza.toml"
chroot "$bullseye" env -i ROCKET_PORT="$port" ROCKET_ADDRESS=127.0.0.1 OC_PIZZA_DATA_DIR=/srv/oc-pizza \
    ROCKET_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" OC_PIZZA_CONFIG=/srv/oc-pizza/oc-pizza.toml \
    OC_PIZZA_BACKUP_SCHEDULE=off /usr/local/bin/oc-pizza serve >"$scratch/bullseye.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$scratch/bullseye.log"; fail "the binary exited in bullseye"; }
    sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" || { cat "$scratch/bullseye.log"; fail "no /readyz in bullseye"; }
echo "ok  /readyz 200 from the static binary in Debian 11"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
rm -rf "$bullseye/srv/oc-pizza" "$bullseye/usr/local/bin/oc-pizza"

echo
echo "check-deb: all checks passed"
