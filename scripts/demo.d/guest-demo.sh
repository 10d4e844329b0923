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
DOM=sbx-demo DOM_DEFINED="" DOM_RUNNING="" MDEVS=""
failed=0

elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%6.1f", b - a }'; }
say() { printf '\n\033[1m[%ss] %s\033[0m\n' "$(elapsed)" "$*"; }
run() { printf '\033[2m$\033[0m %s\n' "$*"; "$@"; }
oops() { printf '\033[1;31mdemo: %s\033[0m\n' "$*"; failed=1; }

# The guest's PCI devices as its QEMU reports them: QMP query-pci on the
# domain's command socket through tests/tools/qmp-call (a test tool of the
# build), one line each: bus:slot.function vendor:device QEMU-id.
QMP_CALL=$(dirname "$(command -v vmdev)")/tests/tools/qmp-call
pci() {
  "$QMP_CALL" --flat "$QMP" query-pci | awk '
    { eq = index($0, "="); p = substr($0, 1, eq - 1); v = substr($0, eq + 1) }
    match(p, /^\.\[[0-9]+\]\.devices\[[0-9]+\]\./) {
      d = substr(p, 1, RLENGTH); k = substr(p, RLENGTH + 1)
      if (!(d in seen)) { seen[d] = 1; order[n++] = d }
      val[d, k] = v
    }
    END {
      for (i = 0; i < n; i++) {
        d = order[i]; q = val[d, "qdev_id"]; gsub(/"/, "", q); if (q == "") q = "-"
        printf "  %02x:%02x.%x  %04x:%04x  %s\n", val[d, "bus"], val[d, "slot"], val[d, "function"],
               val[d, "id.vendor"], val[d, "id.device"], q
      }
    }'
}
hostdev() {
  printf "<hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
  printf "  <source><address uuid='%s'/></source>\n</hostdev>\n" "$1"
}
show_pci() {
  printf '\033[2m$\033[0m qmp-call %s query-pci   # the reply, one device a line:\n' "$QMP"
  pci | sed 's/\( 4348:3253 .*\)/\1   <- mtty/'
}

# shellcheck disable=SC2317 # run by the trap
cleanup() {
  if [ -n "$QEMU_PID" ]; then kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; fi
  exec 3>&- 2>/dev/null
  [ -n "$DOM_RUNNING" ] && timeout 60 vmdev domain destroy "$DOM" >/dev/null 2>&1
  [ -n "$DOM_DEFINED" ] && vmdev domain undefine "$DOM" >/dev/null 2>&1
  for m in $MDEVS; do
    [ -e "$DEVICES/$m" ] && timeout 20 vmdev mdev stop -u "$m" >/dev/null 2>&1
  done
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

say "A domain: libvirt-style XML with an mtty mdev as its hostdev, QEMU run by vmdev"
M1=$(vmdev mdev start -p mtty -t mtty-2); MDEVS=$M1
M2=$(vmdev mdev start -p mtty -t mtty-1); MDEVS="$M1 $M2"
if [ -z "$M1" ] || [ -z "$M2" ]; then oops "could not create two mtty mdevs"; exit 1; fi
printf '\033[2m$\033[0m vmdev mdev start -p mtty -t mtty-2\n%s\n' "$M1"
printf '\033[2m$\033[0m vmdev mdev start -p mtty -t mtty-1\n%s\n' "$M2"
cat > "$TMP/$DOM.xml" <<XML
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <video><model type='none'/></video>
$(hostdev "$M1" | sed 's/^/    /')
  </devices>
</domain>
XML
hostdev "$M2" > "$TMP/hostdev.xml"
run cat "$TMP/$DOM.xml"
run vmdev domain define "$TMP/$DOM.xml" || oops "define failed"
DOM_DEFINED=1
echo "(no OS and no disk: the guest stays paused, which is all a TCG guest inside TCG needs)"
run vmdev domain start "$DOM" --paused || { oops "start failed"; tail "/var/log/vmdev/$DOM.log"; exit 1; }
DOM_RUNNING=1
run vmdev domain status "$DOM" --json
QMP=/run/vmdev/d/$DOM/qmp.sock

say "What the guest sees: QMP query-pci on the domain's command socket"
show_pci
[ "$(pci | grep -c ' 4348:3253 ')" = 1 ] || oops "query-pci should show one 4348:3253"

say "Hotplug the second mdev into the running domain (QMP device_add on the next free slot)"
run cat "$TMP/hostdev.xml"
run vmdev domain attach-device "$DOM" "$TMP/hostdev.xml" --live || oops "attach-device failed"
show_pci
[ "$(pci | grep -c ' 4348:3253 ')" = 2 ] || oops "query-pci should show two 4348:3253"
printf '\033[2m$\033[0m vmdev domain dumpxml %s   # the live definition; its new <hostdev>:\n' "$DOM"
vmdev domain dumpxml "$DOM" |
  awk -v u="$M2" '/<hostdev/ { b = ""; on = 1 } on { b = b $0 "\n" }
                  /<\/hostdev>/ { on = 0; if (index(b, u)) printf "%s", b }'

say "Unplug: device_del, then wait for the guest to eject it — this guest runs no OS, so it never does"
t=$EPOCHREALTIME
if run vmdev domain detach-device "$DOM" "$TMP/hostdev.xml" --live --timeout 3; then
  oops "detach-device should have timed out"
fi
printf '(exit 1 after %.1f s; the device stays attached and in use:)\n' \
  "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
printf '\033[2m$\033[0m vmdev domain dumpxml %s | grep -c "<hostdev"\n' "$DOM"
vmdev domain dumpxml "$DOM" | grep -c '<hostdev'
show_pci

say "Destroy: QEMU stops, its mdevs are free again"
run vmdev domain destroy "$DOM" || oops "destroy failed"
DOM_RUNNING=""
run vmdev domain list --all
for m in $MDEVS; do run vmdev mdev stop -u "$m" || oops "stop of $m failed"; done
MDEVS=""
run vmdev domain undefine "$DOM" || oops "undefine failed"
DOM_DEFINED=""

say "Everything is cleaned up: no mdev, no group node, no definition, no domain, every count back"
run vmdev mdev list
run vmdev mdev list -d
run vmdev domain list --all
run ls -A "$DEVICES" /dev/vfio /etc/mdevctl.d /run/vmdev/d
run vmdev mdev types -p mtty
if [ -n "$(ls -A "$DEVICES")$(ls -A /run/vmdev/d 2>/dev/null)" ] || [ -e "/etc/mdevctl.d/mtty/$UUID_DONE" ] ||
   [ "$(cat "$BUS/mtty/mdev_supported_types/mtty-2/available_instances")" != 12 ]; then
  oops "something was left behind"
fi

say "Guest done"
exit "$failed"
