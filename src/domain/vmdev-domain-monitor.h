/* vmdev-domain-monitor.h: the per-domain monitor, the process that runs a
 * domain's QEMU (its child, with PR_SET_PDEATHSIG = SIGKILL), holds QEMU's
 * monitor QMP socket, reaps QEMU and, when it exits for any reason, releases
 * what start prepared and removes the runtime directory.
 *
 * The process that starts a domain becomes its monitor: `vmdev domain start`
 * forks it before it loads the domain module, so that the monitor costs no
 * fork of a process with libxml2 and ICU loaded, and no second fork to leave
 * the caller (see docs/lifecycle.md). */
#pragma once

#include <glib.h>

#include "hostprep/vmdev-cgroup.h"
#include "hostprep/vmdev-namespace.h"
#include "hostprep/vmdev-privileges.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-root.h"

typedef struct _VmdevDomainMonitor VmdevDomainMonitor;

/* The fds QEMU finds its listening QMP sockets at (fd=N in its argv). */
#define VMDEV_DOMAIN_QEMU_MONITOR_FD 3
#define VMDEV_DOMAIN_QEMU_COMMAND_FD 4

/* What vmdev_domain_monitor_launch() runs. */
typedef struct
{
  VmdevRoot *root;              /* borrowed: it must outlive the monitor */
  const char *name;
  const char *uuid;
  VmdevDir *dir;                /* the runtime directory: taken over */
  int log_fd;                   /* var/log/vmdev/<name>.log: taken over */
  int mon_sock, cmd_sock;       /* listening QMP sockets: taken over, QEMU's fds 3 and 4 */
  char **argv;
  gboolean paused;              /* no `cont` */
  GPtrArray *hostdevs;          /* VmdevDomainStatusHostdev*, for status.json */
  const char *mcs;              /* for status.json */
  const VmdevPrivileges *priv;  /* what QEMU runs with */
  VmdevCgroupHost *cgroups;     /* QEMU enters the domain's cgroups */
  VmdevNamespacePlan *dev_plan; /* QEMU's private /dev */
  guint timeout_ms;             /* for QEMU to answer on QMP */
} VmdevDomainLaunch;

/* Makes the calling process the monitor of a new session, holding an
 * exclusive flock on the runtime directory until it has removed it (what
 * vmdev_domain_wait_run_dir_gone() waits for), and launches QEMU
 * (paused, then `cont` unless @l->paused) under it; returns once QEMU answers
 * on QMP and status.json is written, within @l->timeout_ms.  On failure QEMU
 * is killed and reaped, the runtime directory removed, and the error carries
 * the last lines of the log.  The caller must be a process of its own (not a
 * process group leader); it then calls vmdev_domain_monitor_run(). */
VmdevDomainMonitor *vmdev_domain_monitor_launch (const VmdevDomainLaunch *l, GError **error);

/* The rest of the monitor's life, never returning: stdin becomes /dev/null,
 * stdout and stderr the log, every other fd is closed; then @status is
 * written as one byte on @detach_fd (unless -1) and it is closed — the
 * command that started the domain exits with it — and the monitor watches
 * QEMU until it exits, releases the domain's claims, removes the runtime
 * directory and exits. */
G_GNUC_NORETURN void vmdev_domain_monitor_run (VmdevDomainMonitor *m, int detach_fd, int status);
