# shellcheck shell=bash
# Helpers for the guest-side checks in tests/sandbox/guest/ (sourced).
# They print unnumbered TAP lines; guest-run.sh numbers them.  A check file
# exits 0 unless it could not run at all.

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

check() {
  local desc=$1; shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"
  else not_ok "$1"; printf 'expected: %q\n     got: %q\n' "$2" "$3" | diag; fi
}

# wait_for TEST-ARGS...: polls `test ARGS` for up to 5 s.
wait_for() {
  local _
  for _ in $(seq 50); do test "$@" && return 0; sleep 0.1; done
  test "$@"
}

# shellcheck disable=SC2034 # used by the check files
MDEV_BUS=/sys/class/mdev_bus
# shellcheck disable=SC2034
MDEV_DEVICES=/sys/bus/mdev/devices
avail() { cat "$MDEV_BUS/$1/mdev_supported_types/$2/available_instances" 2>/dev/null; }
