#include "util/vmdev-lock.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>

struct _VmdevLock
{
  int fd;
};

VmdevLock *
vmdev_lock_take (VmdevRoot *root, const char *rel, guint timeout_ms, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (rel);
  g_autofree char *path = vmdev_root_display (root, rel);
  g_auto(VmdevFd) fd = -1;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint sleep_us = 1000;
  VmdevLock *lock;

  if (strcmp (dir, ".") != 0 && !vmdev_root_mkdir_p (root, dir, 0755, error))
    return NULL;
  fd = openat (vmdev_root_fd (root), rel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      vmdev_error_from_errno (error, errsv, "opening lock file", path);
      return NULL;
    }
  while (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EINTR)
        continue;
      if (errno != EWOULDBLOCK)
        {
          int errsv = errno;
          vmdev_error_from_errno (error, errsv, "locking", path);
          return NULL;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                       "locking: %s: still held by another vmdev command after %u ms; "
                       "retry when it has finished", path, timeout_ms);
          return NULL;
        }
      g_usleep (sleep_us);
      sleep_us = MIN (sleep_us * 2, 50000);
    }
  lock = g_new (VmdevLock, 1);
  lock->fd = vmdev_fd_steal (&fd);
  return lock;
}

void
vmdev_lock_release (VmdevLock *lock)
{
  if (lock == NULL)
    return;
  vmdev_fd_close (lock->fd);
  g_free (lock);
}
