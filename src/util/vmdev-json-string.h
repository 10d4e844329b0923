/* vmdev-json-string.h: a C string as a JSON string literal. */
#pragma once

#include <glib.h>
#include <string.h>

typedef enum
{
  VMDEV_JSON_STRING_DEFAULT = 0,
  /* Also write DEL (0x7f) as \u007f (QEMU's and libvirt's JSON do). */
  VMDEV_JSON_STRING_ESCAPE_DEL = 1 << 0,
} VmdevJsonStringFlags;

/* Appends @s to @out in double quotes: '"' and '\' escaped, \b \f \n \r \t,
 * other control characters as \u00XX; UTF-8 bytes are copied as they are. */
void vmdev_json_string_append (GString *out, const char *s, VmdevJsonStringFlags flags);

/* g_string_append_len() without a call when there is room (GLib 2.76 has it
 * inline; JSON output appends many short pieces). */
static inline void
vmdev_string_append_len (GString *out, const char *s, gsize len)
{
  if (G_LIKELY (out->len + len < out->allocated_len))
    {
      memcpy (out->str + out->len, s, len);
      out->len += len;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, s, len);
}
