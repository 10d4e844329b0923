#include "store/vmdev-mdev-def.h"

#include "store/vmdev-json-writer.h"
#include "store/vmdev-mdev-def-fast.h"
#include "util/vmdev-attr.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
#include "util/vmdev-name.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mdevctl keeps its callout scripts here; it is not a parent. */
#define SCRIPTS_DIR "scripts.d"

VmdevMdevDefinition *
vmdev_mdev_definition_new (const char *uuid, const char *parent, const char *mdev_type)
{
  VmdevMdevDefinition *def = g_new0 (VmdevMdevDefinition, 1);

  if (uuid != NULL)
    memcpy (def->uuid, uuid, strnlen (uuid, sizeof def->uuid - 1)); /* def is zeroed */
  def->parent = g_strdup (parent);
  def->mdev_type = g_strdup (mdev_type);
  def->attrs = vmdev_attr_list_new ();
  return def;
}

void
vmdev_mdev_definition_free (VmdevMdevDefinition *def)
{
  if (def == NULL)
    return;
  g_free (def->parent);
  g_free (def->mdev_type);
  g_ptr_array_unref (def->attrs);
  vmdev_json_free (def->unknown);
  g_free (def);
}

static gboolean
invalid (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError **error, const char *path, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list ap;

  va_start (ap, fmt);
  why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "%s: %s", path, why);
  return FALSE;
}

static gboolean
is_string (const VmdevJson *value)
{
  return value != NULL && value->type == VMDEV_JSON_STRING;
}

static gboolean
parse_attrs (const VmdevJson *value, GPtrArray *attrs, const char *path, GError **error)
{
  if (value->type == VMDEV_JSON_NULL)
    return TRUE;
  if (value->type != VMDEV_JSON_ARRAY)
    return invalid (error, path, "\"attrs\" must be an array, not %s",
                    vmdev_json_type_name (value));
  for (guint i = 0; i < value->items->len; i++)
    {
      const VmdevJson *elem = g_ptr_array_index (value->items, i);
      const VmdevJsonMember *member;

      if (elem->type != VMDEV_JSON_OBJECT)
        return invalid (error, path, "attribute %u must be an object {\"name\": \"value\"}, not %s",
                        i, vmdev_json_type_name (elem));
      if (elem->items->len != 1)
        return invalid (error, path, "attribute %u must have exactly one member, not %u",
                        i, elem->items->len);
      member = g_ptr_array_index (elem->items, 0);
      if (!is_string (member->value))
        return invalid (error, path, "the value of attribute %u (\"%s\") must be a string, not %s",
                        i, member->name, vmdev_json_type_name (member->value));
      g_ptr_array_add (attrs, vmdev_attr_new (member->name, member->value->text));
    }
  return TRUE;
}

gboolean
vmdev_mdev_definition_parse_full (VmdevMdevDefinition *def, const char *data, gsize len,
                                  const char *path, GError **error)
{
  g_autoptr(VmdevJson) root = NULL;
  g_autoptr(GPtrArray) attrs = vmdev_attr_list_new ();
  g_autoptr(VmdevJson) unknown = vmdev_json_object_new ();
  GError *json_error = NULL;
  VmdevJson *type, *start, *node;

  if (!g_utf8_validate (data, len, NULL))
    return invalid (error, path, "the file is not valid UTF-8");
  if (!vmdev_json_parse (data, len, &root, &json_error))
    {
      g_propagate_prefixed_error (error, json_error, "%s: ", path);
      return FALSE;
    }
  if (root == NULL)
    return invalid (error, path, "the file is empty");
  if (root->type != VMDEV_JSON_OBJECT)
    return invalid (error, path, "expected a JSON object, found %s", vmdev_json_type_name (root));

  type = vmdev_json_object_get (root, "mdev_type");
  if (type == NULL)
    return invalid (error, path, "\"mdev_type\" is missing");
  if (!is_string (type))
    return invalid (error, path, "\"mdev_type\" must be a string, not %s",
                    vmdev_json_type_name (type));
  if (!vmdev_name_check ("mdev type", type->text, NULL))
    return invalid (error, path, "\"mdev_type\" is not a valid type name");

  /* As mdevctl: "start" must be there; anything but "auto" is manual. */
  start = vmdev_json_object_get (root, "start");
  if (start == NULL || start->type == VMDEV_JSON_NULL)
    return invalid (error, path, "\"start\" is missing");

  node = vmdev_json_object_get (root, "attrs");
  if (node != NULL && !parse_attrs (node, attrs, path, error))
    return FALSE;

  for (guint i = 0; i < root->items->len; i++)
    {
      VmdevJsonMember *member = g_ptr_array_index (root->items, i);

      if (strcmp (member->name, "mdev_type") != 0 && strcmp (member->name, "start") != 0 &&
          strcmp (member->name, "attrs") != 0)
        vmdev_json_object_set (unknown, member->name, g_steal_pointer (&member->value));
    }

  def->auto_start = is_string (start) && strcmp (start->text, "auto") == 0;
  g_free (def->mdev_type);
  def->mdev_type = g_strdup (type->text);
  g_ptr_array_unref (def->attrs);
  def->attrs = g_steal_pointer (&attrs);
  vmdev_json_free (def->unknown);
  def->unknown = unknown->items->len > 0 ? g_steal_pointer (&unknown) : NULL;
  return TRUE;
}

gboolean
vmdev_mdev_definition_parse (VmdevMdevDefinition *def, const char *data, gsize len,
                             const char *path, GError **error)
{
  /* Most files are {"mdev_type": .., "start": .., "attrs": [..]}: read
   * without building a tree; anything else, and every error, the long way. */
  return vmdev_mdev_definition_parse_fast (def, data, len) ||
         vmdev_mdev_definition_parse_full (def, data, len, path, error);
}

void
vmdev_mdev_config_write (VmdevJsonWriter *w, const char *mdev_type, gboolean auto_start,
                         GPtrArray *attrs, const VmdevJson *unknown)
{
  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_key (w, "mdev_type");
  vmdev_json_writer_string (w, mdev_type);
  vmdev_json_writer_key (w, "start");
  vmdev_json_writer_string (w, auto_start ? "auto" : "manual");
  vmdev_json_writer_key (w, "attrs");
  vmdev_json_writer_begin_array (w);
  for (guint i = 0; attrs != NULL && i < attrs->len; i++)
    {
      VmdevAttr *attr = g_ptr_array_index (attrs, i);

      vmdev_json_writer_begin_object (w);
      vmdev_json_writer_key (w, attr->name);
      vmdev_json_writer_string (w, attr->value);
      vmdev_json_writer_end_object (w);
    }
  vmdev_json_writer_end_array (w);
  for (guint i = 0; unknown != NULL && i < unknown->items->len; i++)
    {
      const VmdevJsonMember *member = g_ptr_array_index (unknown->items, i);

      vmdev_json_writer_key (w, member->name);
      vmdev_json_writer_value (w, member->value);
    }
  vmdev_json_writer_end_object (w);
}

char *
vmdev_mdev_definition_to_json (const VmdevMdevDefinition *def, gboolean with_unknown,
                               gsize *out_len)
{
  VmdevJsonWriter *w = vmdev_json_writer_new (TRUE);

  vmdev_mdev_config_write (w, def->mdev_type, def->auto_start, def->attrs,
                           with_unknown ? def->unknown : NULL);
  return vmdev_json_writer_finish (w, out_len);
}

/* Reads and parses the file @uuid of @pdir.  On ENOENT returns FALSE with
 * *missing set and no error. */
static gboolean
read_definition (VmdevDir *pdir, const char *parent, const char *uuid,
                 VmdevMdevDefinition **out_def, gboolean *missing, GError **error)
{
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (uuid, parent, NULL);
  g_autofree char *data = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  *missing = FALSE;
  if (!vmdev_dir_read_if_exists (pdir, uuid, VMDEV_MDEV_DEF_MAX_SIZE, &data, &len, &local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (data == NULL)
    {
      *missing = TRUE;
      return FALSE;
    }
  /* vmdev_mdev_definition_parse(), with the path (for messages) made only
   * when the fast way declines. */
  if (!vmdev_mdev_definition_parse_fast (def, data, len))
    {
      path = vmdev_dir_child_path (pdir, uuid);
      if (!vmdev_mdev_definition_parse_full (def, data, len, path, error))
        {
          g_prefix_error (error, "reading mdev definition: ");
          return FALSE;
        }
    }
  *out_def = g_steal_pointer (&def);
  return TRUE;
}

static void
add_warning (GPtrArray *warnings, GError *warning)
{
  if (warnings != NULL)
    g_ptr_array_add (warnings, warning);
  else
    g_error_free (warning);
}

/* Which names of a parent directory list_parent() reads. */
typedef struct
{
  const char *parent;
  VmdevMdevDefinitionFilter filter;
  gpointer user_data;
  GPtrArray *names;         /* the names taken, copied */
} NameFilter;

static void
take_name (const char *name, gpointer user_data)
{
  NameFilter *f = user_data;

  /* Hidden files: temporaries of an interrupted atomic write. */
  if (name[0] == '.' || (f->filter != NULL && !f->filter (f->parent, name, f->user_data)))
    return;
  g_ptr_array_add (f->names, g_strdup (name));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The definitions in one parent directory (those @filter accepts, when given). */
static void
list_parent (VmdevDir *pdir, const char *parent, const char *only_uuid,
             VmdevMdevDefinitionFilter filter, gpointer user_data,
             GPtrArray *defs, GPtrArray *warnings)
{
  g_autoptr(GPtrArray) names = NULL;
  NameFilter f = { parent, filter, user_data, NULL };
  GError *local = NULL;

  if (only_uuid != NULL)
    {
      VmdevMdevDefinition *def = NULL;
      gboolean missing;

      if (read_definition (pdir, parent, only_uuid, &def, &missing, &local))
        g_ptr_array_add (defs, def);
      else if (!missing)
        add_warning (warnings, local);
      return;
    }

  /* Only the names taken are copied and sorted. */
  names = g_ptr_array_new_with_free_func (g_free);
  f.names = names;
  if (!vmdev_dir_foreach (pdir, take_name, &f, &local))
    {
      add_warning (warnings, local);
      return;
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      VmdevMdevDefinition *def = NULL;
      gboolean missing;

      if (!vmdev_uuid_is_canonical (name))
        {
          g_autofree char *path = vmdev_dir_child_path (pdir, name);
          g_autofree char *shown = g_strescape (name, NULL);
          add_warning (warnings,
                       g_error_new (VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                                    "reading mdev definition: %s: the file name '%s' is not "
                                    "a lower-case UUID", path, shown));
          continue;
        }
      if (read_definition (pdir, parent, name, &def, &missing, &local))
        g_ptr_array_add (defs, def);
      else if (!missing)
        add_warning (warnings, local);
      local = NULL;
    }
}

/* Opens etc/mdevctl.d and lists the parent directory names to look at: just
 * @only_parent when given, else every entry.  A missing etc/mdevctl.d gives
 * TRUE with *out_dir NULL (nothing is defined). */
static gboolean
open_parent_names (VmdevRoot *root, const char *only_parent, VmdevDir **out_dir,
                   GPtrArray **out_names, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) local = NULL;

  *out_dir = NULL;
  *out_names = NULL;
  if (only_parent != NULL && !vmdev_name_check ("parent", only_parent, error))
    return FALSE;
  dir = vmdev_dir_open_if_exists (root, VMDEV_MDEV_DEF_DIR, &local);
  if (dir == NULL)
    {
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return TRUE;
    }
  if (only_parent != NULL)
    {
      *out_names = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (*out_names, g_strdup (only_parent));
    }
  else if ((*out_names = vmdev_dir_list (dir, error)) == NULL)
    return FALSE;
  *out_dir = g_steal_pointer (&dir);
  return TRUE;
}

static gboolean
list_definitions (VmdevRoot *root, const char *only_parent, const char *only_uuid,
                  VmdevMdevDefinitionFilter filter, gpointer user_data,
                  GPtrArray **out_defs, GPtrArray *warnings, GError **error)
{
  g_autoptr(GPtrArray) defs =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_mdev_definition_free);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;

  if (only_uuid != NULL && !vmdev_uuid_is_canonical (only_uuid))
    {
      char canonical[VMDEV_UUID_BUFSIZE];

      if (!vmdev_uuid_normalize (only_uuid, canonical, error))
        return FALSE;
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "UUID '%s' is not in canonical form", only_uuid);
      return FALSE;
    }
  if (!open_parent_names (root, only_parent, &dir, &names, error))
    return FALSE;
  if (dir == NULL)
    {
      *out_defs = g_steal_pointer (&defs);
      return TRUE;
    }

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(VmdevDir) pdir = NULL;
      GError *warning = NULL;

      if (strcmp (name, SCRIPTS_DIR) == 0 || (filter != NULL && !filter (name, NULL, user_data)))
        continue;
      if (!vmdev_name_check ("parent", name, &warning))
        {
          g_autofree char *path = vmdev_dir_child_path (dir, "");
          g_prefix_error (&warning, "reading mdev definitions: %s: ", path);
          add_warning (warnings, warning);
          continue;
        }
      pdir = vmdev_dir_open_at (dir, name, &warning);
      if (pdir == NULL)
        {
          /* Plain files beside the parent directories are ignored, as
           * mdevctl ignores them; a parent that vanished is simply gone. */
          if (vmdev_error_is_errno (warning, ENOTDIR) || vmdev_error_is_errno (warning, ENOENT))
            g_error_free (warning);
          else
            {
              g_prefix_error (&warning, "reading mdev definitions: ");
              add_warning (warnings, warning);
            }
          continue;
        }
      list_parent (pdir, name, only_uuid, filter, user_data, defs, warnings);
    }
  *out_defs = g_steal_pointer (&defs);
  return TRUE;
}

gboolean
vmdev_mdev_definitions_list (VmdevRoot *root, const char *only_parent, const char *only_uuid,
                             GPtrArray **out_defs, GPtrArray *warnings, GError **error)
{
  return list_definitions (root, only_parent, only_uuid, NULL, NULL, out_defs, warnings, error);
}

gboolean
vmdev_mdev_definitions_list_filtered (VmdevRoot *root, VmdevMdevDefinitionFilter filter,
                                      gpointer user_data, GPtrArray **out_defs,
                                      GPtrArray *warnings, GError **error)
{
  return list_definitions (root, NULL, NULL, filter, user_data, out_defs, warnings, error);
}

gboolean
vmdev_mdev_definition_find_parents (VmdevRoot *root, const char *uuid, const char *only_parent,
                                    GPtrArray **out_parents, GPtrArray *warnings,
                                    GError **error)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(VmdevDir) dir = NULL;

  if (!open_parent_names (root, only_parent, &dir, &names, error))
    return FALSE;
  if (dir == NULL)
    {
      *out_parents = g_steal_pointer (&parents);
      return TRUE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *rel = NULL;
      struct stat st;

      if (strcmp (name, SCRIPTS_DIR) == 0 || !vmdev_name_check ("parent", name, NULL))
        continue;
      rel = g_strdup_printf ("%s/%s", name, uuid);
      if (fstatat (dir->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        g_ptr_array_add (parents, g_strdup (name));
      else if (errno != ENOENT && errno != ENOTDIR)
        {
          int errsv = errno;
          g_autofree char *path = vmdev_dir_child_path (dir, rel);
          GError *warning = NULL;

          vmdev_error_from_errno (&warning, errsv, "looking for mdev definition", path);
          add_warning (warnings, warning);
        }
    }
  *out_parents = g_steal_pointer (&parents);
  return TRUE;
}

static gboolean
check_names (const char *parent, const char *uuid, GError **error)
{
  if (!vmdev_name_check ("parent", parent, error))
    return FALSE;
  if (!vmdev_uuid_is_canonical (uuid))
    {
      char canonical[VMDEV_UUID_BUFSIZE];

      if (!vmdev_uuid_normalize (uuid, canonical, error))
        return FALSE;
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "UUID '%s' is not in canonical form", uuid);
      return FALSE;
    }
  return TRUE;
}

gboolean
vmdev_mdev_definition_load (VmdevRoot *root, const char *parent, const char *uuid,
                            VmdevMdevDefinition **out_def, GError **error)
{
  g_autofree char *rel = NULL;
  g_autoptr(VmdevDir) pdir = NULL;
  g_autoptr(GError) local = NULL;
  gboolean missing;

  if (!check_names (parent, uuid, error))
    return FALSE;
  rel = g_strdup_printf (VMDEV_MDEV_DEF_DIR "/%s", parent);
  pdir = vmdev_dir_open_if_exists (root, rel, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (pdir == NULL)
    missing = TRUE;
  else if (read_definition (pdir, parent, uuid, out_def, &missing, error))
    return TRUE;
  if (missing)
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                 "mdev %s is not defined on parent %s", uuid, parent);
  return FALSE;
}

gboolean
vmdev_mdev_definition_save (VmdevRoot *root, const VmdevMdevDefinition *def, GError **error)
{
  g_autofree char *rel = NULL;
  g_autofree char *data = NULL;
  g_autoptr(VmdevDir) pdir = NULL;
  gsize len;

  if (!check_names (def->parent, def->uuid, error))
    return FALSE;
  if (!vmdev_name_check ("mdev type", def->mdev_type, error))
    return FALSE;
  rel = g_strdup_printf (VMDEV_MDEV_DEF_DIR "/%s", def->parent);
  if (!vmdev_root_mkdir_p (root, rel, 0755, error))
    return FALSE;
  pdir = vmdev_dir_open (root, rel, error);
  if (pdir == NULL)
    return FALSE;
  data = vmdev_mdev_definition_to_json (def, TRUE, &len);
  if (!vmdev_dir_write_atomic (pdir, def->uuid, data, len, 0644, error))
    {
      g_prefix_error (error, "saving mdev definition: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
vmdev_mdev_definition_delete (VmdevRoot *root, const char *parent, const char *uuid,
                              GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(VmdevDir) pdir = NULL;
  g_autoptr(GError) local = NULL;

  if (!check_names (parent, uuid, error))
    return FALSE;
  dir = vmdev_dir_open (root, VMDEV_MDEV_DEF_DIR, &local);
  if (dir != NULL)
    pdir = vmdev_dir_open_at (dir, parent, &local);
  if (pdir == NULL || !vmdev_dir_unlink (pdir, uuid, FALSE, &local))
    {
      if (vmdev_error_is_errno (local, ENOENT) || vmdev_error_is_errno (local, ENOTDIR))
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                       "mdev %s is not defined on parent %s", uuid, parent);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* An empty parent directory goes too (mdevctl leaves it behind). */
  if (unlinkat (dir->fd, parent, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY &&
      errno != EEXIST && errno != ENOENT)
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, parent);
      return vmdev_error_from_errno (error, errsv, "removing empty directory", path);
    }
  return TRUE;
}
