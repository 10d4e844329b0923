#include "store/vmdev-json-writer.h"

#include "util/vmdev-json-string.h"

#include <stdio.h>
#include <string.h>

/* One open container: whether a value was written in it yet. */
typedef struct
{
  gboolean is_object;
  gboolean has_items;
} Level;

struct _VmdevJsonWriter
{
  GString *out;
  Level *levels;    /* the open containers, innermost last */
  guint depth;      /* how many are open */
  guint levels_size;
  gboolean pretty;
  gboolean after_key; /* a key was written; its value comes next */
};

VmdevJsonWriter *
vmdev_json_writer_new (gboolean pretty)
{
  VmdevJsonWriter *w = g_new0 (VmdevJsonWriter, 1);

  w->out = g_string_sized_new (256);
  w->levels_size = 8;
  w->levels = g_new (Level, w->levels_size);
  w->pretty = pretty;
  return w;
}

void
vmdev_json_writer_free (VmdevJsonWriter *w)
{
  if (w == NULL)
    return;
  g_string_free (w->out, TRUE);
  g_free (w->levels);
  g_free (w);
}

static void
newline_indent (VmdevJsonWriter *w, guint depth)
{
  /* A newline and up to 32 levels of indentation, appended at once. */
  static const char line[] = "\n                                                                ";

  if (!w->pretty)
    return;
  if (depth <= (sizeof line - 2) / 2)
    {
      vmdev_string_append_len (w->out, line, 1 + 2 * depth);
      return;
    }
  g_string_append_c (w->out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append_len (w->out, "  ", 2);
}

/* Separator and indentation before a value or a key. */
static void
before_item (VmdevJsonWriter *w)
{
  Level *top;

  if (w->after_key)
    {
      w->after_key = FALSE;
      return;
    }
  if (w->depth == 0)
    return;
  top = &w->levels[w->depth - 1];
  if (top->has_items)
    g_string_append_c (w->out, ',');
  top->has_items = TRUE;
  newline_indent (w, w->depth);
}

static void
begin (VmdevJsonWriter *w, gboolean is_object)
{
  Level level = { is_object, FALSE };

  before_item (w);
  g_string_append_c (w->out, is_object ? '{' : '[');
  if (w->depth == w->levels_size)
    {
      w->levels_size *= 2;
      w->levels = g_renew (Level, w->levels, w->levels_size);
    }
  w->levels[w->depth++] = level;
}

static void
end (VmdevJsonWriter *w, gboolean is_object)
{
  Level top;

  g_return_if_fail (w->depth > 0);
  top = w->levels[w->depth - 1];
  g_return_if_fail (top.is_object == is_object);
  w->depth--;
  if (top.has_items)
    newline_indent (w, w->depth);
  g_string_append_c (w->out, is_object ? '}' : ']');
}

void
vmdev_json_writer_begin_object (VmdevJsonWriter *w)
{
  begin (w, TRUE);
}

void
vmdev_json_writer_end_object (VmdevJsonWriter *w)
{
  end (w, TRUE);
}

void
vmdev_json_writer_begin_array (VmdevJsonWriter *w)
{
  begin (w, FALSE);
}

void
vmdev_json_writer_end_array (VmdevJsonWriter *w)
{
  end (w, FALSE);
}


void
vmdev_json_writer_key (VmdevJsonWriter *w, const char *key)
{
  before_item (w);
  vmdev_json_string_append (w->out, key, VMDEV_JSON_STRING_DEFAULT);
  vmdev_string_append_len (w->out, ": ", w->pretty ? 2 : 1);
  w->after_key = TRUE;
}

void
vmdev_json_writer_string (VmdevJsonWriter *w, const char *value)
{
  before_item (w);
  vmdev_json_string_append (w->out, value, VMDEV_JSON_STRING_DEFAULT);
}

void
vmdev_json_writer_uint (VmdevJsonWriter *w, guint64 value)
{
  before_item (w);
  g_string_append_printf (w->out, "%" G_GUINT64_FORMAT, value);
}

void
vmdev_json_writer_raw (VmdevJsonWriter *w, const char *text)
{
  before_item (w);
  g_string_append (w->out, text);
}

void
vmdev_json_writer_member_string (VmdevJsonWriter *w, const char *key, const char *value)
{
  vmdev_json_writer_key (w, key);
  vmdev_json_writer_string (w, value);
}

void
vmdev_json_writer_member_uint (VmdevJsonWriter *w, const char *key, guint64 value)
{
  vmdev_json_writer_key (w, key);
  vmdev_json_writer_uint (w, value);
}

void
vmdev_json_writer_member_boolean (VmdevJsonWriter *w, const char *key, gboolean value)
{
  vmdev_json_writer_key (w, key);
  vmdev_json_writer_raw (w, value ? "true" : "false");
}

void
vmdev_json_writer_value (VmdevJsonWriter *w, const VmdevJson *value)
{
  switch (value->type)
    {
    case VMDEV_JSON_OBJECT:
      vmdev_json_writer_begin_object (w);
      for (guint i = 0; i < value->items->len; i++)
        {
          const VmdevJsonMember *member = g_ptr_array_index (value->items, i);

          vmdev_json_writer_key (w, member->name);
          vmdev_json_writer_value (w, member->value);
        }
      vmdev_json_writer_end_object (w);
      break;
    case VMDEV_JSON_ARRAY:
      vmdev_json_writer_begin_array (w);
      for (guint i = 0; i < value->items->len; i++)
        vmdev_json_writer_value (w, g_ptr_array_index (value->items, i));
      vmdev_json_writer_end_array (w);
      break;
    case VMDEV_JSON_STRING:
      vmdev_json_writer_string (w, value->text);
      break;
    case VMDEV_JSON_NUMBER:
      vmdev_json_writer_raw (w, value->text);
      break;
    case VMDEV_JSON_BOOLEAN:
      vmdev_json_writer_raw (w, value->boolean ? "true" : "false");
      break;
    case VMDEV_JSON_NULL:
      vmdev_json_writer_raw (w, "null");
      break;
    }
}

const char *
vmdev_json_writer_get (VmdevJsonWriter *w, gsize *out_len)
{
  if (out_len != NULL)
    *out_len = w->out->len;
  return w->out->str;
}

void
vmdev_json_writer_flush (VmdevJsonWriter *w, FILE *stream)
{
  fwrite (w->out->str, 1, w->out->len, stream);
  g_string_truncate (w->out, 0);
}

char *
vmdev_json_writer_finish (VmdevJsonWriter *w, gsize *out_len)
{
  char *s;

  if (out_len != NULL)
    *out_len = w->out->len;
  s = g_string_free (w->out, FALSE);
  w->out = NULL;
  g_free (w->levels);
  g_free (w);
  return s;
}
