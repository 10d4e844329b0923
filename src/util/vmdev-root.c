#include "util/vmdev-root.h"

#include "util/vmdev-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _VmdevRoot
{
  char *dir;
  int fd;
};

VmdevRoot *
vmdev_root_open (const char *dir, GError **error)
{
  g_autoptr(VmdevRoot) root = g_new0 (VmdevRoot, 1);
  size_t len;

  if (dir == NULL || *dir == '\0')
    dir = g_getenv ("VMDEV_ROOT");
  if (dir == NULL || *dir == '\0')
    dir = "/";

  root->fd = -1;
  root->dir = g_strdup (dir);
  len = strlen (root->dir);
  while (len > 1 && root->dir[len - 1] == '/')
    root->dir[--len] = '\0';

  root->fd = open (root->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root->fd < 0)
    {
      int errsv = errno;
      vmdev_error_from_errno (error, errsv, "opening the root directory", root->dir);
      return NULL;
    }
  return g_steal_pointer (&root);
}

void
vmdev_root_free (VmdevRoot *root)
{
  if (root == NULL)
    return;
  if (root->fd >= 0)
    close (root->fd);
  g_free (root->dir);
  g_free (root);
}

const char *
vmdev_root_dir (VmdevRoot *root)
{
  return root->dir;
}

int
vmdev_root_fd (VmdevRoot *root)
{
  return root->fd;
}

char *
vmdev_root_display (VmdevRoot *root, const char *rel)
{
  while (*rel == '/')
    rel++;
  if (strcmp (root->dir, "/") == 0)
    return g_strconcat ("/", rel, NULL);
  return g_strconcat (root->dir, "/", rel, NULL);
}

gboolean
vmdev_root_mkdir_p (VmdevRoot *root, const char *rel, int mode, GError **error)
{
  g_autofree char *copy = g_strdup (rel);
  char *p = copy;

  while (*p == '/')
    p++;
  for (;;)
    {
      char *slash = strchr (p, '/');

      if (slash != NULL)
        *slash = '\0';
      if (*copy != '\0' && mkdirat (root->fd, copy, mode) < 0 && errno != EEXIST)
        {
          int errsv = errno;
          g_autofree char *path = vmdev_root_display (root, copy);
          return vmdev_error_from_errno (error, errsv, "creating directory", path);
        }
      if (slash == NULL)
        break;
      *slash = '/';
      p = slash + 1;
    }
  return TRUE;
}
