/* vmdev-mdev-def.h: persistent mdev definitions, in mdevctl's format and place.
 *
 *   etc/mdevctl.d/<parent>/<uuid>
 *   {"mdev_type": "nvidia-63", "start": "auto|manual", "attrs": [{"k": "v"}, ...]}
 *
 * Files written by mdevctl 1.2 are read, and files written here are read by
 * mdevctl 1.2 (pretty-printed like mdevctl writes them).  Keys other than the
 * three above are kept and written back after them.  etc/mdevctl.d/scripts.d
 * (mdevctl's callouts) is not a parent and is skipped.
 *
 * Listings never fail on one bad entry: a malformed file, a name that is not
 * a UUID, an unreadable directory is skipped and a GError naming its path is
 * appended to @warnings (a GPtrArray of GError*, may be NULL).  Writes are
 * atomic (temporary file + rename); callers serialize read-modify-write
 * sequences with the global lock. */
#pragma once

#include <glib.h>
#include "store/vmdev-json-writer.h"
#include "util/vmdev-json.h"
#include "util/vmdev-root.h"
#include "util/vmdev-uuid.h"

/* The definitions directory, relative to the root. */
#define VMDEV_MDEV_DEF_DIR "etc/mdevctl.d"
/* Largest definition file read. */
#define VMDEV_MDEV_DEF_MAX_SIZE (1024 * 1024)

typedef struct
{
  char uuid[VMDEV_UUID_BUFSIZE];
  char *parent;
  char *mdev_type;
  gboolean auto_start;
  GPtrArray *attrs;     /* VmdevAttr*, in order */
  VmdevJson *unknown;   /* an object: the other keys of the file, in order; NULL when none */
} VmdevMdevDefinition;

/* A definition with no attributes, start "manual". */
VmdevMdevDefinition *vmdev_mdev_definition_new (const char *uuid, const char *parent,
                                                const char *mdev_type);
void vmdev_mdev_definition_free (VmdevMdevDefinition *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevMdevDefinition, vmdev_mdev_definition_free)

/* Reads the JSON text @data (a definition file, or a --jsonfile) into @def's
 * mdev_type, auto_start, attrs and unknown keys.  @path names the text in
 * errors: "<path>: line L, column C: <reason>" (VMDEV_ERROR_INVALID_CONFIG). */
gboolean vmdev_mdev_definition_parse (VmdevMdevDefinition *def, const char *data, gsize len,
                                      const char *path, GError **error);

/* The file text: mdev_type, start, attrs, then the unknown keys when
 * @with_unknown; pretty-printed as mdevctl writes it (no final newline). */
/* Writes mdevctl's configuration object {"mdev_type", "start", "attrs"[, the
 * @unknown members]} to @w: the shape of a definition file and of the
 * entries of `list --dumpjson`. */
void vmdev_mdev_config_write (VmdevJsonWriter *w, const char *mdev_type, gboolean auto_start,
                              GPtrArray *attrs, const VmdevJson *unknown);
char *vmdev_mdev_definition_to_json (const VmdevMdevDefinition *def, gboolean with_unknown,
                                     gsize *out_len);

/* Every definition (sorted by parent, then UUID), or those of @only_parent
 * and/or @only_uuid (canonical).  A missing etc/mdevctl.d is an empty list. */
gboolean vmdev_mdev_definitions_list (VmdevRoot *root, const char *only_parent,
                                      const char *only_uuid, GPtrArray **out_defs,
                                      GPtrArray *warnings, GError **error);

/* Which definitions vmdev_mdev_definitions_list_filtered() reads: called with
 * @uuid NULL for each parent directory (FALSE: the directory is not even
 * listed), then for each file name in it (FALSE: the file is skipped
 * unread and unreported). */
typedef gboolean (*VmdevMdevDefinitionFilter) (const char *parent, const char *uuid,
                                               gpointer user_data);

/* vmdev_mdev_definitions_list() of every parent, limited to what @filter
 * accepts: reads only the files that are needed. */
gboolean vmdev_mdev_definitions_list_filtered (VmdevRoot *root, VmdevMdevDefinitionFilter filter,
                                               gpointer user_data, GPtrArray **out_defs,
                                               GPtrArray *warnings, GError **error);

/* The parents that have a definition file for @uuid (or only @only_parent),
 * sorted; the files are not read, so a malformed one counts too. */
gboolean vmdev_mdev_definition_find_parents (VmdevRoot *root, const char *uuid,
                                             const char *only_parent, GPtrArray **out_parents,
                                             GPtrArray *warnings, GError **error);

/* The definition of @uuid on @parent; VMDEV_ERROR_NOT_FOUND when there is
 * none, VMDEV_ERROR_INVALID_CONFIG when the file is malformed. */
gboolean vmdev_mdev_definition_load (VmdevRoot *root, const char *parent, const char *uuid,
                                     VmdevMdevDefinition **out_def, GError **error);

/* Writes @def to etc/mdevctl.d/<parent>/<uuid> atomically (mode 0644),
 * creating the directories it needs. */
gboolean vmdev_mdev_definition_save (VmdevRoot *root, const VmdevMdevDefinition *def,
                                     GError **error);

/* Removes etc/mdevctl.d/<parent>/<uuid> (VMDEV_ERROR_NOT_FOUND when missing),
 * then the parent directory if it is empty. */
gboolean vmdev_mdev_definition_delete (VmdevRoot *root, const char *parent, const char *uuid,
                                       GError **error);
