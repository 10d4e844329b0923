/* vmdev-dir.h: an open directory and the file operations done inside it.
 *
 * Every host file vmdev reads or writes is reached as (directory fd, name):
 * one openat() relative to an open directory, never a walk of the whole path,
 * and the directory carries its display path so that every error names the
 * file it is about. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

typedef struct
{
  int fd;     /* O_RDONLY|O_DIRECTORY */
  char *path; /* display path, for messages */
} VmdevDir;

/* Opens @rel (relative to the root; "" is the root itself). */
VmdevDir *vmdev_dir_open (VmdevRoot *root, const char *rel, GError **error);
/* The same, but NULL without an error when @rel does not exist. */
VmdevDir *vmdev_dir_open_if_exists (VmdevRoot *root, const char *rel, GError **error);
/* Opens the subdirectory (or link to a directory) @name of @dir. */
VmdevDir *vmdev_dir_open_at (VmdevDir *dir, const char *name, GError **error);
void vmdev_dir_free (VmdevDir *dir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevDir, vmdev_dir_free)

/* "<dir path>/<name>", for messages. */
char *vmdev_dir_child_path (VmdevDir *dir, const char *name);

/* The names in @dir except "." and "..", sorted (byte order). */
GPtrArray *vmdev_dir_list (VmdevDir *dir, GError **error);
/* The same in the directory's own order, for callers that only look names up
 * or sort what they make of them. */
GPtrArray *vmdev_dir_list_unsorted (VmdevDir *dir, GError **error);
/* Calls @func for each name in @dir except "." and ".." in the directory's
 * own order, without copying the names (@name lasts only for the call). */
typedef void (*VmdevDirFunc) (const char *name, gpointer user_data);
gboolean vmdev_dir_foreach (VmdevDir *dir, VmdevDirFunc func, gpointer user_data, GError **error);

/* Reads the whole regular file @name (at most @max bytes; more is an error).
 * A short read is taken as the end of the file. */
gboolean vmdev_dir_read (VmdevDir *dir, const char *name, gsize max,
                         char **out_data, gsize *out_len, GError **error);
/* The same, but TRUE with *@out_data NULL when @name does not exist (no
 * error built for what is expected to be missing). */
gboolean vmdev_dir_read_if_exists (VmdevDir *dir, const char *name, gsize max,
                                   char **out_data, gsize *out_len, GError **error);
/* Reads a sysfs-style attribute: its content with one trailing newline removed. */
gboolean vmdev_dir_read_attr (VmdevDir *dir, const char *name, char **out_value, GError **error);
/* Reads an attribute holding a decimal unsigned number. */
gboolean vmdev_dir_read_uint (VmdevDir *dir, const char *name, guint64 *out_value, GError **error);
/* readlinkat() of @name. */
gboolean vmdev_dir_readlink (VmdevDir *dir, const char *name, char **out_target, GError **error);
/* Writes @value to an existing file @name with one write() (sysfs attributes:
 * create, remove, device attributes). */
gboolean vmdev_dir_write_attr (VmdevDir *dir, const char *name, const char *value, GError **error);
/* The same, returning 0 or the errno, for callers that translate the kernel's
 * errnos themselves. */
int vmdev_dir_try_write_attr (VmdevDir *dir, const char *name, const char *value);
/* TRUE if @name exists in @dir (without following a final link). */
gboolean vmdev_dir_has (VmdevDir *dir, const char *name);

/* Writes @data to @name atomically: a temp file in @dir, fsync, rename over
 * @name, fsync of @dir.  The temp file is removed on any failure. */
gboolean vmdev_dir_write_atomic (VmdevDir *dir, const char *name, const char *data,
                                 gsize len, int mode, GError **error);
/* unlinkat(); a missing file is not an error when @missing_ok. */
gboolean vmdev_dir_unlink (VmdevDir *dir, const char *name, gboolean missing_ok, GError **error);
