/* vmdev-cgroup.h: the per-domain cgroup and its device rules.
 *
 * Each domain's QEMU runs in a cgroup "vmdev/<domain>" in every cgroup
 * hierarchy that controls device access:
 *
 * - cgroup v1, the "devices" controller: "a" is written to devices.deny (default
 *   deny), then one "c M:m rw" line per allowed device to devices.allow;
 * - cgroup v2, the unified hierarchy: a BPF_CGROUP_DEVICE program is attached
 *   to the domain's cgroup (BPF_F_ALLOW_MULTI, so that programs of the parents,
 *   e.g. systemd's, keep running too).  The program looks the device up in a BPF
 *   hash map (key: type, major, minor; value: the allowed accesses) and denies
 *   what it does not find.  Later changes (hotplug, unplug) update the map, from
 *   any vmdev process: the map is found again from the cgroup alone
 *   (BPF_PROG_QUERY → BPF_PROG_GET_FD_BY_ID → BPF_OBJ_GET_INFO_BY_FD → map id →
 *   BPF_MAP_GET_FD_BY_ID), so nothing has to be pinned or remembered, one map
 *   update is atomic, and the program and map go away with the cgroup.
 *
 * A hybrid host (v1 devices controller and the v2 hierarchy both mounted) gets
 * both; the kernel checks the v2 program and then the v1 list.
 *
 * The hierarchies are looked for under the root (`--root`) only, at the
 * conventional place: <root>/sys/fs/cgroup itself (cgroup2 → v2; a v1 mount with
 * devices.allow → v1), else its subdirectories (the v1 mount holding
 * devices.allow, usually "devices"; the cgroup2 mount, usually "unified").  Each
 * is recognised by fstatfs() of the opened directory (CGROUP_SUPER_MAGIC,
 * CGROUP2_SUPER_MAGIC), not by its name.  Where none is found (a tmp root, the
 * simulated host) every operation does nothing and says so with g_debug().
 *
 * The default allow list is libvirt's (all "rw", never mknod): null, zero,
 * full, random, urandom, ptmx, the pty slaves (c 136:*), /dev/kvm (c 10:232)
 * and the VFIO container /dev/vfio/vfio (c 10:196); the caller adds each VFIO
 * group (vmdev_cgroup_device_from_node() of dev/vfio/<group>) and the domain's
 * block devices.
 *
 * The "vmdev" parent is created when needed and removed with the last domain
 * cgroup in it (a concurrent create that loses that race retries). */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "util/vmdev-dir.h"
#include "util/vmdev-root.h"

typedef enum
{
  VMDEV_CGROUP_V1 = 1 << 0,  /* the cgroup v1 devices controller */
  VMDEV_CGROUP_V2 = 1 << 1,  /* the cgroup v2 unified hierarchy */
  VMDEV_CGROUP_ALL = VMDEV_CGROUP_V1 | VMDEV_CGROUP_V2,
} VmdevCgroupKinds;

/* As the minor of a VmdevCgroupDevice: every minor of the major ("c 136:*"). */
#define VMDEV_CGROUP_ANY_MINOR G_MAXUINT32

/* The most entries the v2 map of one domain holds (defaults included). */
#define VMDEV_CGROUP_MAX_DEVICES 1024

typedef struct
{
  char type;          /* 'c' (character) or 'b' (block) */
  guint32 major;
  guint32 minor;      /* or VMDEV_CGROUP_ANY_MINOR */
  gboolean read_only; /* "r" instead of "rw" */
} VmdevCgroupDevice;

/* The hierarchies found under a root. */
typedef struct _VmdevCgroupHost VmdevCgroupHost;

/* Finds the hierarchies under @root, keeping only those in @kinds
 * (VMDEV_CGROUP_ALL normally; tests pick one).  Finding none is not an error.
 * Fails only when <root>/sys/fs/cgroup exists but cannot be read. */
VmdevCgroupHost *vmdev_cgroup_host_open (VmdevRoot *root, VmdevCgroupKinds kinds,
                                         GError **error);
void vmdev_cgroup_host_free (VmdevCgroupHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevCgroupHost, vmdev_cgroup_host_free)

/* The hierarchies found (0: none, every operation is a no-op). */
VmdevCgroupKinds vmdev_cgroup_host_kinds (VmdevCgroupHost *host);
/* The display path of the hierarchy @kind (one bit), NULL if not found. */
const char *vmdev_cgroup_host_path (VmdevCgroupHost *host, VmdevCgroupKinds kind);

/* The default allow list (see above); @n_out receives its length. */
const VmdevCgroupDevice *vmdev_cgroup_default_devices (gsize *n_out);

/* The device node @name in @dir (e.g. "dev/vfio" under the root, "12"), not
 * followed if a link: its type and major:minor.  Fails unless it is a character
 * or block device. */
gboolean vmdev_cgroup_device_from_node (VmdevDir *dir, const char *name, gboolean read_only,
                                        VmdevCgroupDevice *out, GError **error);

/* Creates vmdev/@domain in each hierarchy, allowing the default list plus
 * @extra (VFIO groups, block devices) and denying everything else.  Fails
 * (VMDEV_ERROR_EXISTS) if the cgroup exists already: a leftover is removed by
 * vmdev_cgroup_remove() first (reconcile).  On failure nothing is left. */
gboolean vmdev_cgroup_create (VmdevCgroupHost *host, const char *domain,
                              const VmdevCgroupDevice *extra, gsize n_extra, GError **error);

/* Allows @dev in the existing cgroup of @domain (hotplug), in each hierarchy;
 * allowing what is allowed already is fine.  VMDEV_ERROR_NOT_FOUND when the
 * domain has no cgroup.  On failure the rules are as before. */
gboolean vmdev_cgroup_allow (VmdevCgroupHost *host, const char *domain,
                             const VmdevCgroupDevice *dev, GError **error);
/* Takes back every access to @dev (unplug); denying what is not allowed is
 * fine.  @dev->read_only is ignored.  On failure the rules are as before. */
gboolean vmdev_cgroup_deny (VmdevCgroupHost *host, const char *domain,
                            const VmdevCgroupDevice *dev, GError **error);

/* Moves process @pid (0: the caller) into the cgroup of @domain in each
 * hierarchy by writing to its cgroup.procs.  Meant for the QEMU child between
 * fork() and exec(): the success path allocates nothing and calls only
 * openat/write/close; a failure allocates the GError, which is safe in the
 * child of a single-threaded process.  A failure part way leaves the process in
 * the hierarchies done so far: the caller (the child) exits, which undoes it. */
gboolean vmdev_cgroup_enter (VmdevCgroupHost *host, const char *domain, pid_t pid,
                             GError **error);

/* Removes the cgroup of @domain from each hierarchy (rmdir; the v2 program
 * and its map go with it).  Missing is fine.  A cgroup that still has
 * processes is refused (VMDEV_ERROR_IN_USE, naming the pids): nothing is
 * killed.  Goes on with the other hierarchies after a failure and reports the
 * first one. */
gboolean vmdev_cgroup_remove (VmdevCgroupHost *host, const char *domain, GError **error);

/* The domain names that have a cgroup under vmdev/ in any hierarchy, sorted,
 * each once (for reconcile). */
GPtrArray *vmdev_cgroup_list (VmdevCgroupHost *host, GError **error);
