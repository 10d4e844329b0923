# shellcheck shell=bash
# The host's QEMU, run inside the guest, realizes a vfio-pci device on a real
# mdev (mtty: PCI 4348:3253; mdpy: a display device) and exits cleanly.
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

# nested PARENT TYPE UUID PCI-ID DESCRIPTION [DEVICE-OPTIONS]
nested() {
  local parent=$1 type=$2 uuid=$3 id=$4 desc=$5 opts=${6:-} out st=0
  local dev=$MDEV_DEVICES/$uuid
  if ! echo "$uuid" > "$MDEV_BUS/$parent/mdev_supported_types/$type/create" ||
     ! wait_for -e "$dev/mdev_type"; then
    not_ok "$desc: create a $type mdev"
    return
  fi
  out=$(printf 'info pci\nquit\n' |
        timeout 120 qemu-system-x86_64 -accel tcg -nodefaults -display none -S \
          -monitor stdio -device "vfio-pci,sysfsdev=$dev$opts" 2>&1) || st=$?
  expect_eq "$desc: QEMU exits 0" 0 "$st"
  if grep -q "PCI device $id" <<<"$out"; then ok "$desc: info pci shows $id"
  else not_ok "$desc: info pci shows $id"; diag <<<"$out"; fi
  check "$desc: the mdev can be removed after QEMU" sh -c "echo 1 > '$dev/remove'"
  wait_for ! -e "$dev"
}

nested mtty mtty-2 b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f9d01 4348:3253 "mtty-2 in a nested QEMU"
nested mdpy mdpy-vga b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f9d02 1b36:000f "mdpy-vga in a nested QEMU"
