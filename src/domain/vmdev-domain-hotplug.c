/* vmdev-domain-hotplug.c: attach-device and detach-device --live.  See
 * vmdev-domain-hotplug.h and docs/lifecycle.md. */
#include "domain/vmdev-domain-hotplug.h"

#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-hostdev.h"
#include "domain/vmdev-domain-live.h"
#include "domain/vmdev-domain-prepare.h"
#include "domain/vmdev-domain-run.h"
#include "domain/vmdev-domain-status.h"
#include "qemu/vmdev-qemu-command.h"
#include "qemu/vmdev-qmp.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
#include "util/vmdev-json-string.h"
#include "util/vmdev-lock.h"
#include "util/vmdev-name.h"

#include <stdio.h>
#include <string.h>

/* Takes the global lock and reads the status of @name, which must be
 * running; opens its runtime directory. */
static gboolean
lock_running (VmdevRoot *root, const char *name, VmdevLock **out_lock,
              VmdevDomainStatus **out_st, VmdevDir **out_dir, GError **error)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDomainStatus) st = NULL;
  GError *local = NULL;

  if (!vmdev_name_check ("domain name", name, error))
    return FALSE;
  *out_lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (*out_lock == NULL)
    return FALSE;
  /* First: reconcile may settle a pending hotplug, which rewrites the status. */
  vmdev_domain_reconcile_claims (root);
  st = vmdev_domain_status_read (root, name, &local);
  if (st == NULL || !vmdev_domain_status_alive (st))
    {
      if (local != NULL)
        g_propagate_error (error, local);
      else
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                     "domain '%s' is not running (--live needs a running domain)", name);
      return FALSE;
    }
  *out_dir = vmdev_dir_open (root, rel, error);
  if (*out_dir == NULL)
    return FALSE;
  *out_st = g_steal_pointer (&st);
  return TRUE;
}

/* The next QEMU id for a hot-plugged hostdev: "hostdevN" past every one in use. */
static char *
next_hostdev_id (const VmdevDomainStatus *st)
{
  guint next = st->hostdevs->len;

  for (guint i = 0; i < st->hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (st->hostdevs, i);
      guint64 n;

      if (g_str_has_prefix (h->alias, "hostdev") &&
          g_ascii_string_to_unsigned (h->alias + strlen ("hostdev"), 10, 0, G_MAXUINT - 1, &n,
                                      NULL))
        next = MAX (next, (guint) n + 1);
    }
  return g_strdup_printf ("hostdev%u", next);
}

static gboolean
alias_in_use (const VmdevDomainStatus *st, const char *id)
{
  for (guint i = 0; i < st->hostdevs->len; i++)
    if (strcmp (((VmdevDomainStatusHostdev *) g_ptr_array_index (st->hostdevs, i))->alias,
                id) == 0)
      return TRUE;
  return FALSE;
}

static VmdevJson *
device_del (VmdevQmp *qmp, const char *id, GError **error)
{
  g_autoptr(GString) args = g_string_new ("{\"id\":");

  vmdev_json_string_append (args, id, VMDEV_JSON_STRING_ESCAPE_DEL);
  g_string_append_c (args, '}');
  return vmdev_qmp_execute_json (qmp, "device_del", args->str, error);
}

/* Takes the record of @uuid out of @st and @live again and writes both
 * (best effort: reconcile resolves a pending record left behind). */
static void
forget_record (VmdevDir *dir, VmdevDomainStatus *st, VmdevDomain *live, const char *uuid)
{
  int si = vmdev_domain_status_find_hostdev (st, uuid);
  int li = vmdev_domain_find_hostdev_uuid (live, uuid);

  if (si >= 0)
    g_ptr_array_remove_index (st->hostdevs, (guint) si);
  if (li >= 0)
    g_ptr_array_remove_index (live->hostdevs, (guint) li);
  if (!vmdev_domain_status_write (dir, st, NULL) || !vmdev_domain_live_write (dir, live, NULL))
    g_warning ("could not take the record of mediated device %s back: reconcile does", uuid);
}

/* Undoes a prepare after a failure; FALSE for the caller to return. */
static gboolean
release_failed (VmdevRoot *root, const VmdevPrepared *prepared)
{
  g_autoptr(GError) error = NULL;

  if (!vmdev_domain_release_claim (root, prepared->uuid, &error))
    g_warning ("%s", error->message);
  return FALSE;
}

gboolean
vmdev_domain_attach_live (VmdevRoot *root, const char *name, VmdevHostdev *hostdev_in,
                          GError **error)
{
  g_autoptr(VmdevHostdev) hostdev = hostdev_in;
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(VmdevDomain) live = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *what = vmdev_hostdev_describe (hostdev_in);
  g_autofree char *id = NULL, *props = NULL;
  g_auto(VmdevPrepared) prepared = { 0 };
  g_auto(VmdevPrepareContext) ctx = { 0 };
  const VmdevHostdev *added;
  VmdevDomainStatusHostdev *sh;
  guint n_controllers;

  if (!lock_running (root, name, &lock, &st, &dir, error))
    return FALSE;
  if (hostdev->ramfb == VMDEV_TRI_YES)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "%s: a device with ramfb='on' (vfio-pci-nohotplug) cannot be hot-plugged; "
                   "attach it with --config and restart the domain", what);
      return FALSE;
    }
  live = vmdev_domain_live_read (root, name, error);
  if (live == NULL)
    return FALSE;
  if (hostdev->uuid != NULL && vmdev_domain_find_hostdev_uuid (live, hostdev->uuid) >= 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "mediated device %s is already attached to domain '%s'", hostdev->uuid, name);
      return FALSE;
    }
  if (hostdev->info.alias != NULL && alias_in_use (st, hostdev->info.alias))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "%s: domain '%s' has a device with the alias '%s' already", what, name,
                   hostdev->info.alias);
      return FALSE;
    }
  /* DESIGN.md §7 steps 1-2: claim, create (managed), check. */
  if (!vmdev_prepare_context_init (&ctx, root, live->uuid, st->mcs, error))
    return FALSE;
  ctx.live = TRUE;  /* the domain's cgroup and /dev exist: the group goes in at once */
  ctx.qemu_pid = st->pid;
  if (!vmdev_domain_prepare_hostdev (root, live, hostdev, &ctx, &prepared, error))
    return FALSE;
  if (hostdev->uuid == NULL)
    hostdev->uuid = g_strdup (prepared.uuid);
  g_clear_pointer (&what, g_free);
  what = vmdev_hostdev_describe (hostdev);
  n_controllers = live->controllers->len;
  if (!vmdev_domain_add_hostdev (live, hostdev, error))
    return release_failed (root, &prepared);
  added = g_steal_pointer (&hostdev);  /* owned by live */
  if (live->controllers->len != n_controllers)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
                   "%s: domain '%s' has no free hot-pluggable PCI slot (a new controller would "
                   "be needed); add a pcie-root-port or pci-bridge to its definition and "
                   "restart it", what, name);
      return release_failed (root, &prepared);
    }
  id = added->info.alias != NULL ? g_strdup (added->info.alias) : next_hostdev_id (st);
  props = vmdev_qemu_hostdev_props (live, live->hostdevs->len - 1, NULL, id, error);
  if (props == NULL)
    return release_failed (root, &prepared);
  g_debug ("domain '%s': device_add %s", name, props);
  qmp = vmdev_qmp_connect_at (dir, VMDEV_QEMU_COMMAND_SOCKET, VMDEV_DOMAIN_QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return release_failed (root, &prepared);
  /* Recorded (pending) before QEMU gets it: if this command dies after the
   * device_add, reconcile finds the record and asks QEMU whether it has the
   * device (vmdev_domain_hotplug_resolve_pending()). */
  sh = vmdev_domain_status_hostdev_new (added->uuid, id, added->managed == VMDEV_TRI_YES,
                                        prepared.iommu_group);
  sh->created_by_vmdev = prepared.created_by_vmdev;
  sh->pending = TRUE;
  g_ptr_array_add (st->hostdevs, sh);
  if (!vmdev_domain_status_write (dir, st, error) || !vmdev_domain_live_write (dir, live, error))
    {
      forget_record (dir, st, live, added->uuid);
      return release_failed (root, &prepared);
    }
  vmdev_qmp_set_timeout (qmp, VMDEV_DOMAIN_DEVICE_ADD_TIMEOUT_MS);
  ret = vmdev_qmp_execute_json (qmp, "device_add", props, &local);
  if (ret == NULL)
    {
      vmdev_domain_log_append (root, name, "attach-device: device_add of %s failed: %s", what,
                               local->message);
      /* A timed-out device_add may still complete: the pending record stays
       * for reconcile, which asks QEMU. */
      if (!g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT))
        {
          forget_record (dir, st, live, added->uuid);
          release_failed (root, &prepared);
        }
      /* Without ACPI, i440fx's pci.0 has no hotplug controller. */
      g_set_error (error, VMDEV_ERROR, local->code, "%s: QEMU did not add it to domain '%s': %s%s",
                   what, name, local->message,
                   g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT)
                   ? " (the next vmdev command asks QEMU whether it has the device)"
                   : !live->feature_acpi && strstr (local->message, "does not support hotplugging")
                   ? " (PCI hotplug needs <features><acpi/></features> in the domain)" : "");
      return FALSE;
    }
  sh->pending = FALSE;
  if (!vmdev_domain_status_write (dir, st, &local))
    g_warning ("%s (reconcile confirms the device later)", local->message);
  g_clear_error (&local);
  if (!vmdev_domain_claim_set_state (root, added->uuid, VMDEV_CLAIM_ACTIVE, &local))
    g_warning ("%s", local->message);
  vmdev_domain_log_append (root, name, "attach-device: %s hot-plugged as %s", what, id);
  return TRUE;
}

/* The index in @live of the hostdev @match names (by UUID, else alias), or -1. */
static int
find_hostdev (const VmdevDomain *live, const VmdevHostdev *match)
{
  if (match->uuid != NULL)
    return vmdev_domain_find_hostdev_uuid (live, match->uuid);
  for (guint i = 0; i < live->hostdevs->len && match->info.alias != NULL; i++)
    if (g_strcmp0 (((VmdevHostdev *) g_ptr_array_index (live->hostdevs, i))->info.alias,
                   match->info.alias) == 0)
      return (int) i;
  return -1;
}

/* Removes the hostdev known to QEMU as @id from @st and @live and writes
 * both; *@found says whether there was one. */
static gboolean
forget_locked (VmdevRoot *root, VmdevDir *dir, VmdevDomainStatus *st, VmdevDomain *live,
               const char *id, gboolean *found, GError **error)
{
  const VmdevDomainStatusHostdev *sh = NULL;
  g_autofree char *uuid = NULL;
  guint si = 0;
  int li;

  *found = FALSE;
  for (si = 0; si < st->hostdevs->len; si++)
    {
      sh = g_ptr_array_index (st->hostdevs, si);
      if (strcmp (sh->alias, id) == 0)
        break;
    }
  if (si == st->hostdevs->len)
    return TRUE;
  *found = TRUE;
  li = vmdev_domain_find_hostdev_uuid (live, sh->uuid);
  if (li >= 0)
    {
      g_ptr_array_remove_index (live->hostdevs, (guint) li);
      if (!vmdev_domain_live_write (dir, live, error))
        return FALSE;
    }
  uuid = g_strdup (sh->uuid);
  g_ptr_array_remove_index (st->hostdevs, si);
  if (!vmdev_domain_status_write (dir, st, error))
    return FALSE;
  /* QEMU let go of the device: what was done for it is undone. */
  return vmdev_domain_release_claim (root, uuid, error);
}

static gboolean
unplug_wait_failed (VmdevRoot *root, const char *name, const char *what, guint timeout_ms,
                    const GError *local, GError **error)
{
  vmdev_domain_log_append (root, name, "detach-device: device_del of %s sent; no DEVICE_DELETED "
                           "within %u ms: %s", what, timeout_ms, local->message);
  if (g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT))
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                 "%s: the guest of domain '%s' did not release it within %u s (it needs a "
                 "guest OS that ejects the device); it stays attached, and is released if "
                 "the guest ejects it later", what, name, timeout_ms / 1000);
  else
    g_set_error (error, VMDEV_ERROR, local->code, "%s: waiting for domain '%s' to release it: %s",
                 what, name, local->message);
  return FALSE;
}

gboolean
vmdev_domain_detach_live (VmdevRoot *root, const char *name, const VmdevHostdev *match,
                          guint timeout_ms, GError **error)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(VmdevDomain) live = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(VmdevQmpEvent) ev = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *what = vmdev_hostdev_describe (match);
  g_autofree char *id = NULL;
  const VmdevHostdev *h;
  gboolean found;
  int index, si;

  if (timeout_ms == 0)
    timeout_ms = VMDEV_DOMAIN_UNPLUG_TIMEOUT_MS;
  if (!lock_running (root, name, &lock, &st, &dir, error))
    return FALSE;
  live = vmdev_domain_live_read (root, name, error);
  if (live == NULL)
    return FALSE;
  index = find_hostdev (live, match);
  if (index < 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND, "domain '%s' has no %s", name,
                   what);
      return FALSE;
    }
  h = g_ptr_array_index (live->hostdevs, index);
  g_clear_pointer (&what, g_free);
  what = vmdev_hostdev_describe (h);
  if (h->ramfb == VMDEV_TRI_YES)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "%s: a device with ramfb='on' (vfio-pci-nohotplug) cannot be hot-unplugged; "
                   "detach it with --config and restart the domain", what);
      return FALSE;
    }
  si = vmdev_domain_status_find_hostdev (st, h->uuid);
  id = si >= 0 ? g_strdup (((VmdevDomainStatusHostdev *) g_ptr_array_index (st->hostdevs, si))->alias)
               : vmdev_qemu_hostdev_id (live, (guint) index);
  qmp = vmdev_qmp_connect_at (dir, VMDEV_QEMU_COMMAND_SOCKET, VMDEV_DOMAIN_QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return FALSE;
  ret = device_del (qmp, id, &local);
  if (ret == NULL)
    {
      g_autofree char *klass = vmdev_qmp_error_class (local);

      /* An unplug requested before (an earlier detach that timed out): wait
       * for the guest again, as if this one had asked. */
      if (strstr (local->message, "already in the process of unplug") != NULL)
        {
          g_debug ("domain '%s': %s: waiting for the guest", name, local->message);
          g_clear_error (&local);
          ev = vmdev_qmp_wait_event (qmp, "DEVICE_DELETED", "device", id, timeout_ms, &local);
          if (ev == NULL)
            return unplug_wait_failed (root, name, what, timeout_ms, local, error);
        }
      /* QEMU has no such device any more: the guest released it already. */
      else if (g_strcmp0 (klass, "DeviceNotFound") != 0)
        {
          g_set_error (error, VMDEV_ERROR, local->code,
                       "%s: QEMU did not start removing it from domain '%s': %s", what, name,
                       local->message);
          return FALSE;
        }
      g_debug ("domain '%s': device_del %s: %s: forgetting it", name, id, local->message);
    }
  else
    {
      ev = vmdev_qmp_wait_event (qmp, "DEVICE_DELETED", "device", id, timeout_ms, &local);
      if (ev == NULL)
        return unplug_wait_failed (root, name, what, timeout_ms, local, error);
    }
  vmdev_domain_log_append (root, name, "detach-device: %s released by the guest", what);
  if (si < 0)
    {
      /* Not in the status (written by an older vmdev): only the definition. */
      g_autofree char *uuid = g_strdup (h->uuid);

      g_ptr_array_remove_index (live->hostdevs, (guint) index);
      return vmdev_domain_live_write (dir, live, error) &&
             (uuid == NULL || vmdev_domain_release_claim (root, uuid, error));
    }
  return forget_locked (root, dir, st, live, id, &found, error);
}

gboolean
vmdev_domain_hotplug_forget (VmdevRoot *root, const char *name, pid_t qemu_pid, const char *id,
                             gboolean *found, GError **error)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(VmdevDomain) live = NULL;

  *found = FALSE;
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (lock == NULL)
    return FALSE;
  st = vmdev_domain_status_read (root, name, error);
  if (st == NULL)
    return error == NULL || *error == NULL;
  if (qemu_pid > 0 && st->pid != qemu_pid)
    return TRUE;
  dir = vmdev_dir_open (root, rel, error);
  live = dir != NULL ? vmdev_domain_live_read (root, name, error) : NULL;
  if (live == NULL)
    return FALSE;
  return forget_locked (root, dir, st, live, id, found, error);
}

/* The ids of the devices QEMU has (qom-list /machine/peripheral), or NULL
 * when it does not answer. */
static GHashTable *
qemu_device_ids (VmdevDir *dir, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmp) qmp = vmdev_qmp_connect_at (dir, VMDEV_QEMU_COMMAND_SOCKET,
                                                  VMDEV_DOMAIN_QMP_TIMEOUT_MS, &error);
  g_autoptr(VmdevJson) ret = NULL;
  GHashTable *ids;

  if (qmp != NULL)
    ret = vmdev_qmp_execute_json (qmp, "qom-list", "{\"path\":\"/machine/peripheral\"}",
                                  &error);
  if (ret == NULL || ret->type != VMDEV_JSON_ARRAY)
    {
      g_warning ("domain '%s': cannot ask QEMU which devices it has: %s", name,
                 error != NULL ? error->message : "qom-list did not return a list");
      return NULL;
    }
  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < ret->items->len; i++)
    {
      /* Each entry is an object {"name": ..., "type": ...}; anything else has no id. */
      const char *id = vmdev_json_get_string (g_ptr_array_index (ret->items, i), "name", NULL);

      if (id != NULL)
        g_hash_table_add (ids, g_strdup (id));
    }
  return ids;
}

void
vmdev_domain_hotplug_resolve_pending (VmdevRoot *root, const char *name)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDomainStatus) st = vmdev_domain_status_read (root, name, NULL);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(VmdevDomain) live = NULL;
  g_autoptr(GHashTable) ids = NULL;
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gboolean any = FALSE;

  for (guint i = 0; st != NULL && i < st->hostdevs->len; i++)
    any |= ((VmdevDomainStatusHostdev *) g_ptr_array_index (st->hostdevs, i))->pending;
  if (!any || !vmdev_domain_status_alive (st) ||
      (dir = vmdev_dir_open (root, rel, NULL)) == NULL ||
      (ids = qemu_device_ids (dir, name)) == NULL ||
      (live = vmdev_domain_live_read (root, name, &error)) == NULL)
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      return;
    }
  for (guint i = st->hostdevs->len; i > 0; i--)
    {
      VmdevDomainStatusHostdev *h = g_ptr_array_index (st->hostdevs, i - 1);
      int li;

      if (!h->pending)
        continue;
      if (g_hash_table_contains (ids, h->alias))
        {
          g_debug ("domain '%s': QEMU has %s (mediated device %s): hot-plugged", name, h->alias,
                   h->uuid);
          h->pending = FALSE;
          continue;
        }
      g_debug ("domain '%s': QEMU has no %s (mediated device %s): forgetting it", name,
               h->alias, h->uuid);
      li = vmdev_domain_find_hostdev_uuid (live, h->uuid);
      if (li >= 0)
        g_ptr_array_remove_index (live->hostdevs, (guint) li);
      g_ptr_array_add (gone, g_strdup (h->uuid));
      g_ptr_array_remove_index (st->hostdevs, i - 1);
    }
  if (!vmdev_domain_live_write (dir, live, &error) ||
      !vmdev_domain_status_write (dir, st, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  /* Reconcile releases the claims of the devices the status no longer
   * lists. */
}
