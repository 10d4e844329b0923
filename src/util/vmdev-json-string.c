#include "util/vmdev-json-string.h"

void
vmdev_json_string_append (GString *out, const char *s, VmdevJsonStringFlags flags)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++)
    {
      const unsigned char *run = p;

      /* The plain characters up to the next one to escape, at once. */
      while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
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
