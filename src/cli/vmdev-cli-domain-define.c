/* vmdev-cli-domain-define.c: `vmdev domain` commands that change definitions:
 * define, undefine, attach-device, detach-device (--config). */
#include "cli/vmdev-cli-domain.h"

#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-hostdev.h"
#include "store/vmdev-domain-def.h"
#include "util/vmdev-error.h"
#include "util/vmdev-lock.h"

#include <string.h>

/* Another domain with @uuid, or NULL. */
static char *
find_uuid_owner (VmdevRoot *root, const char *uuid, const char *except, GError **error)
{
  g_autoptr(GPtrArray) names = NULL;

  if (!vmdev_domain_def_list (root, &names, error))
    return NULL;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(VmdevDomain) other = NULL;
      g_autoptr(GError) e = NULL;

      if (strcmp (name, except) == 0)
        continue;
      other = vmdev_cli_domain_load (root, name, &e);
      if (other == NULL)
        {
          g_debug ("skipping domain '%s': %s", name, e->message);
          continue;
        }
      if (strcmp (other->uuid, uuid) == 0)
        return g_strdup (name);
    }
  return NULL;
}

static gboolean
save (VmdevRoot *root, const VmdevDomain *def, GError **error)
{
  g_autofree char *xml = vmdev_domain_format (def);

  return vmdev_domain_def_write (root, def->name, xml, strlen (xml), error);
}

int
vmdev_cli_domain_define (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevDomain) old = NULL;
  g_autoptr(VmdevLock) lock = NULL;
  g_autofree char *owner = NULL;
  gboolean had_uuid = FALSE;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  def = vmdev_cli_domain_read_definition (root, args->pos[0], &had_uuid, &error);
  if (def == NULL)
    return vmdev_cli_domain_fail (args, "defining domain", error);
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, &error);
  if (lock == NULL)
    return vmdev_cli_domain_fail (args, "defining domain", error);
  old = vmdev_cli_domain_load (root, def->name, &error);
  if (old == NULL && !g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
    return vmdev_cli_domain_fail (args, "defining domain", error);
  g_clear_error (&error);
  if (old != NULL)
    {
      /* As libvirt: a definition without a UUID keeps the domain's. */
      if (!had_uuid)
        memcpy (def->uuid, old->uuid, sizeof def->uuid);
      else if (strcmp (def->uuid, old->uuid) != 0)
        {
          g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                       "domain '%s' already exists with uuid %s", def->name, old->uuid);
          return vmdev_cli_domain_fail (args, "defining domain", error);
        }
    }
  owner = find_uuid_owner (root, def->uuid, def->name, &error);
  if (error != NULL)
    return vmdev_cli_domain_fail (args, "defining domain", error);
  if (owner != NULL)
    {
      g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "domain '%s' already exists with uuid %s", owner, def->uuid);
      return vmdev_cli_domain_fail (args, "defining domain", error);
    }
  if (!save (root, def, &error))
    return vmdev_cli_domain_fail (args, "defining domain", error);
  printf ("Domain '%s' defined from %s\n\n", def->name, args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_undefine (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevLock) lock = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, &error);
  if (lock == NULL || !vmdev_domain_def_delete (root, args->pos[0], &error))
    return vmdev_cli_domain_fail (args, "undefining domain", error);
  printf ("Domain '%s' has been undefined\n\n", args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

/* The shared part of attach and detach: the lock, the definition, the snippet. */
static int
edit_prepare (VmdevDomainArgs *args, const char *what, VmdevRoot *root, VmdevLock **out_lock,
              VmdevDomain **out_def, VmdevHostdev **out_hostdev)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  gsize len;

  if (args->live)
    {
      g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "domain '%s' is not running (--live needs a running domain)", args->pos[0]);
      return vmdev_cli_domain_fail (args, what, error);
    }
  if (!vmdev_cli_domain_read_file (args->pos[1], &xml, &len, &error) ||
      (*out_hostdev = vmdev_hostdev_parse (xml, len, &error)) == NULL)
    {
      g_prefix_error (&error, "%s: ", args->pos[1]);
      return vmdev_cli_domain_fail (args, what, error);
    }
  *out_lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, &error);
  if (*out_lock == NULL || (*out_def = vmdev_cli_domain_load (root, args->pos[0], &error)) == NULL)
    return vmdev_cli_domain_fail (args, what, error);
  return -1;
}

int
vmdev_cli_domain_attach (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevHostdev) hostdev = NULL;
  int status;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  status = edit_prepare (args, "attaching device", root, &lock, &def, &hostdev);
  if (status >= 0)
    return status;
  if (hostdev->uuid != NULL && vmdev_domain_find_hostdev_uuid (def, hostdev->uuid) >= 0)
    {
      g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "mediated device %s is already attached to domain '%s'", hostdev->uuid,
                   def->name);
      return vmdev_cli_domain_fail (args, "attaching device", error);
    }
  if (!vmdev_domain_add_hostdev (def, hostdev, &error))
    {
      g_prefix_error (&error, "%s: ", args->pos[1]);
      return vmdev_cli_domain_fail (args, "attaching device", error);
    }
  hostdev = NULL;  /* owned by def */
  if (!save (root, def, &error))
    return vmdev_cli_domain_fail (args, "attaching device", error);
  printf ("Device attached successfully\n\n");
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_detach (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevHostdev) hostdev = NULL;
  int status, found = -1;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  status = edit_prepare (args, "detaching device", root, &lock, &def, &hostdev);
  if (status >= 0)
    return status;
  if (hostdev->uuid != NULL)
    found = vmdev_domain_find_hostdev_uuid (def, hostdev->uuid);
  else
    for (guint i = 0; i < def->hostdevs->len && hostdev->info.alias != NULL; i++)
      if (g_strcmp0 (((VmdevHostdev *) g_ptr_array_index (def->hostdevs, i))->info.alias,
                     hostdev->info.alias) == 0)
        found = (int) i;
  if (found < 0)
    {
      g_autofree char *what = vmdev_hostdev_describe (hostdev);

      if (hostdev->uuid == NULL && hostdev->info.alias == NULL)
        g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                     "%s: a managed mdev without a UUID is found by its <alias name='ua-...'/>",
                     args->pos[1]);
      else
        g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                     "domain '%s' has no %s", def->name, what);
      return vmdev_cli_domain_fail (args, "detaching device", error);
    }
  g_ptr_array_remove_index (def->hostdevs, (guint) found);
  if (!save (root, def, &error))
    return vmdev_cli_domain_fail (args, "detaching device", error);
  printf ("Device detached successfully\n\n");
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}
