/* vmdev-domain-run.c: start, stop and state of a running domain (its monitor
 * is vmdev-domain-monitor.c).  See vmdev-domain-run.h and docs/lifecycle.md. */
#include "domain/vmdev-domain-run.h"

#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "domain/vmdev-domain-live.h"
#include "domain/vmdev-domain-monitor.h"
#include "domain/vmdev-domain-prepare.h"
#include "domain/vmdev-domain-stop.h"
#include "host/vmdev-host.h"
#include "hostprep/vmdev-namespace.h"
#include "hostprep/vmdev-privileges.h"

#include "qemu/vmdev-qemu-command.h"
#include "qemu/vmdev-qmp.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-json.h"
#include "util/vmdev-lock.h"
#include "util/vmdev-name.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static VmdevQmp *
qmp_connect (VmdevRoot *root, const char *name, GError **error)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDir) dir = vmdev_dir_open (root, rel, error);

  if (dir == NULL)
    return NULL;
  return vmdev_qmp_connect_at (dir, VMDEV_QEMU_COMMAND_SOCKET, VMDEV_DOMAIN_QMP_TIMEOUT_MS,
                               error);
}

/* The state QEMU reports ("running" or "paused"), or NULL. */
static char *
query_state (VmdevRoot *root, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmp) qmp = qmp_connect (root, name, &error);
  g_autoptr(VmdevJson) ret = NULL;

  if (qmp == NULL)
    {
      g_debug ("domain '%s': query-status: %s", name, error->message);
      return NULL;
    }
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  if (ret == NULL || ret->type != VMDEV_JSON_OBJECT)
    {
      g_debug ("domain '%s': query-status: %s", name, error ? error->message : "not an object");
      return NULL;
    }
  return g_strdup (vmdev_json_get_boolean (ret, "running", FALSE) ? "running" : "paused");
}

VmdevDomainStatus *
vmdev_domain_get_status (VmdevRoot *root, const char *name, gboolean query, GError **error)
{
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(GError) local = NULL;

  if (!vmdev_name_check ("domain name", name, error))
    return NULL;
  st = vmdev_domain_status_read (root, name, &local);
  if (st == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!vmdev_domain_status_alive (st))
    {
      /* Reconcile: a stale status of a dead domain is cleaned up. */
      g_autoptr(VmdevLock) lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL,
                                                   VMDEV_LOCK_TIMEOUT_MS, error);
      g_autoptr(VmdevDomainStatus) again = NULL;

      if (lock == NULL)
        return NULL;
      again = vmdev_domain_status_read (root, name, NULL);
      if (again != NULL && vmdev_domain_status_alive (again))
        return g_steal_pointer (&again);
      g_debug ("domain '%s': QEMU pid %" G_GINT64_FORMAT " is gone: cleaning up", name, st->pid);
      if (!(again == NULL && vmdev_proc_start_time (st->monitor_pid) != 0))
        {
          vmdev_domain_remove_run_dir (root, name);
          vmdev_domain_reconcile_claims (root);
        }
      return NULL;
    }
  if (query)
    {
      char *state = query_state (root, name);

      if (state != NULL)
        {
          g_free (st->state);
          st->state = state;
        }
    }
  return g_steal_pointer (&st);
}

/* ---- start ----------------------------------------------------------------- */

static int
listen_at (VmdevDir *dir, const char *name, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_auto(VmdevFd) fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autofree char *path = vmdev_dir_child_path (dir, name);

  if (fd < 0)
    return vmdev_error_from_errno (error, errno, "creating a socket", path), -1;
  g_snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir->fd, name);
  unlinkat (dir->fd, name, 0);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return vmdev_error_from_errno (error, errno, "binding", path), -1;
  if (listen (fd, 8) < 0)
    return vmdev_error_from_errno (error, errno, "listening", path), -1;
  return vmdev_fd_steal (&fd);
}

/* DESIGN.md §7 step 5: what QEMU's private /dev holds (after the labels,
 * whose owner and label the nodes copy). */
static VmdevNamespacePlan *
dev_plan_new (VmdevRoot *root, const VmdevDomain *def, GPtrArray *hostdevs, GError **error)
{
  g_autoptr(GArray) groups = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) disks = g_ptr_array_new ();

  for (guint i = 0; i < hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (hostdevs, i);

      if (h->iommu_group >= 0)
        g_array_append_val (groups, h->iommu_group);
    }
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VmdevDisk *d = g_ptr_array_index (def->disks, i);

      if (d->type == VMDEV_DISK_BLOCK && d->source != NULL)
        g_ptr_array_add (disks, d->source);
    }
  g_ptr_array_add (disks, NULL);
  return vmdev_namespace_plan_new (root, g_strcmp0 (def->type, "kvm") == 0,
                                   (const int *) (void *) groups->data, groups->len,
                                   (const char *const *) disks->pdata, error);
}

/* Launches QEMU for the live definition @def with this process as its
 * monitor; the caller holds the lock and has prepared the hostdevs
 * (@hostdevs). */
static VmdevDomainMonitor *
launch (VmdevRoot *root, const VmdevDomain *def, GPtrArray *hostdevs,
        const VmdevPrepareContext *ctx, gboolean paused, guint timeout_ms, GError **error)
{
  g_autoptr(VmdevNamespacePlan) dev_plan = NULL;
  VmdevPrivileges priv = {
    .uid = ctx->config->uid, .gid = ctx->config->gid,
    .memlock_bytes = vmdev_privileges_vfio_memlock (def->memory_kib),
    .exec_context = ctx->process_context,
  };
  g_autoptr(VmdevDir) dir = NULL;
  g_autofree char *rel = vmdev_domain_run_rel (def->name);
  g_autofree char *lrel = vmdev_domain_log_rel (def->name);
  g_autofree char *shown = NULL, *run_dir = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(VmdevFd) mon = -1, cmd = -1, log_fd = -1;
  VmdevQemuArgvOptions opts;
  VmdevDomainLaunch l;

  vmdev_domain_remove_run_dir (root, def->name);
  if (!vmdev_root_mkdir_p (root, rel, 0700, error) ||
      !vmdev_root_mkdir_p (root, VMDEV_DOMAIN_LOG_DIR, 0755, error))
    return NULL;
  dir = vmdev_dir_open (root, rel, error);
  if (dir == NULL)
    return NULL;
  log_fd = openat (vmdev_root_fd (root), lrel, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      g_autofree char *lshown = vmdev_root_display (root, lrel);

      vmdev_domain_remove_run_dir (root, def->name);
      return vmdev_error_from_errno (error, errno, "opening", lshown), NULL;
    }
  if ((mon = listen_at (dir, VMDEV_QEMU_MONITOR_SOCKET, error)) < 0 ||
      (cmd = listen_at (dir, VMDEV_QEMU_COMMAND_SOCKET, error)) < 0 ||
      !vmdev_domain_live_write (dir, def, error) ||
      (dev_plan = dev_plan_new (root, def, hostdevs, error)) == NULL)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return NULL;
    }
  shown = vmdev_root_display (root, rel);
  run_dir = g_canonicalize_filename (shown, NULL);
  vmdev_qemu_argv_options_init (&opts);
  opts.run_dir = run_dir;
  opts.monitor_fd = VMDEV_DOMAIN_QEMU_MONITOR_FD;
  opts.command_fd = VMDEV_DOMAIN_QEMU_COMMAND_FD;
  argv = vmdev_qemu_build_argv (def, &opts, error);
  if (argv == NULL)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return NULL;
    }
  l = (VmdevDomainLaunch) {
    .root = root, .name = def->name, .uuid = def->uuid,
    .dir = g_steal_pointer (&dir), .log_fd = vmdev_fd_steal (&log_fd),
    .mon_sock = vmdev_fd_steal (&mon), .cmd_sock = vmdev_fd_steal (&cmd),
    .argv = argv, .paused = paused, .hostdevs = hostdevs, .mcs = ctx->mcs, .priv = &priv,
    .cgroups = ctx->cgroups, .dev_plan = dev_plan, .timeout_ms = timeout_ms,
  };
  return vmdev_domain_monitor_launch (&l, error);
}

/* A copy of @def to run: the live definition. */
static VmdevDomain *
live_copy (const VmdevDomain *def, GError **error)
{
  g_autofree char *xml = vmdev_domain_format (def);

  return vmdev_domain_parse (xml, strlen (xml), 0, error);
}

/* DESIGN.md §7 step 4: the domain's cgroup in each hierarchy, default-deny
 * with the standard devices, @devices (the VFIO groups) and the block
 * devices of its disks.  A leftover of an earlier run is removed first. */
static gboolean
create_cgroup (const VmdevDomain *def, const VmdevPrepareContext *ctx, GArray *devices,
               GError **error)
{
  g_autoptr(GError) local = NULL;

  if (vmdev_cgroup_host_kinds (ctx->cgroups) == 0)
    return TRUE;
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VmdevDisk *d = g_ptr_array_index (def->disks, i);
      struct stat sb;

      /* Paths in the XML are used as written (DESIGN.md §3). */
      if (d->type == VMDEV_DISK_BLOCK && d->source != NULL && stat (d->source, &sb) == 0 &&
          S_ISBLK (sb.st_mode))
        {
          VmdevCgroupDevice dev = { .type = 'b', .major = major (sb.st_rdev),
                                    .minor = minor (sb.st_rdev), .read_only = d->readonly };

          g_array_append_val (devices, dev);
        }
    }
  if (!vmdev_cgroup_remove (ctx->cgroups, def->name, &local))
    g_warning ("%s", local->message);
  return vmdev_cgroup_create (ctx->cgroups, def->name, (VmdevCgroupDevice *) (void *) devices->data,
                              devices->len, error);
}

/* Releases the claims of @hostdevs (after a failed start). */
static void
release_hostdevs (VmdevRoot *root, GPtrArray *hostdevs)
{
  for (guint i = hostdevs->len; i > 0; i--)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (hostdevs, i - 1);
      g_autoptr(GError) error = NULL;

      if (!vmdev_domain_release_claim (root, h->uuid, &error))
        g_warning ("%s", error->message);
    }
}

VmdevDomainMonitor *
vmdev_domain_start (VmdevRoot *root, const VmdevDomain *def, gboolean paused, guint timeout_ms,
                    GError **error)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDomain) live = NULL;
  VmdevDomainMonitor *monitor;
  g_auto(VmdevPrepareContext) ctx = { 0 };
  g_autoptr(GArray) cgroup_devices = g_array_new (FALSE, FALSE, sizeof (VmdevCgroupDevice));
  g_autoptr(GPtrArray) hostdevs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmdev_domain_status_hostdev_free);

  if (timeout_ms == 0)
    timeout_ms = VMDEV_DOMAIN_START_TIMEOUT_MS;
  if (!vmdev_name_check ("domain name", def->name, error))
    return NULL;
  st = vmdev_domain_get_status (root, def->name, FALSE, error);
  if (st != NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS, "domain '%s' is already running",
                   def->name);
      return NULL;
    }
  if (error != NULL && *error != NULL)
    return NULL;
  /* Held until QEMU runs: two starts of one domain cannot race, and no
   * other command sees the claims before QEMU has the devices. */
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (lock == NULL)
    return NULL;
  st = vmdev_domain_status_read (root, def->name, NULL);
  if (st != NULL && vmdev_domain_status_alive (st))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS, "domain '%s' is already running",
                   def->name);
      return NULL;
    }
  vmdev_domain_reconcile_claims (root);
  live = live_copy (def, error);
  if (live == NULL || !vmdev_prepare_context_init (&ctx, root, live->uuid, NULL, error))
    return NULL;
  /* DESIGN.md §7 steps 1-2 for each mdev: claim, create (managed), check. */
  for (guint i = 0; i < live->hostdevs->len; i++)
    {
      VmdevHostdev *h = g_ptr_array_index (live->hostdevs, i);
      g_autofree char *id = vmdev_qemu_hostdev_id (live, i);
      VmdevDomainStatusHostdev *sh;
      VmdevPrepared p;

      if (!vmdev_domain_prepare_hostdev (root, live, h, &ctx, &p, error))
        {
          g_prefix_error (error, "domain '%s': ", def->name);
          release_hostdevs (root, hostdevs);
          return NULL;
        }
      if (h->uuid == NULL)
        h->uuid = g_strdup (p.uuid);
      if (p.has_cgroup_device)
        g_array_append_val (cgroup_devices, p.cgroup_device);
      sh = vmdev_domain_status_hostdev_new (p.uuid, id, h->managed == VMDEV_TRI_YES,
                                            p.iommu_group);
      sh->created_by_vmdev = p.created_by_vmdev;
      g_ptr_array_add (hostdevs, sh);
      vmdev_prepared_clear (&p);
    }
  if (!create_cgroup (live, &ctx, cgroup_devices, error))
    {
      release_hostdevs (root, hostdevs);
      return NULL;
    }
  monitor = launch (root, live, hostdevs, &ctx, paused, timeout_ms, error);
  if (monitor == NULL)
    {
      g_autoptr(GError) local = NULL;

      release_hostdevs (root, hostdevs);
      if (!vmdev_cgroup_remove (ctx.cgroups, def->name, &local))
        g_warning ("%s", local->message);
      return NULL;
    }
  for (guint i = 0; i < hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (hostdevs, i);
      g_autoptr(GError) local = NULL;

      /* Reconcile would do it too: the status lists the device. */
      if (!vmdev_domain_claim_set_state (root, h->uuid, VMDEV_CLAIM_ACTIVE, &local))
        g_warning ("%s", local->message);
    }
  return monitor;
}

/* ---- stop, QMP ------------------------------------------------------------ */

/* The status of a running domain; VMDEV_ERROR_NOT_FOUND when it does not run. */
static VmdevDomainStatus *
get_running_status (VmdevRoot *root, const char *name, GError **error)
{
  GError *local = NULL;
  VmdevDomainStatus *st = vmdev_domain_get_status (root, name, FALSE, &local);

  if (st != NULL)
    return st;
  if (local != NULL)
    g_propagate_error (error, local);
  else
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND, "domain '%s' is not running", name);
  return NULL;
}

gboolean
vmdev_domain_destroy (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDomainStatus) after = NULL;
  g_autoptr(GError) local = NULL;

  st = get_running_status (root, name, error);
  if (st == NULL)
    return FALSE;
  if (!vmdev_domain_kill (st, error))
    return FALSE;
  /* The monitor cleans up; if it is gone too, reconcile does. */
  vmdev_domain_wait_run_dir_gone (root, st, VMDEV_DOMAIN_STOP_TIMEOUT_MS);
  after = vmdev_domain_get_status (root, name, FALSE, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (after != NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "domain '%s' was started again meanwhile", name);
      return FALSE;
    }
  return TRUE;
}

gboolean
vmdev_domain_qmp_simple (VmdevRoot *root, const char *name, const char *command,
                         GError **error)
{
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autoptr(VmdevJson) ret = NULL;

  st = get_running_status (root, name, error);
  if (st == NULL)
    return FALSE;
  qmp = qmp_connect (root, name, error);
  if (qmp == NULL)
    return FALSE;
  ret = vmdev_qmp_execute (qmp, command, NULL, error);
  if (ret == NULL)
    return FALSE;
  if (strcmp (command, "stop") == 0 || strcmp (command, "cont") == 0)
    {
      g_autofree char *rel = vmdev_domain_run_rel (name);
      g_autoptr(VmdevLock) lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL,
                                                   VMDEV_LOCK_TIMEOUT_MS, error);
      g_autoptr(VmdevDir) dir = NULL;
      g_autoptr(VmdevDomainStatus) cur = NULL;

      if (lock == NULL)
        return FALSE;
      cur = vmdev_domain_status_read (root, name, NULL);
      dir = vmdev_dir_open (root, rel, NULL);
      if (cur != NULL && dir != NULL && cur->pid == st->pid)
        {
          g_free (cur->state);
          cur->state = g_strdup (strcmp (command, "stop") == 0 ? "paused" : "running");
          return vmdev_domain_status_write (dir, cur, error);
        }
    }
  return TRUE;
}

gboolean
vmdev_domain_wait_stopped (VmdevRoot *root, const char *name, guint timeout_ms)
{
  g_autoptr(VmdevDomainStatus) st = vmdev_domain_get_status (root, name, FALSE, NULL);

  if (st == NULL)
    return TRUE;
  if (!vmdev_domain_wait_pid_gone (st->pid, st->pid_start_time, timeout_ms))
    return FALSE;
  vmdev_domain_wait_run_dir_gone (root, st, VMDEV_DOMAIN_STOP_TIMEOUT_MS);
  g_clear_pointer (&st, vmdev_domain_status_free);
  st = vmdev_domain_get_status (root, name, FALSE, NULL);
  return st == NULL;
}
