/* vmdev-domain-live.h: the live definition of a running domain: domain.xml in
 * its runtime directory, the persistent definition as it was at start with
 * the devices hot-plugged since (see vmdev-domain-status.h for the rest of
 * the runtime directory). */
#pragma once

#include "conf/vmdev-domain.h"
#include "domain/vmdev-domain-status.h"

/* The live definition of @name; VMDEV_ERROR_NOT_FOUND when it does not run. */
VmdevDomain *vmdev_domain_live_read (VmdevRoot *root, const char *name, GError **error);
/* Writes @def as the live definition into the runtime directory @dir (atomic). */
gboolean vmdev_domain_live_write (VmdevDir *dir, const VmdevDomain *def, GError **error);
