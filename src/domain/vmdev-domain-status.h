/* vmdev-domain-status.h: what is recorded of a running domain in its runtime
 * directory run/vmdev/d/<name>/: status.json (pids, state, the QEMU ids of its
 * mdev hostdevs) and domain.xml (the live definition: the persistent one as
 * it was at start, with the devices hot-plugged since).  Every write is atomic
 * and made under the global lock.  See docs/lifecycle.md. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-root.h"

#define VMDEV_DOMAIN_STATUS_FILE "status.json"
#define VMDEV_DOMAIN_LIVE_FILE "domain.xml"
#define VMDEV_DOMAIN_STATUS_VERSION 1
#define VMDEV_DOMAIN_LOG_DIR "var/log/vmdev"

/* One mdev hostdev of a running domain. */
typedef struct
{
  char *uuid;
  char *alias;             /* the id QEMU knows the device by */
  gboolean managed;
  gboolean created_by_vmdev;
  int iommu_group;         /* -1: unknown */
  gboolean pending;        /* recorded before device_add, not yet confirmed */
} VmdevDomainStatusHostdev;

typedef struct
{
  char *name;
  char *uuid;
  char *state;           /* "running" | "paused" */
  gint64 pid;            /* QEMU */
  guint64 pid_start_time;
  gint64 monitor_pid;
  char *started;         /* ISO-8601 UTC */
  char *qmp;             /* display path of qmp.sock */
  char *log;             /* display path of the log */
  GPtrArray *hostdevs;   /* VmdevDomainStatusHostdev*, in the live definition's order */
  char *mcs;             /* SELinux MCS categories ("c12,c345"), or NULL */
} VmdevDomainStatus;

VmdevDomainStatus *vmdev_domain_status_new (void);
void vmdev_domain_status_free (VmdevDomainStatus *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevDomainStatus, vmdev_domain_status_free)

VmdevDomainStatusHostdev *vmdev_domain_status_hostdev_new (const char *uuid, const char *alias,
                                                           gboolean managed, int iommu_group);
void vmdev_domain_status_hostdev_free (VmdevDomainStatusHostdev *h);
/* The index of the hostdev with @uuid in @st, or -1. */
int vmdev_domain_status_find_hostdev (const VmdevDomainStatus *st, const char *uuid);

/* The IOMMU group of the running mdev @uuid, or -1 (not running, no group). */
int vmdev_domain_mdev_iommu_group (VmdevRoot *root, const char *uuid);

/* The start time (clock ticks since boot, /proc/<pid>/stat field 22) of @pid;
 * 0 when it does not exist (or is a zombie). */
guint64 vmdev_proc_start_time (gint64 pid);

/* run/vmdev/d/<name> and var/log/vmdev/<name>.log, relative to the root. */
char *vmdev_domain_run_rel (const char *name);
char *vmdev_domain_log_rel (const char *name);

/* Whether the QEMU of @st lives (its pid, with the recorded start time). */
gboolean vmdev_domain_status_alive (const VmdevDomainStatus *st);

/* The recorded status of @name without any check; NULL and no error when
 * there is none. */
VmdevDomainStatus *vmdev_domain_status_read (VmdevRoot *root, const char *name,
                                             GError **error);
gboolean vmdev_domain_status_write (VmdevDir *dir, const VmdevDomainStatus *st,
                                    GError **error);

/* Reads @file of the runtime directory of @name (*@out_path: its display
 * path); FALSE and no error when the directory or the file does not exist. */
gboolean vmdev_domain_run_file_read (VmdevRoot *root, const char *name, const char *file,
                                     char **out_path, char **out_data, gsize *out_len,
                                     GError **error);

/* Removes the runtime directory of @name (its files, then itself). */
void vmdev_domain_remove_run_dir (VmdevRoot *root, const char *name);

/* A line of a domain's log: "<UTC, ISO 8601 with microseconds> vmdev:
 * <message>\n" (no GDateTime: its formatting converts from the locale). */
char *vmdev_domain_log_line_new (const char *fmt, va_list ap) G_GNUC_PRINTF (1, 0);
/* Now in UTC, ISO 8601 to the second ("2026-11-26T03:43:45Z"). */
char *vmdev_domain_now_iso (void);

/* Appends a timestamped line to the domain's log (var/log/vmdev/<name>.log),
 * as the monitor writes its own; nothing when the log cannot be opened. */
void vmdev_domain_log_append (VmdevRoot *root, const char *name, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);
