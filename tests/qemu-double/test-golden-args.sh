#!/bin/bash
# test-golden-args.sh SRCDIR DOUBLE: qemu-double accepts every golden argv of
# the argv builder (tests/data/xml2argv/*.args), the mdev devices laid out
# under a fake root; TAP, one point per case.  Together with the builder's
# own check against real QEMU this keeps the double and vmdev in step.
set -u
src=${1:?usage: test-golden-args.sh SRCDIR DOUBLE}; double=${2:?}
cases=("$src"/tests/data/xml2argv/*.args)
[ -e "${cases[0]}" ] || { echo "1..0 # SKIP no tests/data/xml2argv/*.args"; exit 0; }
root=$(mktemp -d) run=$(mktemp -d) || exit 1
trap 'rm -rf "$root" "$run"' EXIT
mkdir -p "$root/sys/bus/mdev/devices" "$root/sys/kernel/iommu_groups/7"
for u in $(grep -ho '/sys/bus/mdev/devices/[0-9a-f-]*' "${cases[@]}" | sort -u | sed 's|.*/||'); do
  mkdir -p "$root/sys/devices/virtual/mtty/mtty/$u"
  ln -s ../../../../../kernel/iommu_groups/7 "$root/sys/devices/virtual/mtty/mtty/$u/iommu_group"
  ln -s "../../../devices/virtual/mtty/mtty/$u" "$root/sys/bus/mdev/devices/$u"
done
echo "1..${#cases[@]}"
n=0 failed=0
for f in "${cases[@]}"; do
  n=$((n + 1)); name=$(basename "$f" .args)
  emu=$(head -n 1 "$f"); arch=${emu##*qemu-system-}
  args=()
  # One argument per line, "\n" and "\\" escaped (DESIGN.md §2); sockets moved to $run.
  while IFS= read -r line; do
    args+=("$(printf '%b' "${line//\/run\/vmdev\/d\/*\//$run/}")")
  done < <(tail -n +2 "$f")
  rm -f "$run"/*
  VMDEV_ROOT=$root QEMU_DOUBLE_ARCH=$arch "$double" "${args[@]}" -pidfile "$run/pid" 2>"$run/err" &
  pid=$!
  # The pid file is written once the whole command line is accepted.
  for _ in $(seq 200); do [ -s "$run/pid" ] || ! kill -0 $pid 2>/dev/null && break; sleep 0.025; done
  if [ -s "$run/pid" ]; then
    kill -TERM $pid; wait $pid; echo "ok $n - $name"
  elif grep -q "Failed to connect to" "$run/err"; then
    # A client socket chardev (serial to a unix socket): real QEMU needs a listener too.
    wait $pid; echo "ok $n - $name # SKIP needs a listener on a client socket: $(cat "$run/err")"
  else
    kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
    failed=$((failed + 1)); echo "not ok $n - $name"; sed 's/^/# /' "$run/err"
  fi
done
[ "$failed" = 0 ]
