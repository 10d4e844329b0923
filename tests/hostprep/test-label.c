/* Tests of src/hostprep's labels (DAC, SELinux), MCS categories and
 * vmdev.conf: on a temporary root with mknod'ed character devices (root
 * only: mknod, chown and trusted.* xattrs), and on the simulated host
 * (tools/simhost, FUSE) when it can be mounted.  Without root the node tests
 * skip with the reason. */
#include "test-tree.h"
#include "hostprep/vmdev-hostprep-config.h"
#include "hostprep/vmdev-label.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <selinux/selinux.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NODE "dev/vfio/12"
#define OLD_LABEL "system_u:object_r:vfio_device_t:s0"

typedef struct
{
  char *dir;
  VmdevRoot *root;
} Fixture;

static char *
child (Fixture *fx, const char *rel)
{
  return g_build_filename (fx->dir, rel, NULL);
}

static gboolean
need_root (void)
{
  if (geteuid () != 0)
    {
      g_test_skip ("needs root (mknod, chown, trusted.* xattrs); uid is not 0");
      return FALSE;
    }
  return TRUE;
}

/* dev/vfio/{12 (char 243:12, 1:2, 0640), vfio (char 10:196), alias (10:196),
 * link -> 12, file (regular)} under a fresh temporary root. */
static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autofree char *vfio = NULL, *node = NULL, *container = NULL, *alias = NULL;
  g_autofree char *link = NULL, *file = NULL;

  fx->dir = g_dir_make_tmp ("vmdev-label-XXXXXX", NULL);
  g_assert_nonnull (fx->dir);
  fx->root = vmdev_root_open (fx->dir, NULL);
  g_assert_nonnull (fx->root);
  if (geteuid () != 0)
    return;
  vfio = child (fx, "dev/vfio");
  node = child (fx, NODE);
  container = child (fx, "dev/vfio/vfio");
  alias = child (fx, "dev/vfio/alias");
  link = child (fx, "dev/vfio/link");
  file = child (fx, "dev/vfio/file");
  g_assert_cmpint (g_mkdir_with_parents (vfio, 0755), ==, 0);
  g_assert_cmpint (mknod (node, S_IFCHR | 0640, makedev (243, 12)), ==, 0);
  g_assert_cmpint (chown (node, 1, 2), ==, 0);
  g_assert_cmpint (chmod (node, 0640), ==, 0);
  g_assert_cmpint (mknod (container, S_IFCHR | 0666, makedev (10, 196)), ==, 0);
  g_assert_cmpint (mknod (alias, S_IFCHR | 0666, makedev (10, 196)), ==, 0);
  g_assert_cmpint (chmod (container, 0666), ==, 0); /* whatever the umask */
  g_assert_cmpint (chmod (alias, 0666), ==, 0);
  g_assert_cmpint (symlink ("12", link), ==, 0);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
}


static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  vmdev_root_free (fx->root);
  test_tree_remove (fx->dir);
  g_free (fx->dir);
}

/* The value of xattr @name of @path (not following a final link), or NULL. */
static GBytes *
xattr_of (const char *path, const char *name)
{
  char buf[4096];
  ssize_t n = lgetxattr (path, name, buf, sizeof buf);

  if (n < 0)
    {
      g_assert_cmpint (errno, ==, ENODATA);
      return NULL;
    }
  return g_bytes_new (buf, n);
}

static char *
xattr_text (const char *path, const char *name)
{
  g_autoptr(GBytes) value = xattr_of (path, name);
  gsize len;
  const char *data;

  if (value == NULL)
    return NULL;
  data = g_bytes_get_data (value, &len);
  return g_strndup (data, len);
}

static void
assert_xattr_bytes (const char *path, const char *name, const void *data, gsize len)
{
  g_autoptr(GBytes) value = xattr_of (path, name);
  gsize got_len;
  const void *got;

  g_assert_nonnull (value);
  got = g_bytes_get_data (value, &got_len);
  g_assert_cmpmem (got, got_len, data, len);
}

static void
assert_owner (const char *path, uid_t uid, gid_t gid, mode_t mode)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, uid);
  g_assert_cmpuint (st.st_gid, ==, gid);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

/* ---- DAC ---- */

static void
test_dac_round_trip (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *node = child (fx, NODE), *value = NULL, *after = NULL;

  if (!need_root ())
    return;
  g_assert_true (vmdev_label_dac_set (fx->root, NODE, 107, 108, &error));
  g_assert_no_error (error);
  assert_owner (node, 107, 108, 0600);
  value = xattr_text (node, VMDEV_LABEL_DAC_XATTR);
  g_assert_cmpstr (value, ==, "1:1:2:640");

  g_assert_true (vmdev_label_dac_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
  assert_owner (node, 1, 2, 0640);
  after = xattr_text (node, VMDEV_LABEL_DAC_XATTR);
  g_assert_null (after);

  /* a second restore, and a restore of a node that is gone, do nothing */
  g_assert_true (vmdev_label_dac_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
  assert_owner (node, 1, 2, 0640);
  g_assert_true (vmdev_label_dac_restore (fx->root, "dev/vfio/99", &error));
  g_assert_no_error (error);
}

static void
test_dac_second_set (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *node = child (fx, NODE), *value = NULL;

  if (!need_root ())
    return;
  g_assert_true (vmdev_label_dac_set (fx->root, NODE, 107, 108, &error));
  g_assert_no_error (error);
  /* a crash before the release, then a new set: the first original stays */
  g_assert_true (vmdev_label_dac_set (fx->root, NODE, 200, 201, &error));
  g_assert_no_error (error);
  assert_owner (node, 200, 201, 0600);
  value = xattr_text (node, VMDEV_LABEL_DAC_XATTR);
  g_assert_cmpstr (value, ==, "1:1:2:640");
  g_assert_true (vmdev_label_dac_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
  assert_owner (node, 1, 2, 0640);
}

static void
assert_refused (Fixture *fx, const char *rel, const char *why)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (vmdev_label_dac_set (fx->root, rel, 107, 108, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, why));
  g_clear_error (&error);
  /* What set refuses it never changed: a restore (a claim's journal replayed
   * after a refused set) has nothing to do, and touches nothing. */
  g_assert_true (vmdev_label_dac_restore (fx->root, rel, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_label_selinux_restore (fx->root, rel, &error));
  g_assert_no_error (error);
  g_assert_false (vmdev_label_selinux_set (fx->root, rel, OLD_LABEL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

static void
test_dac_refusals (Fixture *fx, gconstpointer data)
{
  g_autofree char *node = child (fx, NODE), *container = child (fx, "dev/vfio/vfio");
  g_autofree char *alias = child (fx, "dev/vfio/alias"), *file = child (fx, "dev/vfio/file");
  g_autofree char *link = child (fx, "dev/vfio/link");
  g_autofree char *x1 = NULL, *x2 = NULL, *x3 = NULL, *x4 = NULL, *x5 = NULL;
  struct stat st;

  if (!need_root ())
    return;
  assert_refused (fx, "dev/vfio/vfio", "never relabelled");
  assert_refused (fx, "dev/vfio/alias", "VFIO container");
  assert_refused (fx, "dev/vfio/link", "symbolic link");
  assert_refused (fx, "dev/vfio/file", "regular file, not a character device");
  assert_refused (fx, "dev/vfio", "not a character device");
  assert_refused (fx, "/dev/vfio/12", "not a path relative to the root");
  assert_refused (fx, "dev/vfio/../vfio/12", "path component");
  assert_refused (fx, "dev//vfio/12", "path component");

  /* nothing changed: not the link's target, not the container, not the file */
  assert_owner (node, 1, 2, 0640);
  assert_owner (container, 0, 0, 0666);
  assert_owner (alias, 0, 0, 0666);
  g_assert_cmpint (lstat (file, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_null ((x1 = xattr_text (node, VMDEV_LABEL_DAC_XATTR)));
  g_assert_null ((x2 = xattr_text (container, VMDEV_LABEL_DAC_XATTR)));
  g_assert_null ((x3 = xattr_text (alias, VMDEV_LABEL_DAC_XATTR)));
  g_assert_null ((x4 = xattr_text (file, VMDEV_LABEL_DAC_XATTR)));
  g_assert_null ((x5 = xattr_text (node, VMDEV_LABEL_SELINUX_XATTR)));
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
}

static void
test_dac_broken_xattr (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *node = child (fx, NODE);

  if (!need_root ())
    return;
  g_assert_cmpint (setxattr (node, VMDEV_LABEL_DAC_XATTR, "junk", 4, 0), ==, 0);
  g_assert_false (vmdev_label_dac_set (fx->root, NODE, 107, 108, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, VMDEV_LABEL_DAC_XATTR));
  assert_owner (node, 1, 2, 0640);
  g_clear_error (&error);
  g_assert_false (vmdev_label_dac_restore (fx->root, NODE, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY);
  assert_owner (node, 1, 2, 0640);
}

/* ---- SELinux ---- */

static gboolean
selinux_usable (const char *node)
{
  if (!need_root ())
    return FALSE;
  if (is_selinux_enabled () > 0)
    {
      g_test_skip ("SELinux is enabled here: these tests write made-up labels");
      return FALSE;
    }
  if (setxattr (node, VMDEV_LABEL_SELINUX_FILE_XATTR, OLD_LABEL, sizeof OLD_LABEL, 0) < 0)
    {
      g_autofree char *why = g_strdup_printf ("the file system refuses security.selinux: %s",
                                              g_strerror (errno));
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

static void
test_selinux_round_trip (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *node = child (fx, NODE), *context = NULL, *label = NULL;
  g_autofree char *gone = NULL, *back = NULL;
  VmdevMcs mcs = { 12, 345 };

  if (!selinux_usable (node))
    return;
  context = vmdev_label_selinux_image_context (VMDEV_HOSTPREP_DEFAULT_IMAGE_LABEL, &mcs);
  g_assert_cmpstr (context, ==, "system_u:object_r:svirt_image_t:s0:c12,c345");
  g_assert_true (vmdev_label_selinux_set (fx->root, NODE, context, &error));
  g_assert_no_error (error);
  label = xattr_text (node, VMDEV_LABEL_SELINUX_FILE_XATTR);
  /* libselinux writes the terminating NUL */
  g_assert_cmpstr (label, ==, context);
  /* byte for byte, the NUL included */
  assert_xattr_bytes (node, VMDEV_LABEL_SELINUX_XATTR, "1:" OLD_LABEL, sizeof "1:" OLD_LABEL);

  /* a second set keeps the first original */
  g_assert_true (vmdev_label_selinux_set (fx->root, NODE, "u:r:t:s0:c1,c2", &error));
  g_assert_no_error (error);
  assert_xattr_bytes (node, VMDEV_LABEL_SELINUX_XATTR, "1:" OLD_LABEL, sizeof "1:" OLD_LABEL);

  g_assert_true (vmdev_label_selinux_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
  assert_xattr_bytes (node, VMDEV_LABEL_SELINUX_FILE_XATTR, OLD_LABEL, sizeof OLD_LABEL);
  gone = xattr_text (node, VMDEV_LABEL_SELINUX_XATTR);
  g_assert_null (gone);

  /* a node without a label gets none back */
  g_assert_cmpint (removexattr (node, VMDEV_LABEL_SELINUX_FILE_XATTR), ==, 0);
  g_assert_true (vmdev_label_selinux_set (fx->root, NODE, context, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_label_selinux_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
  back = xattr_text (node, VMDEV_LABEL_SELINUX_FILE_XATTR);
  g_assert_null (back);
  g_assert_true (vmdev_label_selinux_restore (fx->root, NODE, &error));
  g_assert_no_error (error);
}

static void
test_selinux_wanted (void)
{
  g_autoptr(VmdevHostprepConfig) config = vmdev_hostprep_config_new_default ();
  VmdevMcs mcs = { 0, 1023 };
  g_autofree char *proc = NULL;

  g_assert_false (vmdev_label_selinux_wanted (config));
  config->security_driver = VMDEV_SECURITY_DRIVER_SELINUX;
  g_assert_cmpint (vmdev_label_selinux_wanted (config), ==, is_selinux_enabled () > 0);
  config->selinux_force = TRUE;
  g_assert_true (vmdev_label_selinux_wanted (config));
  config->security_driver = VMDEV_SECURITY_DRIVER_NONE;
  g_assert_false (vmdev_label_selinux_wanted (config));
  proc = vmdev_label_selinux_process_context (config->process_label, &mcs);
  g_assert_cmpstr (proc, ==, "system_u:system_r:svirt_t:s0:c0,c1023");
}

/* ---- MCS categories ---- */

static void
test_mcs_unique (void)
{
  g_autoptr(GArray) used = g_array_new (FALSE, FALSE, sizeof (VmdevMcs));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  VmdevMcs a, b, c;
  const char *u = "0d6e7a8c-3f4b-4c5d-8e9f-a0b1c2d3e4f5";

  /* deterministic; any UUID form */
  g_assert_true (vmdev_mcs_pick (u, NULL, 0, &a, &error));
  g_assert_true (vmdev_mcs_pick ("0D6E7A8C3F4B4C5D8E9FA0B1C2D3E4F5", NULL, 0, &b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.lo, ==, b.lo);
  g_assert_cmpuint (a.hi, ==, b.hi);
  g_assert_cmpuint (a.lo, <, a.hi);
  g_assert_cmpuint (a.hi, <, VMDEV_MCS_CATEGORIES);
  /* taken: the next free pair */
  g_assert_true (vmdev_mcs_pick (u, &a, 1, &c, &error));
  g_assert_true (c.lo != a.lo || c.hi != a.hi);
  g_assert_cmpuint (c.lo, <, c.hi);

  /* 3000 domains (also the same UUID again and again): all different */
  for (guint i = 0; i < 3000; i++)
    {
      g_autofree char *uuid = NULL, *text = NULL;
      VmdevMcs m;

      uuid = g_strdup_printf ("00000000-0000-4000-8000-%012x", i % 7 == 0 ? 7u : i);
      g_assert_true (vmdev_mcs_pick (uuid, (VmdevMcs *) (void *) used->data, used->len, &m,
                                     &error));
      g_assert_no_error (error);
      g_assert_cmpuint (m.lo, <, m.hi);
      g_assert_cmpuint (m.hi, <, VMDEV_MCS_CATEGORIES);
      text = vmdev_mcs_to_string (&m);
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, g_steal_pointer (&text));
      g_array_append_val (used, m);
    }

  g_assert_false (vmdev_mcs_pick ("not-a-uuid", NULL, 0, &a, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

static void
test_mcs_exhausted (void)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (VmdevMcs));
  g_autoptr(GError) error = NULL;
  VmdevMcs m;

  for (guint hi = 1; hi < VMDEV_MCS_CATEGORIES; hi++)
    for (guint lo = 0; lo < hi; lo++)
      {
        VmdevMcs p = { (guint16) lo, (guint16) hi };
        g_array_append_val (all, p);
      }
  /* one left: found wherever the UUID starts */
  g_array_remove_index (all, 4242);
  g_assert_true (vmdev_mcs_pick ("0d6e7a8c-3f4b-4c5d-8e9f-a0b1c2d3e4f5",
                                 (VmdevMcs *) (void *) all->data, all->len, &m, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (m.hi * (m.hi - 1) / 2 + m.lo, ==, 4242);
  g_array_append_val (all, m);
  g_assert_false (vmdev_mcs_pick ("0d6e7a8c-3f4b-4c5d-8e9f-a0b1c2d3e4f5",
                                  (VmdevMcs *) (void *) all->data, all->len, &m, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE);
}

static void
test_mcs_parse (void)
{
  const char *bad[] = { "", "c1", "c2,c1", "c5,c5", "c1,c1024", "c01,c2", "c1,c2x", "c1, c2",
                        "1,2", "c-1,c2", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  VmdevMcs m;

  g_assert_true (vmdev_mcs_parse ("c0,c1023", &m, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (m.lo, ==, 0);
  g_assert_cmpuint (m.hi, ==, 1023);
  text = vmdev_mcs_to_string (&m);
  g_assert_cmpstr (text, ==, "c0,c1023");
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_assert_false (vmdev_mcs_parse (bad[i], &m, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
}

/* ---- vmdev.conf ---- */

static void
test_config_good (void)
{
  g_autoptr(VmdevHostprepConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  const char *text =
    "# comment\n"
    "[qemu]\n"
    "user=root\n"
    "group=107\n"
    "security_driver=selinux\n"
    "image_label=system_u:object_r:my_image_t:s0\n"
    "process_label=system_u:system_r:my_t:s0\n"
    "selinux_force=true\n"
    "[cgroups]\n"
    "other=left to its reader\n";

  config = vmdev_hostprep_config_parse (text, strlen (text), "/etc/vmdev/vmdev.conf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->uid, ==, 0);
  g_assert_cmpuint (config->gid, ==, 107);
  g_assert_cmpstr (config->user, ==, "root");
  g_assert_cmpstr (config->group, ==, "107");
  g_assert_cmpint (config->security_driver, ==, VMDEV_SECURITY_DRIVER_SELINUX);
  g_assert_cmpstr (config->image_label, ==, "system_u:object_r:my_image_t:s0");
  g_assert_cmpstr (config->process_label, ==, "system_u:system_r:my_t:s0");
  g_assert_true (config->selinux_force);
  g_assert_cmpstr (vmdev_security_driver_to_string (config->security_driver), ==, "selinux");
}

static void
test_config_names (void)
{
  g_autoptr(VmdevHostprepConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  struct passwd *pw = getpwnam ("nobody");
  g_autofree char *text = NULL;

  if (pw == NULL)
    {
      g_test_skip ("no user 'nobody' on this host");
      return;
    }
  text = g_strdup_printf ("[qemu]\nuser = nobody\ngroup=%s\n", "root");
  config = vmdev_hostprep_config_parse (text, strlen (text), "c", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->uid, ==, pw->pw_uid);
  g_assert_cmpuint (config->gid, ==, 0);
  g_assert_cmpint (config->security_driver, ==, VMDEV_SECURITY_DRIVER_DAC);
}

static void
assert_config_error (const char *text, const char *expected)
{
  g_autoptr(VmdevHostprepConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = vmdev_hostprep_config_parse (text, strlen (text), "/r/etc/vmdev/vmdev.conf", &error);
  g_assert_null (config);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_config_bad (void)
{
  assert_config_error ("[qemu]\nuser=no-such-user-vmdev\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] user: no user 'no-such-user-vmdev' on "
                       "this host (allowed: a user name known to the host running vmdev, not "
                       "under --root, or a number)");
  assert_config_error ("[qemu]\ngroup=no-such-group-vmdev\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] group: no group 'no-such-group-vmdev' "
                       "on this host (allowed: a group name known to the host running vmdev, "
                       "not under --root, or a number)");
  assert_config_error ("[qemu]\nuser=4294967295\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] user: '4294967295' is not a valid user "
                       "id (allowed: 0 to 4294967294, or a name)");
  assert_config_error ("[qemu]\nuser=\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] user: empty (allowed: a user name known "
                       "to this host, or a number)");
  assert_config_error ("[qemu]\nsecurity_driver=apparmor\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] security_driver: 'apparmor' is not a "
                       "security driver (allowed: dac, selinux, none)");
  assert_config_error ("[qemu]\nimage_label=system_u:object_r:svirt_image_t:s0:c1,c2\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] image_label: "
                       "'system_u:object_r:svirt_image_t:s0:c1,c2' is not "
                       "user:role:type:sensitivity (allowed: four fields, without categories: "
                       "vmdev adds the domain's own)");
  assert_config_error ("[qemu]\nprocess_label=svirt_t\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] process_label: 'svirt_t' is not "
                       "user:role:type:sensitivity (allowed: four fields, without categories: "
                       "vmdev adds the domain's own)");
  assert_config_error ("[qemu]\nselinux_force=yes\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] selinux_force: 'yes' is not a boolean "
                       "(allowed: true, false)");
  assert_config_error ("[qemu]\nusr=qemu\n",
                       "/r/etc/vmdev/vmdev.conf: [qemu] usr: unknown key (allowed: user, group, "
                       "security_driver, image_label, process_label, selinux_force)");
}

static void
test_config_load (Fixture *fx, gconstpointer data)
{
  g_autoptr(VmdevHostprepConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *etc = child (fx, "etc/vmdev"), *file = child (fx, VMDEV_HOSTPREP_CONFIG_FILE);
  g_autofree char *expected = NULL;

  /* no etc/vmdev, then no vmdev.conf: the defaults */
  config = vmdev_hostprep_config_load (fx->root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->uid, ==, 0);
  g_assert_cmpuint (config->gid, ==, 0);
  g_assert_cmpstr (config->user, ==, "root");
  g_assert_cmpint (config->security_driver, ==, VMDEV_SECURITY_DRIVER_DAC);
  g_assert_cmpstr (config->image_label, ==, VMDEV_HOSTPREP_DEFAULT_IMAGE_LABEL);
  g_assert_cmpstr (config->process_label, ==, VMDEV_HOSTPREP_DEFAULT_PROCESS_LABEL);
  g_assert_false (config->selinux_force);
  g_clear_pointer (&config, vmdev_hostprep_config_free);
  g_assert_cmpint (g_mkdir_with_parents (etc, 0755), ==, 0);
  config = vmdev_hostprep_config_load (fx->root, &error);
  g_assert_no_error (error);
  g_assert_cmpint (config->security_driver, ==, VMDEV_SECURITY_DRIVER_DAC);
  g_clear_pointer (&config, vmdev_hostprep_config_free);

  g_assert_true (g_file_set_contents (file, "[qemu]\nuser=107\nsecurity_driver=none\n", -1,
                                      NULL));
  config = vmdev_hostprep_config_load (fx->root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->uid, ==, 107);
  g_assert_cmpuint (config->gid, ==, 0);
  g_assert_cmpint (config->security_driver, ==, VMDEV_SECURITY_DRIVER_NONE);
  g_clear_pointer (&config, vmdev_hostprep_config_free);

  /* the error names the file as the user sees it */
  g_assert_true (g_file_set_contents (file, "[qemu]\nsecurity_driver=dac,selinux\n", -1, NULL));
  config = vmdev_hostprep_config_load (fx->root, &error);
  g_assert_null (config);
  expected = g_strdup_printf ("%s: [qemu] security_driver: 'dac,selinux' is not a security "
                              "driver (allowed: dac, selinux, none)", file);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (file, "user=qemu\n", -1, NULL));
  config = vmdev_hostprep_config_load (fx->root, &error);
  g_assert_null (config);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, file));
}

/* ---- the simulated host ---- */

/* open(O_RDWR) of @path in a child running as @uid:@gid without
 * supplementary groups: 0 or the errno. */
static int
open_as (const char *path, uid_t uid, gid_t gid)
{
  int status = 0;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int fd;

      if (setgroups (0, NULL) < 0 || setgid (gid) < 0 || setuid (uid) < 0)
        _exit (250);
      fd = open (path, O_RDWR | O_CLOEXEC);
      _exit (fd < 0 ? errno : 0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), !=, 250);
  return WEXITSTATUS (status);
}

static void
test_on_simhost (void)
{
  g_autofree char *dir = NULL, *json = NULL, *err = NULL, *node = NULL, *dac = NULL;
  g_autofree char *label = NULL, *context = NULL;
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GError) error = NULL;
  VmdevMcs mcs;
  char names[256];

  if (!need_root ())
    return;
  if (g_getenv ("SIMHOST") == NULL || access ("/dev/fuse", R_OK | W_OK) != 0)
    {
      g_test_skip ("needs /dev/fuse and the simhost binary (SIMHOST)");
      return;
    }
  dir = g_dir_make_tmp ("vmdev-label-sim-XXXXXX", NULL);
  g_assert_cmpint (chmod (dir, 0755), ==, 0); /* the QEMU user walks through it */
  json = g_build_filename (dir, "host.json", NULL);
  g_assert_true (g_file_set_contents (json, test_simhost_mtty_json, -1, NULL));
  if (!test_simhost ("mount", json, dir, &err))
    {
      g_autofree char *why = g_strdup_printf ("simhost cannot mount here: %s", err);
      g_test_skip (why);
      unlink (json);
      rmdir (dir);
      return;
    }
  root = vmdev_root_open (dir, NULL);
  g_assert_nonnull (root);
  node = g_build_filename (dir, NODE, NULL);
  assert_owner (node, 0, 0, 0600);
  /* the kernel checks permissions: the QEMU user cannot open the node yet */
  g_assert_cmpint (open_as (node, 107, 108), ==, EACCES);

  /* DAC: set and restore through the FUSE file system */
  g_assert_true (vmdev_label_dac_set (root, NODE, 107, 108, &error));
  g_assert_no_error (error);
  assert_owner (node, 107, 108, 0600);
  dac = xattr_text (node, VMDEV_LABEL_DAC_XATTR);
  g_assert_cmpstr (dac, ==, "1:0:0:600");
  g_assert_cmpint (open_as (node, 107, 108), ==, 0);
  g_assert_cmpint (open_as (node, 200, 201), ==, EACCES);
  g_assert_true (vmdev_label_dac_set (root, NODE, 200, 201, &error));
  assert_owner (node, 200, 201, 0600);
  /* other namespaces than trusted.* and security.* are not there, as in sysfs */
  g_assert_cmpint (setxattr (node, "user.x", "1", 1, 0), ==, -1);
  g_assert_cmpint (errno, ==, EOPNOTSUPP);

  /* SELinux (forced): the label is kept per node */
  g_assert_true (vmdev_mcs_pick ("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", NULL, 0, &mcs, &error));
  context = vmdev_label_selinux_image_context (VMDEV_HOSTPREP_DEFAULT_IMAGE_LABEL, &mcs);
  g_assert_true (vmdev_label_selinux_set (root, NODE, context, &error));
  g_assert_no_error (error);
  label = xattr_text (node, VMDEV_LABEL_SELINUX_FILE_XATTR);
  g_assert_cmpstr (label, ==, context);

  g_assert_true (vmdev_label_selinux_restore (root, NODE, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_label_dac_restore (root, NODE, &error));
  g_assert_no_error (error);
  assert_owner (node, 0, 0, 0600);
  g_assert_cmpint (listxattr (node, names, sizeof names), ==, 0);
  g_assert_cmpint (open_as (node, 200, 201), ==, EACCES);

  /* the container is refused here too */
  g_assert_false (vmdev_label_dac_set (root, "dev/vfio/vfio", 107, 108, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    g_autofree char *container = g_build_filename (dir, "dev/vfio/vfio", NULL);
    assert_owner (container, 0, 0, 0666);
  }

  g_clear_pointer (&root, vmdev_root_free);
  g_clear_pointer (&err, g_free);
  if (!test_simhost ("umount", dir, NULL, &err))
    g_error ("simhost umount failed: %s", err);
  unlink (json);
  rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/hostprep/label/dac-round-trip", test_dac_round_trip);
  ADD ("/hostprep/label/dac-second-set", test_dac_second_set);
  ADD ("/hostprep/label/dac-refusals", test_dac_refusals);
  ADD ("/hostprep/label/dac-broken-xattr", test_dac_broken_xattr);
  ADD ("/hostprep/label/selinux-round-trip", test_selinux_round_trip);
  g_test_add_func ("/hostprep/label/selinux-wanted", test_selinux_wanted);
  g_test_add_func ("/hostprep/label/mcs-unique", test_mcs_unique);
  g_test_add_func ("/hostprep/label/mcs-exhausted", test_mcs_exhausted);
  g_test_add_func ("/hostprep/label/mcs-parse", test_mcs_parse);
  g_test_add_func ("/hostprep/config/good", test_config_good);
  g_test_add_func ("/hostprep/config/names", test_config_names);
  g_test_add_func ("/hostprep/config/bad", test_config_bad);
  ADD ("/hostprep/config/load", test_config_load);
  g_test_add_func ("/hostprep/label/simhost", test_on_simhost);
#undef ADD
  return g_test_run ();
}
