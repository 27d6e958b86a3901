#!/usr/bin/env bash
# OpenLDAP's slapd and its clients with Cyrus SASL's GSSAPI mechanism on a host where apx
# is the interposer: the same binds and searches with slapd and the clients under MIT's
# built-in mechanism (the control), both under apx, and one under apx with the other
# under MIT's. Each outcome must be the control's, and each side under apx must have gone
# through apx (APX_TRACE) while the sides under MIT's mechanism did not.
#
#   ldap_test.sh APX_INTERPOSER_CONF
#
# Cyrus SASL's GSSAPI mechanism (RFC 4752) protects the LDAP session with gss_wrap after
# the bind when a security layer is negotiated: none (SSF 0), integrity (SSF 1) or
# confidentiality (SSF of the cipher: 256 for AES256). Cyrus's GS2-KRB5 and GSS-SPNEGO
# mechanisms bind once each too. slapd runs from a configuration and an mdb database of
# the test's own, in the test's directory.
set -euo pipefail

readonly APP=ldap_test
readonly APX_CONF=$1
# shellcheck source=tests/apps/lib.sh
. "$(dirname "$0")/lib.sh"

slapd_pid=
cleanup_app() {
    stop_pid "$slapd_pid" slapd
}

app_init
readonly BASE="dc=apx,dc=test"
readonly PEOPLE="ou=people,$BASE"
readonly USER_DN="uid=user,$PEOPLE"
L=$work/ldap
mkdir -p "$L/db"
add_service ldap/localhost "$L/ldap.keytab"

# The schema and modules are Debian's; nothing else of the system's slapd is read.
cat >"$L/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $L/slapd.pid
argsfile $L/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sasl-realm $REALM
sasl-host localhost
# Cyrus names the authenticated principal uid=NAME[,cn=REALM],cn=MECHANISM,cn=auth (the
# DN normalised to lower case).
authz-regexp "^uid=([^,]+)(,cn=[^,]+)?,cn=(gssapi|gs2-krb5|gss-spnego),cn=auth\$" "uid=\$1,$PEOPLE"
database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
directory $L/db
maxsize 67108864
access to * by users read by * none
EOF

# A few people, and one entry larger than a SASL buffer (Cyrus's maxbufsize is 64 KiB), so
# that the answer to a search is cut into many wrap tokens.
{
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: apx\no: apx\n\n' "$BASE"
    printf 'dn: %s\nobjectClass: organizationalUnit\nou: people\n\n' "$PEOPLE"
    for u in user alice bob carol; do
        printf 'dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n\n' \
            "$u" "$PEOPLE" "$u" "$u" "$u"
    done
    printf 'dn: uid=big,%s\nobjectClass: inetOrgPerson\nuid: big\ncn: big\nsn: big\n' "$PEOPLE"
    printf 'description: %s\n\n' "$(head -c 300000 /dev/zero | tr '\0' x)"
} >"$L/entries.ldif"
slapadd -f "$L/slapd.conf" -l "$L/entries.ldif" >"$L/slapadd.out" 2>&1 \
    || fail "slapadd: $(cat "$L/slapadd.out")"

# slapd in the foreground (-d) with the stats log level, its GSS library configured by
# MECH_CONF; returns once it listens.
start_slapd() {  # NAME MECH_CONF
    port=$(pick_port)
    GSS_MECH_CONFIG=$2 APX_TRACE="$work/trace.$1.server" KRB5_KTNAME="FILE:$L/ldap.keytab" \
        setsid slapd -d 256 -h "ldap://127.0.0.1:$port/" -f "$L/slapd.conf" \
        </dev/null >"$work/slapd.$1.log" 2>&1 &
    slapd_pid=$!
    wait_listening slapd "$slapd_pid" "$port" "$work/slapd.$1.log"
}

# One LDAP client run (ARGS name the SASL mechanism); stdout to OUT, stderr to OUT.err. Returns the
# client's exit status.
ldap_client() {  # NAME MECH_CONF OUT PROGRAM ARGS...
    local name=$1 conf=$2 out=$3 prog=$4
    shift 4
    local rc=0
    # LDAPNOINIT: no /etc/ldap/ldap.conf or ~/.ldaprc. -N: name the server as written
    # (ldap@localhost), without a reverse lookup.
    LDAPNOINIT=1 GSS_MECH_CONFIG=$conf APX_TRACE="$work/trace.$name.client" \
        "$prog" -H "ldap://localhost:$port/" -N "$@" \
        >"$out" 2>"$out.err" </dev/null || rc=$?
    return "$rc"
}

# The binds and searches; their outcomes go to $work/NAME.transcript for the comparison
# with the other run.
scenario() {  # NAME SERVER_MECH_CONF CLIENT_MECH_CONF
    local name=$1 conf=$3 o="$work/$1" layer props rc
    start_slapd "$name" "$2"

    for layer in none integrity confidentiality; do
        case $layer in
            none) props=maxssf=0 ssf=0 ;;
            integrity) props=minssf=1,maxssf=1 ssf=1 ;;
            confidentiality) props=minssf=56 ssf=256 ;;
        esac
        ldap_client "$name" "$conf" "$o.whoami.$layer" ldapwhoami -Y GSSAPI -O "$props" \
            || fail "$name: ldapwhoami -O $props: $(cat "$o.whoami.$layer.err")"
        expect_line "$name: whoami $layer" "$o.whoami.$layer" "^dn:$USER_DN$"
        expect_line "$name: whoami $layer" "$o.whoami.$layer.err" "^SASL username: user@$REALM$"
        expect_line "$name: whoami $layer" "$o.whoami.$layer.err" "^SASL SSF: $ssf$"

        ldap_client "$name" "$conf" "$o.search.$layer" ldapsearch -Y GSSAPI -O "$props" -LLL \
            -b "$PEOPLE" '(objectClass=inetOrgPerson)' uid cn description \
            || fail "$name: ldapsearch -O $props: $(cat "$o.search.$layer.err")"
        expect_line "$name: search $layer" "$o.search.$layer.err" "^SASL SSF: $ssf$"
        [ "$(grep -c '^dn: ' "$o.search.$layer")" -eq 5 ] \
            || fail "$name: search $layer: not 5 entries: $(head -c 2000 "$o.search.$layer")"
        pass
        # The large value came through whole (ldapsearch folds LDIF lines at 76 columns).
        [ "$(tr -d '\n ' <"$o.search.$layer" | grep -o x | wc -l)" -ge 300000 ] \
            || fail "$name: search $layer: the large value was cut"
        pass
    done

    # The other SASL mechanisms over Kerberos: GS2-KRB5 (RFC 5801: no security layer, the
    # initial token without its RFC 2743 framing) and GSS-SPNEGO (krb5 inside the
    # mechglue's SPNEGO, the layer's keys from the negotiated context).
    ldap_client "$name" "$conf" "$o.whoami.gs2" ldapwhoami -U user -Y GS2-KRB5 \
        || fail "$name: ldapwhoami -Y GS2-KRB5: $(cat "$o.whoami.gs2.err")"
    expect_line "$name: whoami GS2-KRB5" "$o.whoami.gs2" "^dn:$USER_DN$"
    expect_line "$name: whoami GS2-KRB5" "$o.whoami.gs2.err" "^SASL SSF: 0$"
    ldap_client "$name" "$conf" "$o.search.spnego" ldapsearch -Y GSS-SPNEGO -O minssf=56 -LLL \
        -b "$PEOPLE" '(objectClass=inetOrgPerson)' uid cn description \
        || fail "$name: ldapsearch -Y GSS-SPNEGO: $(cat "$o.search.spnego.err")"
    expect_line "$name: search GSS-SPNEGO" "$o.search.spnego.err" "^SASL SSF: 256$"
    cmp -s "$o.search.spnego" "$o.search.confidentiality" \
        || fail "$name: GSS-SPNEGO and GSSAPI searches differ"
    pass

    # slapd saw each bind as user with the SSF asked for: the SASL layer's (bind_ssf) and
    # the connection's (ssf).
    for bind in GSSAPI:0 GSSAPI:1 GSSAPI:256 GS2-KRB5:0 GSS-SPNEGO:256; do
        grep -qE "BIND dn=\"$USER_DN\" mech=${bind%:*} bind_ssf=${bind#*:} ssf=${bind#*:}$" \
            "$work/slapd.$name.log" \
            || fail "$name: slapd did not log a ${bind%:*} bind with SSF ${bind#*:}: $(grep BIND "$work/slapd.$name.log")"
        pass
    done

    # No ticket, no bind: a ccache that does not exist.
    rc=0
    KRB5CCNAME="FILE:$work/no-such.ccache" ldap_client "$name" "$conf" "$o.noticket" ldapwhoami -Y GSSAPI \
        || rc=$?
    [ "$rc" -ne 0 ] || fail "$name: ldapwhoami without a ticket succeeded: $(cat "$o.noticket")"
    expect_line "$name: no ticket" "$o.noticket.err" "^ldap_sasl_interactive_bind: Local error \(-2\)"
    expect_line "$name: no ticket" "$o.noticket.err" "GSSAPI Error: No credentials were supplied"
    ! grep -q "^dn:" "$o.noticket" || fail "$name: bound without a ticket"
    pass
    stop_pid "$slapd_pid" slapd
    slapd_pid=

    {
        for f in whoami.none whoami.integrity whoami.confidentiality whoami.gs2 \
            search.none search.integrity search.confidentiality search.spnego; do
            echo "== $f"
            cat "$o.$f"
            grep -E '^SASL (username|SSF)' "$o.$f.err"
        done
        echo "== noticket exit $rc"
        # The GSS major status; the minor status's text is each mechanism's own.
        grep '^ldap_sasl_interactive_bind' "$o.noticket.err"
        sed -n 's/.*GSSAPI Error: \([^(]*\) (.*/\1/p' "$o.noticket.err"
    } >"$work/$name.transcript"
}

run_scenarios ldap/localhost

echo "$APP: slapd and the ldap clients work under apx as under MIT's mechanism ($checks checks)"
