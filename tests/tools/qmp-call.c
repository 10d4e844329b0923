/* qmp-call: one QMP command from the shell, through vmdev's own QMP client
 * (src/qemu/vmdev-qmp.h).  A test tool (not installed): the sandbox checks and
 * the demo ask a running domain's QEMU what its guest sees (query-pci)
 * without python3, socat, nc or jq.
 *
 *   qmp-call [--timeout SECONDS] [--raw | --flat] SOCKET COMMAND [ARGUMENTS-JSON]
 *
 * Connects to the QMP socket SOCKET (a domain's run/vmdev/d/NAME/qmp.sock;
 * `vmdev domain status NAME --json` gives its path), negotiates capabilities,
 * runs COMMAND with ARGUMENTS-JSON (a JSON object) and prints its "return"
 * value as one line of JSON on stdout.
 *   --raw   a string return is printed as it is (human-monitor-command's text)
 *   --flat  one line per scalar: PATH=VALUE, PATH in jq's notation
 *           (.[0].devices[2].id.vendor=17224), members sorted by name, VALUE
 *           as JSON; for grep and awk
 * Errors (QEMU's answer, a protocol error, a timeout: 30 s by default) are one
 * line on stderr and exit 1; usage errors exit 2.
 *
 * QEMU serves one client per QMP socket at a time: a second connection waits
 * until the first closes.  vmdev uses qmp.sock one command at a time and
 * closes it after, so call this while no vmdev command is busy with the domain
 * (or expect it to wait, bounded by the timeout). */
#include "qemu/vmdev-qmp.h"
#include "store/vmdev-json-writer.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PROG "qmp-call"

static const char usage[] =
  "Usage: " PROG " [--timeout SECONDS] [--raw | --flat] SOCKET COMMAND [ARGUMENTS-JSON]\n"
  "Runs one QMP command on the QMP socket SOCKET and prints its \"return\" value\n"
  "as JSON; --raw: a string as it is; --flat: PATH=VALUE per scalar.\n"
  "Errors: one line on stderr, exit 1.\n";

static int G_GNUC_PRINTF (1, 2)
usage_error (const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, PROG ": %s\n%s", msg, usage);
  return 2;
}

static int
fail (const GError *error)
{
  fflush (stdout);
  fprintf (stderr, PROG ": %s\n", error->message);
  return 1;
}

static int
compare_members (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(const VmdevJsonMember *const *) a)->name,
                 (*(const VmdevJsonMember *const *) b)->name);
}

/* @value as compact JSON text. */
static char *
to_text (const VmdevJson *value)
{
  VmdevJsonWriter *w = vmdev_json_writer_new (FALSE);

  vmdev_json_writer_value (w, value);
  return vmdev_json_writer_finish (w, NULL);
}

/* --flat: every scalar under @value as "PATH=VALUE" (@path is its own path). */
static void
print_flat (GString *path, const VmdevJson *value)
{
  gsize len = path->len;

  if (value->type == VMDEV_JSON_OBJECT)
    {
      g_autoptr(GPtrArray) members = g_ptr_array_new ();

      for (guint i = 0; i < value->items->len; i++)
        g_ptr_array_add (members, g_ptr_array_index (value->items, i));
      g_ptr_array_sort (members, compare_members);
      for (guint i = 0; i < members->len; i++)
        {
          const VmdevJsonMember *member = g_ptr_array_index (members, i);

          g_string_append_printf (path, ".%s", member->name);
          print_flat (path, member->value);
          g_string_truncate (path, len);
        }
    }
  else if (value->type == VMDEV_JSON_ARRAY)
    {
      for (guint i = 0; i < value->items->len; i++)
        {
          g_string_append_printf (path, "%s[%u]", len == 0 ? "." : "", i);
          print_flat (path, g_ptr_array_index (value->items, i));
          g_string_truncate (path, len);
        }
    }
  else
    {
      g_autofree char *text = to_text (value);

      printf ("%s=%s\n", path->len > 0 ? path->str : ".", text);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(VmdevFd) dir_fd = -1;
  VmdevDir dir = { -1, NULL };
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autofree char *dirname = NULL;
  g_autofree char *basename = NULL;
  const char *socket_path, *command, *arguments = NULL;
  guint timeout_ms = 30000;
  gboolean raw = FALSE, flat = FALSE;
  int i = 1;

  for (; i < argc && g_str_has_prefix (argv[i], "--"); i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          i++;
          break;
        }
      else if (strcmp (argv[i], "--raw") == 0)
        raw = TRUE;
      else if (strcmp (argv[i], "--flat") == 0)
        flat = TRUE;
      else if (strcmp (argv[i], "--timeout") == 0)
        {
          char *end = NULL;
          double seconds;

          if (++i == argc)
            return usage_error ("--timeout needs a number of seconds");
          seconds = g_ascii_strtod (argv[i], &end);
          if (end == argv[i] || *end != '\0' || !(seconds > 0) || seconds > 3600)
            return usage_error ("--timeout: not a number of seconds in (0, 3600]: '%s'", argv[i]);
          timeout_ms = MAX ((guint) (seconds * 1000), 1);
        }
      else if (strcmp (argv[i], "--help") == 0)
        {
          fputs (usage, stdout);
          return 0;
        }
      else
        return usage_error ("unknown option '%s'", argv[i]);
    }
  if (raw && flat)
    return usage_error ("--raw and --flat exclude each other");
  if (argc - i < 2 || argc - i > 3)
    return usage_error ("expected SOCKET COMMAND [ARGUMENTS-JSON]");
  socket_path = argv[i];
  command = argv[i + 1];
  if (argc - i == 3)
    arguments = argv[i + 2];

  /* The socket is reached relative to its directory (vmdev_qmp_connect_at),
   * so the directory's path may be longer than sun_path allows. */
  dirname = g_path_get_dirname (socket_path);
  basename = g_path_get_basename (socket_path);
  dir_fd = open (dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      vmdev_error_from_errno (&error, errno, "connecting to QMP socket", socket_path);
      return fail (error);
    }
  dir.fd = dir_fd;
  dir.path = dirname;
  qmp = vmdev_qmp_connect_at (&dir, basename, timeout_ms, &error);
  if (qmp == NULL)
    return fail (error);
  ret = vmdev_qmp_execute_json (qmp, command, arguments, &error);
  if (ret == NULL)
    return fail (error);

  if (raw && ret->type == VMDEV_JSON_STRING)
    {
      const char *s = ret->text;

      fputs (s, stdout);
      if (*s != '\0' && s[strlen (s) - 1] != '\n')
        fputc ('\n', stdout);
    }
  else if (flat)
    {
      g_autoptr(GString) path = g_string_new (NULL);

      print_flat (path, ret);
    }
  else
    {
      g_autofree char *text = to_text (ret);

      printf ("%s\n", text);
    }
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, PROG ": writing the result: %s\n", g_strerror (errno));
      return 1;
    }
  return 0;
}
