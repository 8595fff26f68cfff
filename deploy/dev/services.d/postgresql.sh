#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for the intake tests and benchmarks (Debian 12, no systemd needed).
# Usage: postgresql.sh start|stop|status. Idempotent. URL: postgresql://kiosk:kiosk@127.0.0.1:54329/kiosk_intake
set -euo pipefail
VERSION=15
CLUSTER=kiosktest
PORT=${KIOSK_PG_PORT:-54329}
ROLE=kiosk
PASSWORD=kiosk
DB=kiosk_intake

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

status() { pg_lsclusters -h "$VERSION" "$CLUSTER" 2>/dev/null | awk '{print $4}'; }

start() {
    if ! pg_lsclusters -h "$VERSION" "$CLUSTER" 2>/dev/null | grep -q .; then
        as_root pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
        # Listens on localhost only (Debian default); a larger connection budget for the benchmark's two workers.
        as_root pg_conftool "$VERSION" "$CLUSTER" set max_connections 100
    fi
    if [ "$(status)" != "online" ]; then
        as_root pg_ctlcluster "$VERSION" "$CLUSTER" start
    fi
    as_postgres psql -p "$PORT" -qtAc "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'" | grep -q 1 \
        || as_postgres psql -p "$PORT" -qc "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
    as_postgres psql -p "$PORT" -qtAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
        || as_postgres createdb -p "$PORT" -O "$ROLE" "$DB"
    echo "postgresql: postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
}

case "${1:-start}" in
    start) start ;;
    stop) as_root pg_ctlcluster "$VERSION" "$CLUSTER" stop || true ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
