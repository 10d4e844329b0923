/* vmdev-domain-run.h: the lifecycle of a running domain.
 *
 * A running domain is a QEMU process under a small per-domain monitor process
 * (its parent; QEMU has PR_SET_PDEATHSIG = SIGKILL, so it dies with it; see
 * vmdev-domain-monitor.h).  The monitor reaps QEMU and, when it exits for any
 * reason, removes the runtime directory run/vmdev/d/<name>/ (QMP sockets
 * mon.sock and qmp.sock, and status.json).  A domain is alive while the pid recorded in status.json lives
 * with the recorded start time (/proc/<pid>/stat field 22); QMP is not
 * liveness.  See docs/lifecycle.md. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"
#include "domain/vmdev-domain-monitor.h"
#include "domain/vmdev-domain-status.h"
#include "domain/vmdev-domain-stop.h"
#include "util/vmdev-root.h"

/* How long `start` waits for QEMU to run and the status to be written. */
#define VMDEV_DOMAIN_START_TIMEOUT_MS 30000
/* The bound of a QMP command sent by vmdev (query-status, stop, cont, ...). */
#define VMDEV_DOMAIN_QMP_TIMEOUT_MS 5000

/* The status of @name: NULL (and no error) when it is not running.  A stale
 * status (its QEMU is gone) is cleaned up (the runtime directory removed).
 * With @query, the state is asked of QEMU (query-status, bounded); when QMP
 * does not answer, the recorded state stands. */
VmdevDomainStatus *vmdev_domain_get_status (VmdevRoot *root, const char *name,
                                            gboolean query, GError **error);

/* Starts @def with the calling process as the domain's monitor (see
 * vmdev-domain-monitor.h: it must be a process of its own, as the one
 * `vmdev domain start` forks): returns when QEMU runs (or is paused, with
 * @paused) and status.json exists, within @timeout_ms (0: the default); the
 * caller then runs vmdev_domain_monitor_run(), which never returns.  Refuses
 * a running domain (VMDEV_ERROR_EXISTS).  Errors of QEMU come with the last
 * lines of its log; after an error nothing of the start is left. */
VmdevDomainMonitor *vmdev_domain_start (VmdevRoot *root, const VmdevDomain *def,
                                        gboolean paused, guint timeout_ms, GError **error);

/* SIGTERM, then SIGKILL after a bound; returns when the monitor has cleaned
 * up (bounded).  VMDEV_ERROR_NOT_FOUND when the domain is not running. */
gboolean vmdev_domain_destroy (VmdevRoot *root, const char *name, GError **error);

/* Runs the QMP command @command (no arguments) on the running domain @name
 * over qmp.sock, bounded; "stop"/"cont" update the recorded state. */
gboolean vmdev_domain_qmp_simple (VmdevRoot *root, const char *name, const char *command,
                                  GError **error);

/* Waits up to @timeout_ms for the domain to stop running; FALSE on timeout. */
gboolean vmdev_domain_wait_stopped (VmdevRoot *root, const char *name, guint timeout_ms);
