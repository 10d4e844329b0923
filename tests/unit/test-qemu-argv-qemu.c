/* test-qemu-argv-qemu.c: real QEMU 7.2 accepts every golden command line of
 * tests/data/xml2argv (the .args files).
 *
 * Two checks per case, against the case's own emulator (qemu-system-x86_64
 * or qemu-system-s390x; a case whose emulator is not installed is skipped
 * with the reason):
 *  - every option is one QEMU knows (`-help`), and every -device JSON names a
 *    driver QEMU has and only properties that driver has
 *    (`-device DRIVER,help`, asked once per driver);
 *  - QEMU is started with the command line, paused as vmdev starts it, and
 *    quit over the QMP monitor socket; it must answer and exit 0.  For that
 *    run: the mdev devices (vfio-*: no mdev here) and the kernel boot options
 *    (no such files here) are removed; the QMP sockets, serial files and
 *    listening sockets move to a temp dir; -vnc becomes "none" and -spice
 *    gets port=0 (no network port); -accel kvm becomes tcg and -cpu host
 *    becomes max (the KVM of a nested host may not take a CPU model: `-cpu
 *    max` and `host` abort on an MSR here); raw disk files become empty files
 *    in the temp dir, block devices /dev/null, and qcow2 format nodes raw (no
 *    qemu-img here to make an image).  Cases with spice GL without /dev/dri
 *    or a serial port connecting to a socket have the first check only. */
#include "test-tree.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const char *data_dir;
static GHashTable *device_help;   /* "emulator\ndriver" -> GHashTable of property names, or NULL */
static GHashTable *option_help;   /* emulator -> GHashTable of option names */

static char **
read_args (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *argv = g_ptr_array_new ();

  if (!g_file_get_contents (path, &text, NULL, NULL))
    g_error ("cannot read %s", path);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      GString *a = g_string_new (NULL);

      for (const char *p = lines[i]; *p != '\0'; p++)
        if (p[0] == '\\' && p[1] == '\\')
          g_string_append_c (a, '\\'), p++;
        else if (p[0] == '\\' && p[1] == 'n')
          g_string_append_c (a, '\n'), p++;
        else
          g_string_append_c (a, *p);
      g_ptr_array_add (argv, g_string_free (a, FALSE));
    }
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

static char *
run_capture (const char *const *argv, int *status)
{
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, status, &error))
    g_error ("running %s: %s", argv[0], error->message);
  return out;
}

/* Names at the start of lines "  NAME=<type> ..." (device help) */
static GHashTable *
driver_properties (const char *emulator, const char *driver)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s", emulator, driver);
  g_autofree char *spec = g_strdup_printf ("%s,help", driver);
  const char *argv[] = { emulator, "-device", spec, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *props;
  int status;

  if (g_hash_table_lookup_extended (device_help, key, NULL, (gpointer *) &props))
    return props;
  out = run_capture (argv, &status);
  props = NULL;
  if (g_spawn_check_wait_status (status, NULL))
    {
      props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      lines = g_strsplit (out, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          const char *l = lines[i];
          const char *eq;

          if (!g_str_has_prefix (l, "  ") || (eq = strchr (l, '=')) == NULL)
            continue;
          g_hash_table_add (props, g_strndup (l + 2, eq - l - 2));
        }
    }
  g_hash_table_insert (device_help, g_steal_pointer (&key), props);
  return props;
}

/* Options at the start of lines of `-help` ("-name string1[,...]") */
static GHashTable *
emulator_options (const char *emulator)
{
  const char *argv[] = { emulator, "-help", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *opts = g_hash_table_lookup (option_help, emulator);
  int status;

  if (opts != NULL)
    return opts;
  out = run_capture (argv, &status);
  opts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] == '-')
      g_hash_table_add (opts, g_strndup (lines[i], strcspn (lines[i], " \t")));
  g_hash_table_insert (option_help, g_strdup (emulator), opts);
  return opts;
}

static gboolean
option_has_no_value (const char *opt)
{
  static const char *const flags[] = { "-S", "-no-user-config", "-nodefaults", "-no-shutdown",
                                       "-no-acpi", NULL };

  return g_strv_contains (flags, opt);
}

static void
check_properties (char **argv)
{
  GHashTable *opts = emulator_options (argv[0]);

  for (guint i = 1; argv[i] != NULL; i++)
    {
      const char *o = argv[i];
      g_autoptr(JsonParser) parser = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *obj;
      const char *driver;
      GHashTable *props;
      g_autoptr(GList) members = NULL;

      if (!g_hash_table_contains (opts, o))
        g_error ("%s does not know the option %s", argv[0], o);
      if (option_has_no_value (o))
        continue;
      g_assert_nonnull (argv[i + 1]);
      i++;
      if (strcmp (o, "-device") != 0 && strcmp (o, "-blockdev") != 0 &&
          strcmp (o, "-object") != 0 && strcmp (o, "-audiodev") != 0 &&
          strcmp (o, "-netdev") != 0)
        continue;
      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, argv[i], -1, &error))
        g_error ("%s %s: not JSON: %s", o, argv[i], error->message);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      if (strcmp (o, "-device") != 0)
        continue;
      obj = json_node_get_object (json_parser_get_root (parser));
      driver = json_object_get_string_member (obj, "driver");
      props = driver_properties (argv[0], driver);
      if (props == NULL)
        g_error ("%s has no device driver '%s'", argv[0], driver);
      members = json_object_get_members (obj);
      for (GList *m = members; m != NULL; m = m->next)
        {
          const char *k = m->data;

          /* driver, id and bus are qdev's own, not properties */
          if (strcmp (k, "driver") == 0 || strcmp (k, "id") == 0 || strcmp (k, "bus") == 0)
            continue;
          if (!g_hash_table_contains (props, k))
            g_error ("%s: device '%s' has no property '%s'", argv[0], driver, k);
        }
    }
}

/* A -blockdev whose storage is here: a "file" node on an empty file in
 * @tmp, a "host_device" node on /dev/null, a qcow2 format node as raw (no
 * qemu-img here to make an image; the keys are the same); else NULL. */
static char *
runnable_blockdev (const char *json, const char *tmp, guint n)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  JsonObject *obj;
  const char *driver;

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  obj = json_node_get_object (json_parser_get_root (parser));
  driver = json_object_get_string_member (obj, "driver");
  if (strcmp (driver, "file") == 0)
    {
      g_autofree char *path = g_strdup_printf ("%s/d%u", tmp, n);

      g_assert_true (g_file_set_contents (path, "", 0, NULL));
      json_object_set_string_member (obj, "filename", path);
    }
  else if (strcmp (driver, "host_device") == 0)
    json_object_set_string_member (obj, "filename", "/dev/null");
  else if (strcmp (driver, "qcow2") == 0)
    json_object_set_string_member (obj, "driver", "raw");  /* the same keys */
  else if (strcmp (driver, "raw") != 0)
    return NULL;
  json_generator_set_root (gen, json_parser_get_root (parser));
  return json_generator_to_data (gen, NULL);
}

/* The command line for a run here, or NULL (and *@why) when it cannot run. */
static GPtrArray *
runnable_argv (char **argv, const char *tmp, char **why)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (out, g_strdup (argv[0]));
  for (guint i = 1; argv[i] != NULL; i++)
    {
      const char *o = argv[i], *v = argv[i + 1];

      if (option_has_no_value (o))
        {
          g_ptr_array_add (out, g_strdup (o));
          continue;
        }
      i++;
      if (strcmp (o, "-blockdev") == 0)
        {
          char *b = runnable_blockdev (v, tmp, i);

          if (b == NULL)
            {
              *why = g_strdup_printf ("%s %s needs an image of that format", o, v);
              g_ptr_array_unref (out);
              return NULL;
            }
          g_ptr_array_add (out, g_strdup (o));
          g_ptr_array_add (out, b);
          continue;
        }
      if (strcmp (o, "-chardev") == 0 &&
          (g_str_has_prefix (v, "file,") ||
           (g_str_has_prefix (v, "socket,") && g_str_has_suffix (v, ",server=on,wait=off") &&
            strstr (v, "id=charmonitor,") == NULL && strstr (v, "id=charvmdev,") == NULL)))
        {
          /* the same chardev with a path in the temp dir */
          g_auto(GStrv) parts = g_strsplit (v, ",", 3);

          g_ptr_array_add (out, g_strdup (o));
          g_ptr_array_add (out, g_strdup_printf ("%s,%s,path=%s/c%u%s", parts[0], parts[1], tmp,
                                                 i, g_str_has_prefix (v, "socket,")
                                                      ? ",server=on,wait=off" : ""));
          continue;
        }
      if (strcmp (o, "-spice") == 0 && (strstr (v, "gl=on") == NULL ||
                                         g_file_test ("/dev/dri", G_FILE_TEST_IS_DIR)))
        {
          /* no network port: "port=0" (what libvirt writes without a listen
           * address) */
          g_autoptr(GString) sp = g_string_new (v);
          gsize end = strcspn (v, ",");

          g_string_erase (sp, 0, end);
          g_string_prepend (sp, "port=0");
          g_ptr_array_add (out, g_strdup (o));
          g_ptr_array_add (out, g_string_free (g_steal_pointer (&sp), FALSE));
          continue;
        }
      if (strcmp (o, "-spice") == 0 ||
          (strcmp (o, "-chardev") == 0 && !g_str_has_prefix (v, "pty,") &&
           strstr (v, "id=charmonitor,") == NULL && strstr (v, "id=charvmdev,") == NULL))
        {
          *why = g_strdup_printf ("%s %s needs host resources", o, v);
          g_ptr_array_unref (out);
          return NULL;
        }
      if (strcmp (o, "-device") == 0 && strstr (v, "\"driver\":\"vfio-") != NULL)
        continue;
      if (strcmp (o, "-kernel") == 0 || strcmp (o, "-initrd") == 0 || strcmp (o, "-append") == 0)
        continue;
      g_ptr_array_add (out, g_strdup (o));
      if (strcmp (o, "-chardev") == 0 && strstr (v, "id=charmonitor,") != NULL)
        g_ptr_array_add (out, g_strdup_printf ("socket,id=charmonitor,path=%s/m,server=on,"
                                               "wait=off", tmp));
      else if (strcmp (o, "-chardev") == 0 && strstr (v, "id=charvmdev,") != NULL)
        g_ptr_array_add (out, g_strdup_printf ("socket,id=charvmdev,path=%s/q,server=on,"
                                               "wait=off", tmp));
      else if (strcmp (o, "-vnc") == 0)
        {
          const char *audio = strstr (v, ",audiodev=");

          g_ptr_array_add (out, g_strconcat ("none", audio != NULL ? audio : "", NULL));
        }
      else if (strcmp (o, "-accel") == 0 && strcmp (v, "kvm") == 0)
        g_ptr_array_add (out, g_strdup ("tcg"));
      else if (strcmp (o, "-cpu") == 0 && g_str_has_prefix (v, "host"))
        g_ptr_array_add (out, g_strconcat ("max", v + 4, NULL));
      else
        g_ptr_array_add (out, g_strdup (v));
    }
  g_ptr_array_add (out, NULL);
  return out;
}

G_NORETURN static void
fail_with_stderr (GSubprocess *proc, const char *what)
{
  g_autofree char *err = NULL;

  g_subprocess_force_exit (proc);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, NULL);
  g_error ("%s: %s", what, err != NULL ? err : "");
}

static char *
qmp_read (GSubprocess *proc, GDataInputStream *in)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

      if (line == NULL)
        fail_with_stderr (proc, "QEMU closed its QMP socket");
      if (strstr (line, "\"event\"") == NULL)
        return line;
      g_free (line);
    }
}

static void
run_qemu (GPtrArray *argv, const char *tmp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *sock = g_build_filename (tmp, "m", NULL);
  g_autofree char *greeting = NULL, *reply = NULL, *bye = NULL;
  GOutputStream *out;
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  while (conn == NULL)
    {
      g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (sock);

      if (g_file_test (sock, G_FILE_TEST_EXISTS))
        conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
      if (conn != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        fail_with_stderr (proc, "QEMU did not open its QMP socket");
      if (g_subprocess_get_identifier (proc) == NULL)
        fail_with_stderr (proc, "QEMU refused the command line");
      g_usleep (20000);
    }
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  greeting = qmp_read (proc, in);
  g_assert_nonnull (strstr (greeting, "\"QMP\""));
  g_output_stream_write_all (out, "{\"execute\":\"qmp_capabilities\"}\n", 31, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = qmp_read (proc, in);
  g_assert_nonnull (strstr (reply, "\"return\""));
  g_output_stream_write_all (out, "{\"execute\":\"quit\"}\n", 19, NULL, NULL, &error);
  g_assert_no_error (error);
  bye = qmp_read (proc, in);
  g_assert_nonnull (strstr (bye, "\"return\""));
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

static void
test_case (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  g_auto(GStrv) argv = read_args (path);
  g_autofree char *tmp = NULL, *why = NULL;
  g_autoptr(GPtrArray) run = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *msg = g_strdup_printf ("%s is not installed", argv[0]);

      g_test_skip (msg);
      return;
    }
  check_properties (argv);
  tmp = g_dir_make_tmp ("vmdev-qemu-XXXXXX", &error);
  g_assert_no_error (error);
  run = runnable_argv (argv, tmp, &why);
  if (run != NULL)
    run_qemu (run, tmp);
  else
    g_test_message ("%s: properties checked; not started: %s", name, why);
  test_tree_remove (tmp);
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
  const char *name;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  data_dir = g_getenv ("VMDEV_XML2ARGV_DIR");
  g_assert_nonnull (data_dir);
  device_help = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  option_help = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref);
  dir = g_dir_open (data_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".args"))
      g_ptr_array_add (cases, g_strdup (name));
  g_ptr_array_sort (cases, compare_names);
  for (guint i = 0; i < cases->len; i++)
    {
      const char *c = g_ptr_array_index (cases, i);
      g_autofree char *base = g_strndup (c, strlen (c) - 5);
      g_autofree char *path = g_strdup_printf ("/qemu/real-qemu/%s", base);

      g_test_add_data_func (path, c, test_case);
    }
  return g_test_run ();
}
