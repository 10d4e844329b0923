#!/bin/bash
# The guest half of `make demo` (scripts/demo runs it with `scripts/sandbox
# run`): vmdev on a real kernel — Debian's, with the mtty and mdpy sample
# mdev drivers — narrated.  Everything goes to stdout, in order.
# VMDEV_DEMO_T0 (epoch seconds) is when the demo started on the host: the
# guest's clock comes from the host's, so the elapsed times continue its.
set -uo pipefail
exec 2>&1

T0=${VMDEV_DEMO_T0:-$EPOCHREALTIME}
BUS=/sys/class/mdev_bus
DEVICES=/sys/bus/mdev/devices
TMP=$(mktemp -d)
QEMU_PID=""
UUID=""
failed=0

elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%6.1f", b - a }'; }
say() { printf '\n\033[1m[%ss] %s\033[0m\n' "$(elapsed)" "$*"; }
run() { printf '\033[2m$\033[0m %s\n' "$*"; "$@"; }
oops() { printf '\033[1;31mdemo: %s\033[0m\n' "$*"; failed=1; }

# shellcheck disable=SC2317 # run by the trap
cleanup() {
  if [ -n "$QEMU_PID" ]; then kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; fi
  exec 3>&- 2>/dev/null
  if [ -n "$UUID" ]; then
    [ -e "$DEVICES/$UUID" ] && vmdev mdev stop -u "$UUID" >/dev/null 2>&1
    vmdev mdev undefine -u "$UUID" >/dev/null 2>&1
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

say "Inside the guest: Linux $(uname -r), $(nproc) vCPUs under TCG; vmdev is $(command -v vmdev)"
printf 'modules: %s\n' "$(awk '$1 ~ /^(vfio|vfio_iommu_type1|mdev|mtty|mdpy)$/ { printf "%s ", $1 }' /proc/modules)"
run ls -l "$BUS"

say "Parents, their mdev types and free instances: the kernel's mtty (serial ports) and mdpy (display)"
run vmdev mdev types

say "Define a persistent mdev on mtty (mdevctl's format, /etc/mdevctl.d) and start it"
UUID=$(vmdev mdev define -p mtty -t mtty-2 | tail -n 1)
printf '\033[2m$\033[0m vmdev mdev define -p mtty -t mtty-2\n%s\n' "$UUID"
[ -n "$UUID" ] || { oops "define printed no UUID"; exit 1; }
run cat "/etc/mdevctl.d/mtty/$UUID"; echo
run vmdev mdev start -u "$UUID" || oops "start failed"
run vmdev mdev list
run vmdev mdev list -d --dumpjson
echo "(one mtty-2 takes 2 of mtty's 24 ports: both types' counts drop)"
run vmdev mdev types -p mtty

say "Its IOMMU group and VFIO group node: what a VM opens"
run ls -l "$DEVICES/$UUID/"
run readlink "$DEVICES/$UUID/iommu_group"
GROUP=$(basename "$(readlink "$DEVICES/$UUID/iommu_group")")
run ls "/sys/kernel/iommu_groups/$GROUP/devices"
run ls -l /dev/vfio/
echo "(group $GROUP: the character device /dev/vfio/$GROUP is what QEMU opens)"

say "A nested QEMU realizes vfio-pci on it: the guest-visible PCI device 4348:3253 (mtty)"
mkfifo "$TMP/mon"
printf '\033[2m$\033[0m qemu-system-x86_64 -accel tcg -nodefaults -display none -S -monitor stdio -device vfio-pci,sysfsdev=%s &\n' \
  "$DEVICES/$UUID"
qemu-system-x86_64 -accel tcg -nodefaults -display none -S -monitor stdio \
  -device "vfio-pci,sysfsdev=$DEVICES/$UUID" < "$TMP/mon" > "$TMP/qemu.out" 2>&1 &
QEMU_PID=$!
exec 3> "$TMP/mon"
echo "info pci" >&3
for _ in $(seq 600); do
  grep -q 'PCI device 4348:3253' "$TMP/qemu.out" && break
  kill -0 "$QEMU_PID" 2>/dev/null || break
  sleep 0.1
done
echo "(qemu) info pci   — the vfio-pci device:"
# The block of info pci that describes our device.
tr -d '\r' < "$TMP/qemu.out" | grep -v '^(qemu)' |
  awk '/^ *Bus / { if (b ~ /4348:3253/) printf "%s", b; b = "" }
       { b = b $0 "\n" }
       END { if (b ~ /4348:3253/) printf "%s", b }'
grep -q 'PCI device 4348:3253' "$TMP/qemu.out" || { oops "QEMU did not show 4348:3253:"; cat "$TMP/qemu.out"; }
held=""
for fd in "/proc/$QEMU_PID"/fd/*; do
  l=$(readlink "$fd" 2>/dev/null) || continue
  case $l in /dev/vfio/*) held="$held $l" ;; esac
done
echo "QEMU (pid $QEMU_PID) has open:$held"

say "While QEMU holds the group, stop is refused at once (the kernel would block on remove)"
t=$EPOCHREALTIME
if run vmdev mdev stop -u "$UUID"; then oops "stop should have been refused"; fi
printf '(answered in %.2f s; the device is still there: %s)\n' \
  "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" \
  "$([ -e "$DEVICES/$UUID" ] && echo yes || echo no)"
echo "quit" >&3
exec 3>&-
wait "$QEMU_PID"; echo "QEMU exited with status $?"
QEMU_PID=""

say "Stop and undefine"
run vmdev mdev stop -u "$UUID" || oops "stop failed"
run vmdev mdev undefine -u "$UUID" || oops "undefine failed"
UUID_DONE=$UUID; UUID=""

say "Everything is cleaned up: no mdev, no group node, no definition, every count back"
run vmdev mdev list
run vmdev mdev list -d
run ls -A "$DEVICES" /dev/vfio /etc/mdevctl.d
run vmdev mdev types -p mtty
if [ -n "$(ls -A "$DEVICES")" ] || [ -e "/etc/mdevctl.d/mtty/$UUID_DONE" ] ||
   [ "$(cat "$BUS/mtty/mdev_supported_types/mtty-2/available_instances")" != 12 ]; then
  oops "something was left behind"
fi

say "Guest done"
exit "$failed"
