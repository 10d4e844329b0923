/* vmdev-cli-mdev-define.c: `mdev define`, `undefine`, `modify`: the persistent definitions. */
#include "cli/vmdev-cli-mdev.h"

#include "host/vmdev-host.h"
#include "util/vmdev-attr.h"
#include "util/vmdev-error.h"
#include "util/vmdev-lock.h"

#include "util/vmdev-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

gboolean
vmdev_cli_mdev_read_jsonfile (const char *path, VmdevMdevDefinition *def, GError **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_auto(VmdevFd) fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  char buf[8192];
  ssize_t n;

  if (fd < 0)
    {
      int errsv = errno;
      return vmdev_error_from_errno (error, errsv, "reading --jsonfile", path);
    }
  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          return vmdev_error_from_errno (error, errsv, "reading --jsonfile", path);
        }
      if (data->len + n > VMDEV_MDEV_DEF_MAX_SIZE)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                       "reading --jsonfile: %s: file is larger than %d bytes", path,
                       VMDEV_MDEV_DEF_MAX_SIZE);
          return FALSE;
        }
      g_string_append_len (data, buf, n);
    }
  if (!vmdev_mdev_definition_parse (def, data->str, data->len, path, error))
    {
      g_prefix_error (error, "reading --jsonfile: ");
      return FALSE;
    }
  /* Only what mdevctl takes from a jsonfile goes into the definition. */
  g_clear_pointer (&def->unknown, vmdev_json_free);
  return TRUE;
}

static VmdevLock *
take_lock (VmdevMdevArgs *args, VmdevRoot *root)
{
  g_autoptr(GError) error = NULL;
  VmdevLock *lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, &error);

  if (lock == NULL)
    vmdev_cli_mdev_fail (args, error);
  return lock;
}

int
vmdev_cli_mdev_define (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevMdevDefinition) def = NULL;
  g_autoptr(VmdevMdevDefinition) existing = NULL;
  g_autoptr(VmdevMdev) running = NULL;
  g_autoptr(GError) error = NULL;
  char uuid[VMDEV_UUID_BUFSIZE];
  const char *parent = args->parent;
  const char *type = args->type;

  if (root == NULL || (lock = take_lock (args, root)) == NULL)
    return VMDEV_EXIT_FAILURE;
  if (args->uuid != NULL)
    g_strlcpy (uuid, args->uuid, sizeof uuid);
  else
    vmdev_uuid_generate (uuid);

  /* As mdevctl: a running device gives its type, and its parent when none
   * is given, unless --type is given. */
  if (args->uuid != NULL && type == NULL && args->jsonfile == NULL)
    {
      if (vmdev_host_find_mdev (root, uuid, &running, &error))
        {
          type = running->type_id;
          if (parent == NULL)
            parent = running->parent;
        }
      else if (!g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        vmdev_cli_warn (args->cli, error);
      g_clear_error (&error);
    }

  if (parent == NULL)
    return vmdev_cli_mdev_failf (args, "defining mdev: %s: no parent specified (--parent)%s",
                                 uuid, args->jsonfile ? " for the --jsonfile" : "");
  def = vmdev_mdev_definition_new (uuid, parent, type);
  if (args->jsonfile != NULL)
    {
      if (!vmdev_cli_mdev_read_jsonfile (args->jsonfile, def, &error))
        return vmdev_cli_mdev_fail (args, error);
    }
  else
    {
      if (type == NULL)
        return vmdev_cli_mdev_failf (args, "defining mdev: %s: no type specified (--type)", uuid);
      def->auto_start = args->auto_start;
    }

  if (vmdev_mdev_definition_load (root, parent, uuid, &existing, &error) ||
      !g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
    return vmdev_cli_mdev_failf (args, "defining mdev: %s: already defined on parent %s",
                                 uuid, parent);
  g_clear_error (&error);

  if (!args->force)
    {
      g_autoptr(VmdevMdevType) mdev_type = NULL;

      if (!vmdev_host_read_type (root, parent, def->mdev_type, &mdev_type, &error))
        {
          g_prefix_error (&error, "defining mdev: %s: ", uuid);
          if (g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
            {
              GError *e = error;
              g_autofree char *old = e->message;
              e->message = g_strdup_printf ("%s (--force defines it anyway)", old);
            }
          return vmdev_cli_mdev_fail (args, error);
        }
    }

  if (!vmdev_mdev_definition_save (root, def, &error))
    return vmdev_cli_mdev_fail (args, error);
  if (args->uuid == NULL)
    printf ("%s\n", uuid);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

/* The parents on which @uuid is defined (--parent: only that one). */
static GPtrArray *
defined_parents (VmdevMdevArgs *args, VmdevRoot *root)
{
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  GPtrArray *parents = NULL;

  if (!vmdev_mdev_definition_find_parents (root, args->uuid, args->parent, &parents,
                                           warnings, &error))
    {
      vmdev_cli_warn_all (args->cli, warnings);
      vmdev_cli_mdev_fail (args, error);
      return NULL;
    }
  vmdev_cli_warn_all (args->cli, warnings);
  return parents;
}

static char *
join_parents (GPtrArray *parents)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < parents->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (parents, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

int
vmdev_cli_mdev_undefine (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(GPtrArray) parents = NULL;
  int status = VMDEV_EXIT_OK;

  if (root == NULL || (lock = take_lock (args, root)) == NULL ||
      (parents = defined_parents (args, root)) == NULL)
    return VMDEV_EXIT_FAILURE;
  if (parents->len == 0)
    {
      if (args->parent != NULL)
        return vmdev_cli_mdev_failf (args, "undefining mdev: %s: not defined on parent %s",
                                     args->uuid, args->parent);
      return vmdev_cli_mdev_failf (args, "undefining mdev: %s: not defined", args->uuid);
    }
  for (guint i = 0; i < parents->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!vmdev_mdev_definition_delete (root, g_ptr_array_index (parents, i), args->uuid, &error))
        status = vmdev_cli_mdev_fail (args, error);
    }
  return vmdev_cli_finish_output (args->cli, status);
}

int
vmdev_cli_mdev_modify (VmdevMdevArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(VmdevMdevDefinition) def = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL || (lock = take_lock (args, root)) == NULL ||
      (parents = defined_parents (args, root)) == NULL)
    return VMDEV_EXIT_FAILURE;
  if (parents->len == 0)
    {
      if (args->parent != NULL)
        return vmdev_cli_mdev_failf (args, "modifying mdev: %s: not defined on parent %s",
                                     args->uuid, args->parent);
      return vmdev_cli_mdev_failf (args, "modifying mdev: %s: not defined", args->uuid);
    }
  if (parents->len > 1)
    {
      g_autofree char *list = join_parents (parents);
      return vmdev_cli_mdev_failf (args, "modifying mdev: %s: defined on several parents (%s); "
                                   "choose one with --parent", args->uuid, list);
    }
  if (!vmdev_mdev_definition_load (root, g_ptr_array_index (parents, 0), args->uuid, &def, &error))
    return vmdev_cli_mdev_fail (args, error);

  if (args->type != NULL)
    {
      g_free (def->mdev_type);
      def->mdev_type = g_strdup (args->type);
    }
  if (args->addattr != NULL)
    {
      guint at = args->has_index ? args->index : def->attrs->len;

      if (at > def->attrs->len)
        return vmdev_cli_mdev_failf (args, "modifying mdev: %s: attribute index %u is invalid: "
                                     "the definition has %u attribute(s)",
                                     args->uuid, at, def->attrs->len);
      g_ptr_array_insert (def->attrs, at, vmdev_attr_new (args->addattr, args->value));
    }
  else if (args->delattr && (args->has_index || def->attrs->len > 0))
    {
      guint at = args->has_index ? args->index : def->attrs->len - 1;

      if (at >= def->attrs->len)
        return vmdev_cli_mdev_failf (args, "modifying mdev: %s: attribute index %u is invalid: "
                                     "the definition has %u attribute(s)",
                                     args->uuid, at, def->attrs->len);
      g_ptr_array_remove_index (def->attrs, at);
    }
  if (args->auto_start)
    def->auto_start = TRUE;
  if (args->manual)
    def->auto_start = FALSE;

  if (!vmdev_mdev_definition_save (root, def, &error))
    return vmdev_cli_mdev_fail (args, error);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}
