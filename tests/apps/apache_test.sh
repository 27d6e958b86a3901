#!/usr/bin/env bash
# Apache with mod_auth_gssapi and curl --negotiate (SPNEGO, RFC 4559) on a host where apx
# is the interposer: the same requests with Apache and curl under MIT's built-in mechanism
# (the control), both under apx, and one under apx with the other under MIT's. Each
# outcome must be the control's, and each side under apx must have gone through apx
# (APX_TRACE) while the sides under MIT's mechanism did not.
#
#   apache_test.sh APX_INTERPOSER_CONF
#
# SPNEGO is the mechglue's own code; apx serves the krb5 mechanism inside it. The server's
# answer carries SPNEGO's final token with the AP-REP (mutual authentication; curl reads
# WWW-Authenticate only in a 401, so its shape is checked here). With delegation the
# acceptor's delegated credential is stored with gss_store_cred_into into
# GssapiDelegCcacheDir; with HTTP Basic (GssapiBasicAuth) the server gets the user's
# tickets with gss_acquire_cred_with_password. Apache runs from a configuration of the
# test's own, one process (-X) that serves as www-data.
set -euo pipefail

readonly APP=apache_test
readonly APX_CONF=$1
# shellcheck source=tests/apps/lib.sh
. "$(dirname "$0")/lib.sh"

readonly WWW_USER=www-data
readonly MODS=/usr/lib/apache2/modules
command -v apache2 >/dev/null || fail "no apache2"
[ -f "$MODS/mod_auth_gssapi.so" ] || fail "no mod_auth_gssapi"
id "$WWW_USER" >/dev/null 2>&1 || fail "no $WWW_USER user"

httpd_pid=
cleanup_app() {
    stop_pid "$httpd_pid" apache2
}

app_init
A=$work/apache
mkdir -p "$A/htdocs/strong" "$A/deleg" "$A/run" "$A/rcache"
echo "hello from apx" >"$A/htdocs/index.html"
echo "strong hello" >"$A/htdocs/strong/index.html"
# strong@REALM needs pre-authentication: kinit with its password goes through SPAKE and
# its tickets carry the auth indicator "spake" (scripts/realm).
echo apx-test-strong | kinit -c "FILE:$work/strong.ccache" strong >/dev/null \
    || fail "kinit strong"
add_service HTTP/localhost "$A/http.keytab"
# A user with a password, for HTTP Basic authentication checked by Kerberos.
out=$(GSS_MECH_CONFIG="$D/empty-mech.conf" kadmin.local -r "$REALM" \
    -q "addprinc -pw apx-web-password webuser" 2>&1) || fail "kadmin.local: $out"
grep -q "Principal \"webuser@$REALM\" created" <<<"$out" || fail "addprinc webuser: $out"
chown -R "$WWW_USER:" "$A/deleg" "$A/rcache" "$A/http.keytab"

# SPNEGO limited to krb5; REMOTE_USER shown in a response header.
write_conf() {  # PORT
    cat >"$A/httpd.conf" <<EOF
ServerRoot $A
ServerName localhost
Listen 127.0.0.1:$1
PidFile $A/run/httpd.pid
DefaultRuntimeDir $A/run
User $WWW_USER
Group $WWW_USER
ErrorLog $A/error.log
LogLevel warn auth_gssapi:debug
LogFormat "%h %u \"%r\" %>s" plain
CustomLog $A/access.log plain
LoadModule mpm_prefork_module $MODS/mod_mpm_prefork.so
LoadModule authn_core_module $MODS/mod_authn_core.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_user_module $MODS/mod_authz_user.so
LoadModule auth_gssapi_module $MODS/mod_auth_gssapi.so
LoadModule headers_module $MODS/mod_headers.so
LoadModule dir_module $MODS/mod_dir.so
DocumentRoot $A/htdocs
DirectoryIndex index.html
<Location />
    AuthType GSSAPI
    AuthName "apx"
    GssapiCredStore keytab:$A/http.keytab
    GssapiAllowedMech krb5
    GssapiDelegCcacheDir $A/deleg
    GssapiBasicAuth On
    Require valid-user
    Header always set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
# RFC 6680 name attributes: only a client whose ticket carries the "spake" indicator (how
# FreeIPA asks for a second factor), the attributes as JSON in a header.
<Location /strong/>
    AuthType GSSAPI
    AuthName "apx"
    GssapiCredStore keytab:$A/http.keytab
    GssapiAllowedMech krb5
    GssapiRequiredNameAttributes "auth-indicators=spake"
    GssapiNameAttributes json
    Require valid-user
    Header always set X-Remote-User "expr=%{REMOTE_USER}"
    Header always set X-Name-Attributes "expr=%{reqenv:GSS_NAME_ATTRS_JSON}"
</Location>
EOF
}

# Apache in the foreground, one process, its GSS library configured by MECH_CONF;
# returns once it listens.
start_httpd() {  # NAME MECH_CONF
    local trace="$work/trace.$1.server"
    port=$(pick_port)
    write_conf "$port"
    : >"$trace"
    chown "$WWW_USER:" "$trace"
    : >"$A/error.log"
    rm -f "$A/run/httpd.pid"
    GSS_MECH_CONFIG=$2 APX_TRACE="$trace" KRB5RCACHEDIR="$A/rcache" \
        setsid apache2 -X -f "$A/httpd.conf" </dev/null >"$work/httpd.$1.out" 2>&1 &
    httpd_pid=$!
    wait_listening apache2 "$httpd_pid" "$port" "$A/error.log"
}

# One request to http://localhost:PORT/ (resolved to 127.0.0.1: the server is
# HTTP@localhost), with Negotiate unless CURL_ARGS start with --basic; headers to
# OUT.headers, body to OUT, the status code to OUT.code.
fetch() {  # NAME MECH_CONF OUT CURL_ARGS...
    local name=$1 conf=$2 out=$3
    shift 3
    local rc=0 auth=(--negotiate -u :)
    # curl adds up the schemes it is given and prefers Negotiate: Basic goes alone.
    [ "${1:-}" != --basic ] || auth=()
    GSS_MECH_CONFIG=$conf APX_TRACE="$work/trace.$name.client" \
        curl -sS "${auth[@]}" --resolve "localhost:$port:127.0.0.1" "$@" \
        -D "$out.headers" -o "$out" -w '%{http_code}\n' "http://localhost:$port/${FETCH_PATH:-}" \
        >"$out.code" 2>"$out.err" </dev/null || rc=$?
    [ "$rc" -eq 0 ] || fail "$name: curl $*: exit $rc: $(cat "$out.err")"
}

# The requests; their outcomes go to $work/NAME.transcript for the comparison with the
# other run.
scenario() {  # NAME SERVER_MECH_CONF CLIENT_MECH_CONF
    local name=$1 conf=$3 o="$work/$1" deleg="$A/deleg/user@$REALM"
    rm -f "$A/deleg/"*
    start_httpd "$name" "$2"

    # No ticket: the challenge, and no way to answer it.
    KRB5CCNAME="FILE:$work/no-such.ccache" fetch "$name" "$conf" "$o.noticket"
    expect_line "$name: no ticket" "$o.noticket.code" "^401$"
    expect_line "$name: no ticket" "$o.noticket.headers" $'^WWW-Authenticate: Negotiate\r$'

    # A ticket: 200, the user as REMOTE_USER, SPNEGO's final token in the answer.
    fetch "$name" "$conf" "$o.ok"
    expect_line "$name: ticket" "$o.ok.code" "^200$"
    expect_line "$name: ticket" "$o.ok" "^hello from apx$"
    expect_line "$name: ticket" "$o.ok.headers" $'^X-Remote-User: user@APX\\.TEST\r$'
    expect_line "$name: ticket" "$o.ok.headers" $'^WWW-Authenticate: Negotiate [A-Za-z0-9+/]+=*\r$'
    # curl reads WWW-Authenticate only in a 401, so it never checks this token: check its
    # shape here. A SPNEGO negTokenResp (RFC 4178 §4.2.2), accept-completed, krb5 as the
    # mechanism, whose responseToken is a framed KRB_AP_REP (RFC 4121 §4.1: OID, token ID
    # 02 00, then [APPLICATION 15]).
    sed -n 's/^WWW-Authenticate: Negotiate \([A-Za-z0-9+/=]*\)\r$/\1/p' "$o.ok.headers" \
        | base64 -d | od -An -v -tx1 | tr -d ' \n' >"$o.ok.token"
    expect_line "$name: SPNEGO answer" "$o.ok.token" \
        '^a1.*a0030a0100a10b06092a864886f712010202a2.*06092a864886f71201020202006f'
    [ ! -e "$deleg" ] || fail "$name: credentials delegated without --delegation"
    pass

    # Delegation only where the KDC marked the service ok-as-delegate: not here.
    fetch "$name" "$conf" "$o.policy" --delegation policy
    expect_line "$name: delegation policy" "$o.policy.code" "^200$"
    [ ! -e "$deleg" ] || fail "$name: credentials delegated to a service not ok-as-delegate"
    pass

    # Delegation always: the user's TGT lands in the server's ccache directory.
    fetch "$name" "$conf" "$o.deleg" --delegation always
    expect_line "$name: delegation" "$o.deleg.code" "^200$"
    expect_line "$name: delegation" "$o.deleg.headers" $'^X-Remote-User: user@APX\\.TEST\r$'
    [ -s "$deleg" ] || fail "$name: no delegated credentials in $A/deleg: $(ls -l "$A/deleg") $(cat "$A/error.log")"
    pass
    klist -c "FILE:$deleg" >"$o.klist" 2>&1 || fail "$name: klist of the delegated ccache: $(cat "$o.klist")"
    expect_line "$name: delegated ccache" "$o.klist" "^Default principal: user@$REALM$"
    expect_line "$name: delegated ccache" "$o.klist" "krbtgt/$REALM@$REALM$"
    # The delegated TGT is good for a ticket to another service.
    KRB5CCNAME="FILE:$deleg" kvno host/localhost >"$o.kvno" 2>&1 \
        || fail "$name: kvno with the delegated TGT: $(cat "$o.kvno")"
    pass

    # HTTP Basic (GssapiBasicAuth): the server gets the user's tickets with the password
    # (gss_acquire_cred_with_password) and authenticates to itself with them.
    fetch "$name" "$conf" "$o.basic" --basic -u webuser:apx-web-password
    expect_line "$name: basic" "$o.basic.code" "^200$"
    expect_line "$name: basic" "$o.basic.headers" $'^X-Remote-User: webuser@APX\\.TEST\r$'
    fetch "$name" "$conf" "$o.badpw" --basic -u webuser:not-the-password
    expect_line "$name: basic, wrong password" "$o.badpw.code" "^401$"

    # A location that requires the "spake" auth indicator: user's ticket has none, strong's
    # has it (and the attributes' JSON names it).
    FETCH_PATH=strong/ fetch "$name" "$conf" "$o.weak"
    expect_line "$name: required attribute missing" "$o.weak.code" "^403$"
    FETCH_PATH=strong/ KRB5CCNAME="FILE:$work/strong.ccache" fetch "$name" "$conf" "$o.strong"
    expect_line "$name: required attribute" "$o.strong.code" "^200$"
    expect_line "$name: required attribute" "$o.strong" "^strong hello$"
    expect_line "$name: required attribute" "$o.strong.headers" $'^X-Remote-User: strong@APX\\.TEST\r$'
    expect_line "$name: attributes" "$o.strong.headers" '^X-Name-Attributes: .*"auth-indicators"'
    pass

    stop_pid "$httpd_pid" apache2
    httpd_pid=
    expect_line "$name: access log" "$A/access.log" "^127\.0\.0\.1 user@$REALM \"GET / HTTP/1\.1\" 200$"
    mv "$A/access.log" "$work/access.$name.log"
    cp "$A/error.log" "$work/error.$name.log"

    {
        for f in noticket ok policy deleg basic badpw weak strong; do
            echo "== $f $(cat "$o.$f.code")"
            cat "$o.$f"
            # Dates and tokens differ between runs.
            grep -E '^(HTTP/|X-Remote-User|X-Name-Attributes|WWW-Authenticate)' "$o.$f.headers" \
                | sed -e 's/^\(WWW-Authenticate: Negotiate\) .*/\1 TOKEN/'
        done
        sed -n 's/^Default principal: /klist: /p' "$o.klist"
        grep -o 'krbtgt/.*' "$o.klist"
    } >"$work/$name.transcript"
}

run_scenarios HTTP/localhost

echo "$APP: Apache with mod_auth_gssapi and curl work under apx as under MIT's mechanism ($checks checks)"
