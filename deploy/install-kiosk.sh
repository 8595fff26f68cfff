#!/usr/bin/env bash
# Installs cccd-kiosk on a Debian 12 kiosk machine; safe to run again (idempotent). See docs/deploy.md.
#
#   sudo deploy/install-kiosk.sh --profile lodging --intake-url https://intake.example.vn/ [--enrol-token TOKEN]
#
# Options: --profile one-stop|clinic|lodging (default one-stop), --intake-url URL, --enrol-token TOKEN (register
# the device key with the intake, once), --source DIR (the project to install; default this repository),
# --root DIR (install into a throwaway root tree: files only, no machine step), --dry-run (print every step only).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/kiosk.sh
source "$(dirname "$0")/lib/kiosk.sh"

profile=one-stop
intake_url=""
enrol_token=""

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

handle_option() {
    case "$1" in
        --profile) profile=$2 ;;
        --intake-url) intake_url=$2 ;;
        --enrol-token) enrol_token=$2; SECRET=$2 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
}

parse_options "$@"
case "$profile" in one-stop|clinic|lodging) ;; *) die "--profile must be one-stop, clinic or lodging" ;; esac
if [ -n "$intake_url" ] && ! [[ "$intake_url" =~ ^https?://[A-Za-z0-9.:/_-]+$ ]]; then
    die "--intake-url must be an http(s) URL such as https://intake.example.vn/"
fi
if [ -n "$enrol_token" ] && [ -z "$intake_url" ]; then die "--enrol-token needs --intake-url"; fi

echo "cccd-kiosk kiosk installation${ROOT_DIR:+ into $ROOT_DIR}$( [ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
kiosk_packages
kiosk_user
kiosk_venv
kiosk_files
site_config "$profile" "${intake_url:-https://intake.example.vn/}"
if [ -n "$enrol_token" ]; then
    step "Enrol this kiosk with $intake_url"
    if [ -f "$(target "$KIOSK_STATE/enrolment.json")" ]; then
        echo "already enrolled: $KIOSK_STATE/enrolment.json kept"
    else
        as_user "$KIOSK_USER" "$KIOSK_VENV/bin/kiosk" device enroll --state-dir "$KIOSK_STATE" \
            --intake "$intake_url" --token="$enrol_token"
    fi
fi
kiosk_enable
# Starting it now would take tty1 from under whoever runs this there: a running kiosk is restarted, a first
# installation starts at the next boot.
systemd_now try-restart "$KIOSK_UNIT"
echo "Done. Reboot (or wait for tty1) to see the kiosk; the operator PIN is in $KIOSK_ETC/kiosk.toml."
