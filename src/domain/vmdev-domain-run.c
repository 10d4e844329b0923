/* vmdev-domain-run.c: start, stop and state of a running domain; the
 * per-domain monitor process.  See vmdev-domain-run.h and docs/lifecycle.md. */
#include "domain/vmdev-domain-run.h"

#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "domain/vmdev-domain-hotplug.h"
#include "domain/vmdev-domain-live.h"
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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The fds QEMU finds its listening QMP sockets at (fd=N in its argv). */
#define QEMU_MONITOR_FD 3
#define QEMU_COMMAND_FD 4

static char *
now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* A timestamped lifecycle line on @fd (the domain's log). */
static void G_GNUC_PRINTF (2, 3)
log_line (int fd, const char *fmt, ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *msg = NULL, *line = NULL;
  va_list ap;
  ssize_t n G_GNUC_UNUSED;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  line = g_strdup_printf ("%s vmdev: %s\n", stamp, msg);
  n = write (fd, line, strlen (line));
}

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

/* ---- the monitor process ------------------------------------------------ */

typedef struct
{
  VmdevRoot *root;
  const char *name;
  const char *uuid;
  VmdevDir *dir;        /* the runtime directory */
  int log_fd;
  int mon_sock, cmd_sock;
  char **argv;
  gboolean paused;
  int ready_fd;
  GPtrArray *hostdevs;  /* VmdevDomainStatusHostdev*, for status.json */
  const char *mcs;      /* for status.json */
  const VmdevPrivileges *priv;  /* what QEMU runs with */
  VmdevCgroupHost *cgroups;     /* QEMU enters the domain's cgroups (opened by the
                                 * monitor: the parent's fds are closed) */
  VmdevNamespacePlan *dev_plan; /* QEMU's private /dev */
} Monitor;

static void
ready_send (int fd, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
ready_send (int fd, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;
  ssize_t n G_GNUC_UNUSED;

  if (fd < 0)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  n = write (fd, msg, strlen (msg));
}

static void
log_exit (int fd, pid_t pid, int wstatus)
{
  if (WIFEXITED (wstatus))
    log_line (fd, "QEMU (pid %d) exited with status %d", (int) pid, WEXITSTATUS (wstatus));
  else if (WIFSIGNALED (wstatus))
    log_line (fd, "QEMU (pid %d) was killed by signal %d (%s)", (int) pid, WTERMSIG (wstatus),
              strsignal (WTERMSIG (wstatus)));
}

static void G_GNUC_NORETURN
qemu_exec (Monitor *m, pid_t monitor)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  int mon, cmd, null;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != monitor)
    _exit (127);
  signal (SIGPIPE, SIG_DFL);
  /* DESIGN.md §7 steps 5 and 4, in the order the kernel allows (the private
   * /dev needs mknod, which the device cgroup forbids), while the root's and
   * the cgroups' fds are still where they were: 3 and 4 become the QMP
   * sockets below. */
  if (!vmdev_namespace_enter (m->dev_plan, &error) ||
      !vmdev_cgroup_enter (m->cgroups, m->name, 0, &error))
    {
      log_line (2, "%s", error->message);
      _exit (127);
    }
  /* Move the sockets out of the way of 3 and 4 first. */
  mon = fcntl (m->mon_sock, F_DUPFD_CLOEXEC, 10);
  cmd = fcntl (m->cmd_sock, F_DUPFD_CLOEXEC, 10);
  if (mon < 0 || cmd < 0 || dup2 (mon, QEMU_MONITOR_FD) < 0 || dup2 (cmd, QEMU_COMMAND_FD) < 0)
    {
      log_line (2, "cannot pass the QMP sockets to QEMU: %s", g_strerror (errno));
      _exit (127);
    }
  null = open ("/dev/null", O_RDONLY);
  if (null >= 0)
    dup2 (null, 0);
  /* Step 6, last: what QEMU runs with. */
  if (!vmdev_privileges_apply (m->priv, &warning, &error))
    {
      log_line (2, "%s", error->message);
      _exit (127);
    }
  if (warning != NULL)
    log_line (2, "warning: %s", warning);
  /* A change of credentials clears the parent-death signal: set it again. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != monitor)
    _exit (127);
  execv (m->argv[0], m->argv);
  log_line (2, "cannot execute %s: %s", m->argv[0], g_strerror (errno));
  _exit (127);
}

/* The guest released a device (maybe after `detach-device --live` gave up
 * waiting): it leaves the live definition and the status. */
static void
monitor_device_deleted (Monitor *m, pid_t qemu, const VmdevQmpEvent *ev)
{
  g_autoptr(GError) error = NULL;
  const char *id = vmdev_json_get_string (ev->data, "device", NULL);
  gboolean found = FALSE;

  if (id == NULL)
    return;
  if (!vmdev_domain_hotplug_forget (m->root, m->name, qemu, id, &found, &error))
    log_line (2, "warning: device %s was deleted by the guest, but %s", id, error->message);
  else if (found)
    log_line (2, "device %s was released by the guest and removed from the live definition",
              id);
}

static void G_GNUC_NORETURN
monitor_main (Monitor *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autofree char *argv_text = NULL;
  VmdevDomainStatus st = { .hostdevs = m->hostdevs, .mcs = (char *) m->mcs };
  pid_t qemu, self = getpid ();
  int wstatus = 0, null, qfd;
  gboolean reaped = FALSE;

  null = open ("/dev/null", O_RDONLY);
  if (null >= 0)
    dup2 (null, 0);
  dup2 (m->log_fd, 1);
  dup2 (m->log_fd, 2);
  signal (SIGPIPE, SIG_IGN);
  argv_text = g_strjoinv (" ", m->argv);
  log_line (2, "starting domain '%s' (monitor pid %d): %s", m->name, (int) self, argv_text);
  m->cgroups = vmdev_cgroup_host_open (m->root, VMDEV_CGROUP_ALL, &error);
  if (m->cgroups == NULL)
    {
      ready_send (m->ready_fd, "err %s\n", error->message);
      vmdev_domain_remove_run_dir (m->root, m->name);
      _exit (1);
    }

  qemu = fork ();
  if (qemu < 0)
    {
      ready_send (m->ready_fd, "err cannot fork QEMU: %s\n", g_strerror (errno));
      vmdev_domain_remove_run_dir (m->root, m->name);
      _exit (1);
    }
  if (qemu == 0)
    qemu_exec (m, self);
  close (m->mon_sock);
  close (m->cmd_sock);
  if (chdir ("/") < 0)
    log_line (2, "warning: chdir /: %s", g_strerror (errno));
  ready_send (m->ready_fd, "pid %d %d\n", (int) self, (int) qemu);

  /* The socket listens already: connecting cannot fail with ENOENT or
   * ECONNREFUSED; the greeting comes once QEMU is ready, and an early exit
   * of QEMU closes the connection. */
  qmp = vmdev_qmp_connect_at (m->dir, VMDEV_QEMU_MONITOR_SOCKET,
                              VMDEV_DOMAIN_START_TIMEOUT_MS, &error);
  if (qmp != NULL && !m->paused)
    {
      g_autoptr(VmdevJson) ret = vmdev_qmp_execute (qmp, "cont", NULL, &error);

      if (ret == NULL)
        g_clear_pointer (&qmp, vmdev_qmp_free);
    }
  if (qmp != NULL)
    {
      st.name = (char *) m->name;
      st.uuid = (char *) m->uuid;
      st.state = (char *) (m->paused ? "paused" : "running");
      st.pid = qemu;
      st.pid_start_time = vmdev_proc_start_time (qemu);
      st.monitor_pid = self;
      st.started = now_iso ();
      st.qmp = vmdev_dir_child_path (m->dir, VMDEV_QEMU_COMMAND_SOCKET);
      {
        g_autofree char *lrel = vmdev_domain_log_rel (m->name);

        st.log = vmdev_root_display (m->root, lrel);
      }
      if (st.pid_start_time == 0 || !vmdev_domain_status_write (m->dir, &st, &error))
        {
          if (error == NULL)
            g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_FAILED, "QEMU exited");
          g_clear_pointer (&qmp, vmdev_qmp_free);
        }
      g_free (st.started);
      g_free (st.qmp);
      g_free (st.log);
    }
  if (qmp == NULL)
    {
      /* QEMU did not come up: kill it, reap it, clean up; the start command
       * (which holds the lock) reports the error with the log. */
      kill (qemu, SIGKILL);
      waitpid (qemu, &wstatus, 0);
      log_line (2, "domain '%s' failed to start: %s", m->name, error->message);
      log_exit (2, qemu, wstatus);
      vmdev_domain_remove_run_dir (m->root, m->name);
      if (WIFEXITED (wstatus))
        ready_send (m->ready_fd, "err QEMU exited with status %d\n", WEXITSTATUS (wstatus));
      else
        ready_send (m->ready_fd, "err %s\n", error->message);
      _exit (1);
    }
  log_line (2, "domain '%s' started (QEMU pid %d, %s)", m->name, (int) qemu,
            m->paused ? "paused" : "running");
  ready_send (m->ready_fd, "ok\n");
  close (m->ready_fd);

  /* Watch: drain the events of the monitor socket, reap QEMU. */
  qfd = vmdev_qmp_get_fd (qmp);
  while (!reaped)
    {
      struct pollfd p = { .fd = qfd, .events = POLLIN };
      pid_t r;

      if (qfd >= 0 && poll (&p, 1, 250) > 0)
        {
          VmdevQmpEvent *ev;

          if (!vmdev_qmp_poll_events (qmp, NULL))
            qfd = -1;
          while ((ev = vmdev_qmp_pop_event (qmp)) != NULL)
            {
              log_line (2, "QMP event %s", ev->name);
              if (strcmp (ev->name, "DEVICE_DELETED") == 0)
                monitor_device_deleted (m, qemu, ev);
              vmdev_qmp_event_free (ev);
            }
        }
      /* Without the QMP socket (QEMU closed it: it is exiting) there is
       * nothing else to watch: wait for it. */
      r = waitpid (qemu, &wstatus, qfd >= 0 ? WNOHANG : 0);
      if (r == qemu || (r < 0 && errno == ECHILD))
        reaped = TRUE;
    }
  log_exit (2, qemu, wstatus);
  {
    g_autoptr(GError) lerr = NULL;
    g_autoptr(VmdevLock) lock = vmdev_lock_take (m->root, VMDEV_LOCK_GLOBAL,
                                                 VMDEV_LOCK_TIMEOUT_MS, &lerr);
    g_autoptr(VmdevDomainStatus) cur = vmdev_domain_status_read (m->root, m->name, NULL);

    if (lock == NULL)
      log_line (2, "warning: %s", lerr->message);
    /* Only our own status: a new start may already own the directory. */
    if (cur == NULL || cur->pid == qemu)
      {
        g_autoptr(GError) rerr = NULL;

        /* DESIGN.md §7 in reverse: what start did for each mdev; then the
         * runtime directory, whose removal `destroy` waits for. */
        if (!vmdev_domain_release_domain_claims (m->root, m->name, &rerr))
          log_line (2, "warning: %s (the next vmdev command retries)", rerr->message);
        vmdev_domain_remove_run_dir (m->root, m->name);
      }
  }
  log_line (2, "domain '%s' stopped", m->name);
  _exit (0);
}

static int
cmp_int (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* Closes every fd >= 3 but those in @keep. */
static void
close_other_fds (int *keep, guint n)
{
  unsigned int from = 3;

  qsort (keep, n, sizeof *keep, cmp_int);
  for (guint i = 0; i < n; i++)
    {
      if (keep[i] < (int) from)
        continue;
      if ((unsigned int) keep[i] > from)
        close_range (from, keep[i] - 1, 0);
      from = keep[i] + 1;
    }
  close_range (from, ~0U, 0);
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

/* The last @n lines of the log at @fd, each prefixed for the error message. */
static char *
log_tail (VmdevRoot *root, const char *name, guint n)
{
  g_autofree char *rel = vmdev_domain_log_rel (name);
  g_auto(VmdevFd) fd = openat (vmdev_root_fd (root), rel, O_RDONLY | O_CLOEXEC);
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  char buf[8192];
  char *start;
  off_t size;
  ssize_t len;
  guint count, first;

  if (fd < 0)
    return g_strdup ("");
  size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return g_strdup ("");
  len = pread (fd, buf, sizeof buf - 1, size > (off_t) sizeof buf - 1 ? size - (off_t) sizeof buf + 1 : 0);
  if (len <= 0)
    return g_strdup ("");
  buf[len] = '\0';
  g_strchomp (buf);
  /* Only what this start logged, without the (long) command line. */
  start = g_strrstr (buf, " vmdev: starting domain '");
  if (start != NULL && (start = strchr (start, '\n')) != NULL)
    {
      start++;
      size = 0;
    }
  else
    start = buf;
  lines = g_strsplit (start, "\n", -1);
  count = g_strv_length (lines);
  first = count > n ? count - n : 0;
  if (first == 0 && count > 1 && size > (off_t) sizeof buf - 1)
    first = 1;  /* a partial first line */
  for (guint i = first; i < count; i++)
    g_string_append_printf (out, "\n  %s", lines[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Reads a line from @fd into @acc until @deadline (monotonic us); returns the
 * line (without newline), or NULL on EOF or timeout (*@timed_out). */
static char *
ready_read (int fd, GString *acc, gint64 deadline, gboolean *timed_out)
{
  for (;;)
    {
      char *nl = memchr (acc->str, '\n', acc->len);
      struct pollfd p = { .fd = fd, .events = POLLIN };
      gint64 left;
      char buf[512];
      ssize_t n;
      int r;

      if (nl != NULL)
        {
          char *line = g_strndup (acc->str, nl - acc->str);

          g_string_erase (acc, 0, nl - acc->str + 1);
          return line;
        }
      left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        {
          *timed_out = TRUE;
          return NULL;
        }
      r = poll (&p, 1, (int) MIN (left, 1000));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return NULL;
      g_string_append_len (acc, buf, n);
    }
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

/* Launches QEMU for the live definition @def under a new monitor; the
 * caller holds the lock and has prepared the hostdevs (@hostdevs). */
static gboolean
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
  g_autoptr(GString) acc = g_string_new (NULL);
  g_autofree char *rel = vmdev_domain_run_rel (def->name);
  g_autofree char *lrel = vmdev_domain_log_rel (def->name);
  g_autofree char *shown = NULL, *run_dir = NULL, *line = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(VmdevFd) mon = -1, cmd = -1, log_fd = -1, rfd = -1, wfd = -1;
  VmdevQemuArgvOptions opts;
  gint64 monitor_pid = 0, qemu_pid = 0, deadline;
  gboolean timed_out = FALSE;
  int pipefd[2], wstatus;
  pid_t child;

  vmdev_domain_remove_run_dir (root, def->name);
  if (!vmdev_root_mkdir_p (root, rel, 0700, error) ||
      !vmdev_root_mkdir_p (root, VMDEV_DOMAIN_LOG_DIR, 0755, error))
    return FALSE;
  dir = vmdev_dir_open (root, rel, error);
  if (dir == NULL)
    return FALSE;
  log_fd = openat (vmdev_root_fd (root), lrel, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      g_autofree char *lshown = vmdev_root_display (root, lrel);

      vmdev_domain_remove_run_dir (root, def->name);
      return vmdev_error_from_errno (error, errno, "opening", lshown);
    }
  if ((mon = listen_at (dir, VMDEV_QEMU_MONITOR_SOCKET, error)) < 0 ||
      (cmd = listen_at (dir, VMDEV_QEMU_COMMAND_SOCKET, error)) < 0)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return FALSE;
    }
  if (!vmdev_domain_live_write (dir, def, error) ||
      (dev_plan = dev_plan_new (root, def, hostdevs, error)) == NULL)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return FALSE;
    }
  shown = vmdev_root_display (root, rel);
  run_dir = g_canonicalize_filename (shown, NULL);
  vmdev_qemu_argv_options_init (&opts);
  opts.run_dir = run_dir;
  opts.monitor_fd = QEMU_MONITOR_FD;
  opts.command_fd = QEMU_COMMAND_FD;
  argv = vmdev_qemu_build_argv (def, &opts, error);
  if (argv == NULL)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return FALSE;
    }
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return vmdev_error_from_errno (error, errno, "creating a pipe", "monitor");
    }
  rfd = pipefd[0];
  wfd = pipefd[1];
  fflush (stdout);
  fflush (stderr);
  child = fork ();
  if (child < 0)
    {
      vmdev_domain_remove_run_dir (root, def->name);
      return vmdev_error_from_errno (error, errno, "forking", "monitor");
    }
  if (child == 0)
    {
      Monitor m = {
        .root = root, .name = def->name, .uuid = def->uuid, .dir = dir, .log_fd = log_fd,
        .mon_sock = mon, .cmd_sock = cmd, .argv = argv, .paused = paused, .ready_fd = wfd,
        .hostdevs = hostdevs, .mcs = ctx->mcs, .priv = &priv, .dev_plan = dev_plan,
      };
      pid_t grandchild;

      int keep[] = { vmdev_root_fd (root), dir->fd, log_fd, mon, cmd, wfd };

      /* Only these survive: an inherited lock fd would hold the lock for the
       * life of the monitor. */
      close_other_fds (keep, G_N_ELEMENTS (keep));
      setsid ();
      grandchild = fork ();
      if (grandchild < 0)
        {
          ready_send (wfd, "err cannot fork the monitor: %s\n", g_strerror (errno));
          _exit (1);
        }
      if (grandchild > 0)
        _exit (0);
      monitor_main (&m);
    }
  /* Only QEMU may hold the listening sockets: then its early exit resets the
   * monitor's pending connection at once. */
  vmdev_fd_close (wfd);
  wfd = -1;
  vmdev_fd_close (mon);
  mon = -1;
  vmdev_fd_close (cmd);
  cmd = -1;
  while (waitpid (child, &wstatus, 0) < 0 && errno == EINTR)
    ;

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while ((line = ready_read (rfd, acc, deadline, &timed_out)) != NULL)
    {
      if (g_str_has_prefix (line, "pid "))
        sscanf (line + 4, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &monitor_pid, &qemu_pid);
      else if (strcmp (line, "ok") == 0)
        return TRUE;
      else if (g_str_has_prefix (line, "err "))
        {
          g_autofree char *tail = NULL;

          /* The monitor has logged and cleaned up before saying so. */
          vmdev_domain_wait_pid_gone (monitor_pid, 0, 5000);
          tail = log_tail (root, def->name, 8);
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                       "domain '%s': %s; the log says:%s", def->name, line + 4, tail);
          return FALSE;
        }
      g_clear_pointer (&line, g_free);
    }
  /* Timed out, or the monitor died without a word: kill what was started. */
  if (monitor_pid > 0)
    kill ((pid_t) monitor_pid, SIGKILL);
  if (qemu_pid > 0)
    kill ((pid_t) qemu_pid, SIGKILL);
  vmdev_domain_wait_pid_gone (qemu_pid, 0, 5000);
  vmdev_domain_remove_run_dir (root, def->name);
  if (timed_out)
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                 "domain '%s': QEMU did not start within %u s; killed it", def->name,
                 timeout_ms / 1000);
  else
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                 "domain '%s': the monitor process exited before QEMU ran", def->name);
  return FALSE;
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

gboolean
vmdev_domain_start (VmdevRoot *root, const VmdevDomain *def, gboolean paused, guint timeout_ms,
                    GError **error)
{
  g_autoptr(VmdevLock) lock = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDomain) live = NULL;
  g_auto(VmdevPrepareContext) ctx = { 0 };
  g_autoptr(GArray) cgroup_devices = g_array_new (FALSE, FALSE, sizeof (VmdevCgroupDevice));
  g_autoptr(GPtrArray) hostdevs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmdev_domain_status_hostdev_free);

  if (timeout_ms == 0)
    timeout_ms = VMDEV_DOMAIN_START_TIMEOUT_MS;
  if (!vmdev_name_check ("domain name", def->name, error))
    return FALSE;
  st = vmdev_domain_get_status (root, def->name, FALSE, error);
  if (st != NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS, "domain '%s' is already running",
                   def->name);
      return FALSE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  /* Held until QEMU runs: two starts of one domain cannot race, and no
   * other command sees the claims before QEMU has the devices. */
  lock = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, VMDEV_LOCK_TIMEOUT_MS, error);
  if (lock == NULL)
    return FALSE;
  st = vmdev_domain_status_read (root, def->name, NULL);
  if (st != NULL && vmdev_domain_status_alive (st))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS, "domain '%s' is already running",
                   def->name);
      return FALSE;
    }
  vmdev_domain_reconcile_claims (root);
  live = live_copy (def, error);
  if (live == NULL || !vmdev_prepare_context_init (&ctx, root, live->uuid, NULL, error))
    return FALSE;
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
          return FALSE;
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
      return FALSE;
    }
  if (!launch (root, live, hostdevs, &ctx, paused, timeout_ms, error))
    {
      g_autoptr(GError) local = NULL;

      release_hostdevs (root, hostdevs);
      if (!vmdev_cgroup_remove (ctx.cgroups, def->name, &local))
        g_warning ("%s", local->message);
      return FALSE;
    }
  for (guint i = 0; i < hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (hostdevs, i);
      g_autoptr(GError) local = NULL;

      /* Reconcile would do it too: the status lists the device. */
      if (!vmdev_domain_claim_set_state (root, h->uuid, VMDEV_CLAIM_ACTIVE, &local))
        g_warning ("%s", local->message);
    }
  return TRUE;
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
