/* vmdev-fd.h: an owned file descriptor for g_auto() (GLib 2.74 has no g_autofd). */
#pragma once

#include <glib.h>

typedef int VmdevFd;

void vmdev_fd_close (VmdevFd fd);
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (VmdevFd, vmdev_fd_close, -1)

/* Returns @*fd and sets it to -1, like g_steal_pointer(). */
static inline int
vmdev_fd_steal (int *fd)
{
  int ret = *fd;
  *fd = -1;
  return ret;
}
