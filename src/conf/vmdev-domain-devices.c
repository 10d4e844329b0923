/* vmdev-domain-devices.c: parsing of <devices> (see vmdev-domain-devices.h). */
#include "conf/vmdev-domain-devices.h"

#include "conf/vmdev-device-info.h"
#include "conf/vmdev-hostdev.h"
#include "conf/vmdev-xml.h"

#include <string.h>

#define UNKNOWN_CHILD(parent, c) \
  vmdev_xml_fail (error, (parent), "unknown element <%s>", (const char *) (c)->name)

static gboolean
info_or_unknown (const xmlNode *node, const xmlNode *c, VmdevInfoFlags flags,
                 VmdevDeviceInfo *info, GError **error)
{
  gboolean handled;

  if (!vmdev_device_info_parse_child (node, c, flags, info, &handled, error))
    return FALSE;
  if (!handled)
    return UNKNOWN_CHILD (node, c);
  return TRUE;
}

static gboolean
once (const xmlNode *parent, const xmlNode *c, gboolean *seen, GError **error)
{
  if (*seen)
    return vmdev_xml_fail (error, parent, "more than one <%s>", (const char *) c->name);
  *seen = TRUE;
  return TRUE;
}

static gboolean
parse_disk (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "type", "device", NULL };
  static const char *const types[] = { "file", "block", NULL };
  static const char *const devices[] = { "disk", "cdrom", NULL };
  static const char *const driver_attrs[] = { "name", "type", NULL };
  static const char *const driver_names[] = { "qemu", NULL };
  static const char *const formats[] = { "raw", "qcow2", NULL };
  static const char *const file_attrs[] = { "file", NULL };
  static const char *const dev_attrs[] = { "dev", NULL };
  static const char *const target_attrs[] = { "dev", "bus", NULL };
  static const char *const buses[] = { "virtio", "sata", "ide", NULL };
  VmdevDisk *d = g_new0 (VmdevDisk, 1);
  g_autofree char *type = NULL;
  gboolean s_driver = FALSE, s_source = FALSE, s_target = FALSE, s_ro = FALSE;

  vmdev_device_info_init (&d->info);
  g_ptr_array_add (def->disks, d);
  if (!vmdev_xml_check_attrs (node, attrs, error))
    return FALSE;
  type = vmdev_xml_attr (node, "type");
  if (type != NULL && !vmdev_xml_check_enum (node, "type", type, types, error))
    return FALSE;
  d->type = type != NULL && strcmp (type, "block") == 0 ? VMDEV_DISK_BLOCK : VMDEV_DISK_FILE;
  d->device = vmdev_xml_attr (node, "device");
  if (d->device == NULL)
    d->device = g_strdup ("disk");
  if (!vmdev_xml_check_enum (node, "device", d->device, devices, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "driver"))
        {
          if (!once (node, c, &s_driver, error) ||
              !vmdev_xml_check_attrs (c, driver_attrs, error) || !vmdev_xml_check_empty (c, error))
            return FALSE;
          d->driver_name = vmdev_xml_attr (c, "name");
          d->driver_type = vmdev_xml_attr (c, "type");
          if ((d->driver_name && !vmdev_xml_check_enum (c, "name", d->driver_name, driver_names,
                                                        error)) ||
              (d->driver_type && !vmdev_xml_check_enum (c, "type", d->driver_type, formats, error)))
            return FALSE;
        }
      else if (vmdev_xml_is (c, "source"))
        {
          const char *attr = d->type == VMDEV_DISK_FILE ? "file" : "dev";

          if (!once (node, c, &s_source, error) ||
              !vmdev_xml_check_attrs (c, d->type == VMDEV_DISK_FILE ? file_attrs : dev_attrs,
                                      error) ||
              !vmdev_xml_check_empty (c, error))
            return FALSE;
          d->source = vmdev_xml_attr (c, attr);
        }
      else if (vmdev_xml_is (c, "target"))
        {
          if (!once (node, c, &s_target, error) ||
              !vmdev_xml_check_attrs (c, target_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "dev", &d->target_dev, error))
            return FALSE;
          d->target_bus = vmdev_xml_attr (c, "bus");
          if (d->target_bus && !vmdev_xml_check_enum (c, "bus", d->target_bus, buses, error))
            return FALSE;
        }
      else if (vmdev_xml_is (c, "readonly"))
        {
          if (!once (node, c, &s_ro, error) || !vmdev_xml_check_attrs (c, NULL, error) ||
              !vmdev_xml_check_empty (c, error))
            return FALSE;
          d->readonly = TRUE;
        }
      else if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_DRIVE |
                                 VMDEV_INFO_ADDR_CCW | VMDEV_INFO_ALIAS | VMDEV_INFO_BOOT, &d->info, error))
        return FALSE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!s_target)
    return vmdev_xml_fail (error, node, "missing <target dev='...'/>");
  return TRUE;
}

static gboolean
parse_controller (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "type", "index", "model", NULL };
  static const char *const types[] = { "pci", "usb", "sata", "ide", NULL };
  static const char *const pci_models[] = { "pci-root", "pcie-root", "pci-bridge",
                                            "pcie-root-port", "pcie-to-pci-bridge", NULL };
  static const char *const usb_models[] = { "piix3-uhci", "qemu-xhci", "nec-xhci", "none", NULL };
  static const char *const model_attrs[] = { "name", NULL };
  static const char *const target_attrs[] = { "chassisNr", "chassis", "port", NULL };
  g_autoptr(GError) e = NULL;
  g_autofree char *type = NULL;
  VmdevController *ctrl;
  guint64 v = 0;
  gboolean present, s_model = FALSE, s_target = FALSE;

  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "type", &type, error) ||
      !vmdev_xml_check_enum (node, "type", type, types, error) ||
      !vmdev_xml_attr_uint (node, "index", 10, 255, &v, &present, error))
    return FALSE;
  ctrl = vmdev_controller_new (type, present ? (int) v : -1, NULL);
  ctrl->model = vmdev_xml_attr (node, "model");
  vmdev_domain_insert_controller (def, ctrl);
  if (ctrl->model != NULL)
    {
      if (strcmp (type, "pci") == 0 &&
          !vmdev_xml_check_enum (node, "model", ctrl->model, pci_models, error))
        return FALSE;
      if (strcmp (type, "usb") == 0 &&
          !vmdev_xml_check_enum (node, "model", ctrl->model, usb_models, error))
        return FALSE;
      if (strcmp (type, "sata") == 0 || strcmp (type, "ide") == 0)
        return vmdev_xml_fail (error, node, "attribute 'model': a %s controller has no model "
                               "(got '%s')", type, ctrl->model);
    }
  else if (strcmp (type, "pci") == 0)
    return vmdev_xml_fail (error, node, "missing attribute 'model' (a pci controller needs one: "
                           "pci-root, pcie-root, pci-bridge, pcie-root-port or pcie-to-pci-bridge)");
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "model") && strcmp (type, "pci") == 0)
        {
          if (!once (node, c, &s_model, error) || !vmdev_xml_check_attrs (c, model_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "name", &ctrl->model_name, error))
            return FALSE;
        }
      else if (vmdev_xml_is (c, "target") && strcmp (type, "pci") == 0)
        {
          if (!once (node, c, &s_target, error) ||
              !vmdev_xml_check_attrs (c, target_attrs, error) || !vmdev_xml_check_empty (c, error))
            return FALSE;
          if (!vmdev_xml_attr_uint (c, "chassisNr", 10, 255, &v, &present, error))
            return FALSE;
          if (present)
            ctrl->chassis_nr = (int) v;
          if (!vmdev_xml_attr_uint (c, "chassis", 10, 255, &v, &present, error))
            return FALSE;
          if (present)
            ctrl->chassis = (int) v;
          if (!vmdev_xml_attr_uint (c, "port", 0, 255, &v, &present, error))
            return FALSE;
          if (present)
            ctrl->port = (int) v;
        }
      else if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ALIAS, &ctrl->info,
                                 error))
        return FALSE;
    }
  return error == NULL || *error == NULL;
}

static gboolean
parse_interface (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "type", NULL };
  static const char *const types[] = { "user", NULL };
  static const char *const mac_attrs[] = { "address", NULL };
  static const char *const model_attrs[] = { "type", NULL };
  static const char *const models[] = { "virtio", "e1000", "e1000e", "rtl8139", NULL };
  VmdevInterface *n = g_new0 (VmdevInterface, 1);
  gboolean s_mac = FALSE, s_model = FALSE;

  vmdev_device_info_init (&n->info);
  g_ptr_array_add (def->interfaces, n);
  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "type", &n->type, error) ||
      !vmdev_xml_check_enum (node, "type", n->type, types, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "mac"))
        {
          unsigned b[6];
          char tail;

          if (!once (node, c, &s_mac, error) || !vmdev_xml_check_attrs (c, mac_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "address", &n->mac, error))
            return FALSE;
          if (strlen (n->mac) != 17 ||
              sscanf (n->mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                      &b[5], &tail) != 6)
            return vmdev_xml_fail (error, c, "attribute 'address': invalid value '%s' (expected "
                                   "a MAC address like 52:54:00:12:34:56)", n->mac);
          if (b[0] & 1)
            return vmdev_xml_fail (error, c, "attribute 'address': invalid value '%s' (a "
                                   "multicast address cannot be a guest's MAC address)", n->mac);
          g_free (n->mac);
          n->mac = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
                                    b[4], b[5]);
        }
      else if (vmdev_xml_is (c, "model"))
        {
          if (!once (node, c, &s_model, error) || !vmdev_xml_check_attrs (c, model_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "type", &n->model, error) ||
              !vmdev_xml_check_enum (c, "type", n->model, models, error))
            return FALSE;
        }
      else if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_CCW |
                                 VMDEV_INFO_ALIAS | VMDEV_INFO_BOOT | VMDEV_INFO_ACPI,
                                 &n->info, error))
        return FALSE;
    }
  return error == NULL || *error == NULL;
}

static gboolean
parse_chr (VmdevDomain *def, const xmlNode *node, VmdevChrKind kind, GError **error)
{
  static const char *const attrs[] = { "type", NULL };
  static const char *const types[] = { "pty", "file", "unix", NULL };
  static const char *const file_attrs[] = { "path", NULL };
  static const char *const unix_attrs[] = { "mode", "path", NULL };
  static const char *const modes[] = { "bind", "connect", NULL };
  static const char *const target_attrs[] = { "type", "port", NULL };
  static const char *const serial_targets[] = { "isa-serial", NULL };
  static const char *const console_targets[] = { "serial", NULL };
  static const char *const model_attrs[] = { "name", NULL };
  static const char *const serial_models[] = { "isa-serial", NULL };
  VmdevChr *chr = vmdev_chr_new (kind);
  gboolean s_source = FALSE, s_target = FALSE;

  g_ptr_array_add (kind == VMDEV_CHR_SERIAL ? def->serials : def->consoles, chr);
  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "type", &chr->type, error) ||
      !vmdev_xml_check_enum (node, "type", chr->type, types, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "source") && strcmp (chr->type, "pty") != 0)
        {
          gboolean is_unix = strcmp (chr->type, "unix") == 0;

          if (!once (node, c, &s_source, error) ||
              !vmdev_xml_check_attrs (c, is_unix ? unix_attrs : file_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "path", &chr->source_path, error))
            return FALSE;
          if (is_unix)
            {
              chr->source_mode = vmdev_xml_attr (c, "mode");
              if (chr->source_mode != NULL &&
                  !vmdev_xml_check_enum (c, "mode", chr->source_mode, modes, error))
                return FALSE;
            }
        }
      else if (vmdev_xml_is (c, "target"))
        {
          guint64 v;
          gboolean present;

          if (!once (node, c, &s_target, error) || !vmdev_xml_check_attrs (c, target_attrs, error))
            return FALSE;
          chr->target_type = vmdev_xml_attr (c, "type");
          if (chr->target_type != NULL &&
              !vmdev_xml_check_enum (c, "type", chr->target_type,
                                     kind == VMDEV_CHR_SERIAL ? serial_targets : console_targets,
                                     error))
            return FALSE;
          if (!vmdev_xml_attr_uint (c, "port", 10, 3, &v, &present, error))
            return FALSE;
          if (present)
            chr->target_port = (int) v;
          VMDEV_XML_FOREACH_CHILD (c, m, error)
            {
              if (!vmdev_xml_is (m, "model") || kind != VMDEV_CHR_SERIAL ||
                  chr->target_model != NULL)
                return UNKNOWN_CHILD (c, m);
              if (!vmdev_xml_check_attrs (m, model_attrs, error) ||
                  !vmdev_xml_check_empty (m, error) ||
                  !vmdev_xml_attr_required (m, "name", &chr->target_model, error) ||
                  !vmdev_xml_check_enum (m, "name", chr->target_model, serial_models, error))
                return FALSE;
            }
          if (error != NULL && *error != NULL)
            return FALSE;
        }
      else if (!info_or_unknown (node, c, VMDEV_INFO_ALIAS, &chr->info, error))
        return FALSE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (strcmp (chr->type, "pty") != 0 && !s_source)
    return vmdev_xml_fail (error, node, "missing <source path='...'/> for type '%s'", chr->type);
  return TRUE;
}

static gboolean
parse_input (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "type", "bus", NULL };
  static const char *const types[] = { "mouse", "keyboard", "tablet", NULL };
  static const char *const buses[] = { "ps2", "usb", NULL };
  VmdevInput *in = vmdev_input_new (NULL, NULL);

  g_ptr_array_add (def->inputs, in);
  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "type", &in->type, error) ||
      !vmdev_xml_check_enum (node, "type", in->type, types, error))
    return FALSE;
  in->bus = vmdev_xml_attr (node, "bus");
  if (in->bus != NULL && !vmdev_xml_check_enum (node, "bus", in->bus, buses, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_USB | VMDEV_INFO_ALIAS, &in->info, error))
      return FALSE;
  return error == NULL || *error == NULL;
}

static gboolean
parse_graphics (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "type", "port", "autoport", "listen", NULL };
  static const char *const types[] = { "vnc", "spice", NULL };
  static const char *const listen_attrs[] = { "type", "address", NULL };
  static const char *const listen_types[] = { "address", "none", NULL };
  static const char *const gl_attrs[] = { "enable", "rendernode", NULL };
  VmdevGraphics *g = g_new0 (VmdevGraphics, 1);
  g_autofree char *port = NULL;
  gboolean s_listen = FALSE, s_gl = FALSE;
  int tri = 0;

  g->port = -2;
  g_ptr_array_add (def->graphics, g);
  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "type", &g->type, error) ||
      !vmdev_xml_check_enum (node, "type", g->type, types, error) ||
      !vmdev_xml_attr_tristate (node, "autoport", FALSE, &tri, error))
    return FALSE;
  g->autoport = tri;
  port = vmdev_xml_attr (node, "port");
  if (port != NULL)
    {
      guint64 v;

      if (strcmp (port, "-1") == 0)
        g->port = -1;
      else if (vmdev_xml_parse_uint (port, 10, 65535, &v))
        g->port = (int) v;
      else
        return vmdev_xml_fail (error, node, "attribute 'port': invalid value '%s' (expected "
                               "-1 or a TCP port)", port);
    }
  g->listen = vmdev_xml_attr (node, "listen");
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "listen"))
        {
          if (!once (node, c, &s_listen, error) || !vmdev_xml_check_attrs (c, listen_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "type", &g->listen_type, error) ||
              !vmdev_xml_check_enum (c, "type", g->listen_type, listen_types, error))
            return FALSE;
          g->listen_address = vmdev_xml_attr (c, "address");
          if (g->listen_address != NULL && strcmp (g->listen_type, "address") != 0)
            return vmdev_xml_fail (error, c, "attribute 'address' needs type='address'");
        }
      else if (vmdev_xml_is (c, "gl") && strcmp (g->type, "spice") == 0)
        {
          if (!once (node, c, &s_gl, error) || !vmdev_xml_check_attrs (c, gl_attrs, error) ||
              !vmdev_xml_check_empty (c, error))
            return FALSE;
          tri = 0;
          if (!vmdev_xml_attr_tristate (c, "enable", FALSE, &tri, error))
            return FALSE;
          if (tri == 0)
            return vmdev_xml_fail (error, c, "missing attribute 'enable'");
          g->gl = tri;
          g->gl_rendernode = vmdev_xml_attr (c, "rendernode");
        }
      else
        return UNKNOWN_CHILD (node, c);
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (g->listen != NULL && g->listen_address != NULL && strcmp (g->listen, g->listen_address) != 0)
    return vmdev_xml_fail (error, node, "attribute 'listen' ('%s') and <listen address='%s'/> "
                           "differ", g->listen, g->listen_address);
  return TRUE;
}

static gboolean
parse_audio (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "id", "type", NULL };
  static const char *const types[] = { "none", "spice", NULL };
  VmdevAudio *a = vmdev_audio_new (0, NULL);
  guint64 v;

  g_ptr_array_add (def->audios, a);
  if (!vmdev_xml_check_attrs (node, attrs, error) || !vmdev_xml_check_empty (node, error) ||
      !vmdev_xml_attr_uint (node, "id", 10, G_MAXINT, &v, NULL, error) ||
      !vmdev_xml_attr_required (node, "type", &a->type, error) ||
      !vmdev_xml_check_enum (node, "type", a->type, types, error))
    return FALSE;
  if (v == 0)
    return vmdev_xml_fail (error, node, "attribute 'id': invalid value '0' (ids start at 1)");
  a->id = (int) v;
  return TRUE;
}

static gboolean
parse_video (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const model_attrs[] = { "type", "vram", "ram", "vgamem", "heads", "primary",
                                             NULL };
  static const char *const models[] = { "none", "vga", "cirrus", "qxl", "virtio", "ramfb", NULL };
  VmdevVideo *v = vmdev_video_new (NULL);
  gboolean s_model = FALSE;

  g_ptr_array_add (def->videos, v);
  if (!vmdev_xml_check_attrs (node, NULL, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (vmdev_xml_is (c, "model"))
        {
          struct { const char *name; int *slot; } nums[] = {
            { "vram", &v->vram }, { "ram", &v->ram }, { "vgamem", &v->vgamem },
            { "heads", &v->heads },
          };
          int tri = 0;

          if (!once (node, c, &s_model, error) || !vmdev_xml_check_attrs (c, model_attrs, error) ||
              !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "type", &v->model, error) ||
              !vmdev_xml_check_enum (c, "type", v->model, models, error) ||
              !vmdev_xml_attr_tristate (c, "primary", FALSE, &tri, error))
            return FALSE;
          v->primary = tri;
          for (guint i = 0; i < G_N_ELEMENTS (nums); i++)
            {
              guint64 n;
              gboolean present;

              if (!vmdev_xml_attr_uint (c, nums[i].name, 10, G_MAXINT, &n, &present, error))
                return FALSE;
              if (present)
                *nums[i].slot = (int) n;
            }
        }
      else if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_CCW |
                                 VMDEV_INFO_ALIAS, &v->info, error))
        return FALSE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!s_model)
    return vmdev_xml_fail (error, node, "missing <model type='...'/>");
  return TRUE;
}

static gboolean
parse_memballoon (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "model", NULL };
  static const char *const models[] = { "virtio", "none", NULL };
  VmdevMemballoon *m = vmdev_memballoon_new (NULL);

  if (def->memballoon != NULL)
    {
      vmdev_memballoon_free (m);
      return vmdev_xml_fail (error, node->parent, "more than one <memballoon>");
    }
  def->memballoon = m;
  if (!vmdev_xml_check_attrs (node, attrs, error) ||
      !vmdev_xml_attr_required (node, "model", &m->model, error) ||
      !vmdev_xml_check_enum (node, "model", m->model, models, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    if (!info_or_unknown (node, c, VMDEV_INFO_ADDR_PCI | VMDEV_INFO_ADDR_CCW | VMDEV_INFO_ALIAS,
                          &m->info, error))
      return FALSE;
  return error == NULL || *error == NULL;
}

gboolean
vmdev_domain_devices_parse (VmdevDomain *def, const xmlNode *node, GError **error)
{
  if (!vmdev_xml_check_attrs (node, NULL, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      gboolean ok;

      if (vmdev_xml_is (c, "emulator"))
        {
          if (def->emulator != NULL)
            return vmdev_xml_fail (error, node, "more than one <emulator>");
          ok = vmdev_xml_check_attrs (c, NULL, error) && vmdev_xml_text (c, &def->emulator, error);
          if (ok && def->emulator[0] != '/')
            ok = vmdev_xml_fail (error, c, "invalid value '%s' (expected an absolute path)",
                                 def->emulator);
        }
      else if (vmdev_xml_is (c, "disk"))
        ok = parse_disk (def, c, error);
      else if (vmdev_xml_is (c, "controller"))
        ok = parse_controller (def, c, error);
      else if (vmdev_xml_is (c, "interface"))
        ok = parse_interface (def, c, error);
      else if (vmdev_xml_is (c, "serial"))
        ok = parse_chr (def, c, VMDEV_CHR_SERIAL, error);
      else if (vmdev_xml_is (c, "console"))
        ok = parse_chr (def, c, VMDEV_CHR_CONSOLE, error);
      else if (vmdev_xml_is (c, "input"))
        ok = parse_input (def, c, error);
      else if (vmdev_xml_is (c, "graphics"))
        ok = parse_graphics (def, c, error);
      else if (vmdev_xml_is (c, "audio"))
        ok = parse_audio (def, c, error);
      else if (vmdev_xml_is (c, "video"))
        ok = parse_video (def, c, error);
      else if (vmdev_xml_is (c, "memballoon"))
        ok = parse_memballoon (def, c, error);
      else if (vmdev_xml_is (c, "panic"))
        {
          static const char *const attrs[] = { "model", NULL };
          static const char *const models[] = { "s390", NULL };

          if (def->panic_model != NULL)
            return vmdev_xml_fail (error, node, "more than one <panic>");
          ok = vmdev_xml_check_attrs (c, attrs, error) && vmdev_xml_check_empty (c, error) &&
               vmdev_xml_attr_required (c, "model", &def->panic_model, error) &&
               vmdev_xml_check_enum (c, "model", def->panic_model, models, error);
        }
      else if (vmdev_xml_is (c, "hostdev"))
        {
          VmdevHostdev *h = vmdev_hostdev_parse_node (c, error);

          ok = h != NULL;
          if (ok)
            g_ptr_array_add (def->hostdevs, h);
        }
      else
        ok = vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
      if (!ok)
        return FALSE;
    }
  return error == NULL || *error == NULL;
}
