# Shared helpers of the lifecycle tests: TAP output, a temp root, bounded waits.
# $VMDEV is the vmdev binary under test.
set -u
export LC_ALL=C
: "${VMDEV:?VMDEV must name the vmdev binary}"

tap_n=0
tap_failed=0
skip_all () { echo "1..0 # SKIP $*"; exit 0; }

ok () # STATUS DESCRIPTION
{
  local status=$1; shift
  tap_n=$((tap_n + 1))
  if [ "$status" -eq 0 ]; then echo "ok $tap_n - $*"; else echo "not ok $tap_n - $*"; tap_failed=$((tap_failed + 1)); fi
}

is () # GOT WANT DESCRIPTION
{
  local got=$1 want=$2; shift 2
  if [ "$got" = "$want" ]; then ok 0 "$*"; else
    ok 1 "$*"
    printf '#   got:  %s\n#   want: %s\n' "$(printf '%s' "$got" | head -c 2000 | tr '\n' '|')" \
      "$(printf '%s' "$want" | tr '\n' '|')"
  fi
}

like () # GOT PATTERN DESCRIPTION
{
  local got=$1 pat=$2; shift 2
  if printf '%s' "$got" | grep -Eq -- "$pat"; then ok 0 "$*"; else
    ok 1 "$*"
    printf '#   got:     %s\n#   pattern: %s\n' "$(printf '%s' "$got" | head -c 2000 | tr '\n' '|')" "$pat"
  fi
}

finish ()
{
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/vmdev-life.XXXXXX")
root="$tmp_root/root"
mkdir -p "$root"
export VMDEV_ROOT="$root"
extra_cleanup=:

# Kills whatever a test left running (monitors first, then QEMU), by pid.
cleanup ()
{
  local d f pid
  for f in $(find "$tmp_root" -path '*/run/vmdev/d/*/status.json' 2>/dev/null); do
    for key in monitor_pid pid; do
      pid=$(sed -n "s/.*\"$key\" *: *\([0-9]*\).*/\1/p" "$f" | head -1)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    done
  done
  $extra_cleanup
  rm -rf "$tmp_root"
}
trap cleanup EXIT

# run ARGS...: runs vmdev; sets $out, $err, $rc.
run ()
{
  local o="$tmp_root/out" e="$tmp_root/err"
  timeout 120 "$VMDEV" "$@" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s; 0 once it succeeds.
wait_until ()
{
  local limit=$(( $1 * 10 )) i=0; shift
  while [ $i -lt $limit ]; do
    "$@" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# alive PID: the process exists and is not a zombie.
alive ()
{
  local s
  s=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
dead () { ! alive "$1"; }

# json_get TEXT KEY: a top-level scalar member of a JSON object.
json_get ()
{
  printf '%s' "$1" | jq -r --arg k "$2" '.[$k] | if . == null then "null" else . end' 2>/dev/null
}

status_json () { "$VMDEV" domain status "$1" --json 2>/dev/null; }

# The machine list real QEMU 7.2 gives (the double does not answer '-machine help').
qemu_machines="$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/xml2xml" && pwd)/qemu-machines.txt"

# with_simhost HOST-FILE: mounts the simulated host described by HOST-FILE on
# the root (unmounted by cleanup), with the QEMU double's machine list; skips
# the whole test without root, FUSE or jq.
with_simhost ()
{
  : "${SIMHOST:?}" "${QEMU_DOUBLE:?}"
  command -v jq >/dev/null || skip_all "jq is missing"
  [ "$(id -u)" -eq 0 ] || skip_all "the simulated host needs root (uid $(id -u))"
  [ -c /dev/fuse ] || skip_all "no /dev/fuse"
  if ! "$SIMHOST" mount "$1" "$root" 2>"$tmp_root/mount.err"; then
    skip_all "cannot mount the simulated host: $(cat "$tmp_root/mount.err")"
  fi
  extra_cleanup=umount_simhost
  export VMDEV_QEMU_MACHINES="$qemu_machines"
}
umount_simhost () { "$SIMHOST" umount "$root" >/dev/null 2>&1 || umount -l "$root/.simhost" 2>/dev/null; }
