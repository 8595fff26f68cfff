#!/usr/bin/env bash
# Installed as /usr/local/sbin/cccd-intake: the `kiosk-intake` command as the intake's service account, with the
# service's settings (/etc/cccd-kiosk-intake/intake.env). Example: sudo cccd-intake device token.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run with sudo" >&2; exit 2; }
umask 077  # exports and printed forms hold personal data: readable by the service account only
settings=()
while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    settings+=("$line")
done < /etc/cccd-kiosk-intake/intake.env
exec runuser -u cccd-intake -- env "${settings[@]}" HOME=/var/lib/cccd-intake /opt/cccd-intake/venv/bin/kiosk-intake "$@"
