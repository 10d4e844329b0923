/* vmdev-cli-mdev.c: `vmdev mdev` (also `mdevctl`, `lsmdev`): dispatch and options.
 *
 * The commands and options are mdevctl 1.2's; see docs/vmdev-mdev.md. */
#include "cli/vmdev-cli-mdev.h"

#include "util/vmdev-error.h"
#include "util/vmdev-name.h"
#include "vmdev-config.h"

/* The mdevctl release whose commands, options and output vmdev mdev follows. */
#define MDEVCTL_COMPAT_VERSION "1.2.0"

#include <stdarg.h>
#include <string.h>

typedef enum
{
  OPT_UUID,
  OPT_PARENT,
  OPT_TYPE,
  OPT_JSONFILE,
  OPT_ADDATTR,
  OPT_VALUE,
  OPT_INDEX,
  OPT_DEFINED,
  OPT_VERBOSE,
  OPT_DUMPJSON,
  OPT_AUTO,
  OPT_MANUAL,
  OPT_DELATTR,
  OPT_FORCE,
  OPT_HELP,
  N_OPTS
} OptId;

#define O(id) (1u << (id))

typedef struct
{
  char short_name;          /* 0: none */
  const char *long_name;
  const char *alias;        /* another long name, or NULL */
  const char *metavar;      /* NULL: a flag */
} OptionSpec;

static const OptionSpec option_specs[N_OPTS] = {
  [OPT_UUID] = { 'u', "uuid", NULL, "UUID" },
  [OPT_PARENT] = { 'p', "parent", NULL, "PARENT" },
  [OPT_TYPE] = { 't', "type", NULL, "TYPE" },
  [OPT_JSONFILE] = { 0, "jsonfile", NULL, "FILE" },
  [OPT_ADDATTR] = { 0, "addattr", NULL, "NAME" },
  [OPT_VALUE] = { 0, "value", NULL, "VALUE" },
  [OPT_INDEX] = { 'i', "index", NULL, "INDEX" },
  [OPT_DEFINED] = { 'd', "defined", NULL, NULL },
  [OPT_VERBOSE] = { 'v', "verbose", NULL, NULL },
  [OPT_DUMPJSON] = { 0, "dumpjson", "json", NULL },
  [OPT_AUTO] = { 'a', "auto", NULL, NULL },
  [OPT_MANUAL] = { 'm', "manual", NULL, NULL },
  [OPT_DELATTR] = { 0, "delattr", NULL, NULL },
  [OPT_FORCE] = { 0, "force", NULL, NULL },
  [OPT_HELP] = { 'h', "help", NULL, NULL },
};

typedef struct
{
  const char *name;
  guint options;            /* O(OPT_...) accepted */
  const char *synopsis;     /* after "<prog> <command> " */
  const char *summary;
  const char *help;         /* the option list and details */
  int (*run) (VmdevMdevArgs *args);
} Command;

static const Command commands[] = {
  { "list", O(OPT_DEFINED) | O(OPT_UUID) | O(OPT_PARENT) | O(OPT_VERBOSE) | O(OPT_DUMPJSON),
    "[-d] [-u UUID] [-p PARENT] [-v] [--dumpjson]",
    "List mediated devices",
    "Without options, lists the running mdevs; with --defined, the persistent\n"
    "definitions, running or not.  A running device that is also defined is marked\n"
    "'(defined)', a definition that is running '(active)'.  With --uuid and a single\n"
    "result, --dumpjson prints only that device's configuration object.\n"
    "\n"
    "Options:\n"
    "  -d, --defined          list the defined devices\n"
    "  -u, --uuid UUID        only the device(s) with this UUID\n"
    "  -p, --parent PARENT    only the devices of this parent\n"
    "  -v, --verbose          show the attributes too\n"
    "      --dumpjson, --json print JSON\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_list },
  { "types", O(OPT_PARENT) | O(OPT_DUMPJSON),
    "[-p PARENT] [--dumpjson]",
    "List available mediated device types",
    "Lists each parent's mdev types with their free instances, device API, name and\n"
    "description.\n"
    "\n"
    "Options:\n"
    "  -p, --parent PARENT    only the types of this parent\n"
    "      --dumpjson, --json print JSON\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_types },
  { "define", O(OPT_UUID) | O(OPT_PARENT) | O(OPT_TYPE) | O(OPT_AUTO) | O(OPT_JSONFILE) | O(OPT_FORCE),
    "(-u UUID | -p PARENT) [-t TYPE] [-a] [--jsonfile FILE] [--force]",
    "Define a persistent mediated device",
    "Writes the definition etc/mdevctl.d/PARENT/UUID.  If the device UUID is running,\n"
    "PARENT and TYPE default to its own.  Without --uuid a UUID is generated and\n"
    "printed.  With --jsonfile, the type, start mode and attributes come from FILE.\n"
    "The parent and the type must exist (--force defines them anyway).  Running\n"
    "devices are not changed.\n"
    "\n"
    "Options:\n"
    "  -u, --uuid UUID        the device's UUID\n"
    "  -p, --parent PARENT    its parent device\n"
    "  -t, --type TYPE        its mdev type\n"
    "  -a, --auto             start it automatically when the parent appears\n"
    "      --jsonfile FILE    take the type, start mode and attributes from FILE\n"
    "      --force            do not check that the parent and type exist\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_define },
  { "undefine", O(OPT_UUID) | O(OPT_PARENT),
    "-u UUID [-p PARENT]",
    "Undefine a persistent mediated device",
    "Removes the definitions of UUID: on every parent, or only on PARENT.  A parent\n"
    "directory left empty is removed.  Running devices are not changed.\n"
    "\n"
    "Options:\n"
    "  -u, --uuid UUID        the device to undefine\n"
    "  -p, --parent PARENT    only its definition on this parent\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_undefine },
  { "modify", O(OPT_UUID) | O(OPT_PARENT) | O(OPT_TYPE) | O(OPT_ADDATTR) | O(OPT_VALUE) |
              O(OPT_DELATTR) | O(OPT_INDEX) | O(OPT_AUTO) | O(OPT_MANUAL),
    "-u UUID [-p PARENT] [-t TYPE] [--addattr NAME --value VALUE [-i INDEX]]\n"
    "       [--delattr [-i INDEX]] [-a | -m]",
    "Modify the definition of a mediated device",
    "Changes the definition of UUID (PARENT chooses one when UUID is defined on several\n"
    "parents; the parent itself cannot be changed).  Attributes are written to the\n"
    "device in order when it starts; --addattr and --delattr work at the end of the\n"
    "list unless --index says where.  Keys of the file that vmdev does not know are\n"
    "kept.  Running devices are not changed.\n"
    "\n"
    "Options:\n"
    "  -u, --uuid UUID        the device to modify\n"
    "  -p, --parent PARENT    its parent\n"
    "  -t, --type TYPE        the new mdev type\n"
    "      --addattr NAME     add the attribute NAME ...\n"
    "      --value VALUE      ... with this value\n"
    "      --delattr          remove an attribute\n"
    "  -i, --index INDEX      the position for --addattr or --delattr\n"
    "  -a, --auto             start automatically when the parent appears\n"
    "  -m, --manual           start only on request\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_modify },
  { "start", O(OPT_UUID) | O(OPT_PARENT) | O(OPT_TYPE) | O(OPT_JSONFILE),
    "(-u UUID | -p PARENT -t TYPE) [--jsonfile FILE]",
    "Start a mediated device",
    "Creates the device in sysfs.  A defined UUID is enough (with PARENT when it is\n"
    "defined on several parents).  With PARENT and TYPE (or --jsonfile) the device is\n"
    "fully given and no definition is used; without --uuid a UUID is generated and\n"
    "printed.  Attributes are written in order after creation; if one fails, the\n"
    "device is removed again.\n"
    "\n"
    "Options:\n"
    "  -u, --uuid UUID        the device to start\n"
    "  -p, --parent PARENT    its parent\n"
    "  -t, --type TYPE        its mdev type\n"
    "      --jsonfile FILE    take the type and attributes from FILE\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_start },
  { "stop", O(OPT_UUID),
    "-u UUID",
    "Stop a mediated device",
    "Removes the running device UUID from sysfs.  A device whose VFIO group is open\n"
    "(in use by a VM) is refused, never removed.\n"
    "\n"
    "Options:\n"
    "  -u, --uuid UUID        the device to stop\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_stop },
  { "start-parent-mdevs", 0,
    "PARENT",
    "Start the automatic devices of a parent",
    "Starts every definition of PARENT marked 'auto' (what udev runs when a parent\n"
    "appears).  A device that fails is reported and the others are still started.\n"
    "\n"
    "Options:\n"
    "  -h, --help             show this help\n",
    vmdev_cli_mdev_start_parent },
};

typedef enum
{
  MODE_VMDEV,
  MODE_MDEVCTL,
  MODE_LSMDEV,
} Mode;

static Mode
cli_mode (VmdevCli *cli)
{
  if (strcmp (cli->prog, "mdevctl") == 0)
    return MODE_MDEVCTL;
  if (strcmp (cli->prog, "lsmdev") == 0)
    return MODE_LSMDEV;
  return MODE_VMDEV;
}

/* "vmdev mdev", "mdevctl" or "lsmdev": what comes before the command. */
static const char *
invocation (VmdevCli *cli)
{
  switch (cli_mode (cli))
    {
    case MODE_MDEVCTL: return "mdevctl";
    case MODE_LSMDEV: return "lsmdev";
    default: return "vmdev mdev";
    }
}

static int
print_group_help (VmdevCli *cli)
{
  printf ("Usage: %s COMMAND [OPTIONS]\n\n"
          "Mediated devices and their persistent definitions, as mdevctl 1.2 manages them.\n\n"
          "Commands:\n", invocation (cli));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    printf ("  %-19s %s\n", commands[i].name, commands[i].summary);
  printf ("\n'%s COMMAND --help' describes a command.\n", invocation (cli));
  return vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
}

static int
print_command_help (VmdevCli *cli, const Command *cmd)
{
  if (cli_mode (cli) == MODE_LSMDEV)
    printf ("Usage: lsmdev %s\n\n%s.\n\n%s", cmd->synopsis, cmd->summary, cmd->help);
  else
    printf ("Usage: %s %s %s\n\n%s.\n\n%s", invocation (cli), cmd->name, cmd->synopsis,
            cmd->summary, cmd->help);
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

int
vmdev_cli_mdev_fail (VmdevMdevArgs *args, const GError *error)
{
  return vmdev_cli_report (args->cli, error);
}

int
vmdev_cli_mdev_failf (VmdevMdevArgs *args, const char *fmt, ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  error = g_error_new_literal (VMDEV_ERROR, VMDEV_ERROR_FAILED, msg);
  return vmdev_cli_report (args->cli, error);
}

static char *
option_display (OptId id)
{
  const OptionSpec *spec = &option_specs[id];

  return g_strdup_printf ("--%s", spec->long_name);
}

/* Stores one option; returns FALSE (usage error printed, *status set) on error. */
static gboolean
set_option (VmdevMdevArgs *args, OptId id, const char *value, guint *seen, int *status)
{
  const char **slot = NULL;

  if (*seen & O(id))
    {
      g_autofree char *name = option_display (id);
      *status = vmdev_cli_usage_error (args->cli, args->command,
                                       "option '%s' is given more than once", name);
      return FALSE;
    }
  *seen |= O(id);
  switch (id)
    {
    case OPT_UUID: slot = &args->uuid; break;
    case OPT_PARENT: slot = &args->parent; break;
    case OPT_TYPE: slot = &args->type; break;
    case OPT_JSONFILE: slot = &args->jsonfile; break;
    case OPT_ADDATTR: slot = &args->addattr; break;
    case OPT_VALUE: slot = &args->value; break;
    case OPT_INDEX:
      {
        guint64 v;
        g_autoptr(GError) error = NULL;

        if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &v, &error))
          {
            *status = vmdev_cli_usage_error (args->cli, args->command,
                                             "option '--index': '%s' is not an index (0, 1, ...)",
                                             value);
            return FALSE;
          }
        args->has_index = TRUE;
        args->index = (guint32) v;
        return TRUE;
      }
    case OPT_DEFINED: args->defined = TRUE; break;
    case OPT_VERBOSE: args->verbose = TRUE; break;
    case OPT_DUMPJSON: args->dumpjson = TRUE; break;
    case OPT_AUTO: args->auto_start = TRUE; break;
    case OPT_MANUAL: args->manual = TRUE; break;
    case OPT_DELATTR: args->delattr = TRUE; break;
    case OPT_FORCE: args->force = TRUE; break;
    case OPT_HELP: case N_OPTS: break;
    }
  if (slot != NULL)
    *slot = value;
  return TRUE;
}

static gboolean
check_name (VmdevMdevArgs *args, const char *option, const char *what, const char *value,
            int *status)
{
  g_autoptr(GError) error = NULL;

  if (value == NULL || vmdev_name_check (what, value, &error))
    return TRUE;
  *status = vmdev_cli_usage_error (args->cli, args->command, "option '%s': %s", option,
                                   error->message);
  return FALSE;
}

/* Parses @argv (argv[0] is the command name) into @args.  Returns -1 when
 * the command is to run, else the exit status (help printed, usage error). */
static int
parse_options (VmdevMdevArgs *args, const Command *cmd, int argc, char **argv)
{
  guint seen = 0;
  int status = VMDEV_EXIT_USAGE;
  gboolean only_positional = FALSE;

  /* Help wins over everything else, as with mdevctl. */
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0)
      return print_command_help (args->cli, cmd);

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      OptId id = N_OPTS;
      const char *value = NULL;

      if (only_positional || a[0] != '-' || a[1] == '\0')
        {
          if (cmd->run != vmdev_cli_mdev_start_parent || args->positional != NULL)
            return vmdev_cli_usage_error (args->cli, args->command,
                                          "unexpected argument '%s'", a);
          args->positional = a;
          continue;
        }
      if (strcmp (a, "--") == 0)
        {
          only_positional = TRUE;
          continue;
        }
      if (a[1] == '-')
        {
          const char *name = a + 2;
          const char *eq = strchr (name, '=');
          gsize len = eq ? (gsize) (eq - name) : strlen (name);

          for (guint o = 0; o < N_OPTS; o++)
            if ((cmd->options & O(o)) &&
                ((strlen (option_specs[o].long_name) == len &&
                  strncmp (option_specs[o].long_name, name, len) == 0) ||
                 (option_specs[o].alias != NULL && strlen (option_specs[o].alias) == len &&
                  strncmp (option_specs[o].alias, name, len) == 0)))
              id = o;
          if (id == N_OPTS)
            return vmdev_cli_usage_error (args->cli, args->command, "unknown option '--%.*s'",
                                          (int) len, name);
          if (option_specs[id].metavar == NULL && eq != NULL)
            return vmdev_cli_usage_error (args->cli, args->command,
                                          "option '--%s' takes no value",
                                          option_specs[id].long_name);
          if (option_specs[id].metavar != NULL)
            {
              if (eq != NULL)
                value = eq + 1;
              else if (i + 1 < argc)
                value = argv[++i];
              else
                return vmdev_cli_usage_error (args->cli, args->command,
                                              "option '--%s' needs a value (%s)",
                                              option_specs[id].long_name,
                                              option_specs[id].metavar);
            }
          if (!set_option (args, id, value, &seen, &status))
            return status;
          continue;
        }
      /* A group of short options: -dv, -uUUID, -u UUID. */
      for (const char *p = a + 1; *p; p++)
        {
          id = N_OPTS;
          for (guint o = 0; o < N_OPTS; o++)
            if ((cmd->options & O(o)) && option_specs[o].short_name == *p)
              id = o;
          if (id == N_OPTS)
            return vmdev_cli_usage_error (args->cli, args->command, "unknown option '-%c'", *p);
          value = NULL;
          if (option_specs[id].metavar != NULL)
            {
              if (p[1] != '\0')
                value = p + 1;
              else if (i + 1 < argc)
                value = argv[++i];
              else
                return vmdev_cli_usage_error (args->cli, args->command,
                                              "option '-%c' needs a value (%s)", *p,
                                              option_specs[id].metavar);
            }
          if (!set_option (args, id, value, &seen, &status))
            return status;
          if (value != NULL)
            break;
        }
    }

  /* Values. */
  if (args->uuid != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!vmdev_uuid_normalize (args->uuid, args->uuid_buf, &error))
        return vmdev_cli_usage_error (args->cli, args->command, "option '--uuid': %s",
                                      error->message);
      args->uuid = args->uuid_buf;
    }
  if (!check_name (args, "--parent", "parent", args->parent, &status) ||
      !check_name (args, "--type", "mdev type", args->type, &status) ||
      !check_name (args, "--addattr", "attribute", args->addattr, &status) ||
      !check_name (args, "PARENT", "parent", args->positional, &status))
    return status;
  if (args->jsonfile != NULL && *args->jsonfile == '\0')
    return vmdev_cli_usage_error (args->cli, args->command, "option '--jsonfile': empty path");

  /* Combinations, as mdevctl 1.2 checks them. */
#define NEED(cond, ...) \
  if (!(cond)) return vmdev_cli_usage_error (args->cli, args->command, __VA_ARGS__)
  if (cmd->run == vmdev_cli_mdev_define || cmd->run == vmdev_cli_mdev_start)
    NEED (args->uuid != NULL || args->parent != NULL, "give --uuid or --parent (or both)");
  if (cmd->run == vmdev_cli_mdev_undefine || cmd->run == vmdev_cli_mdev_modify ||
      cmd->run == vmdev_cli_mdev_stop)
    NEED (args->uuid != NULL, "option '--uuid' is required");
  if (cmd->run == vmdev_cli_mdev_start_parent)
    NEED (args->positional != NULL, "missing argument PARENT");
  if (args->jsonfile != NULL)
    {
      NEED (args->type == NULL, "options '--jsonfile' and '--type' cannot be used together");
      NEED (!args->auto_start, "options '--jsonfile' and '--auto' cannot be used together");
    }
  NEED (!(args->auto_start && args->manual), "options '--auto' and '--manual' cannot be used together");
  NEED (!(args->addattr != NULL && args->delattr),
        "options '--addattr' and '--delattr' cannot be used together");
  NEED (args->addattr == NULL || args->value != NULL, "option '--addattr' needs '--value'");
#undef NEED
  return -1;
}

static int
run_command (VmdevCli *cli, const Command *cmd, const char *hint, int argc, char **argv)
{
  VmdevMdevArgs args = { .cli = cli, .command = hint };
  int status = parse_options (&args, cmd, argc, argv);

  if (status >= 0)
    return status;
  return cmd->run (&args);
}

int
vmdev_cli_mdev (VmdevCli *cli, int argc, char **argv)
{
  const Command *cmd;
  g_autofree char *hint = NULL;
  Mode mode = cli_mode (cli);

  if (mode == MODE_LSMDEV)
    {
      if (argc > 1 && (strcmp (argv[1], "-V") == 0 || strcmp (argv[1], "--version") == 0))
        {
          printf ("lsmdev " MDEVCTL_COMPAT_VERSION " (vmdev %s)\n", VMDEV_VERSION);
          return vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
        }
      return run_command (cli, find_command ("list"), NULL, argc, argv);
    }

  if (argc < 2)
    return vmdev_cli_usage_error (cli, mode == MODE_VMDEV ? "mdev" : NULL, "missing command");
  if (strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "--help") == 0)
    return print_group_help (cli);
  if (strcmp (argv[1], "-V") == 0 || strcmp (argv[1], "--version") == 0)
    {
      /* mdevctl prints "mdevctl 1.2.0": the version whose behaviour this follows. */
      if (mode == MODE_VMDEV)
        printf ("vmdev %s (mdev commands of mdevctl " MDEVCTL_COMPAT_VERSION ")\n", VMDEV_VERSION);
      else
        printf ("%s " MDEVCTL_COMPAT_VERSION " (vmdev %s)\n", invocation (cli), VMDEV_VERSION);
      return vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
    }
  if (strcmp (argv[1], "help") == 0)
    {
      if (argc < 3)
        return print_group_help (cli);
      if ((cmd = find_command (argv[2])) == NULL)
        return vmdev_cli_usage_error (cli, mode == MODE_VMDEV ? "mdev" : NULL,
                                      "unknown command '%s'", argv[2]);
      return print_command_help (cli, cmd);
    }
  if ((cmd = find_command (argv[1])) == NULL)
    return vmdev_cli_usage_error (cli, mode == MODE_VMDEV ? "mdev" : NULL,
                                  "unknown command '%s'", argv[1]);
  hint = mode == MODE_VMDEV ? g_strdup_printf ("mdev %s", cmd->name) : g_strdup (cmd->name);
  return run_command (cli, cmd, hint, argc - 1, argv + 1);
}
