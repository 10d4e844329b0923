/* golden-dir.h: a directory of golden files for a GTest binary: cases read
 * from it, expected outputs compared with it (VMDEV_TEST_REGENERATE=1
 * rewrites them), and a final test that every file in it was used. */
#pragma once

#include <glib.h>

/* Uses @dir (from the environment variable @env_var, which must be set). */
void golden_dir_init (const char *env_var);
const char *golden_dir_path (void);
gboolean golden_regenerate (void);
/* The content of @name (marked used), or NULL when it does not exist. */
char *golden_read (const char *name);
gboolean golden_exists (const char *name);
void golden_remove (const char *name);
/* Compares @actual with the file @name, or writes it when regenerating. */
void golden_expect (const char *name, const char *actual);
/* The case names: files ending in @suffix, minus @exclude_suffix ones (may be
 * NULL), without the suffix, sorted. */
GPtrArray *golden_cases (const char *suffix, const char *exclude_suffix);
/* Registers "@test_path/~every-file-is-used". */
void golden_add_unused_test (const char *test_path);
