/* vmdev-qmp.h: a synchronous QMP client (QEMU Machine Protocol).
 *
 * One VmdevQmp owns one connected stream socket to one QEMU monitor in control
 * mode.  Everything is synchronous and bounded: every call that waits for the
 * peer gives up after the client's timeout (vmdev_qmp_set_timeout(), default
 * VMDEV_QMP_DEFAULT_TIMEOUT_MS) or the timeout it is given, so that a dead or
 * wedged QEMU gives an error, never a hang.  No GMainLoop is needed.
 *
 * Errors:
 *   VMDEV_ERROR_QMP      QEMU answered with an error ("<desc> [<class>]", see
 *                        vmdev_qmp_error_class()), or broke the protocol
 *                        (malformed JSON, an oversized message, a reply
 *                        without "return", the connection closed mid-way).
 *   VMDEV_ERROR_TIMEOUT  a bounded wait ran out.
 *   G_IO_ERROR           the operating system failed (socket, connect, read).
 * After a protocol error, a closed connection or a failed read or write the
 * client is broken: every later call fails at once with VMDEV_ERROR_QMP.
 * After a timeout it stays usable: a late reply is recognized by its id and
 * dropped.
 *
 * Events that arrive while waiting for a reply are queued (at most
 * VMDEV_QMP_MAX_EVENTS; the oldest are dropped beyond) and handed out by
 * vmdev_qmp_wait_event() / vmdev_qmp_pop_event().  When a call returns, every
 * complete message received so far has been parsed (events queued), so a
 * caller that poll()s the fd should first empty the queue with
 * vmdev_qmp_pop_event(): an event that came in the same read as a reply is
 * queued, not waiting on the fd.
 *
 * Not thread-safe: one thread uses one client at a time. */
#pragma once

#include <glib.h>

#include "util/vmdev-dir.h"
#include "util/vmdev-json.h"

#define VMDEV_QMP_DEFAULT_TIMEOUT_MS 30000
/* The largest message accepted from the peer. */
#define VMDEV_QMP_MAX_MESSAGE (16 * 1024 * 1024)
#define VMDEV_QMP_MAX_EVENTS 1024

typedef struct _VmdevQmp VmdevQmp;

typedef struct
{
  char *name;      /* "DEVICE_DELETED" */
  VmdevJson *data; /* its "data" member; an empty object when it has none */
  gint64 timestamp_us; /* QEMU's "timestamp" in microseconds since the epoch; 0 if absent */
} VmdevQmpEvent;

void vmdev_qmp_event_free (VmdevQmpEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevQmpEvent, vmdev_qmp_event_free)

/* Connects to the unix socket @name in @dir, reads the greeting and negotiates
 * capabilities (vmdev_qmp_handshake()), all within @timeout_ms (also the
 * client's timeout afterwards; 0 = the default).  The socket is reached as
 * /proc/self/fd/<dir fd>/<name>, so the directory's own path may be of any
 * length: only that short path has to fit sun_path (108 bytes). */
VmdevQmp *vmdev_qmp_connect_at (VmdevDir *dir, const char *name, guint timeout_ms,
                                GError **error);

/* Wraps the connected stream socket @fd (taken over, closed by
 * vmdev_qmp_free() even on failure later), without any I/O.  @peer names it in
 * messages ("QMP socket run/vmdev/d/vm/qmp.sock"). */
VmdevQmp *vmdev_qmp_new_from_fd (int fd, const char *peer);
void vmdev_qmp_free (VmdevQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevQmp, vmdev_qmp_free)

/* 0 = VMDEV_QMP_DEFAULT_TIMEOUT_MS. */
void vmdev_qmp_set_timeout (VmdevQmp *qmp, guint timeout_ms);
/* For tests: the largest message accepted (default VMDEV_QMP_MAX_MESSAGE). */
void vmdev_qmp_set_max_message (VmdevQmp *qmp, gsize max_bytes);

/* Reads the greeting ({"QMP": {"version": ...}}) and runs qmp_capabilities. */
gboolean vmdev_qmp_handshake (VmdevQmp *qmp, GError **error);
/* QEMU's version from the greeting (0 before it): major * 10000 + minor * 100 + micro. */
guint vmdev_qmp_get_version (VmdevQmp *qmp);

/* Runs @command with @arguments (a JSON object, or NULL for none; borrowed)
 * and returns its "return" value (the caller's to free).  Each command
 * carries a new id; replies to earlier, timed-out commands are dropped. */
VmdevJson *vmdev_qmp_execute (VmdevQmp *qmp, const char *command, const VmdevJson *arguments,
                              GError **error);
/* The same with the arguments as JSON text (an object) or NULL. */
VmdevJson *vmdev_qmp_execute_json (VmdevQmp *qmp, const char *command,
                                   const char *arguments_json, GError **error);

/* The QMP error class ("DeviceNotFound", "GenericError", ...) of an error from
 * vmdev_qmp_execute(), or NULL when @error is not a QMP error reply. */
char *vmdev_qmp_error_class (const GError *error);

/* Waits up to @timeout_ms (0 = the client's timeout) for the event @name
 * whose data member @key is the string @value (@key NULL: any data), taking
 * the first match from the queue before reading more.  Non-matching events
 * stay queued.  Timing out is VMDEV_ERROR_TIMEOUT. */
VmdevQmpEvent *vmdev_qmp_wait_event (VmdevQmp *qmp, const char *name, const char *key,
                                     const char *value, guint timeout_ms, GError **error);
/* Reads whatever the peer has sent without waiting (events go to the queue).
 * FALSE on EOF or a protocol error. */
gboolean vmdev_qmp_poll_events (VmdevQmp *qmp, GError **error);
/* The oldest queued event, or NULL; no I/O. */
VmdevQmpEvent *vmdev_qmp_pop_event (VmdevQmp *qmp);

/* The socket, for poll() by callers that wait for other things too (POLLIN:
 * call vmdev_qmp_poll_events()).  Still owned by @qmp. */
int vmdev_qmp_get_fd (VmdevQmp *qmp);
