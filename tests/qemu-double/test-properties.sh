#!/bin/sh
# test-properties.sh DIR: DIR/properties.txt (qemu-double's -device property
# list) equals what the installed QEMU says (gen-properties.sh); TAP.
dir=${1:?usage: test-properties.sh DIR}
echo "1..1"
for q in qemu-system-x86_64 qemu-system-s390x; do
  if ! command -v "$q" >/dev/null; then
    echo "ok 1 - properties.txt matches QEMU # SKIP $q is not installed"; exit 0
  fi
done
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
if ! "$dir/gen-properties.sh" > "$tmp"; then
  echo "not ok 1 - gen-properties.sh failed"; exit 1
fi
if diff -u "$dir/properties.txt" "$tmp" > "$tmp.diff"; then
  echo "ok 1 - properties.txt matches $(qemu-system-x86_64 --version | head -1)"
else
  echo "not ok 1 - properties.txt differs from the installed QEMU (rerun gen-properties.sh)"
  sed 's/^/# /' "$tmp.diff"; rm -f "$tmp.diff"; exit 1
fi
rm -f "$tmp.diff"
