/* vmdev-cli-mdev.h: what the files of the `vmdev mdev` command group share. */
#pragma once

#include <glib.h>

#include "cli/vmdev-cli.h"
#include "store/vmdev-mdev-def.h"
#include "util/vmdev-root.h"
#include "util/vmdev-uuid.h"

/* The options of every mdev command, parsed and checked (UUID normalized,
 * names checked); NULL / FALSE when not given. */
typedef struct
{
  VmdevCli *cli;
  const char *command;      /* "mdev list" (vmdev), "list" (mdevctl), NULL (lsmdev): for hints */
  const char *uuid;         /* canonical, points into uuid_buf */
  char uuid_buf[VMDEV_UUID_BUFSIZE];
  const char *parent;
  const char *type;
  const char *jsonfile;
  const char *addattr;
  const char *value;
  gboolean has_index;
  guint32 index;
  gboolean defined, verbose, dumpjson, auto_start, manual, delattr, force;
  const char *positional;   /* start-parent-mdevs PARENT */
} VmdevMdevArgs;

/* Each command: the options are parsed; returns the exit status. */
int vmdev_cli_mdev_list (VmdevMdevArgs *args);
int vmdev_cli_mdev_types (VmdevMdevArgs *args);
int vmdev_cli_mdev_define (VmdevMdevArgs *args);
int vmdev_cli_mdev_undefine (VmdevMdevArgs *args);
int vmdev_cli_mdev_modify (VmdevMdevArgs *args);
int vmdev_cli_mdev_start (VmdevMdevArgs *args);
int vmdev_cli_mdev_stop (VmdevMdevArgs *args);
int vmdev_cli_mdev_start_parent (VmdevMdevArgs *args);

/* Prints "<prog>: <message>" for @error and returns 1. */
int vmdev_cli_mdev_fail (VmdevMdevArgs *args, const GError *error);
/* Reports @error (prefixed "<what>: ") and returns 1. */
int vmdev_cli_mdev_failf (VmdevMdevArgs *args, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Reads the --jsonfile @path (a path of the caller, not under the root) into
 * @def's type, start and attrs. */
gboolean vmdev_cli_mdev_read_jsonfile (const char *path, VmdevMdevDefinition *def,
                                       GError **error);
