# shellcheck shell=bash
# Shared by the installers and update scripts in deploy/: options, and steps that honour --root and --dry-run.
#
#   --root DIR  write every file under DIR instead of /, run no machine step (packages, users, services,
#               databases): those are printed as "skip" so that the whole plan is visible.
#   --dry-run   print every step and change nothing.
#
# Every step is printed first ("==> step", "+ command", "file PATH mode M"), so a log shows what was done.

ROOT_DIR=""
DRY_RUN=0
DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOURCE_DIR=$(cd "$DEPLOY_DIR/.." && pwd)

# Building the project's venv compiles pyscard (no binary wheel for Linux): its build tools and headers.
# shellcheck disable=SC2034  # used by lib/kiosk.sh and lib/intake.sh
BUILD_PACKAGES=(python3-dev build-essential swig pkg-config libpcsclite-dev)

die() { echo "error: $*" >&2; exit 2; }

# Parses --root/--dry-run/--source; every other option takes a value and is handed to the caller's
# handle_option NAME VALUE, which stops the script on an unknown one.
parse_options() {
    while [ $# -gt 0 ]; do
        local name=$1 value=""
        case "$name" in
            --*=*) value=${name#*=}; name=${name%%=*}; set -- "$name" "$value" "${@:2}" ;;
        esac
        case "$name" in
            --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT_DIR=$(realpath -m "$2"); shift 2 ;;
            --dry-run) DRY_RUN=1; shift ;;
            --source) [ $# -ge 2 ] || die "--source needs a directory"; SOURCE_DIR=$(realpath "$2"); shift 2 ;;
            -h|--help) usage; exit 0 ;;
            *)
                [ $# -ge 2 ] || die "$name needs a value (see --help)"
                handle_option "$name" "$2"
                shift 2
                ;;
        esac
    done
    if [ -z "$ROOT_DIR" ] && [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
        die "run as root (sudo), or use --dry-run or --root DIR"
    fi
    [ -f "$SOURCE_DIR/pyproject.toml" ] || die "$SOURCE_DIR is not the cccd-kiosk source (no pyproject.toml)"
}

# The path of a target file on this run: under --root DIR when given.
target() { echo "${ROOT_DIR}$1"; }

machine_mode() { [ -z "$ROOT_DIR" ] && [ "$DRY_RUN" -eq 0 ]; }

step() { echo "==> $*"; }

# A command as printed: SECRET (e.g. an enrolment token) never appears in the output.
SECRET=""
shown() {
    local text="$*"
    if [ -n "$SECRET" ]; then text=${text//"$SECRET"/***}; fi
    echo "$text"
}

# A command that changes only files (under --root when given): run unless --dry-run.
run() {
    echo "+ $*"
    if [ "$DRY_RUN" -eq 0 ]; then "$@"; fi
}

# A command that needs the real machine (packages, users, services, databases): skipped with --root or --dry-run.
machine() {
    if machine_mode; then
        echo "+ $(shown "$@")"
        "$@"
    else
        echo "skip (machine step): $(shown "$@")"
    fi
}

# put_file SOURCE DEST MODE [OWNER:GROUP] — install a file, replacing it when its content or mode differs.
put_file() {
    local src=$1 dest=$2 mode=$3 owner=${4-}
    local path
    path=$(target "$dest")
    if [ -f "$path" ] && cmp -s "$src" "$path" && [ "$(stat -c %a "$path")" = "${mode#0}" ]; then
        echo "file $dest mode $mode (unchanged)"
    else
        echo "file $dest mode $mode"
        if [ "$DRY_RUN" -eq 0 ]; then
            install -D -m "$mode" "$src" "$path"
        fi
    fi
    if [ -n "$owner" ]; then machine chown "$owner" "$path"; fi
}

# keep_file SOURCE DEST MODE [OWNER:GROUP] — install a file only when there is none (site-edited configuration).
keep_file() {
    local dest=$2
    if [ -e "$(target "$dest")" ]; then
        echo "file $dest exists: kept as it is"
    else
        put_file "$@"
    fi
}

# put_dir DIR MODE [OWNER:GROUP] — a directory with this mode (created when missing).
put_dir() {
    local dir=$1 mode=$2 owner=${3-}
    local path
    path=$(target "$dir")
    echo "dir $dir mode $mode"
    if [ "$DRY_RUN" -eq 0 ]; then
        install -d -m "$mode" "$path"
        chmod "$mode" "$path"
    fi
    if [ -n "$owner" ]; then machine chown "$owner" "$path"; fi
}

# put_link TARGET LINK — a symbolic link LINK → TARGET (TARGET as seen on the installed machine).
put_link() {
    local to=$1 link=$2
    local path
    path=$(target "$link")
    if [ -L "$path" ] && [ "$(readlink "$path")" = "$to" ]; then
        echo "link $link -> $to (unchanged)"
    else
        echo "link $link -> $to"
        if [ "$DRY_RUN" -eq 0 ]; then
            mkdir -p "$(dirname "$path")"
            ln -sfn "$to" "$path"
        fi
    fi
}

# apt_packages PACKAGE… — install the missing Debian packages.
apt_packages() {
    local missing=() pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "installed" ] || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ] && machine_mode; then
        echo "Debian packages present: $*"
        return
    fi
    machine env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    machine env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# system_user NAME HOME [GROUP…] — an unprivileged system user without a login shell.
system_user() {
    local name=$1 home=$2
    shift 2
    local groups
    groups=$(IFS=,; echo "$*")
    if machine_mode && id -u "$name" >/dev/null 2>&1; then
        echo "user $name exists"
    else
        machine useradd --system --user-group --home-dir "$home" --no-create-home --shell /usr/sbin/nologin \
            --comment "cccd-kiosk service account" "$name"
    fi
    if machine_mode; then  # only the groups this machine has (systemd creates input and render)
        local group present=()
        for group in "$@"; do
            if getent group "$group" >/dev/null; then present+=("$group"); else echo "warning: no group $group"; fi
        done
        groups=$(IFS=,; echo "${present[*]}")
    fi
    if [ -n "$groups" ]; then machine usermod --append --groups "$groups" "$name"; fi
}

# project_venv DIR — a virtual environment at DIR with the project from SOURCE_DIR installed (not editable).
# Creating it downloads and builds the dependencies: a machine step.
project_venv() {
    local venv=$1
    if machine_mode && [ ! -x "$venv/bin/python" ]; then
        machine /usr/bin/python3 -m venv "$venv"  # Debian's Python, whatever python3 is first on PATH
    elif ! machine_mode; then
        echo "skip (machine step): /usr/bin/python3 -m venv $venv"
    fi
    machine "$venv/bin/python" -m pip install --quiet --upgrade pip
    machine "$venv/bin/python" -m pip install --quiet --upgrade "$SOURCE_DIR"
}

# systemd_units — reload after unit changes (nothing to do offline: --root enables by symlinks).
systemd_reload() {
    if machine_mode && [ -d /run/systemd/system ]; then
        machine systemctl daemon-reload
    else
        echo "skip (machine step): systemctl daemon-reload"
    fi
}

# systemd_enable UNIT… — enable units; under --root the [Install] symlinks are made in the root's /etc/systemd.
systemd_enable() {
    if [ -n "$ROOT_DIR" ]; then
        run systemctl --root="$ROOT_DIR" --quiet enable "$@"
    else
        machine systemctl --quiet enable "$@"
    fi
}

# systemd_mask UNIT… — as systemd_enable, for masking.
systemd_mask() {
    if [ -n "$ROOT_DIR" ]; then
        run systemctl --root="$ROOT_DIR" --quiet mask "$@"
    else
        machine systemctl --quiet mask "$@"
    fi
}

# systemd_now ACTION UNIT… — start, stop or restart units on the running system.
systemd_now() {
    if machine_mode && [ ! -d /run/systemd/system ]; then
        echo "skip (machine step, systemd is not running): systemctl $*"
    else
        machine systemctl "$@"
    fi
}

# as_user USER COMMAND… — a machine step run as USER.
as_user() {
    local user=$1
    shift
    machine runuser -u "$user" -- "$@"
}
