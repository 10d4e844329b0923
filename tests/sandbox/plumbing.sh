#!/bin/bash
# The sandbox's plumbing: COMMAND's stdout, stderr and exit status come back
# exactly and separately; the guest runs in the work tree with the build's
# vmdev first on PATH and sees fresh files; its writes do not reach the host;
# a sandbox failure is status 125 with a message.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
require_sandbox

tmp=$(mktemp -d)
fresh=""
trap 'rm -rf -- "$tmp" ${fresh:+"$fresh"}' EXIT

# same_bytes DESCRIPTION EXPECTED-FILE ACTUAL-FILE
same_bytes() {
  if cmp -s -- "$2" "$3"; then ok "$1"
  else not_ok "$1"; { echo "expected:"; od -c "$2"; echo "got:"; od -c "$3"; } | diag; fi
}

# 1. the streams and the status, separate and exact
mkdir "$tmp/a"
sandbox_run "$tmp/a" sh -c 'echo out; echo err >&2; exit 3'
printf 'out\n' > "$tmp/a/want-out"
printf 'err\n' > "$tmp/a/want-err"
same_bytes "stdout is exactly COMMAND's stdout" "$tmp/a/want-out" "$tmp/a/stdout"
same_bytes "stderr is exactly COMMAND's stderr" "$tmp/a/want-err" "$tmp/a/stderr"
expect_eq "the status is COMMAND's status" 3 "$(cat "$tmp/a/status")"

# 2. bytes: no newline added, NUL and CR kept, large output whole
mkdir "$tmp/b"
sandbox_run "$tmp/b" bash -c 'printf "a\0b\r\nno-newline"; printf "\0e\r" >&2; head -c 3000000 /dev/zero | tr "\0" x'
{ printf 'a\0b\r\nno-newline'; head -c 3000000 /dev/zero | tr '\0' x; } > "$tmp/b/want-out"
printf '\0e\r' > "$tmp/b/want-err"
same_bytes "stdout bytes come back unchanged (NUL, CR, no final newline, 3 MB)" "$tmp/b/want-out" "$tmp/b/stdout"
same_bytes "stderr bytes come back unchanged" "$tmp/b/want-err" "$tmp/b/stderr"
expect_eq "status 0" 0 "$(cat "$tmp/b/status")"

# 3. the environment: cwd, PATH, fresh files, writes stay in the guest
mkdir "$tmp/c"
mkdir -p "$VMDEV_BUILD"
fresh=$(mktemp "$VMDEV_BUILD/sandbox-fresh.XXXXXX")
token="fresh $RANDOM $(date +%s%N)"
echo "$token" > "$fresh"
sandbox_run "$tmp/c" bash -c '
  echo "cwd=$(pwd -P)"
  echo "path1=${PATH%%:*}"
  echo "fresh=$(cat "$1")"
  echo "in guest" > "$1" && echo "write=ok"
  echo "guest=${VMDEV_SANDBOX_GUEST:-}"
  exit 0' sh "$fresh"
out=$(cat "$tmp/c/stdout")
expect_eq "the guest's cwd is the work tree" "$(pwd -P)" "$(sed -n 's/^cwd=//p' <<<"$out")"
expect_eq "VMDEV_BUILD is first on the guest's PATH" "$(cd "$VMDEV_BUILD" && pwd -P)" "$(sed -n 's/^path1=//p' <<<"$out")"
expect_eq "the guest sees a file written just before the run" "$token" "$(sed -n 's/^fresh=//p' <<<"$out")"
expect_eq "the guest can write in the work tree" "write=ok" "$(grep -x 'write=ok' <<<"$out")"
expect_eq "the guest's writes do not reach the host" "$token" "$(cat "$fresh")"
expect_eq "VMDEV_SANDBOX_GUEST=1 in the guest" "guest=1" "$(grep '^guest=' <<<"$out")"

# 4. COMMAND's own failures are COMMAND's status
mkdir "$tmp/d"
sandbox_run "$tmp/d" vmdev-sandbox-no-such-command
expect_eq "a missing COMMAND is status 127" 127 "$(cat "$tmp/d/status")"

# 5. a sandbox failure is 125 with a message (boot deadline of 0 s)
mkdir "$tmp/e"
VMDEV_SANDBOX_BOOT_TIMEOUT=0 sandbox_run "$tmp/e" true
expect_eq "a guest that does not boot in time is status 125" 125 "$(cat "$tmp/e/status")"
check "... with 'sandbox: error: watchdog' on stderr" grep -q '^sandbox: error: watchdog:' "$tmp/e/stderr"
check "... and nothing on stdout" test ! -s "$tmp/e/stdout"
run_dir=$(sed -n 's/^sandbox: error: run directory kept: \([^ ]*\).*/\1/p' "$tmp/e/stderr")
check "the failed run's directory is kept and named" test -d "$run_dir"
check "the console log is in it" test -e "$run_dir/console.log"
# The processes of a killed run may take a moment to be reaped: wait (bounded).
for _ in $(seq 1 30); do
  [ -n "$run_dir" ] && [ -z "$(pgrep -f -- "$run_dir/" || true)" ] && break
  sleep 0.5
done
left=$(pgrep -af -- "$run_dir/" || true)
check "no QEMU of that run is left running" test -n "$run_dir" -a -z "$left"
[ -z "$left" ] || printf '%s\n' "$left" | diag
[ -d "$run_dir" ] && rm -rf -- "$run_dir"

done_testing
