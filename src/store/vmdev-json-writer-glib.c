/* vmdev_json_writer_node(): json-glib values through the writer.  Apart from
 * the rest of the writer so that programs that do not call it (the light
 * `vmdev`) do not link json-glib. */
#include "store/vmdev-json-writer.h"

#include <string.h>

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
      vmdev_json_writer_raw (w, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          vmdev_json_writer_string (w, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          vmdev_json_writer_raw (w, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE + 2];

            g_ascii_dtostr (buf, G_ASCII_DTOSTR_BUF_SIZE, json_node_get_double (node));
            /* Keep it a floating-point number when read back. */
            if (strpbrk (buf, ".eEn") == NULL)
              strcat (buf, ".0");
            vmdev_json_writer_raw (w, buf);
            break;
          }
        default:
          {
            char buf[32];

            g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int (node));
            vmdev_json_writer_raw (w, buf);
          }
        }
      break;
    }
}
