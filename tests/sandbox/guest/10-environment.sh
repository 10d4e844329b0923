# shellcheck shell=bash
# The guest the other checks run in: modules, writable state dirs, host tools.
. "$(dirname -- "${BASH_SOURCE[0]}")/../guest-lib.sh"

for m in vfio vfio_iommu_type1 mdev mtty mdpy; do
  check "module $m is loaded" grep -q "^$m " /proc/modules
done
check "/dev/vfio/vfio exists" test -c /dev/vfio/vfio
for d in /etc/mdevctl.d /etc/vmdev /run/vmdev /var/log/vmdev /tmp; do
  f=$d/.sandbox-write-test
  if : > "$f" 2>/dev/null && rm -f "$f"; then ok "$d is writable"; else not_ok "$d is writable"; fi
done
expect_eq "/etc/mdevctl.d holds no host definitions" "" \
  "$(find /etc/mdevctl.d -mindepth 1 -maxdepth 1 ! -name scripts.d)"
expect_eq "/etc/vmdev starts empty" "" "$(ls -A /etc/vmdev)"
if command -v qemu-system-x86_64 >/dev/null; then
  v=$(qemu-system-x86_64 --version 2>&1 | head -n1)
  check "the host's qemu-system-x86_64 runs ($v)" test -n "$v"
else
  not_ok "the host's qemu-system-x86_64 is on PATH"
fi
