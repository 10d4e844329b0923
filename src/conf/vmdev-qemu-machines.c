/* vmdev-qemu-machines.c: QEMU's machine list, probed and cached. */
#include "conf/vmdev-qemu-machines.h"

#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

struct _VmdevMachineList
{
  GHashTable *alias;     /* name -> canonical name (itself for a canonical name) */
  char *default_machine;
};

void
vmdev_machine_list_free (VmdevMachineList *list)
{
  if (list == NULL)
    return;
  g_hash_table_unref (list->alias);
  g_free (list->default_machine);
  g_free (list);
}

VmdevMachineList *
vmdev_machine_list_parse (const char *text)
{
  VmdevMachineList *list = g_new0 (VmdevMachineList, 1);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  list->alias = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *sp = strchr (line, ' ');
      const char *alias_of;
      g_autofree char *name = NULL;

      if (sp == NULL || g_str_has_prefix (line, "Supported machines"))
        continue;
      name = g_strndup (line, sp - line);
      if ((alias_of = strstr (sp, "(alias of ")) != NULL)
        {
          const char *start = alias_of + strlen ("(alias of ");
          const char *end = strchr (start, ')');

          if (end != NULL)
            g_hash_table_replace (list->alias, g_strdup (name), g_strndup (start, end - start));
        }
      else
        g_hash_table_replace (list->alias, g_strdup (name), g_strdup (name));
      if (strstr (sp, "(default)") != NULL)
        {
          g_free (list->default_machine);
          list->default_machine = g_strdup (name);
        }
    }
  return list;
}

const char *
vmdev_machine_list_resolve (const VmdevMachineList *list, const char *machine)
{
  if (machine == NULL)
    machine = list->default_machine;
  if (machine == NULL)
    return NULL;
  return g_hash_table_lookup (list->alias, machine);
}

static char *
probe (const char *emulator, GError **error)
{
  const char *argv[] = { emulator, "-machine", "help", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out,
                     &err, &status, error))
    {
      g_prefix_error (error, "probing the machine types of %s: ", emulator);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, NULL) || strstr (out, "Supported machines") == NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED,
                   "probing the machine types of %s: '%s -machine help' failed: %s", emulator,
                   emulator, g_strstrip (err));
      return NULL;
    }
  return g_steal_pointer (&out);
}

VmdevMachineList *
vmdev_machine_list_load (VmdevRoot *root, const char *emulator, GError **error)
{
  const char *fixed = g_getenv ("VMDEV_QEMU_MACHINES");
  g_autofree char *key = NULL, *text = NULL, *file = NULL;
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GError) cache_error = NULL;
  struct stat st;
  char *data = NULL;
  gsize len;

  if (fixed != NULL && *fixed != '\0')
    {
      g_autofree char *path = NULL;

      /* A directory holds one list per emulator, named after its binary. */
      if (g_file_test (fixed, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *base = g_path_get_basename (emulator);
          path = g_build_filename (fixed, base, NULL);
        }
      else
        path = g_strdup (fixed);
      if (!g_file_get_contents (path, &text, NULL, error))
        {
          g_prefix_error (error, "reading VMDEV_QEMU_MACHINES: ");
          return NULL;
        }
      return vmdev_machine_list_parse (text);
    }
  if (stat (emulator, &st) < 0)
    {
      vmdev_error_from_errno (error, errno, "finding the emulator", emulator);
      return NULL;
    }
  key = g_strdup_printf ("vmdev-qemu-machines 1 %lld.%09ld %lld %s\n", (long long) st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec, (long long) st.st_size, emulator);
  file = g_compute_checksum_for_string (G_CHECKSUM_SHA1, emulator, -1);
  dir = vmdev_dir_open (root, VMDEV_QEMU_MACHINES_CACHE_DIR, NULL);
  if (dir != NULL && vmdev_dir_read (dir, file, 1024 * 1024, &data, &len, NULL))
    {
      if (g_str_has_prefix (data, key))
        {
          VmdevMachineList *list = vmdev_machine_list_parse (data + strlen (key));
          g_free (data);
          return list;
        }
      g_free (data);
    }
  text = probe (emulator, error);
  if (text == NULL)
    return NULL;
  /* The cache is an optimisation: failing to write it is not an error. */
  if (dir == NULL && vmdev_root_mkdir_p (root, VMDEV_QEMU_MACHINES_CACHE_DIR, 0755, &cache_error))
    dir = vmdev_dir_open (root, VMDEV_QEMU_MACHINES_CACHE_DIR, &cache_error);
  if (dir != NULL)
    {
      g_autofree char *content = g_strconcat (key, text, NULL);

      if (!vmdev_dir_write_atomic (dir, file, content, strlen (content), 0644, &cache_error))
        g_debug ("not caching the machine types: %s", cache_error->message);
    }
  else if (cache_error != NULL)
    g_debug ("not caching the machine types: %s", cache_error->message);
  return vmdev_machine_list_parse (text);
}
