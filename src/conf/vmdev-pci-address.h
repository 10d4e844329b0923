/* vmdev-pci-address.h: guest PCI addresses, assigned as libvirt 9.0 assigns
 * them for pc (i440fx) and q35 machines.
 *
 * Explicit addresses are kept and checked (the bus exists and takes the
 * slot, no address is used twice).  The others are assigned in libvirt's
 * order (PCI controllers, interfaces, other controllers, virtio disks,
 * vfio-pci hostdevs, memballoon, secondary videos) to the first free slot
 * of a bus that takes the device.  On q35 each PCIe device gets a
 * pcie-root-port of its own (added as needed, consecutive functions of one
 * slot), conventional PCI devices a pcie-to-pci-bridge; a new domain gets
 * one spare root port for hotplug.  Needed controllers are added to @def. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"

gboolean vmdev_pci_address_assign (VmdevDomain *def, GError **error);
