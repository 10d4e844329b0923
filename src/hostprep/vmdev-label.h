/* vmdev-label.h: DAC and SELinux labels of VFIO group nodes, and MCS categories.
 *
 * A node is named relative to the root ("dev/vfio/12") and reached with one
 * openat(O_PATH|O_NOFOLLOW) relative to the root's fd: directories on the way
 * are resolved like every other vmdev path (the simulated host's `dev` is a
 * link), the node itself never is.  Every change then goes through that fd
 * (fchownat(AT_EMPTY_PATH), and /proc/self/fd/N for chmod and xattrs, which
 * an O_PATH fd does not do directly), so a link swapped in cannot redirect it.
 *
 * Accepted nodes: character devices, except the VFIO container (misc 10:196,
 * whatever its name; `dev/vfio/vfio` is refused by name as well).  A regular
 * file is accepted only on a FUSE file system: the simulated host
 * (tools/simhost) serves its group nodes as regular files.  Anything else (a
 * link, a directory, a regular file elsewhere) is refused with
 * VMDEV_ERROR_INVALID_ARGUMENT and left untouched.
 *
 * The original owner/mode and SELinux label are remembered on the node itself
 * in `trusted.vmdev.dac` ("1:<uid>:<gid>:<mode, octal>") and
 * `trusted.vmdev.selinux` ("1:<the original security.selinux value, byte for
 * byte>", or "1:" when it had none), written *before* the node is changed, and
 * removed *after* it is restored.  A set that finds the xattr already there
 * (a crash in between, or a second set) keeps the remembered original; a
 * restore without it does nothing.  So set and restore can be replayed after
 * a crash at any point.  A node that no longer exists has nothing to restore.
 * Callers serialize with the global lock (run/vmdev/lock).  Needs root
 * (trusted.* xattrs need CAP_SYS_ADMIN). */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "hostprep/vmdev-hostprep-config.h"
#include "util/vmdev-root.h"

#define VMDEV_LABEL_DAC_XATTR "trusted.vmdev.dac"
#define VMDEV_LABEL_SELINUX_XATTR "trusted.vmdev.selinux"
#define VMDEV_LABEL_SELINUX_FILE_XATTR "security.selinux"
/* The mode a labelled node gets: read/write for its new owner only. */
#define VMDEV_LABEL_DAC_MODE 0600

/* ---- DAC ---- */

/* Remembers the owner and mode of @rel (unless remembered already), then
 * makes it @uid:@gid, mode VMDEV_LABEL_DAC_MODE.  On failure after the xattr
 * was written by this call, the xattr is removed again. */
gboolean vmdev_label_dac_set (VmdevRoot *root, const char *rel, uid_t uid, gid_t gid,
                              GError **error);
/* Puts back the remembered owner and mode of @rel and removes the xattr.
 * Nothing remembered, or no such node: nothing to do (TRUE). */
gboolean vmdev_label_dac_restore (VmdevRoot *root, const char *rel, GError **error);

/* ---- SELinux ---- */

/* TRUE when @config asks for SELinux labels and they apply: security_driver
 * is selinux and SELinux is enabled on this host (is_selinux_enabled()) or
 * selinux_force is set. */
gboolean vmdev_label_selinux_wanted (const VmdevHostprepConfig *config);

/* Remembers the SELinux label of @rel (unless remembered already), then sets
 * it to @context (a full context, e.g. from vmdev_label_selinux_image_context()).
 * A file system without security.selinux support fails with G_IO_ERROR_NOT_SUPPORTED. */
gboolean vmdev_label_selinux_set (VmdevRoot *root, const char *rel, const char *context,
                                  GError **error);
/* Puts back the remembered label (or removes security.selinux when the node
 * had none) and removes the xattr; nothing remembered or no node: TRUE. */
gboolean vmdev_label_selinux_restore (VmdevRoot *root, const char *rel, GError **error);

/* ---- MCS categories ---- */

#define VMDEV_MCS_CATEGORIES 1024

/* A pair of categories c<lo>,c<hi>, lo < hi < VMDEV_MCS_CATEGORIES. */
typedef struct
{
  guint16 lo;
  guint16 hi;
} VmdevMcs;

/* Picks the categories of the domain with UUID @uuid (any form
 * vmdev_uuid_normalize() takes): a pair derived from the UUID, or the next
 * free one when @used (the pairs of the running domains, @n_used of them)
 * holds it.  Deterministic for the same UUID and @used.  Fails with
 * VMDEV_ERROR_NO_SPACE when all 523,776 pairs are used. */
gboolean vmdev_mcs_pick (const char *uuid, const VmdevMcs *used, gsize n_used,
                         VmdevMcs *out_mcs, GError **error);
/* "c12,c345". */
char *vmdev_mcs_to_string (const VmdevMcs *mcs);
/* Parses "c12,c345" (lo < hi < 1024), as written by vmdev_mcs_to_string();
 * anything else is VMDEV_ERROR_INVALID_ARGUMENT. */
gboolean vmdev_mcs_parse (const char *text, VmdevMcs *out_mcs, GError **error);

/* @label (checked by vmdev_hostprep_label_check(): user:role:type:sensitivity)
 * with the categories: "system_u:object_r:svirt_image_t:s0:c12,c345". */
char *vmdev_label_selinux_image_context (const char *image_label, const VmdevMcs *mcs);
/* The same for QEMU's process label ("system_u:system_r:svirt_t:s0:c12,c345"),
 * for setexeccon() before QEMU is executed. */
char *vmdev_label_selinux_process_context (const char *process_label, const VmdevMcs *mcs);
