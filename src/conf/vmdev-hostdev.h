/* vmdev-hostdev.h: <hostdev mode='subsystem' type='mdev'>, parsing and formatting.
 *
 * Used for the <devices> of a domain and for the snippets of attach-device
 * and detach-device.  Includes vmdev's managed-mdev extension:
 *   <source>[<address uuid='...'/>]<mdev type='...' [parent='...']/></source> */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "conf/vmdev-domain.h"

/* Parses the element @node (<hostdev>). */
VmdevHostdev *vmdev_hostdev_parse_node (const xmlNode *node, GError **error);
/* Parses a document whose root is <hostdev> (attach/detach snippets). */
VmdevHostdev *vmdev_hostdev_parse (const char *xml, gsize len, GError **error);
/* Writes @hostdev at @level. */
void vmdev_hostdev_format (GString *out, int level, const VmdevHostdev *hostdev);
/* The defaults libvirt fills in: managed='no', display='off' (vfio-pci). */
void vmdev_hostdev_set_defaults (VmdevHostdev *hostdev);
/* A short description for messages: "mdev c2177883-..." or "mdev (alias ua-x)". */
char *vmdev_hostdev_describe (const VmdevHostdev *hostdev);
