/* vmdev-cli-domain-define.c: `vmdev domain` commands that change definitions:
 * define, undefine, attach-device, detach-device (--config and --live). */
#include "cli/vmdev-cli-domain.h"

#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-hostdev.h"
#include "domain/vmdev-domain-hotplug.h"
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
  def = vmdev_cli_domain_read_definition (root, args->pos[0], TRUE, &had_uuid, &error);
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

/* Reads the <hostdev> of the file named on the command line. */
static VmdevHostdev *
read_hostdev (const char *path, GError **error)
{
  g_autofree char *xml = NULL;
  gsize len;
  VmdevHostdev *hostdev = NULL;

  if (!vmdev_cli_domain_read_file (path, &xml, &len, error) ||
      (hostdev = vmdev_hostdev_parse (xml, len, error)) == NULL)
    g_prefix_error (error, "%s: ", path);
  return hostdev;
}

/* The index of the hostdev of @def that @match names (source UUID, else
 * alias), or -1 with an error. */
static int
find_hostdev (const VmdevDomain *def, const VmdevHostdev *match, const char *file,
              GError **error)
{
  g_autofree char *what = NULL;

  if (match->uuid != NULL)
    {
      int i = vmdev_domain_find_hostdev_uuid (def, match->uuid);

      if (i >= 0)
        return i;
    }
  else if (match->info.alias != NULL)
    {
      for (guint i = 0; i < def->hostdevs->len; i++)
        if (g_strcmp0 (((VmdevHostdev *) g_ptr_array_index (def->hostdevs, i))->info.alias,
                       match->info.alias) == 0)
          return (int) i;
    }
  else
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "%s: a managed mdev without a UUID is found by its <alias name='ua-...'/>",
                   file);
      return -1;
    }
  what = vmdev_hostdev_describe (match);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND, "domain '%s' has no %s", def->name,
               what);
  return -1;
}

/* The --config part of attach-device: adds the hostdev of @file to the
 * persistent definition of @name; with @dry_run, only checks that it could. */
static gboolean
config_attach (VmdevRoot *root, const char *name, const char *file, gboolean dry_run,
               GError **error)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevHostdev) hostdev = read_hostdev (file, error);

  if (hostdev == NULL)
    return FALSE;
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (lock == NULL || (def = vmdev_cli_domain_load (root, name, error)) == NULL)
    return FALSE;
  if (hostdev->uuid != NULL && vmdev_domain_find_hostdev_uuid (def, hostdev->uuid) >= 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "mediated device %s is already attached to domain '%s'", hostdev->uuid,
                   def->name);
      return FALSE;
    }
  if (!vmdev_domain_add_hostdev (def, hostdev, error))
    {
      g_prefix_error (error, "%s: ", file);
      return FALSE;
    }
  hostdev = NULL;  /* owned by def */
  return dry_run || save (root, def, error);
}

/* The --config part of detach-device (see config_attach). */
static gboolean
config_detach (VmdevRoot *root, const char *name, const char *file, gboolean dry_run,
               GError **error)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevHostdev) match = read_hostdev (file, error);
  int found;

  if (match == NULL)
    return FALSE;
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (lock == NULL || (def = vmdev_cli_domain_load (root, name, error)) == NULL)
    return FALSE;
  found = find_hostdev (def, match, file, error);
  if (found < 0)
    return FALSE;
  g_ptr_array_remove_index (def->hostdevs, (guint) found);
  return dry_run || save (root, def, error);
}

/* attach-device and detach-device: --config alone (the default) changes the
 * persistent definition; --live the running domain; both: the persistent
 * change is checked first, made after the live one succeeded. */
static int
edit (VmdevDomainArgs *args, gboolean attach)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  const char *what = attach ? "attaching device" : "detaching device";
  const char *name = args->pos[0], *file = args->pos[1];
  gboolean config = args->config || !args->live;
  gboolean (*config_edit) (VmdevRoot *, const char *, const char *, gboolean, GError **) =
    attach ? config_attach : config_detach;

  if (args->timeout >= 0 && !args->live)
    return vmdev_cli_usage_error (args->cli, args->command, "option '--timeout' needs --live");
  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (args->live)
    {
      g_autoptr(VmdevHostdev) hostdev = read_hostdev (file, &error);
      /* --timeout 0: do not wait (1 ms); none: the default. */
      guint timeout_ms = args->timeout < 0 ? 0 : MAX ((guint) args->timeout * 1000, 1);

      if (hostdev == NULL || (config && !config_edit (root, name, file, TRUE, &error)))
        return vmdev_cli_domain_fail (args, what, error);
      if (attach ? !vmdev_domain_attach_live (root, name, g_steal_pointer (&hostdev), &error)
                 : !vmdev_domain_detach_live (root, name, hostdev, timeout_ms, &error))
        return vmdev_cli_domain_fail (args, what, error);
      if (config && !config_edit (root, name, file, FALSE, &error))
        {
          g_prefix_error (&error, "the running domain was changed, its persistent definition "
                          "was not: ");
          return vmdev_cli_domain_fail (args, what, error);
        }
    }
  else if (!config_edit (root, name, file, FALSE, &error))
    return vmdev_cli_domain_fail (args, what, error);
  printf ("Device %s successfully\n\n", attach ? "attached" : "detached");
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_attach (VmdevDomainArgs *args)
{
  return edit (args, TRUE);
}

int
vmdev_cli_domain_detach (VmdevDomainArgs *args)
{
  return edit (args, FALSE);
}
