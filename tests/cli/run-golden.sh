#!/bin/bash
# run-golden.sh: golden tests of the `vmdev mdev` command line (TAP).
#
# Each directory tests/cli/cases/<scenario>/ holds:
#   cmd       a bash fragment run in a fresh temp root $ROOT, with the helpers
#             below; every `run` appends the command, its stdout, its stderr
#             and its exit status to the transcript
#   expected  the transcript it must produce
# VMDEV_TEST_REGENERATE=1 rewrites the expected files (review the diff).  The
# last test fails when a file in tests/cli/ is not used by any case.
#
# Helpers for cmd:
#   host NAME            write the static tree of hosts/NAME.json under $ROOT
#                        (`simhost populate`)
#   def PARENT UUID JSON write etc/mdevctl.d/PARENT/UUID with the text JSON
#   run ARGS...          run `vmdev --root $ROOT ARGS...`
#   run_as NAME ARGS...  run the binary as NAME (mdevctl, lsmdev) with VMDEV_ROOT=$ROOT
#   show PATH            append the file $ROOT/PATH to the transcript
#   tree PATH            append the file names under $ROOT/PATH
# In the transcript $ROOT reads ROOT, and a UUID that appears neither in cmd
# nor in the host files reads <generated-uuid>.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${VMDEV:?set VMDEV to the vmdev binary}"
VMDEV=$(realpath "$VMDEV")
: "${SIMHOST:?set SIMHOST to the simhost binary}"
SIMHOST=$(realpath "$SIMHOST")
export VMDEV_SYSFS_TIMEOUT_MS=${VMDEV_SYSFS_TIMEOUT_MS:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/vmdev-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$VMDEV" "$work/bin/mdevctl"
ln -s "$VMDEV" "$work/bin/lsmdev"

declare -A used

host ()
{
  local f="$here/hosts/$1.json"
  used["hosts/$1.json"]=1
  "$SIMHOST" populate "$f" "$ROOT" || echo "simhost populate $1 failed" >&2
}

def ()
{
  mkdir -p "$ROOT/etc/mdevctl.d/$1"
  printf '%s' "$3" > "$ROOT/etc/mdevctl.d/$1/$2"
}

_record ()
{
  local rc=$1 shift_name=$2; shift 2
  {
    printf '$ %s\n' "$*"
    printf -- '--- stdout\n'; cat "$work/out"
    printf -- '--- stderr\n'; cat "$work/err"
    printf -- '--- exit %d\n\n' "$rc"
  } >> "$transcript"
}

run ()
{
  "$VMDEV" --root "$ROOT" "$@" > "$work/out" 2> "$work/err" < /dev/null
  _record $? vmdev vmdev "$@"
}

run_as ()
{
  local name=$1; shift
  VMDEV_ROOT=$ROOT "$work/bin/$name" "$@" > "$work/out" 2> "$work/err" < /dev/null
  _record $? "$name" "$name" "$@"
}

show ()
{
  {
    printf '$ cat %s\n' "$1"
    cat "$ROOT/$1" 2>&1
    printf '\n--- end\n\n'
  } >> "$transcript"
}

tree ()
{
  {
    printf '$ find %s\n' "$1"
    (cd "$ROOT" && find "$1" | LC_ALL=C sort) 2>&1
    printf -- '--- end\n\n'
  } >> "$transcript"
}

# Replaces $ROOT and the UUIDs not named in the case's inputs.
normalize ()
{
  local known=$1
  local h='[0-9a-f]'
  local h4="$h$h$h$h"
  sed -e "s|$ROOT|ROOT|g" | awk -v known="$known" -v re="$h4$h4-$h4-$h4-$h4-$h4$h4$h4" '
    BEGIN { n = split(known, k, " "); for (i = 1; i <= n; i++) keep[k[i]] = 1 }
    {
      out = ""
      while (match($0, re)) {
        u = substr($0, RSTART, RLENGTH)
        out = out substr($0, 1, RSTART - 1) (u in keep ? u : "<generated-uuid>")
        $0 = substr($0, RSTART + RLENGTH)
      }
      print out $0
    }'
}

n=0 failed=0
cases=$(cd "$here/cases" && ls -d */ | tr -d / | LC_ALL=C sort)
total=$(($(wc -w <<<"$cases") + 1))
echo "1..$total"
for c in $cases; do
  n=$((n + 1))
  dir="$here/cases/$c"
  used["cases/$c/cmd"]=1
  used["cases/$c/expected"]=1
  ROOT="$work/root-$c"
  mkdir -p "$ROOT"
  transcript="$work/transcript-$c"
  : > "$transcript"
  ( cd "$ROOT" && source "$dir/cmd" ) >> "$transcript" 2>&1
  # The host files used: cmd's `host NAME` lines.
  for h in $(sed -n 's/^ *host \([A-Za-z0-9_-]*\).*/\1/p' "$dir/cmd"); do used["hosts/$h.json"]=1; done
  known=c2177883-f1bb-47f0-914d-32a22e3a8804\ $(cat "$dir/cmd" $(sed -n 's/^ *host \([A-Za-z0-9_-]*\).*/hosts\/\1.json/p' "$dir/cmd" | sed "s|^|$here/|") 2>/dev/null |
          grep -oiE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | tr 'A-F' 'a-f' | sort -u | tr '\n' ' ')
  normalize "$known" < "$transcript" > "$transcript.n"
  if [[ ${VMDEV_TEST_REGENERATE:-} == 1 ]]; then
    cp "$transcript.n" "$dir/expected"
    echo "ok $n - $c # regenerated"
  elif [[ ! -f $dir/expected ]]; then
    echo "not ok $n - $c: no expected file (run with VMDEV_TEST_REGENERATE=1)"
    failed=$((failed + 1))
  elif diff -u "$dir/expected" "$transcript.n" > "$work/diff"; then
    echo "ok $n - $c"
  else
    echo "not ok $n - $c"
    sed 's/^/# /' "$work/diff"
    failed=$((failed + 1))
  fi
done

# Every data file of tests/cli is used.
n=$((n + 1))
unused=""
for f in $(cd "$here" && find hosts cases -type f | LC_ALL=C sort); do
  [[ -n ${used[$f]:-} ]] || unused+=" $f"
done
if [[ -z $unused ]]; then
  echo "ok $n - every data file is used"
else
  echo "not ok $n - unused data files:$unused"
  failed=$((failed + 1))
fi
exit $((failed > 0))
