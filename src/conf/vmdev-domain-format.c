/* vmdev-domain-format.c: the domain as libvirt writes it. */
#include "conf/vmdev-domain-format.h"

#include "conf/vmdev-device-info.h"
#include "conf/vmdev-domain-devices.h"
#include "conf/vmdev-hostdev.h"
#include "conf/vmdev-xml.h"

#include <string.h>

static const char *
tri_on_off (VmdevTristate t)
{
  return t == VMDEV_TRI_YES ? "on" : "off";
}

static void
format_disk (GString *out, int l, const VmdevDisk *d)
{
  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<disk type='%s'", d->type == VMDEV_DISK_FILE ? "file" : "block");
  vmdev_xml_add_attr (out, "device", d->device);
  g_string_append (out, ">\n");
  if (d->driver_name != NULL || d->driver_type != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<driver");
      vmdev_xml_add_attr (out, "name", d->driver_name);
      vmdev_xml_add_attr (out, "type", d->driver_type);
      g_string_append (out, "/>\n");
    }
  if (d->source != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<source");
      vmdev_xml_add_attr (out, d->type == VMDEV_DISK_FILE ? "file" : "dev", d->source);
      g_string_append (out, "/>\n");
    }
  vmdev_xml_indent (out, l + 1);
  g_string_append (out, "<target");
  vmdev_xml_add_attr (out, "dev", d->target_dev);
  vmdev_xml_add_attr (out, "bus", d->target_bus);
  g_string_append (out, "/>\n");
  if (d->readonly)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<readonly/>\n");
    }
  vmdev_device_info_format (out, l + 1, &d->info);
  vmdev_xml_indent (out, l);
  g_string_append (out, "</disk>\n");
}

static gboolean
info_empty (const VmdevDeviceInfo *info)
{
  return info->addr.type == VMDEV_ADDR_NONE && info->alias == NULL && info->boot_order <= 0 &&
         info->acpi_index <= 0;
}

static void
format_controller (GString *out, int l, const VmdevController *c)
{
  gboolean target = c->chassis_nr >= 0 || c->chassis >= 0 || c->port >= 0;

  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<controller type='%s'", c->type);
  /* No index yet (none given, post-parse not run): none, as in the input. */
  if (c->index >= 0)
    g_string_append_printf (out, " index='%d'", c->index);
  vmdev_xml_add_attr (out, "model", c->model);
  if (c->model_name == NULL && !target && info_empty (&c->info))
    {
      g_string_append (out, "/>\n");
      return;
    }
  g_string_append (out, ">\n");
  if (c->model_name != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<model");
      vmdev_xml_add_attr (out, "name", c->model_name);
      g_string_append (out, "/>\n");
    }
  if (target)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<target");
      if (c->chassis_nr >= 0)
        g_string_append_printf (out, " chassisNr='%d'", c->chassis_nr);
      if (c->chassis >= 0)
        g_string_append_printf (out, " chassis='%d'", c->chassis);
      if (c->port >= 0)
        g_string_append_printf (out, " port='0x%x'", c->port);
      g_string_append (out, "/>\n");
    }
  vmdev_device_info_format (out, l + 1, &c->info);
  vmdev_xml_indent (out, l);
  g_string_append (out, "</controller>\n");
}

static void
format_interface (GString *out, int l, const VmdevInterface *n)
{
  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<interface type='%s'>\n", n->type);
  if (n->mac != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<mac address='%s'/>\n", n->mac);
    }
  if (n->model != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<model type='%s'/>\n", n->model);
    }
  vmdev_device_info_format (out, l + 1, &n->info);
  vmdev_xml_indent (out, l);
  g_string_append (out, "</interface>\n");
}

static void
format_chr (GString *out, int l, const VmdevChr *c)
{
  const char *el = c->kind == VMDEV_CHR_SERIAL ? "serial" : "console";

  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<%s type='%s'>\n", el, c->type);
  if (c->source_path != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "<source");
      vmdev_xml_add_attr (out, "mode", c->source_mode);
      vmdev_xml_add_attr (out, "path", c->source_path);
      g_string_append (out, "/>\n");
    }
  vmdev_xml_indent (out, l + 1);
  g_string_append (out, "<target");
  vmdev_xml_add_attr (out, "type", c->target_type);
  if (c->target_port >= 0)
    g_string_append_printf (out, " port='%d'", c->target_port);
  if (c->target_model != NULL)
    {
      g_string_append (out, ">\n");
      vmdev_xml_indent (out, l + 2);
      g_string_append_printf (out, "<model name='%s'/>\n", c->target_model);
      vmdev_xml_indent (out, l + 1);
      g_string_append (out, "</target>\n");
    }
  else
    g_string_append (out, "/>\n");
  vmdev_device_info_format (out, l + 1, &c->info);
  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "</%s>\n", el);
}

static void
format_input (GString *out, int l, const VmdevInput *in)
{
  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<input type='%s'", in->type);
  vmdev_xml_add_attr (out, "bus", in->bus);
  if (info_empty (&in->info))
    {
      g_string_append (out, "/>\n");
      return;
    }
  g_string_append (out, ">\n");
  vmdev_device_info_format (out, l + 1, &in->info);
  vmdev_xml_indent (out, l);
  g_string_append (out, "</input>\n");
}

static void
format_graphics (GString *out, int l, const VmdevGraphics *g)
{
  vmdev_xml_indent (out, l);
  g_string_append_printf (out, "<graphics type='%s'", g->type);
  if (g->port != -2)
    g_string_append_printf (out, " port='%d'", g->port);
  if (g->autoport != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " autoport='%s'", g->autoport == VMDEV_TRI_YES ? "yes" : "no");
  vmdev_xml_add_attr (out, "listen", g->listen);
  if (g->listen_type == NULL && g->gl == VMDEV_TRI_ABSENT)
    {
      g_string_append (out, "/>\n");
      return;
    }
  g_string_append (out, ">\n");
  if (g->listen_type != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<listen type='%s'", g->listen_type);
      vmdev_xml_add_attr (out, "address", g->listen_address);
      g_string_append (out, "/>\n");
    }
  if (g->gl != VMDEV_TRI_ABSENT)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<gl enable='%s'", g->gl == VMDEV_TRI_YES ? "yes" : "no");
      vmdev_xml_add_attr (out, "rendernode", g->gl_rendernode);
      g_string_append (out, "/>\n");
    }
  vmdev_xml_indent (out, l);
  g_string_append (out, "</graphics>\n");
}

static void
format_video (GString *out, int l, const VmdevVideo *v)
{
  vmdev_xml_indent (out, l);
  g_string_append (out, "<video>\n");
  vmdev_xml_indent (out, l + 1);
  g_string_append_printf (out, "<model type='%s'", v->model);
  if (v->ram >= 0)
    g_string_append_printf (out, " ram='%d'", v->ram);
  if (v->vram >= 0)
    g_string_append_printf (out, " vram='%d'", v->vram);
  if (v->vgamem >= 0)
    g_string_append_printf (out, " vgamem='%d'", v->vgamem);
  if (v->heads >= 0)
    g_string_append_printf (out, " heads='%d'", v->heads);
  if (v->primary != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " primary='%s'", v->primary == VMDEV_TRI_YES ? "yes" : "no");
  g_string_append (out, "/>\n");
  vmdev_device_info_format (out, l + 1, &v->info);
  vmdev_xml_indent (out, l);
  g_string_append (out, "</video>\n");
}

void
vmdev_domain_devices_format (GString *out, int l, const VmdevDomain *def)
{
  vmdev_xml_indent (out, l);
  g_string_append (out, "<devices>\n");
  vmdev_xml_add_text_element (out, l + 1, "emulator", def->emulator);
  for (guint i = 0; i < def->disks->len; i++)
    format_disk (out, l + 1, g_ptr_array_index (def->disks, i));
  for (guint i = 0; i < def->controllers->len; i++)
    format_controller (out, l + 1, g_ptr_array_index (def->controllers, i));
  for (guint i = 0; i < def->interfaces->len; i++)
    format_interface (out, l + 1, g_ptr_array_index (def->interfaces, i));
  for (guint i = 0; i < def->serials->len; i++)
    format_chr (out, l + 1, g_ptr_array_index (def->serials, i));
  for (guint i = 0; i < def->consoles->len; i++)
    format_chr (out, l + 1, g_ptr_array_index (def->consoles, i));
  for (guint i = 0; i < def->inputs->len; i++)
    format_input (out, l + 1, g_ptr_array_index (def->inputs, i));
  for (guint i = 0; i < def->graphics->len; i++)
    format_graphics (out, l + 1, g_ptr_array_index (def->graphics, i));
  for (guint i = 0; i < def->audios->len; i++)
    {
      VmdevAudio *a = g_ptr_array_index (def->audios, i);

      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<audio id='%d' type='%s'/>\n", a->id, a->type);
    }
  for (guint i = 0; i < def->videos->len; i++)
    format_video (out, l + 1, g_ptr_array_index (def->videos, i));
  for (guint i = 0; i < def->hostdevs->len; i++)
    vmdev_hostdev_format (out, l + 1, g_ptr_array_index (def->hostdevs, i));
  if (def->memballoon != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<memballoon model='%s'", def->memballoon->model);
      if (info_empty (&def->memballoon->info))
        g_string_append (out, "/>\n");
      else
        {
          g_string_append (out, ">\n");
          vmdev_device_info_format (out, l + 2, &def->memballoon->info);
          vmdev_xml_indent (out, l + 1);
          g_string_append (out, "</memballoon>\n");
        }
    }
  if (def->panic_model != NULL)
    {
      vmdev_xml_indent (out, l + 1);
      g_string_append_printf (out, "<panic model='%s'/>\n", def->panic_model);
    }
  vmdev_xml_indent (out, l);
  g_string_append (out, "</devices>\n");
}

static void
format_os (GString *out, const VmdevDomain *def)
{
  g_string_append (out, "  <os>\n    <type");
  vmdev_xml_add_attr (out, "arch", def->os_arch);
  vmdev_xml_add_attr (out, "machine", def->os_machine);
  g_string_append_printf (out, ">%s</type>\n", def->os_type);
  vmdev_xml_add_text_element (out, 2, "kernel", def->os_kernel);
  vmdev_xml_add_text_element (out, 2, "initrd", def->os_initrd);
  vmdev_xml_add_text_element (out, 2, "cmdline", def->os_cmdline);
  for (guint i = 0; i < def->os_boot->len; i++)
    g_string_append_printf (out, "    <boot dev='%s'/>\n",
                            (const char *) g_ptr_array_index (def->os_boot, i));
  g_string_append (out, "  </os>\n");
}

static void
format_cpu (GString *out, const VmdevDomain *def)
{
  g_string_append (out, "  <cpu");
  vmdev_xml_add_attr (out, "mode", def->cpu_mode);
  vmdev_xml_add_attr (out, "match", def->cpu_match);
  vmdev_xml_add_attr (out, "check", def->cpu_check);
  if (def->cpu_migratable != VMDEV_TRI_ABSENT)
    g_string_append_printf (out, " migratable='%s'", tri_on_off (def->cpu_migratable));
  if (def->cpu_model == NULL)
    {
      g_string_append (out, "/>\n");
      return;
    }
  g_string_append (out, ">\n    <model");
  vmdev_xml_add_attr (out, "fallback", def->cpu_model_fallback);
  g_string_append (out, ">");
  vmdev_xml_escape (out, def->cpu_model);
  g_string_append (out, "</model>\n  </cpu>\n");
}

char *
vmdev_domain_format (const VmdevDomain *def)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "<domain type='%s'>\n", def->type);
  vmdev_xml_add_text_element (out, 1, "name", def->name);
  if (def->uuid[0] != '\0')
    g_string_append_printf (out, "  <uuid>%s</uuid>\n", def->uuid);
  vmdev_xml_add_text_element (out, 1, "title", def->title);
  vmdev_xml_add_text_element (out, 1, "description", def->description);
  g_string_append_printf (out, "  <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n",
                          def->memory_kib);
  if (def->current_memory_kib > 0)
    g_string_append_printf (out, "  <currentMemory unit='KiB'>%" G_GUINT64_FORMAT
                            "</currentMemory>\n", def->current_memory_kib);
  if (def->vcpus > 0)
    {
      g_string_append (out, "  <vcpu");
      vmdev_xml_add_attr (out, "placement", def->vcpu_placement);
      if (def->vcpu_current > 0)
        g_string_append_printf (out, " current='%d'", def->vcpu_current);
      g_string_append_printf (out, ">%u</vcpu>\n", def->vcpus);
    }
  format_os (out, def);
  /* As libvirt: an empty <features/> is not written. */
  if (def->feature_acpi || def->feature_apic)
    {
      g_string_append (out, "  <features>\n");
      if (def->feature_acpi)
        g_string_append (out, "    <acpi/>\n");
      if (def->feature_apic)
        g_string_append (out, "    <apic/>\n");
      g_string_append (out, "  </features>\n");
    }
  if (def->has_cpu)
    format_cpu (out, def);
  if (def->clock_offset != NULL)
    g_string_append_printf (out, "  <clock offset='%s'/>\n", def->clock_offset);
  vmdev_xml_add_text_element (out, 1, "on_poweroff", def->on_poweroff);
  vmdev_xml_add_text_element (out, 1, "on_reboot", def->on_reboot);
  vmdev_xml_add_text_element (out, 1, "on_crash", def->on_crash);
  vmdev_domain_devices_format (out, 1, def);
  g_string_append (out, "</domain>\n");
  return g_string_free (out, FALSE);
}
