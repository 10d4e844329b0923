#include "store/vmdev-json-writer.h"

#include "util/vmdev-json-string.h"

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
  GArray *levels;   /* Level */
  gboolean pretty;
  gboolean after_key; /* a key was written; its value comes next */
};

VmdevJsonWriter *
vmdev_json_writer_new (gboolean pretty)
{
  VmdevJsonWriter *w = g_new0 (VmdevJsonWriter, 1);

  w->out = g_string_sized_new (256);
  w->levels = g_array_new (FALSE, FALSE, sizeof (Level));
  w->pretty = pretty;
  return w;
}

void
vmdev_json_writer_free (VmdevJsonWriter *w)
{
  if (w == NULL)
    return;
  g_string_free (w->out, TRUE);
  g_array_unref (w->levels);
  g_free (w);
}

static void
newline_indent (VmdevJsonWriter *w, guint depth)
{
  if (!w->pretty)
    return;
  g_string_append_c (w->out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (w->out, "  ");
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
  if (w->levels->len == 0)
    return;
  top = &g_array_index (w->levels, Level, w->levels->len - 1);
  if (top->has_items)
    g_string_append_c (w->out, ',');
  top->has_items = TRUE;
  newline_indent (w, w->levels->len);
}

static void
begin (VmdevJsonWriter *w, gboolean is_object)
{
  Level level = { is_object, FALSE };

  before_item (w);
  g_string_append_c (w->out, is_object ? '{' : '[');
  g_array_append_val (w->levels, level);
}

static void
end (VmdevJsonWriter *w, gboolean is_object)
{
  Level top;

  g_return_if_fail (w->levels->len > 0);
  top = g_array_index (w->levels, Level, w->levels->len - 1);
  g_return_if_fail (top.is_object == is_object);
  g_array_set_size (w->levels, w->levels->len - 1);
  if (top.has_items)
    newline_indent (w, w->levels->len);
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
  g_string_append (w->out, w->pretty ? ": " : ":");
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
vmdev_json_writer_node (VmdevJsonWriter *w, JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *obj = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (obj);

        vmdev_json_writer_begin_object (w);
        for (GList *l = members; l != NULL; l = l->next)
          {
            vmdev_json_writer_key (w, l->data);
            vmdev_json_writer_node (w, json_object_get_member (obj, l->data));
          }
        vmdev_json_writer_end_object (w);
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *arr = json_node_get_array (node);

        vmdev_json_writer_begin_array (w);
        for (guint i = 0; i < json_array_get_length (arr); i++)
          vmdev_json_writer_node (w, json_array_get_element (arr, i));
        vmdev_json_writer_end_array (w);
        break;
      }
    case JSON_NODE_NULL:
      before_item (w);
      g_string_append (w->out, "null");
      break;
    case JSON_NODE_VALUE:
      before_item (w);
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          vmdev_json_string_append (w->out, json_node_get_string (node), VMDEV_JSON_STRING_DEFAULT);
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (w->out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];

            g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node));
            g_string_append (w->out, buf);
            /* Keep it a floating-point number when read back. */
            if (strpbrk (buf, ".eEn") == NULL)
              g_string_append (w->out, ".0");
            break;
          }
        default:
          g_string_append_printf (w->out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        }
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

char *
vmdev_json_writer_finish (VmdevJsonWriter *w, gsize *out_len)
{
  char *s;

  if (out_len != NULL)
    *out_len = w->out->len;
  s = g_string_free (w->out, FALSE);
  w->out = NULL;
  g_array_unref (w->levels);
  g_free (w);
  return s;
}
