/* vmdev-ccw-address.h: guest CCW addresses (s390), assigned as libvirt 9.0
 * assigns them: explicit addresses kept (one device per address), the others
 * given cssid 0xfe, ssid 0 and the lowest free devno, in libvirt's device
 * order (virtio disks, interfaces, vfio-ccw hostdevs, videos, memballoon).
 * PCI devices of an s390 guest (vfio-pci mdevs) get a <zpci> uid and fid. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"

gboolean vmdev_ccw_address_assign (VmdevDomain *def, GError **error);
/* "fe.0.0005" */
char *vmdev_ccw_address_to_string (const VmdevAddress *addr);
