/* simhost: the host model, its host file and the kernel's write semantics. */
#include "simhost-model.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SH_ERROR (g_quark_from_static_string ("simhost-error"))
#define SH_MAX_GROUP (1u << 30)
#define SH_MAX_COUNT 1000000u
#define SH_MAX_LINK_HOPS 40

/* ------------------------------------------------------------------ */
/* Validation helpers */

gboolean
sh_valid_component (const char *s)
{
  size_t len = strlen (s);

  if (len == 0 || len > 255 || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (*p == '/' || (unsigned char) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* The kernel's guid_parse: exactly 36 characters, dashes at 8, 13, 18 and
 * 23, hex digits of either case elsewhere.  Writes the lower-case form. */
gboolean
sh_parse_uuid (const char *s, size_t len, char out[SH_UUID_LEN + 1])
{
  if (len < SH_UUID_LEN)
    return FALSE;
  for (size_t i = 0; i < SH_UUID_LEN; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (s[i] != '-')
            return FALSE;
          out[i] = '-';
        }
      else
        {
          if (!g_ascii_isxdigit (s[i]))
            return FALSE;
          out[i] = g_ascii_tolower (s[i]);
        }
    }
  out[SH_UUID_LEN] = '\0';
  return TRUE;
}

static gboolean
valid_text (const char *s, gboolean allow_newline)
{
  for (const char *p = s; *p; p++)
    if (*p == '\n' ? !allow_newline : ((unsigned char) *p < 0x20 && *p != '\t'))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Nodes */

static void
node_free (gpointer data)
{
  ShNode *node = data;

  g_clear_pointer (&node->children, g_hash_table_unref);
  g_clear_pointer (&node->xattrs, g_hash_table_unref);
  if (node->content)
    g_string_free (node->content, TRUE);
  g_free (node->target);
  g_free (node->name);
  g_free (node);
}

static ShNode *
node_new (ShHost *host, const char *name, ShNodeType type, mode_t mode)
{
  ShNode *node = g_new0 (ShNode, 1);

  node->name = g_strdup (name);
  node->type = type;
  node->mode = mode;
  node->uid = host->uid;
  node->gid = host->gid;
  if (type == SH_NODE_DIR)
    node->children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, node_free);
  return node;
}

/* Adds a child; NULL if the name is taken. */
static ShNode *
node_add (ShHost *host, ShNode *dir, const char *name, ShNodeType type, mode_t mode)
{
  ShNode *node;

  g_assert (dir->type == SH_NODE_DIR);
  if (g_hash_table_contains (dir->children, name))
    return NULL;
  node = node_new (host, name, type, mode);
  node->parent = dir;
  g_hash_table_insert (dir->children, node->name, node);
  return node;
}

static ShNode *
node_add_dir (ShHost *host, ShNode *dir, const char *name)
{
  return node_add (host, dir, name, SH_NODE_DIR, 0755);
}

static ShNode *
node_add_link (ShHost *host, ShNode *dir, const char *name, const char *target)
{
  ShNode *node = node_add (host, dir, name, SH_NODE_LINK, 0777);

  if (node)
    node->target = g_strdup (target);
  return node;
}

static ShNode *
node_add_file (ShHost *host, ShNode *dir, const char *name, ShFileKind kind, mode_t mode,
               const char *content)
{
  ShNode *node = node_add (host, dir, name, SH_NODE_FILE, mode);

  if (node)
    {
      node->kind = kind;
      if (content)
        node->content = g_string_new (content);
    }
  return node;
}

static void
node_remove (ShNode *node)
{
  g_assert (node->parent);
  g_hash_table_remove (node->parent->children, node->name);
}

/* Creates the directories of a root-relative path; NULL if a non-directory
 * is in the way. */
static ShNode *
node_mkdir_p (ShHost *host, const char *path)
{
  g_auto(GStrv) comps = g_strsplit (path, "/", -1);
  ShNode *cur = host->root;

  for (guint i = 0; comps[i]; i++)
    {
      ShNode *next;

      if (!*comps[i])
        continue;
      next = g_hash_table_lookup (cur->children, comps[i]);
      if (!next)
        next = node_add_dir (host, cur, comps[i]);
      else if (next->type != SH_NODE_DIR)
        return NULL;
      cur = next;
    }
  return cur;
}

char *
sh_node_path (ShNode *node)
{
  GPtrArray *names = g_ptr_array_new ();
  GString *s = g_string_new (NULL);

  for (ShNode *n = node; n && n->parent; n = n->parent)
    g_ptr_array_add (names, n->name);
  for (guint i = names->len; i > 0; i--)
    {
      g_string_append (s, names->pdata[i - 1]);
      if (i > 1)
        g_string_append_c (s, '/');
    }
  g_ptr_array_free (names, TRUE);
  return g_string_free (s, FALSE);
}

/* The relative link target that leads from directory from_dir to path to,
 * both root-relative. */
static char *
rel_link (const char *from_dir, const char *to)
{
  g_auto(GStrv) a = g_strsplit (from_dir, "/", -1);
  g_auto(GStrv) b = g_strsplit (to, "/", -1);
  GString *s = g_string_new (NULL);
  guint i = 0;

  while (a[i] && b[i] && strcmp (a[i], b[i]) == 0)
    i++;
  for (guint j = i; a[j]; j++)
    g_string_append (s, "../");
  for (guint j = i; b[j]; j++)
    {
      g_string_append (s, b[j]);
      if (b[j + 1])
        g_string_append_c (s, '/');
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Lookup */

ShFault *
sh_host_fault (ShHost *host, const char *path)
{
  if (g_hash_table_size (host->faults) == 0)
    return NULL;
  while (*path == '/')
    path++;
  return g_hash_table_lookup (host->faults, path);
}

ShNode *
sh_host_lookup (ShHost *host, const char *path)
{
  gboolean check = g_hash_table_size (host->faults) > 0;
  g_autofree char *copy = NULL;
  ShNode *cur = host->root;
  char *p;

  while (*path == '/')
    path++;
  copy = g_strdup (path);
  p = copy;
  while (*p)
    {
      char *end = strchr (p, '/');
      char saved = 0;

      if (end)
        {
          saved = *end;
          *end = '\0';
        }
      if (*p)
        {
          ShFault *fault;

          if (cur->type != SH_NODE_DIR)
            return NULL;
          cur = g_hash_table_lookup (cur->children, p);
          if (!cur)
            return NULL;
          if (check && (fault = g_hash_table_lookup (host->faults, copy)) && fault->vanish)
            return NULL;
        }
      if (!end)
        break;
      *end = saved;
      p = end + 1;
    }
  return cur;
}

/* Resolves a path, following links (the last one only if follow_last). */
static ShNode *
walk (ShHost *host, ShNode *cur, const char *path, gboolean follow_last, int *hops)
{
  g_auto(GStrv) comps = g_strsplit (path, "/", -1);
  guint n = g_strv_length (comps);

  if (path[0] == '/')
    cur = host->root;
  for (guint i = 0; i < n; i++)
    {
      const char *c = comps[i];
      gboolean last = TRUE;
      ShNode *next;

      for (guint j = i + 1; j < n; j++)
        if (*comps[j])
          last = FALSE;
      if (!*c || strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          if (cur->parent)
            cur = cur->parent;
          continue;
        }
      if (cur->type != SH_NODE_DIR)
        return NULL;
      next = g_hash_table_lookup (cur->children, c);
      if (!next)
        return NULL;
      if (next->type == SH_NODE_LINK && (!last || follow_last))
        {
          if (++*hops > SH_MAX_LINK_HOPS)
            return NULL;
          next = walk (host, cur, next->target, TRUE, hops);
          if (!next)
            return NULL;
        }
      cur = next;
    }
  return cur;
}

/* The fault key for a path given to the control file: its directory part is
 * resolved through links (so sys/class/mdev_bus/X/... names the file the
 * kernel will ask for), the last component is kept as it is. */
static char *
fault_key (ShHost *host, const char *path)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *dir_path = NULL;
  ShNode *node;
  int hops = 0;
  size_t len;

  while (*path == '/')
    path++;
  trimmed = g_strdup (path);
  len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';
  if (len == 0)
    return NULL;
  dir = g_path_get_dirname (trimmed);
  base = g_path_get_basename (trimmed);
  if (strcmp (base, "..") == 0 || strcmp (base, ".") == 0)
    return NULL;
  node = walk (host, host->root, dir, TRUE, &hops);
  if (!node || node->type != SH_NODE_DIR)
    return g_steal_pointer (&trimmed); /* not there (yet): keep it literal */
  dir_path = sh_node_path (node);
  if (!*dir_path)
    return g_steal_pointer (&base);
  return g_strconcat (dir_path, "/", base, NULL);
}

/* ------------------------------------------------------------------ */
/* Counting */

guint
sh_type_available (ShType *mtype)
{
  ShParent *parent = mtype->parent;
  guint n;

  if (parent->has_pool)
    {
      guint free_units = parent->pool > parent->used_units ? parent->pool - parent->used_units : 0;

      n = free_units / mtype->cost;
      if (mtype->has_max)
        n = MIN (n, mtype->max_instances > mtype->live ? mtype->max_instances - mtype->live : 0);
    }
  else
    n = mtype->max_instances > mtype->live ? mtype->max_instances - mtype->live : 0;
  return n;
}

GString *
sh_node_render (ShHost *host, ShNode *node)
{
  switch (node->kind)
    {
    case SH_FILE_STATIC:
    case SH_FILE_ATTR:
      return g_string_new_len (node->content ? node->content->str : "",
                               node->content ? (gssize) node->content->len : 0);
    case SH_FILE_AVAILABLE:
      {
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "%u\n", sh_type_available (node->mtype));
        return s;
      }
    case SH_FILE_PID:
      {
        GString *s = g_string_new (NULL);
        g_string_append_printf (s, "%ld\n", (long) getpid ());
        return s;
      }
    case SH_FILE_CREATE:
    case SH_FILE_REMOVE:
    case SH_FILE_GROUP:
    case SH_FILE_CONTAINER:
    case SH_FILE_CONTROL:
    default:
      return g_string_new (NULL);
    }
}

/* ------------------------------------------------------------------ */
/* Devices and groups */

static void
group_free (gpointer data)
{
  g_free (data);
}

static guint
group_alloc (ShHost *host)
{
  guint n = host->group_hint;

  while (g_hash_table_contains (host->groups, GUINT_TO_POINTER (n)))
    n++;
  host->group_hint = n + 1;
  return n;
}

static char *
group_dir_path (guint group)
{
  return g_strdup_printf ("sys/kernel/iommu_groups/%u", group);
}

/* Creates a device and all its entries.  Returns 0 or an errno. */
static int
device_add (ShHost *host, ShType *mtype, const char *uuid, gint64 want_group, gboolean held)
{
  ShParent *parent = mtype->parent;
  g_autofree char *dev_path = NULL;
  g_autofree char *target = NULL;
  g_autofree char *gpath = NULL;
  g_autofree char *gdevs_path = NULL;
  char gname[16];
  ShDevice *device;
  ShGroup *group;
  ShNode *dir;
  ShNode *gdir;

  if (g_hash_table_contains (host->devices, uuid) ||
      g_hash_table_contains (parent->dir->children, uuid) ||
      g_hash_table_contains (host->bus_devices_dir->children, uuid))
    return EEXIST;

  device = g_new0 (ShDevice, 1);
  memcpy (device->uuid, uuid, SH_UUID_LEN + 1);
  device->mtype = mtype;
  device->held = held;
  device->group = want_group >= 0 ? (guint) want_group : group_alloc (host);
  g_hash_table_insert (host->devices, device->uuid, device);

  dev_path = g_strconcat (parent->dir_path, "/", uuid, NULL);
  dir = device->dir = node_add_dir (host, parent->dir, uuid);
  target = g_strconcat ("../mdev_supported_types/", mtype->id, NULL);
  node_add_link (host, dir, "mdev_type", target);
  g_clear_pointer (&target, g_free);

  gpath = group_dir_path (device->group);
  target = rel_link (dev_path, gpath);
  node_add_link (host, dir, "iommu_group", target);
  g_clear_pointer (&target, g_free);

  node_add_file (host, dir, "remove", SH_FILE_REMOVE, 0200, NULL)->device = device;
  for (guint i = 0; mtype->device_attrs && mtype->device_attrs[i]; i++)
    node_add_file (host, dir, mtype->device_attrs[i], SH_FILE_ATTR, 0644, "")->device = device;

  target = rel_link ("sys/bus/mdev/devices", dev_path);
  node_add_link (host, host->bus_devices_dir, uuid, target);
  g_clear_pointer (&target, g_free);

  target = g_strconcat ("../../../", uuid, NULL);
  node_add_link (host, mtype->devices_dir, uuid, target);
  g_clear_pointer (&target, g_free);

  g_snprintf (gname, sizeof gname, "%u", device->group);
  group = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (device->group));
  if (!group)
    {
      ShNode *vnode;

      group = g_new0 (ShGroup, 1);
      group->number = device->group;
      g_hash_table_insert (host->groups, GUINT_TO_POINTER (device->group), group);
      gdir = node_add_dir (host, host->groups_dir, gname);
      node_add_dir (host, gdir, "devices");
      vnode = node_add_file (host, host->vfio_dir, gname, SH_FILE_GROUP, 0600, NULL);
      vnode->group = device->group;
    }
  else
    gdir = g_hash_table_lookup (host->groups_dir->children, gname);
  gdevs_path = g_strconcat (gpath, "/devices", NULL);
  target = rel_link (gdevs_path, dev_path);
  node_add_link (host, g_hash_table_lookup (gdir->children, "devices"), uuid, target);

  group->ndevices++;
  if (held)
    group->nheld++;
  mtype->live++;
  if (parent->has_pool)
    parent->used_units += mtype->cost;
  return 0;
}

static void
device_remove (ShHost *host, ShDevice *device)
{
  ShType *mtype = device->mtype;
  ShParent *parent = mtype->parent;
  ShGroup *group = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (device->group));
  char gname[16];
  ShNode *gdir;

  g_snprintf (gname, sizeof gname, "%u", device->group);
  gdir = g_hash_table_lookup (host->groups_dir->children, gname);
  g_hash_table_remove (((ShNode *) g_hash_table_lookup (gdir->children, "devices"))->children,
                       device->uuid);
  group->ndevices--;
  if (device->held)
    group->nheld--;
  if (group->ndevices == 0)
    {
      node_remove (gdir);
      g_hash_table_remove (host->vfio_dir->children, gname);
      host->group_hint = MIN (host->group_hint, device->group);
      g_hash_table_remove (host->groups, GUINT_TO_POINTER (device->group));
    }
  g_hash_table_remove (host->bus_devices_dir->children, device->uuid);
  g_hash_table_remove (mtype->devices_dir->children, device->uuid);
  node_remove (device->dir);
  mtype->live--;
  if (parent->has_pool)
    parent->used_units -= mtype->cost;
  g_hash_table_remove (host->devices, device->uuid);
}

gboolean
sh_host_group_busy (ShHost *host, guint group)
{
  ShGroup *g = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (group));

  return g && g->nheld > 0;
}

guint
sh_host_group_opens (ShHost *host, guint group)
{
  ShGroup *g = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (group));

  return g ? g->nopen : 0;
}

void
sh_host_group_set_open (ShHost *host, guint group, gboolean open)
{
  ShGroup *g = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (group));

  if (g == NULL)
    return;
  if (open)
    g->nopen++;
  else if (g->nopen > 0)
    g->nopen--;
}

/* ------------------------------------------------------------------ */
/* Kernel write semantics */

int
sh_host_write_create (ShHost *host, ShType *mtype, const char *buf, size_t len)
{
  char uuid[SH_UUID_LEN + 1];
  guint avail;

  if (len > SH_ATTR_MAX)
    return E2BIG;
  /* create_store: count must be 36 or 37, then guid_parse of the copy */
  if (len < SH_UUID_LEN || len > SH_UUID_LEN + 1)
    return EINVAL;
  if (!sh_parse_uuid (buf, len, uuid))
    return EINVAL;
  if (g_hash_table_contains (host->devices, uuid))
    return EEXIST;
  avail = sh_type_available (mtype);
  if (avail == 0)
    return mtype->parent->exhausted_errno;
  return device_add (host, mtype, uuid, -1, FALSE);
}

/* The kernel's kstrtoul (buf, 0, &val): optional '+', base from the prefix
 * (0x hex, 0 octal, else decimal), digits to the end but for one newline. */
static gboolean
parse_kstrtoul (const char *buf, size_t len, unsigned long *out)
{
  g_autofree char *s0 = g_strndup (buf, len); /* stops at an embedded NUL, as sysfs does */
  const char *s = s0;
  unsigned long val = 0;
  unsigned base = 10;
  size_t ndigits = 0;

  if (*s == '+')
    s++;
  if (s[0] == '0')
    {
      if (g_ascii_tolower (s[1]) == 'x' && g_ascii_isxdigit (s[2]))
        {
          base = 16;
          s += 2;
        }
      else
        base = 8;
    }
  for (;; s++, ndigits++)
    {
      int d;

      if (g_ascii_isdigit (*s))
        d = *s - '0';
      else if (g_ascii_isxdigit (*s))
        d = g_ascii_tolower (*s) - 'a' + 10;
      else
        break;
      if ((unsigned) d >= base)
        break;
      if (val > (G_MAXULONG - (unsigned long) d) / base)
        return FALSE; /* -ERANGE, which remove_store reports as EINVAL */
      val = val * base + (unsigned long) d;
    }
  if (ndigits == 0)
    return FALSE;
  if (*s == '\n')
    s++;
  if (*s)
    return FALSE;
  *out = val;
  return TRUE;
}

int
sh_host_write_remove (ShHost *host, ShDevice *device, const char *buf, size_t len)
{
  unsigned long val;

  if (len > SH_ATTR_MAX)
    return E2BIG;
  if (!parse_kstrtoul (buf, len, &val))
    return EINVAL;
  if (val == 0)
    return 0;
  /* The kernel blocks the writer until the group is closed; we refuse. */
  if (device->held || sh_host_group_opens (host, device->group) > 0)
    return EBUSY;
  device_remove (host, device);
  return 0;
}

int
sh_host_write_attr (ShHost *host, ShNode *node, const char *buf, size_t len)
{
  if (len > SH_ATTR_MAX)
    return E2BIG;
  g_string_truncate (node->content, 0);
  g_string_append_len (node->content, buf, (gssize) len);
  return 0;
}

static void
fault_free (gpointer data)
{
  g_free (data);
}

int
sh_host_control (ShHost *host, const char *buf, size_t len)
{
  g_autofree char *line = NULL;
  g_auto(GStrv) words = NULL;
  GPtrArray *argv;
  guint argc;
  char **a;

  if (len == 0 || len > 8192)
    return EINVAL;
  line = g_strndup (buf, len);
  if (strlen (line) != len && !(strlen (line) == len - 1 && buf[len - 1] == '\0'))
    return EINVAL;
  g_strstrip (line);
  words = g_strsplit_set (line, " \t", -1);
  argv = g_ptr_array_new ();
  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_ptr_array_add (argv, words[i]);
  argc = argv->len;
  g_ptr_array_add (argv, NULL);
  a = (char **) g_ptr_array_free (argv, FALSE);

  if (argc == 2 && (strcmp (a[0], "hold") == 0 || strcmp (a[0], "release") == 0))
    {
      gboolean hold = strcmp (a[0], "hold") == 0;
      char uuid[SH_UUID_LEN + 1];
      ShDevice *device;
      ShGroup *group;

      if (strlen (a[1]) != SH_UUID_LEN || !sh_parse_uuid (a[1], SH_UUID_LEN, uuid))
        goto invalid;
      device = g_hash_table_lookup (host->devices, uuid);
      if (!device)
        {
          g_free (a);
          return ENOENT;
        }
      group = g_hash_table_lookup (host->groups, GUINT_TO_POINTER (device->group));
      if (hold && !device->held)
        group->nheld++;
      else if (!hold && device->held)
        group->nheld--;
      device->held = hold;
    }
  else if ((argc == 3 || argc == 4) && strcmp (a[0], "fault") == 0)
    {
      g_autofree char *key = fault_key (host, a[1]);
      ShFault spec = { 0 };
      ShFault *fault;

      if (!key)
        goto invalid;
      if (argc == 3 && g_ascii_strcasecmp (a[2], "EIO") == 0)
        spec.eio = TRUE;
      else if (argc == 3 && strcmp (a[2], "vanish") == 0)
        spec.vanish = TRUE;
      else if (argc == 4 && strcmp (a[2], "delay") == 0)
        {
          guint64 ms;

          if (!g_ascii_string_to_unsigned (a[3], 10, 0, 600000, &ms, NULL))
            goto invalid;
          spec.delay_ms = (guint) ms;
        }
      else
        goto invalid;
      fault = g_hash_table_lookup (host->faults, key);
      if (!fault)
        {
          fault = g_new0 (ShFault, 1);
          g_hash_table_insert (host->faults, g_steal_pointer (&key), fault);
        }
      fault->eio |= spec.eio;
      fault->vanish |= spec.vanish;
      if (argc == 4)
        fault->delay_ms = spec.delay_ms;
    }
  else if (argc == 1 && strcmp (a[0], "clear") == 0)
    g_hash_table_remove_all (host->faults);
  else if (argc == 2 && strcmp (a[0], "clear") == 0)
    {
      g_autofree char *key = fault_key (host, a[1]);

      if (!key)
        goto invalid;
      g_hash_table_remove (host->faults, key);
    }
  else
    goto invalid;
  g_free (a);
  return 0;

invalid:
  g_free (a);
  return EINVAL;
}

/* ------------------------------------------------------------------ */
/* Host file */

static const struct
{
  const char *name;
  int value;
} errno_names[] = {
  { "EUSERS", EUSERS }, { "ENOSPC", ENOSPC }, { "EBUSY", EBUSY },
  { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM }, { "EINVAL", EINVAL },
  { "EPERM", EPERM },   { "EDQUOT", EDQUOT }, { "ENODEV", ENODEV },
  { "EIO", EIO },
};

static void
parent_free (gpointer data)
{
  ShParent *parent = data;

  g_ptr_array_unref (parent->types);
  g_hash_table_unref (parent->types_by_id);
  g_free (parent->name);
  g_free (parent->path);
  g_free (parent->dir_path);
  g_free (parent);
}

static void
type_free (gpointer data)
{
  ShType *mtype = data;

  g_free (mtype->id);
  g_free (mtype->name);
  g_free (mtype->description);
  g_free (mtype->device_api);
  g_strfreev (mtype->device_attrs);
  g_free (mtype);
}

void
sh_host_free (ShHost *host)
{
  if (!host)
    return;
  g_hash_table_unref (host->faults);
  g_hash_table_unref (host->devices);
  g_hash_table_unref (host->groups);
  g_hash_table_unref (host->parents_by_name);
  g_ptr_array_unref (host->parents);
  node_free (host->root);
  g_free (host->file);
  g_free (host);
}

static gboolean G_GNUC_PRINTF (3, 4)
bad (GError **error, const char *ctx, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (ctx && *ctx)
    g_set_error (error, SH_ERROR, 0, "%s: %s", ctx, msg);
  else
    g_set_error_literal (error, SH_ERROR, 0, msg);
  return FALSE;
}

static gboolean
check_keys (JsonObject *obj, const char *ctx, const char *const *allowed, GError **error)
{
  g_autoptr(GList) members = json_object_get_members (obj);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return bad (error, ctx, "unknown key \"%s\"", (const char *) l->data);
  return TRUE;
}

static JsonNode *
member (JsonObject *obj, const char *key)
{
  JsonNode *node = json_object_get_member (obj, key);

  return node && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

static gboolean
get_string (JsonObject *obj, const char *key, const char *ctx, gboolean required,
            const char **out, GError **error)
{
  JsonNode *node = member (obj, key);

  *out = NULL;
  if (!node)
    return required ? bad (error, ctx, "\"%s\" is missing", key) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad (error, ctx, "\"%s\" must be a string", key);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_uint (JsonObject *obj, const char *key, const char *ctx, gboolean required, guint max,
          gboolean *present, guint *out, GError **error)
{
  JsonNode *node = member (obj, key);
  gint64 v;

  *present = FALSE;
  if (!node)
    return required ? bad (error, ctx, "\"%s\" is missing", key) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return bad (error, ctx, "\"%s\" must be an integer", key);
  v = json_node_get_int (node);
  if (v < 0 || v > (gint64) max)
    return bad (error, ctx, "\"%s\" must be between 0 and %u, not %" G_GINT64_FORMAT, key, max, v);
  *present = TRUE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
get_array (JsonObject *obj, const char *key, const char *ctx, JsonArray **out, GError **error)
{
  JsonNode *node = member (obj, key);

  *out = NULL;
  if (!node)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad (error, ctx, "\"%s\" must be an array", key);
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
get_object (JsonArray *array, guint i, const char *ctx, JsonObject **out, GError **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, ctx, "must be an object");
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
valid_parent_path (const char *path, const char *name)
{
  g_auto(GStrv) comps = NULL;
  guint n;

  if (!*path || path[0] == '/' || strlen (path) > 2048)
    return FALSE;
  comps = g_strsplit (path, "/", -1);
  n = g_strv_length (comps);
  for (guint i = 0; i < n; i++)
    if (!sh_valid_component (comps[i]))
      return FALSE;
  return strcmp (comps[n - 1], name) == 0;
}

static const char *const reserved_device_entries[] = {
  "remove", "mdev_type", "iommu_group", NULL,
};

static gboolean
load_type (ShHost *host, ShParent *parent, JsonObject *obj, const char *ctx, GError **error)
{
  static const char *const keys[] = {
    "id", "name", "description", "device_api", "max_instances", "cost", "device_attrs", NULL,
  };
  const char *id, *name, *description, *device_api;
  gboolean has_cost;
  JsonArray *attrs;
  ShType *mtype;
  ShNode *dir;
  guint cost = 1;

  if (!check_keys (obj, ctx, keys, error) ||
      !get_string (obj, "id", ctx, TRUE, &id, error) ||
      !get_string (obj, "name", ctx, FALSE, &name, error) ||
      !get_string (obj, "description", ctx, FALSE, &description, error) ||
      !get_string (obj, "device_api", ctx, TRUE, &device_api, error) ||
      !get_array (obj, "device_attrs", ctx, &attrs, error))
    return FALSE;
  if (!sh_valid_component (id))
    return bad (error, ctx, "\"id\" is not a valid file name: \"%s\"", id);
  if (g_hash_table_contains (parent->types_by_id, id))
    return bad (error, ctx, "duplicate type id \"%s\"", id);
  if (name && !valid_text (name, FALSE))
    return bad (error, ctx, "\"name\" holds a control character");
  if (description && !valid_text (description, TRUE))
    return bad (error, ctx, "\"description\" holds a control character");
  if (!*device_api || !valid_text (device_api, FALSE) || strchr (device_api, ' '))
    return bad (error, ctx, "\"device_api\" is not valid: \"%s\"", device_api);

  mtype = g_new0 (ShType, 1);
  mtype->parent = parent;
  mtype->id = g_strdup (id);
  mtype->name = g_strdup (name);
  mtype->description = g_strdup (description);
  mtype->device_api = g_strdup (device_api);
  g_ptr_array_add (parent->types, mtype);
  g_hash_table_insert (parent->types_by_id, mtype->id, mtype);

  if (!get_uint (obj, "max_instances", ctx, !parent->has_pool, SH_MAX_COUNT, &mtype->has_max,
                 &mtype->max_instances, error) ||
      !get_uint (obj, "cost", ctx, FALSE, SH_MAX_COUNT, &has_cost, &cost, error))
    return FALSE;
  if (has_cost && cost == 0)
    return bad (error, ctx, "\"cost\" must be at least 1");
  mtype->cost = cost;

  if (attrs)
    {
      guint n = json_array_get_length (attrs);

      mtype->device_attrs = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (attrs, i);
          const char *a;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            return bad (error, ctx, "\"device_attrs\"[%u] must be a string", i);
          a = json_node_get_string (node);
          if (!sh_valid_component (a) || g_strv_contains (reserved_device_entries, a))
            return bad (error, ctx, "\"device_attrs\"[%u] is not a valid attribute name: \"%s\"",
                        i, a);
          if (g_strv_contains ((const char *const *) mtype->device_attrs, a))
            return bad (error, ctx, "duplicate device attribute \"%s\"", a);
          mtype->device_attrs[i] = g_strdup (a);
        }
    }

  dir = mtype->dir = node_add_dir (host, g_hash_table_lookup (parent->dir->children,
                                                              "mdev_supported_types"), id);
  if (mtype->name)
    {
      g_autofree char *text = g_strconcat (mtype->name, "\n", NULL);
      node_add_file (host, dir, "name", SH_FILE_STATIC, 0444, text);
    }
  if (mtype->description)
    {
      g_autofree char *text = g_strconcat (mtype->description, "\n", NULL);
      node_add_file (host, dir, "description", SH_FILE_STATIC, 0444, text);
    }
  {
    g_autofree char *text = g_strconcat (mtype->device_api, "\n", NULL);
    node_add_file (host, dir, "device_api", SH_FILE_STATIC, 0444, text);
  }
  node_add_file (host, dir, "available_instances", SH_FILE_AVAILABLE, 0444, NULL)->mtype = mtype;
  node_add_file (host, dir, "create", SH_FILE_CREATE, 0200, NULL)->mtype = mtype;
  mtype->devices_dir = node_add_dir (host, dir, "devices");
  return TRUE;
}

static gboolean
load_parent (ShHost *host, JsonObject *obj, const char *ctx, GError **error)
{
  static const char *const keys[] = {
    "name", "path", "pool", "exhausted_errno", "types", NULL,
  };
  const char *name, *path, *errname;
  g_autofree char *link = NULL;
  JsonArray *types;
  ShParent *parent;
  ShNode *class_dir;

  if (!check_keys (obj, ctx, keys, error) ||
      !get_string (obj, "name", ctx, TRUE, &name, error) ||
      !get_string (obj, "path", ctx, TRUE, &path, error) ||
      !get_string (obj, "exhausted_errno", ctx, FALSE, &errname, error) ||
      !get_array (obj, "types", ctx, &types, error))
    return FALSE;
  if (!sh_valid_component (name))
    return bad (error, ctx, "\"name\" is not a valid file name: \"%s\"", name);
  if (g_hash_table_contains (host->parents_by_name, name))
    return bad (error, ctx, "duplicate parent name \"%s\"", name);
  if (!valid_parent_path (path, name))
    return bad (error, ctx, "\"path\" must be a relative path below sys/devices ending in the "
                "parent's name: \"%s\"", path);

  parent = g_new0 (ShParent, 1);
  parent->name = g_strdup (name);
  parent->path = g_strdup (path);
  parent->dir_path = g_strconcat ("sys/devices/", path, NULL);
  parent->types = g_ptr_array_new_with_free_func (type_free);
  parent->types_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  parent->exhausted_errno = EUSERS;
  g_ptr_array_add (host->parents, parent);
  g_hash_table_insert (host->parents_by_name, parent->name, parent);

  if (!get_uint (obj, "pool", ctx, FALSE, SH_MAX_COUNT, &parent->has_pool, &parent->pool, error))
    return FALSE;
  if (errname)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (errno_names); i++)
        if (strcmp (errname, errno_names[i].name) == 0)
          {
            parent->exhausted_errno = errno_names[i].value;
            found = TRUE;
          }
      if (!found)
        return bad (error, ctx, "\"exhausted_errno\" is not one of EUSERS, ENOSPC, EBUSY, "
                    "EAGAIN, ENOMEM, EINVAL, EPERM, EDQUOT, ENODEV, EIO: \"%s\"", errname);
    }

  parent->dir = node_mkdir_p (host, parent->dir_path);
  if (!parent->dir || g_hash_table_contains (parent->dir->children, "mdev_supported_types"))
    return bad (error, ctx, "\"path\" collides with another parent's: \"%s\"", path);
  node_add_dir (host, parent->dir, "mdev_supported_types");
  class_dir = node_mkdir_p (host, "sys/class/mdev_bus");
  link = rel_link ("sys/class/mdev_bus", parent->dir_path);
  node_add_link (host, class_dir, name, link);

  for (guint i = 0; types && i < json_array_get_length (types); i++)
    {
      g_autofree char *tctx = g_strdup_printf ("%s.types[%u]", ctx, i);
      JsonObject *tobj = NULL;

      if (!get_object (types, i, tctx, &tobj, error) ||
          !load_type (host, parent, tobj, tctx, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_device (ShHost *host, JsonObject *obj, const char *ctx, gboolean explicit_pass,
             GError **error)
{
  static const char *const keys[] = {
    "uuid", "parent", "type", "iommu_group", "held", NULL,
  };
  const char *uuid_s, *parent_name, *type_id;
  char uuid[SH_UUID_LEN + 1];
  gboolean has_group;
  gboolean held = FALSE;
  JsonNode *held_node;
  ShParent *parent;
  ShType *mtype;
  guint group = 0;

  if (!check_keys (obj, ctx, keys, error) ||
      !get_string (obj, "uuid", ctx, TRUE, &uuid_s, error) ||
      !get_string (obj, "parent", ctx, TRUE, &parent_name, error) ||
      !get_string (obj, "type", ctx, TRUE, &type_id, error) ||
      !get_uint (obj, "iommu_group", ctx, FALSE, SH_MAX_GROUP, &has_group, &group, error))
    return FALSE;
  if (has_group != explicit_pass)
    return TRUE;
  held_node = member (obj, "held");
  if (held_node)
    {
      if (!JSON_NODE_HOLDS_VALUE (held_node) ||
          json_node_get_value_type (held_node) != G_TYPE_BOOLEAN)
        return bad (error, ctx, "\"held\" must be true or false");
      held = json_node_get_boolean (held_node);
    }
  if (strlen (uuid_s) != SH_UUID_LEN || !sh_parse_uuid (uuid_s, SH_UUID_LEN, uuid))
    return bad (error, ctx, "\"uuid\" is not a UUID: \"%s\"", uuid_s);
  if (g_hash_table_contains (host->devices, uuid))
    return bad (error, ctx, "duplicate device uuid \"%s\"", uuid);
  parent = g_hash_table_lookup (host->parents_by_name, parent_name);
  if (!parent)
    return bad (error, ctx, "no parent named \"%s\"", parent_name);
  mtype = g_hash_table_lookup (parent->types_by_id, type_id);
  if (!mtype)
    return bad (error, ctx, "parent \"%s\" has no type \"%s\"", parent_name, type_id);
  if (sh_type_available (mtype) == 0)
    return bad (error, ctx, "no free instance of type \"%s\" left on parent \"%s\"",
                type_id, parent_name);
  if (device_add (host, mtype, uuid, has_group ? (gint64) group : -1, held) != 0)
    return bad (error, ctx, "device \"%s\" collides with an entry of its parent", uuid);
  return TRUE;
}

static char *
read_file (const char *file, gsize *len, GError **error)
{
  g_autofree char *data = NULL;
  GError *local = NULL;

  if (!g_file_get_contents (file, &data, len, &local))
    {
      int code = local->code;

      g_error_free (local);
      switch (code)
        {
        case G_FILE_ERROR_NOENT:
          bad (error, NULL, "%s", g_strerror (ENOENT));
          break;
        case G_FILE_ERROR_ACCES:
          bad (error, NULL, "%s", g_strerror (EACCES));
          break;
        case G_FILE_ERROR_ISDIR:
          bad (error, NULL, "%s", g_strerror (EISDIR));
          break;
        default:
          bad (error, NULL, "cannot be read");
          break;
        }
      return NULL;
    }
  return g_steal_pointer (&data);
}

ShHost *
sh_host_load (const char *file, GError **error)
{
  static const char *const keys[] = { "version", "parents", "devices", NULL };
  g_autoptr(ShHost) host = g_new0 (ShHost, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *data = NULL;
  GError *local = NULL;
  JsonArray *parents, *devices;
  JsonObject *top;
  JsonNode *root;
  gboolean present;
  guint version;
  gsize len;

  host->file = g_strdup (file);
  host->uid = getuid ();
  host->gid = getgid ();
  host->root = node_new (host, "", SH_NODE_DIR, 0755);
  host->parents = g_ptr_array_new_with_free_func (parent_free);
  host->parents_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  host->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  host->groups = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, group_free);
  host->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, fault_free);

  node_mkdir_p (host, "sys/devices");
  node_mkdir_p (host, "sys/class/mdev_bus");
  host->bus_devices_dir = node_mkdir_p (host, "sys/bus/mdev/devices");
  host->groups_dir = node_mkdir_p (host, "sys/kernel/iommu_groups");
  host->vfio_dir = node_mkdir_p (host, "dev/vfio");
  node_add_file (host, host->vfio_dir, "vfio", SH_FILE_CONTAINER, 0666, NULL);

  data = read_file (file, &len, error);
  if (!data)
    return NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      const char *msg = local->message;

      if (g_str_has_prefix (msg, "<data>:"))
        msg += strlen ("<data>:");
      bad (error, NULL, "not valid JSON: line %s", msg);
      g_error_free (local);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      bad (error, NULL, "the top level must be an object");
      return NULL;
    }
  top = json_node_get_object (root);
  if (!check_keys (top, NULL, keys, error) ||
      !get_uint (top, "version", "", TRUE, G_MAXINT, &present, &version, error) ||
      !get_array (top, "parents", "", &parents, error) ||
      !get_array (top, "devices", "", &devices, error))
    return NULL;
  if (version != 1)
    {
      bad (error, NULL, "unsupported \"version\" %u (this simhost reads version 1)", version);
      return NULL;
    }
  for (guint i = 0; parents && i < json_array_get_length (parents); i++)
    {
      g_autofree char *ctx = g_strdup_printf ("parents[%u]", i);
      JsonObject *obj = NULL;

      if (!get_object (parents, i, ctx, &obj, error) || !load_parent (host, obj, ctx, error))
        return NULL;
    }
  /* Devices with an explicit group first, so that allocation skips theirs. */
  for (int pass = 1; pass >= 0; pass--)
    for (guint i = 0; devices && i < json_array_get_length (devices); i++)
      {
        g_autofree char *ctx = g_strdup_printf ("devices[%u]", i);
        JsonObject *obj = NULL;

        if (!get_object (devices, i, ctx, &obj, error) ||
            !load_device (host, obj, ctx, pass == 1, error))
          return NULL;
      }
  return g_steal_pointer (&host);
}

void
sh_host_add_fuse_entries (ShHost *host)
{
  node_add_file (host, host->root, "control", SH_FILE_CONTROL, 0200, NULL);
  node_add_file (host, host->root, "pid", SH_FILE_PID, 0444, NULL);
}

/* ------------------------------------------------------------------ */
/* populate */

static gboolean
sys_fail (GError **error, const char *what, const char *path, int err)
{
  g_set_error (error, SH_ERROR, err, "%s: %s: %s", what, path, g_strerror (err));
  return FALSE;
}

static gboolean
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      buf += n;
      len -= (size_t) n;
    }
  return TRUE;
}

static gboolean
populate_dir (ShHost *host, ShNode *dir, int dfd, const char *dpath, GError **error)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, dir->children);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ShNode *node = value;
      g_autofree char *path = g_strconcat (dpath, "/", node->name, NULL);

      if (node->kind == SH_FILE_CONTROL || node->kind == SH_FILE_PID)
        continue;
      switch (node->type)
        {
        case SH_NODE_DIR:
          {
            struct stat st;
            int fd;
            gboolean ok;

            if (mkdirat (dfd, node->name, node->mode) < 0 &&
                (errno != EEXIST || fstatat (dfd, node->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                 !S_ISDIR (st.st_mode)))
              return sys_fail (error, "cannot create directory", path, errno ? errno : EEXIST);
            fd = openat (dfd, node->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
              return sys_fail (error, "cannot open directory", path, errno);
            ok = populate_dir (host, node, fd, path, error);
            close (fd);
            if (!ok)
              return FALSE;
            break;
          }
        case SH_NODE_FILE:
          {
            g_autoptr(GString) text = sh_node_render (host, node);
            int fd = openat (dfd, node->name,
                             O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, node->mode);

            if (fd < 0)
              return sys_fail (error, "cannot create file", path, errno);
            if (!write_all (fd, text->str, text->len) || fchmod (fd, node->mode) < 0)
              {
                int err = errno;

                close (fd);
                return sys_fail (error, "cannot write file", path, err);
              }
            if (close (fd) < 0)
              return sys_fail (error, "cannot write file", path, errno);
            break;
          }
        case SH_NODE_LINK:
          if (symlinkat (node->target, dfd, node->name) < 0)
            {
              struct stat st;

              if (errno != EEXIST || fstatat (dfd, node->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                  !S_ISLNK (st.st_mode) || unlinkat (dfd, node->name, 0) < 0 ||
                  symlinkat (node->target, dfd, node->name) < 0)
                return sys_fail (error, "cannot create link", path, errno ? errno : EEXIST);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return TRUE;
}

gboolean
sh_host_populate (ShHost *host, int root_fd, const char *root_path, GError **error)
{
  return populate_dir (host, host->root, root_fd, root_path, error);
}
