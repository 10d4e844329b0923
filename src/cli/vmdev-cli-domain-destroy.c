/* vmdev-cli-domain-destroy.c: `vmdev domain destroy NAME` in the light binary.
 *
 * Destroying a domain whose QEMU and monitor both live needs no XML, claims
 * or labels here: SIGTERM to QEMU (SIGKILL after a bound), then the monitor
 * releases everything and removes the runtime directory, which this waits
 * for (pidfds).  Done here, it spares loading the domain module (libxml2,
 * ICU, libselinux: ~1 ms of each destroy, see docs/bench.md).  Anything else
 * (options, a malformed or stale status, a dead monitor) goes to the module
 * before anything is done; a monitor that dies during the stop leaves its
 * clean-up to the module's reconcile (vmdev_cli_domain_settle). */
#include "cli/vmdev-cli.h"

#include "domain/vmdev-domain-status.h"
#include "domain/vmdev-domain-stop.h"
#include "util/vmdev-name.h"

#include <string.h>

gboolean
vmdev_cli_domain_destroy_light (VmdevCli *cli, int argc, char **argv, int *out_status)
{
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevDomainStatus) after = NULL;
  g_autoptr(GError) error = NULL;
  int (*settle) (VmdevCli *cli, const char *name);
  const char *name;

  if (argc != 3 || strcmp (argv[1], "destroy") != 0 || argv[2][0] == '-')
    return FALSE;
  name = argv[2];
  if (!vmdev_name_check ("domain name", name, NULL) ||
      (root = vmdev_root_open (cli->root_dir, NULL)) == NULL ||
      (st = vmdev_domain_status_read (root, name, NULL)) == NULL ||
      !vmdev_domain_status_alive (st) || vmdev_proc_start_time (st->monitor_pid) == 0)
    return FALSE;
  g_debug ("domain '%s': destroying QEMU pid %" G_GINT64_FORMAT " (monitor %" G_GINT64_FORMAT
           ") without the domain module", name, st->pid, st->monitor_pid);
  if (!vmdev_domain_kill (st, &error))
    {
      g_prefix_error (&error, "destroying a domain: ");
      *out_status = vmdev_cli_report (cli, error);
      return TRUE;
    }
  if (vmdev_domain_wait_run_dir_gone (root, st, VMDEV_DOMAIN_STOP_TIMEOUT_MS))
    {
      after = vmdev_domain_status_read (root, name, NULL);
      if (after == NULL)
        {
          printf ("Domain '%s' destroyed\n", name);
          *out_status = vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
          return TRUE;
        }
    }
  /* The monitor died before its clean-up, or the domain runs again. */
  settle = (int (*) (VmdevCli *, const char *))
           vmdev_cli_domain_module_symbol (cli, VMDEV_DOMAIN_MODULE_SETTLE);
  if (settle == NULL)
    *out_status = VMDEV_EXIT_FAILURE;
  else if ((*out_status = settle (cli, name)) == VMDEV_EXIT_OK)
    {
      printf ("Domain '%s' destroyed\n", name);
      *out_status = vmdev_cli_finish_output (cli, VMDEV_EXIT_OK);
    }
  return TRUE;
}
