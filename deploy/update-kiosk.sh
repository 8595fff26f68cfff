#!/usr/bin/env bash
# Updates an installed kiosk to the release in this repository, keeping /var/lib/cccd-kiosk (device key, enrolment,
# outbox with its pending submissions) and /etc/cccd-kiosk/kiosk.toml: stop → upgrade → migrate → start.
#
#   sudo deploy/update-kiosk.sh [--source DIR] [--root DIR] [--dry-run]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/kiosk.sh
source "$(dirname "$0")/lib/kiosk.sh"

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
handle_option() { die "unknown option $1 (see --help)"; }

parse_options "$@"
echo "cccd-kiosk kiosk update${ROOT_DIR:+ in $ROOT_DIR}$( [ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
step "Stop the kiosk (the outbox is durable: nothing saved is lost)"
systemd_now stop "$KIOSK_UNIT"
kiosk_packages
kiosk_venv
kiosk_files
kiosk_migrate
kiosk_enable
step "Start the kiosk"
systemd_now start "$KIOSK_UNIT"
