/* vmdev-cli-domain-load.c: `vmdev domain` in the light `vmdev` binary: it
 * loads the module that has the domain group (and libxml2, json-glib,
 * libselinux) built in and runs the group in this process (see
 * src/cli/meson.build for why it is a module). */
#include "cli/vmdev-cli.h"

#include "cli/vmdev-cli-config.h"

#include <dlfcn.h>

typedef int (*VmdevCliGroupFunc) (VmdevCli *cli, int argc, char **argv);

/* $VMDEV_DOMAIN_MODULE, else the module of the build tree when this binary
 * runs from there, else the installed one. */
static char *
module_path (void)
{
  const char *env = g_getenv ("VMDEV_DOMAIN_MODULE");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, VMDEV_CLI_BUILD_ROOT "/"))
    return g_strdup (VMDEV_DOMAIN_MODULE_BUILD);
  return g_strdup (VMDEV_DOMAIN_MODULE_INSTALLED);
}

gpointer
vmdev_cli_domain_module_symbol (VmdevCli *cli, const char *symbol)
{
  g_autofree char *path = module_path ();
  gpointer function;
  void *module;

  /* Lazy binding: only the functions this command calls are resolved.
   * The module stays loaded until exit. */
  module = dlopen (path, RTLD_LAZY | RTLD_LOCAL);
  if (module == NULL)
    {
      fflush (stdout);
      fprintf (stderr, "%s: loading the domain commands: %s (reinstall vmdev, or set "
               "VMDEV_DOMAIN_MODULE to the module's path)\n", cli->prog, dlerror ());
      return NULL;
    }
  function = dlsym (module, symbol);
  if (function == NULL)
    {
      fflush (stdout);
      fprintf (stderr, "%s: loading the domain commands: %s has no %s (a module of another "
               "vmdev version? reinstall vmdev)\n", cli->prog, path, symbol);
      return NULL;
    }
  return function;
}

int
vmdev_cli_domain_module_run (VmdevCli *cli, int argc, char **argv)
{
  VmdevCliGroupFunc group;
  int status;

  if (vmdev_cli_domain_destroy_light (cli, argc, argv, &status))
    return status;
  group = (VmdevCliGroupFunc) vmdev_cli_domain_module_symbol (cli, VMDEV_DOMAIN_MODULE_ENTRY);
  return group != NULL ? group (cli, argc, argv) : VMDEV_EXIT_FAILURE;
}
