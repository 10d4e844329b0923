# shellcheck shell=bash
# Host-side helpers for the sandbox tests (TAP); sourced, not run.
#
# VMDEV_SRCDIR  the work tree (default: two levels above this file)
# VMDEV_BUILD   the build whose vmdev the guest uses (meson sets it)
# VMDEV_SANDBOX_SETUP  1: run `scripts/sandbox setup` when the sandbox is not
#               set up; 0: skip instead.  Unset: VMDEV_SANDBOX_SETUP_DEFAULT,
#               which tests/sandbox/meson.build sets to 1 (so `make check`
#               sets the sandbox up the first time), else 0.

VMDEV_SRCDIR=${VMDEV_SRCDIR:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)}
export VMDEV_BUILD=${VMDEV_BUILD:-$VMDEV_SRCDIR/build}
SANDBOX=$VMDEV_SRCDIR/scripts/sandbox
cd -- "$VMDEV_SRCDIR" || { echo "Bail out! cannot enter $VMDEV_SRCDIR"; exit 1; }

tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=1; echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }
done_testing() { echo "1..$tap_n"; exit "$tap_failed"; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
  local desc=$1; shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"
  else not_ok "$1"; printf 'expected: %q\n     got: %q\n' "$2" "$3" | diag; fi
}

# Skips the whole test unless the sandbox can run here; sets it up if allowed.
require_sandbox() {
  [ "$(id -u)" = 0 ] || skip_all "not root (the sandbox installs packages and boots a guest as root)"
  "$SANDBOX" status >/dev/null 2>&1 && return 0
  if [ "${VMDEV_SANDBOX_SETUP:-${VMDEV_SANDBOX_SETUP_DEFAULT:-0}}" = 1 ]; then
    echo "# the sandbox is not set up: running scripts/sandbox setup"
    "$SANDBOX" setup 2>&1 | diag
    "$SANDBOX" status >/dev/null 2>&1 || bail "scripts/sandbox setup failed"
  else
    skip_all "the sandbox is not set up (run scripts/sandbox setup, or set VMDEV_SANDBOX_SETUP=1)"
  fi
}

# sandbox_run OUTDIR COMMAND...: runs COMMAND in the guest; OUTDIR gets
# stdout, stderr and status.
sandbox_run() {
  local dir=$1; shift
  local rc=0
  "$SANDBOX" run -- "$@" > "$dir/stdout" 2> "$dir/stderr" || rc=$?
  echo "$rc" > "$dir/status"
}
