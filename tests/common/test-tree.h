/* test-tree.h: what the C tests share for their temporary trees (and the
 * simulated host mounted on them). */
#pragma once

#include <glib.h>

/* Removes @path and everything below it (links are removed, not followed);
 * no error when it does not exist. */
void test_tree_remove (const char *path);

/* A simulated host with one mtty parent (pool 4, type mtty-1) and one mdev
 * in IOMMU group 12: the host file of the tests that label or bind-mount a
 * group node served by tools/simhost. */
extern const char test_simhost_mtty_json[];

/* Runs `$SIMHOST VERB A [B]` (mount HOST-FILE ROOT, umount ROOT); its stderr
 * in *@out_err.  TRUE when it exits 0. */
gboolean test_simhost (const char *verb, const char *a, const char *b, char **out_err);
