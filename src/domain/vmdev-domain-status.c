/* vmdev-domain-status.c: status.json and the live definition of a running
 * domain.  See vmdev-domain-status.h. */
#include "domain/vmdev-domain-status.h"

#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "host/vmdev-host.h"
#include "qemu/vmdev-qemu-command.h"
#include "util/vmdev-error.h"

#include <json-glib/json-glib.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The largest status.json or domain.xml read back. */
#define MAX_FILE (16 * 1024 * 1024)

void
vmdev_domain_status_hostdev_free (VmdevDomainStatusHostdev *h)
{
  if (h == NULL)
    return;
  g_free (h->uuid);
  g_free (h->alias);
  g_free (h);
}

VmdevDomainStatusHostdev *
vmdev_domain_status_hostdev_new (const char *uuid, const char *alias, gboolean managed,
                                 int iommu_group)
{
  VmdevDomainStatusHostdev *h = g_new0 (VmdevDomainStatusHostdev, 1);

  h->uuid = g_strdup (uuid);
  h->alias = g_strdup (alias);
  h->managed = managed;
  h->iommu_group = iommu_group;
  return h;
}

VmdevDomainStatus *
vmdev_domain_status_new (void)
{
  VmdevDomainStatus *st = g_new0 (VmdevDomainStatus, 1);

  st->hostdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_domain_status_hostdev_free);
  return st;
}

void
vmdev_domain_status_free (VmdevDomainStatus *st)
{
  if (st == NULL)
    return;
  g_free (st->name);
  g_free (st->uuid);
  g_free (st->state);
  g_free (st->started);
  g_free (st->qmp);
  g_free (st->log);
  g_free (st->mcs);
  g_ptr_array_unref (st->hostdevs);
  g_free (st);
}

int
vmdev_domain_status_find_hostdev (const VmdevDomainStatus *st, const char *uuid)
{
  for (guint i = 0; i < st->hostdevs->len; i++)
    if (g_strcmp0 (((VmdevDomainStatusHostdev *) g_ptr_array_index (st->hostdevs, i))->uuid,
                   uuid) == 0)
      return (int) i;
  return -1;
}

int
vmdev_domain_mdev_iommu_group (VmdevRoot *root, const char *uuid)
{
  g_autoptr(VmdevMdev) mdev = NULL;
  guint64 group;

  if (uuid == NULL || !vmdev_host_find_mdev (root, uuid, &mdev, NULL) ||
      mdev->iommu_group == NULL || !g_ascii_string_to_unsigned (mdev->iommu_group, 10, 0,
                                                                G_MAXINT, &group, NULL))
    return -1;
  return (int) group;
}

guint64
vmdev_proc_start_time (gint64 pid)
{
  g_autofree char *path = NULL, *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *p;

  if (pid <= 0)
    return 0;
  path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* comm may hold spaces and parentheses: fields start after the last ')'. */
  p = strrchr (text, ')');
  if (p == NULL)
    return 0;
  fields = g_strsplit (p + 2, " ", 0);
  /* fields[0] is field 3 (state); field 22 is fields[19]. */
  if (g_strv_length (fields) < 20 || fields[0][0] == 'Z' || fields[0][0] == 'X')
    return 0;
  return g_ascii_strtoull (fields[19], NULL, 10);
}

char *
vmdev_domain_run_rel (const char *name)
{
  return g_strdup_printf ("%s/%s", VMDEV_QEMU_RUN_DIR, name);
}

char *
vmdev_domain_log_rel (const char *name)
{
  return g_strdup_printf ("%s/%s.log", VMDEV_DOMAIN_LOG_DIR, name);
}

gboolean
vmdev_domain_status_alive (const VmdevDomainStatus *st)
{
  guint64 t = vmdev_proc_start_time (st->pid);

  return t != 0 && t == st->pid_start_time;
}

static void
add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, value);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

static char *
status_to_json (const VmdevDomainStatus *st)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_int (b, "version", VMDEV_DOMAIN_STATUS_VERSION);
  add_string (b, "name", st->name);
  add_string (b, "uuid", st->uuid);
  add_string (b, "state", st->state);
  add_int (b, "pid", st->pid);
  add_int (b, "pid_start_time", (gint64) st->pid_start_time);
  add_int (b, "monitor_pid", st->monitor_pid);
  add_string (b, "started", st->started);
  add_string (b, "qmp", st->qmp);
  add_string (b, "log", st->log);
  if (st->mcs != NULL)
    add_string (b, "mcs", st->mcs);
  json_builder_set_member_name (b, "hostdevs");
  json_builder_begin_array (b);
  for (guint i = 0; i < st->hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (st->hostdevs, i);

      json_builder_begin_object (b);
      add_string (b, "uuid", h->uuid);
      add_string (b, "alias", h->alias);
      json_builder_set_member_name (b, "managed");
      json_builder_add_boolean_value (b, h->managed);
      json_builder_set_member_name (b, "created_by_vmdev");
      json_builder_add_boolean_value (b, h->created_by_vmdev);
      json_builder_set_member_name (b, "iommu_group");
      if (h->iommu_group >= 0)
        json_builder_add_int_value (b, h->iommu_group);
      else
        json_builder_add_null_value (b);
      if (h->pending)
        {
          json_builder_set_member_name (b, "pending");
          json_builder_add_boolean_value (b, TRUE);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

gboolean
vmdev_domain_status_write (VmdevDir *dir, const VmdevDomainStatus *st, GError **error)
{
  g_autofree char *text = status_to_json (st);
  g_autofree char *data = g_strconcat (text, "\n", NULL);

  return vmdev_dir_write_atomic (dir, VMDEV_DOMAIN_STATUS_FILE, data, strlen (data), 0644,
                                 error);
}

/* Reads @file of the runtime directory of @name; FALSE and no error when the
 * directory or the file does not exist. */
static gboolean
run_file_read (VmdevRoot *root, const char *name, const char *file, char **out_path,
               char **out_data, gsize *out_len, GError **error)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) local = NULL;

  dir = vmdev_dir_open (root, rel, &local);
  if (dir == NULL || !vmdev_dir_read (dir, file, MAX_FILE, out_data, out_len, &local))
    {
      if (!vmdev_error_is_errno (local, ENOENT))
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *out_path = vmdev_dir_child_path (dir, file);
  return TRUE;
}

static gboolean
read_hostdevs (JsonObject *o, VmdevDomainStatus *st)
{
  JsonNode *node = json_object_get_member (o, "hostdevs");
  JsonArray *arr;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      JsonObject *h;
      JsonNode *group;
      VmdevDomainStatusHostdev *hd;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        return FALSE;
      h = json_node_get_object (e);
      if (json_object_get_string_member_with_default (h, "uuid", NULL) == NULL ||
          json_object_get_string_member_with_default (h, "alias", NULL) == NULL)
        return FALSE;
      group = json_object_get_member (h, "iommu_group");
      hd = vmdev_domain_status_hostdev_new (
        json_object_get_string_member (h, "uuid"), json_object_get_string_member (h, "alias"),
        json_object_get_boolean_member_with_default (h, "managed", FALSE),
        group != NULL && JSON_NODE_HOLDS_VALUE (group) ? (int) json_node_get_int (group) : -1);
      hd->created_by_vmdev = json_object_get_boolean_member_with_default (h, "created_by_vmdev",
                                                                          FALSE);
      hd->pending = json_object_get_boolean_member_with_default (h, "pending", FALSE);
      g_ptr_array_add (st->hostdevs, hd);
    }
  return TRUE;
}

VmdevDomainStatus *
vmdev_domain_status_read (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autofree char *path = NULL, *data = NULL;
  gsize len = 0;
  JsonObject *o;

  if (!run_file_read (root, name, VMDEV_DOMAIN_STATUS_FILE, &path, &data, &len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data, len, &local) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "reading: %s: %s", path,
                   local != NULL ? local->message : "not a JSON object");
      return NULL;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  st = vmdev_domain_status_new ();
  st->name = g_strdup (json_object_get_string_member_with_default (o, "name", name));
  st->uuid = g_strdup (json_object_get_string_member_with_default (o, "uuid", ""));
  st->state = g_strdup (json_object_get_string_member_with_default (o, "state", "running"));
  st->pid = json_object_get_int_member_with_default (o, "pid", 0);
  st->pid_start_time = json_object_get_int_member_with_default (o, "pid_start_time", 0);
  st->monitor_pid = json_object_get_int_member_with_default (o, "monitor_pid", 0);
  st->started = g_strdup (json_object_get_string_member_with_default (o, "started", ""));
  st->qmp = g_strdup (json_object_get_string_member_with_default (o, "qmp", ""));
  st->log = g_strdup (json_object_get_string_member_with_default (o, "log", ""));
  st->mcs = g_strdup (json_object_get_string_member_with_default (o, "mcs", NULL));
  if (!read_hostdevs (o, st))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "reading: %s: \"hostdevs\" is not a list of {\"uuid\", \"alias\", ...}",
                   path);
      return NULL;
    }
  return g_steal_pointer (&st);
}

VmdevDomain *
vmdev_domain_live_read (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = NULL, *data = NULL;
  gsize len = 0;
  VmdevDomain *def;

  if (!run_file_read (root, name, VMDEV_DOMAIN_LIVE_FILE, &path, &data, &len, &local))
    {
      if (local == NULL)
        g_set_error (&local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                     "domain '%s' has no live definition (it is not running)", name);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  def = vmdev_domain_parse (data, len, 0, error);
  if (def == NULL)
    g_prefix_error (error, "%s: ", path);
  return def;
}

gboolean
vmdev_domain_live_write (VmdevDir *dir, const VmdevDomain *def, GError **error)
{
  g_autofree char *xml = vmdev_domain_format (def);

  return vmdev_dir_write_atomic (dir, VMDEV_DOMAIN_LIVE_FILE, xml, strlen (xml), 0600, error);
}

void
vmdev_domain_remove_run_dir (VmdevRoot *root, const char *name)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDir) dir = vmdev_dir_open (root, rel, NULL);
  g_autoptr(GPtrArray) names = NULL;

  if (dir == NULL)
    return;
  names = vmdev_dir_list (dir, NULL);
  for (guint i = 0; names != NULL && i < names->len; i++)
    unlinkat (dir->fd, g_ptr_array_index (names, i), 0);
  unlinkat (vmdev_root_fd (root), rel, AT_REMOVEDIR);
}

void
vmdev_domain_log_append (VmdevRoot *root, const char *name, const char *fmt, ...)
{
  g_autofree char *rel = vmdev_domain_log_rel (name);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *msg = NULL, *line = NULL;
  va_list ap;
  ssize_t n G_GNUC_UNUSED;
  int fd;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  line = g_strdup_printf ("%s vmdev: %s\n", stamp, msg);
  fd = openat (vmdev_root_fd (root), rel, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return;
  n = write (fd, line, strlen (line));
  close (fd);
}
