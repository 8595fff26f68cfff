#!/usr/bin/env bash
# Installs what the project needs on a Debian 12 machine, only what is missing: Debian packages, a virtual
# environment in .venv, the project itself.
#
#   deploy/dev/bootstrap.sh        development and tests: apt-packages.txt + apt-packages-test.txt, the project
#                                  with its dev extra (make setup, make test)
#   deploy/dev/bootstrap.sh run    running only: apt-packages.txt, the project (make run)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-dev}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

lists=(deploy/dev/apt-packages.txt)
[ "$mode" = run ] || lists+=(deploy/dev/apt-packages-test.txt)
mapfile -t wanted < <(cat "${lists[@]}" | grep -v '^\s*#' | sed '/^\s*$/d')
missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv=${VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    echo "Creating the virtual environment in $venv"
    python3 -m venv "$venv"
fi
target='.[dev]'
stamp="$venv/.installed"
if [ "$mode" = run ]; then
    target='.'
    stamp="$venv/.installed-run"
    [ -f "$venv/.installed" ] && [ "$venv/.installed" -nt pyproject.toml ] && exit 0  # the dev install has it all
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing the project and its Python dependencies"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e "$target"
    touch "$stamp"
fi
