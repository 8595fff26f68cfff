-- The intake's PostgreSQL role and database (run as the postgres superuser; idempotent).
-- The role has no password: the service connects over the unix socket with peer authentication.
SELECT 'CREATE ROLE "cccd-intake" LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cccd-intake')\gexec
SELECT 'CREATE DATABASE cccd_intake OWNER "cccd-intake" ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'cccd_intake')\gexec
REVOKE ALL ON DATABASE cccd_intake FROM PUBLIC;
