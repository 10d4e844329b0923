/* vmdev-host.c: discovery and control of mdevs through the kernel's sysfs ABI.
 *
 * Discovery reads each attribute once with openat() relative to an open
 * directory and resolves each link with one readlinkat(): about 13 syscalls
 * per type; per device, its mdev_type link read relative to the parent's
 * directory, plus one listing of each parent's directory (which tells the
 * parent of each device without reading its link in sys/bus/mdev/devices). */
#include "host/vmdev-host.h"

#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-name.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MDEV_BUS_DIR "sys/class/mdev_bus"
#define MDEV_DEVICES_DIR "sys/bus/mdev/devices"
#define VFIO_DIR "dev/vfio"

void
vmdev_mdev_type_free (VmdevMdevType *type)
{
  if (type == NULL)
    return;
  g_free (type->parent);
  g_free (type->id);
  g_free (type->name);
  g_free (type->description);
  g_free (type->device_api);
  g_free (type);
}

void
vmdev_parent_free (VmdevParent *parent)
{
  if (parent == NULL)
    return;
  g_free (parent->name);
  g_clear_pointer (&parent->types, g_ptr_array_unref);
  g_free (parent);
}

void
vmdev_mdev_free (VmdevMdev *mdev)
{
  if (mdev == NULL)
    return;
  g_free (mdev->parent);
  g_free (mdev->type_id);
  g_free (mdev->iommu_group);
  g_free (mdev);
}

guint
vmdev_host_wait_timeout_ms (void)
{
  const char *env = g_getenv ("VMDEV_SYSFS_TIMEOUT_MS");
  guint64 v;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600 * 1000, &v, NULL))
    return (guint) v;
  return 10000;
}

static void
warn (GPtrArray *warnings, GError *error)
{
  if (warnings != NULL)
    g_ptr_array_add (warnings, error);
  else
    g_error_free (error);
}

/* Opens a directory under the root; ENOENT gives NULL without an error when
 * @missing_ok, so that "no mdev driver loaded" lists as empty. */
static VmdevDir *
open_optional_dir (VmdevRoot *root, const char *rel, gboolean *out_missing, GError **error)
{
  GError *local = NULL;
  VmdevDir *dir = vmdev_dir_open_if_exists (root, rel, &local);

  *out_missing = dir == NULL && local == NULL;
  if (local != NULL)
    g_propagate_error (error, local);
  return dir;
}

/* Reads an optional attribute: a missing file gives NULL and TRUE. */
static gboolean
read_optional_attr (VmdevDir *dir, const char *name, char **out, GError **error)
{
  GError *local = NULL;

  if (vmdev_dir_read_attr (dir, name, out, &local))
    return TRUE;
  if (vmdev_error_is_errno (local, ENOENT))
    {
      g_error_free (local);
      *out = NULL;
      return TRUE;
    }
  g_propagate_error (error, local);
  return FALSE;
}

/* Reads the type @type_id from @types_dir (the parent's mdev_supported_types). */
static VmdevMdevType *
read_type (VmdevDir *types_dir, const char *parent, const char *type_id, GError **error)
{
  g_autoptr(VmdevMdevType) type = g_new0 (VmdevMdevType, 1);
  g_autofree char *p_name = g_strconcat (type_id, "/name", NULL);
  g_autofree char *p_desc = g_strconcat (type_id, "/description", NULL);
  g_autofree char *p_api = g_strconcat (type_id, "/device_api", NULL);
  g_autofree char *p_avail = g_strconcat (type_id, "/available_instances", NULL);

  type->parent = g_strdup (parent);
  type->id = g_strdup (type_id);
  if (!vmdev_dir_read_attr (types_dir, p_api, &type->device_api, error) ||
      !vmdev_dir_read_uint (types_dir, p_avail, &type->available_instances, error) ||
      !read_optional_attr (types_dir, p_name, &type->name, error) ||
      !read_optional_attr (types_dir, p_desc, &type->description, error))
    return NULL;
  return g_steal_pointer (&type);
}

static gboolean
is_type_dir (VmdevDir *types_dir, const char *name)
{
  struct stat st;

  return fstatat (types_dir->fd, name, &st, 0) == 0 && S_ISDIR (st.st_mode);
}

static VmdevParent *
read_parent (VmdevDir *bus, const char *name, GPtrArray *warnings, GError **error)
{
  g_autofree char *rel = g_strconcat (name, "/mdev_supported_types", NULL);
  g_autoptr(VmdevDir) types_dir = vmdev_dir_open_at (bus, rel, error);
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(VmdevParent) parent = NULL;

  if (types_dir == NULL)
    return NULL;
  ids = vmdev_dir_list (types_dir, error);
  if (ids == NULL)
    return NULL;

  parent = g_new0 (VmdevParent, 1);
  parent->name = g_strdup (name);
  parent->types = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_mdev_type_free);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      GError *local = NULL;
      VmdevMdevType *type;

      if (!vmdev_name_check ("mdev type", id, &local))
        {
          g_prefix_error (&local, "skipping %s: ", types_dir->path);
          warn (warnings, local);
          continue;
        }
      type = read_type (types_dir, name, id, &local);
      if (type == NULL)
        {
          /* A stray file in mdev_supported_types is not a broken type. */
          if (!is_type_dir (types_dir, id))
            {
              g_error_free (local);
              continue;
            }
          g_prefix_error (&local, "skipping mdev type '%s' of parent '%s': ", id, name);
          warn (warnings, local);
          continue;
        }
      g_ptr_array_add (parent->types, type);
    }
  return g_steal_pointer (&parent);
}

gboolean
vmdev_host_list_parents (VmdevRoot *root, const char *only_parent,
                         GPtrArray **out_parents, GPtrArray *warnings, GError **error)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_parent_free);
  g_autoptr(VmdevDir) bus = NULL;
  g_autoptr(GPtrArray) names = NULL;
  gboolean missing;

  bus = open_optional_dir (root, MDEV_BUS_DIR, &missing, error);
  if (bus == NULL && !missing)
    return FALSE;
  if (bus != NULL)
    {
      if (only_parent != NULL)
        {
          names = g_ptr_array_new_with_free_func (g_free);
          if (vmdev_dir_has (bus, only_parent))
            g_ptr_array_add (names, g_strdup (only_parent));
        }
      else if ((names = vmdev_dir_list (bus, error)) == NULL)
        return FALSE;

      for (guint i = 0; i < names->len; i++)
        {
          const char *name = g_ptr_array_index (names, i);
          GError *local = NULL;
          VmdevParent *parent;

          if (!vmdev_name_check ("parent", name, &local))
            {
              g_prefix_error (&local, "skipping %s: ", bus->path);
              warn (warnings, local);
              continue;
            }
          parent = read_parent (bus, name, warnings, &local);
          if (parent == NULL)
            {
              g_prefix_error (&local, "skipping parent '%s': ", name);
              warn (warnings, local);
              continue;
            }
          g_ptr_array_add (parents, parent);
        }
    }
  *out_parents = g_steal_pointer (&parents);
  return TRUE;
}

static gboolean
check_parent_exists (VmdevRoot *root, const char *parent, GError **error)
{
  g_autofree char *rel = g_strconcat (MDEV_BUS_DIR "/", parent, NULL);
  struct stat st;

  if (fstatat (vmdev_root_fd (root), rel, &st, 0) == 0)
    return TRUE;
  {
    g_autofree char *path = vmdev_root_display (root, rel);
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                 "parent device '%s' not found: %s does not exist "
                 "(is its mdev driver loaded? 'vmdev mdev types' lists the parents)",
                 parent, path);
  }
  return FALSE;
}

gboolean
vmdev_host_read_type (VmdevRoot *root, const char *parent, const char *type_id,
                      VmdevMdevType **out_type, GError **error)
{
  g_autofree char *rel = NULL;
  g_autoptr(VmdevDir) types_dir = NULL;
  GError *local = NULL;
  VmdevMdevType *type;

  if (!vmdev_name_check ("parent", parent, error) ||
      !vmdev_name_check ("mdev type", type_id, error) ||
      !check_parent_exists (root, parent, error))
    return FALSE;
  rel = g_strconcat (MDEV_BUS_DIR "/", parent, "/mdev_supported_types", NULL);
  types_dir = vmdev_dir_open (root, rel, error);
  if (types_dir == NULL)
    return FALSE;
  if (!is_type_dir (types_dir, type_id))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                   "mdev type '%s' not found on parent '%s': %s/%s does not exist "
                   "('vmdev mdev types -p %s' lists its types)",
                   type_id, parent, types_dir->path, type_id, parent);
      return FALSE;
    }
  type = read_type (types_dir, parent, type_id, &local);
  if (type == NULL)
    {
      g_propagate_prefixed_error (error, local, "mdev type '%s' on '%s': ", type_id, parent);
      return FALSE;
    }
  *out_type = type;
  return TRUE;
}

/* The last component of a link target ("../mdev_supported_types/mtty-2" → "mtty-2"). */
static const char *
last_component (const char *target)
{
  const char *slash = strrchr (target, '/');

  return slash ? slash + 1 : target;
}

/* Fills @mdev's uuid from @name, an entry of sys/bus/mdev/devices. */
static gboolean
set_device_uuid (const char *name, VmdevMdev *mdev, GError **error)
{
  if (!vmdev_uuid_is_canonical (name))
    {
      if (vmdev_uuid_normalize (name, mdev->uuid, error))
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                     "'%s' is not a canonical lower-case UUID", name);
      return FALSE;
    }
  memcpy (mdev->uuid, name, VMDEV_UUID_BUFSIZE);
  return TRUE;
}

/* Reads the link sys/bus/mdev/devices/@name (one readlinkat()): its target
 * ends in <parent device>/<uuid>.  Fills @mdev's parent and returns the
 * target's directory (the parent device's, relative to the devices dir). */
static char *
read_device_link (VmdevDir *devices, const char *name, VmdevMdev *mdev, GError **error)
{
  g_autofree char *target = NULL;
  char *slash;
  const char *parent;

  if (!vmdev_dir_readlink (devices, name, &target, error))
    return NULL;
  slash = strrchr (target, '/');
  if (slash != NULL)
    *slash = '\0';
  parent = last_component (target);
  if (slash == NULL || strcmp (slash + 1, name) != 0 || !vmdev_name_check ("parent", parent, NULL))
    {
      g_autofree char *path = vmdev_dir_child_path (devices, name);
      if (slash != NULL)
        *slash = '/';
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "%s: link target '%s' is not <parent device>/<uuid>", path, target);
      return NULL;
    }
  mdev->parent = g_strdup (parent);
  return g_steal_pointer (&target);
}

/* readlinkat() of <uuid>/@link: relative to @parent_fd, the parent device's
 * directory, when it is open (a walk of two components instead of the device
 * link's whole target); else, and for the message of a failure, through
 * sys/bus/mdev/devices.  Gives the last component of the target
 * ("../mdev_supported_types/mtty-2" -> "mtty-2"). */
static gboolean
read_mdev_link (VmdevDir *devices, int parent_fd, const VmdevMdev *mdev, const char *link,
                char **out_name, GError **error)
{
  char rel[VMDEV_UUID_BUFSIZE + 32];
  char buf[PATH_MAX];
  g_autofree char *target = NULL;
  gsize link_len = strlen (link);
  ssize_t n;

  /* "<uuid>/<link>" (without printf: this is done for every device) */
  g_assert (link_len < sizeof rel - VMDEV_UUID_LEN - 1);
  memcpy (rel, mdev->uuid, VMDEV_UUID_LEN);
  rel[VMDEV_UUID_LEN] = '/';
  memcpy (rel + VMDEV_UUID_LEN + 1, link, link_len + 1);
  if (parent_fd >= 0 && (n = readlinkat (parent_fd, rel, buf, sizeof buf - 1)) >= 0)
    {
      buf[n] = '\0';
      *out_name = g_strdup (last_component (buf));
      return TRUE;
    }
  if (!vmdev_dir_readlink (devices, rel, &target, error))
    return FALSE;
  *out_name = g_strdup (last_component (target));
  return TRUE;
}

/* Reads the type of @mdev from its mdev_type link and, when @with_group, its
 * IOMMU group (NULL when it has none). */
static gboolean
read_mdev_links (VmdevDir *devices, int parent_fd, VmdevMdev *mdev, gboolean with_group,
                 GError **error)
{
  GError *local = NULL;

  if (!read_mdev_link (devices, parent_fd, mdev, "mdev_type", &mdev->type_id, error))
    return FALSE;
  if (!with_group)
    return TRUE;
  if (!read_mdev_link (devices, parent_fd, mdev, "iommu_group", &mdev->iommu_group, &local))
    {
      if (!vmdev_error_is_errno (local, ENOENT))
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      g_error_free (local);
    }
  return TRUE;
}

/* One entry of sys/bus/mdev/devices while the listing reads it. */
typedef struct
{
  VmdevMdev *mdev;          /* NULL once the entry turned out broken */
  const char *name;
  gboolean found;           /* in a parent's directory (its links are read) */
  char *parent_dir;         /* else: the device link's target directory */
  GError *error;            /* why the entry is broken */
} Pending;

/* By parent, then UUID. */
static int
compare_pending (gconstpointer a, gconstpointer b)
{
  const VmdevMdev *x = (*(Pending *const *) a)->mdev, *y = (*(Pending *const *) b)->mdev;
  int c = strcmp (x->parent, y->parent);

  return c != 0 ? c : strcmp (x->uuid, y->uuid);
}

/* By the name in sys/bus/mdev/devices. */
static int
compare_pending_names (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Pending *const *) a)->name, (*(Pending *const *) b)->name);
}

/* By parent, then UUID. */
static int
compare_mdevs (gconstpointer a, gconstpointer b)
{
  const VmdevMdev *x = *(VmdevMdev *const *) a, *y = *(VmdevMdev *const *) b;
  int c = strcmp (x->parent, y->parent);

  return c != 0 ? c : strcmp (x->uuid, y->uuid);
}

/* By UUID (devices of one parent). */
static int
compare_uuids (const void *a, const void *b)
{
  return strcmp ((*(VmdevMdev *const *) a)->uuid, (*(VmdevMdev *const *) b)->uuid);
}

/* What find_in_parents() knows while it lists one parent's directory. */
typedef struct
{
  GHashTable *by_uuid;      /* uuid -> Pending* */
  VmdevDir *devices;
  VmdevDir *pdir;
  const char *parent;
  gboolean with_groups;
  GPtrArray *found;         /* VmdevMdev*: the devices read */
} ParentScan;

/* One name in a parent's directory: a device of @by_uuid is found there. */
static void
scan_parent_entry (const char *name, gpointer user_data)
{
  ParentScan *scan = user_data;
  Pending *p = g_hash_table_lookup (scan->by_uuid, name);

  if (p == NULL || p->found)
    return;
  p->found = TRUE;
  p->mdev->parent = g_strdup (scan->parent);
  if (read_mdev_links (scan->devices, scan->pdir->fd, p->mdev, scan->with_groups, &p->error))
    g_ptr_array_add (scan->found, p->mdev);
  else
    g_clear_pointer (&p->mdev, vmdev_mdev_free);
}

/* Finds the devices of @by_uuid (uuid -> Pending*) in the parents'
 * directories (sys/class/mdev_bus/<parent>/<uuid>, as the kernel makes
 * them): one listing per parent instead of one readlinkat() of each device's
 * link; reads each device's links relative to that directory while it is
 * open, and appends the devices read to @found, sorted by parent, then UUID.
 * Nothing here is an error: what is not found (a broken tree) is left to the
 * device links. */
static void
find_in_parents (VmdevRoot *root, VmdevDir *devices, GHashTable *by_uuid, gboolean with_groups,
                 GPtrArray *found)
{
  g_autoptr(VmdevDir) bus = vmdev_dir_open (root, MDEV_BUS_DIR, NULL);
  g_autoptr(GPtrArray) parents = bus != NULL ? vmdev_dir_list (bus, NULL) : NULL;

  for (guint i = 0; parents != NULL && i < parents->len; i++)
    {
      const char *parent = g_ptr_array_index (parents, i);
      g_autoptr(VmdevDir) pdir = NULL;
      ParentScan scan = { by_uuid, devices, NULL, parent, with_groups, found };
      guint first = found->len;

      if (!vmdev_name_check ("parent", parent, NULL) ||
          (pdir = vmdev_dir_open_at (bus, parent, NULL)) == NULL)
        continue;
      scan.pdir = pdir;
      vmdev_dir_foreach (pdir, scan_parent_entry, &scan, NULL);
      if (found->len - first > 1)
        qsort (found->pdata + first, found->len - first, sizeof (gpointer), compare_uuids);
    }
}

/* Reads the mdev_type (and iommu_group) links of @sorted (Pending*, sorted by
 * parent): each parent's directory is opened once, and the links are read
 * relative to it. */
static void
read_pending_links (VmdevDir *devices, GPtrArray *sorted, gboolean with_groups)
{
  g_auto(VmdevFd) parent_fd = -1;
  const char *open_dir = NULL;

  for (guint i = 0; i < sorted->len; i++)
    {
      Pending *p = g_ptr_array_index (sorted, i);

      if (open_dir == NULL || strcmp (open_dir, p->parent_dir) != 0)
        {
          vmdev_fd_close (parent_fd);
          /* An absolute target is left to the walk through the devices dir. */
          parent_fd = p->parent_dir[0] == '/' ? -1 :
                      openat (devices->fd, p->parent_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
          open_dir = p->parent_dir;
        }
      if (!read_mdev_links (devices, parent_fd, p->mdev, with_groups, &p->error))
        g_clear_pointer (&p->mdev, vmdev_mdev_free);
    }
}

gboolean
vmdev_host_list_mdevs (VmdevRoot *root, gboolean with_iommu_groups, GPtrArray **out_mdevs,
                       GPtrArray *warnings, GError **error)
{
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(VmdevDir) devices = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree Pending *pending = NULL;
  g_autoptr(GHashTable) by_uuid = NULL;
  g_autoptr(GPtrArray) unfound = NULL;
  g_autoptr(GPtrArray) broken = NULL;
  gboolean missing;

  devices = open_optional_dir (root, MDEV_DEVICES_DIR, &missing, error);
  if (devices == NULL && !missing)
    return FALSE;
  if (devices == NULL)
    {
      *out_mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_mdev_free);
      return TRUE;
    }
  /* In the directory's order: the devices are put in order by parent, and
   * the warnings (rare) are sorted by name. */
  names = vmdev_dir_list_unsorted (devices, error);
  if (names == NULL)
    return FALSE;

  /* The devices' parents from the parents' directories, then the device
   * links of those not found there. */
  pending = g_new0 (Pending, names->len);
  by_uuid = g_hash_table_new (vmdev_uuid_hash, g_str_equal);
  for (guint i = 0; i < names->len; i++)
    {
      Pending *p = &pending[i];

      p->name = g_ptr_array_index (names, i);
      p->mdev = g_new0 (VmdevMdev, 1);
      if (set_device_uuid (p->name, p->mdev, &p->error))
        g_hash_table_insert (by_uuid, p->mdev->uuid, p);
      else
        g_clear_pointer (&p->mdev, vmdev_mdev_free);
    }
  mdevs = g_ptr_array_new_full (names->len, (GDestroyNotify) vmdev_mdev_free);
  find_in_parents (root, devices, by_uuid, with_iommu_groups, mdevs);

  unfound = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++)
    {
      Pending *p = &pending[i];

      if (p->mdev == NULL || p->found)
        continue;
      p->parent_dir = read_device_link (devices, p->name, p->mdev, &p->error);
      if (p->parent_dir != NULL)
        g_ptr_array_add (unfound, p);
      else
        g_clear_pointer (&p->mdev, vmdev_mdev_free);
    }
  g_ptr_array_sort (unfound, compare_pending);
  read_pending_links (devices, unfound, with_iommu_groups);

  /* The devices found in their parents' directories are in order; those
   * found through their links (none in a sound tree) are sorted in. */
  broken = g_ptr_array_new ();
  for (guint i = 0; i < names->len; i++)
    {
      Pending *p = &pending[i];

      if (p->mdev != NULL && !p->found)
        g_ptr_array_add (mdevs, p->mdev);
      if (p->error != NULL)
        g_ptr_array_add (broken, p);
      g_free (p->parent_dir);
    }
  g_ptr_array_sort (broken, compare_pending_names);
  for (guint i = 0; i < broken->len; i++)
    {
      Pending *p = g_ptr_array_index (broken, i);

      g_prefix_error (&p->error, "skipping mdev %s: ", p->name);
      warn (warnings, p->error);
    }
  if (unfound->len > 0)
    g_ptr_array_sort (mdevs, compare_mdevs);
  *out_mdevs = g_steal_pointer (&mdevs);
  return TRUE;
}

gboolean
vmdev_host_find_mdev (VmdevRoot *root, const char *uuid, VmdevMdev **out_mdev, GError **error)
{
  char canonical[VMDEV_UUID_BUFSIZE];
  g_autoptr(VmdevDir) devices = NULL;
  g_autoptr(VmdevMdev) mdev = NULL;
  g_autofree char *parent_dir = NULL;
  gboolean missing;

  if (!vmdev_uuid_normalize (uuid, canonical, error))
    return FALSE;
  devices = open_optional_dir (root, MDEV_DEVICES_DIR, &missing, error);
  if (devices == NULL && !missing)
    return FALSE;
  if (devices == NULL || !vmdev_dir_has (devices, canonical))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                   "mediated device %s is not running (no %s/%s)", canonical,
                   devices ? devices->path : MDEV_DEVICES_DIR, canonical);
      return FALSE;
    }
  mdev = g_new0 (VmdevMdev, 1);
  memcpy (mdev->uuid, canonical, VMDEV_UUID_BUFSIZE);
  parent_dir = read_device_link (devices, canonical, mdev, error);
  if (parent_dir == NULL || !read_mdev_links (devices, -1, mdev, TRUE, error))
    {
      g_prefix_error (error, "mediated device %s: ", canonical);
      return FALSE;
    }
  *out_mdev = g_steal_pointer (&mdev);
  return TRUE;
}

/* Polls until @rel under the root exists (@want_present) or is gone, at most
 * vmdev_host_wait_timeout_ms(). */
static gboolean
wait_for_path (VmdevRoot *root, const char *rel, gboolean want_present)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) vmdev_host_wait_timeout_ms () * 1000;
  guint sleep_us = 200;
  struct stat st;

  for (;;)
    {
      gboolean present = fstatat (vmdev_root_fd (root), rel, &st, AT_SYMLINK_NOFOLLOW) == 0;

      if (present == want_present)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (sleep_us);
      sleep_us = MIN (sleep_us * 2, 20000);
    }
}

static gboolean
write_attrs (VmdevRoot *root, const char *uuid, GPtrArray *attrs, GError **error)
{
  g_autofree char *rel = g_strconcat (MDEV_DEVICES_DIR "/", uuid, NULL);
  g_autoptr(VmdevDir) dev = NULL;

  if (attrs == NULL || attrs->len == 0)
    return TRUE;
  dev = vmdev_dir_open (root, rel, error);
  if (dev == NULL)
    return FALSE;
  for (guint i = 0; i < attrs->len; i++)
    {
      const VmdevAttr *attr = g_ptr_array_index (attrs, i);

      if (!vmdev_name_check ("attribute", attr->name, error) ||
          !vmdev_dir_write_attr (dev, attr->name, attr->value, error))
        {
          g_prefix_error (error, "setting attribute %u '%s' of %s: ", i, attr->name, uuid);
          return FALSE;
        }
      g_debug ("mdev %s: wrote attribute %u %s=%s", uuid, i, attr->name, attr->value);
    }
  return TRUE;
}

static void
set_create_error (GError **error, int errnum, const char *parent, const char *type_id,
                  const char *uuid, const char *create_path)
{
  switch (errnum)
    {
    case EEXIST:
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                   "creating mdev %s: %s: a mediated device with this UUID already exists",
                   uuid, create_path);
      break;
    case EUSERS:
    case ENOSPC:
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE,
                   "creating mdev %s: %s: no free instance of type '%s' on parent '%s' (%s)",
                   uuid, create_path, type_id, parent, g_strerror (errnum));
      break;
    case EINVAL:
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "creating mdev %s: %s: the kernel refused the UUID or the type (%s)",
                   uuid, create_path, g_strerror (errnum));
      break;
    default:
      vmdev_error_from_errno (error, errnum, "writing", create_path);
      g_prefix_error (error, "creating mdev %s: ", uuid);
      break;
    }
}

gboolean
vmdev_host_create_mdev (VmdevRoot *root, const char *parent, const char *type_id,
                        const char *uuid_in, GPtrArray *attrs, GError **error)
{
  char uuid[VMDEV_UUID_BUFSIZE];
  g_autoptr(VmdevMdevType) type = NULL;
  g_autofree char *types_rel = NULL, *dev_rel = NULL, *type_link_rel = NULL;
  g_autoptr(VmdevDir) types_dir = NULL;
  g_autofree char *create_name = NULL;
  g_autofree char *line = NULL;
  GError *local = NULL;
  int errnum;

  if (!vmdev_uuid_normalize (uuid_in, uuid, error) ||
      !vmdev_host_read_type (root, parent, type_id, &type, error))
    return FALSE;

  types_rel = g_strconcat (MDEV_BUS_DIR "/", parent, "/mdev_supported_types", NULL);
  types_dir = vmdev_dir_open (root, types_rel, error);
  if (types_dir == NULL)
    return FALSE;
  create_name = g_strconcat (type_id, "/create", NULL);
  line = g_strconcat (uuid, "\n", NULL);
  g_debug ("creating mdev %s: writing it to %s/%s", uuid, types_dir->path, create_name);
  errnum = vmdev_dir_try_write_attr (types_dir, create_name, line);
  if (errnum != 0)
    {
      g_autofree char *path = vmdev_dir_child_path (types_dir, create_name);
      set_create_error (error, errnum, parent, type_id, uuid, path);
      return FALSE;
    }

  dev_rel = g_strconcat (MDEV_DEVICES_DIR "/", uuid, NULL);
  type_link_rel = g_strconcat (dev_rel, "/mdev_type", NULL);
  if (!wait_for_path (root, type_link_rel, TRUE))
    {
      g_autofree char *path = vmdev_root_display (root, type_link_rel);
      GError *undo = NULL;
      struct stat st;

      /* Leave nothing half-made: a device that appeared without its type
       * link is removed again (the in-use check still applies). */
      if (fstatat (vmdev_root_fd (root), dev_rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          !vmdev_host_remove_mdev (root, uuid, &undo))
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                       "creating mdev %s: %s did not appear within %u ms after writing %s/%s, "
                       "and removing the device again failed: %s",
                       uuid, path, vmdev_host_wait_timeout_ms (), types_dir->path, create_name,
                       undo->message);
          g_error_free (undo);
          return FALSE;
        }
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                   "creating mdev %s: %s did not appear within %u ms after writing %s/%s",
                   uuid, path, vmdev_host_wait_timeout_ms (), types_dir->path, create_name);
      return FALSE;
    }

  if (!write_attrs (root, uuid, attrs, &local))
    {
      GError *undo = NULL;

      if (!vmdev_host_remove_mdev (root, uuid, &undo))
        {
          g_set_error (error, local->domain, local->code,
                       "%s; removing the new device again failed too: %s",
                       local->message, undo->message);
          g_error_free (local);
          g_error_free (undo);
        }
      else
        g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

gboolean
vmdev_host_check_mdev_unused (VmdevRoot *root, const VmdevMdev *mdev, GError **error)
{
  g_autofree char *rel = NULL;
  g_auto(VmdevFd) fd = -1;

  if (mdev->iommu_group == NULL)
    return TRUE;
  if (!vmdev_name_check ("IOMMU group", mdev->iommu_group, error))
    return FALSE;
  rel = g_strconcat (VFIO_DIR "/", mdev->iommu_group, NULL);
  /* The kernel lets one process open a VFIO group: EBUSY means in use.  The
   * fd is closed again at once, before anything else happens. */
  fd = openat (vmdev_root_fd (root), rel, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd >= 0)
    {
      g_debug ("mdev %s: VFIO group %s is not open by anyone", mdev->uuid, mdev->iommu_group);
      return TRUE;
    }
  {
    int errsv = errno;
    g_autofree char *path = vmdev_root_display (root, rel);

    if (errsv == ENOENT)
      return TRUE;
    if (errsv == EBUSY)
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE,
                   "mediated device %s is in use: its VFIO group %s is open "
                   "(a VM or another program holds it); stop that user first",
                   mdev->uuid, path);
    else
      g_set_error (error, VMDEV_IO_ERROR, vmdev_io_error_from_errno (errsv),
                   "cannot tell whether mediated device %s is in use: opening %s: %s",
                   mdev->uuid, path, g_strerror (errsv));
  }
  return FALSE;
}

gboolean
vmdev_host_remove_mdev (VmdevRoot *root, const char *uuid, GError **error)
{
  g_autoptr(VmdevMdev) mdev = NULL;
  g_autofree char *dev_rel = NULL;
  g_autoptr(VmdevDir) dev = NULL;

  if (!vmdev_host_find_mdev (root, uuid, &mdev, error) ||
      !vmdev_host_check_mdev_unused (root, mdev, error))
    return FALSE;
  g_debug ("removing mdev %s (parent %s, type %s, IOMMU group %s)", mdev->uuid, mdev->parent,
           mdev->type_id, mdev->iommu_group ? mdev->iommu_group : "none");
  dev_rel = g_strconcat (MDEV_DEVICES_DIR "/", mdev->uuid, NULL);
  dev = vmdev_dir_open (root, dev_rel, error);
  if (dev == NULL || !vmdev_dir_write_attr (dev, "remove", "1", error))
    {
      g_prefix_error (error, "removing mdev %s: ", mdev->uuid);
      return FALSE;
    }
  if (!wait_for_path (root, dev_rel, FALSE))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT,
                   "removing mdev %s: %s is still there %u ms after writing %s/remove",
                   mdev->uuid, dev->path, vmdev_host_wait_timeout_ms (), dev->path);
      return FALSE;
    }
  return TRUE;
}
