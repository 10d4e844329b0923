/* vmdev-cli-domain-exec.c: `vmdev domain` in the light `vmdev` binary: it
 * executes the helper that has the domain group (and libxml2) built in, with
 * the same arguments (see src/cli/meson.build). */
#include "cli/vmdev-cli.h"

#include "cli/vmdev-cli-config.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static char *
helper_path (void)
{
  const char *env = g_getenv ("VMDEV_DOMAIN_HELPER");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, VMDEV_CLI_BUILD_ROOT "/"))
    return g_strdup (VMDEV_DOMAIN_HELPER_BUILD);
  return g_strdup (VMDEV_DOMAIN_HELPER_INSTALLED);
}

int
vmdev_cli_domain_exec (VmdevCli *cli, char **argv)
{
  g_autofree char *path = helper_path ();
  g_autoptr(GError) error = NULL;

  fflush (stdout);
  execv (path, argv);
  vmdev_error_from_errno (&error, errno, "running the domain commands", path);
  return vmdev_cli_report (cli, error);
}
