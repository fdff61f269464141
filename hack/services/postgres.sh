# PostgreSQL 15 from Debian, run as the postgres user with its data under $ORDERFLOW_STATE.
PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_PORT=5432
PG_DB=orders
PG_USER=orderflow

postgres_install() {
  apt_install "postgresql-$PG_VERSION" postgresql-client-$PG_VERSION acl
}

# The postgres user must be able to reach its data folder, which may sit under root's home.
_pg_grant_traverse() {
  local d="$1"
  while [[ "$d" != / ]]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      setfacl -m u:postgres:--x "$d" || die "postgres: cannot grant the postgres user access to $d"
      log "postgres: granted the postgres user traverse access to $d (ACL)"
    fi
    d="$(dirname "$d")"
  done
}

_pg_password_file() { printf '%s/password' "$(svc_dir postgres)"; }

postgres_start() {
  local dir data run pwfile
  dir="$(svc_dir postgres)"; data="$dir/data"; run="$dir/run"; pwfile="$(_pg_password_file)"
  if svc_running postgres; then return 0; fi
  require_free_port postgres "$PG_PORT"
  _pg_grant_traverse "$dir"
  mkdir -p "$run"
  chown postgres:postgres "$dir" "$run"
  if [[ ! -s "$data/PG_VERSION" ]]; then
    log "postgres: initdb in $data"
    install -d -o postgres -g postgres -m 700 "$data"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { tail -20 "$dir/initdb.log" >&2; die "postgres: initdb failed"; }
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$run'
max_connections = 200
shared_buffers = 256MB
wal_buffers = 16MB
password_encryption = scram-sha-256
logging_collector = off
log_min_duration_statement = 1000
CONF
  fi
  START_AS=postgres start_daemon postgres "$PG_BIN/postgres" -D "$data"
  wait_until postgres 60 runuser -u postgres -- "$PG_BIN/pg_isready" -q -h "$run" -p "$PG_PORT"
  if [[ ! -s "$pwfile" ]]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$pwfile")
  fi
  local pw; pw="$(cat "$pwfile")"
  # Idempotent: role and database are created once; the password follows the file.
  runuser -u postgres -- "$PG_BIN/psql" -q -h "$run" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "postgres: creating role/database failed"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$pw';
  ELSE
    ALTER ROLE $PG_USER PASSWORD '$pw';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')
\gexec
SQL
}

postgres_stop() { stop_daemon postgres 60; }

postgres_status() {
  if svc_running postgres && runuser -u postgres -- "$PG_BIN/pg_isready" -q -h "$(svc_dir postgres)/run" -p "$PG_PORT" 2>/dev/null; then
    echo "postgres    up    127.0.0.1:$PG_PORT db=$PG_DB user=$PG_USER"
  else
    echo "postgres    down"; return 1
  fi
}

postgres_env() {
  local pw; pw="$(cat "$(_pg_password_file)" 2>/dev/null || true)"
  echo "PGHOST=127.0.0.1"
  echo "PGPORT=$PG_PORT"
  echo "PGUSER=$PG_USER"
  echo "PGPASSWORD=$pw"
  echo "PGDATABASE=$PG_DB"
  echo "DATABASE_URL=postgres://$PG_USER:$pw@127.0.0.1:$PG_PORT/$PG_DB"
}
