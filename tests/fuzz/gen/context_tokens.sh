#!/bin/bash
# Remakes corpus/fuzz_framing and the exported names of corpus/fuzz_name from MIT krb5's
# own mechanism in a throwaway test realm (scripts/realm), then stops the realm.
#
#   tests/fuzz/gen/context_tokens.sh     (from anywhere; needs cc, libgssapi_krb5, krb5kdc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/apx-fuzz-seeds.XXXXXX")
realm="$work/realm"
cleanup() {
    "$top/scripts/realm" stop "$realm" || true
    rm -rf "$work"
}
trap cleanup EXIT

cc -O1 -Wall -Werror -o "$work/context_tokens" "$here/context_tokens.c" \
    $(pkg-config --cflags --libs mit-krb5-gssapi mit-krb5)
"$top/scripts/realm" start "$realm"
# shellcheck disable=SC1091
. "$realm/env"
# MIT's built-in mechanism only; no replay cache (each AP-REQ is read twice: by the
# acceptor and by krb5_rd_req for its checksum).
export GSS_MECH_CONFIG="$realm/empty-mech.conf" KRB5RCACHETYPE=none

framing="$top/tests/fuzz/corpus/fuzz_framing"
names="$top/tests/fuzz/corpus/fuzz_name"
rm -rf "$framing" "$names"/export-* "$names"/text-*
mkdir -p "$framing" "$names"
"$work/context_tokens" "$realm/service.keytab" "$realm/stale.keytab" "$framing" "$names"
