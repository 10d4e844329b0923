/* vmdev-qemu-props.c: JSON and QemuOpts values (see vmdev-qemu-props.h). */
#include "qemu/vmdev-qemu-props.h"

#include "util/vmdev-json-string.h"

void
vmdev_qemu_json_escape (GString *out, const char *s)
{
  vmdev_json_string_append (out, s, VMDEV_JSON_STRING_ESCAPE_DEL);
}

void
vmdev_qemu_opts_escape (GString *out, const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append_c (out, ',');
      g_string_append_c (out, *p);
    }
}

void
vmdev_qemu_props_init (VmdevQemuProps *props)
{
  props->buf = g_string_new ("{");
  props->empty = TRUE;
}

static void
add_key (VmdevQemuProps *props, const char *key)
{
  if (!props->empty)
    g_string_append_c (props->buf, ',');
  props->empty = FALSE;
  vmdev_qemu_json_escape (props->buf, key);
  g_string_append_c (props->buf, ':');
}

void
vmdev_qemu_props_add_str (VmdevQemuProps *props, const char *key, const char *value)
{
  add_key (props, key);
  vmdev_qemu_json_escape (props->buf, value);
}

void
vmdev_qemu_props_add_int (VmdevQemuProps *props, const char *key, gint64 value)
{
  add_key (props, key);
  g_string_append_printf (props->buf, "%" G_GINT64_FORMAT, value);
}

void
vmdev_qemu_props_add_bool (VmdevQemuProps *props, const char *key, gboolean value)
{
  add_key (props, key);
  g_string_append (props->buf, value ? "true" : "false");
}

char *
vmdev_qemu_props_finish (VmdevQemuProps *props)
{
  g_string_append_c (props->buf, '}');
  return g_string_free (g_steal_pointer (&props->buf), FALSE);
}
