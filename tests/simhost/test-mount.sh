#!/bin/bash
# simhost mount: the live FUSE host.  Kernel write semantics of create and
# remove for all three counting models, errnos, held groups, the control
# file, fault injection, concurrency, and mount/umount leaving nothing behind.
. "$(dirname "$0")/lib.sh"

require_fuse

host="$tmp_root/host.json"
write_std_host "$host"
root="$tmp_root/root"

u1=c2177883-f1bb-47f0-914d-32a22e3a8804
u2=4b20d080-1b54-4048-85b3-a6a62d165c01
u3=6d2e5a5e-34a5-4a6b-8d4f-6f29c61b9e27
n1=11111111-2222-3333-4444-555555555555
n2=22222222-2222-3333-4444-555555555555
n3=33333333-2222-3333-4444-555555555555

mkdir -p "$root"
start=$(date +%s%N)
run_sim mount "$host" "$root"
[ "$rc" -eq 0 ] && mounted_roots+=("$root")
is "$rc|$out|$err" "0||" "mount returns 0 silently"
is "$(readlink "$root/sys")|$(readlink "$root/dev")" ".simhost/sys|.simhost/dev" "sys and dev links"
is "$(ls -A "$root" | tr '\n' ' ')" ".simhost dev sys " "nothing else in ROOT"
grep -q " $root/.simhost fuse.simhost " /proc/mounts
ok $? "mounted as fuse.simhost"
pid=$(cat "$root/.simhost/pid")
kill -0 "$pid" 2>/dev/null
ok $? "server process $pid runs in the background"

run_sim mount "$host" "$root"
like "$rc|$err" "^1\|simhost: cannot mount: $root/.simhost: already mounted" "second mount refused"

other="$tmp_root/other"
mkdir -p "$other/sys"
run_sim mount "$host" "$other"
is "$rc|$err" "1|simhost: cannot mount: $other/sys: exists and is not a link to .simhost/sys" \
  "refuses an existing ROOT/sys"
is "$(ls -A "$other")" "sys" "refusal leaves ROOT untouched"

# --- the live tree matches the populate snapshot
snap="$tmp_root/snap"
mkdir "$snap"
"$SIMHOST" populate "$host" "$snap"
( cd "$snap" && find sys dev | sort ) > "$tmp_root/snap.list"
( cd "$root/.simhost" && find sys dev | sort ) > "$tmp_root/live.list"
is "$(diff "$tmp_root/snap.list" "$tmp_root/live.list" && echo same)" "same" \
  "live tree has the snapshot's entries"
nsnap=0; nlive=0
for f in $(cat "$tmp_root/snap.list"); do
  a="$snap/$f" b="$root/.simhost/$f"
  if [ -L "$a" ]; then
    [ "$(readlink "$a")" = "$(readlink "$b")" ] || { echo "# link differs: $f"; nsnap=1; }
  elif [ -f "$a" ] && [ "${f#dev/}" = "$f" ] && [ "$(stat -c %a "$a")" != 200 ]; then
    [ "$(cat "$a")" = "$(cat "$b")" ] || { echo "# content differs: $f"; nsnap=1; }
  fi
  [ "$(stat -c %a "$a")" = "$(stat -c %a "$b")" ] || { echo "# mode differs: $f"; nlive=1; }
done
ok $nsnap "live links and attribute contents equal the snapshot's"
ok $nlive "live modes equal the snapshot's"

nv="$root/sys/class/mdev_bus/0000:65:00.0/mdev_supported_types"
mt="$root/sys/class/mdev_bus/mtty/mdev_supported_types"
ccw="$root/sys/class/mdev_bus/0.0.0026/mdev_supported_types/vfio_ccw-io"
ap="$root/sys/class/mdev_bus/matrix/mdev_supported_types/vfio_ap-passthrough"
avail () { cat "$1/available_instances"; }

# --- separate count per type (core counting, EUSERS)
is "$(avail "$nv/nvidia-63")" "1" "nvidia-63: 1 left"
is "$(try_write "$nv/nvidia-63/create" "$n1")" "OK" "create without newline"
test -L "$root/sys/bus/mdev/devices/$n1" && test -L "$root/sys/bus/mdev/devices/$n1/mdev_type"
ok $? "device appears with its mdev_type link at once"
is "$(avail "$nv/nvidia-63")|$(avail "$nv/nvidia-64")" "0|1" "count down for that type only"
is "$(try_write "$nv/nvidia-63/create" "$n2")" "Too many users" "exhausted type: EUSERS"
is "$(basename "$(readlink -f "$root/sys/bus/mdev/devices/$n1/iommu_group")")" "3" \
  "new device gets the lowest free group (0-2 are taken)"
test -f "$root/dev/vfio/3"
ok $? "its group node appears"
is "$(try_write "$root/sys/bus/mdev/devices/$n1/remove" "1")" "OK" "remove"
test -e "$root/sys/bus/mdev/devices/$n1" || test -e "$nv/nvidia-63/devices/$n1" ||
  test -e "$root/sys/kernel/iommu_groups/3" || test -e "$root/dev/vfio/3" ||
  test -e "$root/sys/class/mdev_bus/0000:65:00.0/$n1"
ok $((! $?)) "remove takes the device, its links, its group and group node away"
is "$(avail "$nv/nvidia-63")" "1" "count back up"

# --- create's parsing (6.1 create_store + guid_parse)
is "$(try_write "$nv/nvidia-63/create" "$n1"$'\n')" "OK" "a trailing newline is accepted"
echo 1 > "$root/sys/bus/mdev/devices/$n1/remove"
is "$(try_write "$nv/nvidia-63/create" "${n1:0:35}")" "Invalid argument" "35 characters: EINVAL"
is "$(try_write "$nv/nvidia-63/create" "$n1"$'\n\n')" "Invalid argument" "38 characters: EINVAL"
is "$(try_write "$nv/nvidia-63/create" "${n1//-/}")" "Invalid argument" "no dashes: EINVAL"
is "$(try_write "$nv/nvidia-63/create" "1111111g-2222-3333-4444-555555555555")" "Invalid argument" \
  "not hex: EINVAL"
is "$(try_write "$nv/nvidia-63/create" "AbCdEf01-2222-3333-4444-555555555555")" "OK" "upper case accepted"
test -d "$root/sys/bus/mdev/devices/abcdef01-2222-3333-4444-555555555555"
ok $? "the device directory is lower case"
is "$(try_write "$nv/nvidia-64/create" "ABCDEF01-2222-3333-4444-555555555555")" "File exists" \
  "same UUID in another case: EEXIST"
is "$(try_write "$mt/mtty-1/create" "$u1")" "File exists" "UUID existing under another parent: EEXIST"
echo 1 > "$root/sys/bus/mdev/devices/abcdef01-2222-3333-4444-555555555555/remove"
is "$(try_write "$nv/nvidia-63/create" "${n3}x")" "OK" "37th character is not checked (as 6.1)"
echo 1 > "$root/sys/bus/mdev/devices/$n3/remove"

# --- remove's parsing (kstrtoul base 0)
is "$(try_write "$nv/nvidia-63/create" "$n1")" "OK" "create for remove tests"
is "$(try_write "$root/sys/bus/mdev/devices/$n1/remove" "0")" "OK" "remove 0 is accepted"
test -d "$root/sys/bus/mdev/devices/$n1"
ok $? "... and does nothing"
is "$(try_write "$root/sys/bus/mdev/devices/$n1/remove" "yes")" "Invalid argument" "remove yes: EINVAL"
is "$(try_write "$root/sys/bus/mdev/devices/$n1/remove" "1 ")" "Invalid argument" \
  "remove with a trailing space: EINVAL"
is "$(try_read "$root/sys/bus/mdev/devices/$n1/remove")" "ERR:Permission denied" \
  "reading remove: EACCES"
is "$(try_write "$nv/nvidia-63/name" "x")" "Permission denied" "writing name: EACCES"
is "$(try_write "$root/sys/bus/mdev/devices/$n1/remove" "0x1")" "OK" "remove 0x1"
test -e "$root/sys/bus/mdev/devices/$n1"
ok $((! $?)) "... removes"

# --- a pool with costs (mtty: ENOSPC)
is "$(avail "$mt/mtty-1")|$(avail "$mt/mtty-2")" "22|11" "mtty starts at 22/11 (one mtty-2 live)"
try_write "$mt/mtty-1/create" "$n1" >/dev/null
is "$(avail "$mt/mtty-1")|$(avail "$mt/mtty-2")" "21|10" "mtty-1 lowers both counts"
try_write "$mt/mtty-2/create" "$n2" >/dev/null
is "$(avail "$mt/mtty-1")|$(avail "$mt/mtty-2")" "19|9" "mtty-2 lowers both counts by its cost"
i=0 res=OK
while [ "$res" = OK ]; do
  i=$((i + 1))
  res=$(try_write "$mt/mtty-2/create" "$(printf 'aaaaaaaa-0000-0000-0000-%012d' $i)")
done
is "$((i - 1))|$res" "9|No space left on device" "mtty-2 exhausted after 9 more: ENOSPC"
is "$(avail "$mt/mtty-1")|$(avail "$mt/mtty-2")" "1|0" "one unit left"
is "$(try_write "$mt/mtty-1/create" "$n3")" "OK" "the last unit fits mtty-1"
is "$(try_write "$mt/mtty-1/create" "aaaaaaaa-0000-0000-0000-999999999999")" "No space left on device" \
  "mtty-1 exhausted: ENOSPC"
echo 1 > "$root/sys/bus/mdev/devices/$n2/remove"
is "$(avail "$mt/mtty-1")|$(avail "$mt/mtty-2")" "2|1" "removing mtty-2 frees 2 units"

# --- a per-parent pool without costs (EUSERS)
is "$(try_write "$ccw/create" "$(printf 'cccccccc-0000-0000-0000-%012d' 1)")|$(try_write "$ccw/create" "$(printf 'cccccccc-0000-0000-0000-%012d' 2)")|$(avail "$ccw")" \
  "OK|OK|0" "per-parent pool of 2"
is "$(try_write "$ccw/create" "$(printf 'cccccccc-0000-0000-0000-%012d' 3)")" "Too many users" \
  "per-parent pool exhausted: EUSERS"

# --- device attributes
da="$root/sys/bus/mdev/devices/$u3"
is "$(try_write "$da/assign_adapter" $'0x3\n')|$(try_read "$da/assign_adapter")" "OK|0x3" \
  "device attribute stores the value written"
is "$(try_read "$da/assign_domain")" "" "unwritten attribute is empty"

# --- held devices and the control file
g2=$(basename "$(readlink "$root/sys/bus/mdev/devices/$u2/iommu_group")")
is "$(try_open "$root/dev/vfio/$g2")" "Device or resource busy" "held device: group open EBUSY"
is "$(try_open "$root/dev/vfio/1")" "OK" "other group opens"
is "$(try_open "$root/dev/vfio/vfio")" "OK" "container opens"
is "$(try_write "$root/sys/bus/mdev/devices/$u2/remove" 1)" "Device or resource busy" \
  "remove of a held device: EBUSY (the kernel would block)"
is "$(try_write "$root/.simhost/control" "release $u2")|$(try_open "$root/dev/vfio/$g2")" "OK|OK" \
  "release: group opens"
# The kernel's one-opener rule: while a process holds the group open, a
# second open and the device's remove get EBUSY; after the close both work.
exec 3<> "$root/dev/vfio/$g2"
is "$(try_open "$root/dev/vfio/$g2")" "Device or resource busy" "group open by another: second open EBUSY"
is "$(try_write "$root/sys/bus/mdev/devices/$u2/remove" 1)" "Device or resource busy" \
  "group open by another: remove EBUSY"
exec 3>&-
is "$(try_open "$root/dev/vfio/$g2")" "OK" "group closed: it opens again"
is "$(try_write "$root/.simhost/control" "hold ${u1^^}"$'\n')|$(try_open "$root/dev/vfio/1")" \
  "OK|Device or resource busy" "hold (any case, newline): EBUSY"
is "$(try_write "$root/.simhost/control" "release $u1")" "OK" "release again"
is "$(try_write "$root/.simhost/control" "hold $n3")" "OK" "hold a created device"
is "$(try_write "$root/.simhost/control" "hold 99999999-2222-3333-4444-555555555555")" \
  "No such file or directory" "hold of an unknown device: ENOENT"
is "$(for c in "hold" "hold x" "frob" "fault" "fault sys/bus EPERM" "fault sys/bus delay" \
         "fault sys/bus delay -1" "clear a b"; do
        try_write "$root/.simhost/control" "$c"; done | sort -u)" "Invalid argument" \
  "bad control commands: EINVAL"
is "$(try_read "$root/.simhost/control")" "ERR:Permission denied" "control is write-only"

# --- faults
name1="sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/name"
is "$(try_write "$root/.simhost/control" "fault $name1 EIO")" "OK" "fault EIO accepted"
is "$(try_read "$root/$name1")" "ERR:Input/output error" "read of the faulted file: EIO"
is "$(try_read "$root/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/name")" \
  "ERR:Input/output error" "the fault follows the file, whatever path leads to it"
is "$(try_read "$mt/mtty-2/name")" "Dual port serial" "other files unaffected"
is "$(try_write "$root/.simhost/control" "fault dev/vfio/1 EIO")|$(try_open "$root/dev/vfio/1")" \
  "OK|Input/output error" "group node open: EIO"
is "$(try_write "$root/.simhost/control" "fault sys/bus/mdev/devices EIO")|$(ls "$root/sys/bus/mdev/devices" 2>&1 >/dev/null | sed 's/.*: //')" \
  "OK|Input/output error" "listing a faulted directory: EIO"
is "$(try_write "$root/.simhost/control" "clear")|$(try_read "$root/$name1")|$(try_open "$root/dev/vfio/1")" \
  "OK|Single port serial|OK" "clear removes every fault"

av="sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances"
try_write "$root/.simhost/control" "fault $av delay 300" >/dev/null
t0=$(date +%s%N); v=$(cat "$root/$av"); t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 300 ] && [ "$v" = 2 ]
ok $? "delay 300: read took ${ms} ms and still answered"
t0=$(date +%s%N); cat "$mt/mtty-2/available_instances" >/dev/null; t1=$(date +%s%N)
ms2=$(( (t1 - t0) / 1000000 ))
[ "$ms2" -lt "$ms" ]
ok $? "other files are not delayed (${ms2} ms)"
try_write "$root/.simhost/control" "clear $av" >/dev/null

try_write "$root/.simhost/control" "fault sys/bus/mdev/devices/$u1 vanish" >/dev/null
ls "$root/sys/bus/mdev/devices" | grep -qx "$u1"
ok $? "vanish: still listed in its directory"
is "$(stat "$root/sys/bus/mdev/devices/$u1" 2>&1 | sed 's/.*: //')" "No such file or directory" \
  "vanish: lookup gives ENOENT"
test -d "$root/sys/devices/pci0000:64/0000:64:00.0/0000:65:00.0/$u1"
ok $? "vanish hides only that entry, not the device"
try_write "$root/.simhost/control" "fault sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2 vanish" >/dev/null
is "$(ls "$mt" | tr '\n' ' ')|$(try_read "$mt/mtty-2/name")" \
  "mtty-1 mtty-2 |ERR:No such file or directory" "vanished directory: listed, its contents gone"
try_write "$root/.simhost/control" "clear" >/dev/null
test -e "$root/sys/bus/mdev/devices/$u1" && test -e "$mt/mtty-2/name"
ok $? "clear brings vanished entries back"

# --- DAC and xattrs on group nodes (vmdev labels them)
chown 4242:4343 "$root/dev/vfio/1" && chmod 0660 "$root/dev/vfio/1"
is "$(stat -c '%u:%g %a' "$root/dev/vfio/1")" "4242:4343 660" "chown/chmod of a group node"
if command -v setfattr >/dev/null; then
  setfattr -n trusted.vmdev.owner -v 0:0 "$root/dev/vfio/1" 2>/dev/null
  is "$(getfattr --only-values -n trusted.vmdev.owner "$root/dev/vfio/1" 2>/dev/null)" "0:0" \
    "xattrs are stored"
else
  ok 0 "# SKIP setfattr not installed"
fi

# --- concurrency: parallel creators on one type
conc="$root/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4"
for w in 1 2 3 4 5 6; do
  ( try_write "$conc/create" "$(printf 'dddddddd-0000-0000-0000-%012d' $w)" > "$tmp_root/conc.$w" ) &
done
wait
is "$(cat "$tmp_root"/conc.* | sort | uniq -c | awk '{$1=$1; print}' | tr '\n' ',')" \
  "3 OK,3 Too many users," "6 parallel creates on 3 instances: exactly 3 succeed"
is "$(ls "$conc/devices" | wc -l)|$(avail "$conc")" "3|0" "and the count agrees"
before=$(ls "$root/sys/bus/mdev/devices" | wc -l)
for w in $(seq 1 40); do
  ( try_write "$ap/create" "$(printf 'eeeeeeee-0000-0000-0000-%012d' $w)" > /dev/null ) &
done
wait
is "$(( $(ls "$root/sys/bus/mdev/devices" | wc -l) - before ))" "40" "40 parallel creates"
for w in $(seq 1 40); do
  ( echo 1 > "$root/sys/bus/mdev/devices/$(printf 'eeeeeeee-0000-0000-0000-%012d' $w)/remove" ) &
done
wait
is "$(ls "$root/sys/bus/mdev/devices" | wc -l)" "$before" "40 parallel removes"
is "$(ls "$root/dev/vfio" | wc -l)" "$(( before + 1 ))" "one group node per device, plus the container"

# --- Debian's mdevctl runs its real code against the live host
if command -v mdevctl >/dev/null && command -v unshare >/dev/null; then
  want=$(avail "$mt/mtty-1")
  got=$(unshare -m bash -c 'mount --bind "$1/.simhost/sys" /sys &&
    mdevctl types -p mtty --dumpjson | tr -d " \n" &&
    echo && mdevctl start -p mtty -t mtty-1 -u 77777777-0000-0000-0000-000000000000 &&
    mdevctl list | grep -c 77777777-0000-0000-0000-000000000000' _ "$root" 2>&1)
  like "$got" "\"mtty-1\":\{\"available_instances\":$want,\"device_api\":\"vfio-pci\",\"name\":\"Singleportserial\"\}" \
    "mdevctl types reads the live host"
  is "$(printf '%s' "$got" | tail -n 1)|$(avail "$mt/mtty-1")" "1|$((want - 1))" \
    "mdevctl start creates a device through create"
  try_write "$root/.simhost/control" "hold 77777777-0000-0000-0000-000000000000" >/dev/null
  got=$(unshare -m bash -c 'mount --bind "$1/.simhost/sys" /sys &&
    mdevctl stop -u 77777777-0000-0000-0000-000000000000' _ "$root" 2>&1)
  like "$?|$(printf '%s' "$got" | tr '\n' ' ')" "^1\|.*Device or resource busy" "mdevctl stop of a held device fails with EBUSY"
  try_write "$root/.simhost/control" "release 77777777-0000-0000-0000-000000000000" >/dev/null
  got=$(unshare -m bash -c 'mount --bind "$1/.simhost/sys" /sys &&
    mdevctl stop -u 77777777-0000-0000-0000-000000000000' _ "$root" 2>&1)
  is "$?|$got|$(avail "$mt/mtty-1")" "0||$want" "mdevctl stop removes it"
else
  for i in 1 2 3 4; do ok 0 "# SKIP mdevctl or unshare not installed"; done
fi

# --- umount leaves nothing behind
run_sim umount "$root"
is "$rc|$out|$err" "0||" "umount returns 0 silently"
mounted_roots=()
is "$(ls -A "$root")" "" "ROOT is empty again"
grep -q " $root/.simhost " /proc/mounts
ok $((! $?)) "no mount left"
gone=0
if [ -r "/proc/$pid/stat" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat")" != Z ]; then gone=1; fi
ok $gone "server process exited"
run_sim umount "$root"
is "$rc|$err" "1|simhost: cannot unmount: $root/.simhost: not mounted" "umount of nothing: error"

# --- a bad host file: one line, nothing left
printf '{"version": 1, "devices": [{}]}' > "$tmp_root/bad.json"
run_sim mount "$tmp_root/bad.json" "$root"
is "$rc|$err|$(ls -A "$root")" \
  "1|simhost: invalid host file: $tmp_root/bad.json: devices[0]: \"uuid\" is missing|" \
  "bad host file refused before anything is made"

# --- foreground: serves until SIGTERM, then cleans up
fg="$tmp_root/fg"
mkdir "$fg"
"$SIMHOST" mount --foreground "$host" "$fg" &
fgpid=$!
for _ in $(seq 1 200); do [ -e "$fg/sys/class/mdev_bus/mtty" ] && break; sleep 0.05; done
test -e "$fg/sys/class/mdev_bus/mtty"
ok $? "foreground mount serves"
kill -TERM "$fgpid"
wait "$fgpid"
is "$?|$(ls -A "$fg")" "0|" "SIGTERM: exit 0, ROOT cleaned up"

finish
