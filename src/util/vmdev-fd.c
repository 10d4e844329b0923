#include "util/vmdev-fd.h"

#include <errno.h>
#include <unistd.h>

void
vmdev_fd_close (VmdevFd fd)
{
  int saved = errno;

  if (fd >= 0)
    close (fd);
  errno = saved;
}
