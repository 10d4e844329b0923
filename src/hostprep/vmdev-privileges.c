/* vmdev-privileges.c: dropping privileges before QEMU runs.  See
 * vmdev-privileges.h. */
#include "hostprep/vmdev-privileges.h"

#include "util/vmdev-error.h"

#include <errno.h>
#include <linux/capability.h>
#include <selinux/selinux.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

guint64
vmdev_privileges_vfio_memlock (guint64 memory_kib)
{
  return memory_kib * 1024 + ((guint64) 1 << 30);
}

static gboolean
fail (GError **error, const char *what, int errsv)
{
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
               "preparing QEMU's process: %s: %s", what, g_strerror (errsv));
  return FALSE;
}

/* Raises RLIMIT_MEMLOCK to @bytes.  Without CAP_SYS_RESOURCE (a container)
 * the hard limit cannot be raised: then the soft limit goes as high as the
 * hard one allows and *@out_warning says so — VFIO fails only if the guest
 * memory it maps does not fit. */
static gboolean
raise_memlock (guint64 bytes, char **out_warning)
{
  struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };
  struct rlimit cur;

  if (setrlimit (RLIMIT_MEMLOCK, &rl) == 0)
    return TRUE;
  if (errno != EPERM || getrlimit (RLIMIT_MEMLOCK, &cur) < 0)
    return FALSE;
  cur.rlim_cur = cur.rlim_max;
  if (setrlimit (RLIMIT_MEMLOCK, &cur) < 0)
    return FALSE;
  if (out_warning != NULL && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < bytes)
    *out_warning = g_strdup_printf ("cannot raise RLIMIT_MEMLOCK to %" G_GUINT64_FORMAT
                                    " bytes (no CAP_SYS_RESOURCE; the hard limit is %"
                                    G_GUINT64_FORMAT "): a VFIO device may fail to map the "
                                    "guest's memory", bytes, (guint64) cur.rlim_max);
  return TRUE;
}

/* Drops every capability from the bounding set (needs CAP_SETPCAP).  The
 * kernel says EINVAL past the last capability it knows. */
static gboolean
drop_bounding_set (void)
{
  for (unsigned long cap = 0;; cap++)
    {
      int in_set = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);

      if (in_set < 0)
        return errno == EINVAL;
      if (in_set > 0 && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return FALSE;
    }
}

/* Clears the ambient, permitted, effective and inheritable sets. */
static gboolean
drop_capabilities (void)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return FALSE;
  return syscall (SYS_capset, &header, data) == 0;
}

gboolean
vmdev_privileges_apply (const VmdevPrivileges *priv, char **out_warning, GError **error)
{
  if (priv->memlock_bytes > 0 && !raise_memlock (priv->memlock_bytes, out_warning))
    return fail (error, "raising RLIMIT_MEMLOCK", errno);
  if (priv->exec_context != NULL && is_selinux_enabled () > 0 &&
      setexeccon (priv->exec_context) < 0)
    return fail (error, "setting the SELinux exec label", errno);
  /* The bounding set needs CAP_SETPCAP, which a non-root uid loses below. */
  if (!drop_bounding_set ())
    return fail (error, "clearing the capability bounding set", errno);
  /* The system calls themselves: libc's wrappers would apply the change to
   * every thread of the process they believe they are in. */
  if (syscall (SYS_setgroups, 0, NULL) < 0)
    return fail (error, "clearing the supplementary groups", errno);
  if (syscall (SYS_setresgid, priv->gid, priv->gid, priv->gid) < 0)
    return fail (error, "setting the group", errno);
  if (syscall (SYS_setresuid, priv->uid, priv->uid, priv->uid) < 0)
    return fail (error, "setting the user", errno);
  /* A non-root uid has lost its capabilities with setresuid; uid 0 keeps
   * them until they are cleared here, bounding set included. */
  if (!drop_capabilities ())
    return fail (error, "dropping the capabilities", errno);
  return TRUE;
}
