/* placeholder: replaced by the mdev command group */
#include "cli/vmdev-cli.h"
int
vmdev_cli_mdev (VmdevCli *cli, int argc, char **argv)
{
  return vmdev_cli_usage_error (cli, "mdev", "not implemented yet");
}
