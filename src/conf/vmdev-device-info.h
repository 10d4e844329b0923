/* vmdev-device-info.h: the per-device children <address>, <alias>, <boot>,
 * <acpi>: parsing and formatting. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "conf/vmdev-domain.h"

typedef enum
{
  VMDEV_INFO_ADDR_PCI = 1 << 0,
  VMDEV_INFO_ADDR_CCW = 1 << 1,
  VMDEV_INFO_ADDR_DRIVE = 1 << 2,
  VMDEV_INFO_ADDR_USB = 1 << 3,
  VMDEV_INFO_ALIAS = 1 << 4,
  VMDEV_INFO_BOOT = 1 << 5,
  VMDEV_INFO_ACPI = 1 << 6,
} VmdevInfoFlags;

/* If @child is one of the elements @flags allows, parses it into @info and
 * sets *@handled.  A second <address> (etc.) is an error. */
gboolean vmdev_device_info_parse_child (const xmlNode *device, const xmlNode *child,
                                        VmdevInfoFlags flags, VmdevDeviceInfo *info,
                                        gboolean *handled, GError **error);

/* Writes boot, alias, acpi and address at @level, as libvirt orders them. */
void vmdev_device_info_format (GString *out, int level, const VmdevDeviceInfo *info);
/* Writes only the <address> element. */
void vmdev_address_format (GString *out, int level, const VmdevAddress *addr);
/* "0000:00:05.0" */
char *vmdev_pci_address_to_string (const VmdevAddress *addr);
