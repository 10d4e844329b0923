/* vmdev-hostdev.c: mdev hostdevs (see vmdev-hostdev.h). */
#include "conf/vmdev-hostdev.h"

#include "conf/vmdev-device-info.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-xml.h"
#include "util/vmdev-error.h"
#include "util/vmdev-name.h"

#include <string.h>

static gboolean
parse_source (const xmlNode *node, VmdevHostdev *h, GError **error)
{
  static const char *const addr_attrs[] = { "uuid", NULL };
  static const char *const mdev_attrs[] = { "type", "parent", NULL };
  gboolean seen_addr = FALSE, seen_mdev = FALSE;

  if (!vmdev_xml_check_attrs (node, NULL, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "address") && !seen_addr)
        {
          g_autofree char *uuid = NULL;
          g_autoptr(GError) uuid_error = NULL;
          char buf[VMDEV_UUID_BUFSIZE];

          seen_addr = TRUE;
          if (!vmdev_xml_check_attrs (c, addr_attrs, error) || !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "uuid", &uuid, error))
            return FALSE;
          if (!vmdev_uuid_normalize (uuid, buf, &uuid_error))
            return vmdev_xml_fail (error, c, "attribute 'uuid': invalid value '%s' (expected "
                                   "a UUID like c2177883-f1bb-47f0-914d-32a22e3a8804)", uuid);
          h->uuid = g_strdup (buf);
        }
      else if (vmdev_xml_is (c, "mdev") && !seen_mdev)
        {
          g_autoptr(GError) name_error = NULL;

          seen_mdev = TRUE;
          if (!vmdev_xml_check_attrs (c, mdev_attrs, error) || !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "type", &h->mdev_type, error))
            return FALSE;
          if (!vmdev_name_check ("mdev type", h->mdev_type, &name_error))
            return vmdev_xml_fail (error, c, "attribute 'type': %s", name_error->message);
          h->mdev_parent = vmdev_xml_attr (c, "parent");
          if (h->mdev_parent != NULL && !vmdev_name_check ("parent", h->mdev_parent, &name_error))
            return vmdev_xml_fail (error, c, "attribute 'parent': %s", name_error->message);
        }
      else if (vmdev_xml_is (c, "address") || vmdev_xml_is (c, "mdev"))
        return vmdev_xml_fail (error, node, "more than one <%s>", (const char *) c->name);
      else
        return vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!seen_addr && !seen_mdev)
    return vmdev_xml_fail (error, node, "missing <address uuid='...'/> (the mediated device)");
  return TRUE;
}

VmdevHostdev *
vmdev_hostdev_parse_node (const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "mode", "type", "model", "managed", "display", "ramfb",
                                       NULL };
  static const char *const models[] = { "vfio-pci", "vfio-ccw", "vfio-ap", NULL };
  static const char *const modes[] = { "subsystem", NULL };
  static const char *const types[] = { "mdev", NULL };
  g_autoptr(VmdevHostdev) h = vmdev_hostdev_new ();
  g_autofree char *mode = NULL, *type = NULL, *model = NULL;
  gboolean seen_source = FALSE;
  int tri;

  if (!vmdev_xml_check_attrs (node, attrs, error))
    return NULL;
  mode = vmdev_xml_attr (node, "mode");
  if (mode != NULL && !vmdev_xml_check_enum (node, "mode", mode, modes, error))
    return NULL;
  if (!vmdev_xml_attr_required (node, "type", &type, error) ||
      !vmdev_xml_check_enum (node, "type", type, types, error))
    return NULL;
  if (!vmdev_xml_attr_required (node, "model", &model, error) ||
      !vmdev_xml_check_enum (node, "model", model, models, error))
    return NULL;
  vmdev_mdev_model_from_string (model, &h->model);
  tri = 0;
  if (!vmdev_xml_attr_tristate (node, "managed", FALSE, &tri, error))
    return NULL;
  h->managed = tri;
  tri = 0;
  if (!vmdev_xml_attr_tristate (node, "display", TRUE, &tri, error))
    return NULL;
  h->display = tri;
  tri = 0;
  if (!vmdev_xml_attr_tristate (node, "ramfb", TRUE, &tri, error))
    return NULL;
  h->ramfb = tri;

  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      gboolean handled;

      if (vmdev_xml_is (c, "source"))
        {
          if (seen_source)
            {
              vmdev_xml_fail (error, node, "more than one <source>");
              return NULL;
            }
          seen_source = TRUE;
          if (!parse_source (c, h, error))
            return NULL;
          continue;
        }
      if (!vmdev_device_info_parse_child (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_CCW |
                                          VMDEV_INFO_ALIAS | VMDEV_INFO_BOOT | VMDEV_INFO_ACPI,
                                          &h->info, &handled, error))
        return NULL;
      if (!handled)
        {
          vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
          return NULL;
        }
    }
  if (error != NULL && *error != NULL)
    return NULL;
  if (!seen_source)
    {
      vmdev_xml_fail (error, node, "missing <source> (the mediated device: "
                      "<source><address uuid='...'/></source>)");
      return NULL;
    }
  if (h->mdev_type != NULL && h->managed != VMDEV_TRI_YES)
    {
      vmdev_xml_fail (error, node, "<source><mdev type='%s'/> (a device vmdev creates) needs "
                      "managed='yes'", h->mdev_type);
      return NULL;
    }
  if (h->mdev_type == NULL && h->uuid == NULL)
    {
      vmdev_xml_fail (error, node, "missing <address uuid='...'/> in <source>");
      return NULL;
    }
  return g_steal_pointer (&h);
}

VmdevHostdev *
vmdev_hostdev_parse (const char *xml, gsize len, GError **error)
{
  g_autoptr(VmdevXmlDoc) doc = vmdev_xml_doc_read (xml, len, error);
  xmlNode *root;

  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc->doc);
  if (!vmdev_xml_is (root, "hostdev"))
    {
      vmdev_xml_fail (error, root, "expected a <hostdev> element (only mdev hostdevs can be "
                      "attached or detached)");
      return NULL;
    }
  return vmdev_hostdev_parse_node (root, error);
}

void
vmdev_hostdev_set_defaults (VmdevHostdev *h)
{
  if (h->managed == VMDEV_TRI_ABSENT)
    h->managed = VMDEV_TRI_NO;
  if (h->model == VMDEV_MDEV_MODEL_VFIO_PCI && h->display == VMDEV_TRI_ABSENT)
    h->display = VMDEV_TRI_NO;
}

void
vmdev_hostdev_format (GString *out, int level, const VmdevHostdev *h)
{
  vmdev_xml_indent (out, level);
  g_string_append (out, "<hostdev mode='subsystem' type='mdev'");
  if (h->managed != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " managed='%s'", h->managed == VMDEV_TRI_YES ? "yes" : "no");
  g_string_append_printf (out, " model='%s'", vmdev_mdev_model_to_string (h->model));
  if (h->display != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " display='%s'", h->display == VMDEV_TRI_YES ? "on" : "off");
  if (h->ramfb != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " ramfb='%s'", h->ramfb == VMDEV_TRI_YES ? "on" : "off");
  g_string_append (out, ">\n");
  vmdev_xml_indent (out, level + 1);
  g_string_append (out, "<source>\n");
  if (h->uuid != NULL)
    {
      vmdev_xml_indent (out, level + 2);
      g_string_append_printf (out, "<address uuid='%s'/>\n", h->uuid);
    }
  if (h->mdev_type != NULL)
    {
      vmdev_xml_indent (out, level + 2);
      g_string_append (out, "<mdev");
      vmdev_xml_add_attr (out, "type", h->mdev_type);
      vmdev_xml_add_attr (out, "parent", h->mdev_parent);
      g_string_append (out, "/>\n");
    }
  vmdev_xml_indent (out, level + 1);
  g_string_append (out, "</source>\n");
  vmdev_device_info_format (out, level + 1, &h->info);
  vmdev_xml_indent (out, level);
  g_string_append (out, "</hostdev>\n");
}

char *
vmdev_hostdev_describe (const VmdevHostdev *h)
{
  if (h->uuid != NULL)
    return g_strdup_printf ("mdev %s", h->uuid);
  if (h->info.alias != NULL)
    return g_strdup_printf ("mdev of type '%s' (alias %s)", h->mdev_type, h->info.alias);
  return g_strdup_printf ("mdev of type '%s'", h->mdev_type);
}
