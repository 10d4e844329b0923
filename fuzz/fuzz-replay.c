/* fuzz-replay.c: runs the libFuzzer harness (fuzz-domain-xml.c) on given
 * inputs without libFuzzer, built with the normal compiler: the smoke run of
 * `make check` (meson test fuzz-replay) and a way to reproduce a crash in
 * any build.
 *
 *   fuzz-replay PATH...
 *
 * A PATH is a file or a directory (its files, recursively, in name order;
 * names starting with '.' are skipped).  Output is TAP, one test per input,
 * printed before the input runs so that a crash names it; a broken property
 * abort()s (the harness prints why).  Exit status: 0, or 1 when a path
 * cannot be read. */
#include "fuzz/fuzz-domain-xml.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
collect (const char *path, GPtrArray *files, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return TRUE;
    }
  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      if (!collect (child, files, error))
        return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int rc = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s PATH...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    if (!collect (argv[i], files, &error))
      {
        fprintf (stderr, "fuzz-replay: %s\n", error->message);
        return 1;
      }
  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *data = NULL;
      gsize len = 0;

      g_clear_error (&error);
      if (!g_file_get_contents (path, &data, &len, &error))
        {
          printf ("not ok %u - %s # %s\n", i + 1, path, error->message);
          rc = 1;
          continue;
        }
      printf ("# %s\n", path);
      fflush (stdout);
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      printf ("ok %u - %s\n", i + 1, path);
    }
  return rc;
}
