/* vmdev-qmp.c: a synchronous QMP client; see vmdev-qmp.h.
 *
 * Framing: QEMU writes each message as one JSON object followed by "\r\n"
 * (several lines when the monitor has pretty=on).  The reader does not rely on
 * lines: a small scanner finds where each top-level object ends (braces and
 * brackets outside strings), so a message is handed to the JSON reader only
 * once it is complete, and a message growing beyond the cap is refused before
 * it is buffered whole.  Requests are written with the store's JSON writer. */
#include "qemu/vmdev-qmp.h"

#include "store/vmdev-json-writer.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct _VmdevQmp
{
  int fd;
  char *peer;
  guint timeout_ms;
  gsize max_message;
  guint version;
  gint64 next_id;

  GByteArray *in;     /* received, not yet consumed */
  gsize scan_pos;     /* scanner state over @in */
  gsize msg_start;
  guint depth;
  gboolean in_string;
  gboolean escape;

  GQueue events;      /* of VmdevQmpEvent* */
  char *broken;       /* why the connection is unusable, or NULL */
};

void
vmdev_qmp_event_free (VmdevQmpEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->name);
  vmdev_json_free (event->data);
  g_free (event);
}

VmdevQmp *
vmdev_qmp_new_from_fd (int fd, const char *peer)
{
  VmdevQmp *qmp = g_new0 (VmdevQmp, 1);
  int flags = fcntl (fd, F_GETFL);

  /* Nonblocking, so that a write to a peer that does not read cannot block. */
  if (flags >= 0 && (flags & O_NONBLOCK) == 0)
    (void) fcntl (fd, F_SETFL, flags | O_NONBLOCK);
  qmp->fd = fd;
  qmp->peer = g_strdup (peer);
  qmp->timeout_ms = VMDEV_QMP_DEFAULT_TIMEOUT_MS;
  qmp->max_message = VMDEV_QMP_MAX_MESSAGE;
  qmp->next_id = 1;
  qmp->in = g_byte_array_new ();
  g_queue_init (&qmp->events);
  return qmp;
}

void
vmdev_qmp_free (VmdevQmp *qmp)
{
  if (qmp == NULL)
    return;
  vmdev_fd_close (qmp->fd);
  g_free (qmp->peer);
  g_byte_array_unref (qmp->in);
  g_queue_clear_full (&qmp->events, (GDestroyNotify) vmdev_qmp_event_free);
  g_free (qmp->broken);
  g_free (qmp);
}

void
vmdev_qmp_set_timeout (VmdevQmp *qmp, guint timeout_ms)
{
  qmp->timeout_ms = timeout_ms != 0 ? timeout_ms : VMDEV_QMP_DEFAULT_TIMEOUT_MS;
}

void
vmdev_qmp_set_max_message (VmdevQmp *qmp, gsize max_bytes)
{
  qmp->max_message = max_bytes;
}

guint
vmdev_qmp_get_version (VmdevQmp *qmp)
{
  return qmp->version;
}

int
vmdev_qmp_get_fd (VmdevQmp *qmp)
{
  return qmp->fd;
}

/* ---- deadlines ---- */

static gint64
deadline_after (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

/* Milliseconds left until @deadline, rounded up; 0 when it has passed. */
static int
remaining_ms (gint64 deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();

  return left <= 0 ? 0 : (int) MIN ((left + 999) / 1000, G_MAXINT);
}

/* ---- errors that break the connection ---- */

static gboolean
fail_broken (VmdevQmp *qmp, GError **error, GError *why)
{
  if (qmp->broken == NULL)
    qmp->broken = g_strdup (why->message);
  g_propagate_error (error, why);
  return FALSE;
}

static gboolean
fail_protocol (VmdevQmp *qmp, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail_protocol (VmdevQmp *qmp, GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return fail_broken (qmp, error,
                      g_error_new (VMDEV_ERROR, VMDEV_ERROR_QMP, "%s: %s", qmp->peer, msg));
}

static gboolean
check_usable (VmdevQmp *qmp, GError **error)
{
  if (qmp->broken == NULL)
    return TRUE;
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP, "%s: connection unusable after: %s",
               qmp->peer, qmp->broken);
  return FALSE;
}

/* ---- reading ---- */

/* Looks for one complete top-level JSON object in the buffer.  Returns 1 and
 * the message (its bytes as received, NUL-terminated, and their number), 0
 * when more input is needed, -1 on error. */
static int
take_message (VmdevQmp *qmp, char **out_text, gsize *out_len, GError **error)
{
  const guint8 *data = qmp->in->data;

  for (; qmp->scan_pos < qmp->in->len; qmp->scan_pos++)
    {
      guint8 c = data[qmp->scan_pos];

      if (qmp->depth == 0)
        {
          if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
          if (c != '{')
            {
              fail_protocol (qmp, error, "malformed QMP message: expected '{', got byte 0x%02x",
                             c);
              return -1;
            }
          qmp->msg_start = qmp->scan_pos;
          qmp->depth = 1;
          continue;
        }
      if (qmp->scan_pos + 1 - qmp->msg_start > qmp->max_message)
        {
          fail_protocol (qmp, error, "QMP message larger than %" G_GSIZE_FORMAT " bytes",
                         qmp->max_message);
          return -1;
        }
      if (qmp->in_string)
        {
          if (qmp->escape)
            qmp->escape = FALSE;
          else if (c == '\\')
            qmp->escape = TRUE;
          else if (c == '"')
            qmp->in_string = FALSE;
        }
      else if (c == '"')
        qmp->in_string = TRUE;
      else if (c == '{' || c == '[')
        qmp->depth++;
      else if (c == '}' || c == ']')
        {
          if (--qmp->depth == 0)
            {
              gsize len = qmp->scan_pos + 1 - qmp->msg_start;
              char *text = g_malloc (len + 1);

              /* Not g_strndup(): a NUL byte inside must stay, to be refused
               * by the UTF-8 check instead of cutting the message short. */
              memcpy (text, data + qmp->msg_start, len);
              text[len] = '\0';
              *out_text = text;
              *out_len = len;
              g_byte_array_remove_range (qmp->in, 0, qmp->scan_pos + 1);
              qmp->scan_pos = 0;
              return 1;
            }
        }
    }
  if (qmp->depth == 0)
    {
      /* Only whitespace is left: drop it. */
      g_byte_array_set_size (qmp->in, 0);
      qmp->scan_pos = 0;
    }
  return 0;
}

/* Reads what is available, waiting until @deadline (-1: do not wait).
 * Returns 1 when bytes came, 0 when none came without waiting, -1 on error
 * (@what names the wait in a timeout message). */
static int
read_more (VmdevQmp *qmp, gint64 deadline, const char *what, GError **error)
{
  guint8 buf[65536];

  for (;;)
    {
      ssize_t n = read (qmp->fd, buf, sizeof buf);

      if (n > 0)
        {
          g_byte_array_append (qmp->in, buf, (guint) n);
          return 1;
        }
      if (n == 0 || (n < 0 && errno == ECONNRESET))
        {
          if (qmp->depth > 0)
            fail_protocol (qmp, error, "connection closed by QEMU in the middle of a message");
          else
            fail_protocol (qmp, error, "connection closed by QEMU");
          return -1;
        }
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
          GError *why = NULL;

          vmdev_error_from_errno (&why, errno, "reading from QMP socket", qmp->peer);
          fail_broken (qmp, error, why);
          return -1;
        }
      if (deadline < 0)
        return 0;

      struct pollfd pfd = { .fd = qmp->fd, .events = POLLIN };
      int timeout = remaining_ms (deadline);
      int r = timeout > 0 ? poll (&pfd, 1, timeout) : 0;

      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          vmdev_error_from_errno (error, errno, "waiting on QMP socket", qmp->peer);
          return -1;
        }
      if (r == 0)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT, "%s: %s", qmp->peer, what);
          return -1;
        }
    }
}

/* The message @text (@len bytes) as a JSON object; a protocol error when it
 * is not one. */
static VmdevJson *
parse_message (VmdevQmp *qmp, const char *text, gsize len, GError **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(VmdevJson) root = NULL;

  /* The reader takes valid UTF-8 only; QEMU writes nothing else. */
  if (!g_utf8_validate_len (text, len, NULL))
    {
      fail_protocol (qmp, error, "malformed QMP message: not valid UTF-8");
      return NULL;
    }
  if (!vmdev_json_parse (text, len, &root, &parse_error))
    {
      fail_protocol (qmp, error, "malformed QMP message: %s", parse_error->message);
      return NULL;
    }
  if (root == NULL || root->type != VMDEV_JSON_OBJECT)
    {
      fail_protocol (qmp, error, "malformed QMP message: not an object");
      return NULL;
    }
  return g_steal_pointer (&root);
}

/* The next message as a JSON object, waiting until @deadline (-1: only what
 * is already available; NULL without error when there is nothing). */
static VmdevJson *
next_message (VmdevQmp *qmp, gint64 deadline, const char *what, GError **error)
{
  for (;;)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      int r = take_message (qmp, &text, &len, error);

      if (r < 0)
        return NULL;
      if (r > 0)
        return parse_message (qmp, text, len, error);
      r = read_more (qmp, deadline, what, error);
      if (r <= 0)
        return NULL;
    }
}

/* Queues the event @msg (its "data" is taken out of it). */
static void
queue_event (VmdevQmp *qmp, VmdevJson *msg)
{
  VmdevQmpEvent *event = g_new0 (VmdevQmpEvent, 1);
  VmdevJson *ts = vmdev_json_get_object (msg, "timestamp");

  event->name = g_strdup (vmdev_json_get_string (msg, "event", ""));
  if (ts != NULL)
    event->timestamp_us = vmdev_json_get_int (ts, "seconds", 0) * G_USEC_PER_SEC +
                          vmdev_json_get_int (ts, "microseconds", 0);
  if (vmdev_json_get_object (msg, "data") != NULL)
    event->data = vmdev_json_object_take (msg, "data");
  else
    event->data = vmdev_json_object_new ();
  g_debug ("%s: event %s", qmp->peer, event->name);
  g_queue_push_tail (&qmp->events, event);
  while (g_queue_get_length (&qmp->events) > VMDEV_QMP_MAX_EVENTS)
    {
      VmdevQmpEvent *old = g_queue_pop_head (&qmp->events);

      g_debug ("%s: event queue full, dropping %s", qmp->peer, old->name);
      vmdev_qmp_event_free (old);
    }
}

static gboolean
is_event (const VmdevJson *msg)
{
  return vmdev_json_get_string (msg, "event", NULL) != NULL;
}

/* Parses the complete messages already buffered, without reading: events
 * go to the queue, stray replies are dropped.  Called before returning to
 * the caller so that a caller poll()ing the fd misses nothing that came in
 * the same read as a reply. */
static void
drain_buffered (VmdevQmp *qmp)
{
  if (qmp->broken != NULL)
    return;
  for (;;)
    {
      g_autofree char *text = NULL;
      g_autoptr(VmdevJson) msg = NULL;
      gsize len = 0;

      /* A broken stream is reported by the next call. */
      if (take_message (qmp, &text, &len, NULL) <= 0)
        return;
      if ((msg = parse_message (qmp, text, len, NULL)) == NULL)
        return;
      if (is_event (msg))
        queue_event (qmp, msg);
      else
        g_debug ("%s: dropping a stray reply", qmp->peer);
    }
}

/* ---- writing ---- */

static gboolean
write_all (VmdevQmp *qmp, const char *data, gsize len, gint64 deadline, const char *what,
           GError **error)
{
  while (len > 0)
    {
      ssize_t n = send (qmp->fd, data, len, MSG_NOSIGNAL);

      if (n > 0)
        {
          data += n;
          len -= (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        {
          GError *why = NULL;

          vmdev_error_from_errno (&why, errno, "writing to QMP socket", qmp->peer);
          return fail_broken (qmp, error, why);
        }

      struct pollfd pfd = { .fd = qmp->fd, .events = POLLOUT };
      int timeout = remaining_ms (deadline);
      int r = timeout > 0 ? poll (&pfd, 1, timeout) : 0;

      if (r < 0 && errno != EINTR)
        return vmdev_error_from_errno (error, errno, "waiting on QMP socket", qmp->peer);
      if (r == 0)
        {
          /* Part of a command may be out: the stream cannot be trusted any more. */
          return fail_broken (qmp, error,
                              g_error_new (VMDEV_ERROR, VMDEV_ERROR_TIMEOUT, "%s: %s",
                                           qmp->peer, what));
        }
    }
  return TRUE;
}

/* ---- commands ---- */

static VmdevJson *
execute_until (VmdevQmp *qmp, const char *command, const VmdevJson *arguments, gint64 deadline,
               guint timeout_ms, GError **error)
{
  g_autoptr(VmdevJsonWriter) w = NULL;
  g_autofree char *text = NULL;
  g_autofree char *what = NULL;
  gint64 id = qmp->next_id++;
  gsize len;

  if (!check_usable (qmp, error))
    return NULL;
  if (arguments != NULL && arguments->type != VMDEV_JSON_OBJECT)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "QMP command '%s': arguments are not a JSON object", command);
      return NULL;
    }
  /* Compact, on one line: {"execute":"cmd","arguments":{...},"id":N}. */
  w = vmdev_json_writer_new (FALSE);
  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_key (w, "execute");
  vmdev_json_writer_string (w, command);
  if (arguments != NULL)
    {
      vmdev_json_writer_key (w, "arguments");
      vmdev_json_writer_value (w, arguments);
    }
  vmdev_json_writer_key (w, "id");
  vmdev_json_writer_uint (w, (guint64) id);
  vmdev_json_writer_end_object (w);
  text = vmdev_json_writer_finish (g_steal_pointer (&w), &len);
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  text[len] = '\0';

  what = g_strdup_printf ("QMP command '%s': no reply within %u ms", command, timeout_ms);
  g_debug ("%s: -> %.*s", qmp->peer, (int) len - 1, text);
  if (!write_all (qmp, text, len, deadline, what, error))
    return NULL;

  for (;;)
    {
      g_autoptr(VmdevJson) msg = next_message (qmp, deadline, what, error);
      VmdevJson *id_node, *ret, *err;
      gint64 reply_id;

      if (msg == NULL)
        return NULL;
      if (is_event (msg))
        {
          queue_event (qmp, msg);
          continue;
        }
      id_node = vmdev_json_object_get (msg, "id");
      /* QEMU answers a command it could not parse without an id; with one
       * command in flight at a time, that answer is ours. */
      if (id_node != NULL && !(vmdev_json_to_int (id_node, &reply_id) && reply_id == id))
        {
          g_debug ("%s: dropping a reply to an earlier command", qmp->peer);
          continue;
        }
      if ((ret = vmdev_json_object_take (msg, "return")) != NULL)
        {
          drain_buffered (qmp);
          return ret;
        }
      if ((err = vmdev_json_get_object (msg, "error")) != NULL)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP, "QMP command '%s' failed: %s [%s]",
                       command, vmdev_json_get_string (err, "desc", "(no description)"),
                       vmdev_json_get_string (err, "class", "GenericError"));
          drain_buffered (qmp);
          return NULL;
        }
      fail_protocol (qmp, error, "QMP command '%s': reply has neither \"return\" nor \"error\"",
                     command);
      return NULL;
    }
}

VmdevJson *
vmdev_qmp_execute (VmdevQmp *qmp, const char *command, const VmdevJson *arguments,
                   GError **error)
{
  return execute_until (qmp, command, arguments, deadline_after (qmp->timeout_ms),
                        qmp->timeout_ms, error);
}

VmdevJson *
vmdev_qmp_execute_json (VmdevQmp *qmp, const char *command, const char *arguments_json,
                        GError **error)
{
  g_autoptr(VmdevJson) args = NULL;

  if (arguments_json != NULL)
    {
      g_autoptr(GError) parse_error = NULL;
      gsize len = strlen (arguments_json);

      if (!g_utf8_validate_len (arguments_json, len, NULL))
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                       "QMP command '%s': arguments are not a JSON object: not valid UTF-8",
                       command);
          return NULL;
        }
      if (!vmdev_json_parse (arguments_json, len, &args, &parse_error) ||
          args == NULL || args->type != VMDEV_JSON_OBJECT)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                       "QMP command '%s': arguments are not a JSON object: %s", command,
                       parse_error != NULL ? parse_error->message : arguments_json);
          return NULL;
        }
    }
  return vmdev_qmp_execute (qmp, command, args, error);
}

char *
vmdev_qmp_error_class (const GError *error)
{
  const char *msg, *end, *open;

  if (error == NULL || error->domain != VMDEV_ERROR || error->code != VMDEV_ERROR_QMP)
    return NULL;
  msg = error->message;
  end = msg + strlen (msg);
  if (end == msg || end[-1] != ']' || (open = g_strrstr (msg, " [")) == NULL)
    return NULL;
  return g_strndup (open + 2, (gsize) (end - 1 - (open + 2)));
}

static gboolean
handshake_until (VmdevQmp *qmp, gint64 deadline, guint timeout_ms, GError **error)
{
  g_autofree char *what = NULL;
  g_autoptr(VmdevJson) msg = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  VmdevJson *greeting, *qemu;

  if (!check_usable (qmp, error))
    return FALSE;
  what = g_strdup_printf ("no QMP greeting within %u ms (is another client connected?)",
                          timeout_ms);
  while ((msg = next_message (qmp, deadline, what, error)) != NULL && is_event (msg))
    {
      queue_event (qmp, msg);
      g_clear_pointer (&msg, vmdev_json_free);
    }
  if (msg == NULL)
    return FALSE;
  if ((greeting = vmdev_json_get_object (msg, "QMP")) == NULL)
    return fail_protocol (qmp, error, "expected the QMP greeting, got another message");
  /* vmdev_json_get_object() takes NULL: a greeting without a version
   * leaves the version 0. */
  qemu = vmdev_json_get_object (vmdev_json_get_object (greeting, "version"), "qemu");
  if (qemu != NULL)
    qmp->version = (guint) (vmdev_json_get_int (qemu, "major", 0) * 10000 +
                            vmdev_json_get_int (qemu, "minor", 0) * 100 +
                            vmdev_json_get_int (qemu, "micro", 0));
  ret = execute_until (qmp, "qmp_capabilities", NULL, deadline, timeout_ms, error);
  return ret != NULL;
}

gboolean
vmdev_qmp_handshake (VmdevQmp *qmp, GError **error)
{
  return handshake_until (qmp, deadline_after (qmp->timeout_ms), qmp->timeout_ms, error);
}

/* ---- events ---- */

static gboolean
event_matches (VmdevQmpEvent *event, const char *name, const char *key, const char *value)
{
  const char *member;

  if (g_strcmp0 (event->name, name) != 0)
    return FALSE;
  if (key == NULL)
    return TRUE;
  member = vmdev_json_get_string (event->data, key, NULL);
  return member != NULL && g_strcmp0 (member, value) == 0;
}

static VmdevQmpEvent *
take_queued (VmdevQmp *qmp, const char *name, const char *key, const char *value)
{
  for (GList *l = qmp->events.head; l != NULL; l = l->next)
    if (event_matches (l->data, name, key, value))
      {
        VmdevQmpEvent *event = l->data;

        g_queue_delete_link (&qmp->events, l);
        return event;
      }
  return NULL;
}

VmdevQmpEvent *
vmdev_qmp_wait_event (VmdevQmp *qmp, const char *name, const char *key, const char *value,
                      guint timeout_ms, GError **error)
{
  VmdevQmpEvent *event;
  g_autofree char *what = NULL;
  gint64 deadline;

  if ((event = take_queued (qmp, name, key, value)) != NULL)
    return event;
  if (!check_usable (qmp, error))
    return NULL;
  if (timeout_ms == 0)
    timeout_ms = qmp->timeout_ms;
  deadline = deadline_after (timeout_ms);
  if (key != NULL)
    what = g_strdup_printf ("no %s event with %s '%s' within %u ms", name, key, value, timeout_ms);
  else
    what = g_strdup_printf ("no %s event within %u ms", name, timeout_ms);
  for (;;)
    {
      g_autoptr(VmdevJson) msg = next_message (qmp, deadline, what, error);

      if (msg == NULL)
        return NULL;
      if (!is_event (msg))
        {
          g_debug ("%s: dropping a reply while waiting for an event", qmp->peer);
          continue;
        }
      queue_event (qmp, msg);
      if ((event = take_queued (qmp, name, key, value)) != NULL)
        {
          drain_buffered (qmp);
          return event;
        }
    }
}

gboolean
vmdev_qmp_poll_events (VmdevQmp *qmp, GError **error)
{
  if (!check_usable (qmp, error))
    return FALSE;
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(VmdevJson) msg = next_message (qmp, -1, "", &local);

      if (msg == NULL)
        {
          if (local == NULL)
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (is_event (msg))
        queue_event (qmp, msg);
      else
        g_debug ("%s: dropping a reply while polling for events", qmp->peer);
    }
}

VmdevQmpEvent *
vmdev_qmp_pop_event (VmdevQmp *qmp)
{
  return g_queue_pop_head (&qmp->events);
}

/* ---- connecting ---- */

VmdevQmp *
vmdev_qmp_connect_at (VmdevDir *dir, const char *name, guint timeout_ms, GError **error)
{
  g_autofree char *display = vmdev_dir_child_path (dir, name);
  g_autofree char *what = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_auto(VmdevFd) fd = -1;
  gint64 deadline;
  int n;

  if (timeout_ms == 0)
    timeout_ms = VMDEV_QMP_DEFAULT_TIMEOUT_MS;
  deadline = deadline_after (timeout_ms);
  /* sun_path holds 108 bytes; the directory may be deeper than that (a long
   * --root), so the socket is reached through the directory's fd. */
  n = snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir->fd, name);
  if (n < 0 || (gsize) n >= sizeof addr.sun_path)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "connecting to QMP socket: %s: socket name too long", display);
      return NULL;
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      vmdev_error_from_errno (error, errno, "creating a socket for", display);
      return NULL;
    }
  for (;;)
    {
      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
        break;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          /* The listener's backlog is full (a wedged QEMU): retry, bounded. */
          if (remaining_ms (deadline) == 0)
            {
              g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                           "connecting to QMP socket: %s: not accepted within %u ms",
                           display, timeout_ms);
              return NULL;
            }
          g_usleep (5000);
          continue;
        }
      if (errno == EINPROGRESS)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };
          int soerr = 0;
          socklen_t sl = sizeof soerr;
          int r;

          do
            r = poll (&pfd, 1, remaining_ms (deadline));
          while (r < 0 && errno == EINTR);
          if (r == 0)
            {
              g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                           "connecting to QMP socket: %s: not accepted within %u ms",
                           display, timeout_ms);
              return NULL;
            }
          if (r < 0 || getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
          if (soerr == 0)
            break;
          errno = soerr;
        }
      vmdev_error_from_errno (error, errno, "connecting to QMP socket", display);
      return NULL;
    }
  qmp = vmdev_qmp_new_from_fd (vmdev_fd_steal (&fd), display);
  qmp->timeout_ms = timeout_ms;
  if (!handshake_until (qmp, deadline, timeout_ms, error))
    return NULL;
  return g_steal_pointer (&qmp);
}
