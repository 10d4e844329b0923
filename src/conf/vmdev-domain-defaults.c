/* vmdev-domain-defaults.c: libvirt's post-parse defaults (see vmdev-domain-defaults.h). */
#include "conf/vmdev-domain-defaults.h"

#include "conf/vmdev-hostdev.h"
#include "conf/vmdev-domain-validate.h"
#include "conf/vmdev-ccw-address.h"
#include "conf/vmdev-pci-address.h"
#include "util/vmdev-error.h"

#include <string.h>

const char *
vmdev_domain_emulator (const VmdevDomain *def)
{
  if (def->emulator != NULL)
    return def->emulator;
  return g_strcmp0 (def->os_arch, "s390x") == 0 ? VMDEV_DEFAULT_EMULATOR_S390X
                                                 : VMDEV_DEFAULT_EMULATOR;
}

static void
set_default (char **slot, const char *value)
{
  if (*slot == NULL)
    *slot = g_strdup (value);
}

static gboolean
any_device_boot (const VmdevDomain *def)
{
  for (guint i = 0; i < def->disks->len; i++)
    if (((VmdevDisk *) g_ptr_array_index (def->disks, i))->info.boot_order > 0)
      return TRUE;
  for (guint i = 0; i < def->interfaces->len; i++)
    if (((VmdevInterface *) g_ptr_array_index (def->interfaces, i))->info.boot_order > 0)
      return TRUE;
  for (guint i = 0; i < def->hostdevs->len; i++)
    if (((VmdevHostdev *) g_ptr_array_index (def->hostdevs, i))->info.boot_order > 0)
      return TRUE;
  return FALSE;
}

static gboolean
machine_defaults (VmdevDomain *def, const VmdevMachineList *machines, GError **error)
{
  const char *resolved = vmdev_machine_list_resolve (machines, def->os_machine);

  if (resolved == NULL)
    return vmdev_domain_invalid (error, "<os><type machine='%s'>: emulator %s does not know this machine type",
                 def->os_machine ? def->os_machine : "", vmdev_domain_emulator (def));
  if (strcmp (def->os_arch, "s390x") == 0)
    {
      if (!vmdev_machine_is_s390 (resolved))
        return vmdev_domain_invalid (error, "<os><type arch='s390x' machine='%s'>: machine type '%s' is not "
                     "supported (vmdev supports s390-ccw-virtio for s390x)",
                     def->os_machine ? def->os_machine : "", resolved);
    }
  else if (!vmdev_machine_is_q35 (resolved) && !vmdev_machine_is_i440fx (resolved))
    return vmdev_domain_invalid (error, "<os><type machine='%s'>: machine type '%s' is not supported (vmdev "
                 "supports the pc (i440fx) and q35 machine types)",
                 def->os_machine ? def->os_machine : "", resolved);
  g_free (def->os_machine);
  def->os_machine = g_strdup (resolved);
  return TRUE;
}

static VmdevController *
maybe_add_controller (VmdevDomain *def, const char *type, int index, const char *model)
{
  VmdevController *c = vmdev_domain_find_controller (def, type, index);

  if (c != NULL)
    return c;
  c = vmdev_controller_new (type, index, model);
  c->implicit = TRUE;
  vmdev_domain_insert_controller (def, c);
  return c;
}

/* "vdb" -> 1, "sdaa" -> 26; -1 when not a disk name. */
static int
disk_name_index (const char *name, const char **out_prefix_end)
{
  static const char *const prefixes[] = { "vd", "sd", "hd", NULL };
  const char *p = NULL;
  int idx = 0;

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      p = name + 2;
  if (p == NULL || *p == '\0')
    return -1;
  *out_prefix_end = p;
  for (; *p; p++)
    {
      if (*p < 'a' || *p > 'z' || idx > 100000)
        return -1;
      idx = (idx + (p == *out_prefix_end ? 0 : 1)) * 26 + (*p - 'a');
    }
  return idx;
}

static gboolean
disk_defaults (VmdevDomain *def, gboolean q35, gboolean s390, GError **error)
{
  for (guint i = 0; i < def->disks->len; i++)
    {
      VmdevDisk *d = g_ptr_array_index (def->disks, i);
      const char *end;
      int idx = disk_name_index (d->target_dev, &end);

      if (idx < 0)
        return vmdev_domain_invalid (error, "<disk>: <target dev='%s'>: not a disk name (vda, sda, hda, ...)",
                     d->target_dev);
      if (d->target_bus == NULL)
        {
          if (g_str_has_prefix (d->target_dev, "vd"))
            d->target_bus = g_strdup ("virtio");
          else if (g_str_has_prefix (d->target_dev, "hd"))
            d->target_bus = g_strdup ("ide");
          else
            return vmdev_domain_invalid (error, "<disk>: <target dev='%s'>: its default bus, scsi, is not "
                         "supported; give bus='sata'", d->target_dev);
        }
      set_default (&d->driver_name, "qemu");
      set_default (&d->driver_type, "raw");
      if (strcmp (d->target_bus, "ide") == 0 && q35)
        return vmdev_domain_invalid (error, "<disk>: <target dev='%s' bus='ide'>: the q35 machine has no IDE "
                     "controller; use bus='sata'", d->target_dev);
      if (strcmp (d->target_bus, "virtio") == 0)
        {
          VmdevAddressType want = s390 ? VMDEV_ADDR_CCW : VMDEV_ADDR_PCI;

          if (d->info.addr.type != VMDEV_ADDR_NONE && d->info.addr.type != want)
            return vmdev_domain_invalid (error, "<disk>: <target dev='%s' bus='virtio'>: a virtio disk needs a "
                         "%s address", d->target_dev, s390 ? "ccw" : "PCI");
          continue;
        }
      if (s390)
        return vmdev_domain_invalid (error, "<disk>: <target dev='%s' bus='%s'>: an s390 guest has only virtio "
                     "disks", d->target_dev, d->target_bus);
      if (d->info.addr.type == VMDEV_ADDR_PCI)
        return vmdev_domain_invalid (error, "<disk>: <target dev='%s' bus='%s'>: a %s disk needs a drive "
                     "address, not a PCI one", d->target_dev, d->target_bus, d->target_bus);
      if (d->info.addr.type == VMDEV_ADDR_NONE)
        {
          d->info.addr.type = VMDEV_ADDR_DRIVE;
          if (strcmp (d->target_bus, "sata") == 0)
            {
              d->info.addr.controller = idx / 6;
              d->info.addr.unit = idx % 6;
            }
          else
            {
              d->info.addr.controller = idx / 4;
              d->info.addr.drive_bus = (idx % 4) / 2;
              d->info.addr.unit = idx % 2;
            }
        }
    }
  return TRUE;
}

static void
implicit_disk_controllers (VmdevDomain *def)
{
  for (guint i = 0; i < def->disks->len; i++)
    {
      VmdevDisk *d = g_ptr_array_index (def->disks, i);

      if (d->info.addr.type == VMDEV_ADDR_DRIVE && strcmp (d->target_bus, "virtio") != 0)
        for (guint c = 0; c <= d->info.addr.controller; c++)
          maybe_add_controller (def, d->target_bus, (int) c, NULL);
    }
}

static gboolean
chr_defaults (VmdevDomain *def, GError **error)
{
  if (def->consoles->len > 0 && def->serials->len == 0)
    {
      VmdevChr *con = g_ptr_array_index (def->consoles, 0);
      VmdevChr *s = vmdev_chr_new (VMDEV_CHR_SERIAL);

      s->type = g_strdup (con->type);
      s->source_path = g_strdup (con->source_path);
      s->source_mode = g_strdup (con->source_mode);
      g_ptr_array_add (def->serials, s);
    }
  for (guint i = 0; i < def->serials->len; i++)
    {
      VmdevChr *s = g_ptr_array_index (def->serials, i);

      set_default (&s->target_type, "isa-serial");
      if (s->target_port < 0)
        s->target_port = (int) i;
      set_default (&s->target_model, "isa-serial");
      for (guint j = 0; j < i; j++)
        if (((VmdevChr *) g_ptr_array_index (def->serials, j))->target_port == s->target_port)
          return vmdev_domain_invalid (error, "<serial>: port %d is used twice", s->target_port);
      if (strcmp (s->type, "unix") == 0)
        set_default (&s->source_mode, "connect");
    }
  /* As libvirt: the first serial port is also the console. */
  if (def->serials->len > 0 && def->consoles->len == 0)
    {
      VmdevChr *s = g_ptr_array_index (def->serials, 0);
      VmdevChr *c = vmdev_chr_new (VMDEV_CHR_CONSOLE);

      c->type = g_strdup (s->type);
      c->source_path = g_strdup (s->source_path);
      c->source_mode = g_strdup (s->source_mode);
      g_ptr_array_add (def->consoles, c);
    }
  for (guint i = 0; i < def->consoles->len; i++)
    {
      VmdevChr *c = g_ptr_array_index (def->consoles, i);
      VmdevChr *s = g_ptr_array_index (def->serials, 0);

      if (i > 0)
        return vmdev_domain_invalid (error, "<console>: only one console (the first serial port) is supported");
      set_default (&c->target_type, "serial");
      if (c->target_port < 0)
        c->target_port = 0;
      if (c->target_port != s->target_port)
        return vmdev_domain_invalid (error, "<console>: <target port='%d'>: the console is the first serial "
                     "port (port %d)", c->target_port, s->target_port);
      if (strcmp (s->type, "unix") == 0)
        set_default (&c->source_mode, "connect");
      /* libvirt silently replaces the console's source with the serial's. */
      if (strcmp (c->type, s->type) != 0 || g_strcmp0 (c->source_path, s->source_path) != 0 ||
          g_strcmp0 (c->source_mode, s->source_mode) != 0)
        return vmdev_domain_invalid (error, "<console type='%s'>: the console is the first serial port, which "
                     "is <serial type='%s'>; give both the same type and source", c->type,
                     s->type);
    }
  return TRUE;
}

static gboolean
has_input (const VmdevDomain *def, const char *type, const char *bus)
{
  for (guint i = 0; i < def->inputs->len; i++)
    {
      VmdevInput *in = g_ptr_array_index (def->inputs, i);

      if (strcmp (in->type, type) == 0 && strcmp (in->bus, bus) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
graphics_defaults (VmdevDomain *def)
{
  for (guint i = 0; i < def->graphics->len; i++)
    {
      VmdevGraphics *g = g_ptr_array_index (def->graphics, i);
      gboolean vnc = strcmp (g->type, "vnc") == 0;

      /* spice with OpenGL and no listen: local only, libvirt drops the port. */
      if (!vnc && g->gl == VMDEV_TRI_YES && g->listen_type == NULL && g->listen == NULL)
        {
          g->port = -2;
          g->autoport = VMDEV_TRI_ABSENT;
          g->listen_type = g_strdup ("none");
          continue;
        }
      if (vnc && g->port == -2 && g->autoport == VMDEV_TRI_ABSENT)
        g->port = -1;
      if (g->port == -1 && g->autoport == VMDEV_TRI_ABSENT)
        g->autoport = VMDEV_TRI_YES;
      if (g->port >= 0 && g->autoport == VMDEV_TRI_ABSENT)
        g->autoport = VMDEV_TRI_NO;
      if (g->autoport == VMDEV_TRI_YES && vnc)
        g->port = -1;
      if (g->listen_type == NULL)
        {
          if (g->listen != NULL)
            {
              g->listen_type = g_strdup ("address");
              g->listen_address = g_strdup (g->listen);
            }
          else if (vnc || g->port != -2 || g->autoport != VMDEV_TRI_ABSENT)
            g->listen_type = g_strdup ("address");
          else
            g->listen_type = g_strdup ("none");
        }
      else if (g->listen == NULL && g->listen_address != NULL)
        g->listen = g_strdup (g->listen_address);
      /* No listener: libvirt drops the port settings. */
      if (strcmp (g->listen_type, "none") == 0)
        {
          g->port = -2;
          g->autoport = VMDEV_TRI_ABSENT;
        }
    }
}

static void
video_defaults (VmdevDomain *def, gboolean s390)
{
  if (def->videos->len == 0 && def->graphics->len > 0)
    g_ptr_array_add (def->videos, vmdev_video_new (s390 ? "virtio" : "cirrus"));
  for (guint i = 0; i < def->videos->len; i++)
    {
      VmdevVideo *v = g_ptr_array_index (def->videos, i);

      if (strcmp (v->model, "none") == 0)
        continue;
      if (strcmp (v->model, "qxl") == 0)
        {
          if (v->ram < 0)
            v->ram = 65536;
          if (v->vram < 0)
            v->vram = 65536;
          if (v->vgamem < 0)
            v->vgamem = 16384;
        }
      else if ((strcmp (v->model, "cirrus") == 0 || strcmp (v->model, "vga") == 0) && v->vram < 0)
        v->vram = 16384;
      if (v->heads < 0)
        v->heads = 1;
      if (i == 0 && v->primary == VMDEV_TRI_ABSENT)
        v->primary = VMDEV_TRI_YES;
    }
}

static gboolean
usb_addresses (VmdevDomain *def, GError **error)
{
  VmdevController *usb = vmdev_domain_find_controller (def, "usb", 0);
  guint next = 1, ports;

  if (usb == NULL || usb->model == NULL)
    return TRUE;
  ports = strcmp (usb->model, "piix3-uhci") == 0 ? 2 : strcmp (usb->model, "nec-xhci") == 0 ? 4 : 15;
  for (guint i = 0; i < def->inputs->len; i++)
    {
      VmdevInput *in = g_ptr_array_index (def->inputs, i);

      if (strcmp (in->bus, "usb") != 0)
        continue;
      if (strcmp (usb->model, "none") == 0)
        return vmdev_domain_invalid (error, "<input type='%s' bus='usb'>: the domain has no USB controller "
                     "(model='none')", in->type);
      if (in->info.addr.type != VMDEV_ADDR_NONE)
        continue;
      /* Skip ports given explicitly. */
      for (;;)
        {
          gboolean taken = FALSE;
          g_autofree char *port = g_strdup_printf ("%u", next);

          for (guint j = 0; j < def->inputs->len; j++)
            {
              VmdevInput *o = g_ptr_array_index (def->inputs, j);

              if (o->info.addr.type == VMDEV_ADDR_USB && g_strcmp0 (o->info.addr.usb_port, port) == 0)
                taken = TRUE;
            }
          if (!taken)
            break;
          next++;
        }
      if (next > ports)
        return vmdev_domain_invalid (error, "<input type='%s' bus='usb'>: no free port on the USB controller "
                     "(%s has %u)", in->type, usb->model, ports);
      in->info.addr.type = VMDEV_ADDR_USB;
      in->info.addr.usb_bus = 0;
      in->info.addr.usb_port = g_strdup_printf ("%u", next++);
    }
  return TRUE;
}

gboolean
vmdev_domain_post_parse (VmdevDomain *def, const VmdevMachineList *machines, GError **error)
{
  gboolean q35, s390;

  if (def->uuid[0] == '\0')
    vmdev_uuid_generate (def->uuid);
  set_default (&def->os_arch, "x86_64");
  if (!machine_defaults (def, machines, error))
    return FALSE;
  q35 = vmdev_machine_is_q35 (def->os_machine);
  s390 = vmdev_machine_is_s390 (def->os_machine);
  if (def->os_boot->len == 0 && !any_device_boot (def))
    g_ptr_array_add (def->os_boot, g_strdup ("hd"));
  if (def->current_memory_kib == 0)
    def->current_memory_kib = def->memory_kib;
  else if (def->current_memory_kib > def->memory_kib)
    return vmdev_domain_invalid (error, "<currentMemory>: %" G_GUINT64_FORMAT " KiB is more than <memory> (%"
                 G_GUINT64_FORMAT " KiB)", def->current_memory_kib, def->memory_kib);
  if (def->vcpus == 0)
    def->vcpus = 1;
  set_default (&def->vcpu_placement, "static");

  /* cpu */
  if (!def->has_cpu)
    {
      def->has_cpu = TRUE;
      def->cpu_mode = g_strdup ("custom");
      def->cpu_match = g_strdup ("exact");
      def->cpu_check = g_strdup ("none");
      def->cpu_model = g_strdup (s390 ? "qemu" : "qemu64");
      def->cpu_model_fallback = g_strdup ("forbid");
    }
  else
    {
      set_default (&def->cpu_mode, def->cpu_model != NULL ? "custom" : "host-model");
      if (strcmp (def->cpu_mode, "custom") == 0)
        {
          if (def->cpu_model == NULL)
            return vmdev_domain_invalid (error, "<cpu mode='custom'>: missing <model> (the CPU model)");
          set_default (&def->cpu_match, "exact");
          set_default (&def->cpu_check, "partial");
          set_default (&def->cpu_model_fallback, "allow");
        }
      else
        {
          if (def->cpu_match != NULL)
            return vmdev_domain_invalid (error, "<cpu mode='%s'>: attribute 'match' is only for mode='custom'",
                         def->cpu_mode);
          if (strcmp (def->cpu_mode, "host-model") == 0)
            set_default (&def->cpu_check, "partial");
          else
            {
              set_default (&def->cpu_check, "none");
              if (strcmp (def->cpu_mode, "host-passthrough") == 0 &&
                  def->cpu_migratable == VMDEV_TRI_ABSENT)
                def->cpu_migratable = VMDEV_TRI_YES;
            }
        }
      if (def->cpu_migratable != VMDEV_TRI_ABSENT && strcmp (def->cpu_mode, "host-passthrough") != 0 &&
          strcmp (def->cpu_mode, "maximum") != 0)
        return vmdev_domain_invalid (error, "<cpu mode='%s'>: attribute 'migratable' is only for "
                     "host-passthrough and maximum", def->cpu_mode);
    }
  set_default (&def->clock_offset, "utc");
  set_default (&def->on_poweroff, "destroy");
  set_default (&def->on_reboot, "restart");
  set_default (&def->on_crash, "destroy");
  set_default (&def->emulator, vmdev_domain_emulator (def));
  if (strcmp (def->on_reboot, "destroy") == 0 && strcmp (def->on_poweroff, "restart") == 0)
    return vmdev_domain_invalid (error, "<on_reboot>destroy</on_reboot> with <on_poweroff>restart</on_poweroff>: "
                 "QEMU cannot restart a guest that powers off but not one that reboots");

  /* Controllers without index: the lowest free one of their type, and then
   * the place of that index among the controllers of the type (as the parser
   * orders indexed ones), so that the formatted order reparses unchanged. */
  for (guint i = 0; i < def->controllers->len;)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);
      int n = 0;

      if (c->index >= 0)
        {
          i++;
          continue;
        }
      g_ptr_array_steal_index (def->controllers, i);
      while (vmdev_domain_find_controller (def, c->type, n) != NULL)
        n++;
      c->index = n;
      vmdev_domain_insert_controller (def, c);
      /* Anything left unindexed now sits at i or later: look at i again. */
    }

  /* Default devices, in libvirt's order. */
  if (s390)
    {
      /* pci-root, and pci-bridges (which libvirt also adds for a PCI address
       * on a bus that does not exist, see vmdev-pci-address.c). */
      for (guint i = 0; i < def->controllers->len; i++)
        {
          VmdevController *c = g_ptr_array_index (def->controllers, i);

          if (strcmp (c->type, "pci") != 0 ||
              strcmp (c->model, c->index == 0 ? "pci-root" : "pci-bridge") != 0)
            return vmdev_domain_invalid (error, "<controller type='%s' index='%d'%s%s%s>: an s390 guest has "
                         "only PCI controllers: model 'pci-root' (index 0) and 'pci-bridge'",
                         c->type, c->index, c->model ? " model='" : "",
                         c->model ? c->model : "", c->model ? "'" : "");
        }
      maybe_add_controller (def, "pci", 0, "pci-root");
      if (def->serials->len > 0 || def->consoles->len > 0)
        return vmdev_domain_invalid (error, "<%s>: serial devices and consoles of s390 guests (sclp) are not "
                     "supported", def->serials->len > 0 ? "serial" : "console");
      if (def->inputs->len > 0)
        return vmdev_domain_invalid (error, "<input type='%s'>: an s390 guest has no input devices",
                     ((VmdevInput *) g_ptr_array_index (def->inputs, 0))->type);
    }
  else
  {
    for (guint i = 0; i < def->controllers->len; i++)
      {
        VmdevController *c = g_ptr_array_index (def->controllers, i);

        if (strcmp (c->type, "usb") == 0 && c->model == NULL)
          c->model = g_strdup (q35 ? "qemu-xhci" : "piix3-uhci");
      }
    if (vmdev_domain_find_controller (def, "usb", 0) == NULL)
      maybe_add_controller (def, "usb", 0, q35 ? "qemu-xhci" : "piix3-uhci");
    if (q35)
      maybe_add_controller (def, "sata", 0, NULL);
    {
      VmdevController *root = maybe_add_controller (def, "pci", 0, q35 ? "pcie-root" : "pci-root");

      if (strcmp (root->model, q35 ? "pcie-root" : "pci-root") != 0)
        return vmdev_domain_invalid (error, "<controller type='pci' index='0' model='%s'>: the %s machine's "
                     "root bus is %s", root->model, def->os_machine, q35 ? "pcie-root" : "pci-root");
    }
  }
  if (!disk_defaults (def, q35, s390, error))
    return FALSE;
  implicit_disk_controllers (def);
  for (guint i = 0; i < def->interfaces->len; i++)
    {
      VmdevInterface *n = g_ptr_array_index (def->interfaces, i);

      if (n->mac == NULL)
        n->mac = g_strdup_printf ("52:54:00:%02x:%02x:%02x", g_random_int_range (0, 256),
                                  g_random_int_range (0, 256), g_random_int_range (0, 256));
      set_default (&n->model, s390 ? "virtio" : "rtl8139");
    }
  if (!s390 && !chr_defaults (def, error))
    return FALSE;
  for (guint i = 0; i < def->inputs->len; i++)
    {
      VmdevInput *in = g_ptr_array_index (def->inputs, i);

      set_default (&in->bus, strcmp (in->type, "tablet") == 0 ? "usb" : "ps2");
      if (strcmp (in->type, "tablet") == 0 && strcmp (in->bus, "ps2") == 0)
        return vmdev_domain_invalid (error, "<input type='tablet' bus='ps2'>: a tablet is a USB device");
    }
  if (!s390 && !has_input (def, "mouse", "ps2"))
    g_ptr_array_add (def->inputs, vmdev_input_new ("mouse", "ps2"));
  if (!s390 && !has_input (def, "keyboard", "ps2"))
    g_ptr_array_add (def->inputs, vmdev_input_new ("keyboard", "ps2"));
  graphics_defaults (def);
  if (def->audios->len == 0)
    {
      /* As libvirt: the last graphics device decides (spice: spice, else none). */
      gboolean spice = def->graphics->len > 0 &&
        strcmp (((VmdevGraphics *) g_ptr_array_index (def->graphics,
                                                      def->graphics->len - 1))->type,
                "spice") == 0;

      g_ptr_array_add (def->audios, vmdev_audio_new (1, spice ? "spice" : "none"));
    }
  video_defaults (def, s390);
  if (def->memballoon == NULL)
    def->memballoon = vmdev_memballoon_new ("virtio");
  if (s390)
    set_default (&def->panic_model, "s390");
  else if (def->panic_model != NULL)
    return vmdev_domain_invalid (error, "<panic model='%s'>: only for s390 guests", def->panic_model);
  for (guint i = 0; i < def->hostdevs->len; i++)
    vmdev_hostdev_set_defaults (g_ptr_array_index (def->hostdevs, i));

  if (!vmdev_domain_validate (def, error))
    return FALSE;
  if (s390)
    return vmdev_pci_address_assign (def, error) && vmdev_ccw_address_assign (def, error);
  return vmdev_pci_address_assign (def, error) && usb_addresses (def, error);
}

gboolean
vmdev_domain_add_hostdev (VmdevDomain *def, VmdevHostdev *hostdev, GError **error)
{
  vmdev_hostdev_set_defaults (hostdev);
  g_ptr_array_add (def->hostdevs, hostdev);
  if (!vmdev_domain_validate (def, error) || !vmdev_pci_address_assign (def, error) ||
      (vmdev_machine_is_s390 (def->os_machine) && !vmdev_ccw_address_assign (def, error)))
    {
      g_ptr_array_steal_index (def->hostdevs, def->hostdevs->len - 1);
      return FALSE;
    }
  return TRUE;
}
