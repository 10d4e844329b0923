#!/bin/bash
# mdev hotplug (attach-device / detach-device --live) with the qemu-double on
# the simulated host: device_add with the command line's JSON, the live
# definition and status, refusals that leave nothing behind, unplug with a
# guest that ejects, one that never does, and one that ejects late.
. "$(dirname "$0")/lib.sh"

with_simhost "$(dirname "$0")/../cli/hosts/gvtg-mtty.json"
u1=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001   # mtty-2, IOMMU group 12
u2=11111111-2222-3333-4444-555555555555   # GVT-g, IOMMU group 7
missing=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee

cat > "$tmp_root/vmh.xml" <<XML
<domain type='kvm'>
  <name>vmh</name>
  <uuid>2d6e7a8c-3f4b-4c5d-8e9f-a0b1c2d3e4f5</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='$u1'/></source>
    </hostdev>
  </devices>
</domain>
XML
hostdev_xml () # FILE UUID [EXTRA-ATTRS [INNER]]
{
  cat > "$1" <<XML
<hostdev mode='subsystem' type='mdev' model='vfio-pci'${3:-}>
  <source><address uuid='$2'/></source>${4:-}
</hostdev>
XML
}
hostdev_xml "$tmp_root/h2.xml" "$u2"
hostdev_xml "$tmp_root/missing.xml" "$missing"
hostdev_xml "$tmp_root/ramfb.xml" "$u2" " display='on' ramfb='on'"
hostdev_xml "$tmp_root/alias.xml" "$u2" "" "
  <alias name='ua-gpu'/>"

hostdevs () { status_json vmh | jq -c '[.hostdevs[] | [.uuid, .alias, .managed, .created_by_vmdev, .iommu_group]]'; }
live_uuids () { "$VMDEV" domain dumpxml vmh | sed -n "s/.*<address uuid='\([^']*\)'.*/\1/p" | tr '\n' ' '; }
persistent_uuids () { "$VMDEV" domain dumpxml vmh --inactive | sed -n "s/.*<address uuid='\([^']*\)'.*/\1/p" | tr '\n' ' '; }

run domain define "$tmp_root/vmh.xml"
is "$rc|$err" "0|" "define"

run domain attach-device vmh "$tmp_root/h2.xml" --live
like "$rc|$err" "^1\|vmdev: attaching device: domain 'vmh' is not running \(--live needs a running domain\)$" \
  "--live on a domain that is not running"
run domain detach-device vmh "$tmp_root/h2.xml" --timeout 3
like "$rc|$err" "^2\|.*'--timeout' needs --live" "--timeout without --live is a usage error"

run domain start vmh
is "$rc|$out" "0|Domain 'vmh' started" "start"
pid=$(json_get "$(status_json vmh)" pid)
is "$(hostdevs)" "[[\"$u1\",\"hostdev0\",false,false,12]]" "status: the hostdev, its QEMU id and IOMMU group"

# Attach: device_add, recorded in the live definition and the status only.
run domain attach-device vmh "$tmp_root/h2.xml" --live
is "$rc|$out|$err" "0|Device attached successfully|" "attach-device --live"
is "$(hostdevs)" "[[\"$u1\",\"hostdev0\",false,false,12],[\"$u2\",\"hostdev1\",false,false,7]]" \
  "status lists the hot-plugged device as hostdev1"
is "$(live_uuids)" "$u1 $u2 " "dumpxml shows it"
is "$(persistent_uuids)" "$u1 " "dumpxml --inactive does not (no --config)"
like "$("$VMDEV" domain dumpxml vmh | grep -A3 "uuid='$u2'")" "<address type='pci' domain='0x0000' bus='0x00' slot='0x0[3-9a-f]' function='0x0'/>" \
  "it got a free guest PCI slot"
like "$(cat "$root/var/log/vmdev/vmh.log")" "attach-device: mdev $u2 hot-plugged as hostdev1" \
  "the domain's log has the hotplug"
run domain attach-device vmh "$tmp_root/h2.xml" --live
like "$rc|$err" "^1\|vmdev: attaching device: mediated device $u2 is already attached to domain 'vmh'$" \
  "attaching it twice is refused"

# Refusals leave nothing behind.
before_live=$("$VMDEV" domain dumpxml vmh) before_st=$(hostdevs)
run domain attach-device vmh "$tmp_root/missing.xml" --live
like "$rc|$err" "^1\|vmdev: attaching device: mediated device $missing does not exist \(start it with" \
  "a missing mdev is refused before QEMU"
run domain attach-device vmh "$tmp_root/ramfb.xml" --live
like "$rc|$err" "^1\|vmdev: attaching device: mdev $u2: a device with ramfb='on' \(vfio-pci-nohotplug\) cannot be hot-plugged" \
  "a ramfb device is refused for hotplug"
is "$("$VMDEV" domain dumpxml vmh)|$(hostdevs)" "$before_live|$before_st" \
  "the refusals changed neither the live definition nor the status"

# Detach with a guest that ejects (the double: after 100 ms).
run domain detach-device vmh "$tmp_root/h2.xml" --live
is "$rc|$out|$err" "0|Device detached successfully|" "detach-device --live: the guest ejects it"
is "$(hostdevs)|$(live_uuids)" "[[\"$u1\",\"hostdev0\",false,false,12]]|$u1 " \
  "gone from the status and the live definition"
run domain detach-device vmh "$tmp_root/h2.xml" --live
like "$rc|$err" "^1\|vmdev: detaching device: domain 'vmh' has no mdev $u2$" "detaching it again"

# --live --config: both definitions; a user alias is the QEMU id.
run domain attach-device vmh "$tmp_root/alias.xml" --live --config
is "$rc|$out|$err" "0|Device attached successfully|" "attach-device --live --config with an alias"
is "$(hostdevs)" "[[\"$u1\",\"hostdev0\",false,false,12],[\"$u2\",\"ua-gpu\",false,false,7]]" \
  "the user alias is the QEMU id"
is "$(persistent_uuids)" "$u1 $u2 " "the persistent definition has it too"
like "$(tr '\0' '\n' < "/proc/$pid/cmdline")" "hostdev0" "(QEMU still the same process)"
run domain detach-device vmh "$tmp_root/h2.xml" --live --config
is "$rc|$(hostdevs)|$(persistent_uuids)" "0|[[\"$u1\",\"hostdev0\",false,false,12]]|$u1 " \
  "detach-device --live --config removes it from both"
run domain destroy vmh

# A guest that never ejects: the unplug times out, the device stays.
QEMU_DOUBLE_EJECT=never "$VMDEV" domain start vmh >/dev/null
run domain attach-device vmh "$tmp_root/h2.xml" --live
is "$rc" 0 "attach (guest without an OS)"
t0=$(date +%s%N)
run domain detach-device vmh "$tmp_root/h2.xml" --live --timeout 1
t1=$(date +%s%N)
like "$rc|$err" "^1\|vmdev: detaching device: mdev $u2: the guest of domain 'vmh' did not release it within 1 s .*it stays attached" \
  "the unplug times out with a clear error"
[ $(( (t1 - t0) / 1000000 )) -lt 10000 ]
ok $? "the timeout bounds the wait"
is "$(hostdevs | jq -c 'map(.[1])')|$(live_uuids)" "[\"hostdev0\",\"hostdev1\"]|$u1 $u2 " \
  "the device stays attached and recorded"
run domain detach-device vmh "$tmp_root/h2.xml" --live --timeout 1
like "$rc|$err" "^1\|.*did not release it within 1 s" "asking again waits again, and times out the same way"
like "$(cat "$root/var/log/vmdev/vmh.log")" "detach-device: device_del of mdev $u2 sent; no DEVICE_DELETED within 1000 ms" \
  "the domain's log has the unplug attempts"
run domain destroy vmh
is "$rc" 0 "destroy with the device still attached"

# A guest that ejects late: the monitor forgets the device when it does.
QEMU_DOUBLE_EJECT_DELAY_MS=1500 "$VMDEV" domain start vmh >/dev/null
run domain attach-device vmh "$tmp_root/h2.xml" --live
run domain detach-device vmh "$tmp_root/h2.xml" --live --timeout 0
like "$rc|$err" "^1\|.*did not release it within 0 s" "--timeout 0 does not wait"
late_gone () { [ "$(live_uuids)" = "$u1 " ] && [ "$(hostdevs | jq length)" = 1 ]; }
wait_until 10 late_gone
ok $? "the late DEVICE_DELETED reaches the monitor, which drops the device"
like "$(cat "$root/var/log/vmdev/vmh.log")" "device hostdev1 was released by the guest" \
  "the monitor logs it"
run domain attach-device vmh "$tmp_root/h2.xml" --live
is "$rc|$(hostdevs | jq -c 'map(.[1])')" "0|[\"hostdev0\",\"hostdev1\"]" \
  "hot-plugging it again reuses the id QEMU has released"
run domain destroy vmh
is "$(ls -A "$root/run/vmdev/d" 2>/dev/null)" "" "no runtime dirs left"
finish
