/* vmdev-domain-devices.h: <devices> of a domain, parsing and formatting. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "conf/vmdev-domain.h"

gboolean vmdev_domain_devices_parse (VmdevDomain *def, const xmlNode *node, GError **error);
void vmdev_domain_devices_format (GString *out, int level, const VmdevDomain *def);
