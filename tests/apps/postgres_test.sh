#!/usr/bin/env bash
# PostgreSQL's server and psql with GSSAPI authentication and GSSAPI encryption on a host
# where apx is the interposer: the same sessions with the server and psql under MIT's
# built-in mechanism (the control), both under apx, and one under apx with the other
# under MIT's. Each outcome must be the control's, and each side under apx must have gone
# through apx (APX_TRACE) while the sides under MIT's mechanism did not.
#
#   postgres_test.sh APX_INTERPOSER_CONF
#
# With gssencmode=require the whole protocol after the handshake travels in gss_wrap
# tokens of at most 16 KiB (libpq and the backend size them with gss_wrap_size_limit);
# with gssencmode=disable only the authentication exchange is GSS-API. The cluster is the
# test's own, in the test's directory, run as the postgres user: the server's keytab,
# trace and replay cache are that user's.
set -euo pipefail

readonly APP=postgres_test
readonly APX_CONF=$1
# shellcheck source=tests/apps/lib.sh
. "$(dirname "$0")/lib.sh"

readonly PG_USER=postgres
# The newest server installed (Debian 12: 15).
PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] || fail "no PostgreSQL server under /usr/lib/postgresql"
id "$PG_USER" >/dev/null 2>&1 || fail "no $PG_USER user"

pg_pid=
cleanup_app() {
    stop_pid "$pg_pid" postgres
}

as_pg() {
    runuser -u "$PG_USER" -- "$@"
}

app_init
P=$work/pg
mkdir -p "$P/rcache"
add_service postgres/localhost "$P/postgres.keytab"
# A client principal the server's map does not name.
add_service stranger "$P/stranger.keytab"
KRB5CCNAME="FILE:$P/stranger.ccache" kinit -k -t "$P/stranger.keytab" stranger \
    || fail "kinit stranger"
chown -R "$PG_USER:" "$P"
chown root: "$P/stranger.keytab" "$P/stranger.ccache"

as_pg "$PG_BIN/initdb" -D "$P/data" -U postgres --auth-local=trust --auth-host=reject \
    --no-sync >"$P/initdb.out" 2>&1 || fail "initdb: $(tail -n 20 "$P/initdb.out")"

# Principals are matched without their realm: user@APX.TEST is the role dbuser. GSS-API
# encryption (hostgssenc) or GSS-API authentication alone (hostnogssenc), nothing else.
cat >"$P/data/pg_hba.conf" <<EOF
local all postgres trust
hostgssenc all all 127.0.0.1/32 gss include_realm=0 map=m
hostnogssenc all all 127.0.0.1/32 gss include_realm=0 map=m
EOF
cat >"$P/data/pg_ident.conf" <<EOF
m user dbuser
EOF
cat >>"$P/data/postgresql.conf" <<EOF
krb_server_keyfile = 'FILE:$P/postgres.keytab'
fsync = off
log_connections = on
EOF
chown "$PG_USER:" "$P/data/pg_hba.conf" "$P/data/pg_ident.conf"

# The server, its GSS library configured by MECH_CONF; returns once it accepts
# connections.
start_pg() {  # NAME MECH_CONF
    local trace="$work/trace.$1.server"
    port=$(pick_port)
    : >"$trace"
    chown "$PG_USER:" "$trace"
    as_pg env GSS_MECH_CONFIG="$2" APX_TRACE="$trace" KRB5_CONFIG="$KRB5_CONFIG" \
        KRB5RCACHEDIR="$P/rcache" \
        "$PG_BIN/pg_ctl" -D "$P/data" -l "$P/server.$1.log" -w -t 30 \
        -o "-k $P -h 127.0.0.1 -p $port" start >"$work/pg_ctl.$1.out" 2>&1 \
        || fail "$1: pg_ctl start: $(cat "$work/pg_ctl.$1.out") $(tail -n 20 "$P/server.$1.log")"
    pg_pid=$(head -n 1 "$P/data/postmaster.pid")
    wait_listening postgres "$pg_pid" "$port" "$P/server.$1.log"
}

# psql as dbuser over TCP to the server named localhost (postgres@localhost) at
# 127.0.0.1; stdout to OUT, stderr to OUT.err. Returns psql's exit status.
psql_gss() {  # NAME MECH_CONF OUT GSSENCMODE PSQL_ARGS...
    local name=$1 conf=$2 out=$3 mode=$4
    shift 4
    local rc=0
    GSS_MECH_CONFIG=$conf APX_TRACE="$work/trace.$name.client" \
        psql -X -At "host=localhost hostaddr=127.0.0.1 port=$port gssencmode=$mode dbname=postgres user=dbuser" \
        "$@" >"$out" 2>"$out.err" </dev/null || rc=$?
    return "$rc"
}

# Client to server, a 1 MB literal in one query.
head -c 1000000 /dev/zero | tr '\0' y | sed -e "s/^/select length('/" -e "s/\$/');/" >"$work/big.sql"

readonly STAT="select gss_authenticated, principal, encrypted from pg_stat_gssapi where pid = pg_backend_pid()"

# The sessions; their outcomes go to $work/NAME.transcript for the comparison with the
# other run.
scenario() {  # NAME SERVER_MECH_CONF CLIENT_MECH_CONF
    local name=$1 conf=$3 o="$work/$1" rc
    start_pg "$name" "$2"
    psql -X -At -h "$P" -p "$port" -U postgres -d postgres \
        -c "drop role if exists dbuser" -c "create role dbuser login" >"$o.role" 2>&1 || fail "$name: create role: $(cat "$o.role")"

    # Encrypted: the session's GSS state, queries, large results both ways.
    psql_gss "$name" "$conf" "$o.stat" require -c "$STAT" -c "select current_user" \
        || fail "$name: psql gssencmode=require: $(cat "$o.stat.err")"
    expect_line "$name: encrypted session" "$o.stat" "^t\|user@$REALM\|t$"
    expect_line "$name: encrypted session" "$o.stat" "^dbuser$"

    psql_gss "$name" "$conf" "$o.repeat" require -c "select repeat('x', 1000000)" \
        || fail "$name: psql repeat: $(cat "$o.repeat.err")"
    { [ "$(tr -d '\n' <"$o.repeat" | wc -c)" -eq 1000000 ] && ! grep -q '[^x]' "$o.repeat"; } \
        || fail "$name: repeat('x', 1000000) came back as $(wc -c <"$o.repeat") bytes"
    pass

    psql_gss "$name" "$conf" "$o.series" require \
        -c "select g, md5(g::text) from generate_series(1, 100000) g" \
        || fail "$name: psql generate_series: $(cat "$o.series.err")"
    [ "$(wc -l <"$o.series")" -eq 100000 ] || fail "$name: $(wc -l <"$o.series") rows, not 100000"
    pass
    [ "$(sed -n '100000p' "$o.series")" = "100000|$(printf 100000 | md5sum | cut -d' ' -f1)" ] \
        || fail "$name: last row $(tail -n 1 "$o.series")"
    pass

    psql_gss "$name" "$conf" "$o.upload" require -f "$work/big.sql" \
        || fail "$name: psql 1 MB query: $(head -c 1000 "$o.upload.err")"
    expect_line "$name: 1 MB query" "$o.upload" "^1000000$"

    # Authenticated by GSS-API, the session itself in the clear.
    psql_gss "$name" "$conf" "$o.plain" disable -c "$STAT" -c "select count(*) from generate_series(1, 100000)" \
        || fail "$name: psql gssencmode=disable: $(cat "$o.plain.err")"
    expect_line "$name: authenticated session" "$o.plain" "^t\|user@$REALM\|f$"
    expect_line "$name: authenticated session" "$o.plain" "^100000$"

    # A principal the map does not name, encrypted or not, and no ticket at all.
    for mode in require disable; do
        rc=0
        KRB5CCNAME="FILE:$P/stranger.ccache" psql_gss "$name" "$conf" "$o.stranger.$mode" "$mode" \
            -c "select 1" || rc=$?
        [ "$rc" -ne 0 ] || fail "$name: stranger@$REALM was let in ($mode)"
        expect_line "$name: stranger ($mode)" "$o.stranger.$mode.err" \
            'FATAL: +GSSAPI authentication failed for user "dbuser"'
    done
    rc=0
    KRB5CCNAME="FILE:$work/no-such.ccache" psql_gss "$name" "$conf" "$o.noticket" require \
        -c "select 1" || rc=$?
    [ "$rc" -ne 0 ] || fail "$name: psql without a ticket got in"
    expect_line "$name: no ticket" "$o.noticket.err" "GSSAPI encryption required but was impossible"

    # The server saw user's sessions as authorized by GSS-API, encrypted and not.
    expect_line "$name: server log" "$P/server.$name.log" \
        "connection authenticated: identity=\"user@$REALM\" method=gss"
    expect_line "$name: server log" "$P/server.$name.log" \
        "connection authorized: user=dbuser database=postgres application_name=psql GSS \(authenticated=yes, encrypted=yes, principal=user@$REALM\)"
    expect_line "$name: server log" "$P/server.$name.log" \
        "connection authorized: user=dbuser database=postgres application_name=psql GSS \(authenticated=yes, encrypted=no, principal=user@$REALM\)"
    expect_line "$name: server log" "$P/server.$name.log" \
        "no match in usermap \"m\" for user \"dbuser\" authenticated as \"stranger\""

    stop_pid "$pg_pid" postgres
    pg_pid=

    {
        for f in stat repeat series upload plain; do
            echo "== $f"
            md5sum <"$o.$f"
        done
        cat "$o.stat" "$o.plain" "$o.upload"
        for f in stranger.require stranger.disable noticket; do
            echo "== $f"
            # The minor status's text is each mechanism's own.
            grep -oE 'FATAL: .*|GSSAPI encryption required but was impossible.*|GSSAPI continuation error: [^:]*' \
                "$o.$f.err" | sed 's/:  *\(.*\)/: \1/' || true
        done
    } >"$work/$name.transcript"
}

run_scenarios postgres/localhost

echo "$APP: the PostgreSQL server and psql work under apx as under MIT's mechanism ($checks checks)"
