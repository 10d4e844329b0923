#!/bin/bash
# The main job on the simulated host, narrated: vmdev driving mediated
# devices on tools/simhost (a FUSE file system that behaves like the kernel's
# mdev sysfs ABI), for machines without the sandbox.
# Usage: scripts/demo --simhost   (after `make`; root or /dev/fuse access)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${VMDEV_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
VMDEV=$BUILD/vmdev
SIMHOST=$BUILD/tools/simhost/simhost
for b in "$VMDEV" "$SIMHOST"; do
  [ -x "$b" ] || { echo "demo: $b is missing; run 'make' first" >&2; exit 1; }
done

T0=$EPOCHREALTIME
say() { printf '\n\033[1m[%6.2fs] %s\033[0m\n' "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')" "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

ROOT=$(mktemp -d /tmp/vmdev-demo.XXXXXX)
cleanup() {
  "$SIMHOST" umount "$ROOT" >/dev/null 2>&1 || true
  rm -rf "$ROOT"
}
trap cleanup EXIT

say "A simulated host: an NVIDIA-style GPU (a count per type) and an mtty-style parent (one pool of 24 ports; mtty-2 costs 2)"
run cat docs/examples/host-gpu-mtty.json
run "$SIMHOST" mount docs/examples/host-gpu-mtty.json "$ROOT"
export VMDEV_ROOT=$ROOT
echo "(VMDEV_ROOT=$ROOT: every vmdev command below works on the simulated host)"

say "Parents, their mdev types and free instances"
run "$VMDEV" mdev types

say "Define a persistent vGPU (mdevctl's format, /etc/mdevctl.d) and start it"
UUID=$(run "$VMDEV" mdev define -p 0000:65:00.0 -t nvidia-63 --auto | tail -n 1)
echo "$UUID"
run cat "$ROOT/etc/mdevctl.d/0000:65:00.0/$UUID"; echo
run "$VMDEV" mdev start -u "$UUID"
run "$VMDEV" mdev list
run "$VMDEV" mdev list -d --dumpjson

say "Its IOMMU group and VFIO group node"
GROUP=$(basename "$(readlink "$ROOT/sys/bus/mdev/devices/$UUID/iommu_group")")
echo "iommu_group -> $GROUP"
run ls -l "$ROOT/dev/vfio/"

say "Creating an mtty-2 lowers both mtty counts (one shared pool, as the kernel's mtty does)"
run "$VMDEV" mdev start -p mtty -t mtty-2
run "$VMDEV" mdev types -p mtty

say "A device whose VFIO group is open (a VM holds it) is refused, never blocked on"
echo "hold $UUID" > "$ROOT/.simhost/control"
if "$VMDEV" mdev stop -u "$UUID"; then echo "demo: stop should have been refused" >&2; exit 1; fi
echo "release $UUID" > "$ROOT/.simhost/control"

say "Stop and undefine; the host is as it was"
run "$VMDEV" mdev stop -u "$UUID"
for u in $("$VMDEV" mdev list | awk '{print $1}'); do run "$VMDEV" mdev stop -u "$u"; done
run "$VMDEV" mdev undefine -u "$UUID"
run "$VMDEV" mdev list -d
run "$VMDEV" mdev types -p 0000:65:00.0

say "Done"
