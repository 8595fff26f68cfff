#!/usr/bin/env bash
# A virtual X display for the UI tests: Xvfb on :${KIOSK_XVFB_DISPLAY:-99}, 1920x1080, 24-bit, with GLX.
# Idempotent: "start" does nothing when the display already answers. "stop" ends it. "status" reports.
# The display the tests should use is written to ${KIOSK_XVFB_ENV:-/tmp/cccd-kiosk-xvfb.env} (DISPLAY=:99).
set -euo pipefail
num=${KIOSK_XVFB_DISPLAY:-99}
display=":$num"
envfile=${KIOSK_XVFB_ENV:-/tmp/cccd-kiosk-xvfb.env}
pidfile=/tmp/cccd-kiosk-xvfb.pid
logfile=/tmp/cccd-kiosk-xvfb.log

answers() {
    [ -S "/tmp/.X11-unix/X$num" ] || return 1
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

case "${1:-start}" in
start)
    if answers; then
        echo "DISPLAY=$display" > "$envfile"
        exit 0
    fi
    command -v Xvfb >/dev/null || { echo "Xvfb is not installed (apt-get install xvfb)" >&2; exit 1; }
    # A stale lock or socket from a crashed server blocks a new one.
    if [ -f "/tmp/.X$num-lock" ] && ! kill -0 "$(tr -d ' ' 2>/dev/null < "/tmp/.X$num-lock")" 2>/dev/null; then
        rm -f "/tmp/.X$num-lock" "/tmp/.X11-unix/X$num"
    fi
    mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix
    nohup Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp -ac +extension GLX +render -noreset \
        >"$logfile" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 1 100); do
        [ -S "/tmp/.X11-unix/X$num" ] && break
        sleep 0.05
    done
    if ! answers; then
        echo "Xvfb did not start on $display; see $logfile" >&2
        exit 1
    fi
    echo "DISPLAY=$display" > "$envfile"
    echo "Xvfb running on $display"
    ;;
stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    rm -f "$envfile"
    ;;
status)
    if answers; then echo "Xvfb running on $display"; else echo "Xvfb not running"; exit 1; fi
    ;;
*)
    echo "usage: $0 start|stop|status" >&2; exit 2
    ;;
esac
