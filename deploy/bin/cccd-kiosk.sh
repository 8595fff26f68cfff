#!/usr/bin/env bash
# Installed as /usr/local/sbin/cccd-kiosk: the `kiosk` command as the kiosk's service account, on the deployed
# state and configuration. Examples: sudo cccd-kiosk outbox status; sudo cccd-kiosk device show.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run with sudo" >&2; exit 2; }
umask 077  # exports and printed forms hold personal data: readable by the service account only
exec runuser -u cccd-kiosk -- env KIOSK_STATE_DIR=/var/lib/cccd-kiosk KIOSK_CONFIG=/etc/cccd-kiosk/kiosk.toml \
    HOME=/var/lib/cccd-kiosk /opt/cccd-kiosk/venv/bin/kiosk "$@"
