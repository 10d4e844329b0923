/* vmdev-domain-def.h: persistent domain definitions, as files.
 *
 *   etc/vmdev/domains/<name>.xml
 *
 * The store handles bytes; src/conf parses them.  Names are checked with
 * vmdev_name_check before they become a path.  Writes are atomic (temporary
 * file + rename + fsync); callers hold the global lock (VMDEV_LOCK_GLOBAL)
 * around read-modify-write sequences. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

#define VMDEV_DOMAIN_DEF_DIR "etc/vmdev/domains"
#define VMDEV_DOMAIN_DEF_MAX_SIZE (4 * 1024 * 1024)

/* The definition of @name; VMDEV_ERROR_NOT_FOUND when there is none. */
gboolean vmdev_domain_def_read (VmdevRoot *root, const char *name, char **out_xml,
                                gsize *out_len, GError **error);
/* Writes the definition of @name atomically (mode 0600), creating the directory. */
gboolean vmdev_domain_def_write (VmdevRoot *root, const char *name, const char *xml, gsize len,
                                 GError **error);
/* Removes the definition of @name; VMDEV_ERROR_NOT_FOUND when there is none. */
gboolean vmdev_domain_def_delete (VmdevRoot *root, const char *name, GError **error);
/* The names of the defined domains, sorted; a missing directory is an empty list.
 * Files that are not "<valid name>.xml" are skipped. */
gboolean vmdev_domain_def_list (VmdevRoot *root, GPtrArray **out_names, GError **error);
