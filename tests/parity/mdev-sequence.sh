#!/bin/bash
# tests/parity/mdev-sequence.sh — one `vmdev mdev` sequence on an mtty host,
# printed as a normalized transcript, so that the real kernel (in the sandbox
# guest, root /) and the simulated host (`simhost mount tests/parity/mtty-host.json
# ROOT`) can be required to give the same one (tests/parity/parity.sh).
#
#   VMDEV_ROOT=ROOT tests/parity/mdev-sequence.sh      (default root: /)
#   VMDEV=PATH      the vmdev binary (default: vmdev on PATH)
#
# The transcript holds, for every step: the command, its exit status, its
# stdout (`> `) and stderr (`! `) lines, and mtty's available_instances
# after it.  The root is written as `/`, a generated UUID as <generated>.
# Besides vmdev commands there are raw writes to sysfs (`create`, `remove`)
# and "holds": the device's VFIO group held open by a user — on the kernel a
# nested QEMU realizing vfio-pci on it, on the simulated host its `hold`
# control command.  Ends with nothing running and nothing defined, whatever
# happened (trap).
set -u
export LC_ALL=C

# The root as /, a UUID that is not one of ours as <generated>: the whole
# transcript goes through this once (one perl, not one per line: the guest
# runs under TCG, where every process costs).
norm() {
  R="$R" perl -pe 'BEGIN { $r = $ENV{R} } s/\Q$r\E\//\//g if length $r;
    s/\b(?!00000000-)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/<generated>/g'
}

ROOT=${VMDEV_ROOT:-/}
case $ROOT in /) ;; */) ROOT=${ROOT%/} ;; esac
export VMDEV_ROOT=$ROOT
VMDEV=${VMDEV:-vmdev}
R=${ROOT%/}                         # prefix of host paths ("" for /)
DEVICES=$R/sys/bus/mdev/devices
SIM=0; [ -e "$R/.simhost/control" ] && SIM=1

if [ -z "${MDEV_SEQUENCE_INNER:-}" ]; then
  MDEV_SEQUENCE_INNER=1 bash "${BASH_SOURCE[0]}" "$@" | norm
  exit "${PIPESTATUS[0]}"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mdev-sequence.XXXXXX")
QEMU_PID=""

# Fixed UUIDs all start with 00000000- so that they sort before a generated
# one in listings.
u() { printf '00000000-0000-4000-a000-%012d' "$1"; }

# available_instances of every type of every parent.
avail() {
  local t a line=""
  for t in "$R"/sys/class/mdev_bus/*/mdev_supported_types/*; do
    read -r a 2>/dev/null < "$t/available_instances" || a="?"
    line="$line ${t##*/}=$a"
  done
  echo "  avail$line"
}

# prefix PREFIX FILE: FILE's lines with PREFIX (no fork: the guest is slow).
prefix() {
  local l
  while IFS= read -r l || [ -n "$l" ]; do printf '%s%s\n' "$1" "$l"; done < "$2"
}

# Prints captured stdout/stderr with their prefixes.
show() {
  prefix '  > ' "$TMP/out"
  prefix '  ! ' "$TMP/err"
}

# step [--timeout S] ARGS...: vmdev mdev ARGS.
step() {
  local pre=()
  if [ "$1" = --timeout ]; then pre=(timeout "$2"); shift 2; fi
  printf '$ vmdev mdev %s\n' "$*"
  local rc=0
  ${pre[@]+"${pre[@]}"} "$VMDEV" mdev "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null || rc=$?
  echo "  exit $rc"
  show
  avail
}

# sysw [-n] PATH VALUE: one write(2) of VALUE plus a newline (-n: none) to a
# sysfs file (PATH below the root); prints OK or the error text.
sysw() {
  local msg nl='\n' echo=echo
  if [ "$1" = -n ]; then nl="" echo="echo -n"; shift; fi
  printf '$ %s %s > %s\n' "$echo" "$2" "$1"
  if msg=$( { printf "%s$nl" "$2" > "$R$1"; } 2>&1 ); then echo "  OK"
  else echo "  error: ${msg##*: }"; fi
  avail
}

# sysr PATH: reads a file below the root; prints its text or the error text.
sysr() {
  local msg
  printf '$ cat %s\n' "$1"
  if msg=$(cat "$R$1" 2>&1); then printf '%s\n' "$msg" | sed 's/^/  > /'
  else echo "  error: ${msg##*: }"; fi
}

# names DIR: the entries of a directory below the root, sorted.
names() {
  printf '$ ls %s\n' "$1"
  # shellcheck disable=SC2012 # sysfs names are plain
  (cd "$R$1" 2>&1 && ls -A | LC_ALL=C sort) | sed 's/^/  > /'
}

# links UUID: where the device's links point.
links() {
  local l
  for l in "/sys/bus/mdev/devices/$1" "/sys/bus/mdev/devices/$1/mdev_type" \
           "/sys/bus/mdev/devices/$1/iommu_group" \
           "/sys/class/mdev_bus/mtty/mdev_supported_types/$(basename "$(readlink "$DEVICES/$1/mdev_type")")/devices/$1" \
           "/sys/class/mdev_bus/mtty"; do
    printf '  %s -> %s\n' "$l" "$(readlink "$R$l" 2>&1)"
  done
}

# groups: the IOMMU group of every running device.
groups() {
  local d
  echo "# IOMMU groups:"
  for d in "$DEVICES"/*; do
    [ -e "$d" ] && printf '  %s %s\n' "${d##*/}" "$(group_of "${d##*/}")"
  done
}

# exists UUID: is the device in sysfs?
exists() {
  if [ -e "$DEVICES/$1" ]; then echo "# $1 exists"; else echo "# $1 does not exist"; fi
}

# has_open PID FILE: has process PID got FILE open?
has_open() {
  local fd
  for fd in "/proc/$1"/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && return 0
  done
  return 1
}

group_of() { basename "$(readlink "$DEVICES/$1/iommu_group" 2>/dev/null)" 2>/dev/null; }

# hold UUID: a user opens the device's VFIO group and keeps it open.
hold() {
  echo "# hold $1: its VFIO group is opened by a user"
  if [ $SIM = 1 ]; then
    echo "hold $1" > "$R/.simhost/control" || echo "# hold: the control command failed"
    return
  fi
  local g _
  g=$(group_of "$1")
  qemu-system-x86_64 -accel tcg -nodefaults -display none -S \
    -device "vfio-pci,sysfsdev=/sys/bus/mdev/devices/$1" \
    < /dev/null > "$TMP/qemu.log" 2>&1 &
  QEMU_PID=$!
  for _ in $(seq 600); do
    if has_open "$QEMU_PID" "/dev/vfio/$g"; then return; fi
    kill -0 "$QEMU_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "# hold: QEMU did not open /dev/vfio/$g:"
  sed 's/^/#   /' "$TMP/qemu.log"
}

release() {
  echo "# release $1"
  if [ $SIM = 1 ]; then
    echo "release $1" > "$R/.simhost/control" || echo "# release: the control command failed"
    return
  fi
  if [ -n "$QEMU_PID" ]; then
    kill "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
    QEMU_PID=""
  fi
}

# Leaves the host as it was: no hold, no running device, no definition.
cleanup() {
  local d
  if [ -n "$QEMU_PID" ]; then kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; fi
  if [ $SIM = 1 ]; then
    for d in "$DEVICES"/*; do [ -e "$d" ] && echo "release ${d##*/}" > "$R/.simhost/control" 2>/dev/null; done
  fi
  for d in "$DEVICES"/*; do
    [ -e "$d" ] || continue
    "$VMDEV" mdev stop -u "${d##*/}" >/dev/null 2>&1 || echo 1 > "$d/remove" 2>/dev/null
  done
  exec 3>&-
  for d in "$R"/etc/mdevctl.d/*/*; do
    [ -e "$d" ] && "$VMDEV" mdev undefine -u "${d##*/}" >/dev/null 2>&1
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "## the parent and its types"
step types -p mtty
step types -p mtty --dumpjson
step list
step list -d

echo "## define, start, list, stop, undefine"
A=$(u 1)
step define -u "$A" -p mtty -t mtty-2
step list -d
step list
step start -u "$A"
exists "$A"
links "$A"
names /sys/bus/mdev/devices
names /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/devices
names /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/devices
names /sys/kernel/iommu_groups
names "/sys/kernel/iommu_groups/$(group_of "$A")/devices"
names /dev/vfio
sysr /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create
sysr /sys/bus/mdev/devices/"$A"/remove
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/available_instances 3
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/name x
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-3/create "$(u 9)"
sysr /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/description
step list
step list -d
step list --dumpjson
step list -d --dumpjson
step list -u "$A"
step types -p mtty
step define -u "$(u 2)" -p mtty -t mtty-1 --auto
step list -d
step list -d -p mtty
step start -u "$(u 2)"
step list
step list -d -v
step stop -u "$(u 2)"
step stop -u "$A"
exists "$A"
names /sys/bus/mdev/devices
names /sys/kernel/iommu_groups
names /dev/vfio
step list
step list -d
step undefine -u "$(u 2)"
step list -d

echo "## a transient device: start -p -t (generated UUID, and a given one)"
printf '$ vmdev mdev start -p mtty -t mtty-1\n'
rc=0; "$VMDEV" mdev start -p mtty -t mtty-1 > "$TMP/out" 2> "$TMP/err" < /dev/null || rc=$?
GEN=$(head -n 1 "$TMP/out")
echo "  exit $rc"; show; avail
[ -n "$GEN" ] && exists "$GEN"
step list
step list -d
step list --dumpjson
step stop -u "$GEN"
[ -n "$GEN" ] && exists "$GEN"
step start -u "$(u 3)" -p mtty -t mtty-2
step list
step stop -u "$(u 3)"

echo "## ordered attributes (mtty has no writable attribute but uevent)"
B=$(u 4)
step define -u "$B" -p mtty -t mtty-2
step modify -u "$B" --addattr no_such_attr --value 1
step modify -u "$B" --addattr uevent --value change -i 0
step list -d -v
step start -u "$B"
exists "$B"
step stop -u "$B"
step modify -u "$B" --delattr -i 0
step modify -u "$B" --addattr uevent --value change
step list -d -v
step start -u "$B"
exists "$B"
step list
step modify -u "$B" --delattr -i 0
step modify -u "$B" --delattr
step list -d -v
step start -u "$B"
step list
step stop -u "$B"
step undefine -u "$B"
printf '{"mdev_type": "mtty-2", "start": "manual", "attrs": [{"uevent": "change"}, {"nope": "1"}]}' \
  > "$TMP/attrs.json"
printf '$ vmdev mdev start -u %s -p mtty --jsonfile attrs.json\n' "$(u 5)"
rc=0; "$VMDEV" mdev start -u "$(u 5)" -p mtty --jsonfile "$TMP/attrs.json" \
  > "$TMP/out" 2> "$TMP/err" < /dev/null || rc=$?
echo "  exit $rc"; sed "s|$TMP/|TMP/|g" -i "$TMP/err"; show; avail
exists "$(u 5)"
step list

echo "## bad UUIDs"
step start -u not-a-uuid -p mtty -t mtty-2
step start -u "$(u 6)x" -p mtty -t mtty-2
step define -u 1234 -p mtty -t mtty-1
step list
step list -d
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create not-a-uuid
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "$(u 6)0"
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "${A//-/}"
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "$(u 6) "
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "{$(u 6)}"
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create ""
sysw -n /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "$(u 6)x"
exists "$(u 6)"
sysw /sys/bus/mdev/devices/"$(u 6)"/remove yes
sysw /sys/bus/mdev/devices/"$(u 6)"/remove 0x1
exists "$(u 6)"
X=00000000-0000-4000-a000-00000000abcd
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create "${X^^}"
exists "$X"
step list
step stop -u "${X^^}"
step list

echo "## duplicate UUIDs"
step start -u "$A" -p mtty -t mtty-2
step start -u "$A" -p mtty -t mtty-1
step start -u "${A^^}" -p mtty -t mtty-2
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create "$A"
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "${A^^}"
exists "$A"
step list
step define -u "$A" -p mtty -t mtty-2
step define -u "$A" -p mtty -t mtty-2
step list -d
step undefine -u "$A"
step stop -u "$A"

echo "## the 24-port pool: 12 mtty-2, then nothing fits"
for i in $(seq 11 22); do step start -u "$(u "$i")" -p mtty -t mtty-2; done
step start -u "$(u 23)" -p mtty -t mtty-2
step start -u "$(u 23)" -p mtty -t mtty-1
step start -p mtty -t mtty-1
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create "$(u 23)"
exists "$(u 23)"
step list -p mtty
step types -p mtty
groups
step stop -u "$(u 15)"
step stop -u "$(u 22)"
step start -u "$(u 23)" -p mtty -t mtty-1
step start -u "$(u 24)" -p mtty -t mtty-2
step start -u "$(u 25)" -p mtty -t mtty-2
step start -u "$(u 25)" -p mtty -t mtty-1
step start -u "$(u 26)" -p mtty -t mtty-1
groups
for i in 23 24 25 $(seq 11 14) $(seq 16 21); do step stop -u "$(u "$i")"; done
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create "$(u 26)"
sysw /sys/bus/mdev/devices/"$(u 26)"/remove 0
exists "$(u 26)"
sysw /sys/bus/mdev/devices/"$(u 26)"/remove 1
exists "$(u 26)"
step list

echo "## a device whose VFIO group is held open: stop refused, never blocked"
C=$(u 7)
step define -u "$C" -p mtty -t mtty-2 --auto
step start -u "$C"
hold "$C"
step --timeout 20 stop -u "$C"
exists "$C"
step list
step --timeout 20 undefine -u "$C"
step list -d
release "$C"
step --timeout 20 stop -u "$C"
exists "$C"

echo "## the VFIO group opened by this script: one opener only"
step start -u "$C" -p mtty -t mtty-1
G=$(group_of "$C")
echo "# open /dev/vfio/<group of $C> read-write and keep it open"
exec 3<> "$R/dev/vfio/$G" || echo "# the first open failed"
msg=$( { : 4<> "$R/dev/vfio/$G"; } 2>&1 ) && echo "# a second open: OK" || echo "# a second open: ${msg##*: }"
step --timeout 20 stop -u "$C"
exists "$C"
exec 3>&-
echo "# closed"
step --timeout 20 stop -u "$C"
exists "$C"

echo "## mdpy: one count for its three types"
step types -p mdpy
step types
for i in 31 32 33 34; do step start -u "$(u "$i")" -p mdpy -t mdpy-vga; done
step start -u "$(u 35)" -p mdpy -t mdpy-xga
sysw /sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-hd/create "$(u 35)"
step stop -u "$(u 33)"
step start -u "$(u 35)" -p mdpy -t mdpy-hd
sysw /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create "$(u 35)"
step start -u "$(u 35)" -p mtty -t mtty-2
step list
step list --dumpjson
groups
for i in 31 32 34 35; do step stop -u "$(u "$i")"; done

echo "## the end: nothing left"
step list
step list -d
step types
