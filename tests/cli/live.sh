#!/bin/bash
# live.sh: `vmdev mdev start/stop/start-parent-mdevs` against a live simulated
# host (`simhost mount`, FUSE).  TAP.  Skipped, with the reason, without
# simhost, without root or without /dev/fuse.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${VMDEV:?set VMDEV to the vmdev binary}"
export VMDEV_SYSFS_TIMEOUT_MS=${VMDEV_SYSFS_TIMEOUT_MS:-5000}

skip () { echo "1..0 # SKIP $1"; exit 0; }
[[ -n ${SIMHOST:-} && -x ${SIMHOST:-} ]] || skip "tools/simhost is not built"
[[ $(id -u) == 0 ]] || skip "needs root for FUSE mounts"
[[ -c /dev/fuse ]] || skip "no /dev/fuse"

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/vmdev-live.XXXXXX")
cleanup () { "$SIMHOST" umount "$ROOT" >/dev/null 2>&1; rm -rf "$ROOT"; }
trap cleanup EXIT
"$SIMHOST" mount "$here/hosts/gvtg-mtty.json" "$ROOT" 2>"$ROOT.err" || skip "simhost mount failed: $(head -1 "$ROOT.err")"
rm -f "$ROOT.err"

n=0 failed=0
echo "1..12"
v () { "$VMDEV" --root "$ROOT" mdev "$@"; }
check () # check DESCRIPTION EXPECTED-EXIT COMMAND...
{
  local what=$1 want=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  n=$((n + 1))
  if [[ $rc == "$want" ]]; then echo "ok $n - $what"; else
    echo "not ok $n - $what (exit $rc, expected $want)"; sed 's/^/# /' <<<"$out"; failed=$((failed + 1)); fi
}
avail () { cat "$ROOT/sys/class/mdev_bus/mtty/mdev_supported_types/$1/available_instances"; }

U=aaaaaaaa-1111-2222-3333-444444444444
check "define a device" 0 v define -u $U -p mtty -t mtty-2 -a
check "start it from its definition" 0 v start -u $U
check "it runs and is marked defined" 0 bash -c "'$VMDEV' --root '$ROOT' mdev list | grep -qx '$U mtty mtty-2 auto (defined)'"
check "the pool counts it (24 - 2 - 2 ports)" 0 test "$(avail mtty-1)" = 20
check "starting it again is refused" 1 v start -u $U
gen=$(v start -p mtty -t mtty-1)
check "start -p -t prints the generated UUID, which runs" 0 test -e "$ROOT/sys/bus/mdev/devices/$gen"
echo "hold $U" > "$ROOT/.simhost/control"
check "stop of a device in use is refused" 1 v stop -u $U
echo "release $U" > "$ROOT/.simhost/control"
check "stop" 0 v stop -u $U
check "stopped: gone from sysfs" 1 test -e "$ROOT/sys/bus/mdev/devices/$U"
check "start-parent-mdevs starts the auto definitions" 0 v start-parent-mdevs mtty
check "... and the device runs again" 0 test -e "$ROOT/sys/bus/mdev/devices/$U"
check "stop of a device that is not running" 1 v stop -u bbbbbbbb-1111-2222-3333-444444444444
exit $((failed > 0))
