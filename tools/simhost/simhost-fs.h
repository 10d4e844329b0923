/* simhost: the FUSE file system and its mount life cycle. */
#pragma once

#include "simhost-model.h"

G_BEGIN_DECLS

/* Mounts the host at ROOT/.simhost, links ROOT/sys and ROOT/dev to it and
 * serves until unmounted.  Without foreground, forks: the calling process
 * returns once the mount answers (0) or with a one-line error printed (1);
 * the child serves.  Returns the exit status for main. */
int sh_fs_mount (ShHost *host, const char *root, gboolean foreground);

/* Unmounts ROOT/.simhost, waits for its server to exit, removes the links
 * and the mount point.  Returns the exit status for main. */
int sh_fs_umount (const char *root);

G_END_DECLS
