#!/usr/bin/env bash
# Updates an installed intake to the release in this repository, keeping the database, the keys in
# /var/lib/cccd-intake and /etc/cccd-kiosk-intake/intake.env: stop → upgrade → migrate → start.
#
#   sudo deploy/update-intake.sh [--source DIR] [--root DIR] [--dry-run]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/intake.sh
source "$(dirname "$0")/lib/intake.sh"

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
handle_option() { die "unknown option $1 (see --help)"; }

parse_options "$@"
echo "cccd-kiosk intake update${ROOT_DIR:+ in $ROOT_DIR}$( [ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
step "Stop the intake (kiosks keep their submissions queued and retry)"
systemd_now stop cccd-intake.service
intake_packages
intake_venv
intake_files
step "Back up the database before migrating"
systemd_now start cccd-intake-backup.service
intake_migrate
intake_enable
step "Start the intake"
systemd_now start cccd-intake.service
