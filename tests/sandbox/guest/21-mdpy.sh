# shellcheck shell=bash
# The kernel's mdpy sample (a display-capable mdev): parent, types, an mdev
# created and removed through sysfs.
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

P=$MDEV_BUS/mdpy
T=$P/mdev_supported_types
UUID=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f9b01

check "$P exists" test -d "$P"
expect_eq "mdpy types" "mdpy-hd mdpy-vga mdpy-xga" "$(ls "$T" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
for t in mdpy-hd mdpy-vga mdpy-xga; do
  expect_eq "$t available_instances" 4 "$(avail mdpy $t)"
  expect_eq "$t device_api" vfio-pci "$(cat "$T/$t/device_api" 2>/dev/null)"
done

if ! echo "$UUID" > "$T/mdpy-xga/create"; then
  not_ok "create an mdpy-xga mdev"
  exit 0
fi
ok "create an mdpy-xga mdev"
D=$MDEV_DEVICES/$UUID
check "$D appears" wait_for -e "$D/mdev_type"
expect_eq "its mdev_type is mdpy-xga" mdpy-xga "$(basename "$(readlink "$D/mdev_type")")"
group=$(basename "$(readlink "$D/iommu_group" 2>/dev/null)" 2>/dev/null)
check "/dev/vfio/$group is a character device" wait_for -c "/dev/vfio/$group"
expect_eq "mdpy-xga available_instances after one" 3 "$(avail mdpy mdpy-xga)"
# mdpy counts its devices across all its types (max_devices 4).
expect_eq "mdpy-vga available_instances after one mdpy-xga (one count for all types)" 3 "$(avail mdpy mdpy-vga)"
check "remove it" sh -c "echo 1 > '$D/remove'"
check "$D is gone" wait_for ! -e "$D"
expect_eq "mdpy-xga available_instances restored" 4 "$(avail mdpy mdpy-xga)"
