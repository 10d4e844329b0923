/* vmdev-device-info.c: <address>, <alias>, <boot>, <acpi> of a device. */
#include "conf/vmdev-device-info.h"

#include "conf/vmdev-xml.h"

#include <string.h>

static gboolean
parse_address (const xmlNode *device, const xmlNode *node, VmdevInfoFlags flags,
               VmdevAddress *addr, GError **error)
{
  static const char *const pci_attrs[] = { "type", "domain", "bus", "slot", "function",
                                           "multifunction", NULL };
  static const char *const ccw_attrs[] = { "type", "cssid", "ssid", "devno", NULL };
  static const char *const drive_attrs[] = { "type", "controller", "bus", "target", "unit", NULL };
  static const char *const usb_attrs[] = { "type", "bus", "port", NULL };
  g_autofree char *type = NULL;
  guint64 v;
  gboolean present;

  if (!vmdev_xml_attr_required (node, "type", &type, error))
    return FALSE;
  if (strcmp (type, "pci") == 0 && (flags & VMDEV_INFO_ADDR_PCI))
    {
      int multi = 0;

      if (!vmdev_xml_check_attrs (node, pci_attrs, error))
        return FALSE;
      addr->type = VMDEV_ADDR_PCI;
      /* As libvirt: base 0 (0x.. hex, 0.. octal); ranges checked by validation. */
      v = 0;
      if (!vmdev_xml_attr_uint (node, "domain", 0, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->domain = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "bus", 0, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->bus = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "slot", 0, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->slot = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "function", 0, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->function = v;
      if (!vmdev_xml_attr_tristate (node, "multifunction", TRUE, &multi, error))
        return FALSE;
      addr->multifunction = multi;
      if (addr->domain > 0xffff)
        return vmdev_xml_fail (error, node, "attribute 'domain': invalid value '0x%x' "
                               "(must be <= 0xffff)", addr->domain);
      if (addr->bus > 0xff)
        return vmdev_xml_fail (error, node, "attribute 'bus': invalid value '0x%x' "
                               "(must be <= 0xff)", addr->bus);
      if (addr->slot > 0x1f)
        return vmdev_xml_fail (error, node, "attribute 'slot': invalid value '0x%x' "
                               "(must be <= 0x1f)", addr->slot);
      if (addr->function > 7)
        return vmdev_xml_fail (error, node, "attribute 'function': invalid value '0x%x' "
                               "(must be <= 0x7)", addr->function);
      VMDEV_XML_FOREACH_CHILD (node, c, error)
        {
          static const char *const zpci_attrs[] = { "uid", "fid", NULL };

          if (!vmdev_xml_is (c, "zpci") || addr->has_zpci)
            return vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
          if (!vmdev_xml_check_attrs (c, zpci_attrs, error) || !vmdev_xml_check_empty (c, error))
            return FALSE;
          addr->has_zpci = TRUE;
          v = 0;
          if (!vmdev_xml_attr_uint (c, "uid", 0, 0xffff, &v, &present, error))
            return FALSE;
          if (present && v == 0)
            return vmdev_xml_fail (error, c, "attribute 'uid': invalid value '0' (must be "
                                   "0x0001-0xffff)");
          addr->zpci_uid = v;
          v = 0;
          if (!vmdev_xml_attr_uint (c, "fid", 0, G_MAXUINT32, &v, &present, error))
            return FALSE;
          addr->zpci_fid = v;
        }
      return error == NULL || *error == NULL;
    }
  else if (strcmp (type, "ccw") == 0 && (flags & VMDEV_INFO_ADDR_CCW))
    {
      if (!vmdev_xml_check_attrs (node, ccw_attrs, error))
        return FALSE;
      addr->type = VMDEV_ADDR_CCW;
      if (!vmdev_xml_attr_uint (node, "cssid", 0, 0xfe, &v, NULL, error))
        return FALSE;
      addr->cssid = v;
      if (!vmdev_xml_attr_uint (node, "ssid", 0, 3, &v, NULL, error))
        return FALSE;
      addr->ssid = v;
      if (!vmdev_xml_attr_uint (node, "devno", 0, 0xffff, &v, NULL, error))
        return FALSE;
      addr->devno = v;
    }
  else if (strcmp (type, "drive") == 0 && (flags & VMDEV_INFO_ADDR_DRIVE))
    {
      if (!vmdev_xml_check_attrs (node, drive_attrs, error))
        return FALSE;
      addr->type = VMDEV_ADDR_DRIVE;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "controller", 10, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->controller = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "bus", 10, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->drive_bus = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "target", 10, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->target = v;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "unit", 10, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->unit = v;
    }
  else if (strcmp (type, "usb") == 0 && (flags & VMDEV_INFO_ADDR_USB))
    {
      g_autofree char *port = NULL;

      if (!vmdev_xml_check_attrs (node, usb_attrs, error))
        return FALSE;
      addr->type = VMDEV_ADDR_USB;
      v = 0;
      if (!vmdev_xml_attr_uint (node, "bus", 10, G_MAXUINT32, &v, &present, error))
        return FALSE;
      addr->usb_bus = v;
      port = vmdev_xml_attr (node, "port");
      if (port != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (port, ".", -1);

          if (g_strv_length (parts) > 4)
            return vmdev_xml_fail (error, node, "attribute 'port': invalid value '%s' "
                                   "(at most 4 levels)", port);
          for (guint i = 0; parts[i] != NULL; i++)
            if (!vmdev_xml_parse_uint (parts[i], 10, 255, &v) || v == 0)
              return vmdev_xml_fail (error, node, "attribute 'port': invalid value '%s' "
                                     "(expected numbers 1-255 separated by '.')", port);
        }
      addr->usb_port = g_steal_pointer (&port);
    }
  else
    return vmdev_xml_fail (error, node, "attribute 'type': address type '%s' is not "
                           "supported for <%s>", type, (const char *) device->name);
  return vmdev_xml_check_empty (node, error);
}

static gboolean
valid_alias (const char *s)
{
  if (!g_str_has_prefix (s, "ua-") || s[3] == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '-' && *s != '_')
      return FALSE;
  return TRUE;
}

gboolean
vmdev_device_info_parse_child (const xmlNode *device, const xmlNode *child,
                               VmdevInfoFlags flags, VmdevDeviceInfo *info,
                               gboolean *handled, GError **error)
{
  static const char *const name_attr[] = { "name", NULL };
  static const char *const order_attr[] = { "order", NULL };
  static const char *const index_attr[] = { "index", NULL };
  guint64 v;

  *handled = TRUE;
  if (vmdev_xml_is (child, "address") &&
      (flags & (VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_CCW | VMDEV_INFO_ADDR_DRIVE |
                VMDEV_INFO_ADDR_USB)))
    {
      if (info->addr.type != VMDEV_ADDR_NONE)
        return vmdev_xml_fail (error, device, "more than one <address>");
      return parse_address (device, child, flags, &info->addr, error);
    }
  if (vmdev_xml_is (child, "alias") && (flags & VMDEV_INFO_ALIAS))
    {
      g_autofree char *name = NULL;

      if (info->alias != NULL)
        return vmdev_xml_fail (error, device, "more than one <alias>");
      if (!vmdev_xml_check_attrs (child, name_attr, error) ||
          !vmdev_xml_check_empty (child, error) ||
          !vmdev_xml_attr_required (child, "name", &name, error))
        return FALSE;
      if (!valid_alias (name))
        return vmdev_xml_fail (error, child, "attribute 'name': invalid value '%s' (a user "
                               "alias starts with 'ua-' followed by letters, digits, '-' or '_')",
                               name);
      info->alias = g_steal_pointer (&name);
      return TRUE;
    }
  if (vmdev_xml_is (child, "boot") && (flags & VMDEV_INFO_BOOT))
    {
      if (info->boot_order >= 0)
        return vmdev_xml_fail (error, device, "more than one <boot>");
      if (!vmdev_xml_check_attrs (child, order_attr, error) ||
          !vmdev_xml_check_empty (child, error) ||
          !vmdev_xml_attr_uint (child, "order", 10, G_MAXINT, &v, NULL, error))
        return FALSE;
      if (v == 0)
        return vmdev_xml_fail (error, child, "attribute 'order': invalid value '0' (boot "
                               "orders start at 1)");
      info->boot_order = (int) v;
      return TRUE;
    }
  if (vmdev_xml_is (child, "acpi") && (flags & VMDEV_INFO_ACPI))
    {
      if (info->acpi_index >= 0)
        return vmdev_xml_fail (error, device, "more than one <acpi>");
      if (!vmdev_xml_check_attrs (child, index_attr, error) ||
          !vmdev_xml_check_empty (child, error) ||
          !vmdev_xml_attr_uint (child, "index", 10, 16383, &v, NULL, error))
        return FALSE;
      if (v == 0)
        return vmdev_xml_fail (error, child, "attribute 'index': invalid value '0' (must "
                               "be 1-16383)");
      info->acpi_index = (int) v;
      return TRUE;
    }
  *handled = FALSE;
  return TRUE;
}

void
vmdev_address_format (GString *out, int level, const VmdevAddress *a)
{
  switch (a->type)
    {
    case VMDEV_ADDR_NONE:
      return;
    case VMDEV_ADDR_PCI:
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<address type='pci' domain='0x%04x' bus='0x%02x' "
                              "slot='0x%02x' function='0x%x'", a->domain, a->bus, a->slot,
                              a->function);
      if (a->multifunction != VMDEV_TRI_ABSENT)
        g_string_append_printf (out, " multifunction='%s'",
                                a->multifunction == VMDEV_TRI_YES ? "on" : "off");
      if (!a->has_zpci)
        {
          g_string_append (out, "/>\n");
          return;
        }
      g_string_append (out, ">\n");
      vmdev_xml_indent (out, level + 1);
      g_string_append_printf (out, "<zpci uid='0x%04x' fid='0x%08x'/>\n", a->zpci_uid,
                              a->zpci_fid);
      vmdev_xml_indent (out, level);
      g_string_append (out, "</address>\n");
      return;
    case VMDEV_ADDR_CCW:
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<address type='ccw' cssid='0x%x' ssid='0x%x' devno='0x%04x'/>\n",
                              a->cssid, a->ssid, a->devno);
      return;
    case VMDEV_ADDR_DRIVE:
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<address type='drive' controller='%u' bus='%u' "
                              "target='%u' unit='%u'/>\n", a->controller, a->drive_bus,
                              a->target, a->unit);
      return;
    case VMDEV_ADDR_USB:
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<address type='usb' bus='%u'", a->usb_bus);
      vmdev_xml_add_attr (out, "port", a->usb_port);
      g_string_append (out, "/>\n");
      return;
    }
}

void
vmdev_device_info_format (GString *out, int level, const VmdevDeviceInfo *info)
{
  if (info->boot_order > 0)
    {
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<boot order='%d'/>\n", info->boot_order);
    }
  if (info->alias != NULL)
    {
      vmdev_xml_indent (out, level);
      g_string_append (out, "<alias");
      vmdev_xml_add_attr (out, "name", info->alias);
      g_string_append (out, "/>\n");
    }
  if (info->acpi_index > 0)
    {
      vmdev_xml_indent (out, level);
      g_string_append_printf (out, "<acpi index='%d'/>\n", info->acpi_index);
    }
  vmdev_address_format (out, level, &info->addr);
}

char *
vmdev_pci_address_to_string (const VmdevAddress *a)
{
  return g_strdup_printf ("%04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
}
