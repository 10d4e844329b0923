#!/bin/bash
# Parity of the simulated host with the real kernel: tests/parity/mdev-sequence.sh
# runs (a) in the sandbox guest against the kernel's mtty and mdpy samples and
# (b) here against `simhost mount tests/parity/mtty-host.json`; the two
# normalized transcripts must be identical.  TAP; needs root (the sandbox,
# FUSE).  SIMHOST names the simhost binary (meson sets it).
. "$(dirname -- "${BASH_SOURCE[0]}")/../sandbox/lib.sh"

HERE=$VMDEV_SRCDIR/tests/parity
SIMHOST=${SIMHOST:-$VMDEV_BUILD/tools/simhost/simhost}
[ -x "$SIMHOST" ] || skip_all "simhost is not built ($SIMHOST)"
[ -x "$VMDEV_BUILD/vmdev" ] || skip_all "vmdev is not built ($VMDEV_BUILD/vmdev)"
[ -c /dev/fuse ] || skip_all "no /dev/fuse (the simulated host is a FUSE file system)"
require_sandbox

OUT=$(mktemp -d "${TMPDIR:-/tmp}/vmdev-parity.XXXXXX")
ROOT=$OUT/root
cleanup() {
  "$SIMHOST" umount "$ROOT" >/dev/null 2>&1
  rm -rf "$OUT"
}
trap cleanup EXIT

# (a) the kernel
start=$SECONDS
sandbox_run "$OUT" bash tests/parity/mdev-sequence.sh
mv "$OUT/stdout" "$OUT/kernel.txt"
st=$(cat "$OUT/status")
if [ "$st" = 0 ] && [ ! -s "$OUT/stderr" ]; then
  ok "the sequence ran in the sandbox guest against the kernel ($((SECONDS - start)) s)"
else
  not_ok "the sequence ran in the sandbox guest against the kernel (status $st)"
  diag < "$OUT/stderr"
  [ "$st" = 125 ] && bail "the sandbox failed"
fi

# (b) the simulated host
mkdir -p "$ROOT"
if ! "$SIMHOST" mount "$HERE/mtty-host.json" "$ROOT" 2> "$OUT/mount.err"; then
  not_ok "simhost mount tests/parity/mtty-host.json"; diag < "$OUT/mount.err"
  done_testing
fi
rc=0
VMDEV=$VMDEV_BUILD/vmdev VMDEV_ROOT=$ROOT "$HERE/mdev-sequence.sh" \
  > "$OUT/simhost.txt" 2> "$OUT/simhost.err" || rc=$?
if [ "$rc" = 0 ] && [ ! -s "$OUT/simhost.err" ]; then
  ok "the sequence ran against the simulated host"
else
  not_ok "the sequence ran against the simulated host (status $rc)"; diag < "$OUT/simhost.err"
fi

# The kernel's transcript holds what the sequence is about (so that two
# equally broken runs cannot pass).
k=$OUT/kernel.txt
check "kernel: a started mdev is listed as defined and its definition as active" \
  grep -q '^  > 00000000-0000-4000-a000-000000000001 mtty mtty-2 manual (active)$' "$k"
check "kernel: a failed attribute write undoes the create (rollback)" \
  grep -q "setting attribute 1 'no_such_attr'" "$k"
check "kernel: bad UUIDs are usage errors" grep -q "option '--uuid': invalid UUID: 'not-a-uuid'" "$k"
check "kernel: create of an existing UUID gives EEXIST" grep -q '^  error: File exists$' "$k"
check "kernel: the 13th mtty-2 finds no space (ENOSPC)" \
  grep -q "mtty-2/create: no free instance of type 'mtty-2' on parent 'mtty' (No space left on device)" "$k"
check "kernel: the 5th mdpy finds no instance (EUSERS)" grep -q '(Too many users)$' "$k"
held=$(sed -n '/^## a device whose VFIO group is held open/,/^## /p' "$k")
check "kernel: stop of a device whose group a nested QEMU holds is refused as in use" \
  grep -q 'is in use: its VFIO group /dev/vfio/0 is open' <<<"$held"
check "kernel: ... and succeeds once QEMU is gone" \
  grep -q '^# 00000000-0000-4000-a000-000000000007 does not exist$' <<<"$held"
check "kernel: a second open of a VFIO group is EBUSY" \
  grep -q '^# a second open: Device or resource busy$' "$k"
expect_eq "kernel: every count restored at the end" \
  "  avail mdpy-hd=4 mdpy-vga=4 mdpy-xga=4 mtty-1=24 mtty-2=12" "$(grep '^  avail' "$k" | tail -n 1)"

if cmp -s "$OUT/kernel.txt" "$OUT/simhost.txt"; then
  ok "the simulated host's transcript equals the kernel's ($(wc -l < "$k") lines)"
else
  not_ok "the simulated host's transcript equals the kernel's"
  diff -u --label kernel --label simhost "$OUT/kernel.txt" "$OUT/simhost.txt" | head -n 200 | diag
fi
done_testing
