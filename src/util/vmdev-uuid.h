/* vmdev-uuid.h: UUIDs as the kernel's mdev `create` file wants them. */
#pragma once

#include <glib.h>

#define VMDEV_UUID_LEN 36
#define VMDEV_UUID_BUFSIZE (VMDEV_UUID_LEN + 1)

/* Accepts the 36-character dashed form (8-4-4-4-12) or 32 hex digits, in any
 * case; writes the lower-case dashed form to @out.  Anything else (other dash
 * positions, spaces, braces) is a VMDEV_ERROR_INVALID_ARGUMENT. */
gboolean vmdev_uuid_normalize (const char *in, char out[VMDEV_UUID_BUFSIZE], GError **error);
/* TRUE when @s is already in the canonical lower-case dashed form. */
gboolean vmdev_uuid_is_canonical (const char *s);
/* A new random (version 4) UUID in canonical form. */
void vmdev_uuid_generate (char out[VMDEV_UUID_BUFSIZE]);

/* A GHashFunc for tables keyed by UUIDs (with g_str_equal): canonical UUIDs
 * hash as five 8-byte words, several times faster than g_str_hash(); any
 * other string hashes as with g_str_hash(). */
guint vmdev_uuid_hash (gconstpointer key);
