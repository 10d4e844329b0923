/* vmdev-namespace.c: QEMU's private /dev.  See vmdev-namespace.h.
 *
 * The plan is a list of entries (directories, nodes, links, bind mounts,
 * mounts) with every path and value computed in the parent.  Making an entry
 * (entry_make) is plain syscalls on those precomputed values, shared by the
 * QEMU child (vmdev_namespace_enter) and by the hotplug helper, which report a
 * failure as {step, errno, entry}; the GError is made from it afterwards (in
 * the child itself, or in the parent that reads the helper's report). */
#include "hostprep/vmdev-namespace.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NS_SELINUX_XATTR "security.selinux"
#define NS_DEV "/dev"
#define NS_VFIO_DIR "/dev/vfio"
#define NS_CONTAINER "/dev/vfio/vfio"
/* The VFIO container (misc 10:196) and KVM (misc 10:232). */
#define NS_CONTAINER_DEV makedev (10, 196)
#define NS_KVM_DEV makedev (10, 232)

typedef enum
{
  ENTRY_DIR,    /* mkdir */
  ENTRY_CHR,    /* mknod S_IFCHR, chown, chmod, label */
  ENTRY_BLK,    /* mknod S_IFBLK, chown, chmod, label */
  ENTRY_LINK,   /* symlink */
  ENTRY_BIND,   /* an empty file with the source bind-mounted on it */
  ENTRY_MOUNT,  /* mount a file system on an existing directory */
  ENTRY_REMOVE, /* unmount (if a mount point) and unlink; missing is fine */
} EntryKind;

typedef struct
{
  EntryKind kind;
  char *path;           /* in the private /dev: "/dev/vfio/12" */
  mode_t mode;          /* DIR, CHR, BLK: permission bits */
  uid_t uid;
  gid_t gid;
  dev_t rdev;
  char *label;          /* CHR, BLK: security.selinux of the source, or NULL */
  gsize label_len;
  char *target;         /* LINK: the target; BIND: the source, relative to the root;
                           MOUNT: the file system type */
  char *shown;          /* BIND: the source as the user sees it; DIR: NULL */
  char *data;           /* MOUNT: the options */
  unsigned long flags;  /* MOUNT: MS_* */
  dev_t src_dev;        /* BIND: the source's identity, checked again in the child */
  ino_t src_ino;
  int src_fd;           /* BIND: the cloned source (open_tree), in the child */
  gboolean keep_existing; /* DIR, CHR: one that exists already is fine (hotplug) */
  gboolean replace;     /* an existing entry is removed first (hotplug) */
  gboolean disk_dir;    /* DIR made for a disk path: other disks may share it */
} Entry;

struct _VmdevNamespacePlan
{
  VmdevRoot *root;       /* borrowed */
  GArray *entries;       /* Entry */
  GHashTable *paths;     /* path → index + 1, while planning */
};

/* What failed, as reported by the child: 0 is success. */
typedef enum
{
  STEP_OK,
  STEP_CLONE,         /* open_tree of a bind source */
  STEP_SOURCE_CHANGED,
  STEP_UNSHARE,
  STEP_SLAVE,
  STEP_MOUNT_DEV,
  STEP_MARK,
  STEP_SETNS,
  STEP_NOT_TMPFS,
  STEP_REMOVE,
  STEP_MKDIR,
  STEP_MKNOD,
  STEP_CHOWN,
  STEP_CHMOD,
  STEP_LABEL,
  STEP_SYMLINK,
  STEP_CREATE,
  STEP_BIND,
  STEP_MOUNT,
} Step;

typedef struct
{
  int step;
  int err;
  guint entry;
} Failure;

static void
entry_clear (gpointer p)
{
  Entry *e = p;

  g_free (e->path);
  g_free (e->label);
  g_free (e->target);
  g_free (e->shown);
  g_free (e->data);
  if (e->src_fd >= 0)
    close (e->src_fd);
}

static VmdevNamespacePlan *
plan_new (VmdevRoot *root)
{
  VmdevNamespacePlan *plan = g_new0 (VmdevNamespacePlan, 1);

  plan->root = root;
  plan->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (plan->entries, entry_clear);
  plan->paths = g_hash_table_new (g_str_hash, g_str_equal);
  return plan;
}

void
vmdev_namespace_plan_free (VmdevNamespacePlan *plan)
{
  if (plan == NULL)
    return;
  g_hash_table_unref (plan->paths);
  g_array_unref (plan->entries);
  g_free (plan);
}

/* The entry planned at @path, or NULL. */
static Entry *
plan_lookup (VmdevNamespacePlan *plan, const char *path)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (plan->paths, path));

  return i == 0 ? NULL : &g_array_index (plan->entries, Entry, i - 1);
}

/* Appends @e (taking its strings); the hash table keys point into the
 * entries' paths, which stay put when the array grows. */
static Entry *
plan_add (VmdevNamespacePlan *plan, Entry *e)
{
  e->src_fd = -1;
  g_array_append_val (plan->entries, *e);
  if (e->kind != ENTRY_MOUNT)
    g_hash_table_insert (plan->paths, e->path, GUINT_TO_POINTER (plan->entries->len));
  return &g_array_index (plan->entries, Entry, plan->entries->len - 1);
}

static void
plan_dir (VmdevNamespacePlan *plan, const char *path, mode_t mode)
{
  Entry e = { .kind = ENTRY_DIR, .path = g_strdup (path), .mode = mode };

  plan_add (plan, &e);
}

static void
plan_chr (VmdevNamespacePlan *plan, const char *path, dev_t rdev)
{
  Entry e = { .kind = ENTRY_CHR, .path = g_strdup (path), .mode = 0666, .rdev = rdev };

  plan_add (plan, &e);
}

static void
plan_link (VmdevNamespacePlan *plan, const char *path, const char *target)
{
  Entry e = { .kind = ENTRY_LINK, .path = g_strdup (path), .target = g_strdup (target) };

  plan_add (plan, &e);
}

static void
plan_mount (VmdevNamespacePlan *plan, const char *path, const char *fstype,
            unsigned long flags, const char *data)
{
  Entry e = { .kind = ENTRY_MOUNT, .path = g_strdup (path), .target = g_strdup (fstype),
              .flags = flags, .data = g_strdup (data) };

  plan_add (plan, &e);
}

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError **error, const char *shown, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list ap;

  va_start (ap, fmt);
  why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT, "%s: %s", shown, why);
  return FALSE;
}

static const char *
type_name (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISLNK (mode))
    return "a symbolic link";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISREG (mode))
    return "a regular file";
  if (S_ISFIFO (mode))
    return "a FIFO";
  if (S_ISSOCK (mode))
    return "a socket";
  return "of an unknown type";
}

/* security.selinux of @path (following it): TRUE with *out_label NULL when
 * there is none or the file system has no such attribute. */
static gboolean
label_read (const char *path, const char *shown, char **out_label, gsize *out_len,
            GError **error)
{
  for (int attempt = 0; attempt < 8; attempt++)
    {
      g_autofree char *buf = NULL;
      ssize_t size = getxattr (path, NS_SELINUX_XATTR, NULL, 0);

      if (size < 0 && (errno == ENODATA || errno == ENOTSUP))
        {
          *out_label = NULL;
          *out_len = 0;
          return TRUE;
        }
      if (size < 0)
        return vmdev_error_from_errno (error, errno, "reading " NS_SELINUX_XATTR " of", shown);
      buf = g_malloc (size + 1);
      size = getxattr (path, NS_SELINUX_XATTR, buf, size);
      if (size < 0 && errno == ERANGE)
        continue; /* it grew meanwhile */
      if (size < 0)
        return vmdev_error_from_errno (error, errno, "reading " NS_SELINUX_XATTR " of", shown);
      *out_label = g_steal_pointer (&buf);
      *out_len = size;
      return TRUE;
    }
  return vmdev_error_from_errno (error, ERANGE, "reading " NS_SELINUX_XATTR " of", shown);
}

/* dev/vfio/@group under the root as an entry (see the header). */
static gboolean
plan_group (VmdevNamespacePlan *plan, int group, gboolean replace, GError **error)
{
  g_autofree char *rel = NULL, *shown = NULL, *path = NULL, *proc = NULL;
  g_auto(VmdevFd) fd = -1;
  struct stat st;
  Entry e = { .replace = replace };

  if (group < 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "%d is not a VFIO group number", group);
      return FALSE;
    }
  rel = g_strdup_printf ("dev/vfio/%d", group);
  path = g_strdup_printf (NS_VFIO_DIR "/%d", group);
  if (plan_lookup (plan, path) != NULL)
    return TRUE; /* named twice */
  shown = vmdev_root_display (plan->root, rel);
  fd = openat (vmdev_root_fd (plan->root), rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return vmdev_error_from_errno (error, errno, "opening the VFIO group node", shown);
  if (fstat (fd, &st) < 0)
    return vmdev_error_from_errno (error, errno, "reading the status of", shown);
  if (S_ISCHR (st.st_mode))
    {
      if (st.st_rdev == NS_CONTAINER_DEV)
        return refuse (error, shown, "is the VFIO container (10:196), not a group node");
      proc = g_strdup_printf ("/proc/self/fd/%d", fd);
      if (!label_read (proc, shown, &e.label, &e.label_len, error))
        return FALSE;
      e.kind = ENTRY_CHR;
      e.mode = st.st_mode & 07777;
      e.uid = st.st_uid;
      e.gid = st.st_gid;
      e.rdev = st.st_rdev;
    }
  else if (S_ISREG (st.st_mode))
    {
      e.kind = ENTRY_BIND;
      e.target = g_steal_pointer (&rel);
      e.shown = g_steal_pointer (&shown);
      e.src_dev = st.st_dev;
      e.src_ino = st.st_ino;
    }
  else
    return refuse (error, shown, "is %s, not a VFIO group node (a character device, or a "
                   "regular file on the simulated host)", type_name (st.st_mode));
  e.path = g_steal_pointer (&path);
  plan_add (plan, &e);
  return TRUE;
}

/* The block device @disk (an absolute host path, used as written). */
static gboolean
plan_disk (VmdevNamespacePlan *plan, const char *disk, GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) prefix = g_string_new (NS_DEV);
  Entry *old;
  Entry e = { .kind = ENTRY_BLK };
  struct stat st;
  guint n;

  parts = g_strsplit (disk, "/", -1);
  n = g_strv_length (parts);
  if (disk[0] != '/')
    return refuse (error, disk, "a disk's path must be absolute");
  for (guint i = 1; i < n; i++)
    if (parts[i][0] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return refuse (error, disk, "a disk's path must not have empty, '.' or '..' components");
  if (n < 3 || !g_str_equal (parts[1], "dev"))
    {
      g_debug ("QEMU's private /dev: disk %s is outside /dev: visible as it is", disk);
      return TRUE;
    }
  if (stat (disk, &st) < 0)
    return vmdev_error_from_errno (error, errno, "reading the status of the disk", disk);
  if (!S_ISBLK (st.st_mode))
    return refuse (error, disk, "is %s, not a block device; only block devices under /dev "
                   "are made in QEMU's private /dev", type_name (st.st_mode));
  old = plan_lookup (plan, disk);
  if (old != NULL && old->kind == ENTRY_BLK && old->rdev == st.st_rdev)
    return TRUE; /* the same disk twice */
  if (old != NULL)
    return refuse (error, disk, "collides with %s in QEMU's private /dev", old->path);
  /* The directories on the way: made for disks only. */
  for (guint i = 2; i + 1 < n; i++)
    {
      g_string_append_printf (prefix, "/%s", parts[i]);
      old = plan_lookup (plan, prefix->str);
      if (old == NULL)
        {
          Entry d = { .kind = ENTRY_DIR, .path = g_strdup (prefix->str), .mode = 0755,
                      .disk_dir = TRUE };

          plan_add (plan, &d);
        }
      else if (!(old->kind == ENTRY_DIR && old->disk_dir))
        return refuse (error, disk, "collides with %s in QEMU's private /dev", old->path);
    }
  if (!label_read (disk, disk, &e.label, &e.label_len, error))
    return FALSE;
  e.path = g_strdup (disk);
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.rdev = st.st_rdev;
  plan_add (plan, &e);
  return TRUE;
}

VmdevNamespacePlan *
vmdev_namespace_plan_new (VmdevRoot *root, gboolean kvm, const int *groups, gsize n_groups,
                          const char *const *disks, GError **error)
{
  g_autoptr(VmdevNamespacePlan) plan = plan_new (root);
  static const struct
  {
    const char *path;
    guint minor;
  } mem[] = {
    { "/dev/null", 3 }, { "/dev/zero", 5 }, { "/dev/full", 7 },
    { "/dev/random", 8 }, { "/dev/urandom", 9 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (mem); i++)
    plan_chr (plan, mem[i].path, makedev (1, mem[i].minor));
  plan_link (plan, "/dev/fd", "/proc/self/fd");
  plan_link (plan, "/dev/stdin", "/proc/self/fd/0");
  plan_link (plan, "/dev/stdout", "/proc/self/fd/1");
  plan_link (plan, "/dev/stderr", "/proc/self/fd/2");
  plan_dir (plan, "/dev/pts", 0755);
  plan_mount (plan, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620");
  plan_link (plan, "/dev/ptmx", "pts/ptmx");
  plan_dir (plan, "/dev/shm", 01777);
  plan_mount (plan, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  if (kvm)
    plan_chr (plan, "/dev/kvm", NS_KVM_DEV);
  if (n_groups > 0)
    {
      plan_dir (plan, NS_VFIO_DIR, 0755);
      plan_chr (plan, NS_CONTAINER, NS_CONTAINER_DEV);
    }
  for (gsize i = 0; i < n_groups; i++)
    if (!plan_group (plan, groups[i], FALSE, error))
      {
        g_prefix_error (error, "planning QEMU's private /dev: ");
        return NULL;
      }
  for (gsize i = 0; disks != NULL && disks[i] != NULL; i++)
    if (!plan_disk (plan, disks[i], error))
      {
        g_prefix_error (error, "planning QEMU's private /dev: ");
        return NULL;
      }
  return g_steal_pointer (&plan);
}

char *
vmdev_namespace_plan_to_string (const VmdevNamespacePlan *plan)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < plan->entries->len; i++)
    {
      const Entry *e = &g_array_index (plan->entries, Entry, i);

      switch (e->kind)
        {
        case ENTRY_DIR:
          g_string_append_printf (s, "d %04o %s\n", (guint) e->mode, e->path);
          break;
        case ENTRY_CHR:
        case ENTRY_BLK:
          g_string_append_printf (s, "%c %u:%u %u:%u %04o %s%s%.*s\n",
                                  e->kind == ENTRY_CHR ? 'c' : 'b', major (e->rdev),
                                  minor (e->rdev), (guint) e->uid, (guint) e->gid,
                                  (guint) e->mode, e->path, e->label ? " label=" : "",
                                  (int) e->label_len, e->label ? e->label : "");
          break;
        case ENTRY_LINK:
          g_string_append_printf (s, "l %s %s\n", e->target, e->path);
          break;
        case ENTRY_BIND:
          g_string_append_printf (s, "f %s <- %s\n", e->path, e->shown);
          break;
        case ENTRY_MOUNT:
          g_string_append_printf (s, "m %s %s\n", e->target, e->path);
          break;
        case ENTRY_REMOVE:
          g_string_append_printf (s, "- %s\n", e->path);
          break;
        }
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ */
/* In the child: plain syscalls on the plan's values, nothing allocated. */

static gboolean
fail_at (Failure *f, int step, int err, guint entry)
{
  f->step = step;
  f->err = err;
  f->entry = entry;
  return FALSE;
}

/* Unmounts (every stacked bind mount) and unlinks @path; missing is fine.
 * 0 or the errno. */
static int
path_remove (const char *path)
{
  for (int i = 0; i < 16; i++)
    if (umount2 (path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
      {
        if (errno == EINVAL || errno == ENOENT)
          break; /* not a mount point (any more), or not there */
        return errno;
      }
  if (unlink (path) < 0 && errno != ENOENT)
    return errno;
  return 0;
}

/* Clones each bind source from the root (before /dev is covered, and before
 * the namespace changes: a clone is a detached mount, attachable anywhere)
 * and checks that it is still the file the plan saw. */
static gboolean
sources_open (VmdevNamespacePlan *plan, Failure *f)
{
  for (guint i = 0; i < plan->entries->len; i++)
    {
      Entry *e = &g_array_index (plan->entries, Entry, i);
      struct stat st;

      if (e->kind != ENTRY_BIND)
        continue;
      e->src_fd = open_tree (vmdev_root_fd (plan->root), e->target,
                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
      if (e->src_fd < 0)
        return fail_at (f, STEP_CLONE, errno, i);
      if (fstat (e->src_fd, &st) < 0)
        return fail_at (f, STEP_CLONE, errno, i);
      if (!S_ISREG (st.st_mode) || st.st_dev != e->src_dev || st.st_ino != e->src_ino)
        return fail_at (f, STEP_SOURCE_CHANGED, 0, i);
    }
  return TRUE;
}

static void
sources_close (VmdevNamespacePlan *plan)
{
  for (guint i = 0; i < plan->entries->len; i++)
    {
      Entry *e = &g_array_index (plan->entries, Entry, i);

      if (e->src_fd >= 0)
        close (e->src_fd);
      e->src_fd = -1;
    }
}

/* Makes entry @i (umask 0).  A node made here is removed again when a later
 * step for it fails. */
static gboolean
entry_make (VmdevNamespacePlan *plan, guint i, Failure *f)
{
  Entry *e = &g_array_index (plan->entries, Entry, i);
  int step = STEP_OK, err = 0, fd;

  if (e->replace && (err = path_remove (e->path)) != 0)
    return fail_at (f, STEP_REMOVE, err, i);
  switch (e->kind)
    {
    case ENTRY_DIR:
      if (mkdir (e->path, e->mode) < 0 && !(errno == EEXIST && e->keep_existing))
        return fail_at (f, STEP_MKDIR, errno, i);
      return TRUE;
    case ENTRY_LINK:
      if (symlink (e->target, e->path) < 0)
        return fail_at (f, STEP_SYMLINK, errno, i);
      return TRUE;
    case ENTRY_MOUNT:
      if (mount (e->target, e->path, e->target, e->flags, e->data) < 0)
        return fail_at (f, STEP_MOUNT, errno, i);
      return TRUE;
    case ENTRY_REMOVE:
      if ((err = path_remove (e->path)) != 0)
        return fail_at (f, STEP_REMOVE, err, i);
      return TRUE;
    case ENTRY_BIND:
      fd = open (e->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0)
        return fail_at (f, STEP_CREATE, errno, i);
      close (fd);
      if (move_mount (e->src_fd, "", AT_FDCWD, e->path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        {
          err = errno;
          unlink (e->path);
          return fail_at (f, STEP_BIND, err, i);
        }
      close (e->src_fd);
      e->src_fd = -1;
      return TRUE;
    case ENTRY_CHR:
    case ENTRY_BLK:
      if (mknod (e->path, (e->kind == ENTRY_CHR ? S_IFCHR : S_IFBLK) | e->mode, e->rdev) < 0)
        {
          if (errno == EEXIST && e->keep_existing)
            return TRUE;
          return fail_at (f, STEP_MKNOD, errno, i);
        }
      if (fchownat (AT_FDCWD, e->path, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
        step = STEP_CHOWN;
      else if (fchmodat (AT_FDCWD, e->path, e->mode, 0) < 0) /* after chown: exact bits */
        step = STEP_CHMOD;
      else if (e->label != NULL &&
               lsetxattr (e->path, NS_SELINUX_XATTR, e->label, e->label_len, 0) < 0)
        step = STEP_LABEL;
      if (step == STEP_OK)
        return TRUE;
      err = errno;
      unlink (e->path);
      return fail_at (f, step, err, i);
    }
  return TRUE;
}

static gboolean
entries_make (VmdevNamespacePlan *plan, Failure *f)
{
  mode_t old = umask (0);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < plan->entries->len; i++)
    ok = entry_make (plan, i, f);
  umask (old);
  return ok;
}

/* The GError for @f; @pid > 0: in the namespace of that process (hotplug). */
static gboolean
failure_to_error (VmdevNamespacePlan *plan, const Failure *f, pid_t pid, GError **error)
{
  const Entry *e = f->entry < plan->entries->len
                   ? &g_array_index (plan->entries, Entry, f->entry) : NULL;
  const char *path = e != NULL ? e->path : NS_DEV;
  g_autofree char *what = NULL, *ns = NULL, *nspath = NULL;
  const char *action = "preparing";

  /* Hotplug's caller names the process. */
  ns = g_strdup (pid > 0 ? "" : "QEMU's private /dev: ");
  switch ((Step) f->step)
    {
    case STEP_OK:
      g_return_val_if_reached (TRUE);
    case STEP_SOURCE_CHANGED:
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "%s%s: was replaced after it was looked at; try again", ns,
                   e != NULL ? e->shown : "?");
      return FALSE;
    case STEP_NOT_TMPFS:
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "its /dev is not a private /dev made by vmdev (a tmpfs marked "
                   VMDEV_NAMESPACE_MARK_XATTR "); nothing was changed");
      return FALSE;
    case STEP_CLONE:
      action = "cloning (open_tree) the VFIO group node";
      path = e != NULL ? e->shown : "?";
      break;
    case STEP_UNSHARE:
      action = "creating a mount namespace (unshare) for";
      break;
    case STEP_SLAVE:
      action = "making every mount a slave (MS_SLAVE|MS_REC) of";
      path = "/";
      break;
    case STEP_MOUNT_DEV:
      action = "mounting a tmpfs on";
      break;
    case STEP_MARK:
      action = "marking (" VMDEV_NAMESPACE_MARK_XATTR ")";
      break;
    case STEP_SETNS:
      action = "joining the mount namespace (setns)";
      nspath = g_strdup_printf ("/proc/%d/ns/mnt", (int) pid);
      path = nspath;
      break;
    case STEP_REMOVE:
      action = "removing";
      break;
    case STEP_MKDIR:
      action = "creating the directory";
      break;
    case STEP_MKNOD:
      action = "creating the device node";
      break;
    case STEP_CHOWN:
      action = "setting the owner of";
      break;
    case STEP_CHMOD:
      action = "setting the mode of";
      break;
    case STEP_LABEL:
      action = "setting the SELinux label (" NS_SELINUX_XATTR ") of";
      break;
    case STEP_SYMLINK:
      action = "creating the link";
      break;
    case STEP_CREATE:
      action = "creating the mount point";
      break;
    case STEP_BIND:
      what = g_strdup_printf ("bind-mounting %s on", e != NULL ? e->shown : "?");
      action = what;
      break;
    case STEP_MOUNT:
      what = g_strdup_printf ("mounting %s on", e != NULL ? e->target : "?");
      action = what;
      break;
    }
  vmdev_error_from_errno (error, f->err, action, path);
  g_prefix_error (error, "%s", ns);
  return FALSE;
}

gboolean
vmdev_namespace_enter (VmdevNamespacePlan *plan, GError **error)
{
  Failure f = { STEP_OK, 0, G_MAXUINT };
  gboolean ok;

  ok = sources_open (plan, &f);
  if (ok && unshare (CLONE_NEWNS) < 0)
    ok = fail_at (&f, STEP_UNSHARE, errno, G_MAXUINT);
  if (ok && mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    ok = fail_at (&f, STEP_SLAVE, errno, G_MAXUINT);
  if (ok && mount ("tmpfs", NS_DEV, "tmpfs", MS_NOSUID | MS_NOEXEC,
                   VMDEV_NAMESPACE_DEV_OPTIONS) < 0)
    ok = fail_at (&f, STEP_MOUNT_DEV, errno, G_MAXUINT);
  if (ok && setxattr (NS_DEV, VMDEV_NAMESPACE_MARK_XATTR, "1", 1, 0) < 0 && errno != ENOTSUP)
    ok = fail_at (&f, STEP_MARK, errno, G_MAXUINT);
  if (ok)
    ok = entries_make (plan, &f);
  sources_close (plan);
  if (!ok)
    return failure_to_error (plan, &f, 0, error);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Hotplug */

/* The mount namespace of @pid ("self" when 0) opened, with its identity. */
static int
ns_open (pid_t pid, struct stat *out_st, GError **error)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/ns/mnt", (int) pid)
                                  : g_strdup ("/proc/self/ns/mnt");
  g_auto(VmdevFd) fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      if (errno == ENOENT)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                       "no such process (%s)", path);
          return -1;
        }
      vmdev_error_from_errno (error, errno, "opening", path);
      return -1;
    }
  if (fstat (fd, out_st) < 0)
    {
      vmdev_error_from_errno (error, errno, "reading the status of", path);
      return -1;
    }
  return vmdev_fd_steal (&fd);
}

/* Opens the namespace of @pid; -1 with *out_private FALSE when it is ours. */
static int
ns_open_private (pid_t pid, gboolean *out_private, GError **error)
{
  struct stat self, other;
  g_auto(VmdevFd) fd = -1, own = -1;

  if (pid <= 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "%d is not a process id", (int) pid);
      return -1;
    }
  own = ns_open (0, &self, error);
  if (own < 0)
    return -1;
  fd = ns_open (pid, &other, error);
  if (fd < 0)
    return -1;
  *out_private = self.st_dev != other.st_dev || self.st_ino != other.st_ino;
  return *out_private ? vmdev_fd_steal (&fd) : -1;
}

gboolean
vmdev_namespace_is_private (pid_t pid, gboolean *out_private, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean private = FALSE;
  g_auto(VmdevFd) fd = ns_open_private (pid, &private, &local);

  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "the mount namespace of process %d: ", (int) pid);
      return FALSE;
    }
  *out_private = private;
  return TRUE;
}

/* The helper child: joins @nsfd, checks that /dev there is a private /dev
 * (a tmpfs, not our /dev, with the mark), makes the plan's entries.  Never
 * returns. */
static void G_GNUC_NORETURN
helper_main (VmdevNamespacePlan *plan, int nsfd, pid_t pid, int report_fd)
{
  Failure f = { STEP_OK, 0, G_MAXUINT };
  struct statfs sfs;
  struct stat ours, theirs;
  char mark, rootpath[64];
  gboolean ok;
  ssize_t n G_GNUC_UNUSED;
  int rootfd;

  /* setns() puts us at the namespace's root mount, which is not the
   * process's root when it (or init, with switch_root) chrooted: enter the
   * process's own root too, as nsenter --root does. */
  g_snprintf (rootpath, sizeof rootpath, "/proc/%d/root", (int) pid);
  rootfd = open (rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ok = sources_open (plan, &f);
  if (ok && stat (NS_DEV, &ours) < 0)
    ours.st_dev = 0;
  if (ok && (rootfd < 0 || setns (nsfd, CLONE_NEWNS) < 0 || fchdir (rootfd) < 0 ||
             chroot (".") < 0 || chdir ("/") < 0))
    ok = fail_at (&f, STEP_SETNS, errno, G_MAXUINT);
  if (ok && (statfs (NS_DEV, &sfs) < 0 || stat (NS_DEV, &theirs) < 0))
    ok = fail_at (&f, STEP_NOT_TMPFS, 0, G_MAXUINT);
  if (ok && (sfs.f_type != TMPFS_MAGIC || theirs.st_dev == ours.st_dev ||
             getxattr (NS_DEV, VMDEV_NAMESPACE_MARK_XATTR, &mark, 1) != 1))
    ok = fail_at (&f, STEP_NOT_TMPFS, 0, G_MAXUINT);
  if (ok)
    ok = entries_make (plan, &f);
  n = write (report_fd, &f, sizeof f);
  _exit (ok ? 0 : 1);
}

/* Runs the helper in the namespace @nsfd of @pid and waits for its report. */
static gboolean
helper_run (VmdevNamespacePlan *plan, int nsfd, pid_t pid, GError **error)
{
  g_auto(VmdevFd) rfd = -1, wfd = -1;
  gint64 deadline = g_get_monotonic_time () + VMDEV_NAMESPACE_HELPER_TIMEOUT_MS * 1000;
  Failure f = { -1, 0, G_MAXUINT };
  int fds[2], wstatus = 0;
  ssize_t got = 0;
  pid_t child;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return vmdev_error_from_errno (error, errno, "creating a pipe", "namespace helper");
  rfd = fds[0];
  wfd = fds[1];
  child = fork ();
  if (child < 0)
    return vmdev_error_from_errno (error, errno, "forking", "namespace helper");
  if (child == 0)
    helper_main (plan, nsfd, pid, wfd);
  vmdev_fd_close (vmdev_fd_steal (&wfd));
  while (got < (ssize_t) sizeof f)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      struct pollfd p = { .fd = rfd, .events = POLLIN };
      ssize_t n;
      int r;

      if (left <= 0)
        {
          kill (child, SIGKILL);
          waitpid (child, NULL, 0);
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                       "the helper that joins its mount namespace did not finish within "
                       "%d ms (killed)", VMDEV_NAMESPACE_HELPER_TIMEOUT_MS);
          return FALSE;
        }
      r = poll (&p, 1, (int) left);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        continue;
      n = read (rfd, (char *) &f + got, sizeof f - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* it died without a report */
      got += n;
    }
  while (waitpid (child, &wstatus, 0) < 0 && errno == EINTR)
    ;
  if (got != (ssize_t) sizeof f)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "the helper that joins its mount namespace ended without a report "
                   "(%s %d)",
                   WIFSIGNALED (wstatus) ? "signal" : "exit status",
                   WIFSIGNALED (wstatus) ? WTERMSIG (wstatus) : WEXITSTATUS (wstatus));
      return FALSE;
    }
  if (f.step != STEP_OK)
    return failure_to_error (plan, &f, pid, error);
  return TRUE;
}

gboolean
vmdev_namespace_hotplug_add (VmdevRoot *root, pid_t pid, int group, GError **error)
{
  g_autoptr(VmdevNamespacePlan) plan = plan_new (root);
  g_autoptr(GError) local = NULL;
  gboolean private = FALSE;
  g_auto(VmdevFd) nsfd = ns_open_private (pid, &private, &local);
  Entry *e;

  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "adding VFIO group %d to the private /dev of process %d: ",
                                  group, (int) pid);
      return FALSE;
    }
  if (!private)
    {
      g_debug ("process %d has no mount namespace of its own: no private /dev to add "
               "VFIO group %d to", (int) pid, group);
      return TRUE;
    }
  plan_dir (plan, NS_VFIO_DIR, 0755);
  plan_chr (plan, NS_CONTAINER, NS_CONTAINER_DEV);
  for (guint i = 0; i < plan->entries->len; i++)
    g_array_index (plan->entries, Entry, i).keep_existing = TRUE;
  if (!plan_group (plan, group, TRUE, error))
    {
      g_prefix_error (error, "adding VFIO group %d to the private /dev of process %d: ",
                      group, (int) pid);
      return FALSE;
    }
  e = &g_array_index (plan->entries, Entry, plan->entries->len - 1);
  g_debug ("adding %s to the private /dev of process %d", e->path, (int) pid);
  if (!helper_run (plan, nsfd, pid, error))
    {
      g_prefix_error (error, "adding VFIO group %d to the private /dev of process %d: ",
                      group, (int) pid);
      return FALSE;
    }
  return TRUE;
}

gboolean
vmdev_namespace_hotplug_remove (pid_t pid, int group, GError **error)
{
  g_autoptr(VmdevNamespacePlan) plan = plan_new (NULL);
  g_autoptr(GError) local = NULL;
  gboolean private = FALSE;
  g_auto(VmdevFd) nsfd = -1;
  Entry e = { .kind = ENTRY_REMOVE };

  if (group < 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "%d is not a VFIO group number", group);
      return FALSE;
    }
  nsfd = ns_open_private (pid, &private, &local);
  if (local != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  "removing VFIO group %d from the private /dev of process %d: ",
                                  group, (int) pid);
      return FALSE;
    }
  if (!private)
    {
      g_debug ("process %d has no mount namespace of its own: no private /dev to remove "
               "VFIO group %d from", (int) pid, group);
      return TRUE;
    }
  e.path = g_strdup_printf (NS_VFIO_DIR "/%d", group);
  plan_add (plan, &e);
  if (!helper_run (plan, nsfd, pid, error))
    {
      g_prefix_error (error, "removing VFIO group %d from the private /dev of process %d: ",
                      group, (int) pid);
      return FALSE;
    }
  return TRUE;
}
