#!/usr/bin/env bash
# Installs the cccd-kiosk intake on a Debian 12 server: PostgreSQL, the service behind nginx with TLS, daily
# backups. Safe to run again (idempotent). See docs/deploy.md.
#
#   sudo deploy/install-intake.sh --domain intake.example.vn [--certificate FILE --certificate-key FILE]
#
# Options: --domain NAME (required), --certificate/--certificate-key (PEM files; default a self-signed
# certificate to replace), --source DIR (the project to install; default this repository),
# --root DIR (install into a throwaway root tree: files only, no machine step), --dry-run (print every step only).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/intake.sh
source "$(dirname "$0")/lib/intake.sh"

domain=""
certificate=""
certificate_key=""

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

handle_option() {
    case "$1" in
        --domain) domain=$2 ;;
        --certificate) certificate=$(realpath -m "$2") ;;
        --certificate-key) certificate_key=$(realpath -m "$2") ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
}

parse_options "$@"
[[ "$domain" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "--domain must be a host name such as intake.example.vn"
if { [ -n "$certificate" ] && [ -z "$certificate_key" ]; } || { [ -z "$certificate" ] && [ -n "$certificate_key" ]; }; then
    die "--certificate and --certificate-key go together"
fi

echo "cccd-kiosk intake installation for $domain${ROOT_DIR:+ into $ROOT_DIR}$( [ "$DRY_RUN" -eq 1 ] && echo ' (dry run)')"
intake_packages
intake_user
intake_venv
intake_database
intake_files
intake_tls "$domain" "$certificate" "$certificate_key"
intake_nginx "$domain" "${certificate:-$INTAKE_ETC/tls/certificate.pem}" "${certificate_key:-$INTAKE_ETC/tls/key.pem}"
intake_enable
systemd_now restart cccd-intake.service
systemd_now start cccd-intake-backup.timer
systemd_now reload nginx.service
echo "Done. Issue enrolment tokens with: sudo cccd-intake device token"
echo "Operator page: https://$domain/operator"
