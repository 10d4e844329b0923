# shellcheck shell=bash
# `vmdev mdev types` and `vmdev mdev list` against the real mtty and mdpy
# parents; the same answers as mdevctl's (when mdevctl is installed).
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

UUID=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f9c01
T=$MDEV_BUS/mtty/mdev_supported_types

expect_eq "vmdev on PATH is the build's" "${PATH%%:*}/vmdev" "$(command -v vmdev)"
if ! out=$(vmdev mdev types 2>&1); then
  if grep -qi 'not implemented' <<<"$out"; then
    skip "vmdev mdev types" "vmdev mdev types is not implemented yet"
    exit 0
  fi
  not_ok "vmdev mdev types exits 0"; diag <<<"$out"
else
  ok "vmdev mdev types exits 0"
fi
check "its text lists parent mtty" grep -qx 'mtty' <<<"$out"
check "its text lists parent mdpy" grep -qx 'mdpy' <<<"$out"
check "its text lists type mtty-2" grep -qx '  mtty-2' <<<"$out"

have_jq=0; command -v jq >/dev/null && have_jq=1
json=$(vmdev mdev types --dumpjson)
if [ $have_jq = 1 ]; then
  counts=$(jq -r '.[] | to_entries[] | select(.key == "mtty") | .value[] | to_entries[] |
                  "\(.key)=\(.value.available_instances)"' <<<"$json" | tr '\n' ' ')
  expect_eq "types --dumpjson: mtty's available instances" "mtty-1=24 mtty-2=12 " "$counts"
else
  skip "types --dumpjson: mtty's available instances" "jq is not installed"
fi

# compare_mdevctl DESCRIPTION ARGS...: vmdev mdev ARGS and mdevctl ARGS agree
# (JSON as values, text line by line) and exit alike.
compare_mdevctl() {
  local desc=$1; shift
  if ! command -v mdevctl >/dev/null; then skip "$desc" "mdevctl is not installed"; return; fi
  local a b sa=0 sb=0
  a=$(vmdev mdev "$@" 2>&1) || sa=$?
  b=$(mdevctl "$@" 2>&1) || sb=$?
  case " $* " in
    *" --dumpjson "*) [ $have_jq = 1 ] && { a=$(jq -S . <<<"$a" 2>&1); b=$(jq -S . <<<"$b" 2>&1); } ;;
  esac
  if [ "$a" = "$b" ] && [ $sa = $sb ]; then ok "$desc"
  else
    not_ok "$desc"
    { echo "vmdev mdev $* (status $sa):"; echo "$a"; echo "mdevctl $* (status $sb):"; echo "$b"; } | diag
  fi
}

compare_mdevctl "types: same text as mdevctl" types
compare_mdevctl "types --dumpjson: same JSON as mdevctl" types --dumpjson
compare_mdevctl "types -p mtty: same text as mdevctl" types -p mtty

list=$(vmdev mdev list 2>&1); st=$?
expect_eq "vmdev mdev list with no mdev: status 0" 0 "$st"
expect_eq "vmdev mdev list with no mdev: no output" "" "$list"
compare_mdevctl "list with no mdev: same as mdevctl" list

if echo "$UUID" > "$T/mtty-2/create" && wait_for -e "$MDEV_DEVICES/$UUID/mdev_type"; then
  expect_eq "vmdev mdev list shows the mtty-2 mdev" "$UUID mtty mtty-2 manual" "$(vmdev mdev list 2>&1)"
  compare_mdevctl "list: same text as mdevctl" list
  compare_mdevctl "list --dumpjson: same JSON as mdevctl" list --dumpjson
  compare_mdevctl "list -u UUID: same as mdevctl" list -u "$UUID"
  compare_mdevctl "types after one mtty-2: same as mdevctl" types -p mtty
  echo 1 > "$MDEV_DEVICES/$UUID/remove"
  wait_for ! -e "$MDEV_DEVICES/$UUID"
else
  not_ok "create an mtty-2 mdev through sysfs"
fi
compare_mdevctl "list --defined with no definition: same as mdevctl" list --defined
