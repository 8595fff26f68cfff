#!/usr/bin/env bash
# pcscd with the vsmartcard vpcd virtual reader (its reader.conf entry comes with the Debian package).
# "start" is idempotent: pcscd is started only when it is not already running, then we wait for its socket.
set -euo pipefail
socket_path=/run/pcscd/pcscd.comm

running() { pgrep -x pcscd >/dev/null 2>&1 && [ -S "$socket_path" ]; }

case "${1:-start}" in
start)
    if running; then exit 0; fi
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" mkdir -p /run/pcscd
    "${sudo_cmd[@]}" pcscd  # daemonises
    for _ in $(seq 1 50); do
        if [ -S "$socket_path" ]; then echo "pcscd running"; exit 0; fi
        sleep 0.1
    done
    echo "pcscd did not create $socket_path" >&2
    exit 1
    ;;
status)
    if running; then echo "pcscd running"; else echo "pcscd stopped"; exit 1; fi
    ;;
*)
    echo "usage: $0 start|status" >&2
    exit 2
    ;;
esac
