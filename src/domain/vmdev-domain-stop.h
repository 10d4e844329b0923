/* vmdev-domain-stop.h: stopping a running domain's QEMU and waiting for its
 * monitor to clean up, every wait bounded and woken by pidfds.  Apart from
 * vmdev-domain-run.c so that the light `vmdev` can destroy a domain without
 * loading the domain module (src/cli/vmdev-cli-domain-destroy.c). */
#pragma once

#include <glib.h>

#include "domain/vmdev-domain-status.h"
#include "util/vmdev-root.h"

/* How long `destroy` waits after SIGTERM, then after SIGKILL, then for the monitor. */
#define VMDEV_DOMAIN_STOP_TIMEOUT_MS 10000

/* Waits until @pid exits (or runs with another start time than @start_time,
 * 0: any) or @timeout_ms passes; TRUE when it is gone. */
gboolean vmdev_domain_wait_pid_gone (gint64 pid, guint64 start_time, guint timeout_ms);
/* Waits until the runtime directory of @st is gone (the monitor removes it
 * last, then lets go of its flock on it, which this waits for); FALSE when
 * the monitor died first or @timeout_ms passed.  Uses SIGALRM meanwhile. */
gboolean vmdev_domain_wait_run_dir_gone (VmdevRoot *root, const VmdevDomainStatus *st,
                                         guint timeout_ms);
/* SIGTERM to the QEMU of @st, SIGKILL after VMDEV_DOMAIN_STOP_TIMEOUT_MS;
 * TRUE once it is gone, VMDEV_ERROR_TIMEOUT when it survives SIGKILL as long. */
gboolean vmdev_domain_kill (const VmdevDomainStatus *st, GError **error);
