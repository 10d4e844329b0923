/* Tests of src/hostprep's private /dev (vmdev-namespace.h).  On a temporary
 * root with mknod'ed group nodes (dev/vfio/12: a character device, as on a
 * real host) and a regular file (dev/vfio/13: as the simulated host serves
 * them), a forked child enters the private /dev and reports through a pipe
 * what it sees; hotplug adds and removes nodes in a long-running child's
 * namespace.  Without root the privileged tests skip with the reason. */
#include "test-tree.h"
#include "hostprep/vmdev-namespace.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/magic.h>
#include <unistd.h>

#define LABEL "system_u:object_r:vfio_device_t:s0"
#define CONTENT13 "simulated group 13\n"

typedef struct
{
  char *dir;
  VmdevRoot *root;
  gboolean labelled; /* dev/vfio/12 carries LABEL */
} Fixture;

static gboolean
need_root (void)
{
  if (geteuid () != 0)
    {
      g_test_skip ("needs root (mknod, mount namespaces, setns); uid is not 0");
      return FALSE;
    }
  return TRUE;
}

static char *
child_path (Fixture *fx, const char *rel)
{
  return g_build_filename (fx->dir, rel, NULL);
}

static void
make_node (Fixture *fx, const char *rel, dev_t rdev, uid_t uid, gid_t gid, mode_t mode)
{
  g_autofree char *path = child_path (fx, rel);

  g_assert_cmpint (mknod (path, S_IFCHR | mode, rdev), ==, 0);
  g_assert_cmpint (chown (path, uid, gid), ==, 0);
  g_assert_cmpint (chmod (path, mode), ==, 0);
}

/* dev/vfio/{12 (char 1:3, 107:108, 0600, labelled where possible),
 * 13 (a regular file), 14 (char 1:5, 107:108, 0640), 15 (a directory),
 * 16 -> 12, 17 (char 10:196)} under a fresh temporary root. */
static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autofree char *vfio = NULL, *n12 = NULL, *n13 = NULL, *n15 = NULL, *n16 = NULL;

  fx->dir = g_dir_make_tmp ("vmdev-ns-XXXXXX", NULL);
  g_assert_nonnull (fx->dir);
  fx->root = vmdev_root_open (fx->dir, NULL);
  g_assert_nonnull (fx->root);
  if (geteuid () != 0)
    return;
  vfio = child_path (fx, "dev/vfio");
  g_assert_cmpint (g_mkdir_with_parents (vfio, 0755), ==, 0);
  make_node (fx, "dev/vfio/12", makedev (1, 3), 107, 108, 0600);
  n12 = child_path (fx, "dev/vfio/12");
  fx->labelled = lsetxattr (n12, "security.selinux", LABEL, strlen (LABEL) + 1, 0) == 0;
  n13 = child_path (fx, "dev/vfio/13");
  g_assert_true (g_file_set_contents (n13, CONTENT13, -1, NULL));
  make_node (fx, "dev/vfio/14", makedev (1, 5), 107, 108, 0640);
  n15 = child_path (fx, "dev/vfio/15");
  g_assert_cmpint (mkdir (n15, 0755), ==, 0);
  n16 = child_path (fx, "dev/vfio/16");
  g_assert_cmpint (symlink ("12", n16), ==, 0);
  make_node (fx, "dev/vfio/17", makedev (10, 196), 0, 0, 0666);
}


static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  vmdev_root_free (fx->root);
  test_tree_remove (fx->dir);
  g_free (fx->dir);
}

static int
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in @path, sorted, joined by spaces. */
static char *
listing (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return g_strdup ("(none)");
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* "c 1:3 107:108 0600", "b 254:0 0:6 0660", "d 0755", "l TARGET", "f SIZE", "absent". */
static char *
describe (const char *path)
{
  struct stat st;
  char target[4096];
  ssize_t n;

  if (lstat (path, &st) < 0)
    return g_strdup (errno == ENOENT ? "absent" : g_strerror (errno));
  if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    return g_strdup_printf ("%c %u:%u %u:%u %04o", S_ISCHR (st.st_mode) ? 'c' : 'b',
                            major (st.st_rdev), minor (st.st_rdev), (guint) st.st_uid,
                            (guint) st.st_gid, (guint) (st.st_mode & 07777));
  if (S_ISDIR (st.st_mode))
    return g_strdup_printf ("d %04o", (guint) (st.st_mode & 07777));
  if (S_ISLNK (st.st_mode))
    {
      n = readlink (path, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      return g_strdup_printf ("l %s", target);
    }
  if (S_ISREG (st.st_mode))
    return g_strdup_printf ("f %" G_GINT64_FORMAT, (gint64) st.st_size);
  return g_strdup ("other");
}

static const char *
fs_name (const char *path)
{
  struct statfs sfs;

  if (statfs (path, &sfs) < 0)
    return "error";
  switch ((unsigned long) sfs.f_type)
    {
    case TMPFS_MAGIC:
      return "tmpfs";
    case DEVPTS_SUPER_MAGIC:
      return "devpts";
    default:
      return "other";
    }
}

/* In the child, after vmdev_namespace_enter(): what it sees, one "key value"
 * line each. */
static char *
child_report (const char *disk)
{
  GString *r = g_string_new (NULL);
  static const char *const nodes[] = {
    "null", "zero", "full", "random", "urandom", "kvm", "fd", "stdin", "stdout", "stderr",
    "ptmx", "pts", "shm", "vfio", "vfio/vfio", "vfio/12", "vfio/13",
  };
  g_autofree char *dev = listing ("/dev"), *vfio = listing ("/dev/vfio");
  g_autofree char *content = NULL;
  char label[256];
  ssize_t n;
  int fd, master;

  g_string_append_printf (r, "ls %s\n", dev);
  g_string_append_printf (r, "vfio-ls %s\n", vfio);
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      g_autofree char *path = g_strconcat ("/dev/", nodes[i], NULL);
      g_autofree char *what = describe (path);

      g_string_append_printf (r, "%s %s\n", nodes[i], what);
    }
  if (disk != NULL)
    {
      g_autofree char *what = describe (disk);

      g_string_append_printf (r, "disk %s\n", what);
    }
  n = lgetxattr ("/dev", VMDEV_NAMESPACE_MARK_XATTR, label, sizeof label);
  g_string_append_printf (r, "mark %.*s\n", n < 0 ? 0 : (int) n, label);
  g_string_append_printf (r, "fs-dev %s\nfs-pts %s\nfs-shm %s\n", fs_name ("/dev"),
                          fs_name ("/dev/pts"), fs_name ("/dev/shm"));
  n = lgetxattr ("/dev/vfio/12", "security.selinux", label, sizeof label - 1);
  label[n < 0 ? 0 : n] = '\0';
  g_string_append_printf (r, "label12 %s\n", n < 0 ? "(none)" : label);
  if (g_file_get_contents ("/dev/vfio/13", &content, NULL, NULL))
    g_strdelimit (content, "\n", ' ');
  g_string_append_printf (r, "content13 %s\n", content ? content : "(unreadable)");
  fd = open ("/dev/null", O_WRONLY);
  g_string_append_printf (r, "write-null %s\n",
                          fd >= 0 && write (fd, "x", 1) == 1 ? "ok" : g_strerror (errno));
  if (fd >= 0)
    close (fd);
  master = posix_openpt (O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0)
    g_string_append_printf (r, "pty %s\n", g_strerror (errno));
  else
    {
      const char *name = ptsname (master);
      int slave = name != NULL ? open (name, O_RDWR | O_NOCTTY) : -1;

      g_string_append_printf (r, "pty %s %s\n", slave >= 0 ? "ok" : g_strerror (errno),
                              name ? name : "?");
      if (slave >= 0)
        close (slave);
    }
  if (master >= 0)
    close (master);
  return g_string_free (r, FALSE);
}

/* Reads @fd to its end. */
static char *
read_all (int fd)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      g_string_append_len (s, buf, n);
  return g_string_free (s, FALSE);
}

/* "key value" lines → key → value. */
static GHashTable *
parse_report (const char *text)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *sp = strchr (lines[i], ' ');

      if (sp == NULL)
        continue;
      g_hash_table_insert (h, g_strndup (lines[i], sp - lines[i]), g_strdup (sp + 1));
    }
  return h;
}

/* The first block device directly in /dev, as "/dev/NAME", or NULL. */
static char *
host_block_device (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/dev", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/dev", name, NULL);
      struct stat st;

      if (lstat (path, &st) == 0 && S_ISBLK (st.st_mode))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* ---- without root: the plan ---- */

static void
test_plan_fixed (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL, with_kvm = NULL;
  g_autofree char *text = NULL, *text_kvm = NULL;
  const char *const disks[] = { "/srv/images/a.img", NULL };
  const char *expected =
    "c 1:3 0:0 0666 /dev/null\n"
    "c 1:5 0:0 0666 /dev/zero\n"
    "c 1:7 0:0 0666 /dev/full\n"
    "c 1:8 0:0 0666 /dev/random\n"
    "c 1:9 0:0 0666 /dev/urandom\n"
    "l /proc/self/fd /dev/fd\n"
    "l /proc/self/fd/0 /dev/stdin\n"
    "l /proc/self/fd/1 /dev/stdout\n"
    "l /proc/self/fd/2 /dev/stderr\n"
    "d 0755 /dev/pts\n"
    "m devpts /dev/pts\n"
    "l pts/ptmx /dev/ptmx\n"
    "d 1777 /dev/shm\n"
    "m tmpfs /dev/shm\n";

  /* a disk outside /dev is visible as it is: left out */
  plan = vmdev_namespace_plan_new (fx->root, FALSE, NULL, 0, disks, &error);
  g_assert_no_error (error);
  text = vmdev_namespace_plan_to_string (plan);
  g_assert_cmpstr (text, ==, expected);
  with_kvm = vmdev_namespace_plan_new (fx->root, TRUE, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  text_kvm = vmdev_namespace_plan_to_string (with_kvm);
  g_assert_true (g_str_has_prefix (text_kvm, expected));
  g_assert_cmpstr (text_kvm + strlen (expected), ==, "c 10:232 0:0 0666 /dev/kvm\n");
}

static void
assert_plan_error (Fixture *fx, const int *groups, gsize n, const char *const *disks,
                   GQuark domain, int code, const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = vmdev_namespace_plan_new (fx->root, FALSE, groups, n,
                                                                 disks, &error);

  g_assert_null (plan);
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "planning QEMU's private /dev: "));
  if (strstr (error->message, part) == NULL)
    g_error ("'%s' does not mention '%s'", error->message, part);
}

static void
test_plan_disk_errors (Fixture *fx, gconstpointer data)
{
  const char *const relative[] = { "dev/sda", NULL };
  const char *const dots[] = { "/dev/../etc/passwd", NULL };
  const char *const not_block[] = { "/dev/null", NULL };
  const char *const missing[] = { "/dev/vmdev-no-such-disk", NULL };
  const int negative[] = { -1 };

  assert_plan_error (fx, NULL, 0, relative, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                     "must be absolute");
  assert_plan_error (fx, NULL, 0, dots, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                     "'..'");
  assert_plan_error (fx, NULL, 0, not_block, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                     "/dev/null: is a character device, not a block device");
  assert_plan_error (fx, NULL, 0, missing, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "/dev/vmdev-no-such-disk: No such file or directory");
  assert_plan_error (fx, negative, 1, NULL, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                     "-1 is not a VFIO group number");
}

/* ---- as root: the group nodes ---- */

static void
test_plan_group_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *missing = NULL, *dir = NULL, *link = NULL, *container = NULL;
  const int g99[] = { 12, 99 }, g15[] = { 15 }, g16[] = { 16 }, g17[] = { 17 };

  if (!need_root ())
    return;
  missing = g_strdup_printf ("opening the VFIO group node: %s/dev/vfio/99: "
                             "No such file or directory", fx->dir);
  assert_plan_error (fx, g99, 2, NULL, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, missing);
  dir = g_strdup_printf ("%s/dev/vfio/15: is a directory, not a VFIO group node", fx->dir);
  assert_plan_error (fx, g15, 1, NULL, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT, dir);
  link = g_strdup_printf ("%s/dev/vfio/16: is a symbolic link", fx->dir);
  assert_plan_error (fx, g16, 1, NULL, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT, link);
  container = g_strdup_printf ("%s/dev/vfio/17: is the VFIO container", fx->dir);
  assert_plan_error (fx, g17, 1, NULL, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT, container);
}

static void
test_plan_groups (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL;
  g_autofree char *text = NULL, *bind = NULL;
  const int groups[] = { 12, 13, 12 };

  if (!need_root ())
    return;
  plan = vmdev_namespace_plan_new (fx->root, FALSE, groups, G_N_ELEMENTS (groups), NULL,
                                   &error);
  g_assert_no_error (error);
  text = vmdev_namespace_plan_to_string (plan);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "d 0755 /dev/vfio\nc 10:196 0:0 0666 /dev/vfio/vfio\n"
                                  "c 1:3 107:108 0600 /dev/vfio/12"));
  bind = g_strdup_printf ("\nf /dev/vfio/13 <- %s/dev/vfio/13\n", fx->dir);
  g_assert_true (g_str_has_suffix (text, bind));
  /* 12 named twice: once in the plan */
  g_assert_null (strstr (strstr (text, "/dev/vfio/12") + 1, "/dev/vfio/12"));
}

/* The child enters the private /dev and reports what it sees. */
static void
test_enter (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *disk = NULL, *report = NULL, *before = NULL, *after = NULL;
  g_autofree char *expected_ls = NULL, *disk_name = NULL, *host_disk = NULL;
  const int groups[] = { 12, 13 };
  const char *disks[] = { NULL, NULL };
  struct stat dev_before, dev_after;
  int fds[2], wstatus;
  pid_t pid;

  if (!need_root ())
    return;
  disk = host_block_device ();
  disks[0] = disk;
  g_test_message ("host block device for the disk test: %s", disk ? disk : "(none)");
  before = listing ("/dev");
  g_assert_cmpint (stat ("/dev", &dev_before), ==, 0);
  plan = vmdev_namespace_plan_new (fx->root, TRUE, groups, 2, disks, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autofree char *text = NULL;
      ssize_t n G_GNUC_UNUSED;

      close (fds[0]);
      if (!vmdev_namespace_enter (plan, &error))
        text = g_strdup_printf ("error %s\n", error->message);
      else
        text = child_report (disk);
      n = write (fds[1], text, strlen (text));
      _exit (error != NULL ? 1 : 0);
    }
  close (fds[1]);
  report = read_all (fds[0]);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_test_message ("the child saw:\n%s", report);
  g_assert_true (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 0);
  seen = parse_report (report);

  /* only what the plan holds (the host's other nodes are not there) */
  if (disk != NULL)
    disk_name = g_path_get_basename (disk);
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();
    const char *fixed[] = { "fd", "full", "kvm", "null", "ptmx", "pts", "random", "shm",
                            "stderr", "stdin", "stdout", "urandom", "vfio", "zero" };

    for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
      g_ptr_array_add (names, (char *) fixed[i]);
    if (disk_name != NULL)
      g_ptr_array_add (names, disk_name);
    g_ptr_array_sort (names, cmp_names);
    g_ptr_array_add (names, NULL);
    expected_ls = g_strjoinv (" ", (char **) names->pdata);
  }
  g_assert_cmpstr (g_hash_table_lookup (seen, "ls"), ==, expected_ls);
  g_assert_cmpstr (g_hash_table_lookup (seen, "vfio-ls"), ==, "12 13 vfio");
  g_assert_cmpstr (g_hash_table_lookup (seen, "null"), ==, "c 1:3 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "zero"), ==, "c 1:5 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "full"), ==, "c 1:7 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "random"), ==, "c 1:8 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "urandom"), ==, "c 1:9 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "kvm"), ==, "c 10:232 0:0 0666");
  g_assert_cmpstr (g_hash_table_lookup (seen, "fd"), ==, "l /proc/self/fd");
  g_assert_cmpstr (g_hash_table_lookup (seen, "stdin"), ==, "l /proc/self/fd/0");
  g_assert_cmpstr (g_hash_table_lookup (seen, "stdout"), ==, "l /proc/self/fd/1");
  g_assert_cmpstr (g_hash_table_lookup (seen, "stderr"), ==, "l /proc/self/fd/2");
  g_assert_cmpstr (g_hash_table_lookup (seen, "ptmx"), ==, "l pts/ptmx");
  g_assert_cmpstr (g_hash_table_lookup (seen, "pts"), ==, "d 0755");
  g_assert_cmpstr (g_hash_table_lookup (seen, "shm"), ==, "d 1777");
  g_assert_cmpstr (g_hash_table_lookup (seen, "vfio"), ==, "d 0755");
  g_assert_cmpstr (g_hash_table_lookup (seen, "vfio/vfio"), ==, "c 10:196 0:0 0666");
  /* the group node: numbers, owner and mode of the source */
  g_assert_cmpstr (g_hash_table_lookup (seen, "vfio/12"), ==, "c 1:3 107:108 0600");
  if (fx->labelled)
    g_assert_cmpstr (g_hash_table_lookup (seen, "label12"), ==, LABEL);
  else
    g_test_message ("security.selinux could not be set on the temporary root: label not checked");
  /* the simulated host's regular file: bind-mounted, so its content shows */
  g_assert_cmpstr (g_hash_table_lookup (seen, "vfio/13"), ==, "f 19");
  g_assert_cmpstr (g_hash_table_lookup (seen, "content13"), ==, "simulated group 13 ");
  if (disk != NULL)
    {
      host_disk = describe (disk);
      g_assert_cmpstr (g_hash_table_lookup (seen, "disk"), ==, host_disk);
    }
  g_assert_cmpstr (g_hash_table_lookup (seen, "fs-dev"), ==, "tmpfs");
  g_assert_cmpstr (g_hash_table_lookup (seen, "mark"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (seen, "fs-pts"), ==, "devpts");
  g_assert_cmpstr (g_hash_table_lookup (seen, "fs-shm"), ==, "tmpfs");
  g_assert_cmpstr (g_hash_table_lookup (seen, "write-null"), ==, "ok");
  /* a new devpts instance: its first pty is 0 */
  g_assert_cmpstr (g_hash_table_lookup (seen, "pty"), ==, "ok /dev/pts/0");

  /* the parent's /dev is unchanged */
  after = listing ("/dev");
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (stat ("/dev", &dev_after), ==, 0);
  g_assert_cmpuint (dev_after.st_dev, ==, dev_before.st_dev);
  g_assert_cmpuint (dev_after.st_ino, ==, dev_before.st_ino);
  g_assert_cmpint (lgetxattr ("/dev", VMDEV_NAMESPACE_MARK_XATTR, NULL, 0), <, 0);
}

/* A group node replaced between the plan and the child: the child fails
 * before it changes anything (the sources are checked before unshare). */
static void
test_enter_source_changed (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL;
  g_autofree char *n13 = NULL, *report = NULL, *expected = NULL;
  const int groups[] = { 13 };
  int fds[2], wstatus;
  pid_t pid;

  if (!need_root ())
    return;
  plan = vmdev_namespace_plan_new (fx->root, FALSE, groups, 1, NULL, &error);
  g_assert_no_error (error);
  n13 = g_build_filename (fx->dir, "dev/vfio/13", NULL);
  /* g_file_set_contents: a new file renamed over it (so a new inode) */
  g_assert_true (g_file_set_contents (n13, "another file\n", -1, NULL));
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autofree char *text = NULL;
      gboolean private = FALSE;
      ssize_t n G_GNUC_UNUSED;

      close (fds[0]);
      if (vmdev_namespace_enter (plan, &error))
        text = g_strdup ("entered\n");
      else
        text = g_strdup_printf ("%s\nnamespace %s\n", error->message,
                                vmdev_namespace_is_private (getppid (), &private, NULL)
                                && !private ? "unchanged" : "changed");
      n = write (fds[1], text, strlen (text));
      _exit (0);
    }
  close (fds[1]);
  report = read_all (fds[0]);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_test_message ("%s", report);
  expected = g_strdup_printf ("QEMU's private /dev: %s: was replaced after it was looked at; "
                              "try again", n13);
  g_assert_true (g_str_has_prefix (report, expected));
  g_assert_true (g_str_has_suffix (report, "\nnamespace unchanged\n"));
}

/* A child that enters a private /dev (@plan; NULL: only unshare, so /dev is
 * still the host's), says so and waits until @hold is closed. */
static pid_t
start_holder (VmdevNamespacePlan *plan, int *out_hold)
{
  int ready[2], hold[2];
  char c = 0;
  pid_t pid;

  g_assert_cmpint (pipe (ready), ==, 0);
  g_assert_cmpint (pipe (hold), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;

      close (ready[0]);
      close (hold[1]);
      if (plan != NULL)
        ok = vmdev_namespace_enter (plan, &error);
      else
        ok = unshare (CLONE_NEWNS) == 0 && mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) == 0;
      c = ok ? 'R' : 'E';
      if (write (ready[1], &c, 1) != 1 || !ok)
        _exit (1);
      while (read (hold[0], &c, 1) > 0)
        ;
      _exit (0);
    }
  close (ready[1]);
  close (hold[0]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  g_assert_cmpint (c, ==, 'R');
  close (ready[0]);
  *out_hold = hold[1];
  return pid;
}

static void
stop_holder (pid_t pid, int hold)
{
  int wstatus;

  close (hold);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_assert_true (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 0);
}

static char *
in_ns (pid_t pid, const char *path)
{
  g_autofree char *full = g_strdup_printf ("/proc/%d/root%s", (int) pid, path);

  return describe (full);
}

static void
assert_in_ns (pid_t pid, const char *path, const char *expected)
{
  g_autofree char *what = in_ns (pid, path);

  g_assert_cmpstr (what, ==, expected);
}

static void
test_hotplug (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL;
  g_autofree char *content = NULL, *p13 = NULL, *missing = NULL, *mountinfo = NULL;
  g_autofree char *mi_path = NULL;
  gboolean private = TRUE;
  pid_t pid;
  int hold;

  if (!need_root ())
    return;
  plan = vmdev_namespace_plan_new (fx->root, FALSE, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  pid = start_holder (plan, &hold);

  g_assert_true (vmdev_namespace_is_private (pid, &private, &error));
  g_assert_no_error (error);
  g_assert_true (private);
  g_assert_true (vmdev_namespace_is_private (getpid (), &private, &error));
  g_assert_false (private);
  assert_in_ns (pid, "/dev/vfio", "absent");

  /* a character device: copied; /dev/vfio and the container come with it */
  g_assert_true (vmdev_namespace_hotplug_add (fx->root, pid, 14, &error));
  g_assert_no_error (error);
  assert_in_ns (pid, "/dev/vfio", "d 0755");
  assert_in_ns (pid, "/dev/vfio/vfio", "c 10:196 0:0 0666");
  assert_in_ns (pid, "/dev/vfio/14", "c 1:5 107:108 0640");
  /* again (replaced), with a new owner on the host */
  {
    g_autofree char *n14 = g_build_filename (fx->dir, "dev/vfio/14", NULL);

    g_assert_cmpint (chown (n14, 200, 201), ==, 0);
    g_assert_cmpint (chmod (n14, 0600), ==, 0);
  }
  g_assert_true (vmdev_namespace_hotplug_add (fx->root, pid, 14, &error));
  g_assert_no_error (error);
  assert_in_ns (pid, "/dev/vfio/14", "c 1:5 200:201 0600");

  /* a regular file (simulated host): bind-mounted */
  g_assert_true (vmdev_namespace_hotplug_add (fx->root, pid, 13, &error));
  g_assert_no_error (error);
  p13 = g_strdup_printf ("/proc/%d/root/dev/vfio/13", (int) pid);
  g_assert_true (g_file_get_contents (p13, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, CONTENT13);
  mi_path = g_strdup_printf ("/proc/%d/mountinfo", (int) pid);
  g_assert_true (g_file_get_contents (mi_path, &mountinfo, NULL, NULL));
  g_assert_nonnull (strstr (mountinfo, " /dev/vfio/13 "));
  g_clear_pointer (&mountinfo, g_free);

  /* errors: nothing is created */
  g_assert_false (vmdev_namespace_hotplug_add (fx->root, pid, 99, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  missing = g_strdup_printf ("adding VFIO group 99 to the private /dev of process %d: "
                             "opening the VFIO group node: %s/dev/vfio/99: "
                             "No such file or directory", (int) pid, fx->dir);
  g_assert_cmpstr (error->message, ==, missing);
  g_clear_error (&error);
  assert_in_ns (pid, "/dev/vfio/99", "absent");
  g_assert_false (vmdev_namespace_hotplug_add (fx->root, pid, 15, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "is a directory"));
  g_clear_error (&error);
  assert_in_ns (pid, "/dev/vfio/15", "absent");
  g_assert_false (vmdev_namespace_hotplug_add (fx->root, pid, 16, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  assert_in_ns (pid, "/dev/vfio/16", "absent");

  /* unplug */
  g_assert_true (vmdev_namespace_hotplug_remove (pid, 14, &error));
  g_assert_no_error (error);
  assert_in_ns (pid, "/dev/vfio/14", "absent");
  g_assert_true (vmdev_namespace_hotplug_remove (pid, 13, &error));
  g_assert_no_error (error);
  assert_in_ns (pid, "/dev/vfio/13", "absent");
  g_assert_true (g_file_get_contents (mi_path, &mountinfo, NULL, NULL));
  g_assert_null (strstr (mountinfo, " /dev/vfio/13 "));
  assert_in_ns (pid, "/dev/vfio/vfio", "c 10:196 0:0 0666");
  /* missing is fine */
  g_assert_true (vmdev_namespace_hotplug_remove (pid, 14, &error));
  g_assert_no_error (error);
  /* the sources on the root are untouched */
  {
    g_autofree char *n13 = g_build_filename (fx->dir, "dev/vfio/13", NULL);
    g_autofree char *n14 = g_build_filename (fx->dir, "dev/vfio/14", NULL);
    g_autofree char *d13 = describe (n13), *d14 = describe (n14);

    g_assert_cmpstr (d13, ==, "f 19");
    g_assert_cmpstr (d14, ==, "c 1:5 200:201 0600");
  }
  stop_holder (pid, hold);

  /* a process gone */
  g_assert_false (vmdev_namespace_hotplug_add (fx->root, pid, 14, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
}

/* No namespace of its own: nothing to do; a namespace whose /dev is the
 * host's: refused, nothing changed. */
static void
test_hotplug_not_private (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  pid_t pid;
  int hold;

  if (!need_root ())
    return;
  before = describe ("/dev/vfio/14");
  g_assert_true (vmdev_namespace_hotplug_add (fx->root, getpid (), 14, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_namespace_hotplug_remove (getpid (), 14, &error));
  g_assert_no_error (error);
  after = describe ("/dev/vfio/14");
  g_assert_cmpstr (after, ==, before);

  pid = start_holder (NULL, &hold);
  g_assert_false (vmdev_namespace_hotplug_add (fx->root, pid, 14, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "is not a private /dev made by vmdev"));
  g_clear_error (&error);
  g_assert_false (vmdev_namespace_hotplug_remove (pid, 14, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_clear_pointer (&after, g_free);
  after = in_ns (pid, "/dev/vfio/14");
  g_assert_cmpstr (after, ==, before);
  stop_holder (pid, hold);
}

/* ---- the simulated host (FUSE): group nodes are regular files ---- */

/* In a child in @pid's view (0: enter @plan first): "<describe> <fs> <open>"
 * of /dev/vfio/12. */
static char *
sim_look (VmdevNamespacePlan *plan, const char *path)
{
  int fds[2], wstatus;
  char *report;
  pid_t pid;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL, *what = NULL;
      struct statfs sfs;
      int fd;
      ssize_t n G_GNUC_UNUSED;

      close (fds[0]);
      if (plan != NULL && !vmdev_namespace_enter (plan, &error))
        text = g_strdup (error->message);
      else
        {
          what = describe (path);
          fd = open (path, O_RDWR | O_CLOEXEC);
          text = g_strdup_printf ("%s %s open %s", what,
                                  statfs (path, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC
                                  ? "fuse" : "not-fuse", fd >= 0 ? "ok" : g_strerror (errno));
        }
      n = write (fds[1], text, strlen (text));
      _exit (0);
    }
  close (fds[1]);
  report = read_all (fds[0]);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  return report;
}

static void
test_on_simhost (void)
{
  g_autofree char *dir = NULL, *json = NULL, *err = NULL, *seen = NULL, *in_holder = NULL;
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevNamespacePlan) plan = NULL, empty = NULL;
  const int groups[] = { 12 };
  pid_t pid;
  int hold;

  if (!need_root ())
    return;
  if (g_getenv ("SIMHOST") == NULL || access ("/dev/fuse", R_OK | W_OK) != 0)
    {
      g_test_skip ("needs /dev/fuse and the simhost binary (SIMHOST)");
      return;
    }
  dir = g_dir_make_tmp ("vmdev-ns-sim-XXXXXX", NULL);
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

  /* start: the FUSE file bind-mounted into the private /dev, and it opens */
  plan = vmdev_namespace_plan_new (root, FALSE, groups, 1, NULL, &error);
  g_assert_no_error (error);
  seen = sim_look (plan, "/dev/vfio/12");
  g_test_message ("start: %s", seen);
  g_assert_cmpstr (seen, ==, "f 0 fuse open ok");

  /* hotplug into a running namespace, then unplug */
  empty = vmdev_namespace_plan_new (root, FALSE, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  pid = start_holder (empty, &hold);
  g_assert_true (vmdev_namespace_hotplug_add (root, pid, 12, &error));
  g_assert_no_error (error);
  in_holder = g_strdup_printf ("/proc/%d/root/dev/vfio/12", (int) pid);
  g_free (seen);
  seen = sim_look (NULL, in_holder);
  g_test_message ("hotplug: %s", seen);
  g_assert_cmpstr (seen, ==, "f 0 fuse open ok");
  g_assert_true (vmdev_namespace_hotplug_remove (pid, 12, &error));
  g_assert_no_error (error);
  assert_in_ns (pid, "/dev/vfio/12", "absent");
  stop_holder (pid, hold);

  g_clear_pointer (&plan, vmdev_namespace_plan_free);
  g_clear_pointer (&empty, vmdev_namespace_plan_free);
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
  ADD ("/hostprep/namespace/plan-fixed", test_plan_fixed);
  ADD ("/hostprep/namespace/plan-disk-errors", test_plan_disk_errors);
  ADD ("/hostprep/namespace/plan-groups", test_plan_groups);
  ADD ("/hostprep/namespace/plan-group-errors", test_plan_group_errors);
  ADD ("/hostprep/namespace/enter", test_enter);
  ADD ("/hostprep/namespace/enter-source-changed", test_enter_source_changed);
  ADD ("/hostprep/namespace/hotplug", test_hotplug);
  ADD ("/hostprep/namespace/hotplug-not-private", test_hotplug_not_private);
  g_test_add_func ("/hostprep/namespace/simhost", test_on_simhost);
#undef ADD
  return g_test_run ();
}
