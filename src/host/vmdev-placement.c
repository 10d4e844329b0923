/* vmdev-placement.c: the parent for a new managed mdev.  See
 * vmdev-placement.h. */
#include "host/vmdev-placement.h"

#include "host/vmdev-host.h"
#include "util/vmdev-error.h"

#include <string.h>

struct _VmdevPlacement
{
  VmdevRoot *root;
  GPtrArray *parents;   /* VmdevParent*, sorted by name; NULL until the first choice */
  GHashTable *used;     /* parent name -> number of mdevs (GUINT_TO_POINTER) */
};

VmdevPlacement *
vmdev_placement_new (VmdevRoot *root)
{
  VmdevPlacement *pl = g_new0 (VmdevPlacement, 1);

  pl->root = root;
  pl->used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return pl;
}

void
vmdev_placement_free (VmdevPlacement *pl)
{
  if (pl == NULL)
    return;
  if (pl->parents != NULL)
    g_ptr_array_unref (pl->parents);
  g_hash_table_unref (pl->used);
  g_free (pl);
}

static gboolean
snapshot (VmdevPlacement *pl, GError **error)
{
  g_autoptr(GPtrArray) mdevs = NULL;

  if (pl->parents != NULL)
    return TRUE;
  if (!vmdev_host_list_parents (pl->root, NULL, &pl->parents, NULL, error) ||
      !vmdev_host_list_mdevs (pl->root, FALSE, &mdevs, NULL, error))
    return FALSE;
  for (guint i = 0; i < mdevs->len; i++)
    {
      const char *parent = ((VmdevMdev *) g_ptr_array_index (mdevs, i))->parent;
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (pl->used, parent));

      g_hash_table_replace (pl->used, g_strdup (parent), GUINT_TO_POINTER (n + 1));
    }
  return TRUE;
}

static VmdevParent *
find_parent (VmdevPlacement *pl, const char *name)
{
  for (guint i = 0; i < pl->parents->len; i++)
    if (strcmp (((VmdevParent *) g_ptr_array_index (pl->parents, i))->name, name) == 0)
      return g_ptr_array_index (pl->parents, i);
  return NULL;
}

static VmdevMdevType *
find_type (const VmdevParent *p, const char *type_id)
{
  for (guint k = 0; k < p->types->len; k++)
    if (strcmp (((VmdevMdevType *) g_ptr_array_index (p->types, k))->id, type_id) == 0)
      return g_ptr_array_index (p->types, k);
  return NULL;
}

void
vmdev_placement_created (VmdevPlacement *pl, const char *parent, int delta)
{
  VmdevParent *p;
  guint n;

  if (pl->parents == NULL || (p = find_parent (pl, parent)) == NULL)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (pl->used, parent));
  g_hash_table_replace (pl->used, g_strdup (parent),
                        GUINT_TO_POINTER (delta < 0 && n == 0 ? 0 : n + delta));
  for (guint k = 0; k < p->types->len; k++)
    {
      VmdevMdevType *t = g_ptr_array_index (p->types, k);
      g_autoptr(VmdevMdevType) fresh = NULL;

      if (vmdev_host_read_type (pl->root, parent, t->id, &fresh, NULL))
        t->available_instances = fresh->available_instances;
    }
}

gboolean
vmdev_placement_choose (VmdevPlacement *pl, const char *type_id, const char *pinned,
                        char **out_parent, GError **error)
{
  g_autoptr(GString) candidates = g_string_new (NULL);
  const char *best = NULL;
  guint best_used = G_MAXUINT;

  if (pinned != NULL)
    {
      g_autoptr(VmdevMdevType) type = NULL;

      if (!vmdev_host_read_type (pl->root, pinned, type_id, &type, error))
        return FALSE;
      if (type->available_instances == 0)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
                       "parent %s has no free instance of mdev type %s (available_instances "
                       "is 0)", pinned, type_id);
          return FALSE;
        }
      *out_parent = g_strdup (pinned);
      return TRUE;
    }
  if (!snapshot (pl, error))
    return FALSE;
  /* Parents come sorted by name: the first of equals wins. */
  for (guint i = 0; i < pl->parents->len; i++)
    {
      const VmdevParent *p = g_ptr_array_index (pl->parents, i);
      const VmdevMdevType *t = find_type (p, type_id);
      guint used;

      if (t == NULL)
        continue;
      g_string_append_printf (candidates, "%s%s (%" G_GUINT64_FORMAT " free)",
                              candidates->len ? ", " : "", p->name, t->available_instances);
      used = GPOINTER_TO_UINT (g_hash_table_lookup (pl->used, p->name));
      if (t->available_instances > 0 && used < best_used)
        {
          best = p->name;
          best_used = used;
        }
    }
  if (best != NULL)
    {
      *out_parent = g_strdup (best);
      return TRUE;
    }
  if (candidates->len == 0)
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                 "no parent offers mdev type %s (see 'vmdev mdev types')", type_id);
  else
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
                 "no parent has a free instance of mdev type %s; candidates: %s", type_id,
                 candidates->str);
  return FALSE;
}
