# shellcheck shell=bash
# The kiosk machine's parts, shared by install-kiosk.sh and update-kiosk.sh (needs common.sh).

KIOSK_USER=cccd-kiosk
KIOSK_VENV=/opt/cccd-kiosk/venv
KIOSK_ETC=/etc/cccd-kiosk
KIOSK_STATE=/var/lib/cccd-kiosk
KIOSK_UNIT=cccd-kiosk.service
KIOSK_PACKAGES=(pcscd libccid pcsc-tools polkitd cage xwayland python3 python3-venv fonts-noto-core libzbar0
                libgl1 libegl1 libgles2 libmtdev1 libgl1-mesa-dri libxrender1 libxi6 "${BUILD_PACKAGES[@]}")

kiosk_packages() {
    step "Debian packages: smart-card service and reader driver, cage, XWayland, Python, fonts"
    apt_packages "${KIOSK_PACKAGES[@]}"
}

kiosk_user() {
    step "Service account $KIOSK_USER (no login shell; camera, GPU, input and printer groups)"
    system_user "$KIOSK_USER" "$KIOSK_STATE" video render input lp
}

kiosk_venv() {
    step "Virtual environment $KIOSK_VENV with cccd-kiosk from $SOURCE_DIR"
    project_venv "$KIOSK_VENV"
}

# Every file the kiosk machine gets from the project (units, rules, PAM, journald, the admin command).
# The site configuration is written once (site_config) and never replaced.
kiosk_files() {
    step "State $KIOSK_STATE (0700, the device key and the outbox) and configuration $KIOSK_ETC"
    put_dir "$KIOSK_STATE" 0700 "$KIOSK_USER:$KIOSK_USER"
    put_dir "$KIOSK_ETC" 0750 "root:$KIOSK_USER"
    put_dir /opt/cccd-kiosk 0755
    put_file "$SOURCE_DIR/docs/deploy.md" /opt/cccd-kiosk/docs/deploy.md 0644
    put_file "$SOURCE_DIR/docs/configuration.md" /opt/cccd-kiosk/docs/configuration.md 0644

    step "systemd unit $KIOSK_UNIT (cage on tty1, watchdog, automatic restart)"
    put_file "$DEPLOY_DIR/systemd/$KIOSK_UNIT" "/etc/systemd/system/$KIOSK_UNIT" 0644
    put_file "$DEPLOY_DIR/pam/cccd-kiosk" /etc/pam.d/cccd-kiosk 0644

    step "polkit rule: $KIOSK_USER may use pcscd and the cards"
    if [ ! -d "$(target /etc/polkit-1/rules.d)" ]; then put_dir /etc/polkit-1/rules.d 0700 polkitd:root; fi
    put_file "$DEPLOY_DIR/polkit/60-cccd-kiosk-pcsc.rules" /etc/polkit-1/rules.d/60-cccd-kiosk-pcsc.rules 0644

    step "udev rule: cameras (video group) and USB receipt printers (lp group)"
    put_file "$DEPLOY_DIR/udev/70-cccd-kiosk.rules" /etc/udev/rules.d/70-cccd-kiosk.rules 0644
    if machine_mode && ! command -v udevadm >/dev/null; then
        echo "udev is not running here: the rule applies when udev starts"
    else
        machine udevadm control --reload
        machine udevadm trigger --subsystem-match=video4linux --subsystem-match=usb
    fi

    step "journald: bounded, persistent journal"
    put_file "$DEPLOY_DIR/journald/60-cccd-kiosk.conf" /etc/systemd/journald.conf.d/60-cccd-kiosk.conf 0644

    step "Administration command /usr/local/sbin/cccd-kiosk"
    put_file "$DEPLOY_DIR/bin/cccd-kiosk.sh" /usr/local/sbin/cccd-kiosk 0755
}

# site_config PROFILE INTAKE_URL — /etc/cccd-kiosk/kiosk.toml from config/sites/PROFILE.toml, with the intake URL
# and a random operator PIN; an existing file is never replaced.
site_config() {
    local profile=$1 intake_url=$2 rendered pin
    step "Site configuration $KIOSK_ETC/kiosk.toml ($profile)"
    rendered=$(mktemp)
    pin=$(od -An -N4 -tu4 /dev/urandom | tr -d ' \n')
    pin=$(printf '%06d' $((pin % 1000000)))
    sed -e "s|^intake_url = .*|intake_url = \"$intake_url\"|" \
        -e "s|^operator_pin = .*|operator_pin = \"$pin\"|" \
        "$SOURCE_DIR/config/sites/$profile.toml" > "$rendered"
    keep_file "$rendered" "$KIOSK_ETC/kiosk.toml" 0640 "root:$KIOSK_USER"
    rm -f "$rendered"
}

kiosk_enable() {
    step "Enable $KIOSK_UNIT and pcscd; tty1 belongs to the kiosk; boot to the graphical target"
    systemd_reload
    machine systemctl --quiet enable pcscd.socket  # a Debian package unit: only on the machine
    systemd_enable "$KIOSK_UNIT"
    systemd_mask getty@tty1.service
    put_link /lib/systemd/system/graphical.target /etc/systemd/system/default.target  # systemctl set-default
}

# kiosk_migrate — bring the outbox and enrolment state to this release's schema (idempotent).
kiosk_migrate() {
    step "Migrate the kiosk state in $KIOSK_STATE (outbox and keys are kept)"
    as_user "$KIOSK_USER" env KIOSK_STATE_DIR="$KIOSK_STATE" "$KIOSK_VENV/bin/kiosk" migrate \
        --state-dir "$KIOSK_STATE" --json
}
