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

#include "golden-dir.h"

#include <glib/gstdio.h>
#include <string.h>

static VmdevMachineList *machines, *machines_s390x;

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
  g_autofree char *xml = golden_read (in_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gboolean want_error = golden_exists (err_name);

  g_assert_nonnull (xml);
  out = process (xml, &error);
  if (out == NULL)
    {
      g_autofree char *msg = g_strconcat (error->message, "\n", NULL);

      if (!want_error && !golden_regenerate ())
        g_error ("%s is refused: %s", in_name, error->message);
      golden_expect (err_name, msg);
      return;
    }
  if (want_error && !golden_regenerate ())
    g_error ("%s is accepted, but %s expects a refusal", in_name, err_name);
  if (want_error)
    golden_remove (err_name);
  golden_expect (out_name, out);

  /* The output is a fixed point. */
  {
    g_autofree char *again = process (out, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, out);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) cases = NULL;
  g_autofree char *machines_text = NULL;
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  golden_dir_init ("VMDEV_XML2XML_DIR");
  machines_text = golden_read ("qemu-machines.txt");
  g_assert_nonnull (machines_text);
  machines = vmdev_machine_list_parse (machines_text);
  g_free (machines_text);
  machines_text = golden_read ("qemu-machines-s390x.txt");
  g_assert_nonnull (machines_text);
  machines_s390x = vmdev_machine_list_parse (machines_text);

  cases = golden_cases (".xml", ".out.xml");
  for (guint i = 0; i < cases->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/conf/xml2xml/%s",
                                               (const char *) g_ptr_array_index (cases, i));
      g_test_add_data_func (path, g_ptr_array_index (cases, i), test_case);
    }
  golden_add_unused_test ("/conf/xml2xml");
  rc = g_test_run ();
  vmdev_machine_list_free (machines);
  vmdev_machine_list_free (machines_s390x);
  return rc;
}
