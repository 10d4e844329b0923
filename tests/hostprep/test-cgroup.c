/* Tests of src/hostprep/vmdev-cgroup: finding the hierarchies under a root
 * (no-op without any), argument checks, and — as root, on this machine's real
 * cgroups — a process in a domain's cgroup opening an allowed device and being
 * refused a denied one, for the v1 devices controller, the v2 hierarchy (BPF
 * program) and both together, with hotplug (allow/deny later, from another
 * VmdevCgroupHost), refusal to remove a cgroup in use, and the undo of a
 * failed create.
 *
 * Each real test runs in a subprocess; the parent then checks that nothing
 * was left behind and cleans up by hand (rmdir) whatever the outcome, so a
 * failing test leaves no cgroup either.  Real tests skip (with the reason)
 * when not root or when the hierarchy is not mounted under /sys/fs/cgroup. */
#include "test-tree.h"
#include "hostprep/vmdev-cgroup.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- without root: detection and arguments ---- */

static char *
make_root (const char *layout)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vmdev-cgroup-XXXXXX", &error);

  g_assert_no_error (error);
  if (g_strcmp0 (layout, "file") == 0)
    {
      g_autofree char *sys = g_build_filename (dir, "sys", "fs", NULL);
      g_autofree char *file = g_build_filename (sys, "cgroup", NULL);

      g_assert_cmpint (g_mkdir_with_parents (sys, 0755), ==, 0);
      g_assert_true (g_file_set_contents (file, "", 0, NULL));
    }
  else if (g_strcmp0 (layout, "dirs") == 0)
    {
      /* Looks like a hybrid host by name, but nothing is a cgroup file system. */
      static const char *const subdirs[] = { "devices", "unified", "cpu,cpuacct" };

      for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
        {
          g_autofree char *sub = g_build_filename (dir, "sys", "fs", "cgroup", subdirs[i], NULL);
          g_autofree char *allow = g_build_filename (sub, "devices.allow", NULL);

          g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
          g_assert_true (g_file_set_contents (allow, "", 0, NULL));
        }
    }
  return dir;
}


static void
test_no_hierarchy (gconstpointer data)
{
  const char *layout = data;
  g_autofree char *dir = make_root (layout);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(VmdevCgroupHost) host = NULL;
  g_autoptr(GPtrArray) names = NULL;
  VmdevCgroupDevice dev = { 'c', 10, 237, FALSE };

  g_assert_no_error (error);
  host = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (host);
  g_assert_cmpint (vmdev_cgroup_host_kinds (host), ==, 0);
  g_assert_null (vmdev_cgroup_host_path (host, VMDEV_CGROUP_V1));
  g_assert_null (vmdev_cgroup_host_path (host, VMDEV_CGROUP_V2));

  /* Every operation is a no-op that succeeds. */
  g_assert_true (vmdev_cgroup_create (host, "dom", &dev, 1, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_cgroup_allow (host, "dom", &dev, &error));
  g_assert_true (vmdev_cgroup_deny (host, "dom", &dev, &error));
  g_assert_true (vmdev_cgroup_enter (host, "dom", 0, &error));
  g_assert_true (vmdev_cgroup_remove (host, "dom", &error));
  g_assert_no_error (error);
  names = vmdev_cgroup_list (host, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);

  /* And created nothing under the root. */
  {
    g_autofree char *vmdev = g_build_filename (dir, "sys", "fs", "cgroup", "devices", "vmdev",
                                               NULL);
    g_assert_false (g_file_test (vmdev, G_FILE_TEST_EXISTS));
  }
  test_tree_remove (dir);
}

static void
test_arguments (void)
{
  g_autofree char *dir = make_root ("empty");
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(VmdevCgroupHost) host = vmdev_cgroup_host_open (root, VMDEV_CGROUP_ALL, &error);
  VmdevCgroupDevice bad = { 'x', 1, 3, FALSE };
  VmdevCgroupDevice good = { 'b', 7, 0, TRUE };
  static const char *const bad_names[] = { "", "..", "a/b", "a\nb" };

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_assert_false (vmdev_cgroup_create (host, bad_names[i], NULL, 0, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (vmdev_cgroup_allow (host, bad_names[i], &good, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (vmdev_cgroup_enter (host, bad_names[i], 0, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (vmdev_cgroup_remove (host, bad_names[i], &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (vmdev_cgroup_create (host, "dom", &bad, 1, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'x'"));
  g_clear_error (&error);
  g_assert_false (vmdev_cgroup_deny (host, "dom", &bad, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  test_tree_remove (dir);
}

static void
test_defaults (void)
{
  gsize n = 0;
  const VmdevCgroupDevice *devs = vmdev_cgroup_default_devices (&n);
  static const guint32 want[][2] = {
    { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 2 }, { 10, 232 }, { 10, 196 },
    { 136, VMDEV_CGROUP_ANY_MINOR },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    {
      gboolean found = FALSE;

      for (gsize j = 0; j < n; j++)
        if (devs[j].type == 'c' && devs[j].major == want[i][0] && devs[j].minor == want[i][1])
          {
            g_assert_false (devs[j].read_only);
            found = TRUE;
          }
      g_assert_true (found);
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want));
}

static void
test_device_from_node (void)
{
  g_autofree char *dir = make_root ("empty");
  g_autofree char *file = g_build_filename (dir, "plain", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) sysroot = vmdev_root_open ("/", &error);
  g_autoptr(VmdevRoot) tmproot = vmdev_root_open (dir, &error);
  g_autoptr(VmdevDir) dev = vmdev_dir_open (sysroot, "dev", &error);
  g_autoptr(VmdevDir) tmp = vmdev_dir_open (tmproot, "", &error);
  VmdevCgroupDevice out = { 0 };

  g_assert_no_error (error);
  g_assert_true (vmdev_cgroup_device_from_node (dev, "null", TRUE, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out.type, ==, 'c');
  g_assert_cmpuint (out.major, ==, 1);
  g_assert_cmpuint (out.minor, ==, 3);
  g_assert_true (out.read_only);

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_false (vmdev_cgroup_device_from_node (tmp, "plain", FALSE, &out, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY);
  g_assert_nonnull (strstr (error->message, "/plain: not a character or block device"));
  g_clear_error (&error);
  g_assert_false (vmdev_cgroup_device_from_node (tmp, "missing", FALSE, &out, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  test_tree_remove (dir);
}

/* ---- as root, on the real cgroups ---- */

/* A device node that exists, opens here, and is not on the default list. */
static const char *
denied_device (void)
{
  static const char *const candidates[] = {
    "/dev/loop-control", "/dev/mem", "/dev/btrfs-control", "/dev/autofs",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      struct stat st;
      int fd;

      if (stat (candidates[i], &st) < 0 || !S_ISCHR (st.st_mode))
        continue;
      fd = open (candidates[i], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0)
        continue;
      close (fd);
      return candidates[i];
    }
  return NULL;
}

/* The domain name of the running test: the same in the parent and in its
 * test subprocess. */
static char *
test_domain (const char *label)
{
  return g_strdup_printf ("test-cgroup-%s-%ld", label,
                          (long) (g_test_subprocess () ? getppid () : getpid ()));
}

/* A child that moves into the domain's cgroup (or is moved), then opens the
 * paths it is sent and answers with the errno (0: opened). */
typedef struct
{
  pid_t pid;
  int to, from;
} Prober;

static void
prober_start (Prober *p, VmdevCgroupHost *host, const char *domain, gboolean self_enter)
{
  int down[2], up[2];
  pid_t parent = getpid ();

  g_assert_cmpint (pipe2 (down, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (up, O_CLOEXEC), ==, 0);
  p->pid = fork ();
  g_assert_cmpint (p->pid, >=, 0);
  if (p->pid == 0)
    {
      char path[256];

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)
        _exit (1);
      close (down[1]);
      close (up[0]);
      if (self_enter && !vmdev_cgroup_enter (host, domain, 0, NULL))
        _exit (2);
      for (;;)
        {
          ssize_t n = read (down[0], path, sizeof path - 1);
          int answer = 0, fd;

          if (n <= 0)
            _exit (0);
          path[n] = '\0';
          if (strcmp (path, "pty") == 0)
            {
              /* A new pty pair: /dev/ptmx (c 5:2), then the slave (c 136:N). */
              int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);

              if (master < 0)
                answer = errno;
              else
                {
                  if (grantpt (master) < 0 || unlockpt (master) < 0)
                    answer = errno;
                  else if ((fd = open (ptsname (master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
                    answer = errno;
                  else
                    close (fd);
                  close (master);
                }
            }
          else if ((fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
            answer = errno;
          else
            close (fd);
          if (write (up[1], &answer, sizeof answer) != sizeof answer)
            _exit (3);
        }
    }
  close (down[0]);
  close (up[1]);
  p->to = down[1];
  p->from = up[0];
}

/* The errno of opening @path in the prober (0: it opened). */
static int
probe (Prober *p, const char *path)
{
  int answer = -1;

  g_assert_cmpint (write (p->to, path, strlen (path)), ==, (gssize) strlen (path));
  g_assert_cmpint (read (p->from, &answer, sizeof answer), ==, sizeof answer);
  return answer;
}

static void
prober_stop (Prober *p)
{
  int status = -1;

  close (p->to);
  close (p->from);
  g_assert_cmpint (waitpid (p->pid, &status, 0), ==, p->pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static gboolean
listed (VmdevCgroupHost *host, const char *domain)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = vmdev_cgroup_list (host, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < names->len; i++)
    if (strcmp (names->pdata[i], domain) == 0)
      return TRUE;
  return FALSE;
}

static VmdevCgroupHost *
open_host (VmdevCgroupKinds kinds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open ("/", &error);
  VmdevCgroupHost *host;

  g_assert_no_error (error);
  host = vmdev_cgroup_host_open (root, kinds, &error);
  g_assert_no_error (error);
  return host;
}

/* "<hierarchy>/vmdev/<domain>" (domain NULL: the vmdev parent). */
static char *
cg_path (VmdevCgroupHost *host, VmdevCgroupKinds kind, const char *domain)
{
  return g_build_filename (vmdev_cgroup_host_path (host, kind), "vmdev", domain, NULL);
}

/* The open/EPERM test for @kinds (one hierarchy, or both). */
static void
body_access (VmdevCgroupKinds kinds, const char *label)
{
  g_autofree char *domain = test_domain (label);
  g_autoptr(VmdevCgroupHost) host = open_host (kinds);
  g_autoptr(GError) error = NULL;
  const char *denied = denied_device ();
  g_autofree char *pidstr = NULL;
  VmdevCgroupDevice dev;
  Prober p;

  g_assert_true (vmdev_cgroup_create (host, domain, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_true (listed (host, domain));
  for (VmdevCgroupKinds k = VMDEV_CGROUP_V1; k <= VMDEV_CGROUP_V2; k <<= 1)
    if (kinds & k)
      {
        g_autofree char *path = cg_path (host, k, domain);
        g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
      }
  /* Creating it again is refused, and leaves it as it was. */
  g_assert_false (vmdev_cgroup_create (host, domain, NULL, 0, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "exists already"));
  g_clear_error (&error);

  /* v2 alone: the parent moves the child by pid; else the child moves itself
   * (the QEMU path: between fork and exec). */
  prober_start (&p, host, domain, kinds != VMDEV_CGROUP_V2);
  if (kinds == VMDEV_CGROUP_V2)
    {
      g_assert_true (vmdev_cgroup_enter (host, domain, p.pid, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (probe (&p, "/dev/null"), ==, 0);
  g_assert_cmpint (probe (&p, "/dev/zero"), ==, 0);
  g_assert_cmpint (probe (&p, "pty"), ==, 0); /* c 136:* (every minor) */
  g_assert_cmpint (probe (&p, denied), ==, EPERM);

  /* Removal is refused while a process runs in it, naming the pid; the
   * rules stay in force. */
  g_assert_false (vmdev_cgroup_remove (host, domain, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE);
  pidstr = g_strdup_printf ("(pids %ld)", (long) p.pid);
  g_assert_nonnull (strstr (error->message, pidstr));
  g_clear_error (&error);
  g_assert_true (listed (host, domain));
  g_assert_cmpint (probe (&p, denied), ==, EPERM);

  /* Hotplug and unplug, through a host object of its own (as another vmdev
   * process would): the v2 map is found again from the cgroup. */
  {
    g_autoptr(VmdevCgroupHost) other = open_host (kinds);
    g_autoptr(VmdevRoot) root = vmdev_root_open ("/", &error);
    g_autoptr(VmdevDir) devdir = vmdev_dir_open (root, "dev", &error);

    g_assert_no_error (error);
    g_assert_true (vmdev_cgroup_device_from_node (devdir, denied + strlen ("/dev/"), FALSE,
                                                  &dev, &error));
    g_assert_no_error (error);
    g_assert_true (vmdev_cgroup_allow (other, domain, &dev, &error));
    g_assert_no_error (error);
    g_assert_cmpint (probe (&p, denied), ==, 0);
    g_assert_true (vmdev_cgroup_allow (other, domain, &dev, &error)); /* again: fine */
    g_assert_no_error (error);
    g_assert_cmpint (probe (&p, denied), ==, 0);

    g_assert_true (vmdev_cgroup_deny (other, domain, &dev, &error));
    g_assert_no_error (error);
    g_assert_cmpint (probe (&p, denied), ==, EPERM);
    g_assert_true (vmdev_cgroup_deny (other, domain, &dev, &error)); /* again: fine */
    g_assert_no_error (error);
    g_assert_cmpint (probe (&p, denied), ==, EPERM);
    g_assert_cmpint (probe (&p, "/dev/null"), ==, 0);
  }
  prober_stop (&p);

  g_assert_true (vmdev_cgroup_remove (host, domain, &error));
  g_assert_no_error (error);
  g_assert_false (listed (host, domain));
  /* Removing what is gone is fine (reconcile may run twice). */
  g_assert_true (vmdev_cgroup_remove (host, domain, &error));
  g_assert_no_error (error);

  /* Allow, deny and enter need the cgroup. */
  g_assert_false (vmdev_cgroup_allow (host, domain, &dev, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, domain));
  g_clear_error (&error);
  g_assert_false (vmdev_cgroup_enter (host, domain, 0, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
}

/* A failed create leaves nothing: more devices than the v2 map holds fail
 * after the v1 cgroup (if any) is complete. */
static void
body_undo_full_map (VmdevCgroupKinds kinds, const char *label)
{
  g_autofree char *domain = test_domain (label);
  g_autoptr(VmdevCgroupHost) host = open_host (kinds);
  g_autoptr(GError) error = NULL;
  g_autofree VmdevCgroupDevice *many = g_new0 (VmdevCgroupDevice, VMDEV_CGROUP_MAX_DEVICES);

  for (guint i = 0; i < VMDEV_CGROUP_MAX_DEVICES; i++)
    many[i] = (VmdevCgroupDevice) { 'b', 250, i, FALSE };
  g_assert_false (vmdev_cgroup_create (host, domain, many, VMDEV_CGROUP_MAX_DEVICES, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "filling the BPF device map"));
  g_assert_false (listed (host, domain));
}

/* A create that finds the v2 cgroup taken undoes its v1 cgroup and leaves
 * the one it did not make alone; allow refuses a v2 cgroup that has no vmdev
 * program. */
static void
body_undo_exists (VmdevCgroupKinds kinds, const char *label)
{
  g_autofree char *domain = test_domain (label);
  g_autoptr(VmdevCgroupHost) host = open_host (kinds);
  g_autoptr(VmdevCgroupHost) v2only = open_host (VMDEV_CGROUP_V2);
  g_autoptr(GError) error = NULL;
  g_autofree char *v2parent = cg_path (host, VMDEV_CGROUP_V2, NULL);
  g_autofree char *v2dir = cg_path (host, VMDEV_CGROUP_V2, domain);
  VmdevCgroupDevice dev = { 'c', 10, 237, FALSE };

  g_assert_true (g_mkdir (v2parent, 0755) == 0 || errno == EEXIST);
  g_assert_cmpint (g_mkdir (v2dir, 0755), ==, 0);
  g_assert_false (vmdev_cgroup_create (host, domain, NULL, 0, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, v2dir));
  g_clear_error (&error);
  if (kinds & VMDEV_CGROUP_V1)
    {
      g_autofree char *v1dir = cg_path (host, VMDEV_CGROUP_V1, domain);
      g_assert_false (g_file_test (v1dir, G_FILE_TEST_EXISTS));
    }
  g_assert_true (g_file_test (v2dir, G_FILE_TEST_IS_DIR));

  g_assert_false (vmdev_cgroup_allow (v2only, domain, &dev, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "not made by vmdev"));
  g_clear_error (&error);

  /* remove takes it (the parent checks that nothing is left). */
  g_assert_true (vmdev_cgroup_remove (v2only, domain, &error));
  g_assert_no_error (error);
}

typedef struct
{
  const char *label;
  VmdevCgroupKinds kinds;
  void (*body) (VmdevCgroupKinds kinds, const char *label);
} RealCase;

/* rmdir of <hierarchy>/vmdev/<domain>, waiting for a dying prober (bounded);
 * then of vmdev/ when empty.  TRUE if the domain cgroup was there. */
static gboolean
clean_by_hand (VmdevCgroupHost *host, VmdevCgroupKinds kind, const char *domain)
{
  g_autofree char *dir = cg_path (host, kind, domain);
  g_autofree char *parent = cg_path (host, kind, NULL);
  gboolean was_there = g_file_test (dir, G_FILE_TEST_EXISTS);

  for (int i = 0; i < 200 && rmdir (dir) < 0 && errno == EBUSY; i++)
    g_usleep (10000);
  rmdir (parent);
  return was_there;
}

static void
test_real (gconstpointer data)
{
  const RealCase *c = data;
  g_autoptr(VmdevCgroupHost) host = NULL;
  g_autofree char *domain = NULL;
  gboolean parent_before[2], left = FALSE;

  if (g_test_subprocess ())
    {
      c->body (c->kinds, c->label);
      return;
    }
  if (geteuid () != 0)
    {
      g_test_skip ("needs root (creates cgroups and loads a BPF program)");
      return;
    }
  host = open_host (c->kinds);
  if ((vmdev_cgroup_host_kinds (host) & c->kinds) != c->kinds)
    {
      g_autofree char *why = g_strdup_printf (
          "needs %s mounted under /sys/fs/cgroup",
          c->kinds == VMDEV_CGROUP_V1 ? "the cgroup v1 devices controller"
          : c->kinds == VMDEV_CGROUP_V2 ? "the cgroup v2 hierarchy"
          : "both the cgroup v1 devices controller and the cgroup v2 hierarchy");
      g_test_skip (why);
      return;
    }
  if (c->body == body_access && denied_device () == NULL)
    {
      g_test_skip ("no device to deny here (/dev/loop-control, /dev/mem, ...)");
      return;
    }
  domain = test_domain (c->label);
  for (int i = 0; i < 2; i++)
    if (c->kinds & (1 << i))
      {
        g_autofree char *parent = cg_path (host, 1 << i, NULL);
        parent_before[i] = g_file_test (parent, G_FILE_TEST_EXISTS);
      }

  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);

  /* Nothing may be left, whatever happened; then clean up by hand. */
  for (int i = 0; i < 2; i++)
    if (c->kinds & (1 << i))
      {
        g_autofree char *parent = cg_path (host, 1 << i, NULL);
        g_autoptr(GDir) d = NULL;

        if (clean_by_hand (host, 1 << i, domain))
          {
            g_test_message ("left behind: %s/%s", parent, domain);
            left = TRUE;
          }
        /* The vmdev parent goes with its last domain (unless another user
         * has one there meanwhile). */
        if (!parent_before[i] && g_file_test (parent, G_FILE_TEST_EXISTS) &&
            (d = g_dir_open (parent, 0, NULL)) != NULL)
          {
            const char *name;
            gboolean has_dir = FALSE;

            while ((name = g_dir_read_name (d)) != NULL)
              {
                g_autofree char *sub = g_build_filename (parent, name, NULL);
                has_dir |= g_file_test (sub, G_FILE_TEST_IS_DIR);
              }
            if (!has_dir)
              {
                g_test_message ("left behind: %s", parent);
                left = TRUE;
              }
          }
      }
  g_test_trap_assert_passed ();
  g_assert_false (left);
}

int
main (int argc, char **argv)
{
  static const RealCase cases[] = {
    { "v1", VMDEV_CGROUP_V1, body_access },
    { "v2", VMDEV_CGROUP_V2, body_access },
    { "hybrid", VMDEV_CGROUP_ALL, body_access },
    { "undo-v2", VMDEV_CGROUP_V2, body_undo_full_map },
    { "undo-hybrid", VMDEV_CGROUP_ALL, body_undo_full_map },
    { "exists-v2", VMDEV_CGROUP_V2, body_undo_exists },
    { "exists-hybrid", VMDEV_CGROUP_ALL, body_undo_exists },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/hostprep/cgroup/none/missing", "empty", test_no_hierarchy);
  g_test_add_data_func ("/hostprep/cgroup/none/not-a-dir", "file", test_no_hierarchy);
  g_test_add_data_func ("/hostprep/cgroup/none/plain-dirs", "dirs", test_no_hierarchy);
  g_test_add_func ("/hostprep/cgroup/arguments", test_arguments);
  g_test_add_func ("/hostprep/cgroup/defaults", test_defaults);
  g_test_add_func ("/hostprep/cgroup/device-from-node", test_device_from_node);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hostprep/cgroup/real/%s", cases[i].label);
      g_test_add_data_func (path, &cases[i], test_real);
    }
  return g_test_run ();
}
