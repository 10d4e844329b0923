#include "host-fixture.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

char *
fixture_root_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("vmdev-host-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static char *
prepare (const char *root, const char *rel)
{
  char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return path;
}

void
fixture_write (const char *root, const char *rel, const char *content)
{
  g_autofree char *path = prepare (root, rel);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

void
fixture_link (const char *root, const char *rel, const char *target)
{
  g_autofree char *path = prepare (root, rel);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* The "../../" that leads from the directory of @rel ("sys/...") to sys/. */
static char *
ups (const char *rel)
{
  GString *s = g_string_new ("");

  for (const char *p = strchr (rel, '/') + 1; *p; p++)
    if (*p == '/')
      g_string_append (s, "../");
  return g_string_free (s, FALSE);
}

void
fixture_parent (const char *root, const char *name, const char *path)
{
  g_autofree char *rel = g_strconcat ("sys/class/mdev_bus/", name, NULL);
  g_autofree char *up = ups (rel);
  g_autofree char *target = g_strconcat (up, "devices/", path, NULL);
  g_autofree char *types = g_strconcat (root, "/sys/devices/", path, "/mdev_supported_types", NULL);

  g_assert_cmpint (g_mkdir_with_parents (types, 0755), ==, 0);
  fixture_link (root, rel, target);
}

void
fixture_type (const char *root, const char *path, const char *id, const char *type_name,
              const char *description, const char *device_api, guint available)
{
  g_autofree char *dir = g_strconcat ("sys/devices/", path, "/mdev_supported_types/", id, NULL);
  g_autofree char *f = NULL, *avail = g_strdup_printf ("%u\n", available);
  g_autofree char *devices = g_strconcat (root, "/", dir, "/devices", NULL);

  g_assert_cmpint (g_mkdir_with_parents (devices, 0755), ==, 0);
#define W(file, content) \
  do { g_free (f); f = g_strconcat (dir, "/" file, NULL); fixture_write (root, f, content); } while (0)
  if (type_name != NULL)
    {
      g_autofree char *line = g_strconcat (type_name, "\n", NULL);
      W ("name", line);
    }
  if (description != NULL)
    {
      g_autofree char *line = g_strconcat (description, "\n", NULL);
      W ("description", line);
    }
  {
    g_autofree char *line = g_strconcat (device_api, "\n", NULL);
    W ("device_api", line);
  }
  W ("available_instances", avail);
  W ("create", "");
#undef W
}

void
fixture_mdev (const char *root, const char *path, const char *uuid, const char *type, int group)
{
  g_autofree char *dev = g_strconcat ("sys/devices/", path, "/", uuid, NULL);
  g_autofree char *rel = NULL, *target = NULL, *up = NULL;

  rel = g_strconcat (dev, "/mdev_type", NULL);
  target = g_strconcat ("../mdev_supported_types/", type, NULL);
  fixture_link (root, rel, target);
  g_free (rel);
  rel = g_strconcat (dev, "/remove", NULL);
  fixture_write (root, rel, "");
  if (group >= 0)
    {
      g_autofree char *grp = g_strdup_printf ("%d", group);
      g_autofree char *node = g_strconcat ("dev/vfio/", grp, NULL);

      g_free (rel);
      g_free (target);
      g_free (up);
      rel = g_strconcat (dev, "/iommu_group", NULL);
      up = ups (rel);
      target = g_strconcat (up, "kernel/iommu_groups/", grp, NULL);
      fixture_link (root, rel, target);
      fixture_write (root, node, "");
    }
  g_free (rel);
  g_free (target);
  g_free (up);
  rel = g_strconcat ("sys/bus/mdev/devices/", uuid, NULL);
  up = ups (rel);
  target = g_strconcat (up, "devices/", path, "/", uuid, NULL);
  fixture_link (root, rel, target);
}
