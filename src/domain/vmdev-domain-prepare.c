/* vmdev-domain-prepare.c: claims, managed mdevs, release and reconcile.  See
 * vmdev-domain-prepare.h and docs/hostprep.md. */
#include "domain/vmdev-domain-prepare.h"

#include "domain/vmdev-domain-hotplug.h"
#include "domain/vmdev-domain-status.h"
#include "qemu/vmdev-qemu-command.h"
#include "host/vmdev-host.h"
#include "host/vmdev-placement.h"
#include "hostprep/vmdev-label.h"
#include "hostprep/vmdev-namespace.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-lock.h"
#include "util/vmdev-name.h"
#include "util/vmdev-uuid.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STEP_CREATE_MDEV "create-mdev"
#define STEP_DAC "dac"
#define STEP_SELINUX "selinux"
#define STEP_CGROUP "cgroup-allow"
#define STEP_DEV_NODE "dev-node"

void
vmdev_prepared_clear (VmdevPrepared *p)
{
  g_clear_pointer (&p->uuid, g_free);
}

void
vmdev_prepare_context_clear (VmdevPrepareContext *ctx)
{
  g_clear_pointer (&ctx->config, vmdev_hostprep_config_free);
  g_clear_pointer (&ctx->mcs, g_free);
  g_clear_pointer (&ctx->image_context, g_free);
  g_clear_pointer (&ctx->process_context, g_free);
  g_clear_pointer (&ctx->cgroups, vmdev_cgroup_host_free);
  g_clear_pointer (&ctx->placement, vmdev_placement_free);
}

/* The MCS categories of the running domains. */
static GArray *
used_mcs (VmdevRoot *root)
{
  GArray *used = g_array_new (FALSE, FALSE, sizeof (VmdevMcs));
  g_autoptr(VmdevDir) dir = vmdev_dir_open (root, VMDEV_QEMU_RUN_DIR, NULL);
  g_autoptr(GPtrArray) names = dir != NULL ? vmdev_dir_list (dir, NULL) : NULL;

  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      g_autoptr(VmdevDomainStatus) st = vmdev_domain_status_read (root, g_ptr_array_index (names, i),
                                                                  NULL);
      VmdevMcs mcs;

      if (st != NULL && st->mcs != NULL && vmdev_domain_status_alive (st) &&
          vmdev_mcs_parse (st->mcs, &mcs, NULL))
        g_array_append_val (used, mcs);
    }
  return used;
}

gboolean
vmdev_prepare_context_init (VmdevPrepareContext *ctx, VmdevRoot *root, const char *domain_uuid,
                            const char *mcs_text, GError **error)
{
  VmdevMcs mcs;

  memset (ctx, 0, sizeof *ctx);
  ctx->config = vmdev_hostprep_config_load (root, error);
  if (ctx->config == NULL)
    return FALSE;
  ctx->cgroups = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, error);
  if (ctx->cgroups == NULL)
    return FALSE;
  ctx->placement = vmdev_placement_new (root);
  if (ctx->config->security_driver == VMDEV_SECURITY_DRIVER_NONE ||
      !vmdev_label_selinux_wanted (ctx->config))
    return TRUE;
  if (mcs_text != NULL)
    {
      if (!vmdev_mcs_parse (mcs_text, &mcs, error))
        return FALSE;
    }
  else
    {
      g_autoptr(GArray) used = used_mcs (root);

      if (!vmdev_mcs_pick (domain_uuid, (VmdevMcs *) (void *) used->data, used->len, &mcs,
                           error))
        return FALSE;
    }
  ctx->mcs = vmdev_mcs_to_string (&mcs);
  ctx->image_context = vmdev_label_selinux_image_context (ctx->config->image_label, &mcs);
  ctx->process_context = vmdev_label_selinux_process_context (ctx->config->process_label, &mcs);
  return TRUE;
}

/* Takes back the cgroup rule of a "cgroup-allow" step ("c:MAJOR:MINOR"). */
static gboolean
undo_cgroup_allow (VmdevRoot *root, const VmdevClaim *claim, const char *arg, GError **error)
{
  g_autoptr(VmdevCgroupHost) host = NULL;
  g_autoptr(GError) local = NULL;
  VmdevCgroupDevice dev = { 0 };
  char type;

  if (sscanf (arg, "%c:%" G_GUINT32_FORMAT ":%" G_GUINT32_FORMAT, &type, &dev.major,
              &dev.minor) != 3 || (type != 'c' && type != 'b'))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "claim of mediated device %s: step 'cgroup-allow': bad device '%s'",
                   claim->uuid, arg);
      return FALSE;
    }
  dev.type = type;
  host = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, error);
  if (host == NULL)
    return FALSE;
  /* The domain's cgroup is gone already: so is the rule. */
  if (vmdev_cgroup_deny (host, claim->domain, &dev, &local) ||
      g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Removes the group node a hotplug made in QEMU's private /dev ("dev-node"
 * step, argument: the group); nothing to do once that QEMU is gone. */
static gboolean
undo_dev_node (VmdevRoot *root, const VmdevClaim *claim, const char *arg, GError **error)
{
  g_autoptr(VmdevDomainStatus) st = vmdev_domain_status_read (root, claim->domain, NULL);
  guint64 group;

  if (!g_ascii_string_to_unsigned (arg, 10, 0, G_MAXINT, &group, NULL))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "claim of mediated device %s: step 'dev-node': bad group '%s'", claim->uuid,
                   arg);
      return FALSE;
    }
  if (st == NULL || !vmdev_domain_status_alive (st))
    return TRUE;
  return vmdev_namespace_hotplug_remove ((pid_t) st->pid, (int) group, error);
}

/* Undoes one journal step. */
static gboolean
undo_step (VmdevRoot *root, const VmdevClaim *claim, const VmdevClaimStep *step, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (strcmp (step->op, STEP_CREATE_MDEV) == 0)
    {
      if (vmdev_host_remove_mdev (root, claim->uuid, &local) ||
          g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "removing mediated device %s that vmdev created: ", claim->uuid);
      return FALSE;
    }
  if (strcmp (step->op, STEP_CGROUP) == 0)
    return undo_cgroup_allow (root, claim, step->arg, error);
  if (strcmp (step->op, STEP_DEV_NODE) == 0)
    return undo_dev_node (root, claim, step->arg, error);
  if (strcmp (step->op, STEP_DAC) == 0)
    return vmdev_label_dac_restore (root, step->arg, error);
  if (strcmp (step->op, STEP_SELINUX) == 0)
    return vmdev_label_selinux_restore (root, step->arg, error);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
               "claim of mediated device %s: cannot undo step '%s' (%s): written by a newer "
               "vmdev?", claim->uuid, step->op, step->arg);
  return FALSE;
}

static gboolean
release (VmdevRoot *root, VmdevClaim *claim, GError **error)
{
  if (claim->state != VMDEV_CLAIM_RELEASING)
    {
      claim->state = VMDEV_CLAIM_RELEASING;
      if (!vmdev_claim_write (root, claim, error))
        return FALSE;
    }
  while (claim->journal->len > 0)
    {
      const VmdevClaimStep *step = g_ptr_array_index (claim->journal, claim->journal->len - 1);

      if (!undo_step (root, claim, step, error))
        return FALSE;
      g_ptr_array_remove_index (claim->journal, claim->journal->len - 1);
      if (claim->journal->len > 0 && !vmdev_claim_write (root, claim, error))
        return FALSE;
    }
  return vmdev_claim_delete (root, claim->uuid, error);
}

gboolean
vmdev_domain_release_claim (VmdevRoot *root, const char *uuid, GError **error)
{
  g_autoptr(VmdevClaim) claim = NULL;

  if (!vmdev_claim_read (root, uuid, &claim, error))
    return FALSE;
  if (claim == NULL)
    return TRUE;
  g_debug ("releasing mediated device %s of domain '%s'", uuid, claim->domain);
  return release (root, claim, error);
}

gboolean
vmdev_domain_claim_set_state (VmdevRoot *root, const char *uuid, VmdevClaimState state,
                              GError **error)
{
  g_autoptr(VmdevClaim) claim = NULL;

  if (!vmdev_claim_read (root, uuid, &claim, error))
    return FALSE;
  if (claim == NULL || claim->state == state)
    return TRUE;
  claim->state = state;
  return vmdev_claim_write (root, claim, error);
}

/* The model's device_api in sysfs. */
static const char *
model_api (VmdevMdevModel model)
{
  return vmdev_mdev_model_to_string (model);
}

static gboolean
mdev_exists (VmdevRoot *root, const char *uuid)
{
  g_autoptr(VmdevMdev) mdev = NULL;

  return vmdev_host_find_mdev (root, uuid, &mdev, NULL);
}

/* Creates the managed mdev of @claim (journaled first). */
static gboolean
create_managed (VmdevRoot *root, VmdevClaim *claim, const VmdevHostdev *h,
                const VmdevPrepareContext *ctx, GError **error)
{
  g_autofree char *parent = NULL, *arg = NULL;

  if (!vmdev_placement_choose (ctx->placement, h->mdev_type, h->mdev_parent, &parent, error))
    return FALSE;
  arg = g_strdup_printf ("%s/%s", parent, h->mdev_type);
  vmdev_claim_journal_add (claim, STEP_CREATE_MDEV, arg);
  claim->created_by_vmdev = TRUE;
  if (!vmdev_claim_write (root, claim, error))
    return FALSE;
  g_debug ("creating managed mdev %s of type %s on %s", claim->uuid, h->mdev_type, parent);
  if (!vmdev_host_create_mdev (root, parent, h->mdev_type, claim->uuid, NULL, error))
    return FALSE;
  vmdev_placement_created (ctx->placement, parent, +1);
  return TRUE;
}

/* Checks the running mdev of @claim against @h; its IOMMU group in @out. */
static gboolean
check_mdev (VmdevRoot *root, const VmdevClaim *claim, const VmdevHostdev *h, VmdevPrepared *out,
            GError **error)
{
  g_autoptr(VmdevMdev) mdev = NULL;
  g_autoptr(VmdevMdevType) type = NULL;
  g_autoptr(GError) local = NULL;
  guint64 group;

  if (!vmdev_host_find_mdev (root, claim->uuid, &mdev, &local))
    {
      if (g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                     "mediated device %s does not exist (start it with 'vmdev mdev start -u %s', "
                     "or let vmdev create it: managed='yes' with <mdev type='...'/>)",
                     claim->uuid, claim->uuid);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (h->mdev_type != NULL && g_strcmp0 (mdev->type_id, h->mdev_type) != 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "mediated device %s is of type %s, the hostdev asks for type %s", claim->uuid,
                   mdev->type_id, h->mdev_type);
      return FALSE;
    }
  if (vmdev_host_read_type (root, mdev->parent, mdev->type_id, &type, NULL) &&
      type->device_api != NULL && strcmp (type->device_api, model_api (h->model)) != 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "mediated device %s has device_api %s, but the hostdev's model is %s",
                   claim->uuid, type->device_api, model_api (h->model));
      return FALSE;
    }
  if (mdev->iommu_group == NULL ||
      !g_ascii_string_to_unsigned (mdev->iommu_group, 10, 0, G_MAXINT, &group, NULL))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                   "mediated device %s has no IOMMU group (is the vfio_mdev driver bound?)",
                   claim->uuid);
      return FALSE;
    }
  if (!vmdev_host_check_mdev_unused (root, mdev, &local))
    {
      if (g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_IN_USE))
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE,
                     "mediated device %s is in use by another program (its VFIO group %s is "
                     "open)", claim->uuid, mdev->iommu_group);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  out->iommu_group = (int) group;
  return TRUE;
}

/* DESIGN.md §7 step 3: the group node becomes QEMU's (journaled first). */
static gboolean
label_group (VmdevRoot *root, VmdevClaim *claim, const VmdevPrepareContext *ctx, int group,
             GError **error)
{
  g_autofree char *rel = g_strdup_printf ("dev/vfio/%d", group);

  if (ctx->config->security_driver == VMDEV_SECURITY_DRIVER_NONE)
    return TRUE;
  vmdev_claim_journal_add (claim, STEP_DAC, rel);
  if (!vmdev_claim_write (root, claim, error) ||
      !vmdev_label_dac_set (root, rel, ctx->config->uid, ctx->config->gid, error))
    return FALSE;
  if (ctx->image_context == NULL)
    return TRUE;
  vmdev_claim_journal_add (claim, STEP_SELINUX, rel);
  return vmdev_claim_write (root, claim, error) &&
         vmdev_label_selinux_set (root, rel, ctx->image_context, error);
}

/* DESIGN.md §7 step 4: the group node in the domain's device allow list
 * (now for a hotplug; in the cgroup start creates otherwise). */
static gboolean
cgroup_allow_group (VmdevRoot *root, VmdevClaim *claim, const VmdevPrepareContext *ctx,
                    VmdevPrepared *out, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autofree char *name = g_strdup_printf ("%d", out->iommu_group);
  g_autofree char *arg = NULL;

  if (vmdev_cgroup_host_kinds (ctx->cgroups) == 0)
    return TRUE;
  dir = vmdev_dir_open (root, "dev/vfio", error);
  if (dir == NULL ||
      !vmdev_cgroup_device_from_node (dir, name, FALSE, &out->cgroup_device, error))
    return FALSE;
  out->has_cgroup_device = TRUE;
  arg = g_strdup_printf ("%c:%" G_GUINT32_FORMAT ":%" G_GUINT32_FORMAT,
                         out->cgroup_device.type, out->cgroup_device.major,
                         out->cgroup_device.minor);
  vmdev_claim_journal_add (claim, STEP_CGROUP, arg);
  if (!vmdev_claim_write (root, claim, error))
    return FALSE;
  return !ctx->live || vmdev_cgroup_allow (ctx->cgroups, claim->domain, &out->cgroup_device,
                                           error);
}

/* DESIGN.md §7 step 5 for a hotplug: the group node in QEMU's private /dev. */
static gboolean
dev_node_add (VmdevRoot *root, VmdevClaim *claim, const VmdevPrepareContext *ctx,
              const VmdevPrepared *out, GError **error)
{
  g_autofree char *arg = g_strdup_printf ("%d", out->iommu_group);

  if (!ctx->live)
    return TRUE;
  vmdev_claim_journal_add (claim, STEP_DEV_NODE, arg);
  return vmdev_claim_write (root, claim, error) &&
         vmdev_namespace_hotplug_add (root, (pid_t) ctx->qemu_pid, out->iommu_group, error);
}

gboolean
vmdev_domain_prepare_hostdev (VmdevRoot *root, const VmdevDomain *def, const VmdevHostdev *h,
                              const VmdevPrepareContext *ctx, VmdevPrepared *out,
                              GError **error)
{
  g_autoptr(VmdevClaim) claim = NULL;
  g_autoptr(VmdevClaim) other = NULL;
  g_autofree char *uuid = NULL;
  gboolean managed_create = h->managed == VMDEV_TRI_YES && h->mdev_type != NULL;

  memset (out, 0, sizeof *out);
  out->iommu_group = -1;
  if (h->uuid != NULL)
    uuid = g_strdup (h->uuid);
  else if (managed_create)
    uuid = g_uuid_string_random ();
  else
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "a hostdev of domain '%s' has neither a UUID nor a managed <mdev type>",
                   def->name);
      return FALSE;
    }
  if (!vmdev_claim_read (root, uuid, &other, error))
    return FALSE;
  if (other != NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE,
                   "mediated device %s is in use by domain %s", uuid, other->domain);
      return FALSE;
    }
  /* The claim comes before any host change. */
  claim = vmdev_claim_new (uuid, def->name, def->uuid, h->managed == VMDEV_TRI_YES);
  if (!vmdev_claim_write (root, claim, error))
    return FALSE;
  if ((managed_create && !mdev_exists (root, uuid) && !create_managed (root, claim, h, ctx, error)) ||
      !check_mdev (root, claim, h, out, error) ||
      !label_group (root, claim, ctx, out->iommu_group, error) ||
      !cgroup_allow_group (root, claim, ctx, out, error) ||
      !dev_node_add (root, claim, ctx, out, error))
    {
      g_autoptr(GError) undo = NULL;

      if (!release (root, claim, &undo))
        g_warning ("%s", undo->message);
      return FALSE;
    }
  out->uuid = g_steal_pointer (&uuid);
  out->created_by_vmdev = claim->created_by_vmdev;
  return TRUE;
}

static gboolean
remove_cgroup (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(VmdevCgroupHost) host = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, error);

  return host != NULL && vmdev_cgroup_remove (host, name, error);
}

gboolean
vmdev_domain_release_domain_claims (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(GPtrArray) claims = NULL;
  gboolean ok = TRUE;

  if (!vmdev_claim_list (root, &claims, NULL, error))
    return FALSE;
  for (guint i = 0; i < claims->len; i++)
    {
      VmdevClaim *claim = g_ptr_array_index (claims, i);
      g_autoptr(GError) local = NULL;

      if (strcmp (claim->domain, name) != 0)
        continue;
      if (!release (root, claim, &local))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_warning ("%s", local->message);
          ok = FALSE;
        }
    }
  if (ok)
    ok = remove_cgroup (root, name, error);
  return ok;
}

/* The status of @name if it runs, else NULL (cached in @cache). */
static VmdevDomainStatus *
live_status (VmdevRoot *root, GHashTable *cache, const char *name)
{
  VmdevDomainStatus *st;

  if (!g_hash_table_lookup_extended (cache, name, NULL, (gpointer *) &st))
    {
      st = vmdev_domain_status_read (root, name, NULL);
      if (st != NULL && !vmdev_domain_status_alive (st))
        g_clear_pointer (&st, vmdev_domain_status_free);
      g_hash_table_insert (cache, g_strdup (name), st);
    }
  return st;
}

static gboolean
domain_alive (VmdevRoot *root, GHashTable *cache, const char *name)
{
  return live_status (root, cache, name) != NULL;
}

/* Whether the live domain @name holds @uuid. */
static gboolean
held (VmdevRoot *root, GHashTable *cache, const char *name, const char *uuid)
{
  VmdevDomainStatus *st = live_status (root, cache, name);

  return st != NULL && vmdev_domain_status_find_hostdev (st, uuid) >= 0;
}

/* The cgroups of domains that do not run are removed. */
static void
reconcile_cgroups (VmdevRoot *root, GHashTable *cache)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevCgroupHost) host = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, &error);
  g_autoptr(GPtrArray) names = NULL;

  if (host == NULL || vmdev_cgroup_host_kinds (host) == 0)
    {
      if (error != NULL)
        g_warning ("reconciling cgroups: %s", error->message);
      return;
    }
  names = vmdev_cgroup_list (host, &error);
  if (names == NULL)
    {
      g_warning ("reconciling cgroups: %s", error->message);
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GError) local = NULL;

      if (domain_alive (root, cache, name))
        continue;
      g_debug ("reconcile: domain '%s' does not run: removing its cgroups", name);
      if (!vmdev_cgroup_remove (host, name, &local))
        g_warning ("%s", local->message);
    }
}

/* A temporary file of an atomic write (vmdev_dir_write_atomic) that a killed
 * writer left: every writer holds the lock, so under it any is stale. */
static gboolean
is_stale_temp (const char *name)
{
  return name[0] == '.' && strstr (name, ".tmp") != NULL;
}

static void
remove_stale_temps (VmdevDir *dir)
{
  g_autoptr(GPtrArray) names = vmdev_dir_list (dir, NULL);

  for (guint i = 0; names != NULL && i < names->len; i++)
    if (is_stale_temp (g_ptr_array_index (names, i)))
      unlinkat (dir->fd, g_ptr_array_index (names, i), 0);
}

/* The runtime directories of domains that do not run (a start killed before
 * QEMU ran leaves one without a status) are removed, and stale temporary
 * files with them. */
static void
reconcile_runtime (VmdevRoot *root, GHashTable *cache)
{
  g_autoptr(VmdevDir) claims = vmdev_dir_open (root, VMDEV_CLAIM_DIR, NULL);
  g_autoptr(VmdevDir) runs = vmdev_dir_open (root, VMDEV_QEMU_RUN_DIR, NULL);
  g_autoptr(GPtrArray) names = runs != NULL ? vmdev_dir_list (runs, NULL) : NULL;

  if (claims != NULL)
    remove_stale_temps (claims);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (is_stale_temp (name))
        {
          unlinkat (runs->fd, name, 0);
          continue;
        }
      if (!vmdev_name_check ("domain name", name, NULL))
        continue;
      if (domain_alive (root, cache, name))
        {
          g_autoptr(VmdevDir) dir = vmdev_dir_open_at (runs, name, NULL);

          if (dir != NULL)
            remove_stale_temps (dir);
          /* A killed attach-device: ask QEMU, then read the status again. */
          vmdev_domain_hotplug_resolve_pending (root, name);
          g_hash_table_remove (cache, name);
          continue;
        }
      g_debug ("reconcile: domain '%s' does not run: removing %s/%s", name, runs->path, name);
      vmdev_domain_remove_run_dir (root, name);
    }
}

void
vmdev_domain_reconcile_claims (VmdevRoot *root)
{
  g_autoptr(GPtrArray) claims = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) vmdev_domain_status_free);
  g_autoptr(GError) error = NULL;

  reconcile_runtime (root, cache);
  if (!vmdev_claim_list (root, &claims, warnings, &error))
    {
      g_warning ("reconciling claims: %s", error->message);
      return;
    }
  for (guint i = 0; i < warnings->len; i++)
    g_warning ("%s", ((GError *) g_ptr_array_index (warnings, i))->message);
  for (guint i = 0; i < claims->len; i++)
    {
      VmdevClaim *claim = g_ptr_array_index (claims, i);
      g_autoptr(GError) local = NULL;

      if (held (root, cache, claim->domain, claim->uuid))
        {
          /* A start or attach that died after QEMU got the device. */
          if (claim->state == VMDEV_CLAIM_PREPARING)
            {
              claim->state = VMDEV_CLAIM_ACTIVE;
              if (!vmdev_claim_write (root, claim, &local))
                g_warning ("%s", local->message);
            }
          continue;
        }
      g_debug ("reconcile: domain '%s' does not hold mediated device %s: releasing it",
               claim->domain, claim->uuid);
      if (!release (root, claim, &local))
        g_warning ("releasing mediated device %s of domain '%s': %s", claim->uuid,
                   claim->domain, local->message);
    }
  reconcile_cgroups (root, cache);
}

void
vmdev_domain_reconcile (VmdevRoot *root)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;

  /* Neither claims nor runtime directories: nothing ever ran here. */
  dir = vmdev_dir_open (root, VMDEV_CLAIM_DIR, NULL);
  if (dir == NULL && (dir = vmdev_dir_open (root, VMDEV_QEMU_RUN_DIR, NULL)) == NULL)
    return;
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, &error);
  if (lock == NULL)
    {
      g_warning ("reconciling claims: %s", error->message);
      return;
    }
  vmdev_domain_reconcile_claims (root);
}
