/* vmdev-privileges.h: what QEMU runs with (DESIGN.md §7 step 6): the
 * configured user and group with no supplementary groups, no capabilities,
 * RLIMIT_MEMLOCK raised for VFIO, and the SELinux process label.  Called in
 * QEMU's child right before exec; that child shares the monitor's memory
 * (clone with CLONE_VM | CLONE_VFORK), so the credentials change with plain
 * system calls, not libc's all-threads wrappers. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct
{
  uid_t uid;
  gid_t gid;
  guint64 memlock_bytes;        /* 0: leave RLIMIT_MEMLOCK alone */
  const char *exec_context;     /* SELinux label for the exec, or NULL */
} VmdevPrivileges;

/* The locked-memory limit VFIO needs for a guest of @memory_kib: all of the
 * guest's memory plus 1 GiB (as libvirt sets it). */
guint64 vmdev_privileges_vfio_memlock (guint64 memory_kib);

/* Applies @priv to the calling process, in this order: RLIMIT_MEMLOCK, the
 * SELinux exec label (where SELinux is enabled), supplementary groups
 * cleared, gid, uid, then every capability dropped (also for uid 0).  When
 * the memlock limit cannot be raised as far as asked (no CAP_SYS_RESOURCE),
 * it is raised as far as allowed and *@out_warning (may be NULL) says so. */
gboolean vmdev_privileges_apply (const VmdevPrivileges *priv, char **out_warning,
                                 GError **error);
