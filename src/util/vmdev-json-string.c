#include "util/vmdev-json-string.h"

/* The bytes copied as they are, one bit each: all but the control
 * characters, '"' (0x22), '\\' (0x5c) and DEL (0x7f, escaped on request). */
static const guint64 plain_bytes[4] = {
  G_GUINT64_CONSTANT (0xfffffffb00000000), /* 0x00-0x3f: from 0x20, but 0x22 */
  G_GUINT64_CONSTANT (0x7fffffffefffffff), /* 0x40-0x7f: but 0x5c and 0x7f */
  G_GUINT64_CONSTANT (0xffffffffffffffff), /* 0x80-0xff: UTF-8 */
  G_GUINT64_CONSTANT (0xffffffffffffffff),
};

static inline gboolean
is_plain (unsigned char c)
{
  return (plain_bytes[c >> 6] >> (c & 63)) & 1;
}

void
vmdev_json_string_append (GString *out, const char *s, VmdevJsonStringFlags flags)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
    {
      const unsigned char *run = p;

      /* The plain characters up to the next one to escape, at once. */
      while (is_plain (*p))
        p++;
      vmdev_string_append_len (out, (const char *) run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20 || (*p == 0x7f && (flags & VMDEV_JSON_STRING_ESCAPE_DEL)))
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}
