#!/usr/bin/env bash
# Starts (or checks) the local services the test suite uses: each script in services.d/ is run with "start".
set -euo pipefail
cd "$(dirname "$0")"
for script in services.d/*.sh; do
    [ -e "$script" ] || continue
    bash "$script" "${1:-start}"
done
