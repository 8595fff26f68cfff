# shellcheck shell=bash
# The intake machine's parts, shared by install-intake.sh and update-intake.sh (needs common.sh).

INTAKE_USER=cccd-intake
INTAKE_VENV=/opt/cccd-intake/venv
INTAKE_ETC=/etc/cccd-kiosk-intake
INTAKE_STATE=/var/lib/cccd-intake
INTAKE_BACKUPS=/var/backups/cccd-intake
INTAKE_UNITS=(cccd-intake.service cccd-intake-backup.service cccd-intake-backup.timer)
INTAKE_PACKAGES=(postgresql nginx openssl python3 python3-venv libpq5 "${BUILD_PACKAGES[@]}")

intake_packages() {
    step "Debian packages: PostgreSQL, nginx, OpenSSL, Python"
    apt_packages "${INTAKE_PACKAGES[@]}"
}

intake_user() {
    step "Service account $INTAKE_USER (no login shell)"
    system_user "$INTAKE_USER" "$INTAKE_STATE"
}

intake_venv() {
    step "Virtual environment $INTAKE_VENV with cccd-kiosk from $SOURCE_DIR"
    project_venv "$INTAKE_VENV"
}

# psql_file FILE — run an SQL file as the postgres superuser (a machine step).
psql_file() {
    local file=$1
    if machine_mode; then
        echo "+ runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q < $file"
        runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q < "$file"
    else
        echo "skip (machine step): runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q < $file"
    fi
}

intake_database() {
    step "PostgreSQL role $INTAKE_USER and database cccd_intake (peer authentication, no password)"
    psql_file "$DEPLOY_DIR/intake/setup-database.sql"
}

intake_files() {
    step "State $INTAKE_STATE (0700, the encryption keys), backups $INTAKE_BACKUPS (0700), settings $INTAKE_ETC"
    put_dir "$INTAKE_STATE" 0700 "$INTAKE_USER:$INTAKE_USER"
    put_dir "$INTAKE_BACKUPS" 0700 "$INTAKE_USER:$INTAKE_USER"
    put_dir "$INTAKE_ETC" 0750 "root:$INTAKE_USER"
    keep_file "$DEPLOY_DIR/intake/intake.env" "$INTAKE_ETC/intake.env" 0640 "root:$INTAKE_USER"
    put_dir /opt/cccd-intake 0755
    put_file "$SOURCE_DIR/docs/deploy.md" /opt/cccd-intake/docs/deploy.md 0644
    put_file "$SOURCE_DIR/docs/configuration.md" /opt/cccd-intake/docs/configuration.md 0644

    step "systemd units: the service, the daily backup"
    local unit
    for unit in "${INTAKE_UNITS[@]}"; do
        put_file "$DEPLOY_DIR/systemd/$unit" "/etc/systemd/system/$unit" 0644
    done

    step "Commands /usr/local/sbin/cccd-intake (administration) and /usr/local/sbin/cccd-intake-backup"
    put_file "$DEPLOY_DIR/bin/cccd-intake.sh" /usr/local/sbin/cccd-intake 0755
    put_file "$DEPLOY_DIR/bin/cccd-intake-backup.sh" /usr/local/sbin/cccd-intake-backup 0755
}

# intake_tls DOMAIN CERTIFICATE KEY — the certificate nginx serves: the given files, else a self-signed one made
# once in $INTAKE_ETC/tls (replace it with a real certificate before kiosks connect; see docs/deploy.md).
intake_tls() {
    local domain=$1
    step "TLS certificate for $domain"
    if [ -n "$2" ]; then
        echo "certificate $2, key $3 (given)"
        return
    fi
    local dir="$INTAKE_ETC/tls"
    if [ -e "$(target "$dir/certificate.pem")" ]; then
        echo "certificate $dir/certificate.pem exists: kept"
        return
    fi
    put_dir "$dir" 0700
    run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 825 -nodes -batch \
        -subj "/CN=$domain" \
        -addext "subjectAltName=DNS:$domain" -keyout "$(target "$dir/key.pem")" \
        -out "$(target "$dir/certificate.pem")"
}

# intake_nginx DOMAIN CERTIFICATE KEY — the nginx site from deploy/nginx/cccd-intake.conf, enabled.
intake_nginx() {
    local domain=$1 certificate=$2 key=$3 rendered
    step "nginx site for https://$domain/ (reverse proxy to 127.0.0.1:8700)"
    rendered=$(mktemp)
    sed -e "s|@DOMAIN@|$domain|g" -e "s|@CERTIFICATE@|$certificate|g" -e "s|@CERTIFICATE_KEY@|$key|g" \
        "$DEPLOY_DIR/nginx/cccd-intake.conf" > "$rendered"
    put_file "$rendered" /etc/nginx/sites-available/cccd-intake.conf 0644
    rm -f "$rendered"
    put_link /etc/nginx/sites-available/cccd-intake.conf /etc/nginx/sites-enabled/cccd-intake.conf
    machine nginx -t -q
}

intake_enable() {
    step "Enable the intake service and the daily backup"
    systemd_reload
    systemd_enable cccd-intake.service cccd-intake-backup.timer
    machine systemctl --quiet enable postgresql.service nginx.service  # Debian package units: only on the machine
}

intake_migrate() {
    step "Migrate the intake database (submissions and devices are kept)"
    machine /usr/local/sbin/cccd-intake migrate
}
