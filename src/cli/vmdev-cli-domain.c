/* vmdev-cli-domain.c: `vmdev domain`: dispatch, options, and the commands
 * that only read (list, dumpxml, validate).  Messages follow virsh. */
#include "cli/vmdev-cli-domain.h"

#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "domain/vmdev-domain-live.h"
#include "domain/vmdev-domain-prepare.h"
#include "domain/vmdev-domain-run.h"
#include "qemu/vmdev-qemu-command.h"
#include "store/vmdev-domain-def.h"
#include "store/vmdev-json-writer.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string.h>

typedef enum
{
  F_ALL = 1 << 0,
  F_JSON = 1 << 1,
  F_INACTIVE = 1 << 2,
  F_CONFIG = 1 << 3,
  F_LIVE = 1 << 4,
  F_PAUSED = 1 << 5,
  F_TIMEOUT = 1 << 6,  /* takes a value */
} Flag;

typedef struct
{
  const char *name;
  guint flags;
  guint npos;
  const char *synopsis;
  const char *summary;
  const char *help;
  int (*run) (VmdevDomainArgs *args);
} Command;

static const Command commands[] = {
  { "define", 0, 1, "FILE", "Define a domain from an XML file",
    "Reads the libvirt domain XML FILE, checks it against the schema and libvirt's\n"
    "rules, fills in the defaults libvirt fills in (machine type, implicit devices,\n"
    "guest addresses) and stores it as etc/vmdev/domains/NAME.xml.  Defining an\n"
    "existing domain again replaces its definition (its UUID must stay the same).\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_define },
  { "undefine", 0, 1, "NAME", "Undefine a domain",
    "Removes the definition of the domain NAME.\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_undefine },
  { "list", F_ALL | F_JSON, 0, "[--all] [--json]", "List domains",
    "Lists the running domains, or with --all every defined domain, as virsh does.\n"
    "\n"
    "Options:\n"
    "      --all              list the inactive domains too\n"
    "      --json             print JSON: [{\"name\",\"uuid\",\"state\",\"pid\"}]\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_list },
  { "dumpxml", F_INACTIVE, 1, "NAME [--inactive]", "Print the XML of a domain",
    "Prints the definition of NAME as libvirt formats it: the live one of a running\n"
    "domain, else (and with --inactive) the persistent one.\n"
    "\n"
    "Options:\n"
    "      --inactive         print the persistent definition\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_dumpxml },
  { "validate", 0, 1, "FILE", "Validate a domain XML file",
    "Checks FILE against the schema (domain.rng) and the rules 'define' applies, and\n"
    "prints 'FILE validates' or the first error (exit 1).  Nothing is stored.\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_validate },
  { "to-argv", 0, 1, "FILE|NAME", "Print the QEMU command line of a domain",
    "Prints the command line vmdev runs QEMU with for the domain XML FILE (read as\n"
    "'validate' reads it, but without the schema: as virsh domxml-to-native) or the\n"
    "defined domain NAME: the emulator on the first line, then one argument per line\n"
    "(a backslash is written '\\\\', a newline '\\n').\n"
    "An argument with a '/' is a FILE; otherwise a defined domain of that name, else\n"
    "a FILE.  The QMP sockets are in run/vmdev/d/NAME/ under the root; a managed mdev\n"
    "needs a UUID in its <source> here (it gets one only when the domain starts).\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_to_argv },
  { "attach-device", F_CONFIG | F_LIVE, 2, "NAME FILE [--live] [--config]",
    "Attach a device to a domain",
    "Adds the mdev <hostdev> of FILE to the domain NAME.  With --config (the\n"
    "default) it goes into the persistent definition, with a free guest address.\n"
    "With --live it is hot-plugged into the running domain: it gets the next free\n"
    "guest PCI slot and QEMU id (hostdevN, or its alias), QEMU adds it (QMP\n"
    "device_add) and the live definition (dumpxml) and status record it.  A\n"
    "mediated device already in the domain is refused, and so are ramfb devices\n"
    "(vfio-pci-nohotplug) for --live.  With both, the persistent change is\n"
    "checked first and made once the running domain has the device.\n"
    "\n"
    "Options:\n"
    "      --config           change the persistent definition (the default)\n"
    "      --live             change the running domain\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_attach },
  { "detach-device", F_CONFIG | F_LIVE | F_TIMEOUT, 2,
    "NAME FILE [--live [--timeout N]] [--config]", "Detach a device from a domain",
    "Removes the mdev <hostdev> described by FILE (matched by its source UUID, or by\n"
    "its alias for a managed mdev without one) from the domain NAME: from its\n"
    "persistent definition with --config (the default); from the running domain\n"
    "with --live.  A live unplug asks QEMU to remove the device (device_del) and\n"
    "waits for the guest to eject it (DEVICE_DELETED); when the guest does not\n"
    "within the timeout, the command fails and the device stays attached (the\n"
    "guest may still eject it later: the live definition then drops it).\n"
    "\n"
    "Options:\n"
    "      --config           change the persistent definition (the default)\n"
    "      --live             change the running domain\n"
    "      --timeout N        wait up to N seconds for the guest (default 10)\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_detach },
  { "start", F_PAUSED, 1, "NAME [--paused]", "Start a domain",
    "Starts the defined domain NAME: QEMU runs under a per-domain monitor process\n"
    "that outlives this command, logs to var/log/vmdev/NAME.log and cleans up the\n"
    "runtime directory run/vmdev/d/NAME/ when QEMU exits.  Returns once QEMU runs\n"
    "(at most 30 s; on timeout what was started is killed).\n"
    "\n"
    "Options:\n"
    "      --paused           leave the guest paused (no 'cont')\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_start },
  { "destroy", 0, 1, "NAME", "Stop a domain at once",
    "Terminates the QEMU of the running domain NAME (SIGTERM, then SIGKILL after\n"
    "10 s) and returns when its monitor has cleaned up (bounded).\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_destroy },
  { "shutdown", F_TIMEOUT, 1, "NAME [--timeout N]", "Ask a domain to shut down",
    "Sends an ACPI power-down request (QMP system_powerdown) to the running domain\n"
    "NAME and returns.  With --timeout N, waits up to N seconds for the guest to\n"
    "power off, then destroys the domain.\n"
    "\n"
    "Options:\n"
    "      --timeout N        destroy the domain if it still runs after N seconds\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_shutdown },
  { "suspend", 0, 1, "NAME", "Pause a domain",
    "Pauses the virtual CPUs of the running domain NAME (QMP stop).\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_suspend },
  { "resume", 0, 1, "NAME", "Resume a paused domain",
    "Resumes the virtual CPUs of the paused domain NAME (QMP cont).\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_resume },
  { "status", F_JSON, 1, "NAME [--json]", "Show the state of a domain",
    "Prints the state of the domain NAME: running, paused or shut off; with --json\n"
    "the runtime status: name, uuid, state, pid, pid_start_time, started, qmp, log,\n"
    "hostdevs.\n"
    "\n"
    "Options:\n"
    "      --json             print JSON\n"
    "  -h, --help             show this help\n",
    vmdev_cli_domain_status },
};

static const struct
{
  const char *name;
  Flag flag;
} flag_names[] = {
  { "all", F_ALL }, { "json", F_JSON }, { "inactive", F_INACTIVE }, { "config", F_CONFIG },
  { "live", F_LIVE }, { "paused", F_PAUSED }, { "timeout", F_TIMEOUT },
};

int
vmdev_cli_domain_fail (VmdevDomainArgs *args, const char *what, const GError *error)
{
  g_autoptr(GError) e = g_error_copy (error);

  g_prefix_error (&e, "%s: ", what);
  return vmdev_cli_report (args->cli, e);
}

gboolean
vmdev_cli_domain_read_file (const char *path, char **out, gsize *out_len, GError **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_auto(VmdevFd) fd = open (path, O_RDONLY | O_CLOEXEC);
  char buf[65536];
  ssize_t n;

  if (fd < 0)
    return vmdev_error_from_errno (error, errno, "reading", path);
  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return vmdev_error_from_errno (error, errno, "reading", path);
      g_string_append_len (data, buf, n);
      if (data->len > 16 * 1024 * 1024)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                       "reading: %s: larger than 16 MiB", path);
          return FALSE;
        }
    }
  *out_len = data->len;
  *out = g_string_free (g_steal_pointer (&data), FALSE);
  return TRUE;
}

VmdevDomain *
vmdev_cli_domain_load (VmdevRoot *root, const char *name, GError **error)
{
  g_autofree char *xml = NULL;
  gsize len;
  VmdevDomain *def;

  if (!vmdev_domain_def_read (root, name, &xml, &len, error))
    return NULL;
  def = vmdev_domain_parse (xml, len, 0, error);
  if (def == NULL)
    {
      g_autofree char *path = vmdev_root_display (root, VMDEV_DOMAIN_DEF_DIR);
      g_prefix_error (error, "%s/%s.xml: ", path, name);
    }
  return def;
}

static int
print_group_help (VmdevCli *cli)
{
  printf ("Usage: vmdev domain COMMAND [ARGS] [OPTIONS]\n\n"
          "Domains (virtual machines) defined in libvirt's domain XML.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    printf ("  %-19s %s\n", commands[i].name, commands[i].summary);
  printf ("\n'vmdev domain COMMAND --help' describes a command.\n");
  return vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
}

static int
print_command_help (VmdevCli *cli, const Command *cmd)
{
  printf ("Usage: vmdev domain %s %s\n\n%s.\n\n%s", cmd->name, cmd->synopsis, cmd->summary,
          cmd->help);
  return vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Options may come before or after the positional arguments. */
static int
parse_args (VmdevDomainArgs *args, const Command *cmd, int argc, char **argv)
{
  guint npos = 0, seen = 0;
  gboolean only_pos = FALSE;

  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      return print_command_help (args->cli, cmd);
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (!only_pos && strcmp (a, "--") == 0)
        {
          only_pos = TRUE;
          continue;
        }
      if (!only_pos && a[0] == '-' && a[1] != '\0')
        {
          Flag f = 0;

          for (guint k = 0; a[1] == '-' && k < G_N_ELEMENTS (flag_names); k++)
            if ((cmd->flags & flag_names[k].flag) && strcmp (a + 2, flag_names[k].name) == 0)
              f = flag_names[k].flag;
          if (f == 0)
            return vmdev_cli_usage_error (args->cli, args->command, "unknown option '%s'", a);
          if (seen & f)
            return vmdev_cli_usage_error (args->cli, args->command,
                                          "option '%s' is given more than once", a);
          seen |= f;
          if (f == F_TIMEOUT)
            {
              const char *v = i + 1 < argc ? argv[++i] : NULL;
              guint64 n;

              if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, 86400, &n, NULL))
                return vmdev_cli_usage_error (args->cli, args->command,
                                              "option '--timeout' needs a number of seconds "
                                              "(0 to 86400)");
              args->timeout = (int) n;
            }
          continue;
        }
      if (npos >= cmd->npos)
        return vmdev_cli_usage_error (args->cli, args->command, "unexpected argument '%s'", a);
      if (*a == '\0')
        return vmdev_cli_usage_error (args->cli, args->command, "empty argument");
      args->pos[npos++] = a;
    }
  if (npos < cmd->npos)
    {
      g_auto(GStrv) words = g_strsplit (cmd->synopsis, " ", -1);
      return vmdev_cli_usage_error (args->cli, args->command, "missing argument %s", words[npos]);
    }
  args->all = (seen & F_ALL) != 0;
  args->json = (seen & F_JSON) != 0;
  args->inactive = (seen & F_INACTIVE) != 0;
  args->config = (seen & F_CONFIG) != 0;
  args->live = (seen & F_LIVE) != 0;
  args->paused = (seen & F_PAUSED) != 0;
  if ((seen & F_TIMEOUT) == 0)
    args->timeout = -1;
  return -1;
}

int
vmdev_cli_domain (VmdevCli *cli, int argc, char **argv)
{
  const Command *cmd;
  g_autofree char *hint = NULL;
  VmdevDomainArgs args = { .cli = cli };
  int status;

  if (argc < 2)
    return vmdev_cli_usage_error (cli, "domain", "missing command");
  if (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0 ||
      (strcmp (argv[1], "help") == 0 && argc < 3))
    return print_group_help (cli);
  if (strcmp (argv[1], "help") == 0)
    {
      if ((cmd = find_command (argv[2])) == NULL)
        return vmdev_cli_usage_error (cli, "domain", "unknown command '%s'", argv[2]);
      return print_command_help (cli, cmd);
    }
  if ((cmd = find_command (argv[1])) == NULL)
    return vmdev_cli_usage_error (cli, "domain", "unknown command '%s'", argv[1]);
  hint = g_strdup_printf ("domain %s", cmd->name);
  args.command = hint;
  status = parse_args (&args, cmd, argc - 1, argv + 1);
  if (status >= 0)
    return status;
  return cmd->run (&args);
}

typedef struct
{
  char *name;
  char *uuid;
  char *state;
  gint64 pid;   /* 0: shut off */
} Row;

static void
row_free (gpointer p)
{
  Row *r = p;

  g_free (r->name);
  g_free (r->uuid);
  g_free (r->state);
  g_free (r);
}

/* Running domains show their QEMU pid as Id (virsh shows a counter). */
int
vmdev_cli_domain_list (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  g_autoptr(GError) error = NULL;
  guint wname = 4, wid = 2;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  vmdev_domain_reconcile (root);
  if (!vmdev_domain_def_list (root, &names, &error))
    return vmdev_cli_domain_fail (args, "listing domains", error);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(VmdevDomain) def = NULL;
      g_autoptr(VmdevDomainStatus) st = vmdev_domain_get_status (root, name, TRUE, &error);
      Row *r;

      if (st == NULL && error != NULL)
        {
          g_prefix_error (&error, "reading the status of domain '%s': ", name);
          vmdev_cli_warn (args->cli, error);
          g_clear_error (&error);
        }
      if (st == NULL && !args->all)
        continue;
      def = vmdev_cli_domain_load (root, name, &error);
      if (def == NULL)
        {
          g_prefix_error (&error, "reading domain '%s': ", name);
          vmdev_cli_warn (args->cli, error);
          g_clear_error (&error);
          continue;
        }
      r = g_new0 (Row, 1);
      r->name = g_strdup (name);
      r->uuid = g_strdup (def->uuid);
      r->state = g_strdup (st != NULL ? st->state : "shut off");
      r->pid = st != NULL ? st->pid : 0;
      g_ptr_array_add (rows, r);
      wname = MAX (wname, (guint) g_utf8_strlen (name, -1));
      if (r->pid > 0)
        {
          g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->pid);

          wid = MAX (wid, strlen (id));
        }
    }
  if (args->json)
    {
      VmdevJsonWriter *w = vmdev_json_writer_new (FALSE);
      g_autofree char *text = NULL;

      vmdev_json_writer_begin_array (w);
      for (guint i = 0; i < rows->len; i++)
        {
          Row *r = g_ptr_array_index (rows, i);

          vmdev_json_writer_begin_object (w);
          vmdev_json_writer_key (w, "name");
          vmdev_json_writer_string (w, r->name);
          vmdev_json_writer_key (w, "uuid");
          vmdev_json_writer_string (w, r->uuid);
          vmdev_json_writer_key (w, "state");
          vmdev_json_writer_string (w, r->state);
          vmdev_json_writer_key (w, "pid");
          if (r->pid > 0)
            vmdev_json_writer_uint (w, (guint64) r->pid);
          else
            vmdev_json_writer_raw (w, "null");
          vmdev_json_writer_end_object (w);
        }
      vmdev_json_writer_end_array (w);
      text = vmdev_json_writer_finish (w, NULL);  /* frees w */
      printf ("%s\n", text);
    }
  else
    {
      guint wstate = 5;
      guint total;

      for (guint i = 0; i < rows->len; i++)
        wstate = MAX (wstate, strlen (((Row *) g_ptr_array_index (rows, i))->state));
      total = 1 + wid + 3 + wname + 3 + wstate + 2;
      printf (" %-*s   %s%*s   %s\n", (int) wid, "Id", "Name", (int) (wname - 4), "", "State");
      for (guint i = 0; i < total; i++)
        putchar ('-');
      putchar ('\n');
      for (guint i = 0; i < rows->len; i++)
        {
          Row *r = g_ptr_array_index (rows, i);
          g_autofree char *id = r->pid > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, r->pid)
                                           : g_strdup ("-");

          printf (" %-*s   %s%*s   %s\n", (int) wid, id, r->name,
                  (int) (wname - g_utf8_strlen (r->name, -1)), "", r->state);
        }
      putchar ('\n');
    }
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_dumpxml (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  gsize len;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!args->inactive)
    {
      /* A running domain: its live definition (with what was hot-plugged). */
      g_autoptr(VmdevDomainStatus) st = vmdev_domain_get_status (root, args->pos[0], FALSE,
                                                                 &error);
      g_autoptr(VmdevDomain) live = NULL;

      if (error != NULL)
        return vmdev_cli_domain_fail (args, "dumping the XML of a domain", error);
      if (st != NULL && (live = vmdev_domain_live_read (root, args->pos[0], &error)) == NULL)
        return vmdev_cli_domain_fail (args, "dumping the XML of a domain", error);
      if (live != NULL)
        {
          xml = vmdev_domain_format (live);
          fputs (xml, stdout);
          return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
        }
    }
  if (!vmdev_domain_def_read (root, args->pos[0], &xml, &len, &error))
    return vmdev_cli_domain_fail (args, "dumping the XML of a domain", error);
  fwrite (xml, 1, len, stdout);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

VmdevDomain *
vmdev_cli_domain_read_definition (VmdevRoot *root, const char *path, gboolean schema,
                                  gboolean *out_had_uuid, GError **error)
{
  g_autofree char *xml = NULL;
  gsize len;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevMachineList) machines = NULL;

  if (!vmdev_cli_domain_read_file (path, &xml, &len, error))
    return NULL;
  def = vmdev_domain_parse (xml, len, schema ? VMDEV_DOMAIN_PARSE_SCHEMA : 0, error);
  if (def == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  if (out_had_uuid != NULL)
    *out_had_uuid = def->uuid[0] != '\0';
  machines = vmdev_machine_list_load (root, vmdev_domain_emulator (def), error);
  if (machines == NULL)
    return NULL;
  if (!vmdev_domain_post_parse (def, machines, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  return g_steal_pointer (&def);
}

int
vmdev_cli_domain_validate (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  def = vmdev_cli_domain_read_definition (root, args->pos[0], TRUE, NULL, &error);
  if (def == NULL)
    return vmdev_cli_domain_fail (args, "validating", error);
  printf ("%s validates\n", args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_to_argv (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *rel = NULL, *shown = NULL, *run_dir = NULL, *text = NULL;
  const char *what = args->pos[0];
  VmdevQemuArgvOptions opts;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (strchr (what, '/') == NULL)
    {
      def = vmdev_cli_domain_load (root, what, &error);
      if (def == NULL && !g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND) &&
          !g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT))
        return vmdev_cli_domain_fail (args, "building the QEMU command line", error);
      g_clear_error (&error);
    }
  if (def == NULL)
    /* As virsh domxml-to-native: vmdev's parser and rules, not the schema
     * (compiling it would be a third of the command's time). */
    def = vmdev_cli_domain_read_definition (root, what, FALSE, NULL, &error);
  if (def == NULL)
    return vmdev_cli_domain_fail (args, "building the QEMU command line", error);
  rel = g_strdup_printf ("%s/%s", VMDEV_QEMU_RUN_DIR, def->name);
  shown = vmdev_root_display (root, rel);
  run_dir = g_canonicalize_filename (shown, NULL);
  vmdev_qemu_argv_options_init (&opts);
  opts.run_dir = run_dir;
  argv = vmdev_qemu_build_argv (def, &opts, &error);
  if (argv == NULL)
    {
      g_prefix_error (&error, "domain '%s': ", def->name);
      return vmdev_cli_domain_fail (args, "building the QEMU command line", error);
    }
  text = vmdev_qemu_argv_to_text (argv);
  fputs (text, stdout);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_start (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  VmdevDomainMonitor *monitor;

  /* This process becomes the monitor: only the one the light binary forked
   * for the command may (vmdev-cli-domain-load.c). */
  if (args->cli->detach_fd < 0)
    {
      g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "the domain module was called without the process vmdev forks for "
                   "`domain start` (run it as `vmdev domain start`)");
      return vmdev_cli_domain_fail (args, "starting a domain", error);
    }
  root = vmdev_cli_open_root (args->cli);
  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  def = vmdev_cli_domain_load (root, args->pos[0], &error);
  if (def == NULL ||
      (monitor = vmdev_domain_start (root, def, args->paused, 0, &error)) == NULL)
    return vmdev_cli_domain_fail (args, "starting a domain", error);
  printf ("Domain '%s' started\n", args->pos[0]);
  vmdev_domain_monitor_run (monitor, args->cli->detach_fd,
                            vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK));
}

int
vmdev_cli_domain_destroy (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  vmdev_domain_reconcile (root);
  if (!vmdev_domain_destroy (root, args->pos[0], &error))
    return vmdev_cli_domain_fail (args, "destroying a domain", error);
  printf ("Domain '%s' destroyed\n", args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_settle (VmdevCli *cli, const char *name)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  /* Releases what the dead monitor held; a stale status is removed. */
  vmdev_domain_reconcile (root);
  st = vmdev_domain_get_status (root, name, FALSE, &error);
  if (st != NULL)
    g_set_error (&error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                 "domain '%s' was started again meanwhile", name);
  if (error != NULL)
    {
      g_prefix_error (&error, "destroying a domain: ");
      return vmdev_cli_report (cli, error);
    }
  return VMDEV_EXIT_OK;
}

int
vmdev_cli_domain_shutdown (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  const char *name = args->pos[0];

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_domain_qmp_simple (root, name, "system_powerdown", &error))
    return vmdev_cli_domain_fail (args, "shutting down a domain", error);
  printf ("Domain '%s' is being shutdown\n", name);
  fflush (stdout);
  if (args->timeout < 0)
    return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
  if (!vmdev_domain_wait_stopped (root, name, (guint) args->timeout * 1000))
    {
      if (!vmdev_domain_destroy (root, name, &error) &&
          !g_error_matches (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        return vmdev_cli_domain_fail (args, "destroying a domain", error);
      printf ("Domain '%s' did not shut down within %d s: destroyed\n", name, args->timeout);
    }
  else
    printf ("Domain '%s' shut off\n", name);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_suspend (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_domain_qmp_simple (root, args->pos[0], "stop", &error))
    return vmdev_cli_domain_fail (args, "suspending a domain", error);
  printf ("Domain '%s' suspended\n", args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

int
vmdev_cli_domain_resume (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  if (!vmdev_domain_qmp_simple (root, args->pos[0], "cont", &error))
    return vmdev_cli_domain_fail (args, "resuming a domain", error);
  printf ("Domain '%s' resumed\n", args->pos[0]);
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}

static void
write_bool (VmdevJsonWriter *w, gboolean value)
{
  vmdev_json_writer_raw (w, value ? "true" : "false");
}

int
vmdev_cli_domain_status (VmdevDomainArgs *args)
{
  g_autoptr(VmdevRoot) root = vmdev_cli_open_root (args->cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  const char *name = args->pos[0];

  if (root == NULL)
    return VMDEV_EXIT_FAILURE;
  def = vmdev_cli_domain_load (root, name, &error);
  if (def == NULL)
    return vmdev_cli_domain_fail (args, "reading the status of a domain", error);
  st = vmdev_domain_get_status (root, name, TRUE, &error);
  if (st == NULL && error != NULL)
    return vmdev_cli_domain_fail (args, "reading the status of a domain", error);
  if (args->json)
    {
      VmdevJsonWriter *w = vmdev_json_writer_new (TRUE);
      g_autofree char *text = NULL;

      vmdev_json_writer_begin_object (w);
      vmdev_json_writer_key (w, "name");
      vmdev_json_writer_string (w, name);
      vmdev_json_writer_key (w, "uuid");
      vmdev_json_writer_string (w, def->uuid);
      vmdev_json_writer_key (w, "state");
      vmdev_json_writer_string (w, st != NULL ? st->state : "shut off");
      vmdev_json_writer_key (w, "pid");
      if (st != NULL)
        vmdev_json_writer_uint (w, (guint64) st->pid);
      else
        vmdev_json_writer_raw (w, "null");
      vmdev_json_writer_key (w, "pid_start_time");
      if (st != NULL)
        vmdev_json_writer_uint (w, st->pid_start_time);
      else
        vmdev_json_writer_raw (w, "null");
      vmdev_json_writer_key (w, "started");
      if (st != NULL)
        vmdev_json_writer_string (w, st->started);
      else
        vmdev_json_writer_raw (w, "null");
      vmdev_json_writer_key (w, "qmp");
      if (st != NULL)
        vmdev_json_writer_string (w, st->qmp);
      else
        vmdev_json_writer_raw (w, "null");
      vmdev_json_writer_key (w, "log");
      if (st != NULL)
        vmdev_json_writer_string (w, st->log);
      else
        vmdev_json_writer_raw (w, "null");
      vmdev_json_writer_key (w, "hostdevs");
      vmdev_json_writer_begin_array (w);
      for (guint i = 0; st != NULL && i < st->hostdevs->len; i++)
        {
          const VmdevDomainStatusHostdev *h = g_ptr_array_index (st->hostdevs, i);

          vmdev_json_writer_begin_object (w);
          vmdev_json_writer_key (w, "uuid");
          vmdev_json_writer_string (w, h->uuid);
          vmdev_json_writer_key (w, "alias");
          vmdev_json_writer_string (w, h->alias);
          vmdev_json_writer_key (w, "managed");
          write_bool (w, h->managed);
          vmdev_json_writer_key (w, "created_by_vmdev");
          write_bool (w, h->created_by_vmdev);
          vmdev_json_writer_key (w, "iommu_group");
          if (h->iommu_group >= 0)
            vmdev_json_writer_uint (w, (guint64) h->iommu_group);
          else
            vmdev_json_writer_raw (w, "null");
          vmdev_json_writer_end_object (w);
        }
      vmdev_json_writer_end_array (w);
      vmdev_json_writer_end_object (w);
      text = vmdev_json_writer_finish (w, NULL);  /* frees w */
      printf ("%s\n", text);
    }
  else
    printf ("%s\n", st != NULL ? st->state : "shut off");
  return vmdev_cli_finish_output (args->cli, VMDEV_EXIT_OK);
}
