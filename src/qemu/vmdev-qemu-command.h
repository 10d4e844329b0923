/* vmdev-qemu-command.h: domain definition -> QEMU command line.
 *
 * Pure: the result depends only on the definition (completed by
 * vmdev_domain_post_parse: machine expanded, implicit devices, guest
 * addresses) and on @opts; nothing is read from the host.  The model is
 * what libvirt 9.0 passes to QEMU 7.2 for the same definition (see
 * docs/qemu-argv.md for the differences): -device in JSON syntax, disks as
 * -blockdev pairs, and the mdev hostdevs exactly as DESIGN.md §6 shows.
 * Values are JSON or QemuOpts with ',,' so that no comma or quote in a name
 * or path can add an option. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"

/* The QMP sockets, in the domain's runtime directory run/vmdev/d/<name>/:
 * the one the per-domain monitor process holds, and the one for vmdev's
 * commands. */
#define VMDEV_QEMU_MONITOR_SOCKET "mon.sock"
#define VMDEV_QEMU_COMMAND_SOCKET "qmp.sock"
/* The runtime directory of domain @name, relative to the root. */
#define VMDEV_QEMU_RUN_DIR "run/vmdev/d"

typedef struct
{
  /* The domain's runtime directory as QEMU sees it (absolute), for the QMP
   * socket paths; used when the matching fd is < 0. */
  const char *run_dir;
  /* Listening sockets handed to QEMU (fd=N), or -1 for path=RUN_DIR/...  A
   * launcher passes fds: a path longer than sun_path (107 bytes) cannot be
   * bound by QEMU. */
  int monitor_fd;
  int command_fd;
  /* The UUID of each hostdev of the definition (same index), for managed
   * mdevs created without one; NULL, or NULL entries: the definition's. */
  const char *const *hostdev_uuids;
} VmdevQemuArgvOptions;

/* Initializes @opts: no run_dir, no fds, no UUIDs. */
void vmdev_qemu_argv_options_init (VmdevQemuArgvOptions *opts);

/* The command line: argv[0] is the emulator; NULL-terminated.  Errors:
 * VMDEV_ERROR_UNSUPPORTED for what cannot be expressed without the host
 * (cpu mode='host-model'; a managed mdev without a UUID and none in @opts). */
char **vmdev_qemu_build_argv (const VmdevDomain *def, const VmdevQemuArgvOptions *opts,
                              GError **error);

/* The QEMU id of hostdev @index of @def: its alias, else "hostdevN" (N
 * counting the hostdevs before it without an alias, as libvirt counts). */
char *vmdev_qemu_hostdev_id (const VmdevDomain *def, guint index);

/* The -device JSON of hostdev @index of @def (also what device_add takes):
 * @uuid overrides the definition's (NULL: the definition's), @id the id
 * (NULL: vmdev_qemu_hostdev_id(); a live domain whose earlier hostdevs were
 * unplugged passes the id QEMU knows the device by). */
char *vmdev_qemu_hostdev_props (const VmdevDomain *def, guint index, const char *uuid,
                                const char *id, GError **error);

/* Text for `vmdev domain to-argv`: one argument per line, '\' written as
 * "\\" and a newline as "\n". */
char *vmdev_qemu_argv_to_text (char *const *argv);
