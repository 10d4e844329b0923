/* vmdev-domain-format.h: VmdevDomain -> XML text, formatted as libvirt 9.0
 * formats a persistent definition (virsh dumpxml --inactive). */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"

char *vmdev_domain_format (const VmdevDomain *def);
