/* Unit tests of src/util: UUIDs, names, the root, directories, atomic
 * writes, locks, errors, the JSON reader (its differential test against
 * json-glib is in test-store.c). */
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
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

/* The _if_exists forms: what is missing is no error, anything else still is. */
static void
test_dir_if_exists (void)
{
  g_autofree char *tmp = make_root ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (tmp, &error);
  g_autoptr(VmdevDir) dir = NULL, missing = NULL, file = NULL;
  g_autofree char *data = NULL;
  gsize len = 7;

  g_assert_true (vmdev_root_mkdir_p (root, "a", 0755, &error));
  dir = vmdev_dir_open_if_exists (root, "a", &error);
  g_assert_no_error (error);
  g_assert_nonnull (dir);
  missing = vmdev_dir_open_if_exists (root, "nope", &error);
  g_assert_null (missing);
  g_assert_no_error (error);
  g_assert_true (vmdev_dir_write_atomic (dir, "f", "data", 4, 0644, &error));
  /* a file where a directory is asked for is an error */
  file = vmdev_dir_open_if_exists (root, "a/f", &error);
  g_assert_null (file);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_true (g_str_has_suffix (error->message, "/a/f: Not a directory"));
  g_clear_error (&error);

  g_assert_true (vmdev_dir_read_if_exists (dir, "f", 100, &data, &len, &error));
  g_assert_cmpstr (data, ==, "data");
  g_assert_cmpuint (len, ==, 4);
  g_clear_pointer (&data, g_free);
  g_assert_true (vmdev_dir_read_if_exists (dir, "missing", 100, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_null (data);
  g_assert_cmpuint (len, ==, 0);
  /* too large is still an error */
  g_assert_false (vmdev_dir_read_if_exists (dir, "f", 2, &data, NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
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

/* Whole files of every size around the first read's 4 KiB (read on the
 * stack, then copied), NUL bytes included; and the unsorted listings give
 * the names of the sorted one. */
static void
test_dir_read_sizes (void)
{
  static const gsize sizes[] = { 0, 1, 4095, 4096, 4097, 8192, 8193, 20000 };
  g_autofree char *tmp = make_root ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (tmp, &error);
  g_autoptr(VmdevDir) dir = vmdev_dir_open (root, "", &error);
  g_autoptr(GPtrArray) sorted = NULL, unsorted = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u", i);
      g_autofree char *text = g_malloc (sizes[i] + 1);
      g_autofree char *data = NULL;
      gsize len = 0;

      for (gsize j = 0; j < sizes[i]; j++)
        text[j] = (char) (j % 251);
      g_assert_true (vmdev_dir_write_atomic (dir, name, text, sizes[i], 0600, &error));
      g_assert_true (vmdev_dir_read (dir, name, sizes[i], &data, &len, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (data, len, text, sizes[i]);
      g_assert_cmpint (data[len], ==, '\0');
      g_clear_pointer (&data, g_free);
      if (sizes[i] > 0)
        {
          g_assert_false (vmdev_dir_read (dir, name, sizes[i] - 1, &data, NULL, &error));
          g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
          g_clear_error (&error);
        }
    }
  sorted = vmdev_dir_list (dir, &error);
  unsorted = vmdev_dir_list_unsorted (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unsorted->len, ==, G_N_ELEMENTS (sizes));
  g_assert_cmpuint (sorted->len, ==, unsorted->len);
  for (guint i = 0; i < unsorted->len; i++)
    {
      guint at;

      g_assert_true (g_ptr_array_find_with_equal_func (sorted, g_ptr_array_index (unsorted, i),
                                                       g_str_equal, &at));
    }
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

/* Equal strings hash equal; sequential UUIDs spread; other strings work. */
static void
test_uuid_hash (void)
{
  g_autoptr(GHashTable) hashes = g_hash_table_new (NULL, NULL);
  g_autofree char *copy = g_strdup ("c1000000-0000-4000-8000-000000000003");

  g_assert_cmpuint (vmdev_uuid_hash ("c1000000-0000-4000-8000-000000000003"), ==,
                    vmdev_uuid_hash (copy));
  g_assert_cmpuint (vmdev_uuid_hash ("config"), ==, g_str_hash ("config"));
  g_assert_cmpuint (vmdev_uuid_hash (""), ==, g_str_hash (""));
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *uuid = g_strdup_printf ("c1000000-0000-4000-8000-%012x", i);
      g_hash_table_add (hashes, GUINT_TO_POINTER (vmdev_uuid_hash (uuid)));
    }
  g_assert_cmpuint (g_hash_table_size (hashes), ==, 1000);
}

/* VMDEV_IO_ERROR is G_IO_ERROR, and the errno mapping is GIO's. */
static void
test_io_error_is_gio (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (VMDEV_IO_ERROR, ==, G_IO_ERROR);
  for (int e = -1; e < 256; e++)
    {
      g_test_message ("errno %d", e);
      g_assert_cmpint (vmdev_io_error_from_errno (e), ==, g_io_error_from_errno (e));
    }
  vmdev_error_from_errno (&error, ENOENT, "opening", "/x");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (vmdev_error_is_errno (error, ENOENT));
  g_assert_false (vmdev_error_is_errno (error, EACCES));
}

static VmdevJson *
json_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  VmdevJson *value = NULL;

  g_assert_true (vmdev_json_parse (text, strlen (text), &value, &error));
  g_assert_no_error (error);
  return value;
}

static void
test_json_values (void)
{
  g_autoptr(VmdevJson) value = json_ok (" [null, true, false, -0.5e+3, \"a\\u00e9\\ud83d\\ude00\", {}, []] ");
  g_autoptr(VmdevJson) object = json_ok ("{\"b\": 1, \"a\": 2, \"b\": [3]}");
  g_autoptr(VmdevJson) empty = json_ok (" \t\r\n");
  g_autoptr(GString) big = g_string_new ("{");
  g_autoptr(VmdevJson) big_object = NULL;
  VmdevJson *item;

  g_assert_null (empty);
  g_assert_cmpint (value->type, ==, VMDEV_JSON_ARRAY);
  g_assert_cmpuint (value->items->len, ==, 7);
  g_assert_cmpint (((VmdevJson *) value->items->pdata[0])->type, ==, VMDEV_JSON_NULL);
  g_assert_true (((VmdevJson *) value->items->pdata[1])->boolean);
  g_assert_false (((VmdevJson *) value->items->pdata[2])->boolean);
  item = value->items->pdata[3];
  g_assert_cmpint (item->type, ==, VMDEV_JSON_NUMBER);
  g_assert_cmpstr (item->text, ==, "-0.5e+3");   /* numbers keep their text */
  g_assert_cmpstr (((VmdevJson *) value->items->pdata[4])->text, ==, "a\xc3\xa9\xf0\x9f\x98\x80");
  g_assert_cmpstr (vmdev_json_type_name (value->items->pdata[5]), ==, "an object");

  /* A name given twice: its first place, its last value. */
  g_assert_cmpuint (object->items->len, ==, 2);
  g_assert_cmpstr (((VmdevJsonMember *) object->items->pdata[0])->name, ==, "b");
  g_assert_cmpint (vmdev_json_object_get (object, "b")->type, ==, VMDEV_JSON_ARRAY);
  g_assert_cmpstr (vmdev_json_object_get (object, "a")->text, ==, "2");
  g_assert_null (vmdev_json_object_get (object, "c"));

  /* The same in an object large enough to be indexed. */
  for (int i = 0; i < 100; i++)
    g_string_append_printf (big, "\"k%d\": %d, ", i % 40, i);
  g_string_append (big, "\"last\": 0}");
  big_object = json_ok (big->str);
  g_assert_cmpuint (big_object->items->len, ==, 41);
  g_assert_cmpstr (((VmdevJsonMember *) big_object->items->pdata[5])->name, ==, "k5");
  g_assert_cmpstr (vmdev_json_object_get (big_object, "k5")->text, ==, "85");
}

static void
test_json_errors (void)
{
  const struct { const char *text; const char *message; } cases[] = {
    { "[1,\n  \"\xc3\xa9\xc3\xa9\", x]", "line 2, column 9: unexpected 'x', expected a value "
      "(true, false and null are written in lower case)" },
    { "[\"a\nb\"]", "line 1, column 4: control character U+000A in a string (write it escaped)" },
    { "{\"a\": 1", "line 1, column 8: unexpected end of text, expected ',' or '}'" },
    { "nul", "line 1, column 1: unexpected 'nul', expected a value (true, false and null are "
      "written in lower case)" },
    { "1 2", "line 1, column 3: unexpected character '2' after the JSON value" },
  };
  g_autofree char *deep = g_strnfill (VMDEV_JSON_MAX_DEPTH + 1, '[');
  g_autoptr(GError) error = NULL;
  VmdevJson *value = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) case_error = NULL;

      g_assert_false (vmdev_json_parse (cases[i].text, strlen (cases[i].text), &value, &case_error));
      g_assert_error (case_error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (case_error->message, ==, cases[i].message);
      g_assert_null (value);
    }
  g_assert_false (vmdev_json_parse (deep, strlen (deep), &value, &error));
  g_assert_cmpstr (error->message, ==, "line 1, column 513: nested deeper than 512 levels");
}

/* Building values and reading members by type: what QMP, status.json and
 * the claims read and write. */
static void
test_json_accessors (void)
{
  const char *text = "{\"s\": \"x\", \"i\": -42, \"big\": 9223372036854775808, \"f\": 1.5,"
                     " \"e\": 1e3, \"t\": true, \"o\": {\"k\": 1}, \"a\": [1, \"b\"], \"n\": null}";
  g_autoptr(VmdevJson) o = NULL;
  g_autoptr(VmdevJson) built = vmdev_json_object_new ();
  g_autoptr(VmdevJson) copy = NULL;
  g_autoptr(GError) error = NULL;
  VmdevJson *arr;
  gint64 n;

  g_assert_true (vmdev_json_parse (text, strlen (text), &o, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (vmdev_json_get_string (o, "s", NULL), ==, "x");
  g_assert_cmpstr (vmdev_json_get_string (o, "i", "fb"), ==, "fb");     /* not a string */
  g_assert_cmpstr (vmdev_json_get_string (o, "missing", NULL), ==, NULL);
  g_assert_cmpint (vmdev_json_get_int (o, "i", 0), ==, -42);
  g_assert_cmpint (vmdev_json_get_int (o, "big", 7), ==, 7);            /* beyond gint64 */
  g_assert_cmpint (vmdev_json_get_int (o, "f", 7), ==, 7);              /* a fraction */
  g_assert_cmpint (vmdev_json_get_int (o, "e", 7), ==, 7);              /* an exponent */
  g_assert_cmpint (vmdev_json_get_int (o, "s", 7), ==, 7);
  g_assert_true (vmdev_json_get_boolean (o, "t", FALSE));
  g_assert_true (vmdev_json_get_boolean (o, "n", TRUE));                /* null: the fallback */
  g_assert_cmpint (vmdev_json_get_int (vmdev_json_get_object (o, "o"), "k", 0), ==, 1);
  g_assert_null (vmdev_json_get_object (o, "a"));
  arr = vmdev_json_get_array (o, "a");
  g_assert_nonnull (arr);
  g_assert_cmpuint (arr->items->len, ==, 2);
  g_assert_true (vmdev_json_to_int (arr->items->pdata[0], &n) && n == 1);
  g_assert_false (vmdev_json_to_int (arr->items->pdata[1], &n));
  g_assert_false (vmdev_json_to_int (NULL, &n));
  /* Members of what is not an object: the fallback, no warning. */
  g_assert_cmpint (vmdev_json_get_int (arr, "k", 3), ==, 3);
  g_assert_null (vmdev_json_get_array (NULL, "a"));

  vmdev_json_object_set (built, "s", vmdev_json_string_new ("q\"uote"));
  vmdev_json_object_set (built, "i", vmdev_json_int_new (G_MININT64));
  vmdev_json_object_set (built, "b", vmdev_json_boolean_new (42));
  vmdev_json_object_set (built, "n", vmdev_json_null_new ());
  arr = vmdev_json_array_new ();
  vmdev_json_array_add (arr, vmdev_json_int_new (5));
  vmdev_json_object_set (built, "a", arr);
  copy = vmdev_json_copy (built);
  vmdev_json_object_set (built, "s", vmdev_json_string_new ("changed"));
  g_assert_cmpstr (vmdev_json_get_string (copy, "s", NULL), ==, "q\"uote");
  g_assert_cmpint (vmdev_json_get_int (copy, "i", 0), ==, G_MININT64);
  g_assert_true (vmdev_json_get_boolean (copy, "b", FALSE));
  g_assert_cmpint (((VmdevJson *) vmdev_json_object_get (copy, "n"))->type, ==, VMDEV_JSON_NULL);
  g_assert_true (vmdev_json_to_int (vmdev_json_get_array (copy, "a")->items->pdata[0], &n) && n == 5);
  /* take: the value is the caller's, the member is gone, the rest stays. */
  {
    g_autoptr(VmdevJson) taken = vmdev_json_object_take (copy, "a");

    g_assert_nonnull (taken);
    g_assert_cmpint (taken->type, ==, VMDEV_JSON_ARRAY);
    g_assert_null (vmdev_json_object_get (copy, "a"));
    g_assert_null (vmdev_json_object_take (copy, "a"));
    g_assert_cmpuint (copy->items->len, ==, 4);
    g_assert_cmpstr (vmdev_json_get_string (copy, "s", NULL), ==, "q\"uote");
  }
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
  g_test_add_func ("/util/dir/if-exists", test_dir_if_exists);
  g_test_add_func ("/util/dir/atomic-write", test_atomic_write);
  g_test_add_func ("/util/dir/read-sizes", test_dir_read_sizes);
  g_test_add_func ("/util/lock/timeout", test_lock_timeout);
  g_test_add_func ("/util/uuid/hash", test_uuid_hash);
  g_test_add_func ("/util/error/io-error-is-gio", test_io_error_is_gio);
  g_test_add_func ("/util/json/values", test_json_values);
  g_test_add_func ("/util/json/errors", test_json_errors);
  g_test_add_func ("/util/json/accessors", test_json_accessors);
  return g_test_run ();
}
