/* test-conf.c: unit tests of src/conf (what the xml2xml goldens do not show)
 * and of the domain definition store (src/store/vmdev-domain-def.c). */
#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-hostdev.h"
#include "conf/vmdev-qemu-machines.h"
#include "conf/vmdev-xml.h"
#include "store/vmdev-domain-def.h"
#include "util/vmdev-error.h"

#include <glib/gstdio.h>
#include <string.h>

static const char machines_text[] =
  "Supported machines are:\n"
  "microvm              microvm (i386)\n"
  "pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)\n"
  "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\n"
  "pc-i440fx-7.1        Standard PC (i440FX + PIIX, 1996)\n"
  "q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)\n"
  "pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)\n"
  "none                 empty machine\n";

#define UUID1 "c2177883-f1bb-47f0-914d-32a22e3a8804"
#define UUID2 "c2177883-f1bb-47f0-914d-32a22e3a8805"

static void
test_memory_units (void)
{
  struct { const char *value, *unit; guint64 kib; } ok[] = {
    { "524288", NULL, 524288 }, { "512", "MiB", 524288 }, { "512", "M", 524288 },
    { "512", "m", 524288 }, { "2", "GiB", 2097152 }, { "2", "G", 2097152 },
    { "1000", "KB", 977 }, { "1", "b", 1 }, { "1025", "bytes", 2 }, { "1", "KiB", 1 },
    { "1", "k", 1 }, { "1", "TiB", 1073741824 }, { "1", "MB", 977 }, { "0", "GiB", 0 },
  };
  const char *bad_units[] = { "X", "MiBs", "Kb2", "iB" };
  const char *bad_values[] = { "", "-1", "1.5", "0x10", " 1", "18446744073709551616" };

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 kib = 0;

      g_assert_true (vmdev_domain_parse_memory (ok[i].value, ok[i].unit, &kib, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (kib, ==, ok[i].kib);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_units); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 kib = 42;

      g_assert_false (vmdev_domain_parse_memory ("1", bad_units[i], &kib, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML);
      g_assert_nonnull (strstr (error->message, bad_units[i]));
      g_assert_cmpuint (kib, ==, 42);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 kib;

      g_assert_false (vmdev_domain_parse_memory (bad_values[i], "KiB", &kib, &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML);
    }
  {
    g_autoptr(GError) error = NULL;
    guint64 kib;

    g_assert_false (vmdev_domain_parse_memory ("99999999999", "EiB", &kib, &error));
    g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML);
  }
}

static void
test_numbers_as_libvirt (void)
{
  guint64 v;

  /* PCI address attributes are C base 0: 010 is octal. */
  g_assert_true (vmdev_xml_parse_uint ("010", 0, 31, &v));
  g_assert_cmpuint (v, ==, 8);
  g_assert_true (vmdev_xml_parse_uint ("0x1f", 0, 31, &v));
  g_assert_cmpuint (v, ==, 31);
  g_assert_false (vmdev_xml_parse_uint ("0x20", 0, 31, &v));
  g_assert_false (vmdev_xml_parse_uint ("08", 0, 31, &v));
  g_assert_false (vmdev_xml_parse_uint ("-1", 0, 31, &v));
  g_assert_false (vmdev_xml_parse_uint ("+1", 0, 31, &v));
  g_assert_false (vmdev_xml_parse_uint ("1 ", 0, 31, &v));
  g_assert_true (vmdev_xml_parse_uint ("010", 10, 31, &v));
  g_assert_cmpuint (v, ==, 10);
}

static void
test_machine_list (void)
{
  g_autoptr(VmdevMachineList) list = vmdev_machine_list_parse (machines_text);

  g_assert_cmpstr (vmdev_machine_list_resolve (list, "pc"), ==, "pc-i440fx-7.2");
  g_assert_cmpstr (vmdev_machine_list_resolve (list, "q35"), ==, "pc-q35-7.2");
  g_assert_cmpstr (vmdev_machine_list_resolve (list, "pc-i440fx-7.1"), ==, "pc-i440fx-7.1");
  g_assert_cmpstr (vmdev_machine_list_resolve (list, NULL), ==, "pc-i440fx-7.2");
  g_assert_null (vmdev_machine_list_resolve (list, "foo"));
  g_assert_null (vmdev_machine_list_resolve (list, "Supported"));
}

static void
test_machine_list_cache (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vmdev-conf-XXXXXX", NULL);
  g_autofree char *fake = g_build_filename (dir, "qemu", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\necho probed >> %s/count\n"
                                             "printf '%%s' '%s'\n", dir, machines_text);
  g_autofree char *count_path = g_build_filename (dir, "count", NULL);
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;

  g_unsetenv ("VMDEV_QEMU_MACHINES");
  g_assert_true (g_file_set_contents (fake, script, -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  root = vmdev_root_open (dir, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(VmdevMachineList) list = vmdev_machine_list_load (root, fake, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (vmdev_machine_list_resolve (list, "q35"), ==, "pc-q35-7.2");
    }
  /* Probed once, then read from var/cache/vmdev/qemu-machines. */
  g_assert_true (g_file_get_contents (count_path, &count, NULL, NULL));
  g_assert_cmpstr (count, ==, "probed\n");
  {
    g_autoptr(VmdevMachineList) list = vmdev_machine_list_load (root, "/nonexistent/qemu", &error);

    g_assert_null (list);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
}

static VmdevDomain *
complete (const char *xml, GError **error)
{
  g_autoptr(VmdevMachineList) list = vmdev_machine_list_parse (machines_text);
  g_autoptr(VmdevDomain) def = vmdev_domain_parse (xml, strlen (xml), VMDEV_DOMAIN_PARSE_SCHEMA,
                                                   error);

  if (def == NULL || !vmdev_domain_post_parse (def, list, error))
    return NULL;
  return g_steal_pointer (&def);
}

static const char minimal_q35[] =
  "<domain type='kvm'><name>vm</name><memory>524288</memory>"
  "<os><type machine='q35'>hvm</type></os><devices/></domain>";

static void
test_errors_have_codes (void)
{
  struct { const char *xml; int code; const char *needle; } cases[] = {
    { "<domain", VMDEV_ERROR_INVALID_XML, "line 1" },
    { "<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type></os>"
      "<devices><frob/></devices></domain>", VMDEV_ERROR_INVALID_XML, "<frob>" },
    { "<domain type='xen'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>",
      VMDEV_ERROR_INVALID_XML, "xen" },
    { "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain type='kvm'/>", VMDEV_ERROR_INVALID_XML,
      "DOCTYPE" },
    { "<domain type='kvm'><name>a/b</name><memory>1</memory><os><type>hvm</type></os></domain>",
      VMDEV_ERROR_INVALID_XML, "'/'" },
    { "<domain type='kvm'><name>a</name><memory>1</memory><os><type machine='foo'>hvm</type>"
      "</os></domain>", VMDEV_ERROR_INVALID_CONFIG, "'foo'" },
    { "<domain type='kvm'><name>a</name><memory>1</memory><os><type machine='none'>hvm</type>"
      "</os></domain>", VMDEV_ERROR_INVALID_CONFIG, "not supported" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VmdevDomain) def = complete (cases[i].xml, &error);

      g_assert_null (def);
      g_assert_error (error, VMDEV_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: '%s' does not name '%s'", i, error->message, cases[i].needle);
    }
}

static void
test_attach_hostdev (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = complete (minimal_q35, &error);
  g_autofree char *before = NULL, *after = NULL;
  const char snippet[] = "<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
                         "<source><address uuid='" UUID1 "'/></source></hostdev>";
  VmdevHostdev *h;
  guint ncontrollers;

  g_assert_no_error (error);
  before = vmdev_domain_format (def);
  ncontrollers = def->controllers->len;
  h = vmdev_hostdev_parse (snippet, strlen (snippet), &error);
  g_assert_no_error (error);
  g_assert_true (vmdev_domain_add_hostdev (def, h, &error));
  g_assert_no_error (error);
  /* The spare root port of a new q35 domain takes it: no controller added. */
  g_assert_cmpuint (def->controllers->len, ==, ncontrollers);
  g_assert_cmpint (h->info.addr.type, ==, VMDEV_ADDR_PCI);
  g_assert_cmpuint (h->info.addr.bus, ==, 3);
  g_assert_cmpint (h->managed, ==, VMDEV_TRI_NO);
  g_assert_cmpint (h->display, ==, VMDEV_TRI_NO);
  after = vmdev_domain_format (def);
  g_assert_true (g_str_has_prefix (after, "<domain"));
  g_assert_cmpuint (strlen (after), >, strlen (before));

  /* A second one needs a new root port. */
  {
    const char snippet2[] = "<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
                            "<source><address uuid='" UUID2 "'/></source></hostdev>";
    VmdevHostdev *h2 = vmdev_hostdev_parse (snippet2, strlen (snippet2), &error);

    g_assert_no_error (error);
    g_assert_true (vmdev_domain_add_hostdev (def, h2, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (def->controllers->len, ==, ncontrollers + 1);
    g_assert_cmpuint (h2->info.addr.bus, ==, 4);
  }
  /* The same UUID again is refused and not added. */
  {
    VmdevHostdev *h3 = vmdev_hostdev_parse (snippet, strlen (snippet), &error);
    guint n = def->hostdevs->len;

    g_assert_no_error (error);
    g_assert_false (vmdev_domain_add_hostdev (def, h3, &error));
    g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
    g_assert_cmpuint (def->hostdevs->len, ==, n);
    vmdev_hostdev_free (h3);
  }
}

static void
test_hostdev_snippets (void)
{
  struct { const char *xml; const char *needle; } bad[] = {
    { "<disk/>", "<hostdev>" },
    { "<hostdev mode='subsystem' type='pci' model='vfio-pci'/>", "'pci'" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='maybe'><source>"
      "<address uuid='" UUID1 "'/></source></hostdev>", "'maybe'" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><mdev type='nvidia-63'/>"
      "</source></hostdev>", "managed='yes'" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
      "<address uuid='" UUID1 "'/></source><alias name='gpu0'/></hostdev>", "'gpu0'" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
      "<address uuid='" UUID1 "'/></source><address type='pci' slot='32'/></hostdev>", "slot" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VmdevHostdev) h = vmdev_hostdev_parse (bad[i].xml, strlen (bad[i].xml), &error);

      g_assert_null (h);
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML);
      if (strstr (error->message, bad[i].needle) == NULL)
        g_error ("case %u: '%s' does not name %s", i, error->message, bad[i].needle);
    }
  {
    const char managed[] = "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='yes'>"
                           "<source><mdev type='nvidia-63' parent='0000:65:00.0'/></source>"
                           "<alias name='ua-gpu0'/></hostdev>";
    g_autoptr(GError) error = NULL;
    g_autoptr(VmdevHostdev) h = vmdev_hostdev_parse (managed, strlen (managed), &error);
    g_autoptr(GString) out = g_string_new (NULL);

    g_assert_no_error (error);
    g_assert_null (h->uuid);
    g_assert_cmpstr (h->mdev_type, ==, "nvidia-63");
    g_assert_cmpstr (h->mdev_parent, ==, "0000:65:00.0");
    vmdev_hostdev_format (out, 0, h);
    g_assert_cmpstr (out->str, ==,
                     "<hostdev mode='subsystem' type='mdev' managed='yes' model='vfio-pci'>\n"
                     "  <source>\n"
                     "    <mdev type='nvidia-63' parent='0000:65:00.0'/>\n"
                     "  </source>\n"
                     "  <alias name='ua-gpu0'/>\n"
                     "</hostdev>\n");
  }
}

static void
test_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vmdev-conf-XXXXXX", NULL);
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *xml = NULL;
  gsize len;

  root = vmdev_root_open (dir, &error);
  g_assert_no_error (error);
  g_assert_true (vmdev_domain_def_list (root, &names, &error));
  g_assert_cmpuint (names->len, ==, 0);
  g_clear_pointer (&names, g_ptr_array_unref);
  g_assert_false (vmdev_domain_def_read (root, "vm", &xml, &len, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (vmdev_domain_def_write (root, "vm", "<domain/>\n", 10, &error));
  g_assert_true (vmdev_domain_def_write (root, "a", "<x/>", 4, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_domain_def_read (root, "vm", &xml, &len, &error));
  g_assert_cmpstr (xml, ==, "<domain/>\n");
  g_assert_true (vmdev_domain_def_list (root, &names, &error));
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "a");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "vm");
  /* Names are checked before they become paths. */
  g_assert_false (vmdev_domain_def_write (root, "../x", "<x/>", 4, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (vmdev_domain_def_read (root, "..", &xml, &len, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (vmdev_domain_def_delete (root, "vm", &error));
  g_assert_false (vmdev_domain_def_delete (root, "vm", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (vmdev_domain_def_delete (root, "a", &error));
  {
    const char *const dirs[] = { "etc/vmdev/domains", "etc/vmdev", "etc" };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autofree char *d = g_build_filename (dir, dirs[i], NULL);
        g_assert_cmpint (g_rmdir (d), ==, 0);
      }
    g_rmdir (dir);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/conf/memory-units", test_memory_units);
  g_test_add_func ("/conf/numbers-as-libvirt", test_numbers_as_libvirt);
  g_test_add_func ("/conf/machine-list", test_machine_list);
  g_test_add_func ("/conf/machine-list-cache", test_machine_list_cache);
  g_test_add_func ("/conf/errors-have-codes", test_errors_have_codes);
  g_test_add_func ("/conf/hostdev-snippets", test_hostdev_snippets);
  g_test_add_func ("/conf/attach-hostdev", test_attach_hostdev);
  g_test_add_func ("/store/domain-definitions", test_store);
  return g_test_run ();
}
