#include "hostprep/vmdev-cgroup.h"

#include "util/vmdev-error.h"
#include "util/vmdev-fd.h"
#include "util/vmdev-name.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The parent of every domain cgroup, in each hierarchy. */
#define PARENT "vmdev"
/* The name of the v2 program and of its map: how they are recognised. */
#define BPF_NAME "vmdev_devices"

struct _VmdevCgroupHost
{
  VmdevDir *v1; /* mount of the v1 devices controller, or NULL */
  VmdevDir *v2; /* mount of the v2 hierarchy, or NULL */
};

/* Libvirt's default ACL (qemu_cgroup.c: defaultDeviceACL and the pty major),
 * plus the VFIO container. */
static const VmdevCgroupDevice default_devices[] = {
  { 'c', 1, 3, FALSE },    /* /dev/null */
  { 'c', 1, 5, FALSE },    /* /dev/zero */
  { 'c', 1, 7, FALSE },    /* /dev/full */
  { 'c', 1, 8, FALSE },    /* /dev/random */
  { 'c', 1, 9, FALSE },    /* /dev/urandom */
  { 'c', 5, 2, FALSE },    /* /dev/ptmx */
  { 'c', 136, VMDEV_CGROUP_ANY_MINOR, FALSE }, /* /dev/pts/N (pty chardevs) */
  { 'c', 10, 232, FALSE }, /* /dev/kvm */
  { 'c', 10, 196, FALSE }, /* /dev/vfio/vfio */
};

const VmdevCgroupDevice *
vmdev_cgroup_default_devices (gsize *n_out)
{
  *n_out = G_N_ELEMENTS (default_devices);
  return default_devices;
}

/* ---- finding the hierarchies ---- */

static gboolean
dir_fs_type (VmdevDir *dir, long *out_type)
{
  struct statfs sfs;

  if (fstatfs (dir->fd, &sfs) < 0)
    return FALSE;
  *out_type = (long) sfs.f_type;
  return TRUE;
}

/* Takes @dir for @kind when wanted and not found yet; returns TRUE if taken. */
static gboolean
consider (VmdevCgroupHost *host, VmdevCgroupKinds wanted, VmdevDir *dir)
{
  long type;

  if (!dir_fs_type (dir, &type))
    return FALSE;
  if (type == CGROUP2_SUPER_MAGIC && (wanted & VMDEV_CGROUP_V2) && host->v2 == NULL)
    {
      host->v2 = dir;
      return TRUE;
    }
  if (type == CGROUP_SUPER_MAGIC && (wanted & VMDEV_CGROUP_V1) && host->v1 == NULL &&
      vmdev_dir_has (dir, "devices.allow"))
    {
      host->v1 = dir;
      return TRUE;
    }
  return FALSE;
}

VmdevCgroupHost *
vmdev_cgroup_host_open (VmdevRoot *root, VmdevCgroupKinds kinds, GError **error)
{
  g_autoptr(VmdevCgroupHost) host = g_new0 (VmdevCgroupHost, 1);
  g_autoptr(GError) local = NULL;
  g_autoptr(VmdevDir) top = vmdev_dir_open_if_exists (root, "sys/fs/cgroup", &local);
  g_autoptr(GPtrArray) names = NULL;
  long type;

  if (top == NULL)
    {
      if (local == NULL || vmdev_error_is_errno (local, ENOTDIR))
        {
          g_debug ("cgroups: no directory sys/fs/cgroup under the root: no cgroup hierarchy, "
                   "device rules are not used");
          return g_steal_pointer (&host);
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!dir_fs_type (top, &type))
    {
      int errsv = errno;
      vmdev_error_from_errno (error, errsv, "finding the file system type of", top->path);
      return NULL;
    }
  if (type == CGROUP2_SUPER_MAGIC || type == CGROUP_SUPER_MAGIC)
    {
      /* The whole of sys/fs/cgroup is one hierarchy (pure v2, or one v1 mount). */
      if (consider (host, kinds, top))
        top = NULL;
    }
  else
    {
      /* A tmpfs holding one mount per v1 hierarchy and maybe "unified". */
      names = vmdev_dir_list (top, error);
      if (names == NULL)
        return NULL;
      for (guint i = 0; i < names->len; i++)
        {
          VmdevDir *sub = vmdev_dir_open_at (top, names->pdata[i], NULL);

          if (sub != NULL && !consider (host, kinds, sub))
            vmdev_dir_free (sub);
        }
    }
  g_debug ("cgroups under %s: v1 devices controller: %s; v2 hierarchy: %s",
           vmdev_root_dir (root), host->v1 ? host->v1->path : "none",
           host->v2 ? host->v2->path : "none");
  return g_steal_pointer (&host);
}

void
vmdev_cgroup_host_free (VmdevCgroupHost *host)
{
  if (host == NULL)
    return;
  vmdev_dir_free (host->v1);
  vmdev_dir_free (host->v2);
  g_free (host);
}

VmdevCgroupKinds
vmdev_cgroup_host_kinds (VmdevCgroupHost *host)
{
  return (host->v1 ? VMDEV_CGROUP_V1 : 0) | (host->v2 ? VMDEV_CGROUP_V2 : 0);
}

const char *
vmdev_cgroup_host_path (VmdevCgroupHost *host, VmdevCgroupKinds kind)
{
  VmdevDir *dir = kind == VMDEV_CGROUP_V1 ? host->v1 : kind == VMDEV_CGROUP_V2 ? host->v2 : NULL;

  return dir ? dir->path : NULL;
}

gboolean
vmdev_cgroup_device_from_node (VmdevDir *dir, const char *name, gboolean read_only,
                               VmdevCgroupDevice *out, GError **error)
{
  struct stat st;

  if (fstatat (dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      int errsv = errno;
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      return vmdev_error_from_errno (error, errsv, "reading the device node", path);
    }
  if (!S_ISCHR (st.st_mode) && !S_ISBLK (st.st_mode))
    {
      g_autofree char *path = vmdev_dir_child_path (dir, name);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY,
                   "reading the device node: %s: not a character or block device", path);
      return FALSE;
    }
  out->type = S_ISCHR (st.st_mode) ? 'c' : 'b';
  out->major = major (st.st_rdev);
  out->minor = minor (st.st_rdev);
  out->read_only = read_only;
  return TRUE;
}

/* ---- helpers ---- */

static gboolean
check_device (const VmdevCgroupDevice *dev, GError **error)
{
  if (dev->type != 'c' && dev->type != 'b')
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                   "invalid device type '%c' for a cgroup device rule: 'c' or 'b' expected",
                   g_ascii_isprint (dev->type) ? dev->type : '?');
      return FALSE;
    }
  return TRUE;
}

/* "c 1:3 rw", "c 136:* rw". */
static char *
v1_rule (const VmdevCgroupDevice *dev, const char *access)
{
  if (dev->minor == VMDEV_CGROUP_ANY_MINOR)
    return g_strdup_printf ("%c %u:* %s", dev->type, dev->major, access);
  return g_strdup_printf ("%c %u:%u %s", dev->type, dev->major, dev->minor, access);
}

/* "<hierarchy>/vmdev/<domain>" for messages. */
static char *
domain_path (VmdevDir *hier, const char *domain)
{
  g_autofree char *rel = g_strconcat (PARENT "/", domain, NULL);
  return vmdev_dir_child_path (hier, rel);
}

/* Opens vmdev/<domain> in @hier; NOT_FOUND when missing. */
static VmdevDir *
open_domain (VmdevDir *hier, const char *domain, GError **error)
{
  g_autofree char *rel = g_strconcat (PARENT "/", domain, NULL);
  g_autoptr(GError) local = NULL;
  VmdevDir *dir = vmdev_dir_open_at (hier, rel, &local);

  if (dir == NULL && vmdev_error_is_errno (local, ENOENT))
    {
      g_autofree char *path = domain_path (hier, domain);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                   "cgroup of domain %s not found: %s: it is made when the domain starts",
                   domain, path);
      return NULL;
    }
  if (dir == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return dir;
}

/* rmdir of vmdev/<domain>, then of vmdev/ if it is empty now; returns 0 or
 * the errno of the first rmdir. */
static int
remove_domain_dir (VmdevDir *hier, const char *domain)
{
  g_autofree char *rel = g_strconcat (PARENT "/", domain, NULL);

  if (unlinkat (hier->fd, rel, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return errno;
  /* Fails while other domains have a cgroup there (EBUSY/ENOTEMPTY): fine. */
  if (unlinkat (hier->fd, PARENT, AT_REMOVEDIR) == 0)
    g_debug ("removed the empty cgroup %s/" PARENT, hier->path);
  return 0;
}

/* Creates vmdev/<domain> in @hier (and vmdev/ when needed). */
static gboolean
make_domain_dir (VmdevDir *hier, const char *domain, GError **error)
{
  g_autofree char *rel = g_strconcat (PARENT "/", domain, NULL);

  /* vmdev/ may be removed by another process between the two mkdirs when the
   * last other domain ends: then make it again. */
  for (int attempt = 0;; attempt++)
    {
      if (mkdirat (hier->fd, PARENT, 0755) < 0 && errno != EEXIST)
        {
          int errsv = errno;
          g_autofree char *path = vmdev_dir_child_path (hier, PARENT);
          return vmdev_error_from_errno (error, errsv, "creating cgroup", path);
        }
      if (mkdirat (hier->fd, rel, 0755) == 0)
        return TRUE;
      if (errno == ENOENT && attempt < 10)
        continue;
      {
        int errsv = errno;
        g_autofree char *path = domain_path (hier, domain);

        /* Leave no empty vmdev/ behind (fails harmlessly when not empty). */
        unlinkat (hier->fd, PARENT, AT_REMOVEDIR);

        if (errsv == EEXIST)
          {
            g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS,
                         "creating cgroup: %s: it exists already (left over from an earlier "
                         "run of domain %s?): remove it first (vmdev reconciles dead domains)",
                         path, domain);
            return FALSE;
          }
        return vmdev_error_from_errno (error, errsv, "creating cgroup", path);
      }
    }
}

/* ---- cgroup v2: the BPF program and its map ---- */

typedef struct
{
  guint32 type; /* BPF_DEVCG_DEV_CHAR or BPF_DEVCG_DEV_BLOCK */
  guint32 major;
  guint32 minor; /* VMDEV_CGROUP_ANY_MINOR for every minor */
} DevKey;

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (__NR_bpf, cmd, attr, sizeof *attr);
}

static gboolean
bpf_error (GError **error, int errnum, const char *what, const char *path)
{
  const char *hint = "";

  if (errnum == EPERM || errnum == EACCES)
    hint = " (needs CAP_SYS_ADMIN: run vmdev as root)";
  else if (errnum == EINVAL || errnum == ENOSYS)
    hint = " (needs a kernel with CONFIG_CGROUP_BPF)";
  g_set_error (error, VMDEV_IO_ERROR, vmdev_io_error_from_errno (errnum), "%s: %s: %s%s",
               what, path, g_strerror (errnum), hint);
  return FALSE;
}

static DevKey
dev_key (const VmdevCgroupDevice *dev)
{
  DevKey key = {
    .type = dev->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
    .major = dev->major,
    .minor = dev->minor,
  };
  return key;
}

static guint32
dev_access (const VmdevCgroupDevice *dev)
{
  return BPF_DEVCG_ACC_READ | (dev->read_only ? 0 : BPF_DEVCG_ACC_WRITE);
}

/* 0: done; else the errno. */
static int
map_update (int map_fd, const DevKey *key, guint32 value)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.map_fd = map_fd;
  attr.key = (guint64) (guintptr) key;
  attr.value = (guint64) (guintptr) &value;
  attr.flags = BPF_ANY;
  return sys_bpf (BPF_MAP_UPDATE_ELEM, &attr) == 0 ? 0 : errno;
}

/* 0: found (*value set); else the errno (ENOENT: not in the map). */
static int
map_lookup (int map_fd, const DevKey *key, guint32 *value)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.map_fd = map_fd;
  attr.key = (guint64) (guintptr) key;
  attr.value = (guint64) (guintptr) value;
  return sys_bpf (BPF_MAP_LOOKUP_ELEM, &attr) == 0 ? 0 : errno;
}

static int
map_delete (int map_fd, const DevKey *key)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.map_fd = map_fd;
  attr.key = (guint64) (guintptr) key;
  return sys_bpf (BPF_MAP_DELETE_ELEM, &attr) == 0 || errno == ENOENT ? 0 : errno;
}

#define INSN(c, d, s, o, i) \
  ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN (BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN (BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU64_IMM(op, d, i) INSN (BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s) INSN (BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDX_W(d, s, o) INSN (BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STX_W(d, s, o) INSN (BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_W(d, o, i) INSN (BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define LD_MAP_FD(d, fd) \
  INSN (BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN (0, 0, 0, 0, 0)
#define CALL(f) INSN (BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define JNE_IMM(d, i, o) INSN (BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JA(o) INSN (BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The device program.  ctx is struct bpf_cgroup_dev_ctx { u32 access_type
 * (access << 16 | type); u32 major; u32 minor; }; returning 0 denies (EPERM),
 * 1 allows.  In C:
 *
 *   DevKey key = { ctx->access_type & 0xffff, ctx->major, ctx->minor };
 *   u32 *allowed = lookup (map, &key);
 *   if (!allowed) { key.minor = ANY; allowed = lookup (map, &key); }
 *   if (!allowed) return 0;
 *   return ((ctx->access_type >> 16) & ~*allowed) == 0;
 *
 * The key lives at fp-16 (12 bytes).  Jump offsets count from the next
 * instruction; the numbers on the right are the instruction indices. */
static gsize
device_program (int map_fd, struct bpf_insn *out)
{
  const struct bpf_insn prog[] = {
    MOV64_REG (BPF_REG_6, BPF_REG_1),                  /*  0 r6 = ctx */
    LDX_W (BPF_REG_7, BPF_REG_6, 0),                   /*  1 r7 = access_type */
    MOV64_REG (BPF_REG_2, BPF_REG_7),                  /*  2 */
    ALU64_IMM (BPF_AND, BPF_REG_2, 0xffff),            /*  3 r2 = type */
    STX_W (BPF_REG_10, BPF_REG_2, -16),                /*  4 key.type */
    LDX_W (BPF_REG_2, BPF_REG_6, 4),                   /*  5 */
    STX_W (BPF_REG_10, BPF_REG_2, -12),                /*  6 key.major */
    LDX_W (BPF_REG_2, BPF_REG_6, 8),                   /*  7 */
    STX_W (BPF_REG_10, BPF_REG_2, -8),                 /*  8 key.minor */
    ALU64_IMM (BPF_RSH, BPF_REG_7, 16),                /*  9 r7 = access */
    LD_MAP_FD (BPF_REG_1, map_fd),                     /* 10, 11 */
    MOV64_REG (BPF_REG_2, BPF_REG_10),                 /* 12 */
    ALU64_IMM (BPF_ADD, BPF_REG_2, -16),               /* 13 r2 = &key */
    CALL (BPF_FUNC_map_lookup_elem),                   /* 14 */
    JNE_IMM (BPF_REG_0, 0, 8),                         /* 15 found: goto 24 */
    ST_W (BPF_REG_10, -8, -1),                         /* 16 key.minor = ANY */
    LD_MAP_FD (BPF_REG_1, map_fd),                     /* 17, 18 */
    MOV64_REG (BPF_REG_2, BPF_REG_10),                 /* 19 */
    ALU64_IMM (BPF_ADD, BPF_REG_2, -16),               /* 20 */
    CALL (BPF_FUNC_map_lookup_elem),                   /* 21 */
    JNE_IMM (BPF_REG_0, 0, 1),                         /* 22 found: goto 24 */
    JA (6),                                            /* 23 goto 30 (deny) */
    LDX_W (BPF_REG_1, BPF_REG_0, 0),                   /* 24 r1 = allowed */
    ALU64_IMM (BPF_XOR, BPF_REG_1, -1),                /* 25 r1 = ~allowed */
    ALU64_REG (BPF_AND, BPF_REG_7, BPF_REG_1),         /* 26 */
    JNE_IMM (BPF_REG_7, 0, 2),                         /* 27 more than allowed: goto 30 */
    MOV64_IMM (BPF_REG_0, 1),                          /* 28 allow */
    EXIT (),                                           /* 29 */
    MOV64_IMM (BPF_REG_0, 0),                          /* 30 deny */
    EXIT (),                                           /* 31 */
  };

  memcpy (out, prog, sizeof prog);
  return G_N_ELEMENTS (prog);
}

/* Loads the program for @map_fd: the program fd, or -1 with @error set. */
static int
load_program (int map_fd, const char *path, GError **error)
{
  struct bpf_insn insns[32];
  gsize n = device_program (map_fd, insns);
  union bpf_attr attr;
  char log[4096] = "";
  int fd, errsv;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (guint64) (guintptr) insns;
  attr.insn_cnt = n;
  attr.license = (guint64) (guintptr) "GPL";
  memcpy (attr.prog_name, BPF_NAME, sizeof BPF_NAME);
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  errsv = errno;
  if (errsv == EACCES || errsv == EINVAL)
    {
      /* Load again with the verifier's log, for the message. */
      attr.log_buf = (guint64) (guintptr) log;
      attr.log_size = sizeof log;
      attr.log_level = 1;
      fd = sys_bpf (BPF_PROG_LOAD, &attr);
      if (fd >= 0)
        return fd;
      g_strchomp (log);
    }
  {
    const char *last = strrchr (log, '\n');
    g_autofree char *what = g_strdup_printf (
        "loading the BPF device program for cgroup%s%s%s",
        *log ? " (verifier: " : "", *log ? (last ? last + 1 : log) : "", *log ? ")" : "");
    bpf_error (error, errsv, what, path);
  }
  return -1;
}

/* Makes the map, fills it with @devs, loads the program and attaches it to
 * the cgroup @cg. */
static gboolean
v2_setup (VmdevDir *cg, const VmdevCgroupDevice *const *devs, gsize n_devs, GError **error)
{
  union bpf_attr attr;
  g_auto(VmdevFd) map_fd = -1;
  g_auto(VmdevFd) prog_fd = -1;

  memset (&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_HASH;
  attr.key_size = sizeof (DevKey);
  attr.value_size = sizeof (guint32);
  attr.max_entries = VMDEV_CGROUP_MAX_DEVICES;
  memcpy (attr.map_name, BPF_NAME, sizeof BPF_NAME);
  map_fd = sys_bpf (BPF_MAP_CREATE, &attr);
  if (map_fd < 0)
    return bpf_error (error, errno, "creating the BPF device map for cgroup", cg->path);

  for (gsize i = 0; i < n_devs; i++)
    {
      DevKey key = dev_key (devs[i]);
      int errnum = map_update (map_fd, &key, dev_access (devs[i]));

      if (errnum != 0)
        return bpf_error (error, errnum == E2BIG ? ENOSPC : errnum,
                          "filling the BPF device map for cgroup", cg->path);
    }

  prog_fd = load_program (map_fd, cg->path, error);
  if (prog_fd < 0)
    return FALSE;

  memset (&attr, 0, sizeof attr);
  attr.target_fd = cg->fd;
  attr.attach_bpf_fd = prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return bpf_error (error, errno, "attaching the BPF device program to cgroup", cg->path);
  /* The cgroup holds the program now, and the program its map. */
  return TRUE;
}

/* Finds the map of vmdev's program attached to the cgroup @cg: its fd, or -1
 * with @error set. */
static int
v2_find_map (VmdevDir *cg, GError **error)
{
  guint32 ids[64];
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = cg->fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (guint64) (guintptr) ids;
  attr.query.prog_cnt = G_N_ELEMENTS (ids);
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    {
      bpf_error (error, errno, "listing the BPF device programs of cgroup", cg->path);
      return -1;
    }
  for (guint i = 0; i < attr.query.prog_cnt && i < G_N_ELEMENTS (ids); i++)
    {
      union bpf_attr a;
      struct bpf_prog_info info;
      struct bpf_map_info map_info;
      guint32 map_id = 0;
      g_auto(VmdevFd) prog_fd = -1;
      g_auto(VmdevFd) map_fd = -1;

      memset (&a, 0, sizeof a);
      a.prog_id = ids[i];
      prog_fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &a);
      if (prog_fd < 0)
        {
          if (errno == ENOENT) /* detached meanwhile */
            continue;
          bpf_error (error, errno, "opening a BPF device program of cgroup", cg->path);
          return -1;
        }
      memset (&info, 0, sizeof info);
      info.nr_map_ids = 1;
      info.map_ids = (guint64) (guintptr) &map_id;
      memset (&a, 0, sizeof a);
      a.info.bpf_fd = prog_fd;
      a.info.info_len = sizeof info;
      a.info.info = (guint64) (guintptr) &info;
      if (sys_bpf (BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
        {
          bpf_error (error, errno, "reading a BPF device program of cgroup", cg->path);
          return -1;
        }
      if (strcmp (info.name, BPF_NAME) != 0 || info.nr_map_ids != 1)
        continue;

      memset (&a, 0, sizeof a);
      a.map_id = map_id;
      map_fd = sys_bpf (BPF_MAP_GET_FD_BY_ID, &a);
      if (map_fd < 0)
        {
          bpf_error (error, errno, "opening the BPF device map of cgroup", cg->path);
          return -1;
        }
      memset (&map_info, 0, sizeof map_info);
      memset (&a, 0, sizeof a);
      a.info.bpf_fd = map_fd;
      a.info.info_len = sizeof map_info;
      a.info.info = (guint64) (guintptr) &map_info;
      if (sys_bpf (BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
        {
          bpf_error (error, errno, "reading the BPF device map of cgroup", cg->path);
          return -1;
        }
      if (map_info.type == BPF_MAP_TYPE_HASH && map_info.key_size == sizeof (DevKey) &&
          map_info.value_size == sizeof (guint32) && strcmp (map_info.name, BPF_NAME) == 0)
        return vmdev_fd_steal (&map_fd);
    }
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
               "changing the device rules of cgroup %s: vmdev's BPF device program is not "
               "attached to it: the cgroup was not made by vmdev; remove it and start the "
               "domain again", cg->path);
  return -1;
}

/* ---- the operations ---- */

gboolean
vmdev_cgroup_create (VmdevCgroupHost *host, const char *domain,
                     const VmdevCgroupDevice *extra, gsize n_extra, GError **error)
{
  g_autoptr(GPtrArray) devs = g_ptr_array_new ();
  g_autoptr(VmdevDir) v1 = NULL;
  g_autoptr(VmdevDir) v2 = NULL;
  gboolean made_v1 = FALSE, made_v2 = FALSE;

  if (!vmdev_name_check ("domain", domain, error))
    return FALSE;
  for (gsize i = 0; i < n_extra; i++)
    if (!check_device (&extra[i], error))
      return FALSE;
  if (host->v1 == NULL && host->v2 == NULL)
    {
      g_debug ("cgroups: no hierarchy found, no cgroup for domain %s", domain);
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (default_devices); i++)
    g_ptr_array_add (devs, (gpointer) &default_devices[i]);
  for (gsize i = 0; i < n_extra; i++)
    g_ptr_array_add (devs, (gpointer) &extra[i]);

  if (host->v1 != NULL)
    {
      if (!make_domain_dir (host->v1, domain, error))
        return FALSE;
      made_v1 = TRUE;
      v1 = open_domain (host->v1, domain, error);
      if (v1 == NULL || !vmdev_dir_write_attr (v1, "devices.deny", "a", error))
        goto undo;
      for (guint i = 0; i < devs->len; i++)
        {
          const VmdevCgroupDevice *dev = devs->pdata[i];
          g_autofree char *rule = v1_rule (dev, dev->read_only ? "r" : "rw");

          if (!vmdev_dir_write_attr (v1, "devices.allow", rule, error))
            {
              g_prefix_error (error, "allowing '%s': ", rule);
              goto undo;
            }
        }
      g_debug ("cgroup %s: default deny, %u devices allowed", v1->path, devs->len);
    }
  if (host->v2 != NULL)
    {
      if (!make_domain_dir (host->v2, domain, error))
        goto undo;
      made_v2 = TRUE;
      v2 = open_domain (host->v2, domain, error);
      if (v2 == NULL ||
          !v2_setup (v2, (const VmdevCgroupDevice *const *) devs->pdata, devs->len, error))
        goto undo;
      g_debug ("cgroup %s: BPF device program attached, %u devices allowed", v2->path,
               devs->len);
    }
  return TRUE;

undo:
  /* Nothing runs in the new cgroups yet: rmdir takes the rules (and the BPF
   * program with its map) with them. */
  if (made_v2)
    remove_domain_dir (host->v2, domain);
  if (made_v1)
    remove_domain_dir (host->v1, domain);
  return FALSE;
}

/* Opens the domain's cgroup in each hierarchy found; FALSE with @error when
 * one is missing. */
static gboolean
open_domains (VmdevCgroupHost *host, const char *domain, VmdevDir **v1, VmdevDir **v2,
              GError **error)
{
  g_autoptr(VmdevDir) d1 = NULL;
  g_autoptr(VmdevDir) d2 = NULL;

  if (host->v1 != NULL && (d1 = open_domain (host->v1, domain, error)) == NULL)
    return FALSE;
  if (host->v2 != NULL && (d2 = open_domain (host->v2, domain, error)) == NULL)
    return FALSE;
  *v1 = g_steal_pointer (&d1);
  *v2 = g_steal_pointer (&d2);
  return TRUE;
}

/* Allows (@allow) or denies @dev in @domain's cgroups.  The v2 map is changed
 * first because its old entry can be put back exactly; the v1 write comes
 * last, so a failure there is undone by restoring the map entry. */
static gboolean
change_rule (VmdevCgroupHost *host, const char *domain, const VmdevCgroupDevice *dev,
             gboolean allow, GError **error)
{
  g_autoptr(VmdevDir) v1 = NULL;
  g_autoptr(VmdevDir) v2 = NULL;
  g_auto(VmdevFd) map_fd = -1;
  g_autofree char *rule = NULL;
  const char *verb = allow ? "allowing" : "denying";
  DevKey key = dev_key (dev);
  guint32 old = 0;
  gboolean had_old = FALSE;

  if (!vmdev_name_check ("domain", domain, error) || !check_device (dev, error))
    return FALSE;
  rule = v1_rule (dev, allow ? (dev->read_only ? "r" : "rw") : "rwm");
  if (host->v1 == NULL && host->v2 == NULL)
    {
      g_debug ("cgroups: no hierarchy found, not %s '%s' for domain %s", verb, rule, domain);
      return TRUE;
    }
  if (!open_domains (host, domain, &v1, &v2, error))
    return FALSE;

  if (v2 != NULL)
    {
      int errnum;

      map_fd = v2_find_map (v2, error);
      if (map_fd < 0)
        return FALSE;
      errnum = map_lookup (map_fd, &key, &old);
      if (errnum != 0 && errnum != ENOENT)
        {
          g_autofree char *what = g_strdup_printf ("%s '%s': reading the BPF device map of cgroup",
                                                   verb, rule);
          return bpf_error (error, errnum, what, v2->path);
        }
      had_old = errnum == 0;
      if (allow)
        errnum = map_update (map_fd, &key, old | dev_access (dev));
      else
        errnum = map_delete (map_fd, &key);
      if (errnum != 0)
        {
          g_autofree char *what = g_strdup_printf ("%s '%s': changing the BPF device map of "
                                                   "cgroup", verb, rule);
          return bpf_error (error, errnum == E2BIG ? ENOSPC : errnum, what, v2->path);
        }
    }
  if (v1 != NULL && !vmdev_dir_write_attr (v1, allow ? "devices.allow" : "devices.deny", rule,
                                           error))
    {
      g_prefix_error (error, "%s '%s' for domain %s: ", verb, rule, domain);
      if (map_fd >= 0)
        {
          int errnum = had_old ? map_update (map_fd, &key, old) : map_delete (map_fd, &key);

          if (errnum != 0)
            g_debug ("cgroup %s: could not restore the BPF map entry of '%s': %s",
                     v2->path, rule, g_strerror (errnum));
        }
      return FALSE;
    }
  g_debug ("cgroups of domain %s: %s '%s'", domain, verb, rule);
  return TRUE;
}

gboolean
vmdev_cgroup_allow (VmdevCgroupHost *host, const char *domain,
                    const VmdevCgroupDevice *dev, GError **error)
{
  return change_rule (host, domain, dev, TRUE, error);
}

gboolean
vmdev_cgroup_deny (VmdevCgroupHost *host, const char *domain,
                   const VmdevCgroupDevice *dev, GError **error)
{
  return change_rule (host, domain, dev, FALSE, error);
}

/* Appends @s at @p (bounded by @end); returns the new end. */
static char *
append (char *p, const char *end, const char *s)
{
  while (*s && p < end)
    *p++ = *s++;
  return p;
}

gboolean
vmdev_cgroup_enter (VmdevCgroupHost *host, const char *domain, pid_t pid, GError **error)
{
  /* Only the stack and plain syscalls on the way to success (see the header). */
  char rel[sizeof PARENT + VMDEV_NAME_MAX + sizeof "/cgroup.procs" + 1];
  char digits[24];
  char *p = digits + sizeof digits;
  unsigned long v = pid > 0 ? (unsigned long) pid : 0;
  VmdevDir *hiers[2] = { host->v1, host->v2 };
  char *end;

  if (!vmdev_name_check ("domain", domain, error))
    return FALSE;
  do
    *--p = '0' + v % 10;
  while ((v /= 10) > 0);
  end = append (rel, rel + sizeof rel - 1, PARENT "/");
  end = append (end, rel + sizeof rel - 1, domain);
  end = append (end, rel + sizeof rel - 1, "/cgroup.procs");
  *end = '\0';

  for (int i = 0; i < 2; i++)
    {
      int fd, errsv = 0;
      ssize_t n;
      size_t len = digits + sizeof digits - p;

      if (hiers[i] == NULL)
        continue;
      fd = openat (hiers[i]->fd, rel, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        errsv = errno;
      else
        {
          do
            n = write (fd, p, len);
          while (n < 0 && errno == EINTR);
          if (n < 0)
            errsv = errno;
          else if ((size_t) n != len)
            errsv = EIO;
          close (fd);
        }
      if (errsv != 0)
        {
          g_autofree char *path = vmdev_dir_child_path (hiers[i], rel);

          if (errsv == ENOENT)
            {
              g_autofree char *dpath = domain_path (hiers[i], domain);
              g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                           "cgroup of domain %s not found: %s: it is made when the domain "
                           "starts", domain, dpath);
              return FALSE;
            }
          vmdev_error_from_errno (error, errsv, "moving a process into cgroup", path);
          g_prefix_error (error, "pid %ld: ", pid > 0 ? (long) pid : (long) getpid ());
          return FALSE;
        }
    }
  return TRUE;
}

/* The pids in @cg's cgroup.procs, space-separated ("" when none); NULL with
 * @error when unreadable. */
static char *
read_pids (VmdevDir *cg, GError **error)
{
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) pids = g_string_new ("");
  guint n = 0;

  if (!vmdev_dir_read (cg, "cgroup.procs", 1 << 20, &data, NULL, error))
    return NULL;
  lines = g_strsplit (data, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      if (**l == '\0')
        continue;
      if (n++ == 10)
        {
          g_string_append (pids, " ...");
          break;
        }
      g_string_append_printf (pids, "%s%s", pids->len ? " " : "", *l);
    }
  return g_string_free (g_steal_pointer (&pids), FALSE);
}

gboolean
vmdev_cgroup_remove (VmdevCgroupHost *host, const char *domain, GError **error)
{
  VmdevDir *hiers[2] = { host->v1, host->v2 };
  GError *first = NULL;

  if (!vmdev_name_check ("domain", domain, error))
    return FALSE;
  if (host->v1 == NULL && host->v2 == NULL)
    {
      g_debug ("cgroups: no hierarchy found, no cgroup to remove for domain %s", domain);
      return TRUE;
    }
  /* First make sure that nothing runs in any of them: removing one while a
   * process still runs in another would loosen its rules. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(VmdevDir) cg = NULL;
      g_autofree char *pids = NULL;

      if (hiers[i] == NULL)
        continue;
      cg = open_domain (hiers[i], domain, &local);
      if (cg == NULL && g_error_matches (local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND))
        continue;
      if (cg == NULL || (pids = read_pids (cg, &local)) == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      "removing the cgroup of domain %s: ", domain);
          return FALSE;
        }
      if (*pids)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE,
                       "removing the cgroup of domain %s: %s: processes still run in it "
                       "(pids %s): they must end first (the domain's QEMU and its helpers)",
                       domain, cg->path, pids);
          return FALSE;
        }
    }
  for (int i = 0; i < 2; i++)
    {
      int errnum;

      if (hiers[i] == NULL)
        continue;
      /* A process that has just been reaped may keep the cgroup busy for a
       * moment: wait for it (bounded, 1 s). */
      for (int tries = 0; (errnum = remove_domain_dir (hiers[i], domain)) == EBUSY && tries < 100;
           tries++)
        g_usleep (10 * 1000);
      if (errnum != 0 && first == NULL)
        {
          g_autofree char *path = domain_path (hiers[i], domain);

          if (errnum == EBUSY)
            g_set_error (&first, VMDEV_ERROR, VMDEV_ERROR_IN_USE,
                         "removing the cgroup of domain %s: %s: still busy (a process in it or "
                         "a cgroup below it): try again when it is empty", domain, path);
          else
            {
              vmdev_error_from_errno (&first, errnum, "removing cgroup", path);
              g_prefix_error (&first, "removing the cgroup of domain %s: ", domain);
            }
        }
      else if (errnum == 0)
        g_debug ("removed the cgroup of domain %s in %s", domain, hiers[i]->path);
    }
  if (first != NULL)
    {
      g_propagate_error (error, first);
      return FALSE;
    }
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
vmdev_cgroup_list (VmdevCgroupHost *host, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *out;
  VmdevDir *hiers[2] = { host->v1, host->v2 };
  GHashTableIter iter;
  gpointer name;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(VmdevDir) parent = NULL;
      g_autoptr(GPtrArray) names = NULL;

      if (hiers[i] == NULL)
        continue;
      parent = vmdev_dir_open_at (hiers[i], PARENT, &local);
      if (parent == NULL && vmdev_error_is_errno (local, ENOENT))
        continue;
      if (parent == NULL || (names = vmdev_dir_list (parent, &local)) == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      "listing the domain cgroups: ");
          return NULL;
        }
      for (guint j = 0; j < names->len; j++)
        {
          struct stat st;

          if (fstatat (parent->fd, names->pdata[j], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISDIR (st.st_mode))
            g_hash_table_add (seen, g_strdup (names->pdata[j]));
        }
    }
  out = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (out, name);
    }
  g_ptr_array_sort (out, compare_names);
  return out;
}
