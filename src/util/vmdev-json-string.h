/* vmdev-json-string.h: a C string as a JSON string literal. */
#pragma once

#include <glib.h>

typedef enum
{
  VMDEV_JSON_STRING_DEFAULT = 0,
  /* Also write DEL (0x7f) as \u007f (QEMU's and libvirt's JSON do). */
  VMDEV_JSON_STRING_ESCAPE_DEL = 1 << 0,
} VmdevJsonStringFlags;

/* Appends @s to @out in double quotes: '"' and '\' escaped, \b \f \n \r \t,
 * other control characters as \u00XX; UTF-8 bytes are copied as they are. */
void vmdev_json_string_append (GString *out, const char *s, VmdevJsonStringFlags flags);
