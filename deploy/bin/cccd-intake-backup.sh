#!/usr/bin/env bash
# Installed as /usr/local/sbin/cccd-intake-backup, run by cccd-intake-backup.service as the intake's account:
# a pg_dump (custom format, restore with pg_restore) of the database and a copy of the intake's encryption keys,
# into INTAKE_BACKUP_DIR; files older than INTAKE_BACKUP_KEEP_DAYS days are removed. Connection: libpq defaults
# (the unix socket, peer authentication) or the usual PGHOST/PGPORT/PGUSER variables.
set -euo pipefail
dir=${INTAKE_BACKUP_DIR:-/var/backups/cccd-intake}
keep_days=${INTAKE_BACKUP_KEEP_DAYS:-14}
database=${INTAKE_BACKUP_DATABASE:-cccd_intake}
state=${INTAKE_STATE_DIR:-/var/lib/cccd-intake}
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$dir/$database-$stamp.dump"
pg_dump --format=custom --dbname="$database" --file="$dump.partial"
mv "$dump.partial" "$dump"
if [ -f "$state/encryption-keys.json" ]; then
    cp "$state/encryption-keys.json" "$dir/encryption-keys-$stamp.json"
fi
find "$dir" -maxdepth 1 -type f \( -name "$database-*.dump" -o -name 'encryption-keys-*.json' \) \
    -mtime +"$keep_days" -delete
find "$dir" -maxdepth 1 -type f -name '*.partial' -mmin +60 -delete
echo "backup $dump ($(stat -c %s "$dump") bytes); kept $keep_days days"
