/* vmdev-cli-domain.h: what the files of the `vmdev domain` command group share. */
#pragma once

#include <glib.h>

#include "cli/vmdev-cli.h"
#include "conf/vmdev-domain.h"
#include "util/vmdev-root.h"

typedef struct
{
  VmdevCli *cli;
  const char *command;     /* "domain define": for hints */
  const char *pos[2];      /* positional arguments */
  gboolean all, json, inactive, config, live, paused;
  int timeout;             /* --timeout N; -1 when not given */
} VmdevDomainArgs;

int vmdev_cli_domain_define (VmdevDomainArgs *args);
int vmdev_cli_domain_undefine (VmdevDomainArgs *args);
int vmdev_cli_domain_list (VmdevDomainArgs *args);
int vmdev_cli_domain_dumpxml (VmdevDomainArgs *args);
int vmdev_cli_domain_validate (VmdevDomainArgs *args);
int vmdev_cli_domain_to_argv (VmdevDomainArgs *args);
int vmdev_cli_domain_attach (VmdevDomainArgs *args);
int vmdev_cli_domain_detach (VmdevDomainArgs *args);
int vmdev_cli_domain_start (VmdevDomainArgs *args);
int vmdev_cli_domain_destroy (VmdevDomainArgs *args);
int vmdev_cli_domain_shutdown (VmdevDomainArgs *args);
int vmdev_cli_domain_suspend (VmdevDomainArgs *args);
int vmdev_cli_domain_resume (VmdevDomainArgs *args);
int vmdev_cli_domain_status (VmdevDomainArgs *args);

/* Reports "<what>: <error>" and returns 1. */
int vmdev_cli_domain_fail (VmdevDomainArgs *args, const char *what, const GError *error);
/* Reads a file named on the command line (not under the root). */
gboolean vmdev_cli_domain_read_file (const char *path, char **out, gsize *out_len,
                                     GError **error);
/* Reads the domain XML file @path: parse, the schema when @schema, defaults
 * and rules (what define does before storing).  *@out_had_uuid: whether the
 * file gave a UUID. */
VmdevDomain *vmdev_cli_domain_read_definition (VmdevRoot *root, const char *path,
                                               gboolean schema, gboolean *out_had_uuid,
                                               GError **error);
/* Loads and parses the stored definition of @name (no defaults: it is stored complete). */
VmdevDomain *vmdev_cli_domain_load (VmdevRoot *root, const char *name, GError **error);
