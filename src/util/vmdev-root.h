/* vmdev-root.h: the root under which every host path lives.
 *
 * `vmdev --root DIR` (or VMDEV_ROOT) makes vmdev treat DIR as "/" for every
 * path it opens itself: sysfs, /dev/vfio, /etc/mdevctl.d, /etc/vmdev, /run/vmdev.
 * No other code builds host paths by hand: it opens a VmdevDir relative to the
 * root and works with names inside it. */
#pragma once

#include <glib.h>

typedef struct _VmdevRoot VmdevRoot;

/* Opens @dir (NULL: $VMDEV_ROOT, else "/") as the root. */
VmdevRoot *vmdev_root_open (const char *dir, GError **error);
void vmdev_root_free (VmdevRoot *root);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevRoot, vmdev_root_free)

/* The root directory as given ("/" by default), without a trailing slash
 * except for "/" itself. */
const char *vmdev_root_dir (VmdevRoot *root);
/* An O_PATH descriptor of the root, for openat(). */
int vmdev_root_fd (VmdevRoot *root);

/* The path a user sees for @rel (relative to the root, no leading slash):
 * "/sys/..." for the root "/", "<root>/sys/..." otherwise.  Used in messages. */
char *vmdev_root_display (VmdevRoot *root, const char *rel);

/* mkdir -p of @rel under the root. */
gboolean vmdev_root_mkdir_p (VmdevRoot *root, const char *rel, int mode, GError **error);
