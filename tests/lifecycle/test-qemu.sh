#!/bin/bash
# The lifecycle with real QEMU (TCG, no disk, 64 MiB): start, list, status,
# suspend/resume, shutdown --timeout falling back to destroy, destroy, QEMU
# killed, monitor killed, and nothing left behind.
. "$(dirname "$0")/lib.sh"

qemu=/usr/bin/qemu-system-x86_64
[ -x "$qemu" ] || skip_all "$qemu is missing"
command -v jq >/dev/null || skip_all "jq is missing"

cat > "$tmp_root/vm1.xml" <<XML
<domain type='qemu'>
  <name>vm1</name>
  <uuid>6b3c1d4e-0c0f-4a1e-9d55-0a8a4f6c2b11</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$qemu</emulator>
    <video><model type='none'/></video>
  </devices>
</domain>
XML
# QEMU runs as nobody:nogroup (DESIGN.md §7 step 6).
mkdir -p "$root/etc/vmdev"
printf '[qemu]\nuser=65534\ngroup=65534\n' > "$root/etc/vmdev/vmdev.conf"
run domain define "$tmp_root/vm1.xml"
is "$rc|$err" "0|" "define"

run domain status vm1 --json
is "$(json_get "$out" state)|$(json_get "$out" pid)" "shut off|null" "status of a defined domain"

# --- start runs in a process of its own (it becomes the monitor): its exit
# status and messages still reach the caller when it does not get that far.
run domain start
is "$rc|$err" "2|vmdev: missing argument NAME
Try 'vmdev domain start --help'." "start without a name: usage error (2)"
run domain start --help
like "$rc|$out" "^0\|Usage: vmdev domain start NAME \[--paused\]" "start --help"
run domain start nosuch
like "$rc|$out|$err" "^1\|\|vmdev: starting a domain: domain 'nosuch' is not defined" "start of an undefined domain"

# --- start (paused), status
run domain start vm1 --paused
is "$rc|$out|$err" "0|Domain 'vm1' started|" "start --paused"
run domain status vm1 --json
st=$out
pid=$(json_get "$st" pid)
is "$(json_get "$st" state)" "paused" "status: paused"
is "$(json_get "$st" name)|$(json_get "$st" uuid)" "vm1|6b3c1d4e-0c0f-4a1e-9d55-0a8a4f6c2b11" \
  "status: name and uuid"
stime=$(sed 's/^[0-9]* (.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20)
is "$(json_get "$st" pid_start_time)" "$stime" "status: pid_start_time is field 22 of /proc/PID/stat"
like "$(readlink "/proc/$pid/exe")" "qemu-system-x86_64" "status: pid is QEMU"
is "$(awk '/^Uid:|^Gid:/ { print $2, $3, $4, $5 } /^Groups:/ { print "groups:" $2 } /^Cap(Eff|Prm|Bnd):/ { print $2 }' "/proc/$pid/status" | tr '\n' ' ')" \
  "65534 65534 65534 65534 65534 65534 65534 65534 groups: 0000000000000000 0000000000000000 0000000000000000 " \
  "real QEMU runs as the configured user and group, without other groups or any capability"
[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
  [ "$(ls "/proc/$pid/root/dev" | tr '\n' ' ')" = "fd full null ptmx pts random shm stderr stdin stdout urandom zero " ]
ok $? "real QEMU runs with a private /dev (no VFIO, no kvm: type qemu)"
like "$(json_get "$st" started)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
  "status: started is ISO-8601 UTC"
is "$(json_get "$st" qmp)|$(json_get "$st" log)" \
  "$root/run/vmdev/d/vm1/qmp.sock|$root/var/log/vmdev/vm1.log" "status: qmp and log paths"
is "$(printf '%s' "$st" | jq -c .hostdevs)" "[]" "status: hostdevs"
is "$(jq -r .version "$root/run/vmdev/d/vm1/status.json")" "1" "status.json has a version"
[ -S "$root/run/vmdev/d/vm1/qmp.sock" ] && [ -S "$root/run/vmdev/d/vm1/mon.sock" ]
ok $? "the QMP sockets exist"

run domain start vm1
like "$rc|$err" "^1\|vmdev: starting a domain: domain 'vm1' is already running" "second start refused"

run domain resume vm1
is "$rc|$out" "0|Domain 'vm1' resumed" "resume"
run domain status vm1
is "$out" "running" "state running after resume"
run domain list
w=${#pid}; [ "$w" -lt 2 ] && w=2
dashes=$(printf '%*s' $((1 + w + 3 + 4 + 3 + 7 + 2)) '' | tr ' ' -)
is "$out" "$(printf ' %-*s   Name   State\n%s\n %-*s   vm1    running' "$w" Id "$dashes" "$w" "$pid")" \
  "list: Id is the QEMU pid"
run domain suspend vm1
is "$rc|$out" "0|Domain 'vm1' suspended" "suspend"
run domain list --json
is "$out" "[{\"name\":\"vm1\",\"uuid\":\"6b3c1d4e-0c0f-4a1e-9d55-0a8a4f6c2b11\",\"state\":\"paused\",\"pid\":$pid}]" \
  "list --json: paused"
run domain resume vm1

# --- hotplug of an mdev QEMU cannot open: the mdev exists under the root (a
# static snapshot of the simulated host), not in the real /sys, so vmdev's
# checks pass and QEMU's device_add fails; nothing stays behind.
# Its group nodes are plain files, which the DAC labels refuse: no labels here.
"$SIMHOST" populate "$(dirname "$0")/../cli/hosts/gvtg-mtty.json" "$root" >/dev/null
mkdir -p "$root/etc/vmdev"
printf '[qemu]\nuser=65534\ngroup=65534\nsecurity_driver=none\n' > "$root/etc/vmdev/vmdev.conf"
cat > "$tmp_root/fake.xml" <<XML
<hostdev mode='subsystem' type='mdev' model='vfio-pci'>
  <source><address uuid='83b8f4f2-509f-382f-3c1e-e6bfe0fa1001'/></source>
</hostdev>
XML
live_before=$("$VMDEV" domain dumpxml vm1)
run domain attach-device vm1 "$tmp_root/fake.xml" --live
like "$rc|$err" "^1\|vmdev: attaching device: mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001: QEMU did not add it to domain 'vm1': .*/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001" \
  "hotplug of an mdev QEMU cannot open: QEMU's device_add error"
is "$("$VMDEV" domain dumpxml vm1)|$(status_json vm1 | jq -c .hostdevs)" "$live_before|[]" \
  "nothing recorded: live definition and status unchanged"
is "$(ls "$root/run/vmdev/d/vm1" | tr '\n' ' ')|$(ls -A "$root/run/vmdev/claims" 2>/dev/null)" \
  "domain.xml mon.sock qmp.sock status.json |" "no claim and no other runtime files left"
alive "$pid"
ok $? "QEMU still runs"

# --- shutdown: a guest without an OS ignores ACPI, so --timeout destroys it
run domain shutdown vm1 --timeout 1
is "$rc|$out" "0|Domain 'vm1' is being shutdown
Domain 'vm1' did not shut down within 1 s: destroyed" "shutdown --timeout falls back to destroy"
dead "$pid"
ok $? "QEMU is gone after shutdown --timeout"
[ ! -e "$root/run/vmdev/d/vm1" ]
ok $? "runtime dir removed"
run domain list --all
like "$out" " -    vm1    shut off" "list --all: shut off"
run domain list
is "$out" " Id   Name   State
--------------------" "list: no running domain"

# --- destroy.  Start as scripts call it, in $(...) with one more fd open:
# the process start forks stays on as the monitor, and must let go of both.
exec 7> "$tmp_root/inherited"
out=$(timeout 60 "$VMDEV" domain start vm1 2>&1); rc=$?
exec 7>&-
is "$rc|$out" "0|Domain 'vm1' started" "start in \$(...) returns with its output"
pid=$(json_get "$(status_json vm1)" pid)
mpid=$(jq -r .monitor_pid "$root/run/vmdev/d/vm1/status.json")
log="$root/var/log/vmdev/vm1.log"
is "$(ls -l "/proc/$mpid/fd/" "/proc/$pid/fd/" 2>/dev/null | grep -c inherited)|$(ls -l "/proc/$mpid/fd/" | grep -c pipe:)" \
  "0|0" "neither the monitor nor QEMU holds the caller's fd, nor the monitor its pipe"
is "$(readlink "/proc/$mpid/fd/0")|$(readlink "/proc/$mpid/fd/1")|$(readlink "/proc/$mpid/fd/2")" \
  "/dev/null|$log|$log" "the monitor: stdin /dev/null, stdout and stderr the log"
is "$(readlink "/proc/$pid/fd/0")|$(readlink "/proc/$pid/fd/1")|$(readlink "/proc/$pid/fd/2")" \
  "/dev/null|$log|$log" "QEMU: stdin /dev/null, stdout and stderr the log"
is "$(ps -o ppid=,sid= -p "$pid" | awk '{ print $1, $2 }')|$(ps -o sid= -p "$mpid" | tr -d ' ')" \
  "$mpid $mpid|$mpid" "QEMU is the monitor's child, both in the monitor's own session"
ino=$(stat -c %i "$root/run/vmdev/d/vm1")
is "$(awk -v i=":$ino" '$2 == "FLOCK" && substr($6, length($6) - length(i) + 1) == i { print $4, $5 }' /proc/locks)" \
  "WRITE $mpid" "the monitor holds an exclusive flock on the runtime directory (destroy waits for it)"
run domain shutdown vm1
is "$rc|$out" "0|Domain 'vm1' is being shutdown" "shutdown without --timeout returns"
run domain destroy vm1
is "$rc|$out|$err" "0|Domain 'vm1' destroyed|" "destroy"
dead "$pid" && [ ! -e "$root/run/vmdev/d/vm1" ]
ok $? "QEMU gone, runtime dir removed when destroy returns"
wait_until 30 dead "$mpid"
ok $? "the monitor exits"
like "$(cat "$root/var/log/vmdev/vm1.log")" "QEMU \(pid $pid\) exited with status 0" \
  "the log records QEMU's exit"
run domain destroy vm1
is "$rc|$err" "1|vmdev: destroying a domain: domain 'vm1' is not running" "destroy of a shut off domain"

# --- a caller that ignores SIGCHLD and SIGTERM (kept through exec): start
# still gets its process's exit status; QEMU starts with the default actions,
# so destroy's SIGTERM stops it, and the monitor reaps it with its status.
out=$(trap '' CHLD TERM; "$VMDEV" domain start 2>&1); rc=$?
is "$rc|$out" "2|vmdev: missing argument NAME
Try 'vmdev domain start --help'." \
  "SIGCHLD ignored by the caller: the status of start's process still comes back (2)"
out=$(trap '' CHLD TERM; "$VMDEV" domain start vm1 --paused 2>&1); rc=$?
is "$rc|$out" "0|Domain 'vm1' started" "start with SIGCHLD and SIGTERM ignored by the caller"
pid=$(json_get "$(status_json vm1)" pid)
ign=$(awk '/^SigIgn:/ { print $2 }' "/proc/$pid/status")
is "$(( 16#$ign & (1 << (15 - 1)) ))" "0" "QEMU does not ignore SIGTERM"
run domain destroy vm1
is "$rc|$out" "0|Domain 'vm1' destroyed" "destroy"
is "$(sed -n "/QEMU (pid $pid) started\|(QEMU pid $pid, paused)/,\$p" "$log" | grep -c -e 'terminating on signal 15' -e "QEMU (pid $pid) exited with status 0")" \
  "2" "QEMU stopped on destroy's SIGTERM, and the monitor reaped it with its status"

# --- QEMU killed: the next list shows it shut off
run domain start vm1
pid=$(json_get "$(status_json vm1)" pid)
mpid=$(jq -r .monitor_pid "$root/run/vmdev/d/vm1/status.json")
kill -9 "$pid"
wait_until 30 dead "$pid"
ok $? "QEMU killed"
run domain list --all
like "$out" " -    vm1    shut off" "after kill -9 of QEMU: shut off"
wait_until 30 test ! -e "$root/run/vmdev/d/vm1"
ok $? "runtime dir gone"
wait_until 30 dead "$mpid"
ok $? "the monitor exits"
like "$(cat "$root/var/log/vmdev/vm1.log")" "QEMU \(pid $pid\) was killed by signal 9" \
  "the log records the kill"

# --- monitor killed: QEMU dies with it (PR_SET_PDEATHSIG); reconcile cleans up
run domain start vm1
pid=$(json_get "$(status_json vm1)" pid)
mpid=$(jq -r .monitor_pid "$root/run/vmdev/d/vm1/status.json")
kill -9 "$mpid"
wait_until 30 dead "$pid"
ok $? "QEMU dies with its monitor"
run domain list --all
like "$out" " -    vm1    shut off" "after kill -9 of the monitor: shut off"
[ ! -e "$root/run/vmdev/d/vm1" ]
ok $? "the next command removed the stale runtime dir"

# --- QEMU refuses to start: the error carries the log
sed -e "s|<vcpu>1</vcpu>|<vcpu>4000</vcpu>|" -e 's|vm1|vm2|' \
  -e 's|6b3c1d4e|7b3c1d4e|' "$tmp_root/vm1.xml" > "$tmp_root/vm2.xml"
run domain define "$tmp_root/vm2.xml"
run domain start vm2
like "$rc|$err" "^1\|vmdev: starting a domain: domain 'vm2': .*the log says:" \
  "a QEMU that exits at once: error with the log's last lines"
[ ! -e "$root/run/vmdev/d/vm2" ]
ok $? "failed start leaves no runtime dir"

# --- a root longer than sun_path: the sockets are reached through the dir fd
long="$tmp_root/$(printf 'd%.0s' $(seq 1 120))/root"
mkdir -p "$long"
VMDEV_ROOT=$long run domain define "$tmp_root/vm1.xml"
VMDEV_ROOT=$long run domain start vm1
is "$rc|$out|$err" "0|Domain 'vm1' started|" "start under a root of ${#long} bytes"
VMDEV_ROOT=$long run domain status vm1
is "$out" "running" "query-status under the long root"
VMDEV_ROOT=$long run domain destroy vm1
is "$rc|$out" "0|Domain 'vm1' destroyed" "destroy under the long root"
[ -s "$long/var/log/vmdev/vm1.log" ] && [ ! -e "$long/run/vmdev/d/vm1" ]
ok $? "the long root got the log, and its runtime dir is gone"

# --- without ACPI, machine pc has no PCI hotplug: QEMU says so, vmdev says why
sed -e '/<features>/d' -e 's|vm1|vm3|' -e 's|6b3c1d4e|8b3c1d4e|' "$tmp_root/vm1.xml" > "$tmp_root/vm3.xml"
run domain define "$tmp_root/vm3.xml"
run domain start vm3 --paused
run domain attach-device vm3 "$tmp_root/fake.xml" --live
like "$rc|$err" "^1\|.*Bus 'pci.0' does not support hotplugging.* \(PCI hotplug needs <features><acpi/></features> in the domain\)$" \
  "hotplug without ACPI: QEMU's refusal and the hint"
run domain destroy vm3

# --- nothing left behind
left=$(ls -A "$root/run/vmdev/d" 2>/dev/null)
is "$left" "" "no runtime dirs left"
left=$(pgrep -f -- "-name guest=vm[123]," | while read -r p; do alive "$p" && grep -lq "$root" "/proc/$p/cmdline" 2>/dev/null && echo "$p"; done)
is "$left" "" "no QEMU left"
finish
