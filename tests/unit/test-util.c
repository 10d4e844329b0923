/* Unit tests of src/util: UUIDs, names, the root, directories, atomic
 * writes, locks. */
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-lock.h"
#include "util/vmdev-name.h"
#include "util/vmdev-root.h"
#include "util/vmdev-uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void
test_uuid_forms (void)
{
  static const struct { const char *in, *out; } good[] = {
    { "c2177883-f1bb-47f0-914d-32a22e3a8804", "c2177883-f1bb-47f0-914d-32a22e3a8804" },
    { "C2177883-F1BB-47F0-914D-32A22E3A8804", "c2177883-f1bb-47f0-914d-32a22e3a8804" },
    { "c2177883f1bb47f0914d32a22e3a8804", "c2177883-f1bb-47f0-914d-32a22e3a8804" },
    { "C2177883F1BB47F0914D32A22E3A8804", "c2177883-f1bb-47f0-914d-32a22e3a8804" },
  };
  static const char *bad[] = {
    "", "c2177883-f1bb-47f0-914d-32a22e3a880", "c2177883-f1bb-47f0-914d-32a22e3a88045",
    "c2177883f-1bb-47f0-914d-32a22e3a8804", "c2177883-f1bb-47f0-914d-32a22e3a880g",
    " c2177883-f1bb-47f0-914d-32a22e3a880", "{c2177883-f1bb-47f0-914d-32a22e3a88}",
    "c2177883-f1bb-47f0-914d-32a22e3a8804\n", "../../../../etc/passwd",
    "c2177883 f1bb 47f0 914d 32a22e3a8804",
  };
  char out[VMDEV_UUID_BUFSIZE];

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (vmdev_uuid_normalize (good[i].in, out, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, good[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (vmdev_uuid_normalize (bad[i], out, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "invalid UUID"));
    }
  g_assert_true (vmdev_uuid_is_canonical ("c2177883-f1bb-47f0-914d-32a22e3a8804"));
  g_assert_false (vmdev_uuid_is_canonical ("C2177883-f1bb-47f0-914d-32a22e3a8804"));
  vmdev_uuid_generate (out);
  g_assert_true (vmdev_uuid_is_canonical (out));
}

static void
test_name_check (void)
{
  static const char *good[] = { "0000:65:00.0", "nvidia-63", "i915-GVTg_V5_4", "matrix", "0.0.0033" };
  static const char *bad[] = { "", ".", "..", "a/b", "../etc", "a\nb", "tab\there" };
  g_autofree char *long_name = g_strnfill (256, 'a');

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (vmdev_name_check ("parent", good[i], NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (vmdev_name_check ("parent", bad[i], &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, "invalid parent name: "));
    }
  g_assert_false (vmdev_name_check ("parent", long_name, NULL));
}

static char *
make_root (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vmdev-util-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_root_display (void)
{
  g_autofree char *tmp = make_root ();
  g_autofree char *with_slash = g_strconcat (tmp, "//", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) sys = vmdev_root_open ("/", &error);
  g_autoptr(VmdevRoot) root = vmdev_root_open (with_slash, &error);
  g_autofree char *a = NULL, *b = NULL, *expect = NULL;

  g_assert_no_error (error);
  a = vmdev_root_display (sys, "sys/class/mdev_bus");
  g_assert_cmpstr (a, ==, "/sys/class/mdev_bus");
  b = vmdev_root_display (root, "sys/class/mdev_bus");
  expect = g_strconcat (tmp, "/sys/class/mdev_bus", NULL);
  g_assert_cmpstr (b, ==, expect);
  g_assert_cmpstr (vmdev_root_dir (root), ==, tmp);
}

static void
test_root_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open ("/nonexistent/vmdev-root", &error);

  g_assert_null (root);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "opening the root directory: /nonexistent/vmdev-root: No such file or directory");
}

static void
test_root_env (void)
{
  g_autofree char *tmp = make_root ();
  g_autoptr(VmdevRoot) root = NULL;

  g_setenv ("VMDEV_ROOT", tmp, TRUE);
  root = vmdev_root_open (NULL, NULL);
  g_unsetenv ("VMDEV_ROOT");
  g_assert_nonnull (root);
  g_assert_cmpstr (vmdev_root_dir (root), ==, tmp);
}

static void
test_dir_ops (void)
{
  g_autofree char *tmp = make_root ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (tmp, &error);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *value = NULL, *data = NULL, *target = NULL;
  guint64 n;

  g_assert_true (vmdev_root_mkdir_p (root, "a/b/c", 0755, &error));
  g_assert_no_error (error);
  dir = vmdev_dir_open (root, "a/b", &error);
  g_assert_no_error (error);
  g_assert_true (vmdev_dir_write_atomic (dir, "x", "12\n", 3, 0644, &error));
  g_assert_true (vmdev_dir_write_atomic (dir, "desc", "two\nlines\n", 10, 0644, &error));
  g_assert_true (vmdev_dir_write_atomic (dir, "junk", "twelve\n", 7, 0644, &error));
  g_assert_no_error (error);
  g_assert_cmpint (symlinkat ("../b/x", dir->fd, "link"), ==, 0);

  names = vmdev_dir_list (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "c");
  g_assert_cmpstr (g_ptr_array_index (names, 4), ==, "x");
  /* A second listing of the same directory starts from its beginning again. */
  g_clear_pointer (&names, g_ptr_array_unref);
  names = vmdev_dir_list (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 5);

  g_assert_true (vmdev_dir_read_uint (dir, "x", &n, &error));
  g_assert_cmpuint (n, ==, 12);
  g_assert_true (vmdev_dir_read_attr (dir, "desc", &value, &error));
  g_assert_cmpstr (value, ==, "two\nlines");
  g_assert_false (vmdev_dir_read_uint (dir, "junk", &n, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY);
  g_assert_nonnull (strstr (error->message, "/a/b/junk: 'twelve' is not a number"));
  g_clear_error (&error);

  g_assert_true (vmdev_dir_readlink (dir, "link", &target, &error));
  g_assert_cmpstr (target, ==, "../b/x");
  g_assert_false (vmdev_dir_read (dir, "missing", 100, &data, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "reading: "));
  g_assert_true (g_str_has_suffix (error->message, "/a/b/missing: No such file or directory"));
  g_clear_error (&error);

  g_assert_false (vmdev_dir_read (dir, "desc", 4, &data, NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  g_assert_true (vmdev_dir_unlink (dir, "x", FALSE, &error));
  g_assert_true (vmdev_dir_unlink (dir, "x", TRUE, &error));
  g_assert_false (vmdev_dir_unlink (dir, "x", FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* An atomic write leaves no temp file behind, on success or failure, and
 * replaces the old content whole. */
static void
test_atomic_write (void)
{
  g_autofree char *tmp = make_root ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (tmp, &error);
  g_autoptr(VmdevDir) dir = vmdev_dir_open (root, "", &error);
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *data = NULL;

  g_assert_true (vmdev_dir_write_atomic (dir, "f", "old content", 11, 0600, &error));
  g_assert_true (vmdev_dir_write_atomic (dir, "f", "new", 3, 0600, &error));
  g_assert_true (vmdev_dir_read (dir, "f", 1024, &data, NULL, &error));
  g_assert_cmpstr (data, ==, "new");
  /* Renaming over a directory fails: the temp file must go away. */
  g_assert_cmpint (mkdirat (dir->fd, "d", 0755), ==, 0);
  g_assert_false (vmdev_dir_write_atomic (dir, "d", "x", 1, 0600, &error));
  g_assert_nonnull (error);
  names = vmdev_dir_list (dir, NULL);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "d");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "f");
}

static void
test_lock_timeout (void)
{
  g_autofree char *tmp = make_root ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (tmp, &error);
  g_autoptr(VmdevLock) first = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, 1000, &error);
  g_autoptr(VmdevLock) second = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (first);
  second = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, 50, &error);
  g_assert_null (second);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "/run/vmdev/lock: still held"));
  g_clear_error (&error);
  g_clear_pointer (&first, vmdev_lock_release);
  second = vmdev_lock_take (root, VMDEV_LOCK_GLOBAL, 50, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/util/uuid/forms", test_uuid_forms);
  g_test_add_func ("/util/name/check", test_name_check);
  g_test_add_func ("/util/root/display", test_root_display);
  g_test_add_func ("/util/root/missing", test_root_missing);
  g_test_add_func ("/util/root/env", test_root_env);
  g_test_add_func ("/util/dir/ops", test_dir_ops);
  g_test_add_func ("/util/dir/atomic-write", test_atomic_write);
  g_test_add_func ("/util/lock/timeout", test_lock_timeout);
  return g_test_run ();
}
