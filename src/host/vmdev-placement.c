/* vmdev-placement.c: the parent for a new managed mdev.  See
 * vmdev-placement.h. */
#include "host/vmdev-placement.h"

#include "host/vmdev-host.h"
#include "util/vmdev-error.h"

#include <string.h>

static gboolean
place_pinned (VmdevRoot *root, const char *type_id, const char *pinned, char **out_parent,
              GError **error)
{
  g_autoptr(VmdevMdevType) type = NULL;

  if (!vmdev_host_read_type (root, pinned, type_id, &type, error))
    return FALSE;
  if (type->available_instances == 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
                   "parent %s has no free instance of mdev type %s (available_instances is 0)",
                   pinned, type_id);
      return FALSE;
    }
  *out_parent = g_strdup (pinned);
  return TRUE;
}

gboolean
vmdev_host_place_mdev (VmdevRoot *root, const char *type_id, const char *pinned,
                       char **out_parent, GError **error)
{
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(GString) candidates = g_string_new (NULL);
  const char *best = NULL;
  guint best_used = G_MAXUINT;

  if (pinned != NULL)
    return place_pinned (root, type_id, pinned, out_parent, error);
  if (!vmdev_host_list_parents (root, NULL, &parents, NULL, error) ||
      !vmdev_host_list_mdevs (root, FALSE, &mdevs, NULL, error))
    return FALSE;
  /* Parents come sorted by name: the first of equals wins. */
  for (guint i = 0; i < parents->len; i++)
    {
      const VmdevParent *p = g_ptr_array_index (parents, i);
      const VmdevMdevType *t = NULL;
      guint used = 0;

      for (guint k = 0; k < p->types->len && t == NULL; k++)
        if (strcmp (((VmdevMdevType *) g_ptr_array_index (p->types, k))->id, type_id) == 0)
          t = g_ptr_array_index (p->types, k);
      if (t == NULL)
        continue;
      g_string_append_printf (candidates, "%s%s (%" G_GUINT64_FORMAT " free)",
                              candidates->len ? ", " : "", p->name, t->available_instances);
      if (t->available_instances == 0)
        continue;
      for (guint k = 0; k < mdevs->len; k++)
        if (strcmp (((VmdevMdev *) g_ptr_array_index (mdevs, k))->parent, p->name) == 0)
          used++;
      if (used < best_used)
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
