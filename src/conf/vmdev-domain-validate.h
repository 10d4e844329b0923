/* vmdev-domain-validate.h: the rules libvirt enforces across elements
 * (mdev hostdevs above all), checked after the defaults are filled in.
 * Errors are VMDEV_ERROR_INVALID_CONFIG naming the element, attribute and value. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"

gboolean vmdev_domain_validate (const VmdevDomain *def, GError **error);
