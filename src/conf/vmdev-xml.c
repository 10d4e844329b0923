/* vmdev-xml.c: strict reading of libxml2 trees (see vmdev-xml.h). */
#include "conf/vmdev-xml.h"

#include "util/vmdev-error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

gboolean
vmdev_xml_fail (GError **error, const xmlNode *node, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  if (error != NULL && *error != NULL)
    return FALSE;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (node != NULL && node->type == XML_ELEMENT_NODE)
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "line %ld: element <%s>: %s",
                 xmlGetLineNo (node), (const char *) node->name, msg);
  else
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "%s", msg);
  return FALSE;
}

gboolean
vmdev_xml_is (const xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
         strcmp ((const char *) node->name, name) == 0;
}

static gboolean
is_blank (const xmlChar *s)
{
  for (; s != NULL && *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

xmlNode *
vmdev_xml_next_element (xmlNode *node, const xmlNode *parent, GError **error)
{
  if (error != NULL && *error != NULL)
    return NULL;
  for (; node != NULL; node = node->next)
    {
      switch (node->type)
        {
        case XML_ELEMENT_NODE:
          if (node->ns != NULL)
            {
              vmdev_xml_fail (error, parent, "unknown element <%s:%s> (namespaced elements "
                              "are not supported)",
                              node->ns->prefix ? (const char *) node->ns->prefix : "",
                              (const char *) node->name);
              return NULL;
            }
          return node;
        case XML_TEXT_NODE:
          if (!is_blank (node->content))
            {
              g_autofree char *text = g_strstrip (g_strdup ((const char *) node->content));
              vmdev_xml_fail (error, parent, "unexpected text '%.40s'", text);
              return NULL;
            }
          break;
        case XML_CDATA_SECTION_NODE:
          vmdev_xml_fail (error, parent, "unexpected CDATA section");
          return NULL;
        default:
          break;  /* comments, processing instructions */
        }
    }
  return NULL;
}

gboolean
vmdev_xml_check_attrs (const xmlNode *node, const char *const *allowed, GError **error)
{
  for (const xmlAttr *a = node->properties; a != NULL; a = a->next)
    {
      gboolean ok = FALSE;

      if (a->ns != NULL)
        return vmdev_xml_fail (error, node, "unknown attribute '%s:%s'",
                               a->ns->prefix ? (const char *) a->ns->prefix : "",
                               (const char *) a->name);
      for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
        if (strcmp (allowed[i], (const char *) a->name) == 0)
          ok = TRUE;
      if (!ok)
        return vmdev_xml_fail (error, node, "unknown attribute '%s'", (const char *) a->name);
    }
  return TRUE;
}

gboolean
vmdev_xml_check_empty (const xmlNode *node, GError **error)
{
  for (xmlNode *c = node->children; c != NULL; c = c->next)
    {
      if (c->type == XML_ELEMENT_NODE)
        return vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
      if ((c->type == XML_TEXT_NODE && !is_blank (c->content)) || c->type == XML_CDATA_SECTION_NODE)
        return vmdev_xml_fail (error, node, "unexpected text");
    }
  return TRUE;
}

char *
vmdev_xml_attr (const xmlNode *node, const char *name)
{
  xmlChar *v = xmlGetNoNsProp (node, (const xmlChar *) name);
  char *ret;

  if (v == NULL)
    return NULL;
  ret = g_strdup ((const char *) v);
  xmlFree (v);
  return ret;
}

gboolean
vmdev_xml_attr_required (const xmlNode *node, const char *name, char **out, GError **error)
{
  char *v = vmdev_xml_attr (node, name);

  if (v == NULL)
    return vmdev_xml_fail (error, node, "missing attribute '%s'", name);
  *out = v;
  return TRUE;
}

gboolean
vmdev_xml_text (const xmlNode *node, char **out, GError **error)
{
  GString *s = g_string_new (NULL);

  for (xmlNode *c = node->children; c != NULL; c = c->next)
    {
      if (c->type == XML_ELEMENT_NODE)
        {
          g_string_free (s, TRUE);
          return vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
        }
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
        g_string_append (s, (const char *) c->content);
    }
  *out = g_string_free (s, FALSE);
  return TRUE;
}

gboolean
vmdev_xml_check_enum (const xmlNode *node, const char *attr, const char *value,
                      const char *const *choices, GError **error)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    {
      if (strcmp (choices[i], value) == 0)
        return TRUE;
      g_string_append_printf (list, "%s'%s'", i == 0 ? "" : choices[i + 1] ? ", " : " or ",
                              choices[i]);
    }
  if (attr == NULL)
    return vmdev_xml_fail (error, node, "invalid value '%s' (expected %s)", value, list->str);
  return vmdev_xml_fail (error, node, "attribute '%s': invalid value '%s' (expected %s)",
                         attr, value, list->str);
}

gboolean
vmdev_xml_attr_tristate (const xmlNode *node, const char *attr, gboolean on_off, int *out,
                         GError **error)
{
  static const char *const yes_no[] = { "yes", "no", NULL };
  static const char *const on_off_v[] = { "on", "off", NULL };
  g_autofree char *v = vmdev_xml_attr (node, attr);
  const char *const *choices = on_off ? on_off_v : yes_no;

  if (v == NULL)
    return TRUE;
  if (!vmdev_xml_check_enum (node, attr, v, choices, error))
    return FALSE;
  *out = strcmp (v, choices[0]) == 0 ? 1 : 2;  /* VMDEV_TRI_YES / VMDEV_TRI_NO */
  return TRUE;
}

gboolean
vmdev_xml_parse_uint (const char *s, int base, guint64 max, guint64 *out)
{
  char *end = NULL;
  unsigned long long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || g_ascii_isspace (*s))
    return FALSE;
  errno = 0;
  v = strtoull (s, &end, base);
  if (errno != 0 || end == s || *end != '\0' || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
vmdev_xml_attr_uint (const xmlNode *node, const char *attr, int base, guint64 max,
                     guint64 *out, gboolean *present, GError **error)
{
  g_autofree char *v = vmdev_xml_attr (node, attr);

  if (present != NULL)
    *present = v != NULL;
  if (v == NULL)
    {
      if (present != NULL)
        return TRUE;
      return vmdev_xml_fail (error, node, "missing attribute '%s'", attr);
    }
  if (!vmdev_xml_parse_uint (v, base, max, out))
    return vmdev_xml_fail (error, node, "attribute '%s': invalid value '%s' (expected a number "
                           "from 0 to %" G_GUINT64_FORMAT ")", attr, v, max);
  return TRUE;
}

void
vmdev_xml_indent (GString *out, int level)
{
  for (int i = 0; i < level; i++)
    g_string_append (out, "  ");
}

void
vmdev_xml_escape (GString *out, const char *s)
{
  for (; *s; s++)
    switch (*s)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '\'': g_string_append (out, "&apos;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      default: g_string_append_c (out, *s); break;
      }
}

void
vmdev_xml_add_attr (GString *out, const char *name, const char *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (out, " %s='", name);
  vmdev_xml_escape (out, value);
  g_string_append_c (out, '\'');
}

void
vmdev_xml_add_text_element (GString *out, int level, const char *name, const char *text)
{
  if (text == NULL)
    return;
  vmdev_xml_indent (out, level);
  g_string_append_printf (out, "<%s>", name);
  vmdev_xml_escape (out, text);
  g_string_append_printf (out, "</%s>\n", name);
}
