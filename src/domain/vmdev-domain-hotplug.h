/* vmdev-domain-hotplug.h: mdev hotplug into a running domain over QMP.
 *
 * Attach: the device gets a free guest address in the live definition and
 * the next free QEMU id ("hostdevN", or its user alias), QEMU gets
 * `device_add` with the same JSON as the command line would carry, and the
 * live definition and status.json record it.  Detach: `device_del`, then a
 * bounded wait for DEVICE_DELETED (the guest must eject the device); only
 * then is the device forgotten.  When the guest ejects after the wait, the
 * domain's monitor forgets it (vmdev_domain_hotplug_forget()).  Everything
 * runs under the global lock. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "conf/vmdev-domain.h"
#include "util/vmdev-root.h"

/* How long `detach-device --live` waits for the guest by default. */
#define VMDEV_DOMAIN_UNPLUG_TIMEOUT_MS 10000
/* The bound of device_add (realizing a VFIO device can take a while). */
#define VMDEV_DOMAIN_DEVICE_ADD_TIMEOUT_MS 30000

/* Hot-plugs @hostdev (taken over) into the running domain @name.  Refused:
 * a domain that is not running, an mdev already in it, a ramfb device
 * (vfio-pci-nohotplug), a managed mdev without a UUID, no free hot-pluggable
 * slot.  On failure nothing is recorded. */
gboolean vmdev_domain_attach_live (VmdevRoot *root, const char *name, VmdevHostdev *hostdev,
                                   GError **error);

/* Unplugs the hostdev of the running domain @name that @match names (by
 * source UUID, else by alias) and waits up to @timeout_ms (0: the default)
 * for the guest to release it: VMDEV_ERROR_TIMEOUT when it does not (the
 * device stays attached and recorded). */
gboolean vmdev_domain_detach_live (VmdevRoot *root, const char *name,
                                   const VmdevHostdev *match, guint timeout_ms,
                                   GError **error);

/* Forgets the device QEMU knows as @id in the domain @name whose QEMU is
 * @qemu_pid (0: any): removes it from the live definition and the status.
 * *@found says whether there was such a device. */
gboolean vmdev_domain_hotplug_forget (VmdevRoot *root, const char *name, pid_t qemu_pid,
                                      const char *id, gboolean *found, GError **error);

/* Settles the hotplugs of the running domain @name that a killed
 * attach-device left pending (recorded, device_add maybe sent): QEMU is asked
 * (qom-list); a device it has stays, one it does not have is dropped from the
 * live definition and the status (reconcile then releases its claim).  For
 * reconcile, under the global lock; problems are warnings. */
void vmdev_domain_hotplug_resolve_pending (VmdevRoot *root, const char *name);
