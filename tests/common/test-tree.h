/* test-tree.h: what the C tests share for their temporary trees. */
#pragma once

/* Removes @path and everything below it (links are removed, not followed);
 * no error when it does not exist. */
void test_tree_remove (const char *path);
