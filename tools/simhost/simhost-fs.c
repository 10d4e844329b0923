/* simhost: the FUSE file system serving the model, and mount/umount.
 *
 * High-level libfuse API: every request names a path, which the model
 * resolves with one hash lookup per component.  The loop is multi-threaded;
 * one mutex guards the model, and injected delays sleep outside it.
 * Entries and attributes are never cached by the kernel (timeouts 0) and
 * files use direct I/O, so every change is visible at once.
 */
#define FUSE_USE_VERSION 312
#include "simhost-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define MOUNT_DIR ".simhost"
/* Bound on the wait for the server to exit after the unmount: generous, as
 * a sanitizer build checks for leaks at exit (seconds for 10,000 devices). */
#define WAIT_EXIT_MS 60000
/* FUSE sends RELEASE asynchronously after the last close(): an open of a
 * group node, or a remove, that comes right after a close may arrive before
 * it.  They wait this long for the group to be closed before giving EBUSY. */
#define GROUP_CLOSE_WAIT_MS 250

typedef struct
{
  GString *data; /* what reads return: rendered at open */
  gint64 group;  /* the IOMMU group whose node this handle opened, or -1 */
} ShOpen;

static ShHost *fs_host;
static GMutex fs_lock;
static GCond fs_group_closed; /* signalled (under fs_lock) when a group node is closed */
static struct timespec fs_start;
static int fs_ready_fd = -1;

/* ------------------------------------------------------------------ */
/* Request helpers */

/* Takes the lock, sleeps for a delay fault on the path (outside the lock),
 * and resolves the path.  *fault gets the path's fault (copied) if any.
 * The caller unlocks. */
static ShNode *
enter (const char *path, ShFault *fault)
{
  ShFault *f;

  g_mutex_lock (&fs_lock);
  f = sh_host_fault (fs_host, path);
  if (f && f->delay_ms)
    {
      guint ms = f->delay_ms;

      g_mutex_unlock (&fs_lock);
      g_usleep ((gulong) ms * 1000);
      g_mutex_lock (&fs_lock);
      f = sh_host_fault (fs_host, path);
    }
  if (fault)
    {
      if (f)
        *fault = *f;
      else
        memset (fault, 0, sizeof *fault);
    }
  return sh_host_lookup (fs_host, path);
}

static void
leave (void)
{
  g_mutex_unlock (&fs_lock);
}

/* With fs_lock held (released while waiting): waits up to
 * GROUP_CLOSE_WAIT_MS for group N's node to have no opener; TRUE if it has
 * none.  Nodes resolved before may be gone afterwards: look them up again. */
static gboolean
wait_group_closed (guint group)
{
  gint64 deadline = g_get_monotonic_time () + GROUP_CLOSE_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (sh_host_group_opens (fs_host, group) > 0)
    if (!g_cond_wait_until (&fs_group_closed, &fs_lock, deadline))
      return sh_host_group_opens (fs_host, group) == 0;
  return TRUE;
}

static void
fill_stat (ShNode *node, struct stat *st)
{
  memset (st, 0, sizeof *st);
  st->st_uid = node->uid;
  st->st_gid = node->gid;
  st->st_atim = st->st_mtim = st->st_ctim = fs_start;
  st->st_blksize = 4096;
  switch (node->type)
    {
    case SH_NODE_DIR:
      st->st_mode = S_IFDIR | node->mode;
      st->st_nlink = 2;
      break;
    case SH_NODE_LINK:
      st->st_mode = S_IFLNK | 0777;
      st->st_nlink = 1;
      st->st_size = (off_t) strlen (node->target);
      break;
    case SH_NODE_FILE:
    default:
      st->st_mode = S_IFREG | node->mode;
      st->st_nlink = 1;
      /* sysfs attributes report a page; the device nodes are empty */
      if (node->kind != SH_FILE_GROUP && node->kind != SH_FILE_CONTAINER)
        st->st_size = 4096;
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Operations */

static int
op_getattr (const char *path, struct stat *st, struct fuse_file_info *fi)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  if (node)
    fill_stat (node, st);
  else
    ret = -ENOENT;
  leave ();
  return ret;
}

static int
op_readlink (const char *path, char *buf, size_t size)
{
  ShFault fault;
  ShNode *node = enter (path, &fault);
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (node->type != SH_NODE_LINK)
    ret = -EINVAL;
  else if (fault.eio)
    ret = -EIO;
  else if (size > 0)
    g_strlcpy (buf, node->target, size);
  leave ();
  return ret;
}

static int
op_readdir (const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
            struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  ShFault fault;
  ShNode *node = enter (path, &fault);
  GHashTableIter iter;
  gpointer key;
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (node->type != SH_NODE_DIR)
    ret = -ENOTDIR;
  else if (fault.eio)
    ret = -EIO;
  else
    {
      /* Offsets of 0: libfuse keeps the whole listing, read in one pass.
       * Entries under a vanish fault are listed: only lookups miss them. */
      filler (buf, ".", NULL, 0, 0);
      filler (buf, "..", NULL, 0, 0);
      g_hash_table_iter_init (&iter, node->children);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (filler (buf, key, NULL, 0, 0) != 0)
          {
            ret = -ENOMEM;
            break;
          }
    }
  leave ();
  return ret;
}

static int
op_open (const char *path, struct fuse_file_info *fi)
{
  int acc = fi->flags & O_ACCMODE;
  gboolean want_read = acc == O_RDONLY || acc == O_RDWR;
  gboolean want_write = acc == O_WRONLY || acc == O_RDWR;
  ShFault fault;
  ShNode *node = enter (path, &fault);
  ShOpen *of;
  gint64 opened_group = -1;
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (node->type == SH_NODE_DIR)
    ret = -EISDIR;
  else if (node->type != SH_NODE_FILE)
    ret = -ELOOP;
  else if (fault.eio && (node->kind == SH_FILE_GROUP || node->kind == SH_FILE_CONTAINER))
    ret = -EIO;
  /* kernfs: no read (write) method, or no r (w) bit, gives EACCES */
  else if ((want_read && !(node->mode & 0444)) || (want_write && !(node->mode & 0222)))
    ret = -EACCES;
  else if (node->kind == SH_FILE_GROUP)
    {
      /* vfio_group_fops_open (6.1): one opener at a time, else EBUSY. */
      guint group = node->group;

      if (sh_host_group_busy (fs_host, group) || !wait_group_closed (group))
        ret = -EBUSY;
      else if (!(node = sh_host_lookup (fs_host, path)) || node->kind != SH_FILE_GROUP)
        ret = -ENOENT;
      else if (sh_host_group_busy (fs_host, node->group))
        ret = -EBUSY;
      else
        {
          opened_group = node->group;
          sh_host_group_set_open (fs_host, node->group, TRUE);
        }
    }
  if (ret == 0)
    {
      of = g_new0 (ShOpen, 1);
      of->group = opened_group;
      of->data = want_read ? sh_node_render (fs_host, node) : g_string_new (NULL);
      fi->fh = (uint64_t) (uintptr_t) of;
      fi->direct_io = 1;
      fi->keep_cache = 0;
      fi->nonseekable = 0;
    }
  leave ();
  return ret;
}

static int
op_read (const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
  ShOpen *of = (ShOpen *) (uintptr_t) fi->fh;
  ShFault fault;
  size_t n = 0;
  int ret;

  enter (path, &fault);
  leave ();
  if (fault.eio)
    return -EIO;
  if (offset >= 0 && (size_t) offset < of->data->len)
    {
      n = MIN (size, of->data->len - (size_t) offset);
      memcpy (buf, of->data->str + offset, n);
    }
  ret = (int) n;
  return ret;
}

static int
op_write (const char *path, const char *buf, size_t size, off_t offset,
          struct fuse_file_info *fi)
{
  ShFault fault;
  ShNode *node = enter (path, &fault);
  int err = 0;

  if (!node)
    err = ENODEV; /* the attribute went away while open, as in kernfs */
  else if (fault.eio)
    err = EIO;
  else if (size == 0)
    err = 0;
  else
    switch (node->kind)
      {
      case SH_FILE_CREATE:
        err = sh_host_write_create (fs_host, node->mtype, buf, size);
        break;
      case SH_FILE_REMOVE:
        /* A close of the group node just before may still be on its way. */
        if (sh_host_group_opens (fs_host, node->device->group) > 0)
          {
            wait_group_closed (node->device->group);
            node = sh_host_lookup (fs_host, path);
            if (!node || node->kind != SH_FILE_REMOVE)
              {
                err = ENODEV;
                break;
              }
          }
        err = sh_host_write_remove (fs_host, node->device, buf, size);
        break;
      case SH_FILE_ATTR:
        err = sh_host_write_attr (fs_host, node, buf, size);
        break;
      case SH_FILE_CONTROL:
        err = sh_host_control (fs_host, buf, size);
        break;
      case SH_FILE_GROUP:
      case SH_FILE_CONTAINER:
        err = EINVAL;
        break;
      default:
        err = EACCES;
        break;
      }
  leave ();
  return err ? -err : (int) size;
}

static int
op_release (const char *path, struct fuse_file_info *fi)
{
  ShOpen *of = (ShOpen *) (uintptr_t) fi->fh;

  if (of)
    {
      if (of->group >= 0)
        {
          g_mutex_lock (&fs_lock);
          sh_host_group_set_open (fs_host, (guint) of->group, FALSE);
          g_cond_broadcast (&fs_group_closed);
          g_mutex_unlock (&fs_lock);
        }
      g_string_free (of->data, TRUE);
      g_free (of);
    }
  return 0;
}

static int
op_truncate (const char *path, off_t size, struct fuse_file_info *fi)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  /* sysfs ignores truncation (O_TRUNC of "echo 1 > remove") */
  if (!node)
    ret = -ENOENT;
  else if (node->type == SH_NODE_DIR)
    ret = -EISDIR;
  else if (!(node->mode & 0222))
    ret = -EACCES;
  leave ();
  return ret;
}

static int
op_chmod (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (node->type != SH_NODE_LINK)
    node->mode = mode & 07777;
  leave ();
  return ret;
}

static int
op_chown (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else
    {
      if (uid != (uid_t) -1)
        node->uid = uid;
      if (gid != (gid_t) -1)
        node->gid = gid;
    }
  leave ();
  return ret;
}

static int
op_utimens (const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  ShNode *node = enter (path, NULL);

  leave ();
  return node ? 0 : -ENOENT;
}

/* sysfs (kernfs) and devtmpfs in 6.1 have handlers for trusted.* and
 * security.* only: any other namespace is EOPNOTSUPP, as there.  The kernel
 * itself requires CAP_SYS_ADMIN for trusted.*. */
static gboolean
xattr_name_supported (const char *name)
{
  return (g_str_has_prefix (name, "trusted.") && name[8] != '\0')
         || (g_str_has_prefix (name, "security.") && name[9] != '\0');
}

static int
op_setxattr (const char *path, const char *name, const char *value, size_t size, int flags)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (!xattr_name_supported (name))
    ret = -EOPNOTSUPP;
  else
    {
      gboolean exists = node->xattrs && g_hash_table_contains (node->xattrs, name);

      if ((flags & XATTR_CREATE) && exists)
        ret = -EEXIST;
      else if ((flags & XATTR_REPLACE) && !exists)
        ret = -ENODATA;
      else
        {
          if (!node->xattrs)
            node->xattrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  (GDestroyNotify) g_bytes_unref);
          g_hash_table_replace (node->xattrs, g_strdup (name), g_bytes_new (value, size));
        }
    }
  leave ();
  return ret;
}

static int
op_getxattr (const char *path, const char *name, char *value, size_t size)
{
  ShNode *node = enter (path, NULL);
  GBytes *bytes;
  int ret;

  if (!node)
    ret = -ENOENT;
  else if (!xattr_name_supported (name))
    ret = -EOPNOTSUPP;
  else if (!node->xattrs || !(bytes = g_hash_table_lookup (node->xattrs, name)))
    ret = -ENODATA;
  else
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      if (size == 0)
        ret = (int) len;
      else if (size < len)
        ret = -ERANGE;
      else
        {
          memcpy (value, data, len);
          ret = (int) len;
        }
    }
  leave ();
  return ret;
}

static int
op_listxattr (const char *path, char *list, size_t size)
{
  ShNode *node = enter (path, NULL);
  GString *names = g_string_new (NULL);
  int ret;

  if (!node)
    ret = -ENOENT;
  else
    {
      if (node->xattrs)
        {
          GHashTableIter iter;
          gpointer key;

          g_hash_table_iter_init (&iter, node->xattrs);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            g_string_append_len (names, key, (gssize) strlen (key) + 1);
        }
      if (size == 0)
        ret = (int) names->len;
      else if (size < names->len)
        ret = -ERANGE;
      else
        {
          memcpy (list, names->str, names->len);
          ret = (int) names->len;
        }
    }
  leave ();
  g_string_free (names, TRUE);
  return ret;
}

static int
op_removexattr (const char *path, const char *name)
{
  ShNode *node = enter (path, NULL);
  int ret = 0;

  if (!node)
    ret = -ENOENT;
  else if (!xattr_name_supported (name))
    ret = -EOPNOTSUPP;
  else if (!node->xattrs || !g_hash_table_remove (node->xattrs, name))
    ret = -ENODATA;
  leave ();
  return ret;
}

static int
op_mknod (const char *path, mode_t mode, dev_t dev)
{
  return -EACCES;
}

static int
op_mkdir (const char *path, mode_t mode)
{
  return -EACCES;
}

static int
op_create (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return -EACCES;
}

static int
op_unlink (const char *path)
{
  return -EPERM;
}

static int
op_rmdir (const char *path)
{
  return -EPERM;
}

static int
op_symlink (const char *target, const char *path)
{
  return -EACCES;
}

static int
op_link (const char *from, const char *to)
{
  return -EACCES;
}

static int
op_rename (const char *from, const char *to, unsigned int flags)
{
  return -EPERM;
}

static void *
op_init (struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->use_ino = 0;
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  if (fs_ready_fd >= 0)
    {
      char ok = 'K';

      if (write (fs_ready_fd, &ok, 1) != 1)
        { /* the waiting parent is gone: nothing to tell */ }
      close (fs_ready_fd);
      fs_ready_fd = -1;
    }
  return fs_host;
}

static const struct fuse_operations fs_ops = {
  .getattr = op_getattr,
  .readlink = op_readlink,
  .mknod = op_mknod,
  .mkdir = op_mkdir,
  .unlink = op_unlink,
  .rmdir = op_rmdir,
  .symlink = op_symlink,
  .rename = op_rename,
  .link = op_link,
  .chmod = op_chmod,
  .chown = op_chown,
  .truncate = op_truncate,
  .open = op_open,
  .read = op_read,
  .write = op_write,
  .release = op_release,
  .setxattr = op_setxattr,
  .getxattr = op_getxattr,
  .listxattr = op_listxattr,
  .removexattr = op_removexattr,
  .readdir = op_readdir,
  .init = op_init,
  .create = op_create,
  .utimens = op_utimens,
};

/* ------------------------------------------------------------------ */
/* Mount life cycle */

static char fs_last_log[512];

static void
log_capture (enum fuse_log_level level, const char *fmt, va_list ap)
{
  char *nl;

  if (level > FUSE_LOG_ERR)
    return;
  g_vsnprintf (fs_last_log, sizeof fs_last_log, fmt, ap);
  while ((nl = strchr (fs_last_log, '\n')))
    *nl = nl[1] ? ' ' : '\0';
}

/* Reports an error: on stderr, or through the pipe to the waiting parent. */
static void G_GNUC_PRINTF (2, 3)
report (int fd, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (fd >= 0)
    {
      g_autofree char *line = g_strconcat ("E", msg, NULL);

      if (write (fd, line, strlen (line)) < 0)
        fprintf (stderr, "simhost: %s\n", msg);
    }
  else
    fprintf (stderr, "simhost: %s\n", msg);
}

/* TRUE if path is a link whose target is exactly target. */
static gboolean
is_link_to (const char *path, const char *target)
{
  char buf[256];
  ssize_t n = readlink (path, buf, sizeof buf - 1);

  if (n < 0)
    return FALSE;
  buf[n] = '\0';
  return strcmp (buf, target) == 0;
}

/* 1 if mnt is a mount point (or a dead FUSE mount), 0 if not, -1 if absent. */
static int
mount_state (const char *root, const char *mnt)
{
  struct stat rs, ms;

  if (stat (mnt, &ms) < 0)
    return errno == ENOTCONN || errno == ECONNABORTED ? 1 : -1;
  if (stat (root, &rs) < 0)
    return -1;
  return rs.st_dev != ms.st_dev ? 1 : 0;
}

static gboolean
make_link (int fd, const char *root, const char *name, const char *target)
{
  g_autofree char *path = g_build_filename (root, name, NULL);

  if (is_link_to (path, target) && unlink (path) < 0)
    {
      report (fd, "cannot replace link: %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  if (symlink (target, path) < 0)
    {
      report (fd, "cannot create link: %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Removes ROOT/sys, ROOT/dev (when they lead to the mount) and ROOT/.simhost. */
static gboolean
cleanup_root (const char *root, gboolean quiet)
{
  static const char *const names[][2] = {
    { "sys", MOUNT_DIR "/sys" }, { "dev", MOUNT_DIR "/dev" },
  };
  g_autofree char *mnt = g_build_filename (root, MOUNT_DIR, NULL);
  gboolean ok = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (root, names[i][0], NULL);

      if (is_link_to (path, names[i][1]) && unlink (path) < 0 && errno != ENOENT)
        {
          if (!quiet)
            fprintf (stderr, "simhost: cannot remove link: %s: %s\n", path, g_strerror (errno));
          ok = FALSE;
        }
    }
  if (rmdir (mnt) < 0 && errno != ENOENT)
    {
      if (!quiet)
        fprintf (stderr, "simhost: cannot remove directory: %s: %s\n", mnt, g_strerror (errno));
      ok = FALSE;
    }
  return ok;
}

/* Checks ROOT before mounting; returns FALSE with an error printed. */
static gboolean
check_root (const char *root, const char *mnt)
{
  static const char *const names[][2] = {
    { "sys", MOUNT_DIR "/sys" }, { "dev", MOUNT_DIR "/dev" },
  };
  struct stat st;
  int state = mount_state (root, mnt);

  if (state == 1)
    {
      fprintf (stderr, "simhost: cannot mount: %s: already mounted (run 'simhost umount %s')\n",
               mnt, root);
      return FALSE;
    }
  if (state == 0 && (lstat (mnt, &st) < 0 || !S_ISDIR (st.st_mode)))
    {
      fprintf (stderr, "simhost: cannot mount: %s: exists and is not a directory\n", mnt);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (root, names[i][0], NULL);

      if (lstat (path, &st) == 0 && !is_link_to (path, names[i][1]))
        {
          fprintf (stderr, "simhost: cannot mount: %s: exists and is not a link to %s\n", path,
                   names[i][1]);
          return FALSE;
        }
    }
  return TRUE;
}

/* Runs in the serving process.  fd: the pipe to the waiting parent, or -1
 * in the foreground.  Returns the exit status. */
static int
serve (ShHost *host, const char *root, const char *mnt, int fd)
{
  g_autofree char *opts = NULL;
  struct fuse_args args = FUSE_ARGS_INIT (0, NULL);
  struct fuse_loop_config *cfg;
  struct fuse *fuse;
  int rc = 0;

  fs_host = host;
  clock_gettime (CLOCK_REALTIME, &fs_start);
  sh_host_add_fuse_entries (host);
  fuse_set_log_func (log_capture);

  /* default_permissions: the kernel checks owner and mode as on a real host,
   * so a group node is open to the QEMU user only once vmdev labelled it. */
  opts = g_strdup_printf ("fsname=simhost,subtype=simhost,default_permissions%s",
                          geteuid () == 0 ? ",allow_other" : "");
  if (fuse_opt_add_arg (&args, "simhost") != 0 || fuse_opt_add_arg (&args, "-o") != 0 ||
      fuse_opt_add_arg (&args, opts) != 0)
    {
      report (fd, "cannot mount: %s: out of memory", mnt);
      return 1;
    }
  fuse = fuse_new (&args, &fs_ops, sizeof fs_ops, host);
  fuse_opt_free_args (&args);
  if (!fuse)
    {
      report (fd, "cannot mount: %s: %s", mnt, *fs_last_log ? fs_last_log : "fuse_new failed");
      return 1;
    }
  if (fuse_mount (fuse, mnt) != 0)
    {
      report (fd, "cannot mount: %s: %s", mnt,
              *fs_last_log ? fs_last_log : "fuse_mount failed");
      fuse_destroy (fuse);
      return 1;
    }
  if (!make_link (fd, root, "sys", MOUNT_DIR "/sys") ||
      !make_link (fd, root, "dev", MOUNT_DIR "/dev"))
    {
      fuse_unmount (fuse);
      fuse_destroy (fuse);
      cleanup_root (root, TRUE);
      return 1;
    }
  if (fuse_set_signal_handlers (fuse_get_session (fuse)) != 0)
    {
      report (fd, "cannot mount: %s: cannot install signal handlers", mnt);
      fuse_unmount (fuse);
      fuse_destroy (fuse);
      cleanup_root (root, TRUE);
      return 1;
    }
  if (fd >= 0)
    {
      /* Daemon: from here on, only the pipe reports (once, from init). */
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

      if (null >= 0)
        {
          dup2 (null, STDIN_FILENO);
          dup2 (null, STDOUT_FILENO);
          dup2 (null, STDERR_FILENO);
          close (null);
        }
      fs_ready_fd = fd;
    }
  if (chdir ("/") < 0)
    { /* not fatal: only keeps the cwd busy */ }

  cfg = fuse_loop_cfg_create ();
  fuse_loop_cfg_set_max_threads (cfg, 64);
  fuse_loop_cfg_set_clone_fd (cfg, 0);
  /* negative: an error; positive: the signal that ended the loop */
  if (fuse_loop_mt (fuse, cfg) < 0)
    rc = 1;
  fuse_loop_cfg_destroy (cfg);
  fuse_remove_signal_handlers (fuse_get_session (fuse));
  fuse_unmount (fuse);
  fuse_destroy (fuse);
  /* Clean up unless someone mounted there again meanwhile. */
  if (mount_state (root, mnt) != 1)
    cleanup_root (root, TRUE);
  if (fs_ready_fd >= 0)
    close (fs_ready_fd);
  return rc;
}

int
sh_fs_mount (ShHost *host, const char *root_arg, gboolean foreground)
{
  g_autofree char *root = realpath (root_arg, NULL);
  g_autofree char *mnt = NULL;
  struct stat st;
  gboolean made_dir = FALSE;
  int pipefd[2];
  pid_t pid;

  if (!root)
    {
      fprintf (stderr, "simhost: cannot mount: %s: %s\n", root_arg, g_strerror (errno));
      return 1;
    }
  if (stat (root, &st) < 0 || !S_ISDIR (st.st_mode))
    {
      fprintf (stderr, "simhost: cannot mount: %s: %s\n", root_arg, g_strerror (ENOTDIR));
      return 1;
    }
  mnt = g_build_filename (root, MOUNT_DIR, NULL);
  if (!check_root (root, mnt))
    return 1;
  if (mkdir (mnt, 0755) == 0)
    made_dir = TRUE;
  else if (errno != EEXIST)
    {
      fprintf (stderr, "simhost: cannot create directory: %s: %s\n", mnt, g_strerror (errno));
      return 1;
    }

  if (foreground)
    {
      int rc = serve (host, root, mnt, -1);

      if (rc != 0 && made_dir)
        rmdir (mnt);
      return rc;
    }

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      fprintf (stderr, "simhost: cannot mount: %s: pipe: %s\n", mnt, g_strerror (errno));
      return 1;
    }
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    {
      fprintf (stderr, "simhost: cannot mount: %s: fork: %s\n", mnt, g_strerror (errno));
      return 1;
    }
  if (pid == 0)
    {
      int rc;

      close (pipefd[0]);
      setsid ();
      rc = serve (host, root, mnt, pipefd[1]);
      if (rc != 0 && made_dir)
        rmdir (mnt);
      _exit (rc);
    }

  /* Parent: wait for "K" (ready) or "E<message>" (failed) or EOF (died). */
  close (pipefd[1]);
  {
    GString *msg = g_string_new (NULL);
    char buf[512];
    ssize_t n;
    int rc;

    while ((n = read (pipefd[0], buf, sizeof buf)) != 0)
      {
        if (n < 0)
          {
            if (errno == EINTR)
              continue;
            break;
          }
        g_string_append_len (msg, buf, n);
        if (msg->len > 0 && msg->str[0] == 'K')
          break;
      }
    close (pipefd[0]);
    if (msg->len > 0 && msg->str[0] == 'K')
      rc = 0;
    else
      {
        int status;

        if (msg->len > 1 && msg->str[0] == 'E')
          fprintf (stderr, "simhost: %s\n", msg->str + 1);
        else
          fprintf (stderr, "simhost: cannot mount: %s: the server exited before the mount "
                   "was ready\n", mnt);
        waitpid (pid, &status, 0);
        rc = 1;
      }
    g_string_free (msg, TRUE);
    return rc;
  }
}

static pid_t
read_pid (const char *mnt)
{
  g_autofree char *path = g_build_filename (mnt, "pid", NULL);
  g_autofree char *text = NULL;
  guint64 pid;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &pid, NULL))
    return 0;
  return (pid_t) pid;
}

/* TRUE once the process is gone (or a zombie, or another program). */
static gboolean
process_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%ld/stat", (long) pid);
  g_autofree char *text = NULL;
  const char *close_paren;

  if (kill (pid, 0) < 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return TRUE;
  if (!strstr (text, "(simhost)"))
    return TRUE;
  close_paren = strrchr (text, ')');
  return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

int
sh_fs_umount (const char *root_arg)
{
  g_autofree char *root = realpath (root_arg, NULL);
  g_autofree char *mnt = NULL;
  pid_t pid;
  int state;

  if (!root)
    {
      fprintf (stderr, "simhost: cannot unmount: %s: %s\n", root_arg, g_strerror (errno));
      return 1;
    }
  mnt = g_build_filename (root, MOUNT_DIR, NULL);
  state = mount_state (root, mnt);
  if (state == -1)
    {
      fprintf (stderr, "simhost: cannot unmount: %s: not mounted\n", mnt);
      return 1;
    }
  if (state == 0)
    {
      /* Leftovers of a server that is gone: clean them up. */
      return cleanup_root (root, FALSE) ? 0 : 1;
    }

  pid = read_pid (mnt);
  if (geteuid () == 0)
    {
      if (umount2 (mnt, UMOUNT_NOFOLLOW) < 0)
        {
          fprintf (stderr, "simhost: cannot unmount: %s: %s\n", mnt, g_strerror (errno));
          return 1;
        }
    }
  else
    {
      const char *argv[] = { "fusermount3", "-u", "-q", mnt, NULL };
      g_autofree char *err_text = NULL;
      g_autoptr(GError) error = NULL;
      int status;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                         &err_text, &status, &error))
        {
          fprintf (stderr, "simhost: cannot unmount: %s: %s\n", mnt, error->message);
          return 1;
        }
      if (!g_spawn_check_wait_status (status, NULL))
        {
          g_strstrip (err_text);
          fprintf (stderr, "simhost: cannot unmount: %s: %s\n", mnt,
                   *err_text ? err_text : "fusermount3 -u failed");
          return 1;
        }
    }

  if (pid > 0)
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_EXIT_MS * 1000;

      while (!process_gone (pid))
        {
          if (g_get_monotonic_time () > deadline)
            {
              fprintf (stderr, "simhost: cannot unmount: %s: server process %ld did not exit\n",
                       mnt, (long) pid);
              return 1;
            }
          g_usleep (5000);
        }
    }
  return cleanup_root (root, FALSE) ? 0 : 1;
}
