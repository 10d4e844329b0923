/* vmdev-domain-status.c: status.json and the live definition of a running
 * domain.  See vmdev-domain-status.h. */
#include "domain/vmdev-domain-status.h"

#include "host/vmdev-host.h"
#include "qemu/vmdev-qemu-command.h"
#include "store/vmdev-json-writer.h"
#include "util/vmdev-json.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
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

static char *
status_to_json (const VmdevDomainStatus *st)
{
  VmdevJsonWriter *w = vmdev_json_writer_new (TRUE);

  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_member_uint (w, "version", VMDEV_DOMAIN_STATUS_VERSION);
  vmdev_json_writer_member_string (w, "name", st->name);
  vmdev_json_writer_member_string (w, "uuid", st->uuid);
  vmdev_json_writer_member_string (w, "state", st->state);
  vmdev_json_writer_member_uint (w, "pid", (guint64) MAX (st->pid, 0));
  vmdev_json_writer_member_uint (w, "pid_start_time", st->pid_start_time);
  vmdev_json_writer_member_uint (w, "monitor_pid", (guint64) MAX (st->monitor_pid, 0));
  vmdev_json_writer_member_string (w, "started", st->started);
  vmdev_json_writer_member_string (w, "qmp", st->qmp);
  vmdev_json_writer_member_string (w, "log", st->log);
  if (st->mcs != NULL)
    vmdev_json_writer_member_string (w, "mcs", st->mcs);
  vmdev_json_writer_key (w, "hostdevs");
  vmdev_json_writer_begin_array (w);
  for (guint i = 0; i < st->hostdevs->len; i++)
    {
      const VmdevDomainStatusHostdev *h = g_ptr_array_index (st->hostdevs, i);

      vmdev_json_writer_begin_object (w);
      vmdev_json_writer_member_string (w, "uuid", h->uuid);
      vmdev_json_writer_member_string (w, "alias", h->alias);
      vmdev_json_writer_member_boolean (w, "managed", h->managed);
      vmdev_json_writer_member_boolean (w, "created_by_vmdev", h->created_by_vmdev);
      vmdev_json_writer_key (w, "iommu_group");
      if (h->iommu_group >= 0)
        vmdev_json_writer_uint (w, (guint64) h->iommu_group);
      else
        vmdev_json_writer_raw (w, "null");
      if (h->pending)
        vmdev_json_writer_member_boolean (w, "pending", TRUE);
      vmdev_json_writer_end_object (w);
    }
  vmdev_json_writer_end_array (w);
  vmdev_json_writer_end_object (w);
  return vmdev_json_writer_finish (w, NULL);  /* frees w */
}

gboolean
vmdev_domain_status_write (VmdevDir *dir, const VmdevDomainStatus *st, GError **error)
{
  g_autofree char *text = status_to_json (st);
  g_autofree char *data = g_strconcat (text, "\n", NULL);

  return vmdev_dir_write_atomic (dir, VMDEV_DOMAIN_STATUS_FILE, data, strlen (data), 0644,
                                 error);
}

gboolean
vmdev_domain_run_file_read (VmdevRoot *root, const char *name, const char *file, char **out_path,
               char **out_data, gsize *out_len, GError **error)
{
  g_autofree char *rel = vmdev_domain_run_rel (name);
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) local = NULL;

  dir = vmdev_dir_open_if_exists (root, rel, &local);
  if (dir == NULL || !vmdev_dir_read_if_exists (dir, file, MAX_FILE, out_data, out_len, &local) ||
      *out_data == NULL)
    {
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *out_path = vmdev_dir_child_path (dir, file);
  return TRUE;
}

static gboolean
read_hostdevs (const VmdevJson *o, VmdevDomainStatus *st)
{
  VmdevJson *arr = vmdev_json_get_array (o, "hostdevs");

  if (arr == NULL)
    return vmdev_json_object_get (o, "hostdevs") == NULL;
  for (guint i = 0; i < arr->items->len; i++)
    {
      const VmdevJson *h = g_ptr_array_index (arr->items, i);
      const char *uuid = vmdev_json_get_string (h, "uuid", NULL);
      const char *alias = vmdev_json_get_string (h, "alias", NULL);
      gint64 group = vmdev_json_get_int (h, "iommu_group", -1);
      VmdevDomainStatusHostdev *hd;

      if (uuid == NULL || alias == NULL)
        return FALSE;
      hd = vmdev_domain_status_hostdev_new (uuid, alias,
                                            vmdev_json_get_boolean (h, "managed", FALSE),
                                            group >= 0 && group <= G_MAXINT ? (int) group : -1);
      hd->created_by_vmdev = vmdev_json_get_boolean (h, "created_by_vmdev", FALSE);
      hd->pending = vmdev_json_get_boolean (h, "pending", FALSE);
      g_ptr_array_add (st->hostdevs, hd);
    }
  return TRUE;
}

VmdevDomainStatus *
vmdev_domain_status_read (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(VmdevDomainStatus) st = NULL;
  g_autoptr(VmdevJson) o = NULL;
  g_autofree char *path = NULL, *data = NULL;
  gsize len = 0;

  if (!vmdev_domain_run_file_read (root, name, VMDEV_DOMAIN_STATUS_FILE, &path, &data, &len, error))
    return NULL;
  if (!g_utf8_validate_len (data, len, NULL))
    g_set_error (&local, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "not UTF-8 text");
  else if (vmdev_json_parse (data, len, &o, &local) && (o == NULL || o->type != VMDEV_JSON_OBJECT))
    g_set_error (&local, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "not a JSON object");
  if (local != NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "reading: %s: %s", path,
                   local->message);
      return NULL;
    }
  st = vmdev_domain_status_new ();
  st->name = g_strdup (vmdev_json_get_string (o, "name", name));
  st->uuid = g_strdup (vmdev_json_get_string (o, "uuid", ""));
  st->state = g_strdup (vmdev_json_get_string (o, "state", "running"));
  st->pid = vmdev_json_get_int (o, "pid", 0);
  st->pid_start_time = (guint64) MAX (vmdev_json_get_int (o, "pid_start_time", 0), 0);
  st->monitor_pid = vmdev_json_get_int (o, "monitor_pid", 0);
  st->started = g_strdup (vmdev_json_get_string (o, "started", ""));
  st->qmp = g_strdup (vmdev_json_get_string (o, "qmp", ""));
  st->log = g_strdup (vmdev_json_get_string (o, "log", ""));
  st->mcs = g_strdup (vmdev_json_get_string (o, "mcs", NULL));
  if (!read_hostdevs (o, st))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "reading: %s: \"hostdevs\" is not a list of {\"uuid\", \"alias\", ...}",
                   path);
      return NULL;
    }
  return g_steal_pointer (&st);
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

/* Now in UTC, broken down, and the microseconds. */
static void
utc_now (struct tm *out_tm, long *out_us)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, out_tm);
  *out_us = ts.tv_nsec / 1000;
}

char *
vmdev_domain_now_iso (void)
{
  struct tm tm;
  long us;

  utc_now (&tm, &us);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *
vmdev_domain_log_line_new (const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  struct tm tm;
  long us;

  utc_now (&tm, &us);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ vmdev: %s\n", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us, msg);
}

void
vmdev_domain_log_append (VmdevRoot *root, const char *name, const char *fmt, ...)
{
  g_autofree char *rel = vmdev_domain_log_rel (name);
  g_autofree char *line = NULL;
  va_list ap;
  ssize_t n G_GNUC_UNUSED;
  int fd;

  va_start (ap, fmt);
  line = vmdev_domain_log_line_new (fmt, ap);
  va_end (ap);
  fd = openat (vmdev_root_fd (root), rel, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return;
  n = write (fd, line, strlen (line));
  close (fd);
}
