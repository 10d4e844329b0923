#include "util/vmdev-dir.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static VmdevDir *
dir_new (int fd, char *path)
{
  VmdevDir *dir = g_new (VmdevDir, 1);

  dir->fd = fd;
  dir->path = path;
  return dir;
}

static VmdevDir *
dir_open (VmdevRoot *root, const char *rel, gboolean missing_ok, GError **error)
{
  const char *inside = rel;
  int fd;

  while (*inside == '/')
    inside++;
  fd = openat (vmdev_root_fd (root), *inside ? inside : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *path = NULL;

      if (missing_ok && errsv == ENOENT)
        return NULL;
      path = vmdev_root_display (root, rel);
      vmdev_error_from_errno (error, errsv, "opening directory", path);
      return NULL;
    }
  return dir_new (fd, vmdev_root_display (root, rel));
}

VmdevDir *
vmdev_dir_open (VmdevRoot *root, const char *rel, GError **error)
{
  return dir_open (root, rel, FALSE, error);
}

VmdevDir *
vmdev_dir_open_if_exists (VmdevRoot *root, const char *rel, GError **error)
{
  return dir_open (root, rel, TRUE, error);
}

VmdevDir *
vmdev_dir_open_at (VmdevDir *dir, const char *name, GError **error)
{
  g_autofree char *path = vmdev_dir_child_path (dir, name);
  int fd = openat (dir->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      int errsv = errno;
      vmdev_error_from_errno (error, errsv, "opening directory", path);
      return NULL;
    }
  return dir_new (fd, g_steal_pointer (&path));
}

void
vmdev_dir_free (VmdevDir *dir)
{
  if (dir == NULL)
    return;
  vmdev_fd_close (dir->fd);
  g_free (dir->path);
  g_free (dir);
}

char *
vmdev_dir_child_path (VmdevDir *dir, const char *name)
{
  if (g_str_has_suffix (dir->path, "/"))
    return g_strconcat (dir->path, name, NULL);
  return g_strconcat (dir->path, "/", name, NULL);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

gboolean
vmdev_dir_foreach (VmdevDir *dir, VmdevDirFunc func, gpointer user_data, GError **error)
{
  guint64 buf_space[32768 / sizeof (guint64)]; /* aligned for struct dirent64 */
  char *buf = (char *) buf_space;
  ssize_t n;

  /* getdents64() on the directory's own fd, from its start: no duplicate fd
   * and none of the checks of opendir(). */
  n = lseek (dir->fd, 0, SEEK_SET);
  while (n >= 0 && (n = getdents64 (dir->fd, buf, sizeof buf_space)) > 0)
    for (ssize_t off = 0; off < n;)
      {
        struct dirent64 *ent = (struct dirent64 *) (buf + off);

        off += ent->d_reclen;
        if (strcmp (ent->d_name, ".") != 0 && strcmp (ent->d_name, "..") != 0)
          func (ent->d_name, user_data);
      }
  if (n < 0)
    {
      int errsv = errno;
      return vmdev_error_from_errno (error, errsv, "listing directory", dir->path);
    }
  return TRUE;
}

static void
add_name (const char *name, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (name));
}

GPtrArray *
vmdev_dir_list_unsorted (VmdevDir *dir, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!vmdev_dir_foreach (dir, add_name, names, error))
    return NULL;
  return g_steal_pointer (&names);
}

GPtrArray *
vmdev_dir_list (VmdevDir *dir, GError **error)
{
  GPtrArray *names = vmdev_dir_list_unsorted (dir, error);

  if (names != NULL)
    g_ptr_array_sort (names, compare_names);
  return names;
}

static gboolean
dir_read (VmdevDir *dir, const char *name, gsize max, gboolean missing_ok,
          char **out_data, gsize *out_len, GError **error)
{
  g_auto(VmdevFd) fd = openat (dir->fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  char first[4096];
  g_autofree char *buf = NULL;
  gsize len = 0, cap = sizeof first;

  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *path = NULL;

      if (missing_ok && errsv == ENOENT)
        {
          *out_data = NULL;
          if (out_len != NULL)
            *out_len = 0;
          return TRUE;
        }
      path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "reading", path);
    }
  /* Read up to max + 1 bytes: one byte more than allowed means too large.
   * The first read goes to the stack: most files fit, and are then copied
   * into a block of their own size. */
  cap = MIN (cap, max + 1);
  for (;;)
    {
      ssize_t n;

      if (len == cap)
        {
          if (cap > max)
            {
              g_autofree char *path = vmdev_dir_child_path (dir, name);
              g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                           "reading: %s: file is larger than %" G_GSIZE_FORMAT " bytes",
                           path, max);
              return FALSE;
            }
          cap = MIN (cap * 2, max + 1);
          if (buf == NULL)
            buf = memcpy (g_malloc (cap + 1), first, len);
          else
            buf = g_realloc (buf, cap + 1);
        }
      n = read (fd, (buf != NULL ? buf : first) + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_autofree char *path = vmdev_dir_child_path (dir, name);
          return vmdev_error_from_errno (error, errsv, "reading", path);
        }
      if (n == 0)
        break;
      len += n;
      /* A regular file gives a short read only at its end (POSIX; vmdev's
       * one signal handler, SIGALRM while destroy waits for a flock, is
       * never set during a read): no second read() just to see EOF. */
      if (len < cap)
        break;
    }
  if (buf == NULL)
    buf = memcpy (g_malloc (len + 1), first, len);
  buf[len] = '\0';
  *out_data = g_steal_pointer (&buf);
  if (out_len != NULL)
    *out_len = len;
  return TRUE;
}

gboolean
vmdev_dir_read (VmdevDir *dir, const char *name, gsize max,
                char **out_data, gsize *out_len, GError **error)
{
  return dir_read (dir, name, max, FALSE, out_data, out_len, error);
}

gboolean
vmdev_dir_read_if_exists (VmdevDir *dir, const char *name, gsize max,
                          char **out_data, gsize *out_len, GError **error)
{
  return dir_read (dir, name, max, TRUE, out_data, out_len, error);
}

gboolean
vmdev_dir_read_attr (VmdevDir *dir, const char *name, char **out_value, GError **error)
{
  char buf[8192];
  g_auto(VmdevFd) fd = openat (dir->fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  ssize_t n;

  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "reading", path);
    }
  /* A sysfs attribute is produced whole by one read (at most a page), so a
   * short read is the end of it: no second read() to see EOF. */
  do
    n = read (fd, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "reading", path);
    }
  if ((size_t) n == sizeof buf)
    {
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "reading: %s: attribute is longer than %zu bytes", path, sizeof buf - 1);
      return FALSE;
    }
  if (n > 0 && buf[n - 1] == '\n')
    n--;
  *out_value = g_strndup (buf, n);
  return TRUE;
}

gboolean
vmdev_dir_read_uint (VmdevDir *dir, const char *name, guint64 *out_value, GError **error)
{
  g_autofree char *value = NULL;
  guint64 v;

  if (!vmdev_dir_read_attr (dir, name, &value, error))
    return FALSE;
  g_strstrip (value);
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL))
    {
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "reading: %s: '%s' is not a number", path, value);
      return FALSE;
    }
  *out_value = v;
  return TRUE;
}

gboolean
vmdev_dir_readlink (VmdevDir *dir, const char *name, char **out_target, GError **error)
{
  char buf[PATH_MAX];
  ssize_t n = readlinkat (dir->fd, name, buf, sizeof buf - 1);

  if (n < 0)
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "reading link", path);
    }
  buf[n] = '\0';
  *out_target = g_strdup (buf);
  return TRUE;
}

int
vmdev_dir_try_write_attr (VmdevDir *dir, const char *name, const char *value)
{
  g_auto(VmdevFd) fd = openat (dir->fd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  size_t len = strlen (value);
  ssize_t n;

  if (fd < 0)
    return errno;
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno;
  return (size_t) n == len ? 0 : EIO;
}

gboolean
vmdev_dir_write_attr (VmdevDir *dir, const char *name, const char *value, GError **error)
{
  int errnum = vmdev_dir_try_write_attr (dir, name, value);

  if (errnum != 0)
    {
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errnum, "writing", path);
    }
  return TRUE;
}

gboolean
vmdev_dir_has (VmdevDir *dir, const char *name)
{
  struct stat st;

  return fstatat (dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

gboolean
vmdev_dir_write_atomic (VmdevDir *dir, const char *name, const char *data,
                        gsize len, int mode, GError **error)
{
  g_autofree char *tmp = NULL;
  g_auto(VmdevFd) fd = -1;
  int errsv;
  const char *action;

  for (int tries = 0; fd < 0 && tries < 100; tries++)
    {
      g_free (tmp);
      tmp = g_strdup_printf (".%s.tmp%06x", name, g_random_int () & 0xffffff);
      fd = openat (dir->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    {
      errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, tmp);
      return vmdev_error_from_errno (error, errsv, "creating temporary file", path);
    }
  action = "writing";
  if (!write_all (fd, data, len))
    goto fail;
  action = "syncing";
  if (fsync (fd) < 0)
    goto fail;
  action = "renaming into place";
  if (renameat (dir->fd, tmp, dir->fd, name) < 0)
    goto fail;
  /* The rename is durable once the directory is synced; a failure here is
   * reported but the new content is already in place. */
  if (fsync (dir->fd) < 0)
    {
      errsv = errno;
      return vmdev_error_from_errno (error, errsv, "syncing directory", dir->path);
    }
  return TRUE;

fail:
  errsv = errno;
  unlinkat (dir->fd, tmp, 0);
  {
    g_autofree char *path = vmdev_dir_child_path (dir, name);
    return vmdev_error_from_errno (error, errsv, action, path);
  }
}

gboolean
vmdev_dir_unlink (VmdevDir *dir, const char *name, gboolean missing_ok, GError **error)
{
  if (unlinkat (dir->fd, name, 0) < 0 && !(missing_ok && errno == ENOENT))
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "removing", path);
    }
  return TRUE;
}
