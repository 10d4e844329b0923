#include "hostprep/vmdev-label.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-name.h"
#include "util/vmdev-uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <selinux/selinux.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* linux/magic.h */
#define LABEL_FUSE_SUPER_MAGIC 0x65735546
/* The VFIO container /dev/vfio/vfio: misc device 10, VFIO_MINOR 196. */
#define LABEL_CONTAINER_MAJOR 10
#define LABEL_CONTAINER_MINOR 196
#define LABEL_CONTAINER_REL "dev/vfio/vfio"
/* Version prefix of the remembered values. */
#define LABEL_FORMAT "1"

/* An open node: the O_PATH fd, its /proc/self/fd path, its stat, its display path. */
typedef struct
{
  int fd;
  char *proc;
  char *display;
  struct stat st;
} LabelNode;

static void
label_node_clear (LabelNode *node)
{
  if (node->fd >= 0)
    close (node->fd);
  node->fd = -1;
  g_clear_pointer (&node->proc, g_free);
  g_clear_pointer (&node->display, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LabelNode, label_node_clear)

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError **error, const char *display, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list ap;

  va_start (ap, fmt);
  why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT, "labelling: %s: %s",
               display, why);
  return FALSE;
}

/* Opens @rel as described in the header.  With @out_missing, a node that
 * does not exist is not an error: *out_missing is set and TRUE returned. */
static gboolean
label_node_open (VmdevRoot *root, const char *rel, LabelNode *node, gboolean *out_missing,
                 GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *display = NULL;
  struct statfs sfs;

  node->fd = -1;
  if (rel == NULL || rel[0] == '\0' || rel[0] == '/')
    return refuse (error, rel ? rel : "(null)",
                   "not a path relative to the root (e.g. dev/vfio/12)");
  parts = g_strsplit (rel, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;

      if (!vmdev_name_check ("path component", parts[i], &local))
        return refuse (error, rel, "%s", local->message);
    }
  display = vmdev_root_display (root, rel);
  if (g_str_equal (rel, LABEL_CONTAINER_REL))
    return refuse (error, display, "the VFIO container is shared by every VFIO user "
                   "and is never relabelled");

  node->fd = openat (vmdev_root_fd (root), rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (node->fd < 0)
    {
      int errsv = errno;

      if (errsv == ENOENT && out_missing != NULL)
        {
          *out_missing = TRUE;
          return TRUE;
        }
      return vmdev_error_from_errno (error, errsv, "opening", display);
    }
  if (fstat (node->fd, &node->st) < 0)
    return vmdev_error_from_errno (error, errno, "reading the status of", display);
  if (S_ISLNK (node->st.st_mode))
    return refuse (error, display, "is a symbolic link; vmdev never labels through a link");
  if (S_ISCHR (node->st.st_mode))
    {
      if (major (node->st.st_rdev) == LABEL_CONTAINER_MAJOR
          && minor (node->st.st_rdev) == LABEL_CONTAINER_MINOR)
        return refuse (error, display, "is the VFIO container (10:196), which is never "
                       "relabelled");
    }
  else if (S_ISREG (node->st.st_mode))
    {
      /* The simulated host's group nodes are regular files on FUSE. */
      if (fstatfs (node->fd, &sfs) < 0)
        return vmdev_error_from_errno (error, errno, "reading the file system of", display);
      if (sfs.f_type != LABEL_FUSE_SUPER_MAGIC)
        return refuse (error, display, "is a regular file, not a character device");
    }
  else
    return refuse (error, display, "is not a character device");

  node->proc = g_strdup_printf ("/proc/self/fd/%d", node->fd);
  node->display = g_steal_pointer (&display);
  if (out_missing != NULL)
    *out_missing = FALSE;
  return TRUE;
}

/* getxattr through the node's fd path: 0 and the value, or the errno
 * (ENODATA: no such attribute). */
static int
xattr_get (LabelNode *node, const char *name, GBytes **out_value)
{
  for (int attempt = 0; attempt < 8; attempt++)
    {
      g_autofree char *buf = NULL;
      ssize_t size = getxattr (node->proc, name, NULL, 0);

      if (size < 0)
        return errno;
      buf = g_malloc (size + 1);
      size = getxattr (node->proc, name, buf, size);
      if (size < 0 && errno == ERANGE)
        continue; /* it grew meanwhile */
      if (size < 0)
        return errno;
      *out_value = g_bytes_new_take (g_steal_pointer (&buf), size);
      return 0;
    }
  return ERANGE;
}

static gboolean
xattr_error (GError **error, int errnum, const char *action, const char *name,
             LabelNode *node)
{
  g_autofree char *what = g_strdup_printf ("%s %s of", action, name);

  if (errnum == ENOTSUP)
    {
      g_set_error (error, VMDEV_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: %s: the file system does not support this extended attribute",
                   what, node->display);
      return FALSE;
    }
  return vmdev_error_from_errno (error, errnum, what, node->display);
}

/* Removes @name, ignoring its absence; 0 or the errno. */
static int
xattr_remove (LabelNode *node, const char *name)
{
  if (removexattr (node->proc, name) < 0 && errno != ENODATA)
    return errno;
  return 0;
}

/* Writes the remembered value @value unless @name is there already.
 * *out_created tells whether this call wrote it. */
static gboolean
remember (LabelNode *node, const char *name, const void *value, gsize len,
          gboolean *out_created, GError **error)
{
  if (setxattr (node->proc, name, value, len, XATTR_CREATE) == 0)
    {
      *out_created = TRUE;
      return TRUE;
    }
  if (errno == EEXIST)
    {
      *out_created = FALSE;
      return TRUE;
    }
  return xattr_error (error, errno, "writing", name, node);
}

/* ------------------------------------------------------------------ */
/* DAC */

typedef struct
{
  uid_t uid;
  gid_t gid;
  mode_t mode;
} DacOriginal;

static gboolean
dac_parse (LabelNode *node, GBytes *value, DacOriginal *out, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (value, &len);
  g_autofree char *text = g_strndup (data, len);
  g_auto(GStrv) f = g_strsplit (text, ":", -1);
  g_autofree char *shown = NULL;
  guint64 uid, gid, mode;

  if (strlen (text) != len || g_strv_length (f) != 4 || !g_str_equal (f[0], LABEL_FORMAT)
      || !g_ascii_string_to_unsigned (f[1], 10, 0, G_MAXUINT32 - 1, &uid, NULL)
      || !g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32 - 1, &gid, NULL)
      || !g_ascii_string_to_unsigned (f[3], 8, 0, 07777, &mode, NULL))
    {
      shown = g_strescape (text, NULL);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "reading %s of %s: '%s' is not version:uid:gid:mode (" LABEL_FORMAT
                   ":0:0:600); remove the attribute and set the owner by hand",
                   VMDEV_LABEL_DAC_XATTR, node->display, shown);
      return FALSE;
    }
  out->uid = (uid_t) uid;
  out->gid = (gid_t) gid;
  out->mode = (mode_t) mode;
  return TRUE;
}

/* Reads the remembered owner: TRUE with *out_found FALSE when there is none
 * (also when the file system has no xattrs, if @unsupported_is_none). */
static gboolean
dac_read (LabelNode *node, DacOriginal *out, gboolean *out_found, gboolean unsupported_is_none,
          GError **error)
{
  g_autoptr(GBytes) value = NULL;
  int rc = xattr_get (node, VMDEV_LABEL_DAC_XATTR, &value);

  if (rc == ENODATA || (rc == ENOTSUP && unsupported_is_none))
    {
      *out_found = FALSE;
      return TRUE;
    }
  if (rc != 0)
    return xattr_error (error, rc, "reading", VMDEV_LABEL_DAC_XATTR, node);
  *out_found = TRUE;
  return dac_parse (node, value, out, error);
}

static gboolean
dac_apply (LabelNode *node, uid_t uid, gid_t gid, mode_t mode, GError **error)
{
  g_autofree char *what = NULL;

  if (fchownat (node->fd, "", uid, gid, AT_EMPTY_PATH) < 0)
    {
      int errsv = errno;

      what = g_strdup_printf ("changing the owner to %u:%u of", (guint) uid, (guint) gid);
      return vmdev_error_from_errno (error, errsv, what, node->display);
    }
  /* chown cleared set-id bits: the mode comes second */
  if (fchmodat (AT_FDCWD, node->proc, mode, 0) < 0)
    {
      int errsv = errno;

      what = g_strdup_printf ("changing the mode to %04o of", (guint) mode);
      return vmdev_error_from_errno (error, errsv, what, node->display);
    }
  return TRUE;
}

gboolean
vmdev_label_dac_set (VmdevRoot *root, const char *rel, uid_t uid, gid_t gid, GError **error)
{
  g_auto(LabelNode) node = { .fd = -1 };
  DacOriginal orig;
  gboolean found = FALSE, created = FALSE;

  if (!label_node_open (root, rel, &node, NULL, error))
    return FALSE;
  if (!dac_read (&node, &orig, &found, FALSE, error))
    return FALSE;
  if (!found)
    {
      g_autofree char *value = g_strdup_printf (LABEL_FORMAT ":%u:%u:%o",
                                                (guint) node.st.st_uid,
                                                (guint) node.st.st_gid,
                                                (guint) (node.st.st_mode & 07777));

      if (!remember (&node, VMDEV_LABEL_DAC_XATTR, value, strlen (value), &created, error))
        return FALSE;
    }
  if (!dac_apply (&node, uid, gid, VMDEV_LABEL_DAC_MODE, error))
    {
      if (created)
        {
          /* undo: the node as it was, nothing remembered */
          if (fchownat (node.fd, "", node.st.st_uid, node.st.st_gid, AT_EMPTY_PATH) < 0
              || fchmodat (AT_FDCWD, node.proc, node.st.st_mode & 07777, 0) < 0)
            g_debug ("labelling: %s: undoing a partial owner change: %s", node.display,
                     g_strerror (errno));
          else if (xattr_remove (&node, VMDEV_LABEL_DAC_XATTR) != 0)
            g_debug ("labelling: %s: removing %s: %s", node.display, VMDEV_LABEL_DAC_XATTR,
                     g_strerror (errno));
        }
      return FALSE;
    }
  g_debug ("labelling: %s: owner %u:%u mode %04o (was %u:%u %04o%s)", node.display,
           (guint) uid, (guint) gid, VMDEV_LABEL_DAC_MODE, (guint) node.st.st_uid,
           (guint) node.st.st_gid, (guint) (node.st.st_mode & 07777),
           found ? ", original remembered earlier" : "");
  return TRUE;
}

/* Opens @rel for a restore: a node that set refuses (a link, a directory,
 * the container) was never changed by set, so there is nothing to restore
 * there (*@missing). */
static gboolean
restore_node_open (VmdevRoot *root, const char *rel, LabelNode *node, gboolean *missing,
                   GError **error)
{
  g_autoptr(GError) local = NULL;

  if (label_node_open (root, rel, node, missing, &local))
    return TRUE;
  if (g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT))
    {
      g_debug ("%s: nothing to restore", local->message);
      *missing = TRUE;
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
vmdev_label_dac_restore (VmdevRoot *root, const char *rel, GError **error)
{
  g_auto(LabelNode) node = { .fd = -1 };
  DacOriginal orig;
  gboolean missing = FALSE, found = FALSE;
  int rc;

  if (!restore_node_open (root, rel, &node, &missing, error))
    return FALSE;
  if (missing)
    return TRUE;
  /* a file system without xattrs cannot have anything remembered */
  if (!dac_read (&node, &orig, &found, TRUE, error))
    return FALSE;
  if (!found)
    return TRUE;
  if (!dac_apply (&node, orig.uid, orig.gid, orig.mode, error))
    return FALSE;
  rc = xattr_remove (&node, VMDEV_LABEL_DAC_XATTR);
  if (rc != 0)
    return xattr_error (error, rc, "removing", VMDEV_LABEL_DAC_XATTR, &node);
  g_debug ("labelling: %s: owner %u:%u mode %04o restored", node.display, (guint) orig.uid,
           (guint) orig.gid, (guint) orig.mode);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* SELinux */

gboolean
vmdev_label_selinux_wanted (const VmdevHostprepConfig *config)
{
  if (config->security_driver != VMDEV_SECURITY_DRIVER_SELINUX)
    return FALSE;
  return config->selinux_force || is_selinux_enabled () > 0;
}

/* Reads the remembered label: TRUE with *out_found FALSE when there is none
 * (see dac_read()); *out_label NULL when the node had no label. */
static gboolean
selinux_read (LabelNode *node, GBytes **out_label, gboolean *out_found,
              gboolean unsupported_is_none, GError **error)
{
  g_autoptr(GBytes) value = NULL;
  int rc = xattr_get (node, VMDEV_LABEL_SELINUX_XATTR, &value);
  const char *data;
  gsize len;

  if (rc == ENODATA || (rc == ENOTSUP && unsupported_is_none))
    {
      *out_found = FALSE;
      return TRUE;
    }
  if (rc != 0)
    return xattr_error (error, rc, "reading", VMDEV_LABEL_SELINUX_XATTR, node);
  data = g_bytes_get_data (value, &len);
  if (len < 2 || memcmp (data, LABEL_FORMAT ":", 2) != 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "reading %s of %s: not '" LABEL_FORMAT ":<label>'; remove the attribute "
                   "and set the label by hand", VMDEV_LABEL_SELINUX_XATTR, node->display);
      return FALSE;
    }
  *out_found = TRUE;
  *out_label = len > 2 ? g_bytes_new_from_bytes (value, 2, len - 2) : NULL;
  return TRUE;
}

gboolean
vmdev_label_selinux_set (VmdevRoot *root, const char *rel, const char *context,
                         GError **error)
{
  g_auto(LabelNode) node = { .fd = -1 };
  g_autoptr(GBytes) remembered = NULL;
  gboolean found = FALSE, created = FALSE;

  if (!label_node_open (root, rel, &node, NULL, error))
    return FALSE;
  if (!selinux_read (&node, &remembered, &found, FALSE, error))
    return FALSE;
  if (!found)
    {
      g_autoptr(GBytes) current = NULL;
      g_autoptr(GByteArray) value = g_byte_array_new ();
      int rc = xattr_get (&node, VMDEV_LABEL_SELINUX_FILE_XATTR, &current);

      if (rc != 0 && rc != ENODATA)
        return xattr_error (error, rc, "reading", VMDEV_LABEL_SELINUX_FILE_XATTR, &node);
      g_byte_array_append (value, (const guint8 *) LABEL_FORMAT ":", 2);
      if (current != NULL)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (current, &len);

          g_byte_array_append (value, data, len);
        }
      if (!remember (&node, VMDEV_LABEL_SELINUX_XATTR, value->data, value->len, &created,
                     error))
        return FALSE;
    }
  if (setfilecon_raw (node.proc, context) < 0)
    {
      int errsv = errno;
      g_autofree char *what = g_strdup_printf ("setting the SELinux label %s of", context);

      if (created && xattr_remove (&node, VMDEV_LABEL_SELINUX_XATTR) != 0)
        g_debug ("labelling: %s: removing %s: %s", node.display, VMDEV_LABEL_SELINUX_XATTR,
                 g_strerror (errno));
      if (errsv == ENOTSUP)
        {
          g_set_error (error, VMDEV_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "%s: %s: the file system does not support SELinux labels", what,
                       node.display);
          return FALSE;
        }
      return vmdev_error_from_errno (error, errsv, what, node.display);
    }
  g_debug ("labelling: %s: SELinux label %s", node.display, context);
  return TRUE;
}

gboolean
vmdev_label_selinux_restore (VmdevRoot *root, const char *rel, GError **error)
{
  g_auto(LabelNode) node = { .fd = -1 };
  g_autoptr(GBytes) label = NULL;
  gboolean missing = FALSE, found = FALSE;
  int rc;

  if (!restore_node_open (root, rel, &node, &missing, error))
    return FALSE;
  if (missing)
    return TRUE;
  if (!selinux_read (&node, &label, &found, TRUE, error))
    return FALSE;
  if (!found)
    return TRUE;
  if (label != NULL)
    {
      gsize len;
      const void *data = g_bytes_get_data (label, &len);

      if (setxattr (node.proc, VMDEV_LABEL_SELINUX_FILE_XATTR, data, len, 0) < 0)
        return xattr_error (error, errno, "restoring", VMDEV_LABEL_SELINUX_FILE_XATTR, &node);
    }
  else
    {
      rc = xattr_remove (&node, VMDEV_LABEL_SELINUX_FILE_XATTR);
      if (rc != 0)
        return xattr_error (error, rc, "removing", VMDEV_LABEL_SELINUX_FILE_XATTR, &node);
    }
  rc = xattr_remove (&node, VMDEV_LABEL_SELINUX_XATTR);
  if (rc != 0)
    return xattr_error (error, rc, "removing", VMDEV_LABEL_SELINUX_XATTR, &node);
  g_debug ("labelling: %s: SELinux label restored", node.display);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* MCS categories */

/* The pairs lo < hi < 1024, numbered hi * (hi - 1) / 2 + lo. */
#define MCS_PAIRS (VMDEV_MCS_CATEGORIES * (VMDEV_MCS_CATEGORIES - 1) / 2)

static guint32
mcs_index (guint lo, guint hi)
{
  return hi * (hi - 1) / 2 + lo;
}

static void
mcs_from_index (guint32 index, VmdevMcs *out)
{
  guint hi = 1;

  /* the largest hi with hi * (hi - 1) / 2 <= index */
  while (hi < VMDEV_MCS_CATEGORIES - 1 && mcs_index (0, hi + 1) <= index)
    hi++;
  out->hi = (guint16) hi;
  out->lo = (guint16) (index - mcs_index (0, hi));
}

gboolean
vmdev_mcs_pick (const char *uuid, const VmdevMcs *used, gsize n_used, VmdevMcs *out_mcs,
                GError **error)
{
  char canon[VMDEV_UUID_BUFSIZE];
  g_autofree guint8 *taken = g_new0 (guint8, MCS_PAIRS / 8 + 1);
  guint64 hash = 14695981039346656037ULL; /* FNV-1a */
  guint32 start;

  if (!vmdev_uuid_normalize (uuid, canon, error))
    return FALSE;
  for (const char *p = canon; *p; p++)
    hash = (hash ^ (guint8) *p) * 1099511628211ULL;
  for (gsize i = 0; i < n_used; i++)
    if (used[i].lo < used[i].hi && used[i].hi < VMDEV_MCS_CATEGORIES)
      {
        guint32 k = mcs_index (used[i].lo, used[i].hi);

        taken[k / 8] |= (guint8) (1u << (k % 8));
      }
  start = (guint32) (hash % MCS_PAIRS);
  for (guint32 n = 0; n < MCS_PAIRS; n++)
    {
      guint32 k = (start + n) % MCS_PAIRS;

      if (!(taken[k / 8] & (1u << (k % 8))))
        {
          mcs_from_index (k, out_mcs);
          return TRUE;
        }
    }
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
               "choosing SELinux categories for domain %s: all %u category pairs are in use",
               canon, (guint) MCS_PAIRS);
  return FALSE;
}

char *
vmdev_mcs_to_string (const VmdevMcs *mcs)
{
  return g_strdup_printf ("c%u,c%u", (guint) mcs->lo, (guint) mcs->hi);
}

/* "c<n>" with n < 1024 and no leading zero; advances *p. */
static gboolean
mcs_parse_one (const char **p, guint *out)
{
  const char *s = *p;
  guint n = 0;
  int digits = 0;

  if (*s++ != 'c')
    return FALSE;
  if (s[0] == '0' && g_ascii_isdigit (s[1]))
    return FALSE;
  while (g_ascii_isdigit (*s) && digits < 5)
    {
      n = n * 10 + (guint) (*s++ - '0');
      digits++;
    }
  if (digits == 0 || n >= VMDEV_MCS_CATEGORIES)
    return FALSE;
  *out = n;
  *p = s;
  return TRUE;
}

gboolean
vmdev_mcs_parse (const char *text, VmdevMcs *out_mcs, GError **error)
{
  const char *p = text;
  guint lo, hi;

  if (!mcs_parse_one (&p, &lo) || *p++ != ',' || !mcs_parse_one (&p, &hi) || *p != '\0'
      || lo >= hi)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a pair of SELinux categories (allowed: c<a>,c<b> with "
                   "a < b < %d, e.g. c12,c345)", text, VMDEV_MCS_CATEGORIES);
      return FALSE;
    }
  out_mcs->lo = (guint16) lo;
  out_mcs->hi = (guint16) hi;
  return TRUE;
}

char *
vmdev_label_selinux_image_context (const char *image_label, const VmdevMcs *mcs)
{
  return g_strdup_printf ("%s:c%u,c%u", image_label, (guint) mcs->lo, (guint) mcs->hi);
}

char *
vmdev_label_selinux_process_context (const char *process_label, const VmdevMcs *mcs)
{
  return g_strdup_printf ("%s:c%u,c%u", process_label, (guint) mcs->lo, (guint) mcs->hi);
}
