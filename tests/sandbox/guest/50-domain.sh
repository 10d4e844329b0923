# shellcheck shell=bash
# A vmdev domain on the real kernel: a paused QEMU (TCG, machine pc, no disk)
# started with a real mtty mdev shows it on its PCI bus (QMP query-pci:
# 4348:3253); a second mtty mdev hot-plugged (attach-device --live) shows up
# too; its unplug (detach-device --live) times out cleanly, since the nested
# guest runs no OS to eject it, and the device stays; a hotplug of a missing
# mdev fails and changes nothing; destroy; afterwards no process holds the
# mdevs' VFIO groups (they stop), no runtime directory and no QEMU are left.
# machine pc needs <acpi/> for PCI hotplug (without it QEMU runs -no-acpi and
# pci.0 has no hotplug controller).  A trap destroys and removes everything,
# even on failure.
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

NAME=sbx-domain
DOM_UUID=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f5000
U1=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f5001
U2=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f5002
U3=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f5003  # never created
QEMU=/usr/bin/qemu-system-x86_64
RUNDIR=/run/vmdev/d/$NAME
DETACH_TIMEOUT=3
TMP=$(mktemp -d)
QEMU_PID="" MONITOR_PID=""

# shellcheck disable=SC2317 # run by the trap
cleanup() {
  local p u
  if [ -d "$RUNDIR" ]; then
    timeout 60 vmdev domain destroy "$NAME" >/dev/null 2>&1
    # What survived a failed destroy: by pid, the monitor first.
    if [ -d "$RUNDIR" ]; then
      for p in "$MONITOR_PID" "$QEMU_PID"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
      sleep 1
    fi
  fi
  vmdev domain undefine "$NAME" >/dev/null 2>&1
  for u in "$U1" "$U2"; do
    [ -e "$MDEV_DEVICES/$u" ] && timeout 20 vmdev mdev stop -u "$u" >/dev/null 2>&1
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# d ARGS...: runs `vmdev domain ARGS` (bounded); sets $out, $err, $st.
d() {
  st=0
  timeout 120 vmdev domain "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null || st=$?
  out=$(cat "$TMP/out") err=$(cat "$TMP/err")
}
# dok DESCRIPTION EXPECTED-STDOUT ARGS...: `vmdev domain ARGS` exits 0 and
# prints EXPECTED-STDOUT.
dok() {
  local desc=$1 want=$2; shift 2
  d "$@"
  if [ "$st" = 0 ] && [ "$out" = "$want" ]; then ok "$desc"
  else
    not_ok "$desc"
    { echo "vmdev domain $*: status $st, stdout:"; echo "$out"; echo "stderr:"; echo "$err"
      echo "(want status 0, stdout: $want)"; } | diag
  fi
}
# JSON of `vmdev domain status NAME --json` without blanks and newlines.
status_flat() { vmdev domain status "$NAME" --json 2>/dev/null | tr -d ' \n'; }
# json_str FLAT-JSON KEY / json_num FLAT-JSON KEY: a top-level member.
json_str() { sed -n "s/.*[{,]\"$2\":\"\([^\"]*\)\".*/\1/p" <<<"$1"; }
json_num() { sed -n "s/.*[{,]\"$2\":\([0-9][0-9]*\).*/\1/p" <<<"$1"; }
# hostdev_alias FLAT-JSON UUID: the alias of that hostdev in "hostdevs".
hostdev_alias() {
  grep -o "{[^{}]*\"uuid\":\"$2\"[^{}]*}" <<<"$1" | sed -n 's/.*"alias":"\([^"]*\)".*/\1/p'
}
# pci QMP-SOCKET: pci_devices, its errors into the TAP stream.
pci() { pci_devices "$1" 2> "$TMP/qerr" || { echo "query-pci failed: $(cat "$TMP/qerr")" | diag; }; }
count_mtty() { grep -c ' 4348:3253 ' <<<"$1"; }
group_of() { basename "$(readlink "$MDEV_DEVICES/$1/iommu_group" 2>/dev/null)" 2>/dev/null; }
# has_open PID FILE: has process PID got the device node FILE open?  By
# device number: QEMU has its own /dev (a private mount namespace), so its fd
# links do not read as the host's path.
has_open() {
  local fd want
  want=$(stat -L -c '%t:%T' "$2" 2>/dev/null) || return 1
  for fd in "/proc/$1"/fd/*; do
    [ -c "$fd" ] && [ "$(stat -L -c '%t:%T' "$fd" 2>/dev/null)" = "$want" ] && return 0
  done
  return 1
}
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
gone() { ! alive "$1"; }
is_qemu() { [ -n "$1" ] && readlink "/proc/$1/exe" | grep -q qemu-system; }
qemus() {
  local p
  for p in /proc/[0-9]*; do
    case $(readlink "$p/exe" 2>/dev/null) in *qemu-system*) echo "${p#/proc/}" ;; esac
  done
}
hostdev_xml() {
  printf "<hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
  printf "  <source><address uuid='%s'/></source>\n</hostdev>\n" "$1"
}

if [ ! -x "$QEMU" ]; then skip "a domain with real mdevs" "$QEMU is missing"; exit 0; fi
if [ ! -x "$QMP_CALL" ]; then not_ok "tests/tools/qmp-call is built ($QMP_CALL)"; exit 0; fi

# --- two mtty mdevs, a domain with the first ------------------------------------
if ! vmdev mdev start -u "$U1" -p mtty -t mtty-2 > "$TMP/err" 2>&1 ||
   ! vmdev mdev start -u "$U2" -p mtty -t mtty-1 >> "$TMP/err" 2>&1; then
  not_ok "two mtty mdevs ($U1 mtty-2, $U2 mtty-1)"; diag < "$TMP/err"
  exit 0
fi
ok "two mtty mdevs ($U1 mtty-2, $U2 mtty-1)"
G1=$(group_of "$U1") G2=$(group_of "$U2")

cat > "$TMP/$NAME.xml" <<XML
<domain type='qemu'>
  <name>$NAME</name>
  <uuid>$DOM_UUID</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$QEMU</emulator>
    <video><model type='none'/></video>
$(hostdev_xml "$U1" | sed 's/^/    /')
  </devices>
</domain>
XML
hostdev_xml "$U2" > "$TMP/hostdev2.xml"

dok "define $NAME (type qemu, machine pc, 64 MiB, no disk, one mtty hostdev)" \
  "Domain '$NAME' defined from $TMP/$NAME.xml" define "$TMP/$NAME.xml"
t0=$EPOCHREALTIME
dok "start $NAME --paused" "Domain '$NAME' started" start "$NAME" --paused
echo "start took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s" | diag
if [ "$st" != 0 ]; then
  tail -n 20 "/var/log/vmdev/$NAME.log" 2>/dev/null | diag
  exit 0
fi

s=$(status_flat)
QEMU_PID=$(json_num "$s" pid)
MONITOR_PID=$(json_num "$(tr -d ' \n' < "$RUNDIR/status.json" 2>/dev/null)" monitor_pid)
Q=$(json_str "$s" qmp)
expect_eq "status --json: state paused" paused "$(json_str "$s" state)"
expect_eq "status --json: qmp is $RUNDIR/qmp.sock" "$RUNDIR/qmp.sock" "$Q"
check "status --json: pid $QEMU_PID is a running QEMU" is_qemu "$QEMU_PID"
A1=$(hostdev_alias "$s" "$U1")
if [ -n "$A1" ]; then ok "status --json: hostdevs lists $U1 (alias $A1)"
else not_ok "status --json: hostdevs lists $U1 with its alias"; diag <<<"$s"; fi
check "QEMU holds the VFIO group of $U1 open (/dev/vfio/$G1)" has_open "$QEMU_PID" "/dev/vfio/$G1"

pci1=$(pci "$Q")
echo "query-pci:" | diag; diag <<<"$pci1"
expect_eq "query-pci: one 4348:3253 (mtty) device" 1 "$(count_mtty "$pci1")"
expect_eq "query-pci: its qdev id is the alias" "${A1:-?}" "$(awk '$2 == "4348:3253" { print $3 }' <<<"$pci1")"
hmp=$("$QMP_CALL" --raw "$Q" human-monitor-command '{"command-line": "info pci"}' 2>&1)
expect_eq "info pci (human-monitor-command): PCI device 4348:3253 once" 1 \
  "$(grep -c 'PCI device 4348:3253' <<<"$hmp")"

st=0; timeout 20 vmdev mdev stop -u "$U1" > /dev/null 2> "$TMP/err" || st=$?
if [ "$st" = 1 ] && grep -q "is in use" "$TMP/err"; then ok "vmdev mdev stop of $U1 is refused while the domain runs"
else not_ok "vmdev mdev stop of $U1 is refused while the domain runs (status $st)"; diag < "$TMP/err"; fi

# --- hotplug: attach-device --live ------------------------------------------------
dok "attach-device $NAME hostdev2.xml --live ($U2)" "Device attached successfully" \
  attach-device "$NAME" "$TMP/hostdev2.xml" --live
pci2=$(pci "$Q")
echo "query-pci after the hotplug:" | diag; diag <<<"$pci2"
expect_eq "query-pci: two 4348:3253 devices" 2 "$(count_mtty "$pci2")"
s=$(status_flat)
A2=$(hostdev_alias "$s" "$U2")
if [ -n "$A2" ] && [ "$A2" != "$A1" ]; then ok "status --json: hostdevs lists $U2 (alias $A2)"
else not_ok "status --json: hostdevs lists $U2 with an alias of its own"; diag <<<"$s"; fi
check "query-pci: the new device's qdev id is its alias" \
  grep -Eq " 4348:3253 ${A2:-no-alias}\$" <<<"$pci2"
slot1=$(awk -v a="$A1" '$3 == a { print $1 }' <<<"$pci2")
slot2=$(awk -v a="${A2:-no-alias}" '$3 == a { print $1 }' <<<"$pci2")
if [ -n "$slot2" ] && [ "$slot2" != "$slot1" ] &&
   [ "$(awk -v s="$slot2" '$1 == s' <<<"$pci2" | wc -l)" = 1 ]; then
  ok "the new device got a free guest slot of its own ($slot2)"
else not_ok "the new device got a free guest slot of its own ('$slot2')"; fi
d dumpxml "$NAME"
check "dumpxml (live) shows the attached hostdev" grep -q "uuid='$U2'" <<<"$out"
check "QEMU holds the VFIO group of $U2 open (/dev/vfio/$G2)" has_open "$QEMU_PID" "/dev/vfio/$G2"

# --- unplug: no guest OS to eject it, so detach-device --live times out ----------
t0=$EPOCHREALTIME
d detach-device "$NAME" "$TMP/hostdev2.xml" --live --timeout "$DETACH_TIMEOUT"
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
if [ "$st" = 1 ] && [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] &&
   grep -Eq "^vmdev: .*within $DETACH_TIMEOUT ?s.*attached" <<<"$err"; then
  ok "detach-device --live --timeout $DETACH_TIMEOUT: exit 1, one line: the guest did not release it, it stays attached"
  diag <<<"$err"
else
  not_ok "detach-device --live --timeout $DETACH_TIMEOUT fails cleanly (exit 1, one line saying so)"
  { echo "status $st, stdout:"; echo "$out"; echo "stderr:"; echo "$err"; } | diag
fi
check "... after about $DETACH_TIMEOUT s (${secs} s)" \
  awk -v s="$secs" -v t="$DETACH_TIMEOUT" 'BEGIN { exit !(s >= t - 0.5 && s < t + 20) }'
pci3=$(pci "$Q")
expect_eq "query-pci: still two 4348:3253 devices" 2 "$(count_mtty "$pci3")"
s=$(status_flat)
expect_eq "status --json: $U2 still listed, same alias" "${A2:-?}" "$(hostdev_alias "$s" "$U2")"
d dumpxml "$NAME"
check "dumpxml still shows it" grep -q "uuid='$U2'" <<<"$out"
check "QEMU still holds /dev/vfio/$G2" has_open "$QEMU_PID" "/dev/vfio/$G2"
d dumpxml "$NAME" --inactive
if [ "$st" = 0 ] && ! grep -q "uuid='$U2'" <<<"$out"; then ok "dumpxml --inactive: the persistent definition never had it (--live only)"
else not_ok "dumpxml --inactive: the persistent definition never had it (status $st)"; fi

# A hotplug of an mdev that does not exist fails and changes nothing.
hostdev_xml "$U3" > "$TMP/hostdev3.xml"
d attach-device "$NAME" "$TMP/hostdev3.xml" --live
if [ "$st" = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "^vmdev: .*$U3" <<<"$err"; then
  ok "attach-device --live of a missing mdev fails (exit 1, one line)"; diag <<<"$err"
else
  not_ok "attach-device --live of a missing mdev fails (exit 1, one line)"
  { echo "status $st, stdout:"; echo "$out"; echo "stderr:"; echo "$err"; } | diag
fi
s=$(status_flat)
expect_eq "... status --json lists no hostdev for it, still two" "|2" \
  "$(hostdev_alias "$s" "$U3")|$(grep -o '"uuid":"[^"]*"' <<<"${s#*hostdevs}" | wc -l)"
expect_eq "... query-pci: still the same devices" "$pci3" "$(pci "$Q")"

# --- destroy; nothing holds the mdevs, nothing is left ----------------------------
dok "destroy $NAME" "Domain '$NAME' destroyed" destroy "$NAME"
check "QEMU (pid $QEMU_PID) is gone" wait_for ! -e "/proc/$QEMU_PID/exe"
check "no $RUNDIR left" test ! -e "$RUNDIR"
for _ in $(seq 100); do alive "$MONITOR_PID" || break; sleep 0.1; done
check "the monitor (pid $MONITOR_PID) is gone" gone "$MONITOR_PID"
expect_eq "status: shut off" "shut off" "$(vmdev domain status "$NAME" 2>&1)"
for u in "$U1" "$U2"; do
  st=0; timeout 20 vmdev mdev stop -u "$u" > /dev/null 2> "$TMP/err" || st=$?
  if [ "$st" = 0 ] && [ ! -e "$MDEV_DEVICES/$u" ]; then ok "mdev $u stops: no process holds its group"
  else not_ok "mdev $u stops: no process holds its group (status $st)"; diag < "$TMP/err"; fi
done
dok "undefine $NAME" "Domain '$NAME' has been undefined" undefine "$NAME"
expect_eq "no QEMU process left" "" "$(qemus | tr '\n' ' ')"
expect_eq "no mdev, no runtime directory, mtty counts restored" "0||24/12" \
  "$(find "$MDEV_DEVICES" -mindepth 1 -maxdepth 1 | wc -l)|$(ls -A /run/vmdev/d 2>/dev/null)|$(avail mtty mtty-1)/$(avail mtty mtty-2)"
