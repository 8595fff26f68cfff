#!/usr/bin/env bash
# A throwaway systemd, PID 1 of new PID, mount and cgroup namespaces, for the restart tests (tests/deploy):
#
#   unshare --pid --fork --mount --propagation private --cgroup --mount-proc tests/deploy/systemd-sandbox.sh \
#       UNITS TARGET [KEEP…]
#
# /run, /tmp, /var/{tmp,lib,cache,log} and /etc/systemd/system become empty tmpfs mounts of the namespace, so
# nothing the sandbox writes reaches the machine; every start-up unit that would act on the shared kernel or
# file systems (tmpfiles, sysctl, sysusers, udev, modules, remount, …) is masked. Directory UNITS is copied to
# /run/sandbox (other files there, e.g. a site configuration, stay reachable under that path), its unit files and
# drop-in directories into /etc/systemd/system, and systemd starts only TARGET. Each KEEP directory (the checkout,
# its virtual environment, the Python it was made from) stays visible at its path, wherever it is: one under /tmp
# or /var/lib is bound again over the empty mounts.
set -euo pipefail
units=$1
target=$2
keep=("${@:3}")
[ "$$" -eq 1 ] || { echo "run me as PID 1 of a new PID namespace (unshare --pid --fork)" >&2; exit 2; }
mount -t tmpfs -o mode=0755 tmpfs /run
cp -a "$units" /run/sandbox
for i in "${!keep[@]}"; do  # held under /run before the mounts below can hide them
    mkdir -p "/run/keep/$i"
    mount --bind "${keep[$i]}" "/run/keep/$i"
done
for dir in /tmp /var/tmp /var/lib /var/cache /var/log /etc/systemd/system; do
    mount -t tmpfs -o mode=0755 tmpfs "$dir"
done
chmod 1777 /tmp /var/tmp
for i in "${!keep[@]}"; do
    mkdir -p "${keep[$i]}"
    mount --bind "/run/keep/$i" "${keep[$i]}"
done
masked=(sysinit.target basic.target getty.target local-fs.target swap.target
        systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer
        systemd-tmpfiles-clean.service systemd-sysctl.service systemd-sysusers.service systemd-remount-fs.service
        systemd-modules-load.service systemd-binfmt.service systemd-update-utmp.service systemd-random-seed.service
        systemd-udevd.service systemd-udev-trigger.service systemd-journal-flush.service systemd-logind.service
        dbus.socket dbus.service proc-sys-fs-binfmt_misc.automount dev-hugepages.mount dev-mqueue.mount
        sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount)
for unit in "${masked[@]}"; do
    ln -s /dev/null "/etc/systemd/system/$unit"
done
cp -a /run/sandbox/*.service /run/sandbox/*.target /run/sandbox/*.d /etc/systemd/system/
export container=other
exec /lib/systemd/systemd --system --unit="$target" --log-target=console --log-level=notice --show-status=no
