#!/bin/bash
# Claims and managed mdevs (DESIGN.md §7 steps 1-2) with the qemu-double on
# the simulated host: one claim file per assigned mdev, double assignment
# refused, a group held by another program refused, managed mdevs created at
# start (placement, exhaustion) and removed at stop, a device_api mismatch,
# and reconcile after the owner died.
. "$(dirname "$0")/lib.sh"

with_simhost "$(dirname "$0")/claims-host.json"
pre=c2177883-f1bb-47f0-914d-32a22e3a8804     # on 0000:65:00.0, group 7
held=d2177883-f1bb-47f0-914d-32a22e3a8805    # on 0000:66:00.0, its group held
ap=e2177883-f1bb-47f0-914d-32a22e3a8806      # a vfio-ap device
claims="$root/run/vmdev/claims"
# QEMU runs as 4242:4343: it must reach the root, and the double's binary.
chmod 755 "$tmp_root" "$root"
mkdir -p "$root/etc/vmdev"
printf '[qemu]\nuser=4242\ngroup=4343\n' > "$root/etc/vmdev/vmdev.conf"
group_node_before=$(stat -c '%u:%g %a' "$root/dev/vfio/7")

n=0
domain () # NAME HOSTDEV-XML...
{
  local name=$1; shift
  n=$((n + 1))
  cat > "$tmp_root/$name.xml" <<XML
<domain type='kvm'>
  <name>$name</name>
  <uuid>$(printf '%08d' $n)-3f4b-4c5d-8e9f-a0b1c2d3e4f5</uuid>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
$*
  </devices>
</domain>
XML
  "$VMDEV" domain define "$tmp_root/$name.xml" >/dev/null
}
mdev () { echo "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$1'/></source></hostdev>"; }
managed () # TYPE [PARENT]
{
  echo "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='yes'><source><mdev type='$1'${2:+ parent='$2'}/></source></hostdev>"
}
claim_of () { jq -c '[.domain, .state, .managed, .created_by_vmdev, [.journal[].op]]' "$claims/$1.json" 2>/dev/null; }
mdevs_on () { ls "$root/sys/class/mdev_bus/$1/mdev_supported_types/nvidia-63/devices" | wc -l; }
running_mdevs () { ls "$root/sys/bus/mdev/devices" | sort | tr '\n' ' '; }

# --- a pre-created mdev: claimed while the domain runs, never removed
domain va "$(mdev "$pre")"
domain vb "$(mdev "$pre")"
run domain start va
is "$rc|$err" "0|" "start va with a pre-created mdev"
is "$(claim_of "$pre")" '["va","active",false,false,["dac"]]' \
  "its claim: domain va, active, not created by vmdev, its group node labelled"
is "$(stat -c '%u:%g %a' "$root/dev/vfio/7")" "4242:4343 600" "the group node belongs to QEMU's user"
qpid=$(json_get "$(status_json va)" pid)
is "$(awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 } /^Groups:/ { print "groups:" $2 } /^CapEff:/ { print $2 }' "/proc/$qpid/status" | tr '\n' ' ')" \
  "4242 4343 groups: 0000000000000000 " "QEMU runs as the configured user and group, no other groups, no capabilities"
is "$(ls "/proc/$qpid/root/dev" | tr '\n' ' ')" "fd full kvm null ptmx pts random shm stderr stdin stdout urandom vfio zero " \
  "QEMU sees a private /dev with only what it needs (kvm: the domain is type kvm)"
is "$(ls "/proc/$qpid/root/dev/vfio" | tr '\n' ' ')|$(stat -c '%u:%g %a' "/proc/$qpid/root/dev/vfio/7")" \
  "7 vfio |4242:4343 600" "its VFIO group node, owned by QEMU's user"
[ "$(readlink /proc/$qpid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
ok $? "in its own mount namespace"
is "$(jq -r .version "$claims/$pre.json")" 1 "the claim has a version"
run domain start vb
is "$rc|$err" "1|vmdev: starting a domain: domain 'vb': mediated device $pre is in use by domain va" \
  "a second domain is refused"
is "$(ls "$claims" | tr '\n' ' ')|$(ls -A "$root/run/vmdev/d" | tr '\n' ' ')" "$pre.json |va " \
  "the refused start left no claim and no runtime dir"
run domain destroy va
is "$(ls -A "$claims")|$(running_mdevs)" "|$pre $held $ap " \
  "destroy: claim released, the pre-created mdev still there"
is "$(stat -c '%u:%g %a' "$root/dev/vfio/7")" "$group_node_before" "the group node's owner and mode are restored"
run domain start vb
is "$rc" 0 "now vb gets it"
run domain destroy vb

# --- SELinux labels (forced: SELinux is not enabled here; the label is the
# security.selinux xattr, read back)
printf '[qemu]\nuser=4242\ngroup=4343\nsecurity_driver=selinux\nselinux_force=true\n' \
  > "$root/etc/vmdev/vmdev.conf"
label_before=$("$XATTR_DUMP" "$root/dev/vfio/7" | grep -c 'security.selinux')
run domain start va
mcs=$(jq -r .mcs "$root/run/vmdev/d/va/status.json")
like "$mcs" '^c[0-9]+,c[0-9]+$' "the domain got MCS categories"
like "$("$XATTR_DUMP" "$root/dev/vfio/7")" "security.selinux=system_u:object_r:svirt_image_t:s0:$mcs" \
  "its group node has the image label with them"
is "$(claim_of "$pre" | jq -c '.[4]')" '["dac","selinux"]' "both labels are journaled"
run domain destroy va
is "$("$XATTR_DUMP" "$root/dev/vfio/7" | grep -c 'security.selinux')|$("$XATTR_DUMP" "$root/dev/vfio/7" | grep -c 'trusted.vmdev')" \
  "$label_before|0" "after destroy: the label is as before, nothing remembered is left"
printf '[qemu]\nuser=4242\ngroup=4343\n' > "$root/etc/vmdev/vmdev.conf"

# --- a group another program holds
domain vh "$(mdev "$held")"
run domain start vh
is "$rc|$err" "1|vmdev: starting a domain: domain 'vh': mediated device $held is in use by another program (its VFIO group 8 is open)" \
  "a held VFIO group is refused"
is "$(ls -A "$claims")" "" "no claim left"

# --- device_api must match the model
domain vap "$(mdev "$ap")"
run domain start vap
is "$rc|$err" "1|vmdev: starting a domain: domain 'vap': mediated device $ap has device_api vfio-ap, but the hostdev's model is vfio-pci" \
  "a vfio-ap device as vfio-pci is refused"

# --- managed mdevs: created at start on the least used parent, removed at stop
domain vm1 "$(managed nvidia-63)"
run domain start vm1
is "$rc|$err" "0|" "start with a managed mdev"
st=$(status_json vm1)
u=$(printf '%s' "$st" | jq -r '.hostdevs[0].uuid')
is "$(printf '%s' "$st" | jq -c '.hostdevs[0] | [.alias, .managed, .created_by_vmdev]')" \
  '["hostdev0",true,true]' "status: managed, created by vmdev"
[ -e "$root/sys/class/mdev_bus/0000:65:00.0/mdev_supported_types/nvidia-63/devices/$u" ]
ok $? "created on the parent with the fewest mdevs (0000:65:00.0: 1, against 2)"
is "$(claim_of "$u")" '["vm1","active",true,true,["create-mdev","dac"]]' \
  "the claim journals the creation, then the label"
like "$("$VMDEV" domain dumpxml vm1)" "<address uuid='$u'/>" "the live definition has its UUID"
like "$("$VMDEV" domain dumpxml vm1 --inactive)" "<mdev type='nvidia-63'/>" \
  "the persistent one is unchanged"
run domain destroy vm1
[ ! -e "$root/sys/bus/mdev/devices/$u" ] && [ -z "$(ls -A "$claims")" ]
ok $? "destroy removed the mdev vmdev created and the claim"

# pinned parent, and exhaustion
domain vm2 "$(managed nvidia-63 0000:65:00.0)"
run domain start vm2
u2=$(status_json vm2 | jq -r '.hostdevs[0].uuid')
[ -e "$root/sys/class/mdev_bus/0000:65:00.0/mdev_supported_types/nvidia-63/devices/$u2" ]
ok $? "a pinned parent is used"
domain vm3 "$(managed nvidia-63 0000:65:00.0)"
run domain start vm3
is "$rc|$err" "1|vmdev: starting a domain: domain 'vm3': parent 0000:65:00.0 has no free instance of mdev type nvidia-63 (available_instances is 0)" \
  "the pinned parent is full"
domain vm4 "$(managed nvidia-63)" "$(managed nvidia-63)"
run domain start vm4
is "$rc|$err" "1|vmdev: starting a domain: domain 'vm4': no parent has a free instance of mdev type nvidia-63; candidates: 0000:65:00.0 (0 free), 0000:66:00.0 (0 free)" \
  "no room anywhere for the second: refused, with the candidates"
is "$(ls "$claims" | tr '\n' ' ')|$(mdevs_on 0000:66:00.0)" "$u2.json |1" \
  "the first managed mdev of the failed start was removed again"
domain vm5 "$(managed nvidia-63)"
run domain start vm5
u5=$(status_json vm5 | jq -r '.hostdevs[0].uuid')
[ -e "$root/sys/class/mdev_bus/0000:66:00.0/mdev_supported_types/nvidia-63/devices/$u5" ]
ok $? "the free instance is found on the other parent"

# --- reconcile after the owner died (QEMU and its monitor killed)
pids=""
for d in vm2 vm5; do
  s=$(cat "$root/run/vmdev/d/$d/status.json")
  pids="$pids $(json_get "$s" monitor_pid) $(json_get "$s" pid)"
done
# shellcheck disable=SC2086
kill -9 $pids
for p in $pids; do wait_until 10 dead "$p"; done
is "$(claim_of "$u2" | jq -r '.[0]')" "vm2" "the dead domain's claim is still there before any command"
run domain list --all
is "$rc" 0 "the next command (list) ..."
is "$(ls -A "$claims")|$(running_mdevs)" "|$pre $held $ap " \
  "... released both claims and removed the mdevs vmdev had created"

# --- a start killed half-way: its claim ("preparing", an mdev it created) is
# released by the next list
g=f2177883-f1bb-47f0-914d-32a22e3a8807
echo "$g" > "$root/sys/class/mdev_bus/0000:66:00.0/mdev_supported_types/nvidia-63/create"
mkdir -p "$claims"
cat > "$claims/$g.json" <<JSON
{"version":1,"uuid":"$g","domain":"ghost","domain_uuid":"","managed":true,
 "created_by_vmdev":true,"state":"preparing",
 "journal":[{"op":"create-mdev","arg":"0000:66:00.0/nvidia-63"}]}
JSON
echo '{"version":1,' > "$claims/00000000-0000-0000-0000-000000000001.json"
run domain list --all
[ ! -e "$root/sys/bus/mdev/devices/$g" ] && [ ! -e "$claims/$g.json" ]
ok $? "list released the orphaned claim and removed the mdev it journaled"
like "$err" "^vmdev: warning: reading a claim: .*/run/vmdev/claims/00000000-0000-0000-0000-000000000001.json: .*remove the file if no domain uses the device" \
  "a malformed claim is reported (and kept)"
rm -f "$claims/00000000-0000-0000-0000-000000000001.json"

# --- what a start killed before QEMU ran leaves: a runtime directory without a
# status, temporary files of atomic writes; the next list removes them
mkdir -p "$root/run/vmdev/d/ghost"
: > "$root/run/vmdev/d/ghost/domain.xml"
: > "$root/run/vmdev/d/ghost/.status.json.tmp0a1b2c"
: > "$claims/.$g.json.tmp123456"
run domain list --all
is "$(ls -A "$root/run/vmdev/d")|$(ls -A "$claims")" "|" \
  "list removed the stale runtime directory and the temporary files"

# --- managed hotplug: created on attach, removed on detach
domain vhp "<!-- none -->"
sed -i 's|<os>|<features><acpi/></features><os>|' "$tmp_root/vhp.xml"
"$VMDEV" domain define "$tmp_root/vhp.xml" >/dev/null
run domain start vhp
managed nvidia-63 > "$tmp_root/m.xml"
sed -i "s|<source>|<alias name='ua-vgpu'/><source>|" "$tmp_root/m.xml"
run domain attach-device vhp "$tmp_root/m.xml" --live
uh=$(status_json vhp | jq -r '.hostdevs[0].uuid')
is "$rc|$(claim_of "$uh")" '0|["vhp","active",true,true,["create-mdev","dac","dev-node"]]' \
  "attach --live creates a managed mdev, labels its group, adds it to QEMU's /dev"
hpid=$(json_get "$(status_json vhp)" pid)
gh=$(status_json vhp | jq -r '.hostdevs[0].iommu_group')
is "$(ls "/proc/$hpid/root/dev/vfio" | tr '\n' ' ')" "$gh vfio " "QEMU's private /dev has the new group node"
run domain detach-device vhp "$tmp_root/m.xml" --live
is "$rc|$(ls -A "$claims")" "0|" "detach --live (found by alias) releases it"
is "$(ls "/proc/$hpid/root/dev/vfio" | tr '\n' ' ')" "vfio " "its node left QEMU's /dev"
[ ! -e "$root/sys/bus/mdev/devices/$uh" ]
ok $? "and removes the mdev"
run domain destroy vhp
is "$(ls -A "$root/run/vmdev/d")" "" "no runtime dirs left"
# --- destroy in the light binary, and a monitor that dies during it: the
# release falls to the module's reconcile (vmdev_cli_domain_settle)
domain vmd "$(managed nvidia-63)"
run domain start vmd
ud=$(status_json vmd | jq -r '.hostdevs[0].uuid')
m=$(json_get "$(status_json vmd)" monitor_pid)
kill -STOP "$m"
"$VMDEV" -v domain destroy vmd > "$tmp_root/d.out" 2> "$tmp_root/d.err" &
dpid=$!
sleep 0.3
kill -9 "$m"
wait "$dpid"
is "$?|$(cat "$tmp_root/d.out")" "0|Domain 'vmd' destroyed" \
  "destroy whose monitor dies during the stop succeeds"
like "$(cat "$tmp_root/d.err")" "without the domain module" "it went the light way (-v says so)"
[ -n "$ud" ] && [ ! -e "$root/sys/bus/mdev/devices/$ud" ] && [ -z "$(ls -A "$claims")" ] &&
  [ ! -e "$root/run/vmdev/d/vmd" ]
ok $? "the dead monitor's release was done by reconcile: mdev removed, no claim, no runtime dir"
finish
