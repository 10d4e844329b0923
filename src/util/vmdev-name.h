/* vmdev-name.h: checks for names that become path components.
 *
 * Parent names, type ids, UUIDs and attribute names come from users and from
 * files; each is checked before it touches a path. */
#pragma once

#include <glib.h>

#define VMDEV_NAME_MAX 255

/* A single path component: 1..255 bytes, not "." or "..", no '/', no NUL
 * (implied), no newline or other control character.  @what names the value
 * in the error ("parent", "mdev type", ...). */
gboolean vmdev_name_check (const char *what, const char *value, GError **error);
