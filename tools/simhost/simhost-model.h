/* simhost: in-memory model of a host's mdev sysfs subtree.
 *
 * The model is a tree of nodes (directories, files, symlinks) rooted at the
 * simulated "/" (holding sys/ and dev/), plus the objects the kernel keeps
 * behind them: parents, their mdev types, mdev devices and IOMMU groups.
 * populate writes the tree to disk; the FUSE file system serves it live.
 *
 * Nothing here locks: the FUSE layer holds one mutex around every call.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define SH_UUID_LEN 36
#define SH_ATTR_MAX 4096 /* sysfs attribute page: longer writes get E2BIG */

typedef struct _ShNode ShNode;
typedef struct _ShParent ShParent;
typedef struct _ShType ShType;
typedef struct _ShDevice ShDevice;
typedef struct _ShGroup ShGroup;
typedef struct _ShFault ShFault;
typedef struct _ShHost ShHost;

typedef enum
{
  SH_NODE_DIR,
  SH_NODE_FILE,
  SH_NODE_LINK,
} ShNodeType;

typedef enum
{
  SH_FILE_STATIC,     /* fixed text: name, description, device_api */
  SH_FILE_AVAILABLE,  /* available_instances of node->type */
  SH_FILE_CREATE,     /* create of node->type (write-only) */
  SH_FILE_REMOVE,     /* remove of node->device (write-only) */
  SH_FILE_ATTR,       /* a writable device attribute; value in node->content */
  SH_FILE_GROUP,      /* dev/vfio/<group> */
  SH_FILE_CONTAINER,  /* dev/vfio/vfio */
  SH_FILE_CONTROL,    /* FUSE only: the control file */
  SH_FILE_PID,        /* FUSE only: the serving process id */
} ShFileKind;

struct _ShNode
{
  char *name;
  ShNodeType type;
  ShFileKind kind;
  mode_t mode;          /* permission bits only */
  uid_t uid;
  gid_t gid;
  ShNode *parent;
  GHashTable *children; /* directories: name -> ShNode (owned) */
  char *target;         /* links */
  GString *content;     /* SH_FILE_STATIC and SH_FILE_ATTR */
  ShType *mtype;        /* SH_FILE_AVAILABLE, SH_FILE_CREATE */
  ShDevice *device;     /* SH_FILE_REMOVE, SH_FILE_ATTR */
  guint group;          /* SH_FILE_GROUP */
  GHashTable *xattrs;   /* name -> GBytes, created on first set */
};

struct _ShParent
{
  char *name;
  char *path;        /* below sys/devices */
  char *dir_path;    /* root-relative: sys/devices/<path> */
  gboolean has_pool;
  guint pool;
  guint used_units;
  int exhausted_errno;
  GPtrArray *types;  /* ShType (owned) */
  GHashTable *types_by_id;
  ShNode *dir;
};

struct _ShType
{
  ShParent *parent;
  char *id;
  char *name;        /* NULL: no name file */
  char *description; /* NULL: no description file */
  char *device_api;
  gboolean has_max;
  guint max_instances;
  guint cost;
  guint live;
  char **device_attrs;
  ShNode *dir;
  ShNode *devices_dir;
};

struct _ShDevice
{
  char uuid[SH_UUID_LEN + 1]; /* lower case */
  ShType *mtype;
  guint group;
  gboolean held;
  ShNode *dir;
};

struct _ShGroup
{
  guint number;
  guint ndevices;
  guint nheld;
  guint nopen;   /* open file handles of its dev/vfio node (the kernel allows one) */
};

struct _ShFault
{
  gboolean eio;
  gboolean vanish;
  guint delay_ms;
};

struct _ShHost
{
  char *file;
  ShNode *root;
  GPtrArray *parents;        /* ShParent (owned), in file order */
  GHashTable *parents_by_name;
  GHashTable *devices;       /* uuid -> ShDevice (owned) */
  GHashTable *groups;        /* GUINT_TO_POINTER(n) -> ShGroup (owned) */
  guint group_hint;          /* no free group below this number */
  GHashTable *faults;        /* root-relative path -> ShFault (owned) */
  ShNode *bus_devices_dir;   /* sys/bus/mdev/devices */
  ShNode *groups_dir;        /* sys/kernel/iommu_groups */
  ShNode *vfio_dir;          /* dev/vfio */
  uid_t uid;
  gid_t gid;
};

/* Loading: every problem is one GError message naming what is wrong. */
ShHost *sh_host_load (const char *file, GError **error);
void sh_host_free (ShHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShHost, sh_host_free)

/* Adds the FUSE-only entries (control, pid) to the root directory. */
void sh_host_add_fuse_entries (ShHost *host);

/* Looks up a root-relative path ("sys/bus", "/sys/bus" or "" for the root)
 * without following the last component's link, and without following links
 * in earlier components (the kernel resolves those through readlink).
 * If a vanish fault covers the path or one of its ancestors, returns NULL. */
ShNode *sh_host_lookup (ShHost *host, const char *path);
/* The fault registered for exactly this path (leading '/' ignored), or NULL. */
ShFault *sh_host_fault (ShHost *host, const char *path);

/* Root-relative path of a node, e.g. "sys/devices/pci0000:00" ("" for root). */
char *sh_node_path (ShNode *node);
/* The text a read of the file returns. */
GString *sh_node_render (ShHost *host, ShNode *node);
guint sh_type_available (ShType *mtype);

/* Kernel write semantics; each returns 0 or a positive errno. */
int sh_host_write_create (ShHost *host, ShType *mtype, const char *buf, size_t len);
int sh_host_write_remove (ShHost *host, ShDevice *device, const char *buf, size_t len);
int sh_host_write_attr (ShHost *host, ShNode *node, const char *buf, size_t len);
int sh_host_control (ShHost *host, const char *buf, size_t len);

/* TRUE if opening the group node must fail with EBUSY because a device of
 * the group is held (host file or `hold`). */
gboolean sh_host_group_busy (ShHost *host, guint group);
/* Open file handles of the group node (kernel 6.1: one opener at a time);
 * sh_host_group_set_open counts one more or one less. */
guint sh_host_group_opens (ShHost *host, guint group);
void sh_host_group_set_open (ShHost *host, guint group, gboolean open);

/* Writes sys/ and dev/ of the model below the directory fd. */
gboolean sh_host_populate (ShHost *host, int root_fd, const char *root_path, GError **error);

/* Validation helpers, shared with the tests of the command line. */
gboolean sh_valid_component (const char *s);
gboolean sh_parse_uuid (const char *s, size_t len, char out[SH_UUID_LEN + 1]);

G_END_DECLS
