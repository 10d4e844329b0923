# shellcheck shell=bash
# Host preparation on the real kernel (issue 6): a managed mtty mdev created
# at start and removed at destroy; the real /dev/vfio/<group> owned by QEMU's
# configured user (65534:65534) while the domain runs and restored after;
# QEMU running as that user without capabilities, in a private /dev; a killed
# QEMU's managed mdev reclaimed by the next command; and four domains racing
# for two pre-created mdevs: exactly two run.  A trap removes everything.
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

QEMU=/usr/bin/qemu-system-x86_64
CONF=/etc/vmdev/vmdev.conf
P1=c7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f6001
P2=c7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f6002
TMP=$(mktemp -d)
DOMAINS="sbx-hp-m sbx-hp-p sbx-hp-k sbx-hp-r0 sbx-hp-r1 sbx-hp-r2 sbx-hp-r3"

# shellcheck disable=SC2317 # run by the trap
cleanup() {
  local n u
  for n in $DOMAINS; do
    [ -d "/run/vmdev/d/$n" ] && timeout 60 vmdev domain destroy "$n" >/dev/null 2>&1
    vmdev domain undefine "$n" >/dev/null 2>&1
  done
  timeout 30 vmdev domain list --all >/dev/null 2>&1
  for u in "$P1" "$P2"; do
    [ -e "$MDEV_DEVICES/$u" ] && timeout 20 vmdev mdev stop -u "$u" >/dev/null 2>&1
  done
  rm -f "$CONF"
  rm -rf "$TMP"
}
trap cleanup EXIT

# domain NAME SOURCE [MANAGED-ATTR]: defines a paused-start-able domain.
domain() {
  cat > "$TMP/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$QEMU</emulator>
    <video><model type='none'/></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'${3:-}><source>$2</source></hostdev>
  </devices>
</domain>
XML
  vmdev domain define "$TMP/$1.xml" >/dev/null
}
status_file() { echo "/run/vmdev/d/$1/status.json"; }
num() { sed -n "s/^ *\"$2\" *: *\([0-9][0-9]*\).*/\1/p" "$(status_file "$1")" 2>/dev/null | head -1; }
hostdev_uuid() { sed -n 's/^ *"uuid" *: *"\([^"]*\)".*/\1/p' "$(status_file "$1")" 2>/dev/null | sed -n 2p; }
group_of() { basename "$(readlink "$MDEV_DEVICES/$1/iommu_group" 2>/dev/null)" 2>/dev/null; }
owner() { stat -c '%u:%g %a' "$1" 2>/dev/null; }
proc_ids() { awk '/^Uid:|^Gid:/ { print $2 } /^CapEff:/ { print $2 }' "/proc/$1/status" | tr '\n' ' '; }

mkdir -p /etc/vmdev
printf '[qemu]\nuser=65534\ngroup=65534\n' > "$CONF"

# --- a managed mdev: created at start, gone after destroy
before=$(avail mtty mtty-1)
domain sbx-hp-m "<mdev type='mtty-1' parent='mtty'/>" " managed='yes'"
check "start a domain with a managed mtty-1 mdev" vmdev domain start sbx-hp-m --paused
u=$(hostdev_uuid sbx-hp-m)
pid=$(num sbx-hp-m pid)
g=$(group_of "$u")
check "the managed mdev $u exists" test -e "$MDEV_DEVICES/$u"
expect_eq "mtty-1: one instance fewer" "$((before - 1))" "$(avail mtty mtty-1)"
expect_eq "/dev/vfio/$g belongs to QEMU's user while the domain runs" "65534:65534 600" "$(owner "/dev/vfio/$g")"
expect_eq "QEMU runs as 65534:65534 without capabilities" "65534 65534 0000000000000000 " "$(proc_ids "$pid")"
expect_eq "QEMU's private /dev holds its group node" "$g vfio" "$(ls "/proc/$pid/root/dev/vfio" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
Q=/run/vmdev/d/sbx-hp-m/qmp.sock
expect_eq "query-pci: the mtty device (QEMU opened the group as its user)" 1 \
  "$(pci_devices "$Q" 2>/dev/null | grep -c ' 4348:3253 ')"
check "destroy" vmdev domain destroy sbx-hp-m
check "destroy removed the managed mdev" wait_for ! -e "$MDEV_DEVICES/$u"
expect_eq "mtty-1: the instance is back" "$before" "$(avail mtty mtty-1)"
check "no claim left" test -z "$(ls -A /run/vmdev/claims 2>/dev/null)"

# --- a pre-created mdev: its node's owner restored after
vmdev mdev start -p mtty -t mtty-1 -u "$P1" >/dev/null 2>&1
g1=$(group_of "$P1")
orig=$(owner "/dev/vfio/$g1")
domain sbx-hp-p "<address uuid='$P1'/>"
check "start a domain with a pre-created mdev" vmdev domain start sbx-hp-p --paused
expect_eq "/dev/vfio/$g1 belongs to QEMU's user" "65534:65534 600" "$(owner "/dev/vfio/$g1")"
check "destroy" vmdev domain destroy sbx-hp-p
expect_eq "/dev/vfio/$g1 has its owner and mode back ($orig)" "$orig" "$(owner "/dev/vfio/$g1")"
check "the pre-created mdev is still there" test -e "$MDEV_DEVICES/$P1"

# --- a killed QEMU: its managed mdev is reclaimed by the next command
domain sbx-hp-k "<mdev type='mtty-1'/>" " managed='yes'"
vmdev domain start sbx-hp-k --paused >/dev/null 2>&1
uk=$(hostdev_uuid sbx-hp-k)
pk=$(num sbx-hp-k pid)
mk=$(num sbx-hp-k monitor_pid)
kill -9 "$mk" "$pk" 2>/dev/null
check "the killed domain's mdev is still there before any command" test -e "$MDEV_DEVICES/$uk"
sleep 1
check "the next command (list) runs" vmdev domain list --all
check "... and has removed the killed domain's managed mdev" wait_for ! -e "$MDEV_DEVICES/$uk"
check "... and its claim" test ! -e "/run/vmdev/claims/$uk.json"

# --- four domains race for two pre-created mdevs
vmdev mdev start -p mtty -t mtty-1 -u "$P2" >/dev/null 2>&1
for i in 0 1 2 3; do
  if [ $((i % 2)) = 0 ]; then domain "sbx-hp-r$i" "<address uuid='$P1'/>"
  else domain "sbx-hp-r$i" "<address uuid='$P2'/>"; fi
done
pids=()
for i in 0 1 2 3; do
  vmdev domain start "sbx-hp-r$i" --paused >/dev/null 2>"$TMP/r$i.err" & pids+=($!)
done
won=0 lost=0
for i in 0 1 2 3; do
  if wait "${pids[$i]}"; then won=$((won + 1)); else lost=$((lost + 1)); fi
done
expect_eq "4 parallel starts for 2 mdevs: 2 run, 2 refused" "2 2" "$won $lost"
expect_eq "the refusals say which domain has the device" 2 \
  "$(cat "$TMP"/r*.err | grep -c 'is in use by domain sbx-hp-r')"
for i in 0 1 2 3; do
  [ -d "/run/vmdev/d/sbx-hp-r$i" ] && vmdev domain destroy "sbx-hp-r$i" >/dev/null
done
check "all destroyed: no claim left" test -z "$(ls -A /run/vmdev/claims 2>/dev/null)"
