/* test-qemu-argv.c: golden tests of src/qemu's argv builder, one per file
 * of tests/data/xml2argv.
 *
 *   <case>.xml   a domain XML as a user writes it
 *   <case>.args  the command line (what `vmdev domain to-argv` prints: the
 *                emulator, then one argument per line, '\' as "\\" and a
 *                newline as "\n")
 *   <case>.err   or: the error that refuses it (parse, rules or argv)
 *
 * The definition is completed as `define` completes it (machine lists:
 * tests/data/xml2xml/qemu-machines*.txt, QEMU 7.2's) and the QMP sockets
 * are in /run/vmdev/d/<name>/ (the root "/").  VMDEV_TEST_REGENERATE=1
 * rewrites the expected files.  The last test fails when a file of the
 * directory is not used. */
#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-qemu-machines.h"
#include "qemu/vmdev-qemu-command.h"
#include "qemu/vmdev-qemu-props.h"
#include "util/vmdev-error.h"

#include "golden-dir.h"

#include <glib/gstdio.h>
#include <string.h>

static VmdevMachineList *machines, *machines_s390x;

/* Parse, complete, build; NULL and @error on a refusal. */
static char *
process (const char *xml, GError **error)
{
  g_autoptr(VmdevDomain) def = vmdev_domain_parse (xml, strlen (xml), 0, error);
  g_autofree char *run_dir = NULL;
  g_auto(GStrv) argv = NULL;
  VmdevQemuArgvOptions opts;

  if (def == NULL ||
      !vmdev_domain_post_parse (def, g_str_has_suffix (vmdev_domain_emulator (def), "s390x")
                                       ? machines_s390x : machines, error))
    return NULL;
  run_dir = g_strdup_printf ("/%s/%s", VMDEV_QEMU_RUN_DIR, def->name);
  vmdev_qemu_argv_options_init (&opts);
  opts.run_dir = run_dir;
  argv = vmdev_qemu_build_argv (def, &opts, error);
  if (argv == NULL)
    return NULL;
  return vmdev_qemu_argv_to_text (argv);
}

static void
test_case (gconstpointer data)
{
  const char *base = data;
  g_autofree char *in_name = g_strconcat (base, ".xml", NULL);
  g_autofree char *out_name = g_strconcat (base, ".args", NULL);
  g_autofree char *err_name = g_strconcat (base, ".err", NULL);
  g_autofree char *xml = golden_read (in_name);
  gboolean want_error = golden_exists (err_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_assert_nonnull (xml);
  out = process (xml, &error);
  if (out == NULL)
    {
      g_autofree char *msg = g_strconcat (error->message, "\n", NULL);

      if (!want_error && !golden_regenerate ())
        g_error ("%s is refused: %s", in_name, error->message);
      if (golden_regenerate ())
        golden_remove (out_name);
      golden_expect (err_name, msg);
      return;
    }
  if (want_error && !golden_regenerate ())
    g_error ("%s is accepted, but %s expects a refusal", in_name, err_name);
  if (want_error)
    golden_remove (err_name);
  golden_expect (out_name, out);
}

/* Unit tests of the pieces. */
static void
test_escaping (void)
{
  g_autoptr(GString) s = g_string_new (NULL);
  char *argv[] = { (char *) "/usr/bin/qemu", (char *) "a\\b\nc", (char *) "", NULL };
  g_autofree char *text = vmdev_qemu_argv_to_text (argv);

  vmdev_qemu_json_escape (s, "a\"b\\c\n\t\x01/é");
  g_assert_cmpstr (s->str, ==, "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
  g_string_truncate (s, 0);
  vmdev_qemu_opts_escape (s, "a,b,,c");
  g_assert_cmpstr (s->str, ==, "a,,b,,,,c");
  g_assert_cmpstr (text, ==, "/usr/bin/qemu\na\\\\b\\nc\n\n");
}

/* The library API for start and hotplug: fds for the QMP sockets, the
 * UUID of a managed mdev created at start, the device_add JSON. */
static void
test_options (void)
{
  static const char xml[] =
    "<domain type='kvm'><name>vm</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
    "<memory unit='MiB'>64</memory><os><type machine='pc'>hvm</type></os><devices>"
    "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='yes'><source>"
    "<mdev type='mtty-1'/></source></hostdev></devices></domain>";
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = vmdev_domain_parse (xml, strlen (xml), 0, &error);
  const char *uuids[] = { "c2177883-f1bb-47f0-914d-32a22e3a8804" };
  g_auto(GStrv) argv = NULL;
  g_autofree char *text = NULL, *props = NULL, *id = NULL;
  VmdevQemuArgvOptions opts;

  g_assert_no_error (error);
  g_assert_true (vmdev_domain_post_parse (def, machines, &error));
  vmdev_qemu_argv_options_init (&opts);
  argv = vmdev_qemu_build_argv (def, &opts, &error);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED);
  g_assert_null (argv);
  g_clear_error (&error);

  opts.monitor_fd = 3;
  opts.command_fd = 4;
  opts.hostdev_uuids = uuids;
  argv = vmdev_qemu_build_argv (def, &opts, &error);
  g_assert_no_error (error);
  text = g_strjoinv (" ", argv);
  g_assert_nonnull (strstr (text, " -chardev socket,id=charmonitor,fd=3,server=on,wait=off "
                                  "-mon chardev=charmonitor,id=monitor,mode=control "
                                  "-chardev socket,id=charvmdev,fd=4,server=on,wait=off "
                                  "-mon chardev=charvmdev,id=vmdev,mode=control "));
  g_assert_nonnull (strstr (text, "\"sysfsdev\":\"/sys/bus/mdev/devices/c2177883-f1bb-47f0-"
                                  "914d-32a22e3a8804\""));

  props = vmdev_qemu_hostdev_props (def, 0, uuids[0], NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (props, ==, "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":"
                              "\"/sys/bus/mdev/devices/c2177883-f1bb-47f0-914d-32a22e3a8804\","
                              "\"display\":\"off\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
  id = vmdev_qemu_hostdev_id (def, 0);
  g_assert_cmpstr (id, ==, "hostdev0");
  g_clear_pointer (&props, g_free);
  props = vmdev_qemu_hostdev_props (def, 0, uuids[0], "hostdev3", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (props, "\"id\":\"hostdev3\""));
  g_clear_pointer (&props, g_free);
  /* without a UUID: refused, naming the device */
  props = vmdev_qemu_hostdev_props (def, 0, NULL, NULL, &error);
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED);
  g_assert_null (props);
}

static VmdevMachineList *
load_machines (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("cannot read %s", path);
  return vmdev_machine_list_parse (text);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) cases = NULL;
  const char *machines_dir;
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  golden_dir_init ("VMDEV_XML2ARGV_DIR");
  machines_dir = g_getenv ("VMDEV_MACHINES_DIR");
  g_assert_nonnull (machines_dir);
  machines = load_machines (machines_dir, "qemu-machines.txt");
  machines_s390x = load_machines (machines_dir, "qemu-machines-s390x.txt");

  cases = golden_cases (".xml", NULL);
  for (guint i = 0; i < cases->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/qemu/xml2argv/%s",
                                               (const char *) g_ptr_array_index (cases, i));
      g_test_add_data_func (path, g_ptr_array_index (cases, i), test_case);
    }
  g_test_add_func ("/qemu/argv/escaping", test_escaping);
  g_test_add_func ("/qemu/argv/options", test_options);
  golden_add_unused_test ("/qemu/xml2argv");
  rc = g_test_run ();
  vmdev_machine_list_free (machines);
  vmdev_machine_list_free (machines_s390x);
  return rc;
}
