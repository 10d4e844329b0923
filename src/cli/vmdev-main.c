/* vmdev-main.c: global options and dispatch to the command groups. */
#include "cli/vmdev-cli.h"

#include "util/vmdev-error.h"
#include "vmdev-config.h"

#include <signal.h>
#include <string.h>

static const char main_usage[] =
  "Usage: vmdev [--root DIR] [-v] GROUP COMMAND [ARGS...]\n"
  "\n"
  "Mediated devices (mdevs) for virtual machines.\n"
  "\n"
  "Groups:\n"
  "  mdev     mediated devices and their persistent definitions (mdevctl-compatible)\n"
  "  domain   virtual machines defined in libvirt's domain XML\n"
  "\n"
  "Global options (before the group):\n"
  "  --root DIR     treat DIR as / for every host path (also: VMDEV_ROOT)\n"
  "  -v, --verbose  print debugging messages\n"
  "  -h, --help     show this help\n"
  "  --version      show the version\n"
  "\n"
  "'vmdev GROUP --help' lists the commands of a group.\n"
  "Invoked as 'mdevctl' or 'lsmdev', vmdev behaves as those tools.\n";

static void
log_to_stderr (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  VmdevCli *cli = data;

  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !cli->verbose)
    return;
  fprintf (stderr, "%s: %s: %s\n", cli->prog,
           (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) ? "debug" : "warning", message);
}

int
main (int argc, char **argv)
{
  g_autofree char *base = g_path_get_basename (argv[0]);
  VmdevCli cli = { .prog = "vmdev", .detach_fd = -1 };
  int i = 1;

  /* A closed stdout must end the command with an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  g_log_set_default_handler (log_to_stderr, &cli);

  if (strcmp (base, "mdevctl") == 0 || strcmp (base, "lsmdev") == 0)
    {
      /* As mdevctl/lsmdev the command line is mdevctl's own: no global
       * options, the root only from VMDEV_ROOT. */
      cli.prog = strcmp (base, "mdevctl") == 0 ? "mdevctl" : "lsmdev";
      return vmdev_cli_mdev (&cli, argc, argv);
    }

  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i];

      if (strcmp (a, "--root") == 0)
        {
          if (i + 1 >= argc)
            return vmdev_cli_usage_error (&cli, NULL, "option '--root' needs a directory");
          cli.root_dir = argv[++i];
        }
      else if (g_str_has_prefix (a, "--root="))
        cli.root_dir = a + strlen ("--root=");
      else if (strcmp (a, "-v") == 0 || strcmp (a, "--verbose") == 0)
        cli.verbose = TRUE;
      else if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        {
          fputs (main_usage, stdout);
          return vmdev_cli_finish_output (&cli, VMDEV_EXIT_OK);
        }
      else if (strcmp (a, "--version") == 0)
        {
          printf ("vmdev %s\n", VMDEV_VERSION);
          return vmdev_cli_finish_output (&cli, VMDEV_EXIT_OK);
        }
      else
        return vmdev_cli_usage_error (&cli, NULL, "unknown global option '%s'", a);
    }
  if (cli.root_dir != NULL && *cli.root_dir == '\0')
    return vmdev_cli_usage_error (&cli, NULL, "option '--root' needs a directory");
  if (i >= argc)
    return vmdev_cli_usage_error (&cli, NULL, "missing command group");

  if (strcmp (argv[i], "mdev") == 0)
    return vmdev_cli_mdev (&cli, argc - i, argv + i);
  if (strcmp (argv[i], "domain") == 0)
    return vmdev_cli_domain_module_run (&cli, argc - i, argv + i);
  return vmdev_cli_usage_error (&cli, NULL, "unknown command group '%s'", argv[i]);
}
