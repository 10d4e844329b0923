#!/bin/bash
# The domain's cgroups (DESIGN.md §7 step 4) with this machine's real cgroup
# hierarchies bind-mounted into a test root (in a private mount namespace),
# and the QEMU double: QEMU starts inside vmdev/<name> of each hierarchy,
# default-deny plus its VFIO group; hotplug allows the new group, unplug
# takes it back; destroy and reconcile remove the cgroups.
if [ -z "${VMDEV_TEST_UNSHARED:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP real cgroups need root (uid $(id -u))"; exit 0; }
  command -v unshare >/dev/null || { echo "1..0 # SKIP unshare is missing"; exit 0; }
  VMDEV_TEST_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

: "${SIMHOST:?}" "${QEMU_DOUBLE:?}"
command -v jq >/dev/null || skip_all "jq is missing"
mkdir -p "$root/sys/fs/cgroup"
mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup" 2>/dev/null ||
  skip_all "cannot bind-mount /sys/fs/cgroup"
umount_cg () { umount -R "$root/sys/fs/cgroup" 2>/dev/null; }
extra_cleanup=umount_cg
v1=""; v2=""
[ -e "$root/sys/fs/cgroup/devices/devices.allow" ] && v1="$root/sys/fs/cgroup/devices"
[ "$(stat -f -c %T "$root/sys/fs/cgroup/unified" 2>/dev/null)" = cgroup2fs ] && v2="$root/sys/fs/cgroup/unified"
[ "$(stat -f -c %T "$root/sys/fs/cgroup")" = cgroup2fs ] && v2="$root/sys/fs/cgroup"
[ -n "$v1$v2" ] || skip_all "neither a v1 devices controller nor a v2 hierarchy is mounted"

# A static snapshot of a host with two mdevs, whose group nodes become char
# devices so that labels and cgroup rules apply: harmless ones that open
# (the busy check opens them): /dev/kmsg's 1:11 and /dev/fuse's 10:229.
"$SIMHOST" populate "$(dirname "$0")/../cli/hosts/gvtg-mtty.json" "$root" >/dev/null
rm -f "$root/dev/vfio/12" "$root/dev/vfio/7"
mknod "$root/dev/vfio/12" c 1 11
mknod "$root/dev/vfio/7" c 10 229
export VMDEV_QEMU_MACHINES="$qemu_machines"
name="cgt$$"
cat > "$tmp_root/d.xml" <<XML
<domain type='kvm'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='83b8f4f2-509f-382f-3c1e-e6bfe0fa1001'/></source>
    </hostdev>
  </devices>
</domain>
XML
cat > "$tmp_root/h.xml" <<XML
<hostdev mode='subsystem' type='mdev' model='vfio-pci'>
  <source><address uuid='11111111-2222-3333-4444-555555555555'/></source>
</hostdev>
XML
"$VMDEV" domain define "$tmp_root/d.xml" >/dev/null

run domain start "$name"
is "$rc|$err" "0|" "start"
pid=$(json_get "$(status_json "$name")" pid)
if [ -n "$v1" ]; then
  grep -q "devices:/vmdev/$name\$" "/proc/$pid/cgroup"
  ok $? "v1: QEMU runs in devices:/vmdev/$name"
  list=$(cat "$v1/vmdev/$name/devices.list")
  like "$list" "c 1:11 rw" "v1: its VFIO group is allowed"
  like "$list" "c 10:196 rw" "v1: so is the VFIO container"
  ! grep -q "^a " <<<"$list"
  ok $? "v1: nothing else: default deny"
fi
if [ -n "$v2" ]; then
  grep -q "^0::/vmdev/$name\$" "/proc/$pid/cgroup"
  ok $? "v2: QEMU runs in /vmdev/$name"
  [ -n "$(bpftool cgroup show "$v2/vmdev/$name" 2>/dev/null | grep -w device)" ] ||
    [ -d "$v2/vmdev/$name" ]
  ok $? "v2: the domain's cgroup exists"
fi

run domain attach-device "$name" "$tmp_root/h.xml" --live
is "$rc|$err" "0|" "hotplug"
[ -z "$v1" ] || like "$(cat "$v1/vmdev/$name/devices.list")" "c 10:229 rw" "v1: hotplug allowed the new group"
run domain detach-device "$name" "$tmp_root/h.xml" --live
is "$rc" 0 "unplug (the double ejects)"
if [ -n "$v1" ]; then
  ! grep -q "c 10:229 " "$v1/vmdev/$name/devices.list"
  ok $? "v1: unplug took the group back"
fi

run domain destroy "$name"
is "$rc" 0 "destroy"
[ ! -e "${v1:-/nonexistent}/vmdev/$name" ] && [ ! -e "${v2:-/nonexistent}/vmdev/$name" ]
ok $? "destroy removed the domain's cgroups"

# A monitor killed with its QEMU: the next command removes the cgroups.
run domain start "$name"
mpid=$(jq -r .monitor_pid "$root/run/vmdev/d/$name/status.json")
pid=$(jq -r .pid "$root/run/vmdev/d/$name/status.json")
kill -9 "$mpid"
wait_until 10 dead "$pid"
[ -e "${v1:-$v2}/vmdev/$name" ]
ok $? "after kill -9 of the monitor the cgroup is still there"
run domain list --all
[ ! -e "${v1:-/nonexistent}/vmdev/$name" ] && [ ! -e "${v2:-/nonexistent}/vmdev/$name" ]
ok $? "the next list removed it"
finish
