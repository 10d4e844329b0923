/* vmdev-cli-mdev-start.c: `mdev start`, `stop`, `start-parent-mdevs`: devices in sysfs. */
#include "cli/vmdev-cli-mdev.h"

#include "host/vmdev-host.h"
#include "util/vmdev-error.h"

#include <string.h>

int
vmdev_cli_mdev_start (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(VmdevMdevDefinition) def = NULL;
  g_autoptr(GError) error = NULL;
  char uuid[VMDEV_UUID_BUFSIZE];

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (args->uuid != NULL)
    g_strlcpy (uuid, args->uuid, sizeof uuid);
  else
    vmdev_uuid_generate (uuid);

  if (args->parent != NULL && (args->type != NULL || args->jsonfile != NULL))
    {
      /* Fully given on the command line: no definition is used. */
      def = vmdev_mdev_definition_new (uuid, args->parent, args->type);
      if (args->jsonfile != NULL && !vmdev_cli_mdev_read_jsonfile (args->jsonfile, def, &error))
        return vmdev_cli_mdev_fail (args, error);
    }
  else if (args->uuid != NULL)
    {
      g_autoptr(GPtrArray) warnings =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
      g_autoptr(GPtrArray) parents = NULL;

      if (!vmdev_mdev_definition_find_parents (root, uuid, args->parent, &parents, warnings,
                                               &error))
        {
          vmdev_cli_warn_all (args->cli, warnings);
          return vmdev_cli_mdev_fail (args, error);
        }
      vmdev_cli_warn_all (args->cli, warnings);
      if (parents->len == 0)
        return vmdev_cli_mdev_failf (args, "starting mdev: %s: not defined%s%s; give --parent "
                                     "and --type to start it without a definition", uuid,
                                     args->parent ? " on parent " : "",
                                     args->parent ? args->parent : "");
      if (parents->len > 1)
        return vmdev_cli_mdev_failf (args, "starting mdev: %s: defined on several parents; "
                                     "choose one with --parent", uuid);
      if (!vmdev_mdev_definition_load (root, g_ptr_array_index (parents, 0), uuid, &def, &error))
        return vmdev_cli_mdev_fail (args, error);
    }
  else
    return vmdev_cli_mdev_failf (args, "starting mdev: on parent %s: no type specified "
                                 "(--type), and no UUID of a definition (--uuid)",
                                 args->parent);

  if (args->uuid != NULL)
    {
      g_autoptr(VmdevMdev) running = NULL;

      /* As mdevctl: checked before `create`, which a driver may not refuse. */
      if (vmdev_host_find_mdev (root, uuid, &running, NULL))
        return vmdev_cli_mdev_failf (args, "starting mdev: %s: already running on parent %s "
                                     "as type %s", uuid, running->parent, running->type_id);
    }
  if (!vmdev_host_create_mdev (root, def->parent, def->mdev_type, uuid, def->attrs, &error))
    {
      g_prefix_error (&error, "starting mdev: %s: ", uuid);
      return vmdev_cli_mdev_fail (args, error);
    }
  if (args->uuid == NULL)
    printf ("%s\n", uuid);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_mdev_stop (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_host_remove_mdev (root, args->uuid, &error))
    {
      g_prefix_error (&error, "stopping mdev: %s: ", args->uuid);
      return vmdev_cli_mdev_fail (args, error);
    }
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_mdev_start_parent (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_mdev_definitions_list (root, args->positional, NULL, &defs, warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      return vmdev_cli_mdev_fail (args, error);
    }
  for (guint i = 0; i < defs->len; i++)
    {
      VmdevMdevDefinition *def = g_ptr_array_index (defs, i);
      g_autoptr(GError) local = NULL;

      if (!def->auto_start)
        continue;
      /* As mdevctl: one device that fails does not stop the others. */
      if (!vmdev_host_create_mdev (root, def->parent, def->mdev_type, def->uuid, def->attrs,
                                   &local))
        {
          g_prefix_error (&local, "starting mdev: %s: ", def->uuid);
          g_ptr_array_add (warnings, g_steal_pointer (&local));
        }
    }
  vmdev_cli_warn_all (args->cli, warnings);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}
