/* vmdev-namespace.h: QEMU's private /dev in its own mount namespace
 * (DESIGN.md §7 step 5).
 *
 * QEMU runs in a new mount namespace whose /dev is a small tmpfs holding only
 * what it needs:
 *
 *   null 1:3, zero 1:5, full 1:7, random 1:8, urandom 1:9   root:root 0666
 *   fd -> /proc/self/fd, stdin/stdout/stderr -> /proc/self/fd/0..2
 *   pts/   a new devpts instance (newinstance,ptmxmode=0666,mode=0620)
 *   ptmx -> pts/ptmx
 *   shm/   a tmpfs (mode 1777)
 *   kvm 10:232 (root:root 0666)            only when the domain uses KVM
 *   vfio/vfio 10:196 (root:root 0666)      when there are VFIO groups
 *   vfio/<N>                               each VFIO group, from the root
 *   <disk>                                 each block device of the domain's disks
 *
 * The fixed nodes are made with their well-known numbers; nothing is read from
 * the host for them.  A VFIO group node is `dev/vfio/<N>` under the root
 * (opened relative to the root's fd, the node itself never followed if a
 * link): a character device becomes a node with the same major:minor, owner,
 * mode and SELinux label (security.selinux, copied when present); a regular
 * file (the simulated host's group nodes, docs/simhost.md) becomes an empty
 * file with the source bind-mounted on it.  Anything else (a link, a
 * directory, the VFIO container 10:196) is refused.  A disk is an absolute
 * host path, used as written (DESIGN.md §3): under /dev it must be a block
 * device (links followed), which gets a node at the same path with the same
 * numbers, owner, mode and label; outside /dev it is visible as it is and
 * left out.
 *
 * Because labels (step 3) come first, the plan copies the node as QEMU's user
 * owns it.  The plan is made in the parent (it allocates and reads the host);
 * vmdev_namespace_enter() runs in the QEMU child between fork and exec, as
 * root, *before* the child enters the domain's cgroup (the device rules never
 * allow mknod) and before it drops its privileges.
 *
 * Hotplug and unplug change the namespace of a running QEMU from a helper
 * child that joins it (setns).  A process without a namespace of its own (its
 * mount namespace is the caller's) is left alone; one whose /dev is not a
 * private /dev made by vmdev_namespace_enter() (a tmpfs, not the caller's
 * /dev, marked with VMDEV_NAMESPACE_MARK_XATTR) is refused, so that a host /dev
 * (devtmpfs: the same file system type as tmpfs) is never changed. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "util/vmdev-root.h"

/* The tmpfs mounted on /dev (as libvirt: small; nodes take no space). */
#define VMDEV_NAMESPACE_DEV_OPTIONS "mode=0755,size=65536"
/* Set on the private /dev's root by vmdev_namespace_enter() (value "1";
 * trusted.*: only root can set it).  Left out where tmpfs has no xattrs: then
 * hotplug refuses that namespace. */
#define VMDEV_NAMESPACE_MARK_XATTR "trusted.vmdev.private_dev"
/* How long hotplug and unplug wait for their helper child. */
#define VMDEV_NAMESPACE_HELPER_TIMEOUT_MS 5000

typedef struct _VmdevNamespacePlan VmdevNamespacePlan;

/* The private /dev of a domain: the fixed nodes, /dev/kvm when @kvm, the
 * container and the group nodes dev/vfio/<N> (N from @groups, @n_groups of
 * them, each >= 0) under @root, and the nodes of @disks (absolute host paths,
 * NULL-terminated; may be NULL).  Fails with a GError naming the node when a
 * group node is missing or not a character device or regular file, or a disk
 * under /dev is not a block device.  @root is borrowed: it must stay open
 * until the plan is freed (the QEMU child keeps its fd). */
VmdevNamespacePlan *vmdev_namespace_plan_new (VmdevRoot *root, gboolean kvm, const int *groups,
                                              gsize n_groups, const char *const *disks,
                                              GError **error);
void vmdev_namespace_plan_free (VmdevNamespacePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevNamespacePlan, vmdev_namespace_plan_free)

/* The plan, one line per entry in the order it is made, e.g.
 * "c 1:3 0:0 0666 /dev/null", "l /proc/self/fd /dev/fd", "d 0755 /dev/vfio",
 * "f /dev/vfio/13 <- /tmp/r/dev/vfio/13", "m devpts /dev/pts" (for g_debug). */
char *vmdev_namespace_plan_to_string (const VmdevNamespacePlan *plan);

/* In the QEMU child, as root: opens (clones) the bind-mount sources of the
 * plan from the root, unshare(CLONE_NEWNS), makes every mount a slave (nothing
 * propagates back to the host), mounts the tmpfs on /dev and makes the plan's
 * entries.  On success it allocates nothing (the plan's bookkeeping holds the
 * descriptors); on failure the GError names the step and the path, and the
 * caller _exit()s, which drops the namespace.  Call it once per child. */
gboolean vmdev_namespace_enter (VmdevNamespacePlan *plan, GError **error);

/* Whether process @pid has a mount namespace other than the caller's. */
gboolean vmdev_namespace_is_private (pid_t pid, gboolean *out_private, GError **error);

/* Hotplug: makes dev/vfio/@group (from @root, same rules as the plan) in the
 * private /dev of the running process @pid, and /dev/vfio and
 * /dev/vfio/vfio there when missing.  A node already there is replaced.
 * Done by a helper child that joins the namespace of @pid; waits for it at
 * most VMDEV_NAMESPACE_HELPER_TIMEOUT_MS (VMDEV_ERROR_TIMEOUT, the helper is
 * killed).  On failure the group node is not left behind.  @pid without a
 * private namespace: nothing to do (TRUE). */
gboolean vmdev_namespace_hotplug_add (VmdevRoot *root, pid_t pid, int group, GError **error);
/* Unplug: removes /dev/vfio/@group (unmounting it first when it is a bind
 * mount) from the private /dev of @pid; a missing node is fine.  The
 * container stays.  @pid without a private namespace: nothing to do. */
gboolean vmdev_namespace_hotplug_remove (pid_t pid, int group, GError **error);
