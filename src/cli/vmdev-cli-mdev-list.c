/* vmdev-cli-mdev-list.c: `mdev list` and `mdev types`, text and JSON as mdevctl 1.2 prints them. */
#include "cli/vmdev-cli-mdev.h"

#include "host/vmdev-host.h"
#include "store/vmdev-json-writer.h"
#include "util/vmdev-attr.h"
#include "util/vmdev-error.h"
#include "util/vmdev-uuid.h"

#include <stdio.h>
#include <string.h>

/* One line of a listing. */
typedef struct
{
  const char *uuid;
  const char *parent;
  const char *mdev_type;
  gboolean auto_start;
  GPtrArray *attrs;         /* VmdevAttr*, not owned; may be NULL */
  gboolean mark;            /* "(defined)" in the running list, "(active)" in the defined one */
} Entry;

static void
write_config_object (VmdevJsonWriter *w, const Entry *e)
{
  vmdev_mdev_config_write (w, e->mdev_type, e->auto_start, e->attrs, NULL);
}

/* @entries are sorted by parent.  mdevctl's shape: [{"<parent>": [{"<uuid>": {...}}, ...], ...}],
 * [] when empty, and only the configuration object when a UUID was asked
 * for and one device matched. */
static void
print_entries (VmdevMdevArgs *args, GArray *entries, gboolean defined_list)
{
  if (args->dumpjson)
    {
      g_autoptr(VmdevJsonWriter) w = vmdev_json_writer_new (TRUE);
      const char *json;
      gsize len;

      if (args->uuid != NULL && entries->len == 1)
        write_config_object (w, &g_array_index (entries, Entry, 0));
      else
        {
          vmdev_json_writer_begin_array (w);
          if (entries->len > 0)
            {
              vmdev_json_writer_begin_object (w);
              for (guint i = 0; i < entries->len; i++)
                {
                  const Entry *e = &g_array_index (entries, Entry, i);

                  if (i == 0 || strcmp (e->parent, g_array_index (entries, Entry, i - 1).parent) != 0)
                    {
                      if (i > 0)
                        vmdev_json_writer_end_array (w);
                      vmdev_json_writer_key (w, e->parent);
                      vmdev_json_writer_begin_array (w);
                    }
                  vmdev_json_writer_begin_object (w);
                  vmdev_json_writer_key (w, e->uuid);
                  write_config_object (w, e);
                  vmdev_json_writer_end_object (w);
                  /* Out in pieces of about 32 KiB: a listing of thousands of
                   * devices never sits whole in memory. */
                  vmdev_json_writer_get (w, &len);
                  if (len >= 32768)
                    vmdev_json_writer_flush (w, stdout);
                }
              vmdev_json_writer_end_array (w);
              vmdev_json_writer_end_object (w);
            }
          vmdev_json_writer_end_array (w);
        }
      json = vmdev_json_writer_get (w, NULL);
      fputs (json, stdout);
      fputc ('\n', stdout);
      return;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = &g_array_index (entries, Entry, i);

      printf ("%s %s %s %s%s\n", e->uuid, e->parent, e->mdev_type,
              e->auto_start ? "auto" : "manual",
              e->mark ? (defined_list ? " (active)" : " (defined)") : "");
      if (args->verbose && e->attrs != NULL && e->attrs->len > 0)
        {
          fputs ("  Attrs:\n", stdout);
          for (guint j = 0; j < e->attrs->len; j++)
            {
              VmdevAttr *attr = g_ptr_array_index (e->attrs, j);

              printf ("    @{%u}: {\"%s\":\"%s\"}\n", j, attr->name, attr->value);
            }
        }
    }
  /* mdevctl ends every text listing with an empty line. */
  fputc ('\n', stdout);
}

/* Running mdevs, limited to --uuid and --parent. */
static gboolean
running_mdevs (VmdevMdevArgs *args, VmdevRoot *root, GPtrArray **out, GPtrArray *warnings,
               GError **error)
{
  g_autoptr(GPtrArray) mdevs = NULL;

  if (args->uuid != NULL)
    {
      g_autoptr(GError) local = NULL;
      VmdevMdev *mdev = NULL;

      mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_mdev_free);
      if (vmdev_host_find_mdev (root, args->uuid, &mdev, &local))
        g_ptr_array_add (mdevs, mdev);
      else if (!g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        g_ptr_array_add (warnings, g_steal_pointer (&local));
    }
  else if (!vmdev_host_list_mdevs (root, FALSE, &mdevs, warnings, error))
    return FALSE;

  if (args->parent != NULL)
    for (guint i = mdevs->len; i-- > 0;)
      if (strcmp (((VmdevMdev *) g_ptr_array_index (mdevs, i))->parent, args->parent) != 0)
        g_ptr_array_remove_index (mdevs, i);
  *out = g_steal_pointer (&mdevs);
  return TRUE;
}

/* The running devices, for the definitions filter and the lookup after it. */
typedef struct
{
  GHashTable *by_uuid;      /* uuid -> VmdevMdev* (a UUID runs at most once) */
  GHashTable *parents;      /* the parents' names */
} Running;

/* The definitions the running listing needs: those of the running devices,
 * on the parent each runs on. */
static gboolean
is_running (const char *parent, const char *uuid, gpointer user_data)
{
  Running *running = user_data;
  VmdevMdev *mdev;

  if (uuid == NULL)
    return g_hash_table_contains (running->parents, parent);
  mdev = g_hash_table_lookup (running->by_uuid, uuid);
  return mdev != NULL && strcmp (mdev->parent, parent) == 0;
}

static int
list_running (VmdevMdevArgs *args, VmdevRoot *root)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GHashTable) by_uuid = g_hash_table_new (vmdev_uuid_hash, g_str_equal);
  g_autoptr(GHashTable) parents = g_hash_table_new (g_str_hash, g_str_equal);
  Running running = { by_uuid, parents };
  guint next_def = 0;
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_autoptr(GError) error = NULL;

  if (!running_mdevs (args, root, &mdevs, warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      return vmdev_cli_mdev_fail (args, error);
    }
  /* The definitions of the running devices, each read once: one listing of
   * each of their parents' directories, then a lookup per device. */
  for (guint i = 0; i < mdevs->len; i++)
    {
      VmdevMdev *mdev = g_ptr_array_index (mdevs, i);
      VmdevMdev *prev = i > 0 ? g_ptr_array_index (mdevs, i - 1) : NULL;

      g_hash_table_insert (by_uuid, mdev->uuid, mdev);
      /* (sorted by parent: each parent's first device adds it) */
      if (prev == NULL || strcmp (mdev->parent, prev->parent) != 0)
        g_hash_table_add (parents, mdev->parent);
    }
  if (mdevs->len > 0 &&
      !vmdev_mdev_definitions_list_filtered (root, is_running, &running, &defs, warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      return vmdev_cli_mdev_fail (args, error);
    }
  /* The devices and their definitions are both sorted by parent, then UUID:
   * each device's definition (on its parent), if any, is the next one. */
  for (guint i = 0; i < mdevs->len; i++)
    {
      VmdevMdev *mdev = g_ptr_array_index (mdevs, i);
      VmdevMdevDefinition *def = NULL;
      Entry e = { mdev->uuid, mdev->parent, mdev->type_id, FALSE, NULL, FALSE };

      for (; defs != NULL && next_def < defs->len; next_def++)
        {
          VmdevMdevDefinition *d = g_ptr_array_index (defs, next_def);
          int c = strcmp (d->parent, mdev->parent);

          if (c == 0)
            c = strcmp (d->uuid, mdev->uuid);
          if (c > 0)
            break;
          if (c == 0)
            {
              def = d;
              next_def++;
              break;
            }
        }

      /* As mdevctl: the definition on the same parent supplies the start
       * mode and the attributes -- and its type, even when the device runs
       * as another one (warned about). */
      if (def != NULL)
        {
          if (strcmp (def->mdev_type, mdev->type_id) != 0)
            {
              g_autoptr(GError) w =
                g_error_new (VMDEV_ERROR, VMDEV_ERROR_FAILED,
                             "mdev %s on %s runs as type %s but is defined as type %s; "
                             "listing the defined type, as mdevctl does",
                             mdev->uuid, mdev->parent, mdev->type_id, def->mdev_type);
              g_ptr_array_add (warnings, g_steal_pointer (&w));
            }
          e.mdev_type = def->mdev_type;
          e.auto_start = def->auto_start;
          e.attrs = def->attrs;
          e.mark = TRUE;
        }
      g_array_append_val (entries, e);
    }
  vmdev_cli_warn_all (args->cli, warnings);
  print_entries (args, entries, FALSE);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

static int
list_defined (VmdevMdevArgs *args, VmdevRoot *root)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(GHashTable) running = g_hash_table_new (vmdev_uuid_hash, g_str_equal);
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_autoptr(GError) error = NULL;

  if (!vmdev_mdev_definitions_list (root, args->parent, args->uuid, &defs, warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      return vmdev_cli_mdev_fail (args, error);
    }
  /* "(active)" only shows in the text listing: JSON needs no sysfs at all. */
  if (defs->len > 0 && !args->dumpjson)
    {
      if (!running_mdevs (args, root, &mdevs, warnings, &error))
        {
          vmdev_cli_warn_all (args->cli, warnings);
          return vmdev_cli_mdev_fail (args, error);
        }
      for (guint i = 0; i < mdevs->len; i++)
        {
          VmdevMdev *mdev = g_ptr_array_index (mdevs, i);
          g_hash_table_insert (running, mdev->uuid, mdev);
        }
    }
  for (guint i = 0; i < defs->len; i++)
    {
      VmdevMdevDefinition *def = g_ptr_array_index (defs, i);
      VmdevMdev *mdev = mdevs != NULL ? g_hash_table_lookup (running, def->uuid) : NULL;
      Entry e = { def->uuid, def->parent, def->mdev_type, def->auto_start, def->attrs, FALSE };

      /* "(active)": running on that parent as that type. */
      e.mark = mdev != NULL && strcmp (mdev->parent, def->parent) == 0 &&
               strcmp (mdev->type_id, def->mdev_type) == 0;
      g_array_append_val (entries, e);
    }
  vmdev_cli_warn_all (args->cli, warnings);
  print_entries (args, entries, TRUE);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_mdev_list (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  return args->defined ? list_defined (args, root) : list_running (args, root);
}

/* mdevctl shows name and description trimmed, lines joined with ", ". */
static char *
one_line (const char *s)
{
  g_autofree char *copy = g_strstrip (g_strdup (s));
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

  return g_strjoinv (", ", lines);
}

int
vmdev_cli_mdev_types (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJsonWriter) w = vmdev_json_writer_new (TRUE);

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_host_list_parents (root, args->parent, &parents, warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      return vmdev_cli_mdev_fail (args, error);
    }
  vmdev_cli_warn_all (args->cli, warnings);

  vmdev_json_writer_begin_array (w);
  if (args->dumpjson && parents->len > 0)
    vmdev_json_writer_begin_object (w);
  for (guint i = 0; i < parents->len; i++)
    {
      VmdevParent *parent = g_ptr_array_index (parents, i);

      if (args->dumpjson)
        {
          vmdev_json_writer_key (w, parent->name);
          vmdev_json_writer_begin_array (w);
        }
      else
        printf ("%s\n", parent->name);
      for (guint j = 0; j < parent->types->len; j++)
        {
          VmdevMdevType *type = g_ptr_array_index (parent->types, j);
          g_autofree char *name = type->name ? one_line (type->name) : NULL;
          g_autofree char *description = type->description ? one_line (type->description) : NULL;
          g_autofree char *device_api = g_strstrip (g_strdup (type->device_api));

          if (!args->dumpjson)
            {
              printf ("  %s\n"
                      "    Available instances: %" G_GUINT64_FORMAT "\n"
                      "    Device API: %s\n",
                      type->id, type->available_instances, device_api);
              if (name != NULL && *name != '\0')
                printf ("    Name: %s\n", name);
              if (description != NULL && *description != '\0')
                printf ("    Description: %s\n", description);
              continue;
            }
          vmdev_json_writer_begin_object (w);
          vmdev_json_writer_key (w, type->id);
          vmdev_json_writer_begin_object (w);
          vmdev_json_writer_key (w, "available_instances");
          vmdev_json_writer_uint (w, type->available_instances);
          vmdev_json_writer_key (w, "device_api");
          vmdev_json_writer_string (w, device_api);
          if (name != NULL && *name != '\0')
            {
              vmdev_json_writer_key (w, "name");
              vmdev_json_writer_string (w, name);
            }
          if (description != NULL && *description != '\0')
            {
              vmdev_json_writer_key (w, "description");
              vmdev_json_writer_string (w, description);
            }
          vmdev_json_writer_end_object (w);
          vmdev_json_writer_end_object (w);
        }
      if (args->dumpjson)
        vmdev_json_writer_end_array (w);
    }
  if (args->dumpjson)
    {
      if (parents->len > 0)
        vmdev_json_writer_end_object (w);
      vmdev_json_writer_end_array (w);
      printf ("%s\n", vmdev_json_writer_get (w, NULL));
    }
  else
    fputc ('\n', stdout);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}
