/* test-conf-xml2xml.c: golden tests of src/conf, one per file of tests/data/xml2xml.
 *
 *   <case>.xml      a domain XML as a user writes it
 *   <case>.out.xml  what vmdev stores for it (libvirt's format, defaults filled in)
 *   <case>.err      or: the error that refuses it
 *
 * Each accepted case is parsed, completed and formatted (the schema,
 * schemas/domain.rng, is tested by tests/libvirt and the CLI tests); the
 * output is parsed and completed again and must format to the same text (a
 * fixed point).  The machine lists are qemu-machines.txt and qemu-machines-s390x.txt
 * (QEMU 7.2's -machine help of qemu-system-x86_64 and qemu-system-s390x).
 * VMDEV_TEST_REGENERATE=1 rewrites the expected files.  The last test fails
 * when a file of the directory is not used. */
#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-qemu-machines.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *data_dir;
static GHashTable *used;
static VmdevMachineList *machines, *machines_s390x;

static gboolean
regenerate (void)
{
  return g_strcmp0 (g_getenv ("VMDEV_TEST_REGENERATE"), "1") == 0;
}

static char *
read_file (const char *name)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_hash_table_add (used, g_strdup (name));
  return text;
}

static void
write_file (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_hash_table_add (used, g_strdup (name));
}

static void
expect_text (const char *name, const char *actual)
{
  g_autofree char *expected = NULL;

  if (regenerate ())
    {
      write_file (name, actual);
      return;
    }
  expected = read_file (name);
  if (expected == NULL)
    g_error ("%s is missing (run with VMDEV_TEST_REGENERATE=1)", name);
  g_assert_cmpstr (actual, ==, expected);
}

/* Parse, complete, format; NULL and @error on a refusal. */
static char *
process (const char *xml, GError **error)
{
  g_autoptr(VmdevDomain) def = vmdev_domain_parse (xml, strlen (xml), 0, error);

  if (def == NULL ||
      !vmdev_domain_post_parse (def, g_str_has_suffix (vmdev_domain_emulator (def), "s390x")
                                       ? machines_s390x : machines, error))
    return NULL;
  return vmdev_domain_format (def);
}

static void
test_case (gconstpointer data)
{
  const char *base = data;
  g_autofree char *in_name = g_strconcat (base, ".xml", NULL);
  g_autofree char *out_name = g_strconcat (base, ".out.xml", NULL);
  g_autofree char *err_name = g_strconcat (base, ".err", NULL);
  g_autofree char *xml = read_file (in_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err_path = g_build_filename (data_dir, err_name, NULL);
  gboolean want_error = g_file_test (err_path, G_FILE_TEST_EXISTS);

  g_assert_nonnull (xml);
  out = process (xml, &error);
  if (out == NULL)
    {
      g_autofree char *msg = g_strconcat (error->message, "\n", NULL);

      if (!want_error && !regenerate ())
        g_error ("%s is refused: %s", in_name, error->message);
      expect_text (err_name, msg);
      return;
    }
  if (want_error && !regenerate ())
    g_error ("%s is accepted, but %s expects a refusal", in_name, err_name);
  if (want_error)
    {
      g_autofree char *path = g_build_filename (data_dir, err_name, NULL);
      g_unlink (path);
    }
  expect_text (out_name, out);

  /* The output is a fixed point. */
  {
    g_autofree char *again = process (out, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, out);
  }
}

static void
test_unused (void)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  g_autoptr(GString) unused = g_string_new (NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_hash_table_contains (used, name))
      g_string_append_printf (unused, " %s", name);
  if (unused->len > 0)
    g_error ("unused files in %s:%s", data_dir, unused->str);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *machines_text = NULL;
  const char *name;
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  data_dir = g_getenv ("VMDEV_XML2XML_DIR");
  g_assert_nonnull (data_dir);
  used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  machines_text = read_file ("qemu-machines.txt");
  g_assert_nonnull (machines_text);
  machines = vmdev_machine_list_parse (machines_text);
  g_free (machines_text);
  machines_text = read_file ("qemu-machines-s390x.txt");
  g_assert_nonnull (machines_text);
  machines_s390x = vmdev_machine_list_parse (machines_text);

  dir = g_dir_open (data_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".xml") && !g_str_has_suffix (name, ".out.xml"))
      g_ptr_array_add (cases, g_strndup (name, strlen (name) - 4));
  g_ptr_array_sort (cases, compare_names);
  for (guint i = 0; i < cases->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/conf/xml2xml/%s",
                                               (const char *) g_ptr_array_index (cases, i));
      g_test_add_data_func (path, g_ptr_array_index (cases, i), test_case);
    }
  g_test_add_func ("/conf/xml2xml/~every-file-is-used", test_unused);
  rc = g_test_run ();
  vmdev_machine_list_free (machines);
  vmdev_machine_list_free (machines_s390x);
  g_hash_table_unref (used);
  return rc;
}
