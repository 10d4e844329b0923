/* vmdev-domain-monitor.c: the per-domain monitor process.  See
 * vmdev-domain-monitor.h and docs/lifecycle.md. */
#include "domain/vmdev-domain-monitor.h"

#include "domain/vmdev-domain-hotplug.h"
#include "domain/vmdev-domain-prepare.h"
#include "domain/vmdev-domain-status.h"
#include "qemu/vmdev-qemu-command.h"
#include "qemu/vmdev-qmp.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-json.h"
#include "util/vmdev-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct _VmdevDomainMonitor
{
  VmdevRoot *root;
  char *name;
  VmdevDir *dir;
  int log_fd;
  pid_t qemu;
  VmdevQmp *qmp;        /* on mon.sock, held for the domain's life */
};

/* A timestamped lifecycle line on @fd (the domain's log). */
static void G_GNUC_PRINTF (2, 3)
log_line (int fd, const char *fmt, ...)
{
  g_autofree char *line = NULL;
  va_list ap;
  ssize_t n G_GNUC_UNUSED;

  va_start (ap, fmt);
  line = vmdev_domain_log_line_new (fmt, ap);
  va_end (ap);
  n = write (fd, line, strlen (line));
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

/* The last @n lines this start logged, each prefixed for the error message. */
static char *
log_tail (int log_fd, guint n)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  char buf[8192];
  char *start;
  off_t size;
  ssize_t len;
  guint count, first;

  size = lseek (log_fd, 0, SEEK_END);
  if (size < 0)
    return g_strdup ("");
  len = pread (log_fd, buf, sizeof buf - 1,
               size > (off_t) sizeof buf - 1 ? size - (off_t) sizeof buf + 1 : 0);
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

static int
cmp_int (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* Closes every fd >= 3 but those in @keep (-1 entries are ignored). */
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

/* ---- QEMU's process, from clone to exec ----------------------------------- */

typedef struct
{
  const VmdevDomainLaunch *l;
  pid_t monitor;
} QemuChild;

/* Every signal to its default action and none blocked, whatever the process
 * that started the domain ignored or blocked (a blocked SIGTERM would make
 * every destroy wait for the SIGKILL). */
static void
signals_reset (void)
{
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  sigset_t none;

  sigemptyset (&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction (sig, &dfl, NULL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* In QEMU's child: DESIGN.md §7 steps 4-6, then exec QEMU with the log as
 * stdout and stderr, /dev/null as stdin, the QMP sockets as fds 3 and 4 and
 * no other fd.  The child shares the monitor's memory until exec (see
 * spawn_qemu()): what it allocates stays allocated; nothing here waits for a
 * lock another thread could hold (the monitor has no other thread). */
/* Logs why QEMU's child gives up and exits; what it allocated is freed
 * first, as the monitor's memory is its own. */
static void G_GNUC_NORETURN
child_fail (GError *error, const char *what, int errsv)
{
  if (error != NULL)
    log_line (2, "%s", error->message);
  else
    log_line (2, "%s: %s", what, g_strerror (errsv));
  g_clear_error (&error);
  _exit (127);
}

static int G_GNUC_NORETURN
qemu_exec (void *data)
{
  const QemuChild *c = data;
  const VmdevDomainLaunch *l = c->l;
  pid_t monitor = c->monitor;
  GError *error = NULL;
  char *warning = NULL;
  int log, mon, cmd, null;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != monitor)
    _exit (127);
  /* Out of the way of 0-4 first: then the log is stderr for what follows. */
  log = fcntl (l->log_fd, F_DUPFD_CLOEXEC, 10);
  mon = fcntl (l->mon_sock, F_DUPFD_CLOEXEC, 10);
  cmd = fcntl (l->cmd_sock, F_DUPFD_CLOEXEC, 10);
  if (log < 0 || dup2 (log, 1) < 0 || dup2 (log, 2) < 0)
    _exit (127);
  if (mon < 0 || cmd < 0)
    child_fail (NULL, "cannot pass the QMP sockets to QEMU", errno);
  null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2 (null, 0) < 0)
    child_fail (NULL, "cannot open /dev/null for QEMU's stdin", errno);
  /* DESIGN.md §7 steps 5 and 4, in the order the kernel allows (the private
   * /dev needs mknod, which the device cgroup forbids). */
  if (!vmdev_namespace_enter (l->dev_plan, &error) ||
      !vmdev_cgroup_enter (l->cgroups, l->name, 0, &error))
    child_fail (error, NULL, 0);
  if (dup2 (mon, VMDEV_DOMAIN_QEMU_MONITOR_FD) < 0 || dup2 (cmd, VMDEV_DOMAIN_QEMU_COMMAND_FD) < 0)
    child_fail (NULL, "cannot pass the QMP sockets to QEMU", errno);
  /* Whatever the starting process had open stays out of QEMU. */
  close_range (VMDEV_DOMAIN_QEMU_COMMAND_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  /* Step 6, last: what QEMU runs with. */
  if (!vmdev_privileges_apply (l->priv, &warning, &error))
    child_fail (error, NULL, 0);
  if (warning != NULL)
    log_line (2, "warning: %s", warning);
  g_free (warning);
  /* A change of credentials clears the parent-death signal: set it again. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != monitor)
    _exit (127);
  signals_reset ();
  execv (l->argv[0], l->argv);
  log_line (2, "cannot execute %s: %s", l->argv[0], g_strerror (errno));
  _exit (127);
}

/* Starts QEMU's process as posix_spawn() does: clone() with CLONE_VM |
 * CLONE_VFORK, on a stack of its own, so that the child borrows this
 * process's memory until it execs (this thread waits meanwhile).  A fork
 * would copy the page tables of a process with libxml2 and ICU mapped, and
 * the exec would then tear them down again: ~0.25 ms of every start.
 * Signals stay blocked until just before the exec: no handler of the
 * monitor runs in the child.  Returns the pid, or -1 with errno. */
static pid_t
spawn_qemu (const VmdevDomainLaunch *l, pid_t self)
{
  const size_t size = 1024 * 1024, guard = 4096;
  QemuChild c = { .l = l, .monitor = self };
  char *stack;
  sigset_t all, mask;
  pid_t pid;
  int errsv;

  stack = mmap (NULL, size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED)
    return -1;
  if (mprotect (stack, guard, PROT_NONE) < 0)
    {
      errsv = errno;
      munmap (stack, size);
      errno = errsv;
      return -1;
    }
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, &mask);
  pid = clone (qemu_exec, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
  errsv = errno;
  sigprocmask (SIG_SETMASK, &mask, NULL);
  munmap (stack, size);
  errno = errsv;
  return pid;
}

/* ---- launch ------------------------------------------------------------------- */

static void
monitor_free (VmdevDomainMonitor *m)
{
  g_free (m->name);
  g_clear_pointer (&m->dir, vmdev_dir_free);
  vmdev_fd_close (m->log_fd);
  g_clear_pointer (&m->qmp, vmdev_qmp_free);
  g_free (m);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevDomainMonitor, monitor_free)

/* QEMU did not come up: kills and reaps it, logs, cleans up, and sets
 * @error from @why and the log. */
static VmdevDomainMonitor *
launch_failed (VmdevDomainMonitor *m, const VmdevDomainLaunch *l, GError *why, GError **error)
{
  g_autoptr(GError) cause = why;
  g_autofree char *tail = NULL;
  int wstatus = 0;

  if (m->qemu > 0)
    {
      kill (m->qemu, SIGKILL);
      while (waitpid (m->qemu, &wstatus, 0) < 0 && errno == EINTR)
        ;
    }
  log_line (m->log_fd, "domain '%s' failed to start: %s", m->name, cause->message);
  if (m->qemu > 0)
    log_exit (m->log_fd, m->qemu, wstatus);
  vmdev_domain_remove_run_dir (m->root, m->name);
  tail = log_tail (m->log_fd, 8);
  if (m->qemu > 0 && WIFEXITED (wstatus))
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                 "domain '%s': QEMU exited with status %d; the log says:%s", m->name,
                 WEXITSTATUS (wstatus), tail);
  else if (g_error_matches (cause, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT))
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                 "domain '%s': QEMU did not start within %u s; killed it; the log says:%s",
                 m->name, l->timeout_ms / 1000, tail);
  else
    g_set_error (error, cause->domain, cause->code, "domain '%s': %s; the log says:%s",
                 m->name, cause->message, tail);
  monitor_free (m);
  return NULL;
}

VmdevDomainMonitor *
vmdev_domain_monitor_launch (const VmdevDomainLaunch *l, GError **error)
{
  g_autoptr(VmdevDomainMonitor) m = g_new0 (VmdevDomainMonitor, 1);
  g_auto(VmdevFd) mon = l->mon_sock, cmd = l->cmd_sock;
  g_autoptr(GError) local = NULL;
  g_autofree char *argv_text = NULL;
  VmdevDomainStatus st = { .hostdevs = l->hostdevs, .mcs = (char *) l->mcs };
  pid_t self = getpid ();

  m->root = l->root;
  m->name = g_strdup (l->name);
  m->dir = l->dir;
  m->log_fd = l->log_fd;
  /* Its own session: QEMU gets no signal of the caller's terminal. */
  if (setsid () < 0)
    {
      int errsv = errno;

      vmdev_domain_remove_run_dir (m->root, m->name);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "domain '%s': cannot make the monitor a session of its own: %s (the "
                   "process that starts a domain must not lead a process group)", m->name,
                   g_strerror (errsv));
      return NULL;
    }
  /* Held until the runtime directory is removed: `destroy` waits for it. */
  if (flock (m->dir->fd, LOCK_EX | LOCK_NB) < 0)
    log_line (m->log_fd, "warning: locking the runtime directory: %s", g_strerror (errno));
  argv_text = g_strjoinv (" ", l->argv);
  log_line (m->log_fd, "starting domain '%s' (monitor pid %d): %s", m->name, (int) self,
            argv_text);
  m->qemu = spawn_qemu (l, self);
  if (m->qemu < 0)
    {
      int errsv = errno;

      return launch_failed (g_steal_pointer (&m), l,
                            g_error_new (VMDEV_ERROR, VMDEV_ERROR_FAILED,
                                         "cannot start QEMU's process: %s", g_strerror (errsv)), error);
    }
  /* Only QEMU may hold the listening sockets: then its early exit resets the
   * pending connection at once. */
  vmdev_fd_close (vmdev_fd_steal (&mon));
  vmdev_fd_close (vmdev_fd_steal (&cmd));

  /* The socket listens already: connecting cannot fail with ENOENT or
   * ECONNREFUSED; the greeting comes once QEMU is ready, and an early exit
   * of QEMU closes the connection. */
  m->qmp = vmdev_qmp_connect_at (m->dir, VMDEV_QEMU_MONITOR_SOCKET, l->timeout_ms, &local);
  if (m->qmp != NULL && !l->paused)
    {
      g_autoptr(VmdevJson) ret = vmdev_qmp_execute (m->qmp, "cont", NULL, &local);

      if (ret == NULL)
        g_clear_pointer (&m->qmp, vmdev_qmp_free);
    }
  if (m->qmp != NULL)
    {
      g_autofree char *lrel = vmdev_domain_log_rel (m->name);

      st.name = (char *) l->name;
      st.uuid = (char *) l->uuid;
      st.state = (char *) (l->paused ? "paused" : "running");
      st.pid = m->qemu;
      st.pid_start_time = vmdev_proc_start_time (m->qemu);
      st.monitor_pid = self;
      st.started = vmdev_domain_now_iso ();
      st.qmp = vmdev_dir_child_path (m->dir, VMDEV_QEMU_COMMAND_SOCKET);
      st.log = vmdev_root_display (m->root, lrel);
      if (st.pid_start_time == 0)
        g_set_error (&local, VMDEV_ERROR, VMDEV_ERROR_FAILED, "QEMU exited");
      if (local != NULL || !vmdev_domain_status_write (m->dir, &st, &local))
        g_clear_pointer (&m->qmp, vmdev_qmp_free);
      g_free (st.started);
      g_free (st.qmp);
      g_free (st.log);
    }
  if (m->qmp == NULL)
    return launch_failed (g_steal_pointer (&m), l, g_steal_pointer (&local), error);
  log_line (m->log_fd, "domain '%s' started (QEMU pid %d, %s)", m->name, (int) m->qemu,
            l->paused ? "paused" : "running");
  return g_steal_pointer (&m);
}

/* ---- the monitor's life ----------------------------------------------------- */

/* The guest released a device (maybe after `detach-device --live` gave up
 * waiting): it leaves the live definition and the status. */
static void
device_deleted (VmdevDomainMonitor *m, const VmdevQmpEvent *ev)
{
  g_autoptr(GError) error = NULL;
  const char *id = vmdev_json_get_string (ev->data, "device", NULL);
  gboolean found = FALSE;

  if (id == NULL)
    return;
  if (!vmdev_domain_hotplug_forget (m->root, m->name, m->qemu, id, &found, &error))
    log_line (2, "warning: device %s was deleted by the guest, but %s", id, error->message);
  else if (found)
    log_line (2, "device %s was released by the guest and removed from the live definition",
              id);
}

/* Drains the events of the monitor socket and reaps QEMU. */
static int
watch (VmdevDomainMonitor *m)
{
  int qfd = vmdev_qmp_get_fd (m->qmp);
  int wstatus = 0;

  for (;;)
    {
      struct pollfd p = { .fd = qfd, .events = POLLIN };
      pid_t r;

      if (qfd >= 0 && poll (&p, 1, 250) > 0)
        {
          VmdevQmpEvent *ev;

          if (!vmdev_qmp_poll_events (m->qmp, NULL))
            qfd = -1;
          while ((ev = vmdev_qmp_pop_event (m->qmp)) != NULL)
            {
              log_line (2, "QMP event %s", ev->name);
              if (strcmp (ev->name, "DEVICE_DELETED") == 0)
                device_deleted (m, ev);
              vmdev_qmp_event_free (ev);
            }
        }
      /* Without the QMP socket (QEMU closed it: it is exiting) there is
       * nothing else to watch: wait for it. */
      r = waitpid (m->qemu, &wstatus, qfd >= 0 ? WNOHANG : 0);
      if (r == m->qemu || (r < 0 && errno == ECHILD))
        return wstatus;
    }
}

void
vmdev_domain_monitor_run (VmdevDomainMonitor *m, int detach_fd, int status)
{
  int keep[] = { vmdev_root_fd (m->root), m->dir->fd, m->log_fd, vmdev_qmp_get_fd (m->qmp),
                 detach_fd };
  guint8 byte = (guint8) status;
  ssize_t n G_GNUC_UNUSED;
  int null, wstatus;

  fflush (stdout);
  fflush (stderr);
  null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0)
    dup2 (null, 0);
  dup2 (m->log_fd, 1);
  dup2 (m->log_fd, 2);
  signal (SIGPIPE, SIG_IGN);
  if (chdir ("/") < 0)
    log_line (2, "warning: chdir /: %s", g_strerror (errno));
  /* Only these stay: an inherited lock fd would hold the lock, an inherited
   * pipe would keep the caller's reader waiting for the life of the domain. */
  close_other_fds (keep, G_N_ELEMENTS (keep));
  if (detach_fd >= 0)
    {
      n = write (detach_fd, &byte, 1);
      close (detach_fd);
    }

  wstatus = watch (m);
  log_exit (2, m->qemu, wstatus);
  {
    g_autoptr(GError) lerr = NULL;
    g_autoptr(VmdevLock) lock = vmdev_lock_take (m->root, VMDEV_LOCK_GLOBAL,
                                                 VMDEV_LOCK_TIMEOUT_MS, &lerr);
    g_autoptr(VmdevDomainStatus) cur = vmdev_domain_status_read (m->root, m->name, NULL);

    if (lock == NULL)
      log_line (2, "warning: %s", lerr->message);
    /* Only our own status: a new start may already own the directory. */
    if (cur == NULL || cur->pid == m->qemu)
      {
        g_autoptr(GError) rerr = NULL;

        /* DESIGN.md §7 in reverse: what start did for each mdev; then the
         * runtime directory, whose removal `destroy` waits for. */
        if (!vmdev_domain_release_domain_claims (m->root, m->name, &rerr))
          log_line (2, "warning: %s (the next vmdev command retries)", rerr->message);
        vmdev_domain_remove_run_dir (m->root, m->name);
      }
  }
  flock (m->dir->fd, LOCK_UN);
  log_line (2, "domain '%s' stopped", m->name);
  _exit (0);
}
