#include "hostprep/vmdev-hostprep-config.h"

#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define GROUP "qemu"

static const char *const known_keys[] = {
  "user", "group", "security_driver", "image_label", "process_label", "selinux_force", NULL,
};

VmdevHostprepConfig *
vmdev_hostprep_config_new_default (void)
{
  VmdevHostprepConfig *config = g_new0 (VmdevHostprepConfig, 1);

  config->uid = 0;
  config->gid = 0;
  config->user = g_strdup ("root");
  config->group = g_strdup ("root");
  config->security_driver = VMDEV_SECURITY_DRIVER_DAC;
  config->image_label = g_strdup (VMDEV_HOSTPREP_DEFAULT_IMAGE_LABEL);
  config->process_label = g_strdup (VMDEV_HOSTPREP_DEFAULT_PROCESS_LABEL);
  config->selinux_force = FALSE;
  return config;
}

void
vmdev_hostprep_config_free (VmdevHostprepConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->user);
  g_free (config->group);
  g_free (config->image_label);
  g_free (config->process_label);
  g_free (config);
}

const char *
vmdev_security_driver_to_string (VmdevSecurityDriver driver)
{
  switch (driver)
    {
    case VMDEV_SECURITY_DRIVER_DAC:
      return "dac";
    case VMDEV_SECURITY_DRIVER_SELINUX:
      return "selinux";
    case VMDEV_SECURITY_DRIVER_NONE:
    default:
      return "none";
    }
}

static gboolean G_GNUC_PRINTF (4, 5)
bad_key (GError **error, const char *path, const char *key, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  va_list ap;

  va_start (ap, fmt);
  why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "%s: [" GROUP "] %s: %s",
               path, key, why);
  return FALSE;
}

/* A decimal id: digits only, below the "no change" value (uid_t)-1. */
static gboolean
parse_id (const char *value, guint32 *out_id)
{
  guint64 n;
  char *end;

  if (!g_ascii_isdigit (value[0]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (value, &end, 10);
  if (errno != 0 || *end != '\0' || n >= G_MAXUINT32)
    return FALSE;
  *out_id = (guint32) n;
  return TRUE;
}

static long
buffer_size (int name)
{
  long size = sysconf (name);

  return size > 0 ? size : 16384;
}

/* getpwnam_r with a growing buffer: 0 and the uid, ENOENT, or the errno. */
static int
lookup_user (const char *name, uid_t *out_uid)
{
  long size = buffer_size (_SC_GETPW_R_SIZE_MAX);

  for (;;)
    {
      g_autofree char *buf = g_malloc (size);
      struct passwd pw, *found = NULL;
      int rc = getpwnam_r (name, &pw, buf, size, &found);

      if (rc == ERANGE && size < 1024 * 1024)
        {
          size *= 2;
          continue;
        }
      if (rc != 0)
        return rc;
      if (found == NULL)
        return ENOENT;
      *out_uid = pw.pw_uid;
      return 0;
    }
}

static int
lookup_group (const char *name, gid_t *out_gid)
{
  long size = buffer_size (_SC_GETGR_R_SIZE_MAX);

  for (;;)
    {
      g_autofree char *buf = g_malloc (size);
      struct group gr, *found = NULL;
      int rc = getgrnam_r (name, &gr, buf, size, &found);

      if (rc == ERANGE && size < 1024 * 1024)
        {
          size *= 2;
          continue;
        }
      if (rc != 0)
        return rc;
      if (found == NULL)
        return ENOENT;
      *out_gid = gr.gr_gid;
      return 0;
    }
}

/* user= or group=: a number, or a name known to this host. */
static gboolean
parse_owner (const char *path, const char *key, const char *value, gboolean is_user,
             guint32 *out_id, GError **error)
{
  const char *what = is_user ? "user" : "group";
  int rc;

  if (*value == '\0')
    return bad_key (error, path, key, "empty (allowed: a %s name known to this host, "
                    "or a number)", what);
  if (parse_id (value, out_id))
    return TRUE;
  if (g_ascii_isdigit (value[0]))
    return bad_key (error, path, key, "'%s' is not a valid %s id (allowed: 0 to %u, or a name)",
                    value, what, G_MAXUINT32 - 1);
  if (is_user)
    {
      uid_t uid = 0;

      rc = lookup_user (value, &uid);
      *out_id = uid;
    }
  else
    {
      gid_t gid = 0;

      rc = lookup_group (value, &gid);
      *out_id = gid;
    }
  if (rc == ENOENT)
    return bad_key (error, path, key, "no %s '%s' on this host (allowed: a %s name known "
                    "to the host running vmdev, not under --root, or a number)",
                    what, value, what);
  if (rc != 0)
    return bad_key (error, path, key, "looking up %s '%s': %s", what, value, g_strerror (rc));
  return TRUE;
}

gboolean
vmdev_hostprep_label_check (const char *what, const char *label, GError **error)
{
  g_auto(GStrv) fields = NULL;

  for (const char *p = label; *p; p++)
    if (!g_ascii_isgraph (*p))
      {
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                     "%s: '%s' holds a space or control character (allowed: "
                     "user:role:type:sensitivity, without categories)", what, label);
        return FALSE;
      }
  fields = g_strsplit (label, ":", -1);
  if (g_strv_length (fields) != 4 || !fields[0][0] || !fields[1][0] || !fields[2][0]
      || !fields[3][0])
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "%s: '%s' is not user:role:type:sensitivity (allowed: four fields, "
                   "without categories: vmdev adds the domain's own)", what, label);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_label (const char *path, const char *key, const char *value, char **out_label,
             GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!vmdev_hostprep_label_check ("label", value, &local))
    {
      /* the checker's message starts with "label: " */
      return bad_key (error, path, key, "%s", local->message + strlen ("label: "));
    }
  g_free (*out_label);
  *out_label = g_strdup (value);
  return TRUE;
}

VmdevHostprepConfig *
vmdev_hostprep_config_parse (const char *data, gsize len, const char *path, GError **error)
{
  g_autoptr(VmdevHostprepConfig) config = vmdev_hostprep_config_new_default ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "%s: not a key file: %s (allowed: a [" GROUP "] section of key=value lines)",
                   path, local->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, GROUP))
    return g_steal_pointer (&config);

  keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autofree char *value = NULL;

      if (!g_strv_contains (known_keys, key))
        {
          g_autofree char *allowed = g_strjoinv (", ", (char **) known_keys);
          bad_key (error, path, key, "unknown key (allowed: %s)", allowed);
          return NULL;
        }
      value = g_key_file_get_string (kf, GROUP, key, &local);
      if (value == NULL)
        {
          bad_key (error, path, key, "%s", local->message);
          return NULL;
        }
      g_strstrip (value);

      if (g_str_equal (key, "user") || g_str_equal (key, "group"))
        {
          gboolean is_user = g_str_equal (key, "user");
          guint32 id = 0;

          if (!parse_owner (path, key, value, is_user, &id, error))
            return NULL;
          if (is_user)
            {
              config->uid = id;
              g_free (config->user);
              config->user = g_steal_pointer (&value);
            }
          else
            {
              config->gid = id;
              g_free (config->group);
              config->group = g_steal_pointer (&value);
            }
        }
      else if (g_str_equal (key, "security_driver"))
        {
          if (g_str_equal (value, "dac"))
            config->security_driver = VMDEV_SECURITY_DRIVER_DAC;
          else if (g_str_equal (value, "selinux"))
            config->security_driver = VMDEV_SECURITY_DRIVER_SELINUX;
          else if (g_str_equal (value, "none"))
            config->security_driver = VMDEV_SECURITY_DRIVER_NONE;
          else
            {
              bad_key (error, path, key, "'%s' is not a security driver (allowed: dac, "
                       "selinux, none)", value);
              return NULL;
            }
        }
      else if (g_str_equal (key, "image_label"))
        {
          if (!parse_label (path, key, value, &config->image_label, error))
            return NULL;
        }
      else if (g_str_equal (key, "process_label"))
        {
          if (!parse_label (path, key, value, &config->process_label, error))
            return NULL;
        }
      else /* selinux_force */
        {
          if (g_str_equal (value, "true") || g_str_equal (value, "1"))
            config->selinux_force = TRUE;
          else if (g_str_equal (value, "false") || g_str_equal (value, "0"))
            config->selinux_force = FALSE;
          else
            {
              bad_key (error, path, key, "'%s' is not a boolean (allowed: true, false)", value);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&config);
}

VmdevHostprepConfig *
vmdev_hostprep_config_load (VmdevRoot *root, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *data = NULL, *path = NULL;
  gsize len = 0;

  dir = vmdev_dir_open_if_exists (root, "etc/vmdev", &local);
  if (dir == NULL && local == NULL)
    return vmdev_hostprep_config_new_default ();
  if (dir == NULL ||
      !vmdev_dir_read_if_exists (dir, "vmdev.conf", VMDEV_HOSTPREP_CONFIG_MAX_SIZE, &data, &len,
                                 &local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (data == NULL)
    return vmdev_hostprep_config_new_default ();
  path = vmdev_root_display (root, VMDEV_HOSTPREP_CONFIG_FILE);
  return vmdev_hostprep_config_parse (data, len, path, error);
}
