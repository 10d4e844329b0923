/* vmdev-domain-def.c: domain definition files (see vmdev-domain-def.h). */
#include "store/vmdev-domain-def.h"

#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-name.h"

#include <errno.h>
#include <string.h>

static char *
file_name (const char *name, GError **error)
{
  if (!vmdev_name_check ("domain", name, error))
    return NULL;
  if (strlen (name) > VMDEV_NAME_MAX - 4)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "invalid domain name: '%s': longer than %d bytes", name, VMDEV_NAME_MAX - 4);
      return NULL;
    }
  return g_strconcat (name, ".xml", NULL);
}

static gboolean
not_found (GError **error, const char *name)
{
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
               "domain '%s' is not defined ('vmdev domain list --all' lists the domains)", name);
  return FALSE;
}

/* Turns a missing file or directory into "domain not defined". */
static gboolean
fail_not_found_or (GError **error, GError *local, const char *name)
{
  if (vmdev_error_is_errno (local, ENOENT))
    {
      g_error_free (local);
      return not_found (error, name);
    }
  g_propagate_error (error, local);
  return FALSE;
}

gboolean
vmdev_domain_def_read (VmdevRoot *root, const char *name, char **out_xml, gsize *out_len,
                       GError **error)
{
  g_autofree char *file = file_name (name, error);
  g_autoptr(VmdevDir) dir = NULL;
  GError *local = NULL;

  if (file == NULL)
    return FALSE;
  dir = vmdev_dir_open (root, VMDEV_DOMAIN_DEF_DIR, &local);
  if (dir == NULL ||
      !vmdev_dir_read (dir, file, VMDEV_DOMAIN_DEF_MAX_SIZE, out_xml, out_len, &local))
    return fail_not_found_or (error, local, name);
  return TRUE;
}

gboolean
vmdev_domain_def_write (VmdevRoot *root, const char *name, const char *xml, gsize len,
                        GError **error)
{
  g_autofree char *file = file_name (name, error);
  g_autoptr(VmdevDir) dir = NULL;

  if (file == NULL || !vmdev_root_mkdir_p (root, VMDEV_DOMAIN_DEF_DIR, 0755, error))
    return FALSE;
  dir = vmdev_dir_open (root, VMDEV_DOMAIN_DEF_DIR, error);
  return dir != NULL && vmdev_dir_write_atomic (dir, file, xml, len, 0600, error);
}

gboolean
vmdev_domain_def_delete (VmdevRoot *root, const char *name, GError **error)
{
  g_autofree char *file = file_name (name, error);
  g_autoptr(VmdevDir) dir = NULL;
  GError *local = NULL;

  if (file == NULL)
    return FALSE;
  dir = vmdev_dir_open (root, VMDEV_DOMAIN_DEF_DIR, &local);
  if (dir == NULL || !vmdev_dir_unlink (dir, file, FALSE, &local))
    return fail_not_found_or (error, local, name);
  return TRUE;
}

gboolean
vmdev_domain_def_list (VmdevRoot *root, GPtrArray **out_names, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GError) local = NULL;

  dir = vmdev_dir_open_if_exists (root, VMDEV_DOMAIN_DEF_DIR, &local);
  if (dir == NULL)
    {
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      *out_names = g_steal_pointer (&names);
      return TRUE;
    }
  files = vmdev_dir_list (dir, error);
  if (files == NULL)
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = g_ptr_array_index (files, i);
      g_autofree char *name = NULL;

      if (!g_str_has_suffix (f, ".xml") || f[0] == '.')
        continue;
      name = g_strndup (f, strlen (f) - 4);
      if (vmdev_name_check ("domain", name, NULL))
        g_ptr_array_add (names, g_steal_pointer (&name));
    }
  *out_names = g_steal_pointer (&names);
  return TRUE;
}
