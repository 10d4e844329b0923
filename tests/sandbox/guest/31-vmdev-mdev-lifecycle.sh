# shellcheck shell=bash
# `vmdev mdev` driving the real kernel's mtty and mdpy samples: define, start,
# list, stop, undefine; transient devices; ordered attributes and the rollback
# of a failed one; bad and duplicate UUIDs; mtty's 24-port pool run dry; and
# stop of a device whose VFIO group a nested QEMU holds (refused, never
# blocked in the kernel).  Leaves no device and no definition behind (trap).
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

U() { printf 'b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f31%02d' "$1"; }
TMP=$(mktemp -d)
QEMU_PID=""

cleanup() {
  local d
  if [ -n "$QEMU_PID" ]; then kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; fi
  for d in "$MDEV_DEVICES"/*; do
    [ -e "$d" ] && timeout 20 vmdev mdev stop -u "${d##*/}" >/dev/null 2>&1
  done
  for d in /etc/mdevctl.d/*/*; do
    case $d in */scripts.d/*) continue ;; esac
    [ -e "$d" ] && vmdev mdev undefine -u "${d##*/}" >/dev/null 2>&1
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# v ARGS...: runs `vmdev mdev ARGS`; sets $out, $err, $st.
v() {
  st=0
  vmdev mdev "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null || st=$?
  out=$(cat "$TMP/out") err=$(cat "$TMP/err")
}
# vok DESCRIPTION ARGS...: `vmdev mdev ARGS` must exit 0.
vok() {
  local desc=$1; shift
  v "$@"
  if [ "$st" = 0 ]; then ok "$desc"
  else not_ok "$desc"; { echo "vmdev mdev $* exited $st"; cat "$TMP/err"; } | diag; fi
}
# vfail DESCRIPTION STATUS PATTERN ARGS...: must exit STATUS with PATTERN
# (grep -E) on stderr.
vfail() {
  local desc=$1 want=$2 pat=$3; shift 3
  v "$@"
  if [ "$st" = "$want" ] && grep -Eq -- "$pat" <<<"$err"; then ok "$desc"
  else
    not_ok "$desc"
    { echo "vmdev mdev $*: status $st (want $want), stderr:"; cat "$TMP/err"; echo "(want /$pat/)"; } | diag
  fi
}
counts() { echo "$(avail mtty mtty-1)/$(avail mtty mtty-2)"; }
running() { find "$MDEV_DEVICES" -mindepth 1 -maxdepth 1 | wc -l; }
groups_nodes() { find /dev/vfio -mindepth 1 -maxdepth 1 ! -name vfio -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'; }
# has_open PID FILE: has process PID got FILE open?
has_open() {
  local fd
  for fd in "/proc/$1"/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && return 0
  done
  return 1
}
group_of() { basename "$(readlink "$MDEV_DEVICES/$1/iommu_group" 2>/dev/null)" 2>/dev/null; }

if ! vmdev mdev list >/dev/null 2>&1; then
  not_ok "vmdev mdev list runs"
  exit 0
fi

# --- define / start / list / stop / undefine: mtty-2 ------------------------
A=$(U 1)
vok "define $A on mtty as mtty-2" define -u "$A" -p mtty -t mtty-2
check "its definition is /etc/mdevctl.d/mtty/$A" test -f "/etc/mdevctl.d/mtty/$A"
check "the definition names mtty-2" grep -q '"mdev_type": "mtty-2"' "/etc/mdevctl.d/mtty/$A"
v list -d; expect_eq "list -d: defined, not active" "$A mtty mtty-2 manual" "$out"
v list; expect_eq "list: nothing runs yet" "" "$out"
vok "start -u $A (from its definition)" start -u "$A"
check "it appears in sysfs with its mdev_type link" test -e "$MDEV_DEVICES/$A/mdev_type"
expect_eq "its type is mtty-2" mtty-2 "$(basename "$(readlink "$MDEV_DEVICES/$A/mdev_type")")"
g=$(group_of "$A")
check "its VFIO group node /dev/vfio/$g is a character device" test -c "/dev/vfio/$g"
expect_eq "mtty counts (mtty-1/mtty-2) after one mtty-2" 22/11 "$(counts)"
v list; expect_eq "list: running, marked (defined)" "$A mtty mtty-2 manual (defined)" "$out"
v list -d; expect_eq "list -d: marked (active)" "$A mtty mtty-2 manual (active)" "$out"
v list --dumpjson
if command -v jq >/dev/null; then
  expect_eq "list --dumpjson" "mtty $A mtty-2 manual" \
    "$(jq -r '.[] | to_entries[] | .key as $p | .value[] | to_entries[] |
              "\($p) \(.key) \(.value.mdev_type) \(.value.start)"' <<<"$out")"
fi
vok "stop -u $A" stop -u "$A"
check "it is gone from sysfs" test ! -e "$MDEV_DEVICES/$A"
check "its group node is gone" test ! -e "/dev/vfio/$g"
expect_eq "mtty counts restored" 24/12 "$(counts)"
v list -d; expect_eq "list -d: no longer active" "$A mtty mtty-2 manual" "$out"
vok "undefine -u $A" undefine -u "$A"
check "its definition and the empty parent directory are gone" test ! -e /etc/mdevctl.d/mtty
v list -d; expect_eq "list -d: empty" "" "$out"

# --- the same with mdpy (auto start) -----------------------------------------
B=$(U 2)
vok "define $B on mdpy as mdpy-vga, --auto" define -u "$B" -p mdpy -t mdpy-vga --auto
vok "start -u $B" start -u "$B"
v list; expect_eq "list: the mdpy device, auto (defined)" "$B mdpy mdpy-vga auto (defined)" "$out"
expect_eq "mdpy counts one instance for all its types" "3 3 3" \
  "$(avail mdpy mdpy-hd) $(avail mdpy mdpy-vga) $(avail mdpy mdpy-xga)"
check "its group node is a character device" test -c "/dev/vfio/$(group_of "$B")"
vok "stop -u $B" stop -u "$B"
vok "undefine -u $B" undefine -u "$B"
expect_eq "mdpy counts restored" "4 4 4" \
  "$(avail mdpy mdpy-hd) $(avail mdpy mdpy-vga) $(avail mdpy mdpy-xga)"

# --- transient devices: start -p -t -------------------------------------------
vok "start -p mtty -t mtty-1 (no UUID, no definition)" start -p mtty -t mtty-1
gen=$out
check "it prints the generated UUID ($gen)" grep -Eqx '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' <<<"$gen"
check "the generated device runs" test -e "$MDEV_DEVICES/$gen/mdev_type"
v list; expect_eq "list: transient, no (defined) mark" "$gen mtty mtty-1 manual" "$out"
v list -d; expect_eq "list -d: no definition was written" "" "$out"
expect_eq "mtty counts after one mtty-1" 23/11 "$(counts)"
vok "stop the generated device" stop -u "$gen"
C=$(U 3)
vok "start -u $C -p mdpy -t mdpy-hd (transient, given UUID)" start -u "$C" -p mdpy -t mdpy-hd
expect_eq "it runs as mdpy-hd" mdpy-hd "$(basename "$(readlink "$MDEV_DEVICES/$C/mdev_type" 2>/dev/null)")"
vok "stop -u $C" stop -u "$C"
expect_eq "nothing runs" 0 "$(running)"

# --- ordered attributes; a failed one rolls the create back --------------------
# The samples have no writable attribute of their own; every device has a
# writable `uevent` (writing "change" re-sends its uevent), and a name that
# does not exist cannot be written.
D=$(U 4)
vok "define $D (mtty-2)" define -u "$D" -p mtty -t mtty-2
vok "add attribute no_such_attr=1" modify -u "$D" --addattr no_such_attr --value 1
vok "insert attribute uevent=change before it (-i 0)" modify -u "$D" --addattr uevent --value change -i 0
v list -d -v
expect_eq "list -d -v shows the attributes in order" \
  "$D mtty mtty-2 manual|  Attrs:|    @{0}: {\"uevent\":\"change\"}|    @{1}: {\"no_such_attr\":\"1\"}" \
  "$(tr '\n' '|' <<<"$out" | sed 's/|*$//')"
before=$(counts)
vfail "start fails on attribute 1 (uevent written first), naming it" 1 \
  "setting attribute 1 'no_such_attr' of $D: writing: /sys/bus/mdev/devices/$D/no_such_attr: No such file or directory" \
  start -u "$D"
check "rollback: $D does not exist afterwards" test ! -e "$MDEV_DEVICES/$D"
expect_eq "rollback: no mdev is left at all" 0 "$(running)"
expect_eq "rollback: no VFIO group node is left" "" "$(groups_nodes)"
expect_eq "rollback: the counts are as before" "$before" "$(counts)"
v list -d -v
check "the definition is kept, attributes and all" grep -q '@{1}: {"no_such_attr":"1"}' <<<"$out"
vok "move uevent=change after no_such_attr" modify -u "$D" --delattr -i 0
vok "... (append)" modify -u "$D" --addattr uevent --value change
vfail "start now fails on attribute 0" 1 "setting attribute 0 'no_such_attr'" start -u "$D"
expect_eq "again nothing is left" "0 $before" "$(running) $(counts)"
vok "delete no_such_attr" modify -u "$D" --delattr -i 0
vok "start with uevent=change only: the attribute is written, the device runs" start -u "$D"
check "$D runs" test -e "$MDEV_DEVICES/$D/mdev_type"
vok "stop -u $D" stop -u "$D"
vok "undefine -u $D" undefine -u "$D"
printf '{"mdev_type": "mdpy-xga", "start": "manual", "attrs": [{"uevent": "change"}, {"nope": "1"}]}' \
  > "$TMP/attrs.json"
vfail "a transient start with --jsonfile attrs fails on attribute 1" 1 \
  "setting attribute 1 'nope'" start -u "$(U 5)" -p mdpy --jsonfile "$TMP/attrs.json"
expect_eq "rollback on mdpy: nothing left, counts restored" "0 4" "$(running) $(avail mdpy mdpy-xga)"

# --- bad UUIDs -----------------------------------------------------------------
vfail "start with a bad UUID: usage error (exit 2)" 2 "invalid UUID: 'not-a-uuid'" \
  start -u not-a-uuid -p mtty -t mtty-2
vfail "define with a bad UUID: usage error (exit 2)" 2 "invalid UUID: '1234'" define -u 1234 -p mtty -t mtty-1
expect_eq "nothing was created or defined" "0 24/12 0" \
  "$(running) $(counts) $(find /etc/mdevctl.d -mindepth 1 -maxdepth 1 ! -name scripts.d | wc -l)"
msg=$( { echo not-a-uuid > "$MDEV_BUS/mtty/mdev_supported_types/mtty-2/create"; } 2>&1 )
check "the kernel itself refuses a bad UUID with EINVAL" grep -q 'Invalid argument' <<<"$msg"

# --- duplicate UUIDs -----------------------------------------------------------
E=$(U 6)
vok "start -u $E -p mtty -t mtty-2" start -u "$E" -p mtty -t mtty-2
msg=$( { echo "$E" > "$MDEV_BUS/mtty/mdev_supported_types/mtty-1/create"; } 2>&1 )
check "the kernel refuses the same UUID again with EEXIST" grep -q 'File exists' <<<"$msg"
vfail "vmdev refuses to start the same UUID again (as mtty-1)" 1 \
  "$E: already running on parent mtty as type mtty-2" start -u "$E" -p mtty -t mtty-1
vfail "... also spelled in upper case" 1 "already running" start -u "${E^^}" -p mdpy -t mdpy-vga
# Two starts racing for one UUID: one wins; the loser gets vmdev's check or the
# kernel's EEXIST, reported as such.
F=$(U 7)
vmdev mdev start -u "$F" -p mtty -t mtty-1 > /dev/null 2> "$TMP/race1" & p1=$!
vmdev mdev start -u "$F" -p mtty -t mtty-1 > /dev/null 2> "$TMP/race2" & p2=$!
s1=0 s2=0; wait $p1 || s1=$?; wait $p2 || s2=$?
expect_eq "two racing starts of one UUID: exactly one succeeds" 1 "$(( (s1 == 0) + (s2 == 0) ))"
if grep -Eq 'already running|a mediated device with this UUID already exists' "$TMP/race1" "$TMP/race2"; then
  ok "the loser says why ($(cat "$TMP/race1" "$TMP/race2" | sed 's/.*: //' | head -n 1))"
else
  not_ok "the loser says why"; cat "$TMP/race1" "$TMP/race2" | diag
fi
expect_eq "the first device is intact: still mtty-2" mtty-2 "$(basename "$(readlink "$MDEV_DEVICES/$E/mdev_type")")"
expect_eq "two devices run, counts 21/10" "2 21/10" "$(running) $(counts)"
vok "stop -u $E" stop -u "$E"
vok "stop -u $F" stop -u "$F"

# --- mtty's 24-port pool -------------------------------------------------------
fails=0 trail=""
for i in $(seq 11 22); do
  v start -u "$(U "$i")" -p mtty -t mtty-2
  [ "$st" = 0 ] || { fails=$((fails + 1)); diag < "$TMP/err"; }
  trail="$trail $(counts)"
done
expect_eq "12 mtty-2 devices start" 0 "$fails"
expect_eq "both counts drop with every mtty-2 (6.1's shared pool)" \
  " 22/11 20/10 18/9 16/8 14/7 12/6 10/5 8/4 6/3 4/2 2/1 0/0" "$trail"
vfail "a 13th mtty-2 fails: no space (ENOSPC)" 1 \
  "mtty-2/create: no free instance of type 'mtty-2' on parent 'mtty' \(No space left on device\)" \
  start -u "$(U 23)" -p mtty -t mtty-2
vfail "an mtty-1 fails too (ENOSPC)" 1 "\(No space left on device\)" start -p mtty -t mtty-1
expect_eq "still 12 devices, counts 0/0" "12 0/0" "$(running) $(counts)"
vok "stop one mtty-2" stop -u "$(U 22)"
expect_eq "counts after freeing 2 ports" 2/1 "$(counts)"
vok "an mtty-1 fits" start -u "$(U 23)" -p mtty -t mtty-1
expect_eq "counts with 1 port left" 1/0 "$(counts)"
vfail "an mtty-2 does not (needs 2 ports)" 1 "No space left on device" start -u "$(U 24)" -p mtty -t mtty-2
fails=0
for i in $(seq 11 21) 23; do v stop -u "$(U "$i")"; [ "$st" = 0 ] || fails=$((fails + 1)); done
expect_eq "all stopped, counts restored" "0 0 24/12" "$fails $(running) $(counts)"

# --- a device in use: its VFIO group held by a nested QEMU ------------------------
H=$(U 8)
vok "start -u $H -p mtty -t mtty-2" start -u "$H" -p mtty -t mtty-2
g=$(group_of "$H")
qemu-system-x86_64 -accel tcg -nodefaults -display none -S \
  -device "vfio-pci,sysfsdev=$MDEV_DEVICES/$H" < /dev/null > "$TMP/qemu.log" 2>&1 &
QEMU_PID=$!
held=0
for _ in $(seq 600); do
  if has_open "$QEMU_PID" "/dev/vfio/$g"; then held=1; break; fi
  kill -0 "$QEMU_PID" 2>/dev/null || break
  sleep 0.1
done
if [ $held = 1 ]; then
  ok "a nested QEMU holds /dev/vfio/$g open (vfio-pci realized on $H)"
  t0=$EPOCHREALTIME
  vfail "stop is refused as in use (exit 1)" 1 \
    "stopping mdev: $H: mediated device $H is in use: its VFIO group /dev/vfio/$g is open" \
    stop -u "$H"
  secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  check "... promptly (${secs} s; \`remove\` would have blocked until timeout 20)" \
    awk -v s="$secs" 'BEGIN { exit !(s < 10) }'
  st=0; timeout 20 vmdev mdev stop -u "$H" > /dev/null 2>&1 || st=$?
  expect_eq "again under timeout 20: exit 1, not 124 (timed out)" 1 "$st"
  check "the device is still there" test -e "$MDEV_DEVICES/$H/mdev_type"
  check "the nested QEMU still runs (its device was not pulled)" kill -0 "$QEMU_PID"
else
  not_ok "a nested QEMU holds /dev/vfio/$g open"; diag < "$TMP/qemu.log"
fi
kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; QEMU_PID=""
vok "once QEMU is gone, stop succeeds" stop -u "$H"
check "the device is gone" test ! -e "$MDEV_DEVICES/$H"

# --- all clean -------------------------------------------------------------------
expect_eq "no mdev, no group node, no definition, counts restored" "0||0|24/12|4" \
  "$(running)|$(groups_nodes)|$(find /etc/mdevctl.d -mindepth 1 -maxdepth 1 ! -name scripts.d | wc -l)|$(counts)|$(avail mdpy mdpy-vga)"
