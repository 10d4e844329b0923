/* vmdev-hostprep-config.h: the [qemu] section of etc/vmdev/vmdev.conf.
 *
 *   [qemu]
 *   user=root            # user and group QEMU runs as (names or numbers)
 *   group=root
 *   security_driver=dac  # dac | selinux | none
 *   image_label=system_u:object_r:svirt_image_t:s0
 *   process_label=system_u:system_r:svirt_t:s0
 *   selinux_force=false  # true: SELinux labels even where SELinux is not enabled
 *
 * A missing file (or directory) gives the defaults shown above.  User and
 * group names are resolved with getpwnam_r/getgrnam_r on the host that runs
 * vmdev (its passwd/group databases), not from etc/passwd under --root: the
 * ids are what the kernel sees, and QEMU runs on this host.  Numbers are used
 * as given.  The labels are `user:role:type:sensitivity` without categories:
 * vmdev appends the domain's own MCS categories.  Other sections of the file
 * are left to their readers; an unknown key in [qemu] is an error. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "util/vmdev-root.h"

/* The configuration file, relative to the root. */
#define VMDEV_HOSTPREP_CONFIG_FILE "etc/vmdev/vmdev.conf"
/* Largest configuration file read. */
#define VMDEV_HOSTPREP_CONFIG_MAX_SIZE (64 * 1024)

#define VMDEV_HOSTPREP_DEFAULT_IMAGE_LABEL "system_u:object_r:svirt_image_t:s0"
#define VMDEV_HOSTPREP_DEFAULT_PROCESS_LABEL "system_u:system_r:svirt_t:s0"

typedef enum
{
  VMDEV_SECURITY_DRIVER_DAC,     /* owner and mode of the group nodes (the default) */
  VMDEV_SECURITY_DRIVER_SELINUX, /* DAC plus SELinux labels where enabled or forced */
  VMDEV_SECURITY_DRIVER_NONE,    /* no labels at all */
} VmdevSecurityDriver;

typedef struct
{
  uid_t uid;
  gid_t gid;
  char *user;           /* as written in the file ("root" by default), for messages */
  char *group;
  VmdevSecurityDriver security_driver;
  char *image_label;    /* without categories */
  char *process_label;  /* without categories */
  gboolean selinux_force;
} VmdevHostprepConfig;

/* The defaults: root/root (0:0), dac, the svirt labels, not forced. */
VmdevHostprepConfig *vmdev_hostprep_config_new_default (void);
void vmdev_hostprep_config_free (VmdevHostprepConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevHostprepConfig, vmdev_hostprep_config_free)

/* Parses the text of a vmdev.conf; @path names it in errors, which are one
 * VMDEV_ERROR_INVALID_CONFIG line: "<path>: [qemu] <key>: <what is wrong>
 * (<what is allowed>)". */
VmdevHostprepConfig *vmdev_hostprep_config_parse (const char *data, gsize len,
                                                  const char *path, GError **error);
/* Reads ROOT/etc/vmdev/vmdev.conf; a missing file gives the defaults. */
VmdevHostprepConfig *vmdev_hostprep_config_load (VmdevRoot *root, GError **error);

/* "dac", "selinux", "none". */
const char *vmdev_security_driver_to_string (VmdevSecurityDriver driver);

/* Checks that @label is `user:role:type:sensitivity` (four non-empty fields
 * of printable characters, no categories).  @what names it in the error. */
gboolean vmdev_hostprep_label_check (const char *what, const char *label, GError **error);
