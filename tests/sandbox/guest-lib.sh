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

# tests/tools/qmp-call of the build whose vmdev is first on PATH.
# shellcheck disable=SC2034
QMP_CALL=$(dirname -- "$(command -v vmdev)")/tests/tools/qmp-call

# pci_devices QMP-SOCKET: the guest's PCI devices as its QEMU reports them
# (QMP query-pci), one line each: "BB:SS.F VVVV:DDDD QDEV-ID" ("-": no id).
pci_devices() {
  local flat
  flat=$("$QMP_CALL" --flat "$1" query-pci) || return 1
  awk '
    { eq = index($0, "="); p = substr($0, 1, eq - 1); v = substr($0, eq + 1) }
    match(p, /^\.\[[0-9]+\]\.devices\[[0-9]+\]\./) {
      d = substr(p, 1, RLENGTH); k = substr(p, RLENGTH + 1)
      if (!(d in seen)) { seen[d] = 1; order[n++] = d }
      val[d, k] = v
    }
    END {
      for (i = 0; i < n; i++) {
        d = order[i]; q = val[d, "qdev_id"]; gsub(/"/, "", q); if (q == "") q = "-"
        printf "%02x:%02x.%x %04x:%04x %s\n", val[d, "bus"], val[d, "slot"], val[d, "function"],
               val[d, "id.vendor"], val[d, "id.device"], q
      }
    }' <<<"$flat"
}
