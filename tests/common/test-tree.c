/* test-tree.c: see test-tree.h. */
#include "test-tree.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

void
test_tree_remove (const char *path)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *sub = g_build_filename (path, name, NULL);

          test_tree_remove (sub);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

const char test_simhost_mtty_json[] =
  "{ \"version\": 1, \"parents\": ["
  "  { \"name\": \"mtty\", \"path\": \"virtual/mtty/mtty\", \"pool\": 4,"
  "    \"types\": [ { \"id\": \"mtty-1\", \"device_api\": \"vfio-pci\", \"cost\": 1 } ] } ],"
  "  \"devices\": [ { \"uuid\": \"83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\", \"parent\": \"mtty\","
  "                   \"type\": \"mtty-1\", \"iommu_group\": 12 } ] }";

gboolean
test_simhost (const char *verb, const char *a, const char *b, char **out_err)
{
  const char *argv[] = { g_getenv ("SIMHOST"), verb, a, b, NULL };
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, out_err, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}
