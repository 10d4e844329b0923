/* vmdev-cli-common.c: what every command group prints through (the light
 * binary and the domain module each have a copy: see src/cli/meson.build). */
#include "cli/vmdev-cli.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

VmdevRoot *
vmdev_cli_open_root (VmdevCli *cli)
{
  g_autoptr(GError) error = NULL;
  VmdevRoot *root = vmdev_root_open (cli->root_dir, &error);

  if (root == NULL)
    vmdev_cli_report (cli, error);
  return root;
}

int
vmdev_cli_report (VmdevCli *cli, const GError *error)
{
  fflush (stdout);
  fprintf (stderr, "%s: %s\n", cli->prog, error->message);
  return VMDEV_EXIT_FAILURE;
}

void
vmdev_cli_warn (VmdevCli *cli, const GError *warning)
{
  fflush (stdout);
  fprintf (stderr, "%s: warning: %s\n", cli->prog, warning->message);
}

void
vmdev_cli_warn_all (VmdevCli *cli, GPtrArray *warnings)
{
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    vmdev_cli_warn (cli, g_ptr_array_index (warnings, i));
}

int
vmdev_cli_usage_error (VmdevCli *cli, const char *command, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fflush (stdout);
  fprintf (stderr, "%s: %s\n", cli->prog, msg);
  if (command != NULL)
    fprintf (stderr, "Try '%s %s --help'.\n", cli->prog, command);
  else
    fprintf (stderr, "Try '%s --help'.\n", cli->prog);
  return VMDEV_EXIT_USAGE;
}

int
vmdev_cli_finish_output (VmdevCli *cli, int status)
{
  if (fflush (stdout) == 0 && !ferror (stdout))
    return status;
  if (errno != EPIPE)
    fprintf (stderr, "%s: writing output: standard output: %s\n", cli->prog, g_strerror (errno));
  return VMDEV_EXIT_FAILURE;
}
