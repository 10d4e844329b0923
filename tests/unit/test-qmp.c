/* Unit tests of src/qemu/vmdev-qmp: the QMP client against a scripted fake
 * peer (a thread serving the other end of a socket), and against real QEMU.
 *
 * A script is a list of steps, one per string:
 *   "> JSON"     the peer reads one command and compares it with JSON
 *                (json_node_equal: members, values and the id);
 *   "< TEXT"     the peer sends TEXT and "\r\n";
 *   "<raw TEXT"  the peer sends TEXT as is;
 *   "big N"      the peer sends a message of N bytes that never ends;
 *   "sleep MS"   the peer waits;
 *   "close"      the peer closes its end.
 * The peer fails the test on a command that differs from the script, on a
 * command after the end of the script, and on script steps left unused. */
#include "test-tree.h"
#include "qemu/vmdev-qmp.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
#include "util/vmdev-root.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>  /* the fake peer's own comparison of commands */
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_WAIT_MS 5000

#define GREETING "< {\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, " \
                 "\"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}"
#define CAPS(id) "> {\"execute\": \"qmp_capabilities\", \"id\": " #id "}", \
                 "< {\"return\": {}, \"id\": " #id "}"

typedef struct
{
  int fd;             /* the peer's end */
  int listen_fd;      /* or a listening socket to accept it from */
  const char *const *script;
  guint pos;
  GString *failures;
  GThread *thread;
} FakePeer;

static void
peer_fail (FakePeer *peer, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
peer_fail (FakePeer *peer, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  g_string_append_vprintf (peer->failures, fmt, ap);
  va_end (ap);
  g_string_append_c (peer->failures, '\n');
}

/* One line from the client (it writes one command per line); NULL on EOF or
 * after PEER_WAIT_MS. */
static char *
peer_read_line (FakePeer *peer, GString *buf)
{
  for (;;)
    {
      char *nl = memchr (buf->str, '\n', buf->len);
      char chunk[4096];
      struct pollfd pfd = { .fd = peer->fd, .events = POLLIN };
      ssize_t n;

      if (nl != NULL)
        {
          char *line = g_strndup (buf->str, (gsize) (nl - buf->str));

          g_string_erase (buf, 0, nl - buf->str + 1);
          return line;
        }
      if (poll (&pfd, 1, PEER_WAIT_MS) <= 0)
        return NULL;
      n = read (peer->fd, chunk, sizeof chunk);
      if (n <= 0)
        return NULL;
      g_string_append_len (buf, chunk, n);
    }
}

static gboolean
peer_send (FakePeer *peer, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = send (peer->fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gpointer
peer_run (gpointer user_data)
{
  FakePeer *peer = user_data;
  g_autoptr(GString) buf = g_string_new (NULL);
  g_autofree char *tail = NULL;

  if (peer->listen_fd >= 0)
    {
      struct pollfd pfd = { .fd = peer->listen_fd, .events = POLLIN };

      if (poll (&pfd, 1, PEER_WAIT_MS) <= 0 ||
          (peer->fd = accept4 (peer->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
        {
          peer_fail (peer, "no client connected");
          return NULL;
        }
    }
  for (; peer->script[peer->pos] != NULL; peer->pos++)
    {
      const char *step = peer->script[peer->pos];

      if (g_str_has_prefix (step, "> "))
        {
          g_autofree char *line = peer_read_line (peer, buf);
          g_autoptr(JsonNode) got = NULL;
          g_autoptr(JsonNode) want = json_from_string (step + 2, NULL);

          g_assert_nonnull (want);
          if (line == NULL)
            {
              peer_fail (peer, "script step %u unused: %s", peer->pos, step);
              return NULL;
            }
          got = json_from_string (line, NULL);
          if (got == NULL || !json_node_equal (got, want))
            {
              peer_fail (peer, "script step %u: unexpected command %s (expected %s)",
                         peer->pos, line, step + 2);
              return NULL;
            }
        }
      else if (g_str_has_prefix (step, "< "))
        {
          g_autofree char *msg = g_strconcat (step + 2, "\r\n", NULL);

          if (!peer_send (peer, msg, strlen (msg)))
            {
              peer_fail (peer, "script step %u unused (client gone): %s", peer->pos, step);
              return NULL;
            }
        }
      else if (g_str_has_prefix (step, "<raw "))
        {
          if (!peer_send (peer, step + 5, strlen (step + 5)))
            {
              peer_fail (peer, "script step %u unused (client gone): %s", peer->pos, step);
              return NULL;
            }
        }
      else if (g_str_has_prefix (step, "big "))
        {
          gsize n = g_ascii_strtoull (step + 4, NULL, 10);
          g_autofree char *msg = g_malloc (n);

          memset (msg, 'x', n);
          memcpy (msg, "{\"return\": \"", 12);
          /* The client stops reading once it has refused the message. */
          (void) peer_send (peer, msg, n);
        }
      else if (g_str_has_prefix (step, "sleep "))
        g_usleep (g_ascii_strtoull (step + 6, NULL, 10) * 1000);
      else if (strcmp (step, "close") == 0)
        {
          close (peer->fd);
          peer->fd = -1;
          peer->pos++;
          return NULL;
        }
      else
        g_error ("bad script step %s", step);
    }
  /* After the script: only the end of the connection may come. */
  tail = peer_read_line (peer, buf);
  if (tail != NULL)
    peer_fail (peer, "unexpected command after the end of the script: %s", tail);
  return NULL;
}

/* Starts a peer on a socketpair; returns the client's end. */
static int
peer_start (FakePeer *peer, const char *const *script)
{
  int sv[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  *peer = (FakePeer) { .fd = sv[1], .listen_fd = -1, .script = script,
                       .failures = g_string_new (NULL) };
  peer->thread = g_thread_new ("fake-qmp-peer", peer_run, peer);
  return sv[0];
}

/* Waits for the peer (the client must be gone) and returns its complaints. */
static char *
peer_finish (FakePeer *peer)
{
  g_thread_join (peer->thread);
  if (peer->fd >= 0)
    close (peer->fd);
  return g_string_free (peer->failures, FALSE);
}

/* The peer's verdict: no complaint and every step used. */
static void
peer_assert_done (FakePeer *peer)
{
  guint n = g_strv_length ((char **) peer->script);
  g_autofree char *failures = peer_finish (peer);

  g_assert_cmpstr (failures, ==, "");
  g_assert_cmpuint (peer->pos, ==, n);
}

static VmdevQmp *
client_new (FakePeer *peer, const char *const *script, guint timeout_ms)
{
  VmdevQmp *qmp = vmdev_qmp_new_from_fd (peer_start (peer, script), "fake QMP peer");

  vmdev_qmp_set_timeout (qmp, timeout_ms);
  return qmp;
}

static void
test_handshake (void)
{
  static const char *const script[] = { GREETING, CAPS (1), NULL };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_cmpuint (vmdev_qmp_get_version (qmp), ==, 0);
  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vmdev_qmp_get_version (qmp), ==, 70222);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_handshake_no_greeting (void)
{
  static const char *const script[] = { "sleep 400", NULL };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 100);
  gint64 start = g_get_monotonic_time ();

  g_assert_false (vmdev_qmp_handshake (qmp, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "no QMP greeting within 100 ms"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_handshake_not_greeting (void)
{
  static const char *const script[] = { "< {\"return\": {}}", NULL };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_false (vmdev_qmp_handshake (qmp, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  g_assert_nonnull (strstr (error->message, "expected the QMP greeting"));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_execute_ok (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": 2}",
    "> {\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", \"id\": \"hostdev0\", "
      "\"sysfsdev\": \"/sys/bus/mdev/devices/c2177883-f1bb-47f0-914d-32a22e3a8804\"}, \"id\": 3}",
    "< {\"return\": {}, \"id\": 3}",
    "> {\"execute\": \"cont\", \"id\": 4}",
    "< {\"return\": {}, \"id\": 4}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) status = NULL;
  g_autoptr(VmdevJson) added = NULL;
  g_autoptr(VmdevJson) cont = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  status = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->type, ==, VMDEV_JSON_OBJECT);
  g_assert_cmpstr (vmdev_json_get_string (status, "status", NULL), ==, "prelaunch");
  added = vmdev_qmp_execute_json (qmp, "device_add",
                                  "{\"driver\":\"vfio-pci\",\"id\":\"hostdev0\",\"sysfsdev\":"
                                  "\"/sys/bus/mdev/devices/c2177883-f1bb-47f0-914d-32a22e3a8804\"}",
                                  &error);
  g_assert_no_error (error);
  g_assert_nonnull (added);
  cont = vmdev_qmp_execute (qmp, "cont", NULL, &error);
  g_assert_no_error (error);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_execute_error (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    "> {\"execute\": \"device_del\", \"arguments\": {\"id\": \"hostdev9\"}, \"id\": 2}",
    "< {\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'hostdev9' not found\"}, \"id\": 2}",
    /* QEMU answers a command it cannot parse without an id. */
    "> {\"execute\": \"stop\", \"id\": 3}",
    "< {\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'x'\"}}",
    "> {\"execute\": \"stop\", \"id\": 4}",
    "< {\"return\": {}, \"id\": 4}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *cls = NULL;
  g_autofree char *cls2 = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_del", "{\"id\":\"hostdev9\"}", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  g_assert_cmpstr (error->message, ==,
                   "QMP command 'device_del' failed: Device 'hostdev9' not found [DeviceNotFound]");
  cls = vmdev_qmp_error_class (error);
  g_assert_cmpstr (cls, ==, "DeviceNotFound");
  g_prefix_error (&error, "detaching hostdev9: ");
  g_clear_pointer (&cls, g_free);
  cls = vmdev_qmp_error_class (error);
  g_assert_cmpstr (cls, ==, "DeviceNotFound");

  g_assert_null (vmdev_qmp_execute (qmp, "stop", NULL, &error2));
  g_assert_error (error2, VMDEV_ERROR, VMDEV_ERROR_QMP);
  cls2 = vmdev_qmp_error_class (error2);
  g_assert_cmpstr (cls2, ==, "GenericError");
  /* An error reply leaves the connection usable. */
  ret = vmdev_qmp_execute (qmp, "stop", NULL, NULL);
  g_assert_nonnull (ret);
  g_assert_null (vmdev_qmp_error_class (NULL));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

/* The reply is the one whose id is the integer sent: an id of another type
 * is not it, even with the same value. */
static void
test_execute_id_match (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"return\": {\"status\": \"float\"}, \"id\": 2.0}",
    "< {\"return\": {\"status\": \"string\"}, \"id\": \"2\"}",
    "< {\"return\": {\"status\": \"earlier\"}, \"id\": 1}",
    "< {\"return\": {\"status\": \"ours\"}, \"id\": 2}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmdev_json_get_string (ret, "status", NULL), ==, "ours");
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

/* The request as it goes out: compact, one line, members in this order. */
static void
test_execute_request_text (void)
{
  /* The peer expects another command: its complaint quotes the line sent. */
  static const char *const script[] = {
    GREETING, CAPS (1), "> {\"execute\": \"stop\", \"id\": 2}", NULL
  };
  FakePeer peer;
  g_autofree char *failures = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 300);

  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_add",
                                         "{ \"driver\" : \"vfio-pci\", \"id\": \"h\u00e9\\\"0\",\n"
                                         "  \"bus\": \"pci.0\", \"addr\": 1.50, \"x\": [true, null] }",
                                         NULL));
  vmdev_qmp_free (qmp);
  failures = peer_finish (&peer);
  g_assert_nonnull (strstr (failures, "unexpected command {\"execute\":\"device_add\",\"arguments\":"
                            "{\"driver\":\"vfio-pci\",\"id\":\"h\u00e9\\\"0\",\"bus\":\"pci.0\","
                            "\"addr\":1.50,\"x\":[true,null]},\"id\":2} "));
}

static void
test_bad_arguments (void)
{
  static const char *const script[] = { GREETING, CAPS (1), NULL };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) array = vmdev_json_array_new ();
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  vmdev_json_array_add (array, vmdev_json_int_new (1));
  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_add", "{\"driver\":", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (vmdev_qmp_execute (qmp, "device_add", array, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_add", "[1]", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_add", "{\"id\": \"\xff\"}", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not valid UTF-8"));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

#define EVENT(name, data) \
  "< {\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"" name "\", " \
  "\"data\": " data "}"

static void
test_events (void)
{
  static const char *const script[] = {
    GREETING,
    EVENT ("RESUME", "{}"),           /* before the capabilities reply even */
    CAPS (1),
    "> {\"execute\": \"device_del\", \"arguments\": {\"id\": \"hostdev0\"}, \"id\": 2}",
    EVENT ("DEVICE_DELETED", "{\"device\": \"hostdev1\", \"path\": \"/machine/peripheral/hostdev1\"}"),
    "< {\"return\": {}, \"id\": 2}",
    "sleep 50",
    EVENT ("DEVICE_DELETED", "{\"path\": \"/machine/peripheral/hostdev0/virtio-backend\"}"),
    EVENT ("DEVICE_DELETED", "{\"device\": \"hostdev0\", \"path\": \"/machine/peripheral/hostdev0\"}"),
    "< {\"event\": \"STOP\"}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(VmdevQmpEvent) ev = NULL;
  g_autoptr(VmdevQmpEvent) ev1 = NULL;
  g_autoptr(VmdevQmpEvent) ev2 = NULL;
  g_autoptr(VmdevQmpEvent) ev3 = NULL;
  g_autoptr(VmdevQmpEvent) resume = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  ret = vmdev_qmp_execute_json (qmp, "device_del", "{\"id\":\"hostdev0\"}", &error);
  g_assert_no_error (error);
  /* After the reply: the matching event is read; others stay queued. */
  ev = vmdev_qmp_wait_event (qmp, "DEVICE_DELETED", "device", "hostdev0", 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ev->name, ==, "DEVICE_DELETED");
  g_assert_cmpstr (vmdev_json_get_string (ev->data, "path", NULL), ==,
                   "/machine/peripheral/hostdev0");
  g_assert_cmpint (ev->timestamp_us, ==, G_GINT64_CONSTANT (1700000000000005));
  /* Before the reply: queued, handed out in order. */
  resume = vmdev_qmp_pop_event (qmp);
  g_assert_cmpstr (resume->name, ==, "RESUME");
  ev1 = vmdev_qmp_wait_event (qmp, "DEVICE_DELETED", "device", "hostdev1", 100, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ev1);
  ev2 = vmdev_qmp_pop_event (qmp);
  g_assert_cmpstr (ev2->name, ==, "DEVICE_DELETED");
  g_assert_null (vmdev_json_object_get (ev2->data, "device"));
  /* An event without data gets an empty object. */
  ev3 = vmdev_qmp_wait_event (qmp, "STOP", NULL, NULL, 2000, &error);
  g_assert_no_error (error);
  g_assert_null (vmdev_qmp_pop_event (qmp));
  g_assert_cmpint (ev3->data->type, ==, VMDEV_JSON_OBJECT);
  g_assert_cmpuint (ev3->data->items->len, ==, 0);
  g_assert_cmpint (ev3->timestamp_us, ==, 0);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_poll_events (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    EVENT ("POWERDOWN", "{}"),
    "sleep 300",
    "close",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmpEvent) ev = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);
  struct pollfd pfd = { .fd = vmdev_qmp_get_fd (qmp), .events = POLLIN };

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  /* The event may have come in the same read as the reply: queued then. */
  ev = vmdev_qmp_pop_event (qmp);
  if (ev == NULL)
    {
      g_assert_cmpint (poll (&pfd, 1, 2000), ==, 1);
      g_assert_true (vmdev_qmp_poll_events (qmp, &error));
      g_assert_no_error (error);
      ev = vmdev_qmp_pop_event (qmp);
    }
  g_assert_nonnull (ev);
  g_assert_cmpstr (ev->name, ==, "POWERDOWN");
  g_assert_cmpint (poll (&pfd, 1, 2000), ==, 1);
  g_assert_false (vmdev_qmp_poll_events (qmp, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  g_assert_nonnull (strstr (error->message, "connection closed by QEMU"));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_event_timeout (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    EVENT ("DEVICE_DELETED", "{\"device\": \"other\", \"path\": \"/machine/peripheral/other\"}"),
    "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 2}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(VmdevQmpEvent) other = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);
  gint64 start;

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  start = g_get_monotonic_time ();
  g_assert_null (vmdev_qmp_wait_event (qmp, "DEVICE_DELETED", "device", "hostdev0", 150, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message,
                            "no DEVICE_DELETED event with device 'hostdev0' within 150 ms"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  /* A timeout leaves the client usable and the other event queued. */
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, NULL);
  g_assert_nonnull (ret);
  other = vmdev_qmp_pop_event (qmp);
  g_assert_nonnull (other);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_command_timeout_late_reply (void)
{
  static const char *const script[] = {
    GREETING, CAPS (1),
    "> {\"execute\": \"query-status\", \"id\": 2}",
    "sleep 300",
    "< {\"return\": {\"status\": \"late\"}, \"id\": 2}",
    "> {\"execute\": \"query-status\", \"id\": 3}",
    "< {\"return\": {\"status\": \"paused\"}, \"id\": 3}",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  vmdev_qmp_set_timeout (qmp, 100);
  g_assert_null (vmdev_qmp_execute (qmp, "query-status", NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==,
                   "fake QMP peer: QMP command 'query-status': no reply within 100 ms");
  g_clear_error (&error);
  vmdev_qmp_set_timeout (qmp, 2000);
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmdev_json_get_string (ret, "status", NULL), ==, "paused");
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

/* After @script's reply to query-status (id 2) fails, the client is unusable. */
static void
check_broken_reply (const char *const *script, const char *expect, gsize max_message)
{
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  if (max_message != 0)
    vmdev_qmp_set_max_message (qmp, max_message);
  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  g_assert_null (vmdev_qmp_execute (qmp, "query-status", NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  if (strstr (error->message, expect) == NULL)
    g_error ("'%s' does not say '%s'", error->message, expect);
  g_assert_null (vmdev_qmp_execute (qmp, "query-status", NULL, &again));
  g_assert_error (again, VMDEV_ERROR, VMDEV_ERROR_QMP);
  g_assert_nonnull (strstr (again->message, "connection unusable after"));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_malformed_reply (void)
{
  static const char *const trailing_comma[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"return\": {}, \"id\": 2,}", NULL
  };
  static const char *const garbage[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "< hello", NULL
  };
  static const char *const not_object[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "< [1, 2]", NULL
  };
  static const char *const neither[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"id\": 2}", NULL
  };
  static const char *const bad_utf8[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "< {\"return\": \"\xc3\x28\", \"id\": 2}", NULL
  };

  check_broken_reply (trailing_comma, "malformed QMP message", 0);
  check_broken_reply (garbage, "malformed QMP message: expected '{', got byte 0x68", 0);
  check_broken_reply (not_object, "malformed QMP message: expected '{', got byte 0x5b", 0);
  check_broken_reply (neither, "reply has neither \"return\" nor \"error\"", 0);
  check_broken_reply (bad_utf8, "malformed QMP message: not valid UTF-8", 0);
}

static void
test_oversized_reply (void)
{
  static const char *const small_cap[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "big 5000", NULL
  };
  static const char *const default_cap[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "big 16778000", NULL
  };

  /* complete, in one piece, just above the cap */
  g_autofree char *pad = g_strnfill (4097 - strlen ("{\"return\": \"\", \"id\": 2}"), 'x');
  g_autofree char *complete = g_strdup_printf ("< {\"return\": \"%s\", \"id\": 2}", pad);
  const char *const complete_cap[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}", complete, NULL
  };

  g_autofree char *pad_exact = g_strnfill (4096 - strlen ("{\"return\": \"\", \"id\": 2}"), 'x');
  g_autofree char *exact = g_strdup_printf ("< {\"return\": \"%s\", \"id\": 2}", pad_exact);
  const char *const exact_cap[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}", exact, NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  VmdevQmp *qmp;

  check_broken_reply (small_cap, "QMP message larger than 4096 bytes", 4096);
  check_broken_reply (complete_cap, "QMP message larger than 4096 bytes", 4096);

  /* exactly at the cap: fine */
  qmp = client_new (&peer, exact_cap, 2000);
  vmdev_qmp_set_max_message (qmp, 4096);
  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ret->type, ==, VMDEV_JSON_STRING);
  g_assert_cmpuint (strlen (ret->text), ==, strlen (pad_exact));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
  check_broken_reply (default_cap, "QMP message larger than 16777216 bytes", 0);
}

static void
test_peer_closes (void)
{
  static const char *const mid_reply[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "<raw {\"return\": {\"status\": \"runn", "close", NULL
  };
  static const char *const before_reply[] = {
    GREETING, CAPS (1), "> {\"execute\": \"query-status\", \"id\": 2}",
    "close", NULL
  };
  static const char *const mid_greeting[] = { "<raw {\"QMP\": {", "close", NULL };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  VmdevQmp *qmp;

  check_broken_reply (mid_reply, "connection closed by QEMU in the middle of a message", 0);
  check_broken_reply (before_reply, "connection closed by QEMU", 0);

  qmp = client_new (&peer, mid_greeting, 2000);
  g_assert_false (vmdev_qmp_handshake (qmp, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  g_assert_nonnull (strstr (error->message, "in the middle of a message"));
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

static void
test_pretty_and_split (void)
{
  /* A monitor with pretty=on writes a message over several lines; a message
   * may also arrive in pieces, with several in one read. */
  static const char *const script[] = {
    GREETING, CAPS (1),
    "> {\"execute\": \"query-status\", \"id\": 2}",
    "<raw {\n    \"return\": {\n        \"status\": \"r}u{n\\\"ning\"",
    "sleep 30",
    "<raw \n    },\n    \"id\": 2\n}\r\n{\"event\": \"A\"}{\"event\"",
    "<raw : \"B\"}\r\n",
    NULL
  };
  FakePeer peer;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(VmdevQmpEvent) a = NULL;
  g_autoptr(VmdevQmpEvent) b = NULL;
  VmdevQmp *qmp = client_new (&peer, script, 2000);

  g_assert_true (vmdev_qmp_handshake (qmp, &error));
  ret = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmdev_json_get_string (ret, "status", NULL), ==, "r}u{n\"ning");
  b = vmdev_qmp_wait_event (qmp, "B", NULL, NULL, 2000, &error);
  g_assert_no_error (error);
  a = vmdev_qmp_pop_event (qmp);
  g_assert_cmpstr (a->name, ==, "A");
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
}

/* The harness itself: a command the script does not expect, and script steps
 * the client never reached, are both reported. */
static void
test_script_strictness (void)
{
  static const char *const unexpected[] = {
    GREETING, CAPS (1), "> {\"execute\": \"stop\", \"id\": 2}", "< {\"return\": {}, \"id\": 2}", NULL
  };
  static const char *const unused[] = {
    GREETING, CAPS (1), "> {\"execute\": \"stop\", \"id\": 2}", NULL
  };
  static const char *const extra[] = { GREETING, CAPS (1), NULL };
  FakePeer peer;
  g_autofree char *f1 = NULL;
  g_autofree char *f2 = NULL;
  g_autofree char *f3 = NULL;
  VmdevQmp *qmp;

  qmp = client_new (&peer, unexpected, 300);
  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  g_assert_null (vmdev_qmp_execute (qmp, "cont", NULL, NULL));
  vmdev_qmp_free (qmp);
  f1 = peer_finish (&peer);
  g_assert_nonnull (strstr (f1, "unexpected command {\"execute\":\"cont\",\"id\":2}"));

  qmp = client_new (&peer, unused, 300);
  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  vmdev_qmp_free (qmp);
  f2 = peer_finish (&peer);
  g_assert_nonnull (strstr (f2, "script step 3 unused"));

  qmp = client_new (&peer, extra, 300);
  g_assert_true (vmdev_qmp_handshake (qmp, NULL));
  g_assert_null (vmdev_qmp_execute (qmp, "quit", NULL, NULL));
  vmdev_qmp_free (qmp);
  f3 = peer_finish (&peer);
  g_assert_nonnull (strstr (f3, "unexpected command after the end of the script"));
}

static char *
make_tmp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vmdev-qmp-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}


static void
test_connect_at_long_path (void)
{
  static const char *const script[] = { GREETING, CAPS (1), NULL };
  g_autofree char *tmp = make_tmp ();
  g_autofree char *deep = g_build_filename (tmp, "a-directory-name-long-enough-to-matter-0123456789",
                                            "another-directory-name-long-enough-to-matter-012345",
                                            "run", "vmdev", "d", "a-domain-name", NULL);
  g_autofree char *sock_path = g_build_filename (deep, "qmp.sock", NULL);
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  FakePeer peer = { .fd = -1, .script = script, .failures = g_string_new (NULL) };
  VmdevQmp *qmp;
  int cwd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpuint (strlen (sock_path), >, sizeof addr.sun_path);
  g_assert_no_errno (g_mkdir_with_parents (deep, 0700));
  /* Bind the socket from inside the directory: its full path does not fit. */
  peer.listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_no_errno (chdir (deep));
  strcpy (addr.sun_path, "qmp.sock");
  g_assert_no_errno (bind (peer.listen_fd, (struct sockaddr *) &addr, sizeof addr));
  g_assert_no_errno (listen (peer.listen_fd, 1));
  g_assert_no_errno (fchdir (cwd));
  close (cwd);
  peer.thread = g_thread_new ("fake-qmp-peer", peer_run, &peer);

  root = vmdev_root_open (tmp, &error);
  g_assert_no_error (error);
  dir = vmdev_dir_open (root, deep + strlen (tmp) + 1, &error);
  g_assert_no_error (error);
  qmp = vmdev_qmp_connect_at (dir, "qmp.sock", 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmdev_qmp_get_version (qmp), ==, 70222);
  vmdev_qmp_free (qmp);
  peer_assert_done (&peer);
  close (peer.listen_fd);

  /* Nobody listening: the errno, naming the socket. */
  g_assert_null (vmdev_qmp_connect_at (dir, "missing.sock", 500, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "connecting to QMP socket: "));
  g_assert_nonnull (strstr (error->message, "missing.sock"));
  g_clear_error (&error);
  g_assert_null (vmdev_qmp_connect_at (dir, "qmp.sock", 500, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  test_tree_remove (tmp);
}

/* A listener that never accepts and whose backlog is full (a wedged QEMU):
 * connecting times out instead of blocking. */
static void
test_connect_at_wedged (void)
{
  g_autofree char *tmp = make_tmp ();
  g_autofree char *path = g_build_filename (tmp, "qmp.sock", NULL);
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int fillers[8];
  guint n_fillers = 0;
  gint64 start;

  g_assert_cmpuint (strlen (path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  g_assert_no_errno (bind (lfd, (struct sockaddr *) &addr, sizeof addr));
  g_assert_no_errno (listen (lfd, 0));
  /* Fill the backlog. */
  while (n_fillers < G_N_ELEMENTS (fillers))
    {
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        {
          g_assert_cmpint (errno, ==, EAGAIN);
          close (fd);
          break;
        }
      fillers[n_fillers++] = fd;
    }
  g_assert_cmpuint (n_fillers, <, G_N_ELEMENTS (fillers));

  root = vmdev_root_open (tmp, &error);
  g_assert_no_error (error);
  dir = vmdev_dir_open (root, "", &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  g_assert_null (vmdev_qmp_connect_at (dir, "qmp.sock", 200, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "not accepted within 200 ms"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  for (guint i = 0; i < n_fillers; i++)
    close (fillers[i]);
  close (lfd);
  test_tree_remove (tmp);
}

/* ---- real QEMU ---- */

static void
test_real_qemu (void)
{
  g_autofree char *qemu = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *tmp = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *qmp_arg = NULL;
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevQmp) qmp = NULL;
  g_autoptr(VmdevJson) status = NULL;
  g_autoptr(VmdevJson) ret = NULL;
  g_autoptr(VmdevQmpEvent) ev = NULL;
  GPid pid;
  int wstatus = -1;
  gint64 deadline;

  if (qemu == NULL)
    {
      g_test_skip ("qemu-system-x86_64 is not installed");
      return;
    }
  tmp = make_tmp ();
  sock = g_build_filename (tmp, "qmp.sock", NULL);
  qmp_arg = g_strdup_printf ("unix:%s,server=on,wait=off", sock);
  {
    const char *argv[] = { qemu, "-S", "-display", "none", "-nodefaults", "-no-user-config",
                           "-machine", "none", "-qmp", qmp_arg, NULL };

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                  NULL, NULL, &pid, &error));
  }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test (sock, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (10000);

  root = vmdev_root_open (tmp, &error);
  g_assert_no_error (error);
  dir = vmdev_dir_open (root, "", &error);
  g_assert_no_error (error);
  qmp = vmdev_qmp_connect_at (dir, "qmp.sock", 10000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vmdev_qmp_get_version (qmp), >=, 70000);

  status = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (vmdev_json_get_string (status, "status", NULL), ==, "prelaunch");
  g_clear_pointer (&status, vmdev_json_free);

  ret = vmdev_qmp_execute (qmp, "cont", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ret, vmdev_json_free);
  ev = vmdev_qmp_wait_event (qmp, "RESUME", NULL, NULL, 5000, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ev, vmdev_qmp_event_free);
  status = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_true (vmdev_json_get_boolean (status, "running", FALSE));
  g_clear_pointer (&status, vmdev_json_free);

  ret = vmdev_qmp_execute (qmp, "stop", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ret, vmdev_json_free);
  ev = vmdev_qmp_wait_event (qmp, "STOP", NULL, NULL, 5000, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ev, vmdev_qmp_event_free);
  status = vmdev_qmp_execute (qmp, "query-status", NULL, &error);
  g_assert_cmpstr (vmdev_json_get_string (status, "status", NULL), ==, "paused");

  /* QEMU's own error reply. */
  g_assert_null (vmdev_qmp_execute_json (qmp, "device_del", "{\"id\":\"nosuch\"}", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);
  {
    g_autofree char *cls = vmdev_qmp_error_class (error);

    g_assert_cmpstr (cls, ==, "DeviceNotFound");
  }
  g_clear_error (&error);

  ret = vmdev_qmp_execute (qmp, "quit", NULL, &error);
  g_assert_no_error (error);
  ev = vmdev_qmp_wait_event (qmp, "SHUTDOWN", NULL, NULL, 5000, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ev, vmdev_qmp_event_free);
  /* Then the connection ends. */
  g_assert_null (vmdev_qmp_wait_event (qmp, "NEVER", NULL, NULL, 5000, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_QMP);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (waitpid (pid, &wstatus, WNOHANG) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  if (!WIFEXITED (wstatus))
    {
      kill (pid, SIGKILL);
      waitpid (pid, &wstatus, 0);
      g_error ("QEMU did not exit after quit");
    }
  g_assert_cmpint (WEXITSTATUS (wstatus), ==, 0);
  g_spawn_close_pid (pid);
  test_tree_remove (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  signal (SIGPIPE, SIG_IGN);
  g_test_add_func ("/qmp/handshake", test_handshake);
  g_test_add_func ("/qmp/handshake/no-greeting", test_handshake_no_greeting);
  g_test_add_func ("/qmp/handshake/not-greeting", test_handshake_not_greeting);
  g_test_add_func ("/qmp/execute/ok", test_execute_ok);
  g_test_add_func ("/qmp/execute/error", test_execute_error);
  g_test_add_func ("/qmp/execute/id-match", test_execute_id_match);
  g_test_add_func ("/qmp/execute/request-text", test_execute_request_text);
  g_test_add_func ("/qmp/execute/bad-arguments", test_bad_arguments);
  g_test_add_func ("/qmp/execute/timeout-late-reply", test_command_timeout_late_reply);
  g_test_add_func ("/qmp/events/queue", test_events);
  g_test_add_func ("/qmp/events/poll", test_poll_events);
  g_test_add_func ("/qmp/events/timeout", test_event_timeout);
  g_test_add_func ("/qmp/reply/malformed", test_malformed_reply);
  g_test_add_func ("/qmp/reply/oversized", test_oversized_reply);
  g_test_add_func ("/qmp/reply/peer-closes", test_peer_closes);
  g_test_add_func ("/qmp/reply/pretty-and-split", test_pretty_and_split);
  g_test_add_func ("/qmp/script-strictness", test_script_strictness);
  g_test_add_func ("/qmp/connect-at/long-path", test_connect_at_long_path);
  g_test_add_func ("/qmp/connect-at/wedged", test_connect_at_wedged);
  g_test_add_func ("/qmp/real-qemu", test_real_qemu);
  return g_test_run ();
}
