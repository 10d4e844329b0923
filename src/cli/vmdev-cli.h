/* vmdev-cli.h: what the command groups share.  src/cli is the only printer. */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "util/vmdev-root.h"

#define VMDEV_EXIT_OK 0
#define VMDEV_EXIT_FAILURE 1
#define VMDEV_EXIT_USAGE 2

typedef struct
{
  const char *prog;        /* "vmdev", or "mdevctl"/"lsmdev" when invoked as those */
  const char *root_dir;    /* --root, or NULL ($VMDEV_ROOT, else "/") */
  gboolean verbose;        /* -v before the group */
  int detach_fd;           /* `domain start` in the process the light binary forked for it:
                            * the pipe its exit status goes to when this process stays on
                            * as the domain's monitor; else -1 */
} VmdevCli;

/* Opens the root the user asked for; prints the error and returns NULL on failure. */
VmdevRoot *vmdev_cli_open_root (VmdevCli *cli);

/* Prints "vmdev: <message>" for @error on stderr and returns the exit status
 * for it (1).  Frees nothing. */
int vmdev_cli_report (VmdevCli *cli, const GError *error);
/* Prints "vmdev: warning: <message>" on stderr. */
void vmdev_cli_warn (VmdevCli *cli, const GError *warning);
/* Prints each GError* of @warnings as a warning. */
void vmdev_cli_warn_all (VmdevCli *cli, GPtrArray *warnings);
/* Prints "vmdev: <message>" and a hint to --help on stderr; returns 2. */
int vmdev_cli_usage_error (VmdevCli *cli, const char *command, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

/* Flushes stdout; a write error is reported once (a closed pipe silently).
 * Returns @status, or 1 if the output could not be written. */
int vmdev_cli_finish_output (VmdevCli *cli, int status);

/* Command groups: argv[0] is the group name. */
int vmdev_cli_mdev (VmdevCli *cli, int argc, char **argv);
int vmdev_cli_domain (VmdevCli *cli, int argc, char **argv);
/* `vmdev domain` in the light binary: loads the domain module and runs
 * vmdev_cli_domain() from it (but see vmdev_cli_domain_destroy_light()). */
int vmdev_cli_domain_module_run (VmdevCli *cli, int argc, char **argv);
#define VMDEV_DOMAIN_MODULE_ENTRY "vmdev_cli_domain"
/* The function @symbol of the domain module (one of the two it exports);
 * prints why and returns NULL when it cannot be had. */
gpointer vmdev_cli_domain_module_symbol (VmdevCli *cli, const char *symbol);
/* `vmdev domain destroy NAME` without the module when the domain runs under a
 * live monitor (the usual case): TRUE and *@out_status when it was handled,
 * FALSE when the module must do it (nothing done yet). */
gboolean vmdev_cli_domain_destroy_light (VmdevCli *cli, int argc, char **argv, int *out_status);
/* In the module: after the light destroy stopped QEMU but the monitor did not
 * clean up (it died): reconcile, then 0 when the domain is gone. */
int vmdev_cli_domain_settle (VmdevCli *cli, const char *name);
#define VMDEV_DOMAIN_MODULE_SETTLE "vmdev_cli_domain_settle"
