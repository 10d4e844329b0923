/* vmdev-xml.h: strict reading of libxml2 trees for the domain parser.
 *
 * Every element handler names the attributes and children it knows; anything
 * else is an error naming it (VMDEV_ERROR_INVALID_XML, "line N: ..."), so that
 * no configuration is dropped silently. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* Sets @error to "line L: element <E>: <message>" and returns FALSE. */
gboolean vmdev_xml_fail (GError **error, const xmlNode *node, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

/* Refuses attributes of @node not in the NULL-terminated @allowed. */
gboolean vmdev_xml_check_attrs (const xmlNode *node, const char *const *allowed, GError **error);
/* Refuses child elements and non-blank text (for empty elements). */
gboolean vmdev_xml_check_empty (const xmlNode *node, GError **error);

/* The attribute @name of @node (a copy), or NULL. */
char *vmdev_xml_attr (const xmlNode *node, const char *name);
/* The same; missing is an error "missing attribute 'X'". */
gboolean vmdev_xml_attr_required (const xmlNode *node, const char *name, char **out,
                                  GError **error);
/* The text of a leaf element (child elements refused); never NULL on success. */
gboolean vmdev_xml_text (const xmlNode *node, char **out, GError **error);

/* @value must be one of the NULL-terminated @choices; the error lists them. */
gboolean vmdev_xml_check_enum (const xmlNode *node, const char *attr, const char *value,
                               const char *const *choices, GError **error);
/* Reads attribute @attr as yes|no (or on|off when @on_off). */
gboolean vmdev_xml_attr_tristate (const xmlNode *node, const char *attr, gboolean on_off,
                                  int *out, GError **error);
/* Reads an unsigned number as libvirt does (strtoul with @base: 0 takes
 * 0x.. hex and 0.. octal) no larger than @max; absent leaves *@out alone
 * and sets *@present FALSE (when @present is not NULL; else it is required). */
gboolean vmdev_xml_attr_uint (const xmlNode *node, const char *attr, int base, guint64 max,
                              guint64 *out, gboolean *present, GError **error);
/* Parses @s as an unsigned number (see vmdev_xml_attr_uint). */
gboolean vmdev_xml_parse_uint (const char *s, int base, guint64 max, guint64 *out);

/* The next element sibling at or after @node (blank text and comments are
 * skipped; other text is an error in *@error, returning NULL). */
xmlNode *vmdev_xml_next_element (xmlNode *node, const xmlNode *parent, GError **error);
#define VMDEV_XML_FOREACH_CHILD(parent, child, error) \
  for (xmlNode *child = vmdev_xml_next_element ((parent)->children, (parent), (error)); \
       child != NULL; child = vmdev_xml_next_element (child->next, (parent), (error)))
/* TRUE if @node is the element @name (no namespace). */
gboolean vmdev_xml_is (const xmlNode *node, const char *name);

/* Writing, as libvirt writes: two spaces per level, attributes in single
 * quotes, & < > ' " escaped in attributes and text. */
void vmdev_xml_indent (GString *out, int level);
void vmdev_xml_escape (GString *out, const char *s);
/* Appends " name='value'" (escaped) when @value is not NULL. */
void vmdev_xml_add_attr (GString *out, const char *name, const char *value);
/* Appends "<name>text</name>\n" at @level (escaped) when @text is not NULL. */
void vmdev_xml_add_text_element (GString *out, int level, const char *name, const char *text);
