/* vmdev-mdev-def-fast.h: the two ways of vmdev_mdev_definition_parse (internal).
 *
 * The fast way reads the common shape of a definition file from its bytes: one
 * object whose members are "mdev_type" and "start" (strings) and optionally
 * "attrs" (an array of one-member objects with string values), once each, in
 * any order, with JSON whitespace; strings hold no backslash and no control
 * character.  Anything else is left to the full reader (vmdev_json_parse),
 * which gives the errors and keeps the unknown keys. */
#pragma once

#include "store/vmdev-mdev-def.h"

/* Fills @def's mdev_type, auto_start, attrs and unknown (NULL) exactly as
 * vmdev_mdev_definition_parse would, and returns TRUE; or returns FALSE,
 * leaving @def untouched, when @data is not of that shape or is not a valid
 * definition (no error: the caller parses it the slow way). */
gboolean vmdev_mdev_definition_parse_fast (VmdevMdevDefinition *def, const char *data,
                                           gsize len);

/* The general way, with vmdev_json_parse: vmdev_mdev_definition_parse
 * without the fast path (in vmdev-mdev-def.c). */
gboolean vmdev_mdev_definition_parse_full (VmdevMdevDefinition *def, const char *data,
                                           gsize len, const char *path, GError **error);
