/* vmdev-host.h: the kernel's mdev ABI in sysfs, read and driven under a root.
 *
 *   sys/class/mdev_bus/<parent>            link to the parent device dir
 *   <parent dir>/mdev_supported_types/<type>/{name,description,device_api,
 *                                            available_instances,create,devices/}
 *   sys/bus/mdev/devices/<uuid>            link to <parent dir>/<uuid>, which
 *                                          has mdev_type, iommu_group, remove
 *   dev/vfio/<group>                       the VFIO group node
 *
 * Listings never fail on a single broken entry: the entry is skipped and a
 * GError naming its path and the reason is appended to @warnings (a GPtrArray
 * of GError*, may be NULL).  The library never prints. */
#pragma once

#include <glib.h>

#include "util/vmdev-attr.h"
#include "util/vmdev-root.h"
#include "util/vmdev-uuid.h"

typedef struct
{
  char *parent;
  char *id;                 /* the type's directory name, e.g. "nvidia-63", "mtty-2" */
  char *name;               /* NULL when the driver has no `name` file */
  char *description;        /* NULL when the driver has no `description` file; may hold newlines */
  char *device_api;         /* "vfio-pci", "vfio-ccw", "vfio-ap", ... */
  guint64 available_instances;
} VmdevMdevType;

typedef struct
{
  char *name;               /* the entry in sys/class/mdev_bus, e.g. "0000:65:00.0" */
  GPtrArray *types;         /* VmdevMdevType*, sorted by id */
} VmdevParent;

typedef struct
{
  char uuid[VMDEV_UUID_BUFSIZE];
  char *parent;             /* parent device name */
  char *type_id;            /* from the mdev_type link */
  char *iommu_group;        /* from the iommu_group link; NULL when there is none */
} VmdevMdev;

void vmdev_mdev_type_free (VmdevMdevType *type);
void vmdev_parent_free (VmdevParent *parent);
void vmdev_mdev_free (VmdevMdev *mdev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevMdevType, vmdev_mdev_type_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevParent, vmdev_parent_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevMdev, vmdev_mdev_free)

/* Parents (sorted by name) with their types.  @only_parent limits the listing
 * to one parent (NULL: all); an unknown @only_parent gives an empty list.
 * Without sys/class/mdev_bus (no mdev driver loaded) the list is empty. */
gboolean vmdev_host_list_parents (VmdevRoot *root, const char *only_parent,
                                  GPtrArray **out_parents, GPtrArray *warnings,
                                  GError **error);

/* Reads one type of one parent.  VMDEV_ERROR_NOT_FOUND when the parent or the
 * type does not exist. */
gboolean vmdev_host_read_type (VmdevRoot *root, const char *parent, const char *type_id,
                               VmdevMdevType **out_type, GError **error);

/* Running mdevs (sys/bus/mdev/devices), sorted by parent, then UUID.  The
 * iommu_group link costs one more syscall per device: it is read only when
 * @with_iommu_groups (else iommu_group stays NULL). */
gboolean vmdev_host_list_mdevs (VmdevRoot *root, gboolean with_iommu_groups,
                                GPtrArray **out_mdevs, GPtrArray *warnings, GError **error);

/* One running mdev by (canonical) UUID; VMDEV_ERROR_NOT_FOUND if not running. */
gboolean vmdev_host_find_mdev (VmdevRoot *root, const char *uuid,
                               VmdevMdev **out_mdev, GError **error);

/* Creates the mdev @uuid of @type_id on @parent, waits (bounded) for it to
 * appear with its mdev_type link, then writes @attrs (VmdevAttr*, may be
 * NULL) in order.  If writing an attribute fails the device is removed again.
 * Errors: VMDEV_ERROR_NOT_FOUND (parent/type), VMDEV_ERROR_EXISTS (UUID in
 * use), VMDEV_ERROR_NO_SPACE (no free instance), VMDEV_ERROR_INVALID_ARGUMENT
 * (the kernel refused: EINVAL), VMDEV_ERROR_TIMEOUT. */
gboolean vmdev_host_create_mdev (VmdevRoot *root, const char *parent, const char *type_id,
                                 const char *uuid, GPtrArray *attrs, GError **error);

/* VMDEV_ERROR_IN_USE when the VFIO group of @mdev is open (an exclusive open
 * of dev/vfio/<group> fails with EBUSY).  A device without a group node is
 * not in use. */
gboolean vmdev_host_check_mdev_unused (VmdevRoot *root, const VmdevMdev *mdev, GError **error);

/* Removes the running mdev @uuid: refuses (VMDEV_ERROR_IN_USE) without
 * touching `remove` when its group is open, else writes "1" to `remove` and
 * waits (bounded) until the device is gone. */
gboolean vmdev_host_remove_mdev (VmdevRoot *root, const char *uuid, GError **error);

/* Bound for the waits above, in milliseconds (default 10000; the environment
 * variable VMDEV_SYSFS_TIMEOUT_MS overrides it, for tests). */
guint vmdev_host_wait_timeout_ms (void);
