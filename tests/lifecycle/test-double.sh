#!/bin/bash
# The lifecycle with the qemu-double on the simulated host: a domain with an
# mdev hostdev starts (the double checks the sysfsdev under the root), runs,
# is suspended, resumed and destroyed.
. "$(dirname "$0")/lib.sh"

with_simhost "$(dirname "$0")/../cli/hosts/gvtg-mtty.json"
u=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
[ -e "$root/sys/bus/mdev/devices/$u" ]
ok $? "the simulated host has mdev $u"

cat > "$tmp_root/vmd.xml" <<XML
<domain type='kvm'>
  <name>vmd</name>
  <uuid>0d6e7a8c-3f4b-4c5d-8e9f-a0b1c2d3e4f5</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='$u'/></source>
    </hostdev>
  </devices>
</domain>
XML
run domain define "$tmp_root/vmd.xml"
is "$rc|$err" "0|" "define a domain with an mdev hostdev"
run domain start vmd
is "$rc|$out|$err" "0|Domain 'vmd' started|" "start: the double accepts the sysfsdev"
st=$(status_json vmd)
pid=$(json_get "$st" pid)
is "$(json_get "$st" state)" "running" "status: running"
like "$(tr '\0' '\n' < "/proc/$pid/cmdline")" "\"sysfsdev\":\"/sys/bus/mdev/devices/$u\"" \
  "QEMU got the canonical sysfsdev"
run domain suspend vmd
is "$rc|$out" "0|Domain 'vmd' suspended" "suspend"
run domain status vmd
is "$out" "paused" "paused (query-status)"
run domain resume vmd
is "$rc|$out" "0|Domain 'vmd' resumed" "resume"
run domain destroy vmd
is "$rc|$out|$err" "0|Domain 'vmd' destroyed|" "destroy"
dead "$pid" && [ ! -e "$root/run/vmdev/d/vmd" ]
ok $? "QEMU gone and runtime dir removed"
like "$(cat "$root/var/log/vmdev/vmd.log")" "terminating on signal 15" "the double got SIGTERM"

# A guest that powers off: shutdown --timeout returns once it is off.
run domain start vmd
pid=$(json_get "$(status_json vmd)" pid)
run domain shutdown vmd --timeout 60
is "$rc|$out" "0|Domain 'vmd' is being shutdown
Domain 'vmd' shut off" "shutdown --timeout: the guest powers off"
dead "$pid" && [ ! -e "$root/run/vmdev/d/vmd" ]
ok $? "QEMU gone and runtime dir removed"

# A host without the device: the double refuses the sysfsdev, start reports it.
sed -e "s|$u|aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee|" -e 's|vmd<|vme<|' \
  -e 's|0d6e7a8c|1d6e7a8c|' "$tmp_root/vmd.xml" > "$tmp_root/vme.xml"
run domain define "$tmp_root/vme.xml"
run domain start vme
is "$rc|$err" "1|vmdev: starting a domain: domain 'vme': mediated device aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee does not exist (start it with 'vmdev mdev start -u aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', or let vmdev create it: managed='yes' with <mdev type='...'/>)" \
  "a missing mdev: start fails before QEMU, saying what to do"
is "$(ls -A "$root/run/vmdev/claims" 2>/dev/null)" "" "no claim left"
is "$(ls -A "$root/run/vmdev/d" 2>/dev/null)" "" "no runtime dirs left"
finish
