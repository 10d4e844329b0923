/* Tests of tests/qemu-double: strict about the command line as QEMU 7.2 is,
 * and speaking QMP (driven through vmdev's own client) on two monitors. */
#include "qemu/vmdev-qmp.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
#include "util/vmdev-root.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define UUID1 "c2177883-f1bb-47f0-914d-32a22e3a8804"
#define UUID2 "9f2a1b4e-7d3c-4e8a-9b6f-0c1d2e3f4a5b"
#define UUID_NO_GROUP "11111111-2222-4333-8444-555555555555"
#define UUID_ABS "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
#define MDEV(u) "/sys/bus/mdev/devices/" u

typedef struct
{
  char *root;        /* VMDEV_ROOT with the fake devices */
  char *run;         /* where the sockets go */
  GPid pid;
  gboolean reaped;
  int status;
} Fixture;

static void
mkdirs (const char *root, const char *rel)
{
  g_autofree char *p = g_build_filename (root, rel, NULL);

  g_assert_no_errno (g_mkdir_with_parents (p, 0755));
}

static void
symlink_at (const char *root, const char *target, const char *rel)
{
  g_autofree char *p = g_build_filename (root, rel, NULL);

  g_assert_no_errno (symlink (target, p));
}

/* A root with mdevs laid out as sysfs does: the bus link to the device
 * directory, its iommu_group link (relative, or absolute as the kernel's
 * really are) to sys/kernel/iommu_groups/N; one device without a group. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *uuids[] = { UUID1, UUID2, UUID_NO_GROUP, UUID_ABS };

  f->root = g_dir_make_tmp ("vmdev-qemu-double-XXXXXX", &error);
  g_assert_no_error (error);
  f->run = g_build_filename (f->root, "run", NULL);
  mkdirs (f->root, "run");
  mkdirs (f->root, "sys/bus/mdev/devices");
  mkdirs (f->root, "sys/kernel/iommu_groups/12");
  mkdirs (f->root, "sys/kernel/iommu_groups/13");
  mkdirs (f->root, "sys/kernel/iommu_groups/14");
  for (gsize i = 0; i < G_N_ELEMENTS (uuids); i++)
    {
      g_autofree char *dev = g_strdup_printf ("sys/devices/virtual/mtty/mtty/%s", uuids[i]);
      g_autofree char *bus_target = g_strdup_printf ("../../../devices/virtual/mtty/mtty/%s", uuids[i]);
      g_autofree char *bus = g_strdup_printf ("sys/bus/mdev/devices/%s", uuids[i]);
      g_autofree char *group = g_strdup_printf ("%s/iommu_group", dev);

      mkdirs (f->root, dev);
      symlink_at (f->root, bus_target, bus);
      if (strcmp (uuids[i], UUID1) == 0)
        symlink_at (f->root, "../../../../../kernel/iommu_groups/12", group);
      else if (strcmp (uuids[i], UUID2) == 0)
        symlink_at (f->root, "../../../../../kernel/iommu_groups/13", group);
      else if (strcmp (uuids[i], UUID_ABS) == 0)
        symlink_at (f->root, "/sys/kernel/iommu_groups/14", group);
    }
  f->pid = 0;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->pid > 0 && !f->reaped)
    {
      kill (f->pid, SIGKILL);
      waitpid (f->pid, NULL, 0);
    }
  if (f->pid > 0)
    g_spawn_close_pid (f->pid);
  {
    const char *argv[] = { "rm", "-rf", f->root, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
  g_free (f->root);
  g_free (f->run);
}

/* A double whose test died (a failed assertion) follows it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static char **
double_env (Fixture *f, const char *const *extra)
{
  char **env = g_get_environ ();

  env = g_environ_setenv (env, "VMDEV_ROOT", f->root, TRUE);
  env = g_environ_unsetenv (env, "QEMU_DOUBLE_EJECT");
  env = g_environ_unsetenv (env, "QEMU_DOUBLE_POWERDOWN");
  for (; extra != NULL && *extra != NULL; extra += 2)
    env = g_environ_setenv (env, extra[0], extra[1], TRUE);
  return env;
}

static char **
double_argv (const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_strdup (g_getenv ("QEMU_DOUBLE")));
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, g_strdup (*args));
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

/* Waits up to @ms for the double to exit; TRUE when it did. */
static gboolean
fixture_wait (Fixture *f, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (!f->reaped)
    {
      pid_t r = waitpid (f->pid, &f->status, WNOHANG);

      if (r == f->pid)
        f->reaped = TRUE;
      else if (g_get_monotonic_time () >= deadline)
        return FALSE;
      else
        g_usleep (5000);
    }
  return TRUE;
}

/* Runs the double to its end (bounded) and returns its stderr. */
static char *
run_double (Fixture *f, const char *const *args, const char *const *env_extra, int *out_status)
{
  g_auto(GStrv) argv = double_argv (args);
  g_auto(GStrv) env = double_env (f, env_extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) err = g_string_new (NULL);
  int err_fd = -1;
  char buf[4096];
  ssize_t n;

  g_assert_true (g_spawn_async_with_pipes (NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                           die_with_parent, NULL, &f->pid, NULL, NULL, &err_fd, &error));
  g_assert_no_error (error);
  f->reaped = FALSE;
  if (!fixture_wait (f, 10000))
    g_error ("qemu-double did not exit; it accepted: %s", args[0]);
  while ((n = read (err_fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, n);
  close (err_fd);
  g_spawn_close_pid (f->pid);
  f->pid = 0;
  *out_status = f->status;
  return g_string_free (g_steal_pointer (&err), FALSE);
}

static void
test_strict (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *args[8];
    const char *env[3];
    const char *message;
  } cases[] = {
    { { "-foo", NULL }, { NULL }, "qemu-double: -foo: invalid option" },
    { { "--bogus-option", "1", NULL }, { NULL }, "--bogus-option: invalid option" },
    { { "-S", "-m", NULL }, { NULL }, "qemu-double: -m: requires an argument" },
    { { "-mon", "foo=bar", NULL }, { NULL }, "-mon foo=bar: Invalid parameter 'foo'" },
    { { "-mon", "chardev=nosuch,mode=control", NULL }, { NULL }, "chardev \"nosuch\" not found" },
    { { "-uuid", "nope", NULL }, { NULL }, "-uuid nope: failed to parse UUID string: wrong format" },
    { { "-machine", "pc-i440fx-7.2,usb=off,bogus=on", NULL }, { NULL },
      "-machine pc-i440fx-7.2,usb=off,bogus=on: Invalid parameter 'bogus'" },
    { { "-smp", "1,sockets=1,cores=1,threads=1,socks=2", NULL }, { NULL }, "Invalid parameter 'socks'" },
    { { "-name", "guest=vm,debug-threads=on,color=blue", NULL }, { NULL }, "Invalid parameter 'color'" },
    { { "-chardev", "socket,id=c,path=/nonexistent-dir/x.sock,server=on,wait=off,bogus=1", NULL },
      { NULL }, "Invalid parameter 'bogus'" },
    { { "-chardev", "sockit,id=c", NULL }, { NULL }, "'sockit' is not a valid char driver name" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\"" MDEV (UUID1)
        "\",\"ramfb\":true}", NULL }, { NULL }, "Property 'vfio-pci.ramfb' not found" },
    { { "-device", "{\"driver\":\"nosuch\"}", NULL }, { NULL },
      "-device {\"driver\":\"nosuch\"}: 'nosuch' is not a valid device model name" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"sysfsdev\":\"" MDEV (UUID1) "\",\"display\":true}",
        NULL }, { NULL }, "Invalid parameter type for 'display', expected: string" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"sysfsdev\":\"" MDEV (UUID1) "\",\"bootindex\":\"1\"}",
        NULL }, { NULL }, "Invalid parameter type for 'bootindex', expected: integer" },
    { { "-device", "{\"driver\":\"vfio-pci-nohotplug\",\"sysfsdev\":\"" MDEV (UUID1) "\",\"ramfb\":\"on\"}",
        NULL }, { NULL }, "Invalid parameter type for 'ramfb', expected: boolean" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"sysfsdev\":\"/sys/bus/mdev/devices/00000000-0000-4000-8000-000000000000\"}",
        NULL }, { NULL },
      "vfio /sys/bus/mdev/devices/00000000-0000-4000-8000-000000000000: no such host device" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"sysfsdev\":\"" MDEV (UUID_NO_GROUP) "\"}", NULL },
      { NULL }, "vfio " MDEV (UUID_NO_GROUP) ": no iommu_group found" },
    { { "-device", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\"" MDEV (UUID1) "\"}",
        "-device", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\"" MDEV (UUID2) "\"}",
        NULL }, { NULL }, "Duplicate device ID 'hostdev0'" },
    /* vfio-ccw exists in qemu-system-s390x only. */
    { { "-device", "{\"driver\":\"vfio-ccw\",\"sysfsdev\":\"" MDEV (UUID1) "\",\"devno\":\"fe.0.0000\"}",
        NULL }, { NULL }, "'vfio-ccw' is not a valid device model name" },
    { { "-device", "{\"driver\":\"vfio-ccw\",\"sysfsdev\":\"" MDEV (UUID1) "\",\"ramfb\":true}",
        NULL }, { "QEMU_DOUBLE_ARCH", "s390x", NULL }, "Property 'vfio-ccw.ramfb' not found" },
    { { "-device", "vfio-pci,sysfsdev=" MDEV (UUID1) ",rambo=1", NULL }, { NULL },
      "Property 'vfio-pci.rambo' not found" },
    { { "-device", "virtio-balloon-pci,id=balloon0,deflate-on-oom=maybe", NULL }, { NULL },
      "Parameter 'deflate-on-oom' expects 'on' or 'off'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int status = -1;
      g_autofree char *err = run_double (f, cases[i].args, cases[i].env, &status);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, err);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 1);
      if (strstr (err, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": stderr '%s' does not say '%s'", i, err, cases[i].message);
      g_assert_true (g_str_has_prefix (err, "qemu-double: "));
      /* one line, as QEMU */
      g_assert_cmpint (strchr (err, '\n') - err + 1, ==, (int) strlen (err));
    }
}

/* Starts the double with two monitors (mon.sock, cmd.sock) and @args; waits
 * for both sockets. */
static void
start_double (Fixture *f, const char *const *args, const char *const *env_extra)
{
  g_autofree char *mon = g_build_filename (f->run, "mon.sock", NULL);
  g_autofree char *cmd = g_build_filename (f->run, "cmd.sock", NULL);
  g_autofree char *chr_mon = g_strdup_printf ("socket,id=charmonitor,path=%s,server=on,wait=off", mon);
  g_autofree char *chr_cmd = g_strdup_printf ("socket,id=charcmd,path=%s,server=on,wait=off", cmd);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) env = double_env (f, env_extra);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  const char *base[] = {
    "-name", "guest=vm1,debug-threads=on", "-uuid", "6c9ab4a4-36a4-4f5c-9a59-6b8f8bda2a10",
    "-machine", "pc-i440fx-7.2,usb=off,dump-guest-core=off", "-accel", "tcg", "-m", "size=65536k",
    "-smp", "1,sockets=1,cores=1,threads=1", "-no-user-config", "-nodefaults",
    "-chardev", chr_mon, "-mon", "chardev=charmonitor,id=monitor,mode=control",
    "-chardev", chr_cmd, "-mon", "chardev=charcmd,id=cmd,mode=control",
    "-rtc", "base=utc", "-boot", "strict=on", "-display", "none",
    "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
    "-msg", "timestamp=on", "-overcommit", "mem-lock=off",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (base); i++)
    g_ptr_array_add (all, (gpointer) base[i]);
  for (; *args != NULL; args++)
    g_ptr_array_add (all, (gpointer) *args);
  g_ptr_array_add (all, NULL);
  argv = double_argv ((const char *const *) all->pdata);
  g_assert_true (g_spawn_async (NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
                                &f->pid, &error));
  g_assert_no_error (error);
  f->reaped = FALSE;
  while (!(g_file_test (mon, G_FILE_TEST_EXISTS) && g_file_test (cmd, G_FILE_TEST_EXISTS)))
    {
      if (g_get_monotonic_time () > deadline || fixture_wait (f, 0))
        g_error ("qemu-double did not create its sockets");
      g_usleep (5000);
    }
}

static VmdevQmp *
connect_monitor (Fixture *f, const char *name)
{
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  VmdevQmp *qmp;

  root = vmdev_root_open (f->root, &error);
  g_assert_no_error (error);
  dir = vmdev_dir_open (root, "run", &error);
  g_assert_no_error (error);
  /* Like QEMU, the double binds before it listens: retry a refusal briefly. */
  for (int i = 0; i < 200; i++)
    {
      g_clear_error (&error);
      qmp = vmdev_qmp_connect_at (dir, name, 5000, &error);
      if (qmp != NULL || !vmdev_error_is_errno (error, ECONNREFUSED))
        break;
      g_usleep (10000);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (vmdev_qmp_get_version (qmp), ==, 70222);
  return qmp;
}

static char *
query_status (VmdevQmp *qmp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);

  g_assert_no_error (error);
  return g_strdup (vmdev_json_get_string (ret, "status", NULL));
}

static void
expect_event (VmdevQmp *qmp, const char *name, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmpEvent) ev = vmdev_qmp_wait_event (qmp, name, key, value, 5000, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ev);
}

static void
expect_ok (VmdevQmp *qmp, const char *command, const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = vmdev_qmp_execute_json (qmp, command, args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ret);
}

static void
expect_error (VmdevQmp *qmp, const char *command, const char *args, const char *cls,
              const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  g_assert_null (vmdev_qmp_execute_json (qmp, command, args, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  got = vmdev_qmp_error_class (error);
  g_assert_cmpstr (got, ==, cls);
  if (strstr (error->message, message) == NULL)
    g_error ("'%s' does not say '%s'", error->message, message);
}

static void
test_qmp (Fixture *f, gconstpointer data)
{
  const char *args[] = {
    "-S",
    "-device", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\"" MDEV (UUID1)
      "\",\"display\":\"off\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}",
    "-device", "{\"driver\":\"virtio-balloon-pci\",\"id\":\"balloon0\",\"bus\":\"pci.0\",\"addr\":\"0x4\"}",
    NULL
  };
  g_autoptr(VmdevQmp) mon = NULL;
  g_autoptr(VmdevQmp) cmd = NULL;
  g_autofree char *s1 = NULL;
  g_autofree char *s2 = NULL;
  g_autofree char *s3 = NULL;
  g_autofree char *mon_path = g_build_filename (f->run, "mon.sock", NULL);

  start_double (f, args, NULL);
  mon = connect_monitor (f, "mon.sock");
  cmd = connect_monitor (f, "cmd.sock");

  s1 = query_status (cmd);
  g_assert_cmpstr (s1, ==, "prelaunch");
  expect_ok (cmd, "cont", NULL);
  expect_event (cmd, "RESUME", NULL, NULL);
  expect_event (mon, "RESUME", NULL, NULL);
  s2 = query_status (mon);
  g_assert_cmpstr (s2, ==, "running");
  expect_ok (cmd, "stop", NULL);
  expect_event (mon, "STOP", NULL, NULL);
  s3 = query_status (cmd);
  g_assert_cmpstr (s3, ==, "paused");
  expect_ok (cmd, "cont", NULL);

  /* Hotplug: checked as strictly as -device. */
  expect_ok (cmd, "device_add", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev1\",\"sysfsdev\":\""
             MDEV (UUID2) "\",\"display\":\"off\",\"bus\":\"pci.0\",\"addr\":\"0x5\"}");
  expect_error (cmd, "device_add", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev2\",\"sysfsdev\":\""
                MDEV (UUID2) "\",\"ramfb\":true}", "GenericError", "Property 'vfio-pci.ramfb' not found");
  expect_error (cmd, "device_add", "{\"driver\":\"vfio-pci-nohotplug\",\"id\":\"hostdev2\",\"sysfsdev\":\""
                MDEV (UUID2) "\",\"ramfb\":true}", "GenericError",
                "Device 'vfio-pci-nohotplug' does not support hotplugging");
  expect_error (cmd, "device_add", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\""
                MDEV (UUID2) "\"}", "GenericError", "Duplicate device ID 'hostdev0'");
  expect_error (cmd, "device_add", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev3\",\"sysfsdev\":\""
                MDEV (UUID_NO_GROUP) "\"}", "GenericError", "no iommu_group found");
  expect_error (cmd, "device_del", "{\"id\":\"nosuch\"}", "DeviceNotFound", "Device 'nosuch' not found");
  expect_error (cmd, "query-pci-nonsense", NULL, "CommandNotFound",
                "The command query-pci-nonsense has not been found");
  expect_error (cmd, "qmp_capabilities", NULL, "CommandNotFound", "already complete");

  /* Unplug: the guest ejects, both monitors hear it. */
  expect_ok (cmd, "device_del", "{\"id\":\"hostdev1\"}");
  expect_event (cmd, "DEVICE_DELETED", "device", "hostdev1");
  expect_event (mon, "DEVICE_DELETED", "device", "hostdev1");
  expect_error (cmd, "device_del", "{\"id\":\"hostdev1\"}", "DeviceNotFound", "not found");
  /* A command-line device goes too. */
  expect_ok (cmd, "device_del", "{\"id\":\"hostdev0\"}");
  expect_event (mon, "DEVICE_DELETED", "device", "hostdev0");

  expect_ok (cmd, "quit", NULL);
  expect_event (mon, "SHUTDOWN", "reason", "host-qmp-quit");
  g_assert_true (fixture_wait (f, 5000));
  g_assert_true (WIFEXITED (f->status));
  g_assert_cmpint (WEXITSTATUS (f->status), ==, 0);
  g_assert_false (g_file_test (mon_path, G_FILE_TEST_EXISTS));
}

static void
test_capabilities_first (Fixture *f, gconstpointer data)
{
  const char *args[] = { NULL };
  g_autoptr(VmdevQmp) mon = NULL;
  g_autoptr(VmdevQmp) second = NULL;
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;

  start_double (f, args, NULL);
  mon = connect_monitor (f, "mon.sock");
  /* One client per monitor, as QEMU: a second one gets no greeting. */
  root = vmdev_root_open (f->root, &error);
  dir = vmdev_dir_open (root, "run", &error);
  g_assert_no_error (error);
  g_assert_null ((second = vmdev_qmp_connect_at (dir, "mon.sock", 300, &error)));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "no QMP greeting"));
  /* SIGTERM: SHUTDOWN, exit 0, sockets gone. */
  kill (f->pid, SIGTERM);
  expect_event (mon, "SHUTDOWN", "reason", "host-signal");
  g_assert_true (fixture_wait (f, 5000));
  g_assert_true (WIFEXITED (f->status));
  g_assert_cmpint (WEXITSTATUS (f->status), ==, 0);
}

static void
test_eject_never (Fixture *f, gconstpointer data)
{
  const char *args[] = {
    "-device", "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":\"" MDEV (UUID_ABS) "\"}",
    NULL
  };
  const char *env[] = { "QEMU_DOUBLE_EJECT", "never", NULL };
  g_autoptr(VmdevQmp) cmd = NULL;
  g_autoptr(GError) error = NULL;

  start_double (f, args, env);
  cmd = connect_monitor (f, "cmd.sock");
  expect_ok (cmd, "device_del", "{\"id\":\"hostdev0\"}");
  g_assert_null (vmdev_qmp_wait_event (cmd, "DEVICE_DELETED", "device", "hostdev0", 400, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  kill (f->pid, SIGKILL);
  g_assert_true (fixture_wait (f, 5000));
  g_assert_true (WIFSIGNALED (f->status));
}

static void
test_powerdown (Fixture *f, gconstpointer data)
{
  const char *args[] = { NULL };
  const char *env[] = { "QEMU_DOUBLE_POWERDOWN_DELAY_MS", "50", NULL };
  g_autoptr(VmdevQmp) mon = NULL;
  g_autoptr(VmdevQmp) cmd = NULL;

  start_double (f, args, env);
  mon = connect_monitor (f, "mon.sock");
  cmd = connect_monitor (f, "cmd.sock");
  expect_ok (cmd, "system_powerdown", NULL);
  expect_event (mon, "POWERDOWN", NULL, NULL);
  expect_event (mon, "SHUTDOWN", "reason", "guest-shutdown");
  g_assert_true (fixture_wait (f, 5000));
  g_assert_true (WIFEXITED (f->status));
  g_assert_cmpint (WEXITSTATUS (f->status), ==, 0);
}

static void
test_powerdown_paused_then_cont (Fixture *f, gconstpointer data)
{
  const char *args[] = { "-S", NULL };
  const char *env[] = { "QEMU_DOUBLE_POWERDOWN_DELAY_MS", "50", NULL };
  g_autoptr(VmdevQmp) cmd = NULL;

  start_double (f, args, env);
  cmd = connect_monitor (f, "cmd.sock");
  expect_ok (cmd, "system_powerdown", NULL);
  expect_event (cmd, "POWERDOWN", NULL, NULL);
  /* A guest that does not run cannot act on it. */
  g_assert_false (fixture_wait (f, 300));
  expect_ok (cmd, "cont", NULL);
  expect_event (cmd, "SHUTDOWN", "reason", "guest-shutdown");
  g_assert_true (fixture_wait (f, 5000));
}

static void
test_powerdown_ignored (Fixture *f, gconstpointer data)
{
  const char *args[] = { NULL };
  const char *env[] = { "QEMU_DOUBLE_POWERDOWN", "ignore", "QEMU_DOUBLE_POWERDOWN_DELAY_MS", "10", NULL };
  g_autoptr(VmdevQmp) cmd = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  start_double (f, args, env);
  cmd = connect_monitor (f, "cmd.sock");
  expect_ok (cmd, "system_powerdown", NULL);
  expect_event (cmd, "POWERDOWN", NULL, NULL);
  g_assert_null (vmdev_qmp_wait_event (cmd, "SHUTDOWN", NULL, NULL, 300, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_false (fixture_wait (f, 0));
  status = query_status (cmd);
  g_assert_cmpstr (status, ==, "running");
  kill (f->pid, SIGTERM);
  g_assert_true (fixture_wait (f, 5000));
  g_assert_true (WIFEXITED (f->status));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  signal (SIGPIPE, SIG_IGN);
  if (g_getenv ("QEMU_DOUBLE") == NULL)
    g_error ("QEMU_DOUBLE (the qemu-double binary) is not set");
  g_test_add ("/qemu-double/strict", Fixture, NULL, fixture_setup, test_strict, fixture_teardown);
  g_test_add ("/qemu-double/qmp", Fixture, NULL, fixture_setup, test_qmp, fixture_teardown);
  g_test_add ("/qemu-double/one-client-sigterm", Fixture, NULL, fixture_setup,
              test_capabilities_first, fixture_teardown);
  g_test_add ("/qemu-double/eject-never", Fixture, NULL, fixture_setup, test_eject_never,
              fixture_teardown);
  g_test_add ("/qemu-double/powerdown", Fixture, NULL, fixture_setup, test_powerdown,
              fixture_teardown);
  g_test_add ("/qemu-double/powerdown-paused", Fixture, NULL, fixture_setup,
              test_powerdown_paused_then_cont, fixture_teardown);
  g_test_add ("/qemu-double/powerdown-ignored", Fixture, NULL, fixture_setup,
              test_powerdown_ignored, fixture_teardown);
  return g_test_run ();
}
