/* qemu-double: a stand-in for QEMU 7.2 in tests that need many running
 * domains (DESIGN.md §9).  See tests/qemu-double/README.md.
 *
 * It is strict where real QEMU is: the command line is parsed option by
 * option, unknown options and option parameters are refused with QEMU's
 * messages, every -device (JSON or key=value) is checked against the property
 * list of real QEMU (properties.txt, made by gen-properties.sh), and a vfio
 * device's sysfsdev must exist under $VMDEV_ROOT with a resolvable
 * iommu_group link.  It then serves QMP on its monitors (unix sockets) and
 * behaves like a paused or running guest: query-status, cont, stop,
 * system_powerdown, device_add, device_del, qom-list (/machine/peripheral), quit.
 *
 * Environment:
 *   VMDEV_ROOT                 root for sysfsdev checks (default /)
 *   QEMU_DOUBLE_PROPERTIES     the property list (default: the source tree's)
 *   QEMU_DOUBLE_ARCH           x86_64 | s390x (default: from argv[0], else x86_64)
 *   QEMU_DOUBLE_POWERDOWN      "ignore": the guest ignores ACPI powerdown
 *   QEMU_DOUBLE_POWERDOWN_DELAY_MS  guest shutdown delay after powerdown (200)
 *   QEMU_DOUBLE_EJECT          "never": the guest never ejects on device_del
 *   QEMU_DOUBLE_EJECT_DELAY_MS guest eject delay after device_del (100) */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef QEMU_DOUBLE_PROPERTIES
#define QEMU_DOUBLE_PROPERTIES "properties.txt"
#endif

#define QMP_MAX_INPUT (1024 * 1024)

static const char *progname = "qemu-system-x86_64";
static const char *arch = "x86_64";
static GPtrArray *chardevs; /* of Chardev* */
static void unlink_sockets (void);

G_GNUC_PRINTF (2, 3) G_GNUC_NORETURN static void
die_opt (const char *opt_and_arg, const char *fmt, ...)
{
  va_list ap;

  if (opt_and_arg != NULL)
    fprintf (stderr, "%s: %s: ", progname, opt_and_arg);
  else
    fprintf (stderr, "%s: ", progname);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  unlink_sockets ();
  exit (1);
}

/* ------------------------------------------------------------------ */
/* The property list                                                   */

/* driver -> (property -> type) for this arch */
static GHashTable *drivers;

static void
load_properties (void)
{
  const char *path = g_getenv ("QEMU_DOUBLE_PROPERTIES");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  if (path == NULL)
    path = QEMU_DOUBLE_PROPERTIES;
  if (!g_file_get_contents (path, &text, NULL, &error))
    die_opt (NULL, "qemu-double: %s", error->message);
  drivers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_hash_table_unref);
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto(GStrv) f = NULL;
      GHashTable *props;

      if (**l == '#' || **l == '\0')
        continue;
      f = g_strsplit (*l, " ", 4);
      if (g_strv_length (f) != 4)
        die_opt (NULL, "qemu-double: %s: bad line '%s'", path, *l);
      if (strcmp (f[0], arch) != 0)
        continue;
      props = g_hash_table_lookup (drivers, f[1]);
      if (props == NULL)
        {
          props = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (drivers, g_strdup (f[1]), props);
        }
      if (strcmp (f[2], "-") != 0)
        g_hash_table_insert (props, g_strdup (f[2]), g_strdup (f[3]));
    }
}

/* ------------------------------------------------------------------ */
/* key=value option strings (QemuOpts)                                 */

typedef struct
{
  char *key;
  char *value;
} Param;

static void
param_clear (gpointer p)
{
  Param *param = p;

  g_free (param->key);
  g_free (param->value);
}

/* Splits "a=b,c=d" with ",," as an escaped comma.  A first element without
 * '=' is the value of @implied (or, when @implied is NULL, a bare flag as
 * QEMU takes "nowait"). */
static GArray *
parse_keyval (const char *opt, const char *arg, const char *implied)
{
  GArray *params = g_array_new (FALSE, TRUE, sizeof (Param));
  const char *p = arg;
  gboolean first = TRUE;

  g_array_set_clear_func (params, param_clear);
  while (*p != '\0')
    {
      g_autoptr(GString) item = g_string_new (NULL);
      Param param = { 0 };
      char *eq;

      for (; *p != '\0'; p++)
        {
          if (*p == ',')
            {
              if (p[1] == ',')
                {
                  g_string_append_c (item, ',');
                  p++;
                  continue;
                }
              p++;
              break;
            }
          g_string_append_c (item, *p);
        }
      eq = strchr (item->str, '=');
      if (eq == NULL && first && implied != NULL)
        {
          param.key = g_strdup (implied);
          param.value = g_strdup (item->str);
        }
      else if (eq == NULL)
        {
          param.key = g_strdup (item->str);
          param.value = g_strdup ("on");
        }
      else
        {
          param.key = g_strndup (item->str, (gsize) (eq - item->str));
          param.value = g_strdup (eq + 1);
        }
      if (param.key[0] == '\0')
        {
          g_autofree char *oa = g_strdup_printf ("%s %s", opt, arg);

          param_clear (&param);
          die_opt (oa, "Invalid parameter ''");
        }
      g_array_append_val (params, param);
      first = FALSE;
    }
  return params;
}

static const char *
param_get (GArray *params, const char *key)
{
  for (guint i = 0; i < params->len; i++)
    if (strcmp (g_array_index (params, Param, i).key, key) == 0)
      return g_array_index (params, Param, i).value;
  return NULL;
}

static void
check_keys (const char *opt, const char *arg, GArray *params, const char *const *allowed)
{
  for (guint i = 0; i < params->len; i++)
    {
      const char *key = g_array_index (params, Param, i).key;

      if (!g_strv_contains (allowed, key))
        {
          g_autofree char *oa = g_strdup_printf ("%s %s", opt, arg);

          die_opt (oa, "Invalid parameter '%s'", key);
        }
    }
}

static gboolean
parse_bool (const char *value, gboolean *out)
{
  if (strcmp (value, "on") == 0 || strcmp (value, "yes") == 0 || strcmp (value, "true") == 0 ||
      strcmp (value, "y") == 0)
    *out = TRUE;
  else if (strcmp (value, "off") == 0 || strcmp (value, "no") == 0 ||
           strcmp (value, "false") == 0 || strcmp (value, "n") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */

typedef struct
{
  char *id;
  char *driver;
  gboolean hotpluggable;
} Device;

static GPtrArray *devices; /* of Device* */

static void
device_free (Device *dev)
{
  g_free (dev->id);
  g_free (dev->driver);
  g_free (dev);
}

static Device *
device_find (const char *id)
{
  for (guint i = 0; i < devices->len; i++)
    {
      Device *dev = devices->pdata[i];

      if (dev->id != NULL && strcmp (dev->id, id) == 0)
        return dev;
    }
  return NULL;
}

static gboolean
is_vfio (const char *driver)
{
  return g_str_has_prefix (driver, "vfio-");
}

/* The value check of QEMU's qobject input visitor (JSON -device): strict
 * JSON types.  NULL when fine, else the expected type. */
static const char *
check_json_type (const char *prop, const char *type, JsonNode *value)
{
  GType vt = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;

  if (strcmp (type, "bool") == 0)
    return vt == G_TYPE_BOOLEAN ? NULL : "boolean";
  if ((g_str_has_prefix (type, "int") || g_str_has_prefix (type, "uint")) &&
      strcmp (prop, "addr") != 0)
    return vt == G_TYPE_INT64 ? NULL : "integer";
  if (strcmp (prop, "addr") == 0)
    return vt == G_TYPE_INT64 || vt == G_TYPE_STRING ? NULL : "string";
  if (strcmp (type, "size") == 0)
    return vt == G_TYPE_INT64 || vt == G_TYPE_STRING ? NULL : "size";
  if (g_str_has_prefix (type, "child<") || g_str_has_prefix (type, "link<"))
    return vt == G_TYPE_STRING ? NULL : "string";
  /* str and the enums (OnOffAuto, ...) */
  return vt == G_TYPE_STRING ? NULL : "string";
}

/* The vfio host checks QEMU makes when it realizes the device. */
static gboolean
check_vfio_host (const char *sysfsdev, char **out_msg)
{
  const char *root = g_getenv ("VMDEV_ROOT");
  g_autofree char *dev = NULL;
  g_autofree char *link = NULL;
  g_autofree char *target = NULL;
  g_autofree char *group_path = NULL;
  struct stat st;

  if (root == NULL || *root == '\0')
    root = "/";
  dev = g_build_filename (root, sysfsdev, NULL);
  if (stat (dev, &st) < 0)
    {
      *out_msg = g_strdup_printf ("vfio %s: no such host device: %s", sysfsdev, g_strerror (errno));
      return FALSE;
    }
  link = g_build_filename (dev, "iommu_group", NULL);
  target = g_file_read_link (link, NULL);
  if (target == NULL)
    {
      *out_msg = g_strdup_printf ("vfio %s: no iommu_group found: %s", sysfsdev,
                                  g_strerror (ENOENT));
      return FALSE;
    }
  /* An absolute link points into the host's /sys: resolve it under the root. */
  group_path = g_path_is_absolute (target) ? g_build_filename (root, target, NULL)
                                           : g_build_filename (dev, target, NULL);
  if (stat (group_path, &st) < 0)
    {
      *out_msg = g_strdup_printf ("vfio %s: no iommu_group found: %s", sysfsdev, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* Checks a device given as a JSON object (-device {...} or device_add) and
 * records it.  FALSE with QEMU's message otherwise. */
static gboolean
device_add_object (JsonObject *obj, gboolean hotplug, char **out_msg)
{
  const char *driver;
  const char *id = NULL;
  GHashTable *props;
  g_autoptr(GList) members = NULL;
  JsonNode *node;
  Device *dev;

  node = json_object_get_member (obj, "driver");
  if (node == NULL)
    {
      *out_msg = g_strdup ("Parameter 'driver' is missing");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *out_msg = g_strdup ("Invalid parameter type for 'driver', expected: string");
      return FALSE;
    }
  driver = json_node_get_string (node);
  props = g_hash_table_lookup (drivers, driver);
  if (props == NULL)
    {
      *out_msg = g_strdup_printf ("'%s' is not a valid device model name", driver);
      return FALSE;
    }
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *prop = l->data;
      const char *type, *expected;

      node = json_object_get_member (obj, prop);
      if (strcmp (prop, "driver") == 0)
        continue;
      if (strcmp (prop, "id") == 0 || strcmp (prop, "bus") == 0)
        type = "str";
      else if ((type = g_hash_table_lookup (props, prop)) == NULL)
        {
          *out_msg = g_strdup_printf ("Property '%s.%s' not found", driver, prop);
          return FALSE;
        }
      if ((expected = check_json_type (prop, type, node)) != NULL)
        {
          *out_msg = g_strdup_printf ("Invalid parameter type for '%s', expected: %s", prop,
                                      expected);
          return FALSE;
        }
      if (strcmp (prop, "id") == 0)
        id = json_node_get_string (node);
    }
  if (id != NULL && device_find (id) != NULL)
    {
      *out_msg = g_strdup_printf ("Duplicate device ID '%s'", id);
      return FALSE;
    }
  if (hotplug && (strcmp (driver, "vfio-pci-nohotplug") == 0 || strcmp (driver, "ramfb") == 0 ||
                  strcmp (driver, "isa-serial") == 0 || strcmp (driver, "VGA") == 0 ||
                  strcmp (driver, "cirrus-vga") == 0 || strcmp (driver, "qxl-vga") == 0 ||
                  strcmp (driver, "virtio-vga") == 0 || strcmp (driver, "pcie-root-port") == 0))
    {
      *out_msg = g_strdup_printf ("Device '%s' does not support hotplugging", driver);
      return FALSE;
    }
  if (is_vfio (driver))
    {
      const char *sysfsdev = json_object_get_string_member_with_default (obj, "sysfsdev", NULL);
      g_autofree char *host_path = NULL;

      if (sysfsdev == NULL && strcmp (driver, "vfio-pci") == 0 &&
          json_object_has_member (obj, "host"))
        sysfsdev = host_path = g_strdup_printf ("/sys/bus/pci/devices/%s",
                                                json_object_get_string_member (obj, "host"));
      if (sysfsdev == NULL)
        {
          *out_msg = g_strdup_printf ("vfio: no such host device");
          return FALSE;
        }
      if (!check_vfio_host (sysfsdev, out_msg))
        return FALSE;
    }
  dev = g_new0 (Device, 1);
  dev->id = g_strdup (id);
  dev->driver = g_strdup (driver);
  dev->hotpluggable = strcmp (driver, "vfio-pci-nohotplug") != 0;
  g_ptr_array_add (devices, dev);
  return TRUE;
}

static void
opt_device (const char *arg)
{
  g_autofree char *msg = NULL;
  g_autofree char *oa = g_strdup_printf ("-device %s", arg);
  g_autoptr(JsonObject) obj = NULL;

  if (arg[0] == '{')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string (arg, &error);

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        die_opt (oa, "JSON parse error, %s", error != NULL ? error->message : "expected an object");
      obj = json_object_ref (json_node_get_object (node));
    }
  else
    {
      g_autoptr(GArray) params = parse_keyval ("-device", arg, "driver");
      const char *driver = param_get (params, "driver");
      GHashTable *props = driver != NULL ? g_hash_table_lookup (drivers, driver) : NULL;

      obj = json_object_new ();
      for (guint i = 0; i < params->len; i++)
        {
          Param *p = &g_array_index (params, Param, i);
          const char *type = props != NULL ? g_hash_table_lookup (props, p->key) : NULL;
          gboolean b;

          /* key=value strings are converted by type, as QEMU's keyval visitor does */
          if (type != NULL && strcmp (type, "bool") == 0)
            {
              if (!parse_bool (p->value, &b))
                die_opt (oa, "Parameter '%s' expects 'on' or 'off'", p->key);
              json_object_set_boolean_member (obj, p->key, b);
            }
          else if (type != NULL && strcmp (p->key, "addr") != 0 &&
                   (g_str_has_prefix (type, "int") || g_str_has_prefix (type, "uint")))
            {
              char *end;
              gint64 v = g_ascii_strtoll (p->value, &end, 0);

              if (*p->value == '\0' || *end != '\0')
                die_opt (oa, "Parameter '%s' expects an integer", p->key);
              json_object_set_int_member (obj, p->key, v);
            }
          else
            json_object_set_string_member (obj, p->key, p->value);
        }
    }
  if (!device_add_object (obj, FALSE, &msg))
    die_opt (oa, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Chardevs and monitors                                               */

typedef struct
{
  char *id;
  char *path;      /* socket path we bound, unlinked at exit; NULL for fd= */
  int listen_fd;
  gboolean used;
} Chardev;

typedef struct
{
  Chardev *chr;
  gboolean pretty;
  int fd;          /* connected client or -1 */
  gboolean negotiated;
  GString *in;
} Monitor;

static GPtrArray *monitors; /* of Monitor* */
static GPtrArray *deferred_mons; /* -mon arguments, handled after every -chardev */

static void
unlink_sockets (void)
{
  for (guint i = 0; chardevs != NULL && i < chardevs->len; i++)
    {
      Chardev *chr = chardevs->pdata[i];

      if (chr->path != NULL)
        (void) unlink (chr->path);
    }
}

static Chardev *
chardev_find (const char *id)
{
  for (guint i = 0; i < chardevs->len; i++)
    {
      Chardev *chr = chardevs->pdata[i];

      if (strcmp (chr->id, id) == 0)
        return chr;
    }
  return NULL;
}

static int
listen_unix (const char *oa, const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    die_opt (oa, "UNIX socket path '%s' is too long", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    die_opt (oa, "Failed to create socket: %s", g_strerror (errno));
  (void) unlink (path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die_opt (oa, "Failed to bind socket to %s: %s", path, g_strerror (errno));
  if (listen (fd, 1) < 0)
    die_opt (oa, "Failed to listen on socket: %s", g_strerror (errno));
  return fd;
}

static Chardev *
add_chardev (const char *oa, const char *id, const char *path, const char *fd_str)
{
  Chardev *chr = g_new0 (Chardev, 1);

  if (chardev_find (id) != NULL)
    die_opt (oa, "attempt to add duplicate property '%s' to object (type 'container')", id);
  chr->id = g_strdup (id);
  if (fd_str != NULL)
    {
      char *end;
      gint64 fd = g_ascii_strtoll (fd_str, &end, 10);

      if (*end != '\0' || fd < 0 || fcntl ((int) fd, F_GETFD) < 0)
        die_opt (oa, "Invalid file descriptor number '%s'", fd_str);
      chr->listen_fd = (int) fd;
      (void) fcntl (chr->listen_fd, F_SETFL, fcntl (chr->listen_fd, F_GETFL) | O_NONBLOCK);
    }
  else
    {
      chr->path = g_strdup (path);
      chr->listen_fd = listen_unix (oa, path);
    }
  g_ptr_array_add (chardevs, chr);
  return chr;
}

static void
opt_chardev (const char *arg)
{
  static const char *const socket_keys[] = {
    "backend", "id", "path", "fd", "server", "wait", "nowait", "telnet", "tn3270", "websocket",
    "reconnect", "delay", "nodelay", "logfile", "logappend", "mux", "abstract", "tight",
    "host", "port", "to", "ipv4", "ipv6", "tls-creds", "tls-authz", NULL
  };
  static const char *const file_keys[] = { "backend", "id", "path", "append", "logfile", "logappend", "mux", NULL };
  static const char *const simple_keys[] = { "backend", "id", "logfile", "logappend", "mux", "signal", NULL };
  g_autofree char *oa = g_strdup_printf ("-chardev %s", arg);
  g_autoptr(GArray) params = parse_keyval ("-chardev", arg, "backend");
  const char *backend = param_get (params, "backend");
  const char *id = param_get (params, "id");

  if (id == NULL)
    die_opt (oa, "chardev: no id specified");
  if (backend == NULL)
    die_opt (oa, "chardev: \"%s\" missing backend", id);
  if (strcmp (backend, "socket") == 0)
    {
      const char *server = param_get (params, "server");
      const char *wait = param_get (params, "wait");
      const char *path = param_get (params, "path");
      const char *fd = param_get (params, "fd");
      gboolean is_server = FALSE, do_wait = TRUE;

      check_keys ("-chardev", arg, params, socket_keys);
      if (server != NULL && !parse_bool (server, &is_server))
        die_opt (oa, "Parameter 'server' expects 'on' or 'off'");
      if (wait != NULL && !parse_bool (wait, &do_wait))
        die_opt (oa, "Parameter 'wait' expects 'on' or 'off'");
      if (param_get (params, "nowait") != NULL)
        do_wait = FALSE;
      if (path == NULL && fd == NULL)
        die_opt (oa, "chardev: socket: no host given");
      if (!is_server && path != NULL)
        {
          /* A client socket: QEMU connects at startup and fails without a listener. */
          struct sockaddr_un addr = { .sun_family = AF_UNIX };
          int cfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

          if (strlen (path) >= sizeof addr.sun_path)
            die_opt (oa, "UNIX socket path '%s' is too long", path);
          strcpy (addr.sun_path, path);
          if (cfd < 0 || connect (cfd, (struct sockaddr *) &addr, sizeof addr) < 0)
            die_opt (oa, "Failed to connect to '%s': %s", path, g_strerror (errno));
          return; /* held open, never read: the double has no guest output */
        }
      if (!is_server || do_wait)
        die_opt (oa, "qemu-double: only server=on,wait=off sockets are emulated");
      add_chardev (oa, id, path, fd);
    }
  else if (strcmp (backend, "file") == 0)
    {
      check_keys ("-chardev", arg, params, file_keys);
      if (param_get (params, "path") == NULL)
        die_opt (oa, "chardev: file: no filename given");
    }
  else if (strcmp (backend, "pty") == 0 || strcmp (backend, "null") == 0 ||
           strcmp (backend, "stdio") == 0 || strcmp (backend, "spicevmc") == 0 ||
           strcmp (backend, "qemu-vdagent") == 0)
    {
      if (strcmp (backend, "spicevmc") == 0 || strcmp (backend, "qemu-vdagent") == 0)
        {
          static const char *const more[] = { "backend", "id", "name", "debug", "logfile",
                                              "logappend", "mux", "mouse", "clipboard", NULL };

          check_keys ("-chardev", arg, params, more);
        }
      else
        check_keys ("-chardev", arg, params, simple_keys);
    }
  else
    die_opt (oa, "'%s' is not a valid char driver name", backend);
}

static void
add_monitor (Chardev *chr, gboolean pretty)
{
  Monitor *mon = g_new0 (Monitor, 1);

  mon->chr = chr;
  mon->pretty = pretty;
  mon->fd = -1;
  mon->in = g_string_new (NULL);
  chr->used = TRUE;
  g_ptr_array_add (monitors, mon);
}

static void
opt_mon (const char *arg)
{
  static const char *const keys[] = { "chardev", "mode", "pretty", "id", "default", NULL };
  g_autofree char *oa = g_strdup_printf ("-mon %s", arg);
  g_autoptr(GArray) params = parse_keyval ("-mon", arg, NULL);
  const char *chardev, *mode, *pretty;
  gboolean is_pretty = FALSE;
  Chardev *chr;

  check_keys ("-mon", arg, params, keys);
  chardev = param_get (params, "chardev");
  mode = param_get (params, "mode");
  pretty = param_get (params, "pretty");
  if (chardev == NULL)
    die_opt (oa, "Parameter 'chardev' is missing");
  if ((chr = chardev_find (chardev)) == NULL)
    die_opt (oa, "chardev \"%s\" not found", chardev);
  if (chr->used)
    die_opt (oa, "Device '%s' is in use", chardev);
  if (mode == NULL || strcmp (mode, "control") != 0)
    {
      if (mode != NULL && strcmp (mode, "readline") != 0)
        die_opt (oa, "Parameter 'mode' does not accept value '%s'", mode);
      die_opt (oa, "qemu-double: only mode=control monitors are emulated");
    }
  if (pretty != NULL && !parse_bool (pretty, &is_pretty))
    die_opt (oa, "Parameter 'pretty' expects 'on' or 'off'");
  add_monitor (chr, is_pretty);
}

static void
opt_qmp (const char *arg, gboolean pretty)
{
  g_autofree char *oa = g_strdup_printf ("-qmp %s", arg);
  g_autofree char *id = g_strdup_printf ("compat_monitor%u", monitors->len);
  g_autoptr(GArray) params = NULL;
  const char *server, *wait;
  gboolean is_server = FALSE, do_wait = TRUE;

  if (!g_str_has_prefix (arg, "unix:"))
    die_opt (oa, "qemu-double: only -qmp unix:PATH,server=on,wait=off is emulated");
  params = parse_keyval ("-qmp", arg + 5, "path");
  server = param_get (params, "server");
  wait = param_get (params, "wait");
  if (server != NULL && !parse_bool (server, &is_server))
    die_opt (oa, "Parameter 'server' expects 'on' or 'off'");
  if (wait != NULL && !parse_bool (wait, &do_wait))
    die_opt (oa, "Parameter 'wait' expects 'on' or 'off'");
  if (param_get (params, "nowait") != NULL)
    do_wait = FALSE;
  if (!is_server || do_wait)
    die_opt (oa, "qemu-double: only server=on,wait=off sockets are emulated");
  add_monitor (add_chardev (oa, id, param_get (params, "path"), NULL), pretty);
}

/* ------------------------------------------------------------------ */
/* The command line                                                    */

typedef enum
{
  RUN_PRELAUNCH,
  RUN_RUNNING,
  RUN_PAUSED,
} RunState;

static RunState run_state = RUN_RUNNING;
static gboolean start_paused;
static char *pidfile;

/* keys of simple QemuOpts options; NULL = any (not checked) */
static const struct
{
  const char *name;
  const char *implied;
  const char *const keys[16];
} keyval_opts[] = {
  { "machine", "type", { "type", "accel", "usb", "dump-guest-core", "memory-backend", "graphics",
                         "kernel_irqchip", "vmport", "smm", "mem-merge", "acpi", "hpet",
                         "confidential-guest-support", "suppress-vmdesc", "s390-pv-guest", NULL } },
  { "accel", "accel", { "accel", "thread", "kernel-irqchip", "tb-size", "split-wx",
                        "one-insn-per-tb", "dirty-ring-size", "notify-vmexit", NULL } },
  { "m", "size", { "size", "slots", "maxmem", NULL } },
  { "smp", "cpus", { "cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus",
                     "books", "drawers", NULL } },
  { "name", "guest", { "guest", "process", "debug-threads", NULL } },
  { "sandbox", "enable", { "enable", "obsolete", "elevateprivileges", "spawn",
                           "resourcecontrol", NULL } },
  { "msg", NULL, { "timestamp", "guest-name", NULL } },
  { "rtc", NULL, { "base", "clock", "driftfix", NULL } },
  { "boot", "order", { "order", "once", "menu", "splash", "splash-time", "reboot-timeout",
                       "strict", NULL } },
  { "overcommit", NULL, { "mem-lock", "cpu-pm", NULL } },
};

/* Options of QEMU 7.2 the double accepts (no check beyond their argument). */
static const char *const opaque_with_arg[] = {
  "cpu", "kernel", "initrd", "append", "blockdev", "object", "netdev", "global", "vnc", "spice",
  "display", "vga", "audiodev", "serial", "smbios", "fw_cfg", "bios", "k", "D", "d", "trace",
  "watchdog-action", "action", "numa", "icount", "L", "dtb", "parallel", "drive", NULL
};
static const char *const flags[] = {
  "nodefaults", "no-user-config", "no-shutdown", "no-reboot", "nographic", "enable-kvm",
  "no-hpet", "no-acpi", NULL
};

static gboolean
uuid_ok (const char *s)
{
  if (strlen (s) != 36)
    return FALSE;
  for (int i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (s[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (s[i]))
        return FALSE;
    }
  return TRUE;
}

static void
parse_command_line (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *name, *arg = NULL;
      gboolean known = FALSE;

      if (a[0] != '-')
        die_opt (NULL, "qemu-double: a disk image as argument is not emulated: %s", a);
      name = a + 1;
      if (name[0] == '-')
        name++;
      if (strcmp (name, "M") == 0)
        name = "machine";
      if (strcmp (name, "S") == 0)
        {
          start_paused = TRUE;
          continue;
        }
      if (g_strv_contains (flags, name))
        continue;

      /* everything else takes an argument */
      for (gsize k = 0; k < G_N_ELEMENTS (keyval_opts); k++)
        known |= strcmp (keyval_opts[k].name, name) == 0;
      known |= g_strv_contains (opaque_with_arg, name);
      known |= strcmp (name, "device") == 0 || strcmp (name, "chardev") == 0 ||
               strcmp (name, "mon") == 0 || strcmp (name, "qmp") == 0 ||
               strcmp (name, "qmp-pretty") == 0 || strcmp (name, "uuid") == 0 ||
               strcmp (name, "pidfile") == 0;
      if (!known)
        {
          if (g_strv_contains ((const char *const[]) { "daemonize", "monitor", "incoming",
                                                       "loadvm", "readconfig", "runas",
                                                       "chroot", "s", "gdb", NULL }, name))
            die_opt (a, "qemu-double: option not emulated");
          die_opt (a, "invalid option");
        }
      if (i + 1 >= argc)
        die_opt (a, "requires an argument");
      arg = argv[++i];

      if (strcmp (name, "device") == 0)
        opt_device (arg);
      else if (strcmp (name, "chardev") == 0)
        opt_chardev (arg);
      else if (strcmp (name, "mon") == 0)
        g_ptr_array_add (deferred_mons, (gpointer) arg);
      else if (strcmp (name, "qmp") == 0 || strcmp (name, "qmp-pretty") == 0)
        opt_qmp (arg, strcmp (name, "qmp-pretty") == 0);
      else if (strcmp (name, "uuid") == 0)
        {
          if (!uuid_ok (arg))
            {
              g_autofree char *oa = g_strdup_printf ("-uuid %s", arg);

              die_opt (oa, "failed to parse UUID string: wrong format");
            }
        }
      else if (strcmp (name, "pidfile") == 0)
        {
          g_free (pidfile);
          pidfile = g_strdup (arg);
        }
      else if (strcmp (name, "blockdev") == 0 && arg[0] == '{')
        {
          g_autoptr(JsonNode) node = json_from_string (arg, NULL);

          g_autofree char *oa = g_strdup_printf ("-blockdev %s", arg);

          if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
            die_opt (oa, "JSON parse error");
          if (!json_object_has_member (json_node_get_object (node), "driver"))
            die_opt (oa, "Parameter 'driver' is missing");
        }
      else
        for (gsize k = 0; k < G_N_ELEMENTS (keyval_opts); k++)
          if (strcmp (keyval_opts[k].name, name) == 0)
            {
              g_autofree char *opt = g_strdup_printf ("-%s", name);
              g_autoptr(GArray) params = parse_keyval (opt, arg, keyval_opts[k].implied);

              check_keys (opt, arg, params, keyval_opts[k].keys);
            }
    }
  /* QEMU creates all chardevs before the monitors that use them. */
  for (guint i = 0; i < deferred_mons->len; i++)
    opt_mon (deferred_mons->pdata[i]);
  run_state = start_paused ? RUN_PRELAUNCH : RUN_RUNNING;
}

/* ------------------------------------------------------------------ */
/* QMP                                                                 */

typedef enum
{
  TIMER_SHUTDOWN,
  TIMER_EJECT,
} TimerKind;

typedef struct
{
  gint64 when;     /* monotonic us */
  TimerKind kind;
  char *device;
} Timer;

static GPtrArray *timers; /* of Timer* */
static gboolean powerdown_pending;

static void
timer_free (Timer *t)
{
  g_free (t->device);
  g_free (t);
}

static guint
env_ms (const char *name, guint def)
{
  const char *v = g_getenv (name);

  return v != NULL && *v != '\0' ? (guint) g_ascii_strtoull (v, NULL, 10) : def;
}

static void
add_timer (TimerKind kind, guint delay_ms, const char *device)
{
  Timer *t = g_new0 (Timer, 1);

  t->when = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  t->kind = kind;
  t->device = g_strdup (device);
  g_ptr_array_add (timers, t);
}

static void
mon_send (Monitor *mon, JsonNode *msg)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  const char *p;
  gsize len;

  if (mon->fd < 0)
    return;
  json_generator_set_root (gen, msg);
  json_generator_set_pretty (gen, mon->pretty);
  text = json_generator_to_data (gen, NULL);
  line = g_strconcat (text, "\r\n", NULL);
  p = line;
  len = strlen (line);
  /* The client is local and reads: write it all, blocking briefly if need be. */
  while (len > 0)
    {
      ssize_t n = send (mon->fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          struct pollfd pfd = { .fd = mon->fd, .events = POLLOUT };

          if (poll (&pfd, 1, 1000) <= 0)
            return;
          continue;
        }
      if (n <= 0)
        return;
      p += n;
      len -= (gsize) n;
    }
}

static void
emit_event (const char *name, JsonObject *data /* taken, nullable */)
{
  gint64 now = g_get_real_time ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) msg = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "timestamp");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_int_value (b, now / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "microseconds");
  json_builder_add_int_value (b, now % G_USEC_PER_SEC);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  if (data != NULL)
    {
      JsonNode *d = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (d, data);
      json_builder_set_member_name (b, "data");
      json_builder_add_value (b, d);
    }
  json_builder_end_object (b);
  msg = json_builder_get_root (b);
  for (guint i = 0; i < monitors->len; i++)
    {
      Monitor *mon = monitors->pdata[i];

      if (mon->negotiated)
        mon_send (mon, msg);
    }
}

G_GNUC_NORETURN static void
shutdown_and_exit (gboolean guest, const char *reason)
{
  JsonObject *data = json_object_new ();

  json_object_set_boolean_member (data, "guest", guest);
  json_object_set_string_member (data, "reason", reason);
  emit_event ("SHUTDOWN", data);
  unlink_sockets ();
  if (pidfile != NULL)
    (void) unlink (pidfile);
  exit (0);
}

static void
reply (Monitor *mon, JsonNode *id, JsonNode *ret /* taken */)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) msg = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (obj, "return", ret);
  if (id != NULL)
    json_object_set_member (obj, "id", json_node_copy (id));
  json_node_set_object (msg, obj);
  mon_send (mon, msg);
}

static void
reply_empty (Monitor *mon, JsonNode *id)
{
  JsonNode *ret = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (ret, json_object_new ());
  reply (mon, id, ret);
}

static void
reply_error (Monitor *mon, JsonNode *id, const char *cls, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
reply_error (Monitor *mon, JsonNode *id, const char *cls, const char *fmt, ...)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(JsonNode) msg = json_node_new (JSON_NODE_OBJECT);
  JsonObject *err = json_object_new ();
  g_autofree char *desc = NULL;
  va_list ap;

  va_start (ap, fmt);
  desc = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  json_object_set_string_member (err, "class", cls);
  json_object_set_string_member (err, "desc", desc);
  json_object_set_object_member (obj, "error", err);
  if (id != NULL)
    json_object_set_member (obj, "id", json_node_copy (id));
  json_node_set_object (msg, obj);
  mon_send (mon, msg);
}

static void
set_running (gboolean running)
{
  if (running && run_state != RUN_RUNNING)
    {
      run_state = RUN_RUNNING;
      emit_event ("RESUME", NULL);
      if (powerdown_pending)
        {
          powerdown_pending = FALSE;
          add_timer (TIMER_SHUTDOWN, env_ms ("QEMU_DOUBLE_POWERDOWN_DELAY_MS", 200), NULL);
        }
    }
  else if (!running && run_state == RUN_RUNNING)
    {
      run_state = RUN_PAUSED;
      emit_event ("STOP", NULL);
    }
}

static void
handle_command (Monitor *mon, JsonObject *msg)
{
  JsonNode *id = json_object_get_member (msg, "id");
  JsonNode *exec = json_object_get_member (msg, "execute");
  JsonNode *args_node = json_object_get_member (msg, "arguments");
  g_autoptr(GList) members = json_object_get_members (msg);
  JsonObject *args = NULL;
  const char *cmd;

  for (GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, "execute") != 0 && strcmp (l->data, "arguments") != 0 &&
        strcmp (l->data, "id") != 0)
      {
        reply_error (mon, id, "GenericError", "QMP input member '%s' is unexpected",
                     (const char *) l->data);
        return;
      }
  if (exec == NULL || !JSON_NODE_HOLDS_VALUE (exec) ||
      json_node_get_value_type (exec) != G_TYPE_STRING)
    {
      reply_error (mon, id, "GenericError", "QMP input lacks member 'execute'");
      return;
    }
  if (args_node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (args_node))
        {
          reply_error (mon, id, "GenericError", "QMP input member 'arguments' must be an object");
          return;
        }
      args = json_node_get_object (args_node);
    }
  cmd = json_node_get_string (exec);

  if (!mon->negotiated)
    {
      if (strcmp (cmd, "qmp_capabilities") != 0)
        {
          reply_error (mon, id, "CommandNotFound",
                       "Expecting capabilities negotiation with 'qmp_capabilities'");
          return;
        }
      mon->negotiated = TRUE;
      reply_empty (mon, id);
      return;
    }
  if (strcmp (cmd, "qmp_capabilities") == 0)
    reply_error (mon, id, "CommandNotFound",
                 "Capabilities negotiation is already complete, command ignored");
  else if (strcmp (cmd, "query-status") == 0)
    {
      JsonNode *ret = json_node_new (JSON_NODE_OBJECT);
      JsonObject *o = json_object_new ();
      static const char *const names[] = { "prelaunch", "running", "paused" };

      json_object_set_string_member (o, "status", names[run_state]);
      json_object_set_boolean_member (o, "singlestep", FALSE);
      json_object_set_boolean_member (o, "running", run_state == RUN_RUNNING);
      json_node_take_object (ret, o);
      reply (mon, id, ret);
    }
  else if (strcmp (cmd, "cont") == 0)
    {
      reply_empty (mon, id);
      set_running (TRUE);
    }
  else if (strcmp (cmd, "stop") == 0)
    {
      reply_empty (mon, id);
      set_running (FALSE);
    }
  else if (strcmp (cmd, "system_powerdown") == 0)
    {
      reply_empty (mon, id);
      emit_event ("POWERDOWN", NULL);
      if (g_strcmp0 (g_getenv ("QEMU_DOUBLE_POWERDOWN"), "ignore") == 0)
        return;
      /* A paused guest acts on the ACPI event once it runs. */
      if (run_state == RUN_RUNNING)
        add_timer (TIMER_SHUTDOWN, env_ms ("QEMU_DOUBLE_POWERDOWN_DELAY_MS", 200), NULL);
      else
        powerdown_pending = TRUE;
    }
  else if (strcmp (cmd, "device_add") == 0)
    {
      g_autofree char *why = NULL;

      if (args == NULL)
        reply_error (mon, id, "GenericError", "Parameter 'driver' is missing");
      else if (!device_add_object (args, TRUE, &why))
        reply_error (mon, id, "GenericError", "%s", why);
      else
        reply_empty (mon, id);
    }
  else if (strcmp (cmd, "device_del") == 0)
    {
      const char *dev_id = args != NULL ? json_object_get_string_member_with_default (args, "id", NULL) : NULL;
      Device *dev;

      if (dev_id == NULL)
        reply_error (mon, id, "GenericError", "Parameter 'id' is missing");
      else if ((dev = device_find (dev_id)) == NULL)
        reply_error (mon, id, "DeviceNotFound", "Device '%s' not found", dev_id);
      else if (!dev->hotpluggable)
        reply_error (mon, id, "GenericError", "Bus 'pci.0' does not support hotplugging");
      else
        {
          reply_empty (mon, id);
          if (g_strcmp0 (g_getenv ("QEMU_DOUBLE_EJECT"), "never") != 0)
            add_timer (TIMER_EJECT, env_ms ("QEMU_DOUBLE_EJECT_DELAY_MS", 100), dev_id);
        }
    }
  else if (strcmp (cmd, "qom-list") == 0)
    {
      const char *path = args != NULL ? json_object_get_string_member_with_default (args, "path", NULL) : NULL;

      /* Only what vmdev asks: the devices with an id, as QEMU lists them. */
      if (path == NULL)
        reply_error (mon, id, "GenericError", "Parameter 'path' is missing");
      else if (strcmp (path, "/machine/peripheral") != 0)
        reply_error (mon, id, "DeviceNotFound", "Device '%s' not found", path);
      else
        {
          JsonArray *arr = json_array_new ();
          JsonNode *ret = json_node_new (JSON_NODE_ARRAY);
          JsonObject *type = json_object_new ();

          json_object_set_string_member (type, "name", "type");
          json_object_set_string_member (type, "type", "string");
          json_array_add_object_element (arr, type);
          for (guint i = 0; i < devices->len; i++)
            {
              Device *dev = devices->pdata[i];
              g_autofree char *child = NULL;
              JsonObject *o;

              if (dev->id == NULL)
                continue;
              child = g_strdup_printf ("child<%s>", dev->driver);

              o = json_object_new ();
              json_object_set_string_member (o, "name", dev->id);
              json_object_set_string_member (o, "type", child);
              json_array_add_object_element (arr, o);
            }
          json_node_take_array (ret, arr);
          reply (mon, id, ret);
        }
    }
  else if (strcmp (cmd, "quit") == 0)
    {
      reply_empty (mon, id);
      shutdown_and_exit (FALSE, "host-qmp-quit");
    }
  else
    reply_error (mon, id, "CommandNotFound", "The command %s has not been found", cmd);
}

static void
mon_disconnect (Monitor *mon)
{
  close (mon->fd);
  mon->fd = -1;
  mon->negotiated = FALSE;
  g_string_truncate (mon->in, 0);
}

static void
mon_accept (Monitor *mon)
{
  const char *greeting =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18 (qemu-double)\"}, \"capabilities\": [\"oob\"]}}";
  g_autoptr(JsonNode) msg = json_from_string (greeting, NULL);
  int fd = accept4 (mon->chr->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (fd < 0)
    return;
  mon->fd = fd;
  mon->negotiated = FALSE;
  mon_send (mon, msg);
}

/* Handles every complete JSON object in the monitor's input. */
static void
mon_input (Monitor *mon)
{
  char buf[65536];
  ssize_t n = read (mon->fd, buf, sizeof buf);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      mon_disconnect (mon);
      return;
    }
  g_string_append_len (mon->in, buf, n);
  for (;;)
    {
      guint depth = 0;
      gboolean in_str = FALSE, esc = FALSE;
      gsize start = 0, end = 0;
      gboolean found = FALSE;

      while (start < mon->in->len && g_ascii_isspace (mon->in->str[start]))
        start++;
      for (gsize i = start; i < mon->in->len && !found; i++)
        {
          char c = mon->in->str[i];

          if (in_str)
            {
              if (esc)
                esc = FALSE;
              else if (c == '\\')
                esc = TRUE;
              else if (c == '"')
                in_str = FALSE;
            }
          else if (c == '"')
            in_str = TRUE;
          else if (c == '{' || c == '[')
            depth++;
          else if (c == '}' || c == ']')
            {
              if (depth > 0 && --depth == 0)
                {
                  found = TRUE;
                  end = i + 1;
                }
            }
          else if (depth == 0)
            {
              /* QEMU's lexer answers garbage with an error and resyncs */
              found = TRUE;
              end = i + 1;
            }
        }
      if (!found)
        {
          if (mon->in->len > QMP_MAX_INPUT)
            mon_disconnect (mon);
          return;
        }
      {
        g_autofree char *text = g_strndup (mon->in->str + start, end - start);
        g_autoptr(JsonNode) node = json_from_string (text, NULL);

        g_string_erase (mon->in, 0, (gssize) end);
        if (node == NULL)
          reply_error (mon, NULL, "GenericError", "JSON parse error, invalid input");
        else if (!JSON_NODE_HOLDS_OBJECT (node))
          reply_error (mon, NULL, "GenericError", "QMP input must be a JSON object");
        else
          handle_command (mon, json_node_get_object (node));
        if (mon->fd < 0)
          return;
      }
    }
}

static void
run_timers (void)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < timers->len;)
    {
      Timer *t = timers->pdata[i];

      if (t->when > now)
        {
          i++;
          continue;
        }
      g_ptr_array_steal_index (timers, i);
      if (t->kind == TIMER_SHUTDOWN)
        {
          timer_free (t);
          shutdown_and_exit (TRUE, "guest-shutdown");
        }
      else
        {
          Device *dev = device_find (t->device);

          if (dev != NULL)
            {
              JsonObject *data = json_object_new ();
              g_autofree char *path = g_strdup_printf ("/machine/peripheral/%s", t->device);

              g_ptr_array_remove (devices, dev);
              json_object_set_string_member (data, "device", t->device);
              json_object_set_string_member (data, "path", path);
              emit_event ("DEVICE_DELETED", data);
            }
          timer_free (t);
        }
    }
}

static int
next_timeout_ms (void)
{
  gint64 now = g_get_monotonic_time ();
  gint64 first = G_MAXINT64;

  for (guint i = 0; i < timers->len; i++)
    first = MIN (first, ((Timer *) timers->pdata[i])->when);
  if (first == G_MAXINT64)
    return -1;
  return first <= now ? 0 : (int) MIN ((first - now + 999) / 1000, G_MAXINT);
}

int
main (int argc, char **argv)
{
  char *base = g_path_get_basename (argv[0]);
  const char *env_arch = g_getenv ("QEMU_DOUBLE_ARCH");
  static char progbuf[256];
  sigset_t mask;
  int sfd;

  g_strlcpy (progbuf, base, sizeof progbuf);
  progname = progbuf;
  if (g_str_has_prefix (base, "qemu-system-"))
    arch = base + strlen ("qemu-system-");
  if (env_arch != NULL && *env_arch != '\0')
    arch = env_arch;
  arch = g_strdup (arch);
  g_free (base);

  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  chardevs = g_ptr_array_new ();
  monitors = g_ptr_array_new ();
  deferred_mons = g_ptr_array_new ();
  timers = g_ptr_array_new_with_free_func ((GDestroyNotify) timer_free);

  /* Signals QEMU treats as "terminate": a SHUTDOWN event, then exit. */
  sigemptyset (&mask);
  sigaddset (&mask, SIGTERM);
  sigaddset (&mask, SIGINT);
  sigaddset (&mask, SIGHUP);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  signal (SIGPIPE, SIG_IGN);
  sfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  load_properties ();
  parse_command_line (argc, argv);
  if (pidfile != NULL)
    {
      g_autofree char *pid = g_strdup_printf ("%d\n", (int) getpid ());
      g_autoptr(GError) error = NULL;

      if (!g_file_set_contents (pidfile, pid, -1, &error))
        die_opt (NULL, "cannot create PID file: %s", error->message);
    }

  for (;;)
    {
      g_autofree struct pollfd *pfds = g_new0 (struct pollfd, monitors->len + 1);
      int r;

      pfds[0] = (struct pollfd) { .fd = sfd, .events = POLLIN };
      for (guint i = 0; i < monitors->len; i++)
        {
          Monitor *mon = monitors->pdata[i];

          /* QEMU serves one client per monitor; others wait in the backlog. */
          pfds[i + 1] = (struct pollfd) { .fd = mon->fd >= 0 ? mon->fd : mon->chr->listen_fd,
                                          .events = POLLIN };
        }
      r = poll (pfds, monitors->len + 1, next_timeout_ms ());
      if (r < 0 && errno != EINTR)
        die_opt (NULL, "qemu-double: poll: %s", g_strerror (errno));
      if (r > 0 && (pfds[0].revents & POLLIN) != 0)
        {
          struct signalfd_siginfo si;

          if (read (sfd, &si, sizeof si) == (ssize_t) sizeof si)
            {
              fprintf (stderr, "%s: terminating on signal %u from pid %u\n", progname,
                       si.ssi_signo, si.ssi_pid);
              shutdown_and_exit (FALSE, "host-signal");
            }
        }
      for (guint i = 0; r > 0 && i < monitors->len; i++)
        {
          Monitor *mon = monitors->pdata[i];

          if (pfds[i + 1].revents == 0)
            continue;
          if (pfds[i + 1].fd == mon->fd)
            mon_input (mon);
          else
            mon_accept (mon);
        }
      run_timers ();
    }
}
