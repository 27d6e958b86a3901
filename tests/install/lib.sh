# Shared by the install suite's scripts: checks that name what failed, and a counter.
checks=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    checks=$((checks + 1))
    echo "ok: $*"
}

# expect_file PATH: PATH exists and is not empty.
expect_file() {
    [ -s "$1" ] || fail "$1 missing or empty"
    ok "$1"
}

# expect_line FILE PATTERN WHAT: a line of FILE matches the extended regex PATTERN.
expect_line() {
    grep -Eq -- "$2" "$1" || { cat "$1" >&2; fail "$3: no line matching '$2'"; }
    ok "$3"
}

# no_line FILE PATTERN WHAT: no line of FILE matches PATTERN.
no_line() {
    if grep -Eq -- "$2" "$1"; then cat "$1" >&2; fail "$3: a line matches '$2'"; fi
    ok "$3"
}

done_checks() {  # [WHERE]
    echo "$(basename "$0")${1:+ ($1)}: $checks checks passed"
}
