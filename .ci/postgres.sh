# Sourced by .ci/run: start a throwaway PostgreSQL cluster and export PEERCERT_PG_URL.
#
# The cluster lives in one `mktemp -d` directory (data, unix socket, log), listens on
# 127.0.0.1 only, on a free port, and is stopped and deleted when the sourcing shell exits.
# PEERCERT_PG_URL names a password login role with CREATEDB and CREATEROLE (the read-only
# program-staff role test creates roles), connected to the `postgres`
# database, so tests can create and drop their own databases.
#
# The server refuses to run as root: as root, initdb and pg_ctl run as the `postgres` OS user;
# as any other user they run as that user. Safe under `set -euo pipefail`; every step checks
# its own result, so a failure also cleans up in a shell without `set -e`.
# Set PEERCERT_PG_BIN to use PostgreSQL binaries outside /usr/lib/postgresql/*/bin.

_peercert_pg_bin() {
    local dir
    if [ -n "${PEERCERT_PG_BIN:-}" ]; then
        echo "$PEERCERT_PG_BIN"
        return 0
    fi
    # Debian keeps the server binaries off PATH; take the newest installed major version.
    dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    else
        echo "postgres.sh: no PostgreSQL server binaries (initdb) found" >&2
        return 1
    fi
}

# Run a server command as the user the server may run as, from a directory it can read.
_peercert_pg_as() {
    local root=$1
    shift
    if [ "$(id -u)" != 0 ]; then
        (cd "$root" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$root" && runuser -u postgres -- "$@")
    else
        (cd "$root" && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
    fi
}

_peercert_pg_stop() {
    local bin=$1 root=$2 pid
    [ -d "$root" ] || return 0
    if [ -f "$root/data/postmaster.pid" ]; then
        _peercert_pg_as "$root" "$bin/pg_ctl" -D "$root/data" -m immediate -w -t 30 stop \
            >/dev/null 2>&1 || true
    fi
    # Belt and braces: a server pg_ctl could not stop must not outlive the run.
    if [ -f "$root/data/postmaster.pid" ]; then
        pid=$(head -n 1 "$root/data/postmaster.pid" 2>/dev/null) || pid=""
        if [ -n "$pid" ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$root"
}

_peercert_pg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

# The command of the current EXIT trap: `trap -p` prints it quoted for the shell to read back.
_peercert_pg_exit_trap() {
    local -a words
    eval "words=($(trap -p EXIT))"  # trap -- 'command' EXIT
    printf '%s' "${words[2]:-}"
}

# Globals, for the cleanup when the start fails: where the cluster is, the caller's EXIT trap.
_peercert_pg_bindir="" _peercert_pg_root="" _peercert_pg_prev_trap=""

_peercert_pg_start() {
    local bin root port password attempt started=""
    bin=$(_peercert_pg_bin) || return 1
    _peercert_pg_bindir=$bin
    if [ "$(id -u)" = 0 ]; then
        # Under /tmp, which the postgres user can reach whatever root's TMPDIR is.
        root=$(mktemp -d /tmp/peercert-pg.XXXXXX) || return 1
        chown postgres: "$root" || { rm -rf "$root"; return 1; }
    else
        root=$(mktemp -d "${TMPDIR:-/tmp}/peercert-pg.XXXXXX") || return 1
    fi
    _peercert_pg_root=$root
    chmod 700 "$root" || return 1

    # Stop and delete on exit, then run whatever EXIT trap the caller already had (kept in a
    # variable, so its quoting never mixes with ours).
    _peercert_pg_prev_trap=$(_peercert_pg_exit_trap)
    # shellcheck disable=SC2064  # bin and root are expanded now, on purpose
    trap "_peercert_pg_stop $(printf '%q %q' "$bin" "$root"); eval \"\$_peercert_pg_prev_trap\"" EXIT

    # Random passwords (hex, so URL-safe): other local users cannot log in to the cluster.
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') || return 1
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$root/pwfile" || return 1
    [ "$(id -u)" != 0 ] || chown postgres: "$root/pwfile" || return 1
    if ! _peercert_pg_as "$root" "$bin/initdb" -D "$root/data" -U postgres --pwfile="$root/pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 --locale=C -E UTF8 \
            >"$root/initdb.log" 2>&1; then
        cat "$root/initdb.log" >&2
        return 1
    fi
    rm -f "$root/pwfile"
    # A throwaway cluster: no durability needed, so no fsync.
    cat >>"$root/data/postgresql.conf" <<EOF || return 1
listen_addresses = '127.0.0.1'
unix_socket_directories = '$root'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    # A port found free can be taken before the server binds it: try a few.
    for attempt in 1 2 3 4 5; do
        port=$(_peercert_pg_free_port) || return 1
        if _peercert_pg_as "$root" "$bin/pg_ctl" -D "$root/data" -l "$root/postgres.log" \
                -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
            started=1
            break
        fi
        echo "postgres.sh: start on port $port failed (attempt $attempt)" >&2
    done
    if [ -z "$started" ]; then
        tail -n 20 "$root/postgres.log" >&2 || true
        return 1
    fi

    if ! "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$root" -p "$port" -U postgres -d postgres \
            -c "CREATE ROLE peercert LOGIN CREATEDB CREATEROLE PASSWORD '$password'" >/dev/null; then
        return 1
    fi
    export PEERCERT_PG_URL="postgresql://peercert:$password@127.0.0.1:$port/postgres"
    echo "postgres.sh: PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$port," \
         "data in $root (removed on exit)" >&2
}

if ! _peercert_pg_start; then
    echo "postgres.sh: could not start PostgreSQL" >&2
    # Clean up now and give the caller back its own EXIT trap.
    [ -z "$_peercert_pg_root" ] || _peercert_pg_stop "$_peercert_pg_bindir" "$_peercert_pg_root"
    if [ -n "$_peercert_pg_prev_trap" ]; then
        trap -- "$_peercert_pg_prev_trap" EXIT
    else
        trap - EXIT
    fi
    # shellcheck disable=SC2317  # exit is for a shell that ran this file instead of sourcing it
    return 1 2>/dev/null || exit 1
fi
