#!/bin/bash
# Crash safety (issue 6): SIGKILL of `vmdev domain start`, `destroy` and
# `attach-device --live` at random points, on the simulated host with the
# qemu-double.  After the next vmdev command (`domain list --all`, which
# reconciles) the claims agree with the running domains, and once those are
# destroyed nothing is left that was not there before: no mdev, owner/mode
# or xattr of a VFIO group node, claim, runtime dir, socket, temp file,
# cgroup or process.
#
# First, three crash points where a crash was seen to leave something are
# hit on purpose (strace -e inject=SYSCALL:signal=SIGKILL:when=N), and a
# start is killed while its monitor launches a slow QEMU.  Then each of
# VMDEV_CRASH_ITERATIONS iterations picks an operation:
#   start   domain S (a pre-created mdev and a managed one), not running;
#   destroy domain R (the same, <features><acpi/>), started first;
#   attach  of a pre-created mdev, or of a managed one (UUID given), into R;
# and a victim:
#   vmdev    (4 in 8) SIGKILL after a random delay, uniform between 0 and 1.2
#            times the operation's median duration measured at the beginning
#            (a start, with the process it forks, which does the work and
#            stays on as the monitor);
#   syscall  (2 in 8) vmdev under strace, SIGKILLed on entry to a random one
#            of the calls it made in a traced run (files, xattrs, sockets,
#            forks: every phase, exactly; a start's in the process it forks);
#   monitor, qemu (1 in 8 each) the domain's monitor or QEMU, after the delay
#            (for start: within 10 ms of its appearing).
# Then:
#   1. one time in four ("impatient") `domain list --all` at once;
#   2. waits until no process of the operation is still under way (the
#      monitor of a killed start may still be launching QEMU), bounded;
#   3. otherwise `domain list --all` now;
#   4. checks: every claim belongs to a running domain whose status lists its
#      mdev, in state active; every mdev of a running domain's status has a
#      claim; every mdev that was not there before is a running domain's; the
#      group node of every running domain's mdev belongs to QEMU's user, every
#      other one is as before; run/vmdev holds nothing but the lock, the claims
#      and the runtime dirs of the running domains; no temp file;
#   5. after an attach that vmdev did not record, attaches the same device
#      again: QEMU must not have it already (a duplicate id);
#   6. destroys whatever runs and compares everything with the snapshot taken
#      before the first iteration (var/log may grow).
# A failure prints what differs (file, mdev, xattr, process) and the commands'
# output; the state is then cleaned up by hand and a new snapshot taken, so
# that one bug does not fail every later iteration.  The summary counts the
# operations that were really interrupted.  On the simulated host there are
# no cgroups (vmdev finds none under the root); the snapshot still looks for
# the domains' cgroups there and in this machine's /sys/fs/cgroup.
#
# Environment: VMDEV_CRASH_SEED (default: from the clock; printed),
# VMDEV_CRASH_ITERATIONS (default 500), VMDEV_CRASH_VERBOSE=1 (a line per
# step on stderr).  The seed fixes the operations, victims, delays and crash
# points; what a delay hits depends on the machine's speed.  Without strace
# the syscall victims become delayed kills and the targeted cases skip.
. "$(dirname "$0")/lib.sh"

: "${XATTR_DUMP:?}"
have_strace=0; command -v strace >/dev/null && have_strace=1

iterations=${VMDEV_CRASH_ITERATIONS:-500}
seed=${VMDEV_CRASH_SEED:-$(( ($(date +%s%N) / 1000 ^ $$) % 2147483647 ))}
verbose=${VMDEV_CRASH_VERBOSE:-0}
RANDOM=$seed
echo "# seed $seed (VMDEV_CRASH_SEED=$seed VMDEV_CRASH_ITERATIONS=$iterations reproduce the sequence)"

# r N: a random number in [0, N) in $r (no subshell: it would reseed RANDOM).
r=0
rnd () { r=$(( ((RANDOM << 15) | RANDOM) % $1 )); }
say () { [ "$verbose" = 1 ] && echo "# $*" >&2; return 0; }

# Names and UUIDs unique to this run (cgroups and processes are host-wide).
tag=$(printf '%04x%04x' $RANDOM $RANDOM)
S=crash-s-$tag R=crash-r-$tag
S_uuid=$tag-0000-4000-8000-00000000005a R_uuid=$tag-0000-4000-8000-00000000005b
W=crash-w-$tag W_uuid=$tag-0000-4000-8000-00000000005c  # S with a slow emulator
p1=c1000000-0000-4000-8000-000000000001   # S's pre-created mdev, group 7
p2=c1000000-0000-4000-8000-000000000002   # R's pre-created mdev, group 8
p3=c1000000-0000-4000-8000-000000000003   # hot-plugged pre-created, group 9
m1=d1000000-0000-4000-8000-000000000001   # hot-plugged managed (UUID given)
cat > "$tmp_root/host.json" <<JSON
{"version":1,
 "parents":[
  {"name":"0000:65:00.0","path":"pci0000:64/0000:64:00.0/0000:65:00.0","types":[
    {"id":"nvidia-63","name":"GRID P40-1Q","device_api":"vfio-pci","max_instances":8}]}],
 "devices":[
  {"uuid":"$p1","parent":"0000:65:00.0","type":"nvidia-63","iommu_group":7},
  {"uuid":"$p2","parent":"0000:65:00.0","type":"nvidia-63","iommu_group":8},
  {"uuid":"$p3","parent":"0000:65:00.0","type":"nvidia-63","iommu_group":9}]}
JSON
with_simhost "$tmp_root/host.json"
# QEMU runs as 4242:4343: it must reach the root, and the double's binary.
chmod 755 "$tmp_root" "$root"
mkdir -p "$root/etc/vmdev"
printf '[qemu]\nuser=4242\ngroup=4343\n' > "$root/etc/vmdev/vmdev.conf"
# Group nodes that are not in their initial state: an xattr of someone else
# (kept), and another owner and mode (restored to those).
"$XATTR_DUMP" --set trusted.crash.keep "kept by every release" "$root/dev/vfio/7" || exit 1
chown 0:4343 "$root/dev/vfio/8" && chmod 0640 "$root/dev/vfio/8" || exit 1

pre () { echo "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$1'/></source></hostdev>"; }
managed () { echo "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='yes'><source>${1:+<address uuid='$1'/>}<mdev type='nvidia-63'/></source></hostdev>"; }
domain () # NAME UUID HOSTDEV-XML...
{
  local name=$1 uuid=$2; shift 2
  cat > "$tmp_root/$name.xml" <<XML
<domain type='kvm'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>64</memory>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
$*
  </devices>
</domain>
XML
  "$VMDEV" --root "$root" domain define "$tmp_root/$name.xml" >/dev/null
}
domain "$S" "$S_uuid" "$(pre "$p1")" "$(managed)" || exit 1
domain "$R" "$R_uuid" "$(pre "$p2")" "$(managed)" || exit 1
pre "$p3" > "$tmp_root/hp-pre.xml"
managed "$m1" > "$tmp_root/hp-managed.xml"

v () { "$VMDEV" --root "$root" "$@"; }   # --root on the command line: it names our processes

# read without a file: a sub-millisecond sleep without a fork.
exec {sleep_fd}<> <(:)
sleep_us () { local s; printf -v s '%d.%06d' $(( $1 / 1000000 )) $(( $1 % 1000000 )); read -r -t "$s" -u "$sleep_fd"; }

# ---- processes -----------------------------------------------------------
# our_pids: the processes of this root (vmdev with --root, the monitors, which
# are forks of it, and QEMU, found by the domains' UUIDs): "PID KIND NAME"
# lines, KIND vmdev or qemu, NAME the domain when known.
our_pids ()
{
  local f pid args kind name i
  for f in $(grep -laF -e "$root" -e "$S_uuid" -e "$R_uuid" -e "$W_uuid" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [ "$pid" = "$$" ] && continue
    mapfile -d '' args 2>/dev/null < "$f" || continue
    [ "${#args[@]}" -gt 0 ] || continue        # a zombie, or gone
    kind=vmdev name=
    case "${args[0]}" in *qemu-double) kind=qemu ;; *vmdev|*vmdev-domain) ;; *) continue ;; esac
    for ((i = 1; i < ${#args[@]}; i++)); do
      case "${args[$i - 1]}:${args[$i]}" in
        -name:guest=*) name=${args[$i]#guest=}; name=${name%%,*} ;;
        start:*|destroy:*|attach-device:*) [ "$kind" = vmdev ] && name=${args[$i]} ;;
      esac
    done
    alive "$pid" && echo "$pid $kind $name"
  done
}

# status_pids NAME: "MONITOR QEMU" of the domain's status.json (empty if none).
status_pids ()
{
  local f="$root/run/vmdev/d/$1/status.json" m q
  [ -f "$f" ] || return 0
  m=$(sed -n 's/.*"monitor_pid" *: *\([0-9]*\).*/\1/p' "$f" 2>/dev/null | head -1)
  q=$(sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p' "$f" 2>/dev/null | head -1)
  echo "$m $q"
}

# settle: waits (at most 40 s) until every process of ours is the monitor or
# QEMU of a domain whose status records it: nothing is half-way.
settle ()
{
  local i line pid kind name rec busy
  for ((i = 0; i < 400; i++)); do
    busy=
    while read -r pid kind name; do
      [ -n "$pid" ] || continue
      rec=" $(status_pids "${name:-none}") "
      case "$rec" in *" $pid "*) ;; *) busy="$busy $pid($kind${name:+ $name})" ;; esac
    done <<< "$(our_pids)"
    [ -z "$busy" ] && return 0
    sleep_us 100000
  done
  echo "#   still busy after 40 s:$busy"
  return 1
}

# running: the domains whose status names a live QEMU.
running ()
{
  local d q
  for d in "$root"/run/vmdev/d/*/; do
    [ -d "$d" ] || continue
    d=${d%/}; d=${d##*/}
    read -r _ q <<< "$(status_pids "$d")"
    [ -n "$q" ] && alive "$q" && echo "$d"
  done
}

# ---- snapshots -------------------------------------------------------------
# snapshot: everything that must come back after the domains are gone.
snapshot ()
{
  local d
  echo "== mdevs"; ls "$root/sys/bus/mdev/devices"
  echo "== group nodes (owner mode; xattrs)"; "$XATTR_DUMP" --stat "$root"/dev/vfio/* | sed "s|^$root/||"
  echo "== files (var/log excepted)"
  (cd "$root" && find . -path ./.simhost -prune -o -path ./var/log -prune -o -printf '%y %p %m %u:%g\n' | sort)
  echo "== cgroups"
  for d in "$root"/sys/fs/cgroup/{,*/}vmdev/crash-?-"$tag" /sys/fs/cgroup/{,*/}vmdev/crash-?-"$tag"; do
    [ -e "$d" ] && echo "cgroup $d"
  done
  echo "== processes"; our_pids
}

# consistent: the claims against the running domains, right after the
# reconciling command.  Prints what is wrong (nothing when all is well).
consistent ()
{
  local -A held=() group_of=() claimed=() live_group=()
  local name line kind a b c d f u g want
  local run_list
  run_list=$(running)
  for name in $run_list; do
    while read -r u g; do
      [ -n "$u" ] || continue
      held[$u]=$name group_of[$u]=$g live_group[$g]=$name
    done <<< "$(jq -r '.hostdevs[] | "\(.uuid) \(.iommu_group)"' "$root/run/vmdev/d/$name/status.json" 2>/dev/null)"
  done
  for f in "$root"/run/vmdev/claims/*.json; do
    [ -e "$f" ] || continue
    read -r a b c <<< "$(jq -r '"\(.uuid) \(.domain) \(.state)"' "$f" 2>/dev/null)"
    claimed[$a]=1
    if [ -z "${held[$a]:-}" ]; then
      echo "claim of $a (domain $b, state $c) left, and no running domain has the mdev: $(tr -d '\n ' < "$f")"
    elif [ "${held[$a]}" != "$b" ] || [ "$c" != active ]; then
      echo "claim of $a says domain $b state $c; the mdev is domain ${held[$a]}'s"
    fi
  done
  for u in "${!held[@]}"; do
    [ -n "${claimed[$u]:-}" ] || echo "running domain ${held[$u]} has mdev $u (group ${group_of[$u]}) without a claim"
  done
  for u in $(ls "$root/sys/bus/mdev/devices"); do
    grep -qx "$u" <<< "$base_mdevs" || [ -n "${held[$u]:-}" ] ||
      echo "mdev $u was not there before and no running domain has it"
  done
  for u in $base_mdevs; do
    [ -e "$root/sys/bus/mdev/devices/$u" ] || echo "the pre-created mdev $u is gone"
  done
  for f in "$root"/dev/vfio/*; do
    g=${f##*/}
    [ "$g" = vfio ] && continue
    line=$("$XATTR_DUMP" --stat "$f" | sed "s|^$root/||")
    if [ -n "${live_group[$g]:-}" ]; then
      case "$line" in
        "dev/vfio/$g 4242:4343 600"$'\n'*trusted.vmdev.dac=1:*) ;;
        *) echo "group node $g of running domain ${live_group[$g]} is not labelled for QEMU: $(tr '\n' '|' <<< "$line")" ;;
      esac
    else
      want=$(grep "^dev/vfio/$g " <<< "$base_nodes")
      [ "$line" = "$want" ] ||
        echo "group node $g (no running domain has it): $(tr '\n' '|' <<< "$line"), before: $(tr '\n' '|' <<< "${want:-absent}")"
    fi
  done
  while read -r f; do
    [ -n "$f" ] || continue
    case "$f" in
      ./run/vmdev/lock|./run/vmdev/claims|./run/vmdev/d) ;;
      ./run/vmdev/claims/*.json) [ -n "${claimed[$(basename "$f" .json)]:-}" ] || echo "unexpected file $f" ;;
      ./run/vmdev/d/*)
        name=${f#./run/vmdev/d/}; name=${name%%/*}
        grep -qx -- "$name" <<< "$run_list" || echo "runtime file $f of domain $name, which does not run" ;;
      *) echo "unexpected file $f" ;;
    esac
    case "${f##*/}" in .*tmp*) echo "temp file $f" ;; esac
  done <<< "$(cd "$root" && find ./run/vmdev -mindepth 1 -print 2>/dev/null)"
}

# ---- one operation ---------------------------------------------------------
out=$tmp_root/op.out
op_pid=0

# launch OP [inject SYSCALL N | trace FILE]: starts the operation in the
# background; $op_pid is vmdev's own pid (a simple command: the shell's
# child execs it).  inject: vmdev runs under strace, which SIGKILLs it on
# entry to the N-th call of SYSCALL; trace: strace writes the calls of
# $traced to FILE ($op_pid is then strace's).  `domain start` does its work
# in the process it forks, which stays on as the monitor
# (docs/lifecycle.md): for it strace follows forks (-f), counts calls per
# process, and op_wait lets go of the monitor.
traced=openat,write,pwrite64,fsync,fdatasync,renameat,renameat2,unlinkat,mkdirat,fchownat,fchmodat,chmod,setxattr,lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr,connect,sendto,sendmsg,kill,clone,clone3,flock,bind,listen
op_follow=0
launch ()
{
  local args=() pre=() follow=(-qq)
  case "$1" in
    start) args=(domain start "$S") ;;
    destroy) args=(domain destroy "$R") ;;
    attach-pre) args=(domain attach-device "$R" "$tmp_root/hp-pre.xml" --live) ;;
    attach-managed) args=(domain attach-device "$R" "$tmp_root/hp-managed.xml" --live) ;;
  esac
  op_follow=0
  if [ "$1" = start ] && [ -n "${2:-}" ]; then
    op_follow=1
    follow=(-q -f -I 1)   # exit lines kept: op_wait reads vmdev's status there
  fi
  case "${2:-}" in
    inject) pre=(strace "${follow[@]}" -o "$tmp_root/strace.out" -e "trace=$3" -e "inject=$3:signal=SIGKILL:when=$4") ;;
    trace) pre=(strace "${follow[@]}" -o "$3" -e "trace=$traced") ;;
  esac
  "${pre[@]}" "$VMDEV" --root "$root" "${args[@]}" > "$out" 2>&1 &
  op_pid=$!
}

# op_wait [FILE]: waits for the operation; returns its exit status.  Under
# `strace -f` (a start), strace would stay as long as the monitor: once vmdev
# itself (strace's child) has exited, strace is told to let go (SIGTERM with
# -I 1 detaches), and vmdev's status is the one strace wrote in FILE (default
# the inject output).
op_wait ()
{
  local f=${1:-$tmp_root/strace.out} child= i line
  if [ "$op_follow" != 1 ]; then
    wait "$op_pid" 2>/dev/null
    return
  fi
  for ((i = 0; i < 3000; i++)); do
    [ -z "$child" ] && child=$(pgrep -P "$op_pid" | head -1)
    alive "$op_pid" || break
    [ -n "$child" ] && ! alive "$child" && break
    sleep_us 10000
  done
  # strace writes vmdev's end before it lets go.
  for ((i = 0; i < 500; i++)); do
    alive "$op_pid" && ! grep -Eq "^$child +[+]{3} " "$f" 2>/dev/null || break
    sleep_us 10000
  done
  kill -TERM "$op_pid" 2>/dev/null
  wait "$op_pid" 2>/dev/null
  [ -n "$child" ] || child=$(sed -n 's/^\([0-9]*\) .*/\1/p' "$f" | sort -n | head -1)
  line=$(grep -Em1 "^$child +[+]{3} " "$f")
  # vmdev says so when the process it forked was killed.
  grep -q "was killed by signal 9" "$out" && return 137
  case $line in
    *"exited with "*) line=${line##*exited with }; return "${line%% *}" ;;
    *"killed by SIGKILL"*) return 137 ;;
    *) return 255 ;;
  esac
}

# crash_points OP: runs OP under strace; the calls it made (in $traced) that
# can matter to a crash, as "SYSCALL:N" words (the N-th call of SYSCALL) in
# ${points[OP]}: the dynamic loader's and the libraries' own openat calls are
# left out.  For a start, the calls of the process that takes the lock (the
# one vmdev forks), but not those that vmdev itself makes that often: strace
# counts per process, and would stop vmdev first.
declare -A points=()
crash_points ()
{
  local t="$tmp_root/trace.$1" line sc pid worker= parent= own
  local -A seen=() parent_seen=()
  launch "$1" trace "$t"; op_wait "$t"
  points[$1]=
  if [ "$op_follow" = 1 ]; then
    parent=$(sed -n 's/^\([0-9]*\) .*/\1/p' "$t" | head -1)
    worker=$(sed -n 's/^\([0-9]*\) *flock(.*/\1/p' "$t" | head -1)
  fi
  while IFS= read -r line; do
    own=1
    if [ "$op_follow" = 1 ]; then
      # "PID  call(...)": strace pads the pid to 5 columns
      pid=${line%% *}; line=${line#"$pid"}; line=${line#"${line%%[! ]*}"}
      case "$line" in "<... "*|"+++ "*|"--- "*) continue ;; esac
      if [ "$pid" = "$parent" ]; then
        sc=${line%%(*}; parent_seen[$sc]=$(( ${parent_seen[$sc]:-0} + 1 )); continue
      fi
      [ "$pid" = "$worker" ] || continue
    fi
    sc=${line%%(*}
    seen[$sc]=$(( ${seen[$sc]:-0} + 1 ))
    case "$line" in
      openat\(*\"/usr/*|openat\(*\"/lib*|openat\(*\"/etc/ld.so*|openat\(*\"/proc/self/*|openat\(*\"/sys/devices/system/*) continue ;;
      execve*|exit*|+++*|---*) continue ;;
    esac
    [ "${parent_seen[$sc]:-0}" -ge "${seen[$sc]}" ] && own=0
    [ $own = 1 ] && points[$1]+=" $sc:${seen[$sc]}"
  done < "$t"
}

# time_op OP: runs it to the end; its duration in µs in $r (0: it failed).
time_op ()
{
  local t0 t1 rc
  t0=${EPOCHREALTIME/./}
  launch "$1"; wait "$op_pid" 2>/dev/null; rc=$?
  t1=${EPOCHREALTIME/./}
  r=$(( rc == 0 ? t1 - t0 : 0 ))
  [ "$rc" -eq 0 ] || echo "#   $1 failed: $(tr '\n' '|' < "$out")"
}

ensure_r_running ()
{
  [ -n "$(running | grep -x "$R")" ] && return 0
  v domain start "$R" > "$tmp_root/setup.out" 2>&1
}

destroy_all ()
{
  local n
  for n in $(running); do v domain destroy "$n" >> "$tmp_root/destroy.out" 2>&1; done
  settle
}

# cleanup_by_hand: after a failure, makes the root as before as far as a
# test can: kills our processes, releases what is left with vmdev, then by
# hand, and takes a new snapshot.
cleanup_by_hand ()
{
  local pid kind name u f
  while read -r pid kind name; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; done <<< "$(our_pids)"
  sleep_us 300000
  v domain list --all > /dev/null 2>&1
  for u in $(ls "$root/sys/bus/mdev/devices"); do
    grep -qx "$u" <<< "$base_mdevs" || echo 1 > "$root/sys/bus/mdev/devices/$u/remove" 2>/dev/null
  done
  rm -f "$root"/run/vmdev/claims/* "$root"/run/vmdev/claims/.*tmp* 2>/dev/null
  rm -rf "$root"/run/vmdev/d/* "$root"/run/vmdev/d/.*tmp* 2>/dev/null
  take_baseline
}

take_baseline ()
{
  baseline=$(snapshot)
  base_mdevs=$(ls "$root/sys/bus/mdev/devices")
  base_nodes=$("$XATTR_DUMP" --stat "$root"/dev/vfio/* | sed "s|^$root/||")
}

# ---- warm-up: every operation to the end, timed -----------------------------
# The kill delays are spread over 1.2 times the median duration of 5 runs.
v domain list --all > /dev/null   # makes run/vmdev/lock
declare -A dur=() times=()
for round in 1 2 3 4 5 6; do
  # Round 6 runs under strace, for the crash points.
  if [ $round = 6 ]; then
    [ $have_strace = 1 ] || break
    time_op () { crash_points "$1"; r=0; }
  fi
  time_op start; times[start]+=" $r"
  v domain destroy "$S" > /dev/null 2>&1
  ensure_r_running
  time_op attach-pre; times[attach-pre]+=" $r"
  time_op attach-managed; times[attach-managed]+=" $r"
  time_op destroy; times[destroy]+=" $r"
done
settle
take_baseline
for op in start attach-pre attach-managed destroy; do
  dur[$op]=$(printf '%s\n' ${times[$op]} | head -5 | sort -n | sed -n 3p)
done
is "$baseline" "$baseline" "baseline taken after a warm-up (median durations: start ${dur[start]} us, attach ${dur[attach-pre]}/${dur[attach-managed]} us, destroy ${dur[destroy]} us; crash points: $(for op in start attach-pre attach-managed destroy; do set -- ${points[$op]:-}; printf '%s %d, ' "$op" $#; done | sed 's/, $//'))"
for op in start attach-pre attach-managed destroy; do
  say "$op durations (us):${times[$op]}; crash points:${points[$op]:-}"
  [ $have_strace = 0 ] || [ -n "${points[$op]:-}" ] || { ok 1 "strace saw the calls of $op"; finish; exit; }
  [ "${dur[$op]}" -gt 0 ] || { ok 1 "$op works without a kill:${times[$op]}"; finish; exit; }
  dur[$op]=$(( dur[$op] * 12 / 10 ))
done
printf '%s\n' "$baseline" | sed 's/^/#   /'

# ---- one case ----------------------------------------------------------------
# run_case LABEL: runs $op, kills $victim (vmdev after $delay us, vmdev at
# the strace crash point $point, the monitor or QEMU), reconciles ($impatient:
# at once), checks, destroys, compares; one TAP line.  $replay: how to get it
# again.
declare -A stat_n=() stat_killed=() stat_other=()
failures=0
replay=
run_case ()
{
  local label=$1 problems pid p kind name i rc outcome op_text claims_before list_rc c u now at_once desc
  problems=
  if [ "$op" != start ] && ! ensure_r_running; then
    ok 1 "$label: starting $R for $op"
    echo "#   $(tr '\n' '|' < "$tmp_root/setup.out")"
    failures=$((failures + 1)); cleanup_by_hand; return
  fi
  read -r mon qemu <<< "$(status_pids "$R")"
  killed=none
  if [ "$victim" = syscall ]; then
    say "$label: $op, kill vmdev at $point, impatient=$impatient"
    launch "$op" inject "${point%:*}" "${point#*:}"
    killed="vmdev on entry to call ${point#*:} of ${point%:*}"
  else
    [ "$op" = start ] && [ "$victim" != vmdev ] && delay=0
    say "$label: $op, kill $victim after $delay us, impatient=$impatient"
    launch "$op"
    sleep_us "$delay"
    killed="$victim after $((delay / 1000)).$(printf '%03d' $((delay % 1000))) ms"
    case $victim in
      # A start works in the process it forks (docs/lifecycle.md): that dies too.
      vmdev) kill -9 $(pgrep -P "$op_pid") "$op_pid" 2>/dev/null || killed=none ;;
      *)
        pid=
        if [ "$op" = start ]; then
          # The monitor is a fork of the start command, QEMU carries the
          # UUID: they live for a few ms before start returns.  Wait for the
          # victim to appear, then kill it within the next 10 ms.
          killed="$victim less than 10 ms after it appeared"
          i=0
          while [ -z "$pid" ] && [ $((i++)) -lt 200 ]; do
            while read -r p kind name; do
              [ "$name" = "$S" ] && [ "$p" != "$op_pid" ] || continue
              if { [ "$victim" = qemu ] && [ "$kind" = qemu ]; } || { [ "$victim" = monitor ] && [ "$kind" = vmdev ]; }; then
                pid=$p
              fi
            done <<< "$(our_pids)"
            [ -z "$pid" ] && ! kill -0 "$op_pid" 2>/dev/null && break
          done
          rnd 10000; sleep_us "$r"
        else
          pid=$([ "$victim" = qemu ] && echo "$qemu" || echo "$mon")
        fi
        { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; } || killed=none ;;
    esac
  fi
  op_wait; rc=$?
  outcome=$([ "$rc" -eq 137 ] && echo killed || echo "exit $rc")
  stat_n[$op]=$(( ${stat_n[$op]:-0} + 1 ))
  [ "$rc" -eq 137 ] && stat_killed[$op]=$(( ${stat_killed[$op]:-0} + 1 ))
  case "$victim:$killed" in monitor:m*|qemu:q*) stat_other[$op]=$(( ${stat_other[$op]:-0} + 1 )) ;; esac
  op_text=$(tr '\n' '|' < "$out")
  claims_before=$(ls "$root/run/vmdev/claims" 2>/dev/null | wc -l)
  if [ "$impatient" = 1 ]; then
    v domain list --all > "$tmp_root/list.out" 2>&1; list_rc=$?
    settle || problems+=$'\n'"processes still busy"
  else
    settle || problems+=$'\n'"processes still busy"
    v domain list --all > "$tmp_root/list.out" 2>&1; list_rc=$?
  fi
  [ $list_rc -eq 0 ] || problems+=$'\n'"domain list failed: $(tr '\n' '|' < "$tmp_root/list.out")"
  grep -q 'warning' "$tmp_root/list.out" && problems+=$'\n'"domain list warned: $(tr '\n' '|' < "$tmp_root/list.out")"
  c=$(consistent)
  [ -n "$c" ] && problems+=$'\n'"after the reconciling list:"$'\n'"$c"
  # A hot-plug that vmdev does not record must not be in QEMU either: the
  # same device attaches again (QEMU would refuse its id as a duplicate).
  case $op in attach-pre) u=$p3 ;; attach-managed) u=$m1 ;; *) u= ;; esac
  if [ -n "$u" ] && [ -n "$(running | grep -x "$R")" ] &&
     ! grep -q "\"$u\"" "$root/run/vmdev/d/$R/status.json" 2>/dev/null; then
    launch "$op"; wait "$op_pid" 2>/dev/null ||
      problems+=$'\n'"attaching $u again after the crash fails: $(tr '\n' '|' < "$out")"
  fi
  : > "$tmp_root/destroy.out"
  destroy_all || problems+=$'\n'"processes still busy after destroy"
  now=$(snapshot)
  if [ "$now" != "$baseline" ]; then
    problems+=$'\n'"after destroying what ran, differences from before (< before, > now):"$'\n'"$(diff <(echo "$baseline") <(echo "$now") | grep '^[<>]')"
  fi
  at_once=; [ "$impatient" = 1 ] && at_once=", list at once"
  desc="$label: $op, SIGKILL of $killed (op: $outcome, $claims_before claims before the list$at_once): nothing left"
  if [ -z "$problems" ]; then
    ok 0 "$desc"
  else
    ok 1 "$desc"
    failures=$((failures + 1))
    printf '%s\n' "$problems" | sed '/^$/d; s/^/#   /'
    echo "#   op output: $op_text"
    echo "#   list output: $(tr '\n' '|' < "$tmp_root/list.out")"
    [ -s "$tmp_root/destroy.out" ] && echo "#   destroy output: $(tr '\n' '|' < "$tmp_root/destroy.out")"
    [ -n "$replay" ] && echo "#   replay: $replay"
    cleanup_by_hand
  fi
}

# ---- targeted crash points -----------------------------------------------------
# The places where a crash was seen to leave something, killed on purpose
# (strace), before the random iterations.
# point_after OP SYSCALL AFTER: the first SYSCALL:N of ${points[OP]} that
# follows the last call of AFTER (any call when AFTER is empty).
point_after ()
{
  local w seen=0 found=
  [ -z "$3" ] && seen=1
  for w in ${points[$1]:-}; do
    case $w in "$3":*) seen=1 found= ; continue ;; esac
    [ $seen = 1 ] && [ -z "$found" ] && case $w in "$2":*) found=$w ;; esac
  done
  echo "$found"
}
# point_before OP SYSCALL: the last word of ${points[OP]} before the first
# call of SYSCALL.
point_before ()
{
  local w prev=
  for w in ${points[$1]:-}; do
    case $w in "$2":*) echo "$prev"; return ;; esac
    prev=$w
  done
}
victim=syscall impatient=0 delay=0
targeted () # OP POINT WHAT
{
  op=$1 point=$2
  [ $have_strace = 1 ] || { echo "ok $((tap_n += 1)) # SKIP targeted: $3: strace is missing"; return; }
  [ -n "$point" ] || { ok 1 "targeted: $3: no such call in the trace of $op"; return; }
  replay="the targeted case '$3' (strace -e inject=${point%:*}:signal=SIGKILL:when=${point#*:})"
  run_case "targeted: $3"
}
targeted attach-pre "$(point_after attach-pre renameat '')" \
  "a claim's temp file written, not renamed into place"
targeted start "$(point_before start connect)" \
  "the runtime dir, its sockets and domain.xml made, QEMU not started yet"
targeted attach-pre "$(point_after attach-pre renameat sendto)" \
  "device_add sent, the status not written yet"

# A start killed while its monitor launches QEMU (here an emulator that
# takes 1 s to start), and a list at once: the claims must stay with the
# domain that is coming up, and its mdev must not go to another domain.
cat > "$tmp_root/slow-qemu" <<SH
#!/bin/sh
sleep 1
exec "$QEMU_DOUBLE" "\$@"
SH
chmod 755 "$tmp_root/slow-qemu"
domain "$W" "$W_uuid" "$(pre "$p1")" || exit 1
sed -i "s|<emulator>.*</emulator>|<emulator>$tmp_root/slow-qemu</emulator>|" "$tmp_root/$W.xml"
v domain define "$tmp_root/$W.xml" > /dev/null || exit 1
take_baseline
problems=
"$VMDEV" --root "$root" domain start "$W" > "$out" 2>&1 &
op_pid=$!
wait_monitor () { our_pids | grep -v "^$op_pid " | grep -q " vmdev $W\$"; }
if wait_until 10 wait_monitor; then
  sleep_us 200000
  kill -9 "$op_pid"
  wait "$op_pid" 2>/dev/null
  v domain list --all > "$tmp_root/list.out" 2>&1
  settle || problems+=$'\n'"processes still busy"
  c=$(consistent)
  [ -n "$c" ] && problems+=$'\n'"after the reconciling list:"$'\n'"$c"
  if [ -n "$(running | grep -x "$W")" ] && v domain start "$S" > "$tmp_root/s.out" 2>&1; then
    problems+=$'\n'"$S, which has mdev $p1 too, started while $W runs with it"
  fi
else
  problems+=$'\n'"the monitor of $W never appeared: $(tr '\n' '|' < "$out")"
fi
: > "$tmp_root/destroy.out"
destroy_all || problems+=$'\n'"processes still busy after destroy"
now=$(snapshot)
[ "$now" = "$baseline" ] || problems+=$'\n'"after destroying what ran, differences from before (< before, > now):"$'\n'"$(diff <(echo "$baseline") <(echo "$now") | grep '^[<>]')"
if [ -z "$problems" ]; then
  ok 0 "targeted: start killed while the monitor launches a slow QEMU, list at once: the claims stay, the mdev is not given to another domain"
else
  ok 1 "targeted: start killed while the monitor launches a slow QEMU, list at once: the claims stay, the mdev is not given to another domain"
  failures=$((failures + 1))
  printf '%s\n' "$problems" | sed '/^$/d; s/^/#   /'
  echo "#   list output: $(tr '\n' '|' < "$tmp_root/list.out")"
  cleanup_by_hand
fi
v domain undefine "$W" > /dev/null
take_baseline

# ---- the iterations ---------------------------------------------------------
t_start=${EPOCHREALTIME/./}
for ((it = 1; it <= iterations; it++)); do
  rnd 4; case $r in 0) op=start ;; 1) op=destroy ;; 2) op=attach-pre ;; 3) op=attach-managed ;; esac
  rnd 8; case $r in 0) victim=monitor ;; 1) victim=qemu ;; 2|3) victim=syscall ;; *) victim=vmdev ;; esac
  [ $have_strace = 1 ] || [ $victim != syscall ] || victim=vmdev
  rnd 4; impatient=$(( r == 0 ))
  rnd "${dur[$op]}"; delay=$r
  set -- ${points[$op]:-none}; rnd $#; shift $r; point=$1
  replay="VMDEV_CRASH_SEED=$seed VMDEV_CRASH_ITERATIONS=$it (the last iteration is this one)"
  run_case "iteration $it"
done
t_end=${EPOCHREALTIME/./}
summary=
for op in start destroy attach-pre attach-managed; do
  summary+=" $op ${stat_killed[$op]:-0}+${stat_other[$op]:-0}/${stat_n[$op]:-0}"
done
echo "# operations (vmdev killed + monitor or QEMU killed / run):$summary; $failures failed iteration(s); $(( (t_end - t_start) / 1000 )) ms for $iterations iterations"
echo "# seed $seed"
finish
