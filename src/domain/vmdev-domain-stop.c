/* vmdev-domain-stop.c: stopping a domain's QEMU and waiting for its monitor.
 * GLib and libc only (no XML): `vmdev domain destroy` runs it in the light
 * binary.  See vmdev-domain-stop.h. */
#include "domain/vmdev-domain-stop.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sleeps until process @pid exits or @deadline (monotonic us) passes, woken
 * by a pidfd the moment it exits; FALSE when no pidfd could be had (the
 * caller polls instead).  @start_time (0: any) guards against a reused pid. */
static gboolean
pidfd_sleep (gint64 pid, guint64 start_time, gint64 deadline)
{
  g_auto(VmdevFd) fd = (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
  guint64 t;

  if (fd < 0)
    return FALSE;
  /* The pid may have been reused before the pidfd was taken. */
  t = vmdev_proc_start_time (pid);
  if (t == 0 || (start_time != 0 && t != start_time))
    return TRUE;
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      gint64 left = (deadline - g_get_monotonic_time () + 999) / 1000;

      if (left <= 0 || poll (&p, 1, (int) MIN (left, G_MAXINT)) >= 0 || errno != EINTR)
        return TRUE;
    }
}

gboolean
vmdev_domain_wait_pid_gone (gint64 pid, guint64 start_time, guint timeout_ms)
{
  gulong step_us = 1000;  /* without a pidfd: polls back off from 1 ms to 20 ms */
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean slept = FALSE;

  for (;;)
    {
      guint64 t = vmdev_proc_start_time (pid);

      if (t == 0 || (start_time != 0 && t != start_time))
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      if (!slept && pidfd_sleep (pid, start_time, deadline))
        {
          slept = TRUE;
          continue;
        }
      g_usleep (step_us);
      step_us = MIN (step_us * 2, 20 * 1000);
    }
}

static void
on_alarm (int sig G_GNUC_UNUSED)
{
}

/* Takes a shared flock on @fd, waiting until @deadline (monotonic us):
 * flock() cannot time out, so an interval timer interrupts it every 50 ms
 * (SIGALRM without SA_RESTART) to look at the deadline.  FALSE on timeout
 * or error. */
static gboolean
flock_until (int fd, gint64 deadline)
{
  struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
  struct itimerval tick = { .it_interval = { 0, 50000 }, .it_value = { 0, 50000 } };
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  gboolean locked = FALSE;

  if (flock (fd, LOCK_SH | LOCK_NB) == 0)
    return TRUE;
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGALRM, &sa, &old_sa) < 0)
    return FALSE;
  if (setitimer (ITIMER_REAL, &tick, NULL) == 0)
    {
      while (!(locked = flock (fd, LOCK_SH) == 0) && errno == EINTR &&
             g_get_monotonic_time () < deadline)
        ;
      setitimer (ITIMER_REAL, &off, NULL);
    }
  sigaction (SIGALRM, &old_sa, NULL);
  return locked;
}

gboolean
vmdev_domain_wait_run_dir_gone (VmdevRoot *root, const VmdevDomainStatus *st, guint timeout_ms)
{
  gulong step_us = 1000;  /* polls back off from 1 ms to 20 ms */
  g_autofree char *rel = vmdev_domain_run_rel (st->name);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_auto(VmdevFd) dir = openat (vmdev_root_fd (root), rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean slept = FALSE;
  struct stat sb;

  if (dir < 0 && errno == ENOENT)
    return TRUE;
  for (;;)
    {
      if (fstatat (vmdev_root_fd (root), rel, &sb, 0) < 0)
        return TRUE;
      if (vmdev_proc_start_time (st->monitor_pid) == 0)
        return FALSE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      /* The monitor holds an exclusive lock on the directory until it has
       * removed it (vmdev-domain-monitor.h): this lock is granted the moment
       * it is done, not once the monitor's own exit is over. */
      if (dir >= 0)
        {
          if (!flock_until (dir, deadline))
            return FALSE;
          vmdev_fd_close (vmdev_fd_steal (&dir));
          continue;
        }
      /* A monitor without that lock (of an older vmdev) exits right after
       * removing the directory. */
      if (!slept && pidfd_sleep (st->monitor_pid, 0, deadline))
        {
          slept = TRUE;
          continue;
        }
      g_usleep (step_us);
      step_us = MIN (step_us * 2, 20 * 1000);
    }
}

gboolean
vmdev_domain_kill (const VmdevDomainStatus *st, GError **error)
{
  kill ((pid_t) st->pid, SIGTERM);
  if (vmdev_domain_wait_pid_gone (st->pid, st->pid_start_time, VMDEV_DOMAIN_STOP_TIMEOUT_MS))
    return TRUE;
  if (vmdev_domain_status_alive (st))
    kill ((pid_t) st->pid, SIGKILL);
  if (vmdev_domain_wait_pid_gone (st->pid, st->pid_start_time, VMDEV_DOMAIN_STOP_TIMEOUT_MS))
    return TRUE;
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
               "domain '%s': QEMU (pid %" G_GINT64_FORMAT ") survived SIGKILL for %d s",
               st->name, st->pid, VMDEV_DOMAIN_STOP_TIMEOUT_MS / 1000);
  return FALSE;
}
