# shellcheck shell=bash
# The kernel's mtty sample: its parent and types, and an mdev created and
# removed through sysfs directly (what vmdev does underneath).
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

P=$MDEV_BUS/mtty
T=$P/mdev_supported_types
UUID=b7f1c5a0-3c2d-4e6f-9a81-0c2d4e6f9a01

check "$P exists" test -d "$P"
expect_eq "mtty types" "mtty-1 mtty-2" "$(ls "$T" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
expect_eq "mtty-1 available_instances" 24 "$(avail mtty mtty-1)"
expect_eq "mtty-2 available_instances" 12 "$(avail mtty mtty-2)"
expect_eq "mtty-2 device_api" vfio-pci "$(cat "$T/mtty-2/device_api" 2>/dev/null)"
expect_eq "mtty-2 name" "Dual port serial" "$(cat "$T/mtty-2/name" 2>/dev/null)"

if ! echo "$UUID" > "$T/mtty-2/create"; then
  not_ok "create an mtty-2 mdev by writing its UUID to create"
  exit 0
fi
ok "create an mtty-2 mdev by writing its UUID to create"
D=$MDEV_DEVICES/$UUID
check "$D appears" wait_for -e "$D/mdev_type"
expect_eq "its mdev_type is mtty-2" mtty-2 "$(basename "$(readlink "$D/mdev_type")")"
group=$(basename "$(readlink "$D/iommu_group" 2>/dev/null)" 2>/dev/null)
check "it has an IOMMU group ($group)" test -n "$group"
check "/dev/vfio/$group is a character device" wait_for -c "/dev/vfio/$group"
check "it is listed in mtty-2/devices" test -e "$T/mtty-2/devices/$UUID"
expect_eq "mtty-2 available_instances after one mtty-2" 11 "$(avail mtty mtty-2)"
expect_eq "mtty-1 available_instances after one mtty-2 (shared port pool)" 22 "$(avail mtty mtty-1)"

check "remove it by writing 1 to remove" sh -c "echo 1 > '$D/remove'"
check "$D is gone" wait_for ! -e "$D"
check "/dev/vfio/$group is gone" wait_for ! -e "/dev/vfio/$group"
expect_eq "mtty-2 available_instances restored" 12 "$(avail mtty mtty-2)"
expect_eq "mtty-1 available_instances restored" 24 "$(avail mtty mtty-1)"
