/* vmdev-cli-domain-load.c: `vmdev domain` in the light `vmdev` binary: it
 * loads the module that has the domain group (and libxml2, libselinux) built
 * in and runs the group in this process (see src/cli/meson.build for why it
 * is a module) — but `domain start` in a forked process, which stays on as
 * the domain's monitor. */
#include "cli/vmdev-cli.h"

#include "cli/vmdev-cli-config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static int
module_run (VmdevCli *cli, int argc, char **argv)
{
  VmdevCliGroupFunc group;

  group = (VmdevCliGroupFunc) vmdev_cli_domain_module_symbol (cli, VMDEV_DOMAIN_MODULE_ENTRY);
  return group != NULL ? group (cli, argc, argv) : VMDEV_EXIT_FAILURE;
}

/* `domain start`: the module runs in a child, which becomes the domain's
 * monitor once QEMU runs (vmdev_domain_monitor_run() sends the exit status on
 * the pipe and lets go of stdout and stderr); this process only waits for it.
 * Forking here, before libxml2 and ICU are loaded, is what makes the monitor
 * cheap: one fork of a small process instead of two of a large one. */
static int
module_run_start (VmdevCli *cli, int argc, char **argv)
{
  int pipefd[2], wstatus;
  guint8 status;
  ssize_t n;
  pid_t child;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      fprintf (stderr, "%s: starting a domain: cannot create a pipe: %s\n", cli->prog,
               g_strerror (errno));
      return VMDEV_EXIT_FAILURE;
    }
  /* Children are waited for here and in the monitor: not if the caller left
   * SIGCHLD ignored (inherited through exec, the kernel would reap them). */
  signal (SIGCHLD, SIG_DFL);
  fflush (stdout);
  fflush (stderr);
  child = fork ();
  if (child < 0)
    {
      fprintf (stderr, "%s: starting a domain: cannot fork: %s\n", cli->prog,
               g_strerror (errno));
      return VMDEV_EXIT_FAILURE;
    }
  if (child == 0)
    {
      close (pipefd[0]);
      cli->detach_fd = pipefd[1];
      exit (module_run (cli, argc, argv));
    }
  close (pipefd[1]);
  do
    n = read (pipefd[0], &status, 1);
  while (n < 0 && errno == EINTR);
  close (pipefd[0]);
  if (n == 1)
    return status;
  /* No monitor: the child has printed why and exits with the status. */
  while (waitpid (child, &wstatus, 0) < 0)
    if (errno != EINTR)
      {
        fprintf (stderr, "%s: starting a domain: waiting for process %d: %s\n", cli->prog,
                 (int) child, g_strerror (errno));
        return VMDEV_EXIT_FAILURE;
      }
  if (WIFEXITED (wstatus))
    return WEXITSTATUS (wstatus);
  fprintf (stderr, "%s: starting a domain: process %d was killed by signal %d (%s); run "
           "`vmdev domain status` to see what is left\n", cli->prog, (int) child,
           WTERMSIG (wstatus), strsignal (WTERMSIG (wstatus)));
  return VMDEV_EXIT_FAILURE;
}

int
vmdev_cli_domain_module_run (VmdevCli *cli, int argc, char **argv)
{
  int status;

  if (vmdev_cli_domain_destroy_light (cli, argc, argv, &status))
    return status;
  if (argc >= 2 && strcmp (argv[1], "start") == 0)
    return module_run_start (cli, argc, argv);
  return module_run (cli, argc, argv);
}
