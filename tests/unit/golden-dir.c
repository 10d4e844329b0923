#include "golden-dir.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *data_dir;
static GHashTable *used;

void
golden_dir_init (const char *env_var)
{
  data_dir = g_getenv (env_var);
  if (data_dir == NULL)
    g_error ("%s is not set: it names the directory of golden files", env_var);
  used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

const char *
golden_dir_path (void)
{
  return data_dir;
}

gboolean
golden_regenerate (void)
{
  return g_strcmp0 (g_getenv ("VMDEV_TEST_REGENERATE"), "1") == 0;
}

char *
golden_read (const char *name)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_hash_table_add (used, g_strdup (name));
  return text;
}

gboolean
golden_exists (const char *name)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

void
golden_remove (const char *name)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);

  g_unlink (path);
}

static void
golden_write (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (data_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_hash_table_add (used, g_strdup (name));
}

void
golden_expect (const char *name, const char *actual)
{
  g_autofree char *expected = NULL;

  if (golden_regenerate ())
    {
      golden_write (name, actual);
      return;
    }
  expected = golden_read (name);
  if (expected == NULL)
    g_error ("%s is missing (run with VMDEV_TEST_REGENERATE=1)", name);
  g_assert_cmpstr (actual, ==, expected);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
golden_cases (const char *suffix, const char *exclude_suffix)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, suffix) &&
        (exclude_suffix == NULL || !g_str_has_suffix (name, exclude_suffix)))
      g_ptr_array_add (cases, g_strndup (name, strlen (name) - strlen (suffix)));
  g_ptr_array_sort (cases, compare_names);
  return cases;
}

static void
test_unused (void)
{
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
  g_autoptr(GString) unused = g_string_new (NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_hash_table_contains (used, name))
      g_string_append_printf (unused, " %s", name);
  if (unused->len > 0)
    g_error ("unused files in %s:%s", data_dir, unused->str);
}

void
golden_add_unused_test (const char *test_path)
{
  g_autofree char *path = g_strconcat (test_path, "/~every-file-is-used", NULL);

  g_test_add_func (path, test_unused);
}
