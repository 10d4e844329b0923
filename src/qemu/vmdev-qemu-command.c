/* vmdev-qemu-command.c: domain definition -> QEMU argv (see vmdev-qemu-command.h).
 *
 * The order of the options and of the keys in each JSON object is libvirt
 * 9.0's (qemuBuildCommandLine), checked against `virsh domxml-to-native
 * qemu-argv` for the cases of tests/data/xml2argv. */
#include "qemu/vmdev-qemu-command.h"

#include "conf/vmdev-ccw-address.h"
#include "conf/vmdev-hostdev.h"
#include "qemu/vmdev-qemu-props.h"
#include "util/vmdev-error.h"

#include <string.h>

typedef struct
{
  const VmdevDomain *def;
  const VmdevQemuArgvOptions *opts;
  GPtrArray *argv;
  gboolean q35, s390;
} Builder;

void
vmdev_qemu_argv_options_init (VmdevQemuArgvOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->monitor_fd = -1;
  opts->command_fd = -1;
}

static void
arg (Builder *b, const char *s)
{
  g_ptr_array_add (b->argv, g_strdup (s));
}

static void
arg_take (Builder *b, char *s)
{
  g_ptr_array_add (b->argv, s);
}

static void
opt (Builder *b, const char *option, const char *value)
{
  arg (b, option);
  arg (b, value);
}

static void
opt_take (Builder *b, const char *option, char *value)
{
  arg (b, option);
  arg_take (b, value);
}

static void
device (Builder *b, VmdevQemuProps *props)
{
  opt_take (b, "-device", vmdev_qemu_props_finish (props));
}

/* ---- guest addresses ---- */

/* The id of a device: its user alias, else @dflt. */
static const char *
alias_or (const VmdevDeviceInfo *info, const char *dflt)
{
  return info->alias != NULL ? info->alias : dflt;
}

static char *
pci_bus_name (const VmdevDomain *def, guint bus)
{
  const VmdevController *c = vmdev_domain_find_controller (def, "pci", (int) bus);

  if (c != NULL && c->info.alias != NULL)
    return g_strdup (c->info.alias);
  if (bus == 0)
    return g_strdup (vmdev_machine_is_q35 (def->os_machine) ? "pcie.0" : "pci.0");
  return g_strdup_printf ("pci.%u", bus);
}

/* bus, multifunction and addr (PCI) or devno (CCW), then acpi-index. */
static void
add_address (const VmdevDomain *def, VmdevQemuProps *p, const VmdevDeviceInfo *info)
{
  const VmdevAddress *a = &info->addr;

  if (a->type == VMDEV_ADDR_PCI)
    {
      g_autofree char *bus = pci_bus_name (def, a->bus);
      g_autofree char *addr = a->function != 0
                                ? g_strdup_printf ("0x%x.0x%x", a->slot, a->function)
                                : g_strdup_printf ("0x%x", a->slot);

      vmdev_qemu_props_add_str (p, "bus", bus);
      if (a->multifunction != VMDEV_TRI_ABSENT)
        vmdev_qemu_props_add_bool (p, "multifunction", a->multifunction == VMDEV_TRI_YES);
      vmdev_qemu_props_add_str (p, "addr", addr);
    }
  else if (a->type == VMDEV_ADDR_CCW)
    {
      g_autofree char *devno = vmdev_ccw_address_to_string (a);

      vmdev_qemu_props_add_str (p, "devno", devno);
    }
  if (info->acpi_index >= 0)
    vmdev_qemu_props_add_int (p, "acpi-index", info->acpi_index);
}

static const char *
ccw_or_pci (const VmdevDeviceInfo *info, const char *pci, const char *ccw)
{
  return info->addr.type == VMDEV_ADDR_CCW ? ccw : pci;
}

/* ---- boot order: libvirt's qemuProcessPrepareDeviceBootorder ---- */

typedef struct
{
  int *disks;   /* bootindex per disk, 0: none */
  int net;      /* of the first interface */
} BootOrder;

static void
boot_order_compute (const VmdevDomain *def, BootOrder *bo)
{
  int cd = 0, hd = 0;

  bo->disks = g_new0 (int, def->disks->len + 1);
  bo->net = 0;
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VmdevDisk *d = g_ptr_array_index (def->disks, i);

      if (d->info.boot_order > 0)
        bo->disks[i] = d->info.boot_order;
    }
  if (def->interfaces->len > 0)
    {
      const VmdevInterface *n = g_ptr_array_index (def->interfaces, 0);

      if (n->info.boot_order > 0)
        bo->net = n->info.boot_order;
    }
  if (def->os_boot->len == 0)
    return;
  for (guint i = 0; i < def->os_boot->len; i++)
    {
      const char *dev = g_ptr_array_index (def->os_boot, i);

      if (strcmp (dev, "cdrom") == 0)
        cd = i + 1;
      else if (strcmp (dev, "hd") == 0)
        hd = i + 1;
      else if (strcmp (dev, "network") == 0)
        bo->net = i + 1;
    }
  for (guint i = 0; i < def->disks->len; i++)
    {
      const VmdevDisk *d = g_ptr_array_index (def->disks, i);

      if (g_strcmp0 (d->device, "cdrom") == 0)
        {
          bo->disks[i] = cd;
          cd = 0;
        }
      else
        {
          bo->disks[i] = hd;
          hd = 0;
        }
    }
}

/* ---- machine, cpu, memory ---- */

static gboolean
build_machine (Builder *b, GError **error)
{
  const VmdevDomain *def = b->def;
  const char *ram_id = b->s390 ? "s390.ram" : "pc.ram";
  guint64 mib = (def->memory_kib + 1023) / 1024;
  g_autoptr(GString) name = g_string_new ("guest=");
  VmdevQemuProps p;

  vmdev_qemu_opts_escape (name, def->name);
  g_string_append (name, ",debug-threads=on");
  opt_take (b, "-name", g_string_free (g_steal_pointer (&name), FALSE));
  arg (b, "-S");
  opt_take (b, "-machine", g_strdup_printf ("%s,usb=off,dump-guest-core=off,memory-backend=%s",
                                            def->os_machine, ram_id));
  opt (b, "-accel", g_strcmp0 (def->type, "kvm") == 0 ? "kvm" : "tcg");

  if (g_strcmp0 (def->cpu_mode, "host-passthrough") == 0)
    opt_take (b, "-cpu", g_strdup_printf ("host,migratable=%s",
                                          def->cpu_migratable == VMDEV_TRI_NO ? "off" : "on"));
  else if (g_strcmp0 (def->cpu_mode, "maximum") == 0)
    {
      if (def->cpu_migratable == VMDEV_TRI_ABSENT)
        opt (b, "-cpu", "max");
      else
        opt_take (b, "-cpu", g_strdup_printf ("max,migratable=%s",
                                              def->cpu_migratable == VMDEV_TRI_NO ? "off" : "on"));
    }
  else if (g_strcmp0 (def->cpu_mode, "custom") == 0 && def->cpu_model != NULL)
    {
      g_autoptr(GString) cpu = g_string_new (NULL);

      vmdev_qemu_opts_escape (cpu, def->cpu_model);
      opt_take (b, "-cpu", g_string_free (g_steal_pointer (&cpu), FALSE));
    }
  else
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "<cpu mode='%s'>: libvirt expands this mode from the host's CPU, which the "
                   "command line builder does not probe; use mode='host-passthrough', "
                   "'maximum' or a named model",
                   def->cpu_mode != NULL ? def->cpu_mode : "");
      return FALSE;
    }

  opt_take (b, "-m", g_strdup_printf ("%" G_GUINT64_FORMAT, mib));
  vmdev_qemu_props_init (&p);
  vmdev_qemu_props_add_str (&p, "qom-type", "memory-backend-ram");
  vmdev_qemu_props_add_str (&p, "id", ram_id);
  vmdev_qemu_props_add_int (&p, "size", (gint64) (mib * 1024 * 1024));
  opt_take (b, "-object", vmdev_qemu_props_finish (&p));
  opt (b, "-overcommit", "mem-lock=off");
  {
    guint cur = def->vcpu_current >= 0 ? (guint) def->vcpu_current : def->vcpus;

    if (cur != def->vcpus)
      opt_take (b, "-smp", g_strdup_printf ("%u,maxcpus=%u,sockets=%u,cores=1,threads=1",
                                            cur, def->vcpus, def->vcpus));
    else
      opt_take (b, "-smp", g_strdup_printf ("%u,sockets=%u,cores=1,threads=1", cur,
                                            def->vcpus));
  }
  opt (b, "-uuid", def->uuid);
  if (def->graphics->len == 0)
    opt (b, "-display", "none");
  arg (b, "-no-user-config");
  arg (b, "-nodefaults");
  return TRUE;
}

/* -chardev socket,id=char<ID>,(fd=N|path=P),server=on,wait=off -mon ... */
static void
build_qmp (Builder *b, const char *id, int fd, const char *file)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_append_printf (s, "socket,id=char%s,", id);
  if (fd >= 0)
    g_string_append_printf (s, "fd=%d", fd);
  else
    {
      g_autofree char *path = g_build_filename (b->opts->run_dir != NULL ? b->opts->run_dir : "",
                                                file, NULL);

      g_string_append (s, "path=");
      vmdev_qemu_opts_escape (s, path);
    }
  g_string_append (s, ",server=on,wait=off");
  opt_take (b, "-chardev", g_string_free (g_steal_pointer (&s), FALSE));
  opt_take (b, "-mon", g_strdup_printf ("chardev=char%s,id=%s,mode=control", id, id));
}

static void
build_boot (Builder *b)
{
  const VmdevDomain *def = b->def;

  opt_take (b, "-rtc", g_strdup_printf ("base=%s", def->clock_offset != NULL ? def->clock_offset
                                                                              : "utc"));
  arg (b, "-no-shutdown");
  if (!b->s390 && !def->feature_acpi)
    arg (b, "-no-acpi");
  opt (b, "-boot", "strict=on");
  if (def->os_kernel != NULL)
    opt (b, "-kernel", def->os_kernel);
  if (def->os_initrd != NULL)
    opt (b, "-initrd", def->os_initrd);
  if (def->os_cmdline != NULL)
    opt (b, "-append", def->os_cmdline);
}

/* ---- controllers ---- */

static const char *
usb_driver (const char *model)
{
  if (g_strcmp0 (model, "piix3-uhci") == 0)
    return "piix3-usb-uhci";
  if (g_strcmp0 (model, "nec-xhci") == 0)
    return "nec-usb-xhci";
  if (g_strcmp0 (model, "qemu-xhci") == 0)
    return "qemu-xhci";
  return NULL;
}

static char *
usb_alias (const VmdevDomain *def, int index)
{
  const VmdevController *c = vmdev_domain_find_controller (def, "usb", index);

  if (c != NULL && c->info.alias != NULL)
    return g_strdup (c->info.alias);
  return index == 0 ? g_strdup ("usb") : g_strdup_printf ("usb%d", index);
}

static gboolean
build_controllers (Builder *b, GError **error)
{
  static const char *const order[] = { "pci", "usb", "sata", "ide" };
  const VmdevDomain *def = b->def;

  for (guint t = 0; t < G_N_ELEMENTS (order); t++)
    for (guint i = 0; i < def->controllers->len; i++)
      {
        const VmdevController *c = g_ptr_array_index (def->controllers, i);
        VmdevQemuProps p;

        if (strcmp (c->type, order[t]) != 0)
          continue;
        if (strcmp (c->type, "pci") == 0)
          {
            g_autofree char *id = g_strdup_printf ("pci.%d", c->index);
            const char *model = c->model != NULL ? c->model : "";

            if (strcmp (model, "pci-root") == 0 || strcmp (model, "pcie-root") == 0)
              continue;
            vmdev_qemu_props_init (&p);
            if (strcmp (model, "pci-bridge") == 0)
              {
                vmdev_qemu_props_add_str (&p, "driver", "pci-bridge");
                vmdev_qemu_props_add_int (&p, "chassis_nr", c->chassis_nr >= 0 ? c->chassis_nr
                                                                              : c->index);
              }
            else if (strcmp (model, "pcie-root-port") == 0)
              {
                vmdev_qemu_props_add_str (&p, "driver", c->model_name != NULL ? c->model_name
                                                                               : "pcie-root-port");
                vmdev_qemu_props_add_int (&p, "port", c->port >= 0 ? c->port : 0);
                vmdev_qemu_props_add_int (&p, "chassis", c->chassis >= 0 ? c->chassis
                                                                          : c->index);
              }
            else if (strcmp (model, "pcie-to-pci-bridge") == 0)
              vmdev_qemu_props_add_str (&p, "driver", "pcie-pci-bridge");
            else
              {
                g_free (vmdev_qemu_props_finish (&p));
                g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                             "<controller type='pci' model='%s'>: not supported on the QEMU "
                             "command line", model);
                return FALSE;
              }
            vmdev_qemu_props_add_str (&p, "id", alias_or (&c->info, id));
            add_address (def, &p, &c->info);
            device (b, &p);
          }
        else if (strcmp (c->type, "usb") == 0)
          {
            g_autofree char *id = usb_alias (def, c->index);
            const char *drv = usb_driver (c->model);

            if (g_strcmp0 (c->model, "none") == 0)
              continue;
            if (drv == NULL)
              {
                g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                             "<controller type='usb' model='%s'>: not supported on the QEMU "
                             "command line", c->model != NULL ? c->model : "");
                return FALSE;
              }
            vmdev_qemu_props_init (&p);
            vmdev_qemu_props_add_str (&p, "driver", drv);
            vmdev_qemu_props_add_str (&p, "id", id);
            add_address (def, &p, &c->info);
            device (b, &p);
          }
        else if (strcmp (c->type, "sata") == 0)
          {
            g_autofree char *id = g_strdup_printf ("sata%d", c->index);

            /* q35's own AHCI (00:1f.2) is part of the machine. */
            if (b->q35 && c->index == 0)
              continue;
            vmdev_qemu_props_init (&p);
            vmdev_qemu_props_add_str (&p, "driver", "ahci");
            vmdev_qemu_props_add_str (&p, "id", alias_or (&c->info, id));
            add_address (def, &p, &c->info);
            device (b, &p);
          }
        /* ide: the PIIX3 IDE of pc machines is built in. */
      }
  return TRUE;
}

/* ---- disks ---- */

/* vda -> 0, vdz -> 25, vdaa -> 26, as virDiskNameToIndex. */
static int
disk_name_index (const char *name)
{
  static const char *const prefixes[] = { "vd", "sd", "hd", NULL };
  const char *p = NULL;
  int idx = 0;

  for (guint i = 0; prefixes[i] != NULL && p == NULL; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      p = name + 2;
  if (p == NULL || *p == '\0')
    return 0;
  for (; *p >= 'a' && *p <= 'z'; p++)
    idx = (idx + (p == name + 2 ? 0 : 1)) * 26 + (*p - 'a');
  return idx;
}

static gboolean
build_disks (Builder *b, const BootOrder *bo, GError **error)
{
  const VmdevDomain *def = b->def;
  guint n = def->disks->len;

  for (guint i = 0; i < n; i++)
    {
      const VmdevDisk *d = g_ptr_array_index (def->disks, i);
      gboolean cdrom = g_strcmp0 (d->device, "cdrom") == 0;
      g_autofree char *storage = g_strdup_printf ("libvirt-%u-storage", n - i);
      g_autofree char *format = g_strdup_printf ("libvirt-%u-format", n - i);
      g_autofree char *id = NULL;
      const VmdevAddress *a = &d->info.addr;
      VmdevQemuProps p;

      if (d->source != NULL)
        {
          vmdev_qemu_props_init (&p);
          vmdev_qemu_props_add_str (&p, "driver", d->type == VMDEV_DISK_BLOCK ? "host_device"
                                                                              : "file");
          vmdev_qemu_props_add_str (&p, "filename", d->source);
          vmdev_qemu_props_add_str (&p, "node-name", storage);
          vmdev_qemu_props_add_bool (&p, "auto-read-only", TRUE);
          vmdev_qemu_props_add_str (&p, "discard", "unmap");
          opt_take (b, "-blockdev", vmdev_qemu_props_finish (&p));
          vmdev_qemu_props_init (&p);
          vmdev_qemu_props_add_str (&p, "node-name", format);
          vmdev_qemu_props_add_bool (&p, "read-only", d->readonly || cdrom);
          vmdev_qemu_props_add_str (&p, "driver", d->driver_type != NULL ? d->driver_type
                                                                         : "raw");
          vmdev_qemu_props_add_str (&p, "file", storage);
          opt_take (b, "-blockdev", vmdev_qemu_props_finish (&p));
        }

      vmdev_qemu_props_init (&p);
      if (g_strcmp0 (d->target_bus, "virtio") == 0)
        {
          id = g_strdup_printf ("virtio-disk%d", disk_name_index (d->target_dev));
          vmdev_qemu_props_add_str (&p, "driver", ccw_or_pci (&d->info, "virtio-blk-pci",
                                                               "virtio-blk-ccw"));
          add_address (def, &p, &d->info);
        }
      else if (g_strcmp0 (d->target_bus, "ide") == 0 || g_strcmp0 (d->target_bus, "sata") == 0)
        {
          gboolean ide = strcmp (d->target_bus, "ide") == 0;
          g_autofree char *bus = NULL;

          id = g_strdup_printf ("%s%u-%u-%u", d->target_bus, a->controller, a->drive_bus,
                                a->unit);
          if (ide)
            bus = g_strdup_printf ("ide.%u", a->drive_bus);
          else if (b->q35 && a->controller == 0)
            bus = g_strdup_printf ("ide.%u", a->unit);
          else
            {
              const VmdevController *c = vmdev_domain_find_controller (def, "sata",
                                                                       (int) a->controller);
              g_autofree char *dflt = g_strdup_printf ("sata%u", a->controller);

              bus = g_strdup_printf ("%s.%u", c != NULL ? alias_or (&c->info, dflt) : dflt,
                                     a->unit);
            }
          vmdev_qemu_props_add_str (&p, "driver", cdrom ? "ide-cd" : "ide-hd");
          vmdev_qemu_props_add_str (&p, "bus", bus);
          if (ide)
            vmdev_qemu_props_add_int (&p, "unit", a->unit);
        }
      else
        {
          g_free (vmdev_qemu_props_finish (&p));
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                       "<disk>: <target dev='%s' bus='%s'>: not supported on the QEMU command "
                       "line", d->target_dev, d->target_bus != NULL ? d->target_bus : "");
          return FALSE;
        }
      if (d->source != NULL)
        vmdev_qemu_props_add_str (&p, "drive", format);
      vmdev_qemu_props_add_str (&p, "id", alias_or (&d->info, id));
      if (bo->disks[i] > 0)
        vmdev_qemu_props_add_int (&p, "bootindex", bo->disks[i]);
      device (b, &p);
    }
  return TRUE;
}

/* ---- network (type user) ---- */

static void
build_interfaces (Builder *b, const BootOrder *bo)
{
  const VmdevDomain *def = b->def;

  for (guint i = 0; i < def->interfaces->len; i++)
    {
      const VmdevInterface *n = g_ptr_array_index (def->interfaces, i);
      g_autofree char *dflt = g_strdup_printf ("net%u", i);
      const char *id = alias_or (&n->info, dflt);
      g_autofree char *netdev = g_strdup_printf ("host%s", id);
      const char *model = n->model != NULL ? n->model : "rtl8139";
      VmdevQemuProps p;

      vmdev_qemu_props_init (&p);
      vmdev_qemu_props_add_str (&p, "type", "user");
      vmdev_qemu_props_add_str (&p, "id", netdev);
      opt_take (b, "-netdev", vmdev_qemu_props_finish (&p));
      vmdev_qemu_props_init (&p);
      if (strcmp (model, "virtio") == 0)
        model = ccw_or_pci (&n->info, "virtio-net-pci", "virtio-net-ccw");
      vmdev_qemu_props_add_str (&p, "driver", model);
      vmdev_qemu_props_add_str (&p, "netdev", netdev);
      vmdev_qemu_props_add_str (&p, "id", id);
      if (n->mac != NULL)
        vmdev_qemu_props_add_str (&p, "mac", n->mac);
      if (i == 0 && bo->net > 0)
        vmdev_qemu_props_add_int (&p, "bootindex", bo->net);
      add_address (def, &p, &n->info);
      device (b, &p);
    }
}

/* ---- serial ports (a console is the first serial port) ---- */

static gboolean
build_serials (Builder *b, GError **error)
{
  const VmdevDomain *def = b->def;

  for (guint i = 0; i < def->serials->len; i++)
    {
      const VmdevChr *c = g_ptr_array_index (def->serials, i);
      g_autoptr(GString) s = g_string_new (NULL);
      g_autofree char *dflt = g_strdup_printf ("serial%u", i);
      const char *id = alias_or (&c->info, dflt);
      g_autofree char *chr = g_strdup_printf ("char%s", id);
      VmdevQemuProps p;

      if (strcmp (c->type, "pty") == 0)
        g_string_append_printf (s, "pty,id=%s", chr);
      else if (strcmp (c->type, "file") == 0 && c->source_path != NULL)
        {
          g_string_append_printf (s, "file,id=%s,path=", chr);
          vmdev_qemu_opts_escape (s, c->source_path);
        }
      else if (strcmp (c->type, "unix") == 0 && c->source_path != NULL)
        {
          g_string_append_printf (s, "socket,id=%s,path=", chr);
          vmdev_qemu_opts_escape (s, c->source_path);
          if (g_strcmp0 (c->source_mode, "connect") != 0)
            g_string_append (s, ",server=on,wait=off");
        }
      else
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                       "<serial type='%s'>: not supported on the QEMU command line", c->type);
          return FALSE;
        }
      opt_take (b, "-chardev", g_string_free (g_steal_pointer (&s), FALSE));
      vmdev_qemu_props_init (&p);
      vmdev_qemu_props_add_str (&p, "driver", "isa-serial");
      vmdev_qemu_props_add_str (&p, "chardev", chr);
      vmdev_qemu_props_add_str (&p, "id", id);
      vmdev_qemu_props_add_int (&p, "index", c->target_port >= 0 ? c->target_port : (int) i);
      device (b, &p);
    }
  return TRUE;
}

/* ---- inputs ---- */

static gboolean
build_inputs (Builder *b, GError **error)
{
  const VmdevDomain *def = b->def;

  for (guint i = 0; i < def->inputs->len; i++)
    {
      const VmdevInput *in = g_ptr_array_index (def->inputs, i);
      g_autofree char *dflt = g_strdup_printf ("input%u", i);
      const char *id = alias_or (&in->info, dflt);
      const char *drv;
      VmdevQemuProps p;

      if (strcmp (in->bus, "ps2") == 0)
        continue;  /* the i8042 of the machine */
      if (strcmp (in->bus, "usb") != 0)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                       "<input bus='%s'>: not supported on the QEMU command line", in->bus);
          return FALSE;
        }
      drv = strcmp (in->type, "tablet") == 0 ? "usb-tablet"
          : strcmp (in->type, "keyboard") == 0 ? "usb-kbd" : "usb-mouse";
      vmdev_qemu_props_init (&p);
      vmdev_qemu_props_add_str (&p, "driver", drv);
      vmdev_qemu_props_add_str (&p, "id", id);
      if (in->info.addr.type == VMDEV_ADDR_USB)
        {
          g_autofree char *ctrl = usb_alias (def, (int) in->info.addr.usb_bus);
          g_autofree char *bus = g_strdup_printf ("%s.0", ctrl);

          vmdev_qemu_props_add_str (&p, "bus", bus);
          if (in->info.addr.usb_port != NULL)
            vmdev_qemu_props_add_str (&p, "port", in->info.addr.usb_port);
        }
      device (b, &p);
    }
  return TRUE;
}

/* ---- audio and graphics ---- */

static const char *
graphics_listen (const VmdevGraphics *g)
{
  if (g_strcmp0 (g->listen_type, "none") == 0)
    return NULL;
  if (g->listen_address != NULL)
    return g->listen_address;
  if (g->listen != NULL)
    return g->listen;
  return "127.0.0.1";
}

static void
build_graphics (Builder *b)
{
  const VmdevDomain *def = b->def;
  g_autofree char *audio = NULL;

  for (guint i = 0; i < def->audios->len; i++)
    {
      const VmdevAudio *au = g_ptr_array_index (def->audios, i);
      g_autofree char *id = g_strdup_printf ("audio%d", au->id);
      VmdevQemuProps p;

      if (audio == NULL)
        audio = g_strdup (id);
      vmdev_qemu_props_init (&p);
      vmdev_qemu_props_add_str (&p, "id", id);
      vmdev_qemu_props_add_str (&p, "driver", au->type);
      opt_take (b, "-audiodev", vmdev_qemu_props_finish (&p));
    }
  for (guint i = 0; i < def->graphics->len; i++)
    {
      const VmdevGraphics *g = g_ptr_array_index (def->graphics, i);
      const char *listen = graphics_listen (g);
      /* autoport: the port is the launcher's to pick; here 5900 (vnc) and
       * 5901 (spice), as libvirt's domxml-to-native shows them. */
      int port = g->port >= 5900 && g->autoport != VMDEV_TRI_YES ? g->port
                 : strcmp (g->type, "spice") == 0 ? 5901 : 5900;
      g_autoptr(GString) s = g_string_new (NULL);

      if (strcmp (g->type, "spice") == 0)
        {
          g_string_append_printf (s, "port=%d", listen != NULL ? port : 0);
          if (listen != NULL)
            {
              g_string_append (s, ",addr=");
              vmdev_qemu_opts_escape (s, listen);
            }
          g_string_append (s, ",disable-ticketing=on");
          if (g->gl == VMDEV_TRI_YES)
            {
              g_string_append (s, ",gl=on");
              if (g->gl_rendernode != NULL)
                {
                  g_string_append (s, ",rendernode=");
                  vmdev_qemu_opts_escape (s, g->gl_rendernode);
                }
            }
          g_string_append (s, ",seamless-migration=on");
          opt_take (b, "-spice", g_string_free (g_steal_pointer (&s), FALSE));
        }
      else if (strcmp (g->type, "vnc") == 0)
        {
          if (listen == NULL)
            g_string_append (s, "none");
          else
            {
              gboolean v6 = strchr (listen, ':') != NULL;

              g_string_append (s, v6 ? "[" : "");
              vmdev_qemu_opts_escape (s, listen);
              g_string_append_printf (s, "%s:%d", v6 ? "]" : "", port - 5900);
            }
          if (audio != NULL)
            g_string_append_printf (s, ",audiodev=%s", audio);
          opt_take (b, "-vnc", g_string_free (g_steal_pointer (&s), FALSE));
        }
    }
}

/* ---- video ---- */

static void
build_videos (Builder *b)
{
  const VmdevDomain *def = b->def;

  for (guint i = 0; i < def->videos->len; i++)
    {
      const VmdevVideo *v = g_ptr_array_index (def->videos, i);
      g_autofree char *dflt = g_strdup_printf ("video%u", i);
      const char *id = alias_or (&v->info, dflt);
      gboolean primary = i == 0;
      int heads = v->heads > 0 ? v->heads : 1;
      VmdevQemuProps p;

      if (strcmp (v->model, "none") == 0)
        continue;
      vmdev_qemu_props_init (&p);
      if (strcmp (v->model, "cirrus") == 0)
        {
          vmdev_qemu_props_add_str (&p, "driver", "cirrus-vga");
          vmdev_qemu_props_add_str (&p, "id", id);
        }
      else if (strcmp (v->model, "vga") == 0)
        {
          vmdev_qemu_props_add_str (&p, "driver", "VGA");
          vmdev_qemu_props_add_str (&p, "id", id);
          if (v->vram > 0)
            vmdev_qemu_props_add_int (&p, "vgamem_mb", v->vram / 1024);
        }
      else if (strcmp (v->model, "qxl") == 0)
        {
          vmdev_qemu_props_add_str (&p, "driver", primary ? "qxl-vga" : "qxl");
          vmdev_qemu_props_add_str (&p, "id", id);
          vmdev_qemu_props_add_int (&p, "max_outputs", heads);
          vmdev_qemu_props_add_int (&p, "ram_size", (gint64) (v->ram > 0 ? v->ram : 65536) * 1024);
          vmdev_qemu_props_add_int (&p, "vram_size",
                                    (gint64) (v->vram > 0 ? v->vram : 65536) * 1024);
          vmdev_qemu_props_add_int (&p, "vram64_size_mb", 0);
          vmdev_qemu_props_add_int (&p, "vgamem_mb", (v->vgamem > 0 ? v->vgamem : 16384) / 1024);
        }
      else if (strcmp (v->model, "virtio") == 0)
        {
          const char *drv = v->info.addr.type == VMDEV_ADDR_CCW ? "virtio-gpu-ccw"
                          : primary ? "virtio-vga" : "virtio-gpu-pci";

          vmdev_qemu_props_add_str (&p, "driver", drv);
          vmdev_qemu_props_add_str (&p, "id", id);
          vmdev_qemu_props_add_int (&p, "max_outputs", heads);
        }
      else  /* ramfb */
        {
          vmdev_qemu_props_add_str (&p, "driver", v->model);
          vmdev_qemu_props_add_str (&p, "id", id);
        }
      add_address (def, &p, &v->info);
      device (b, &p);
    }
}

/* ---- mdev hostdevs ---- */

char *
vmdev_qemu_hostdev_id (const VmdevDomain *def, guint index)
{
  const VmdevHostdev *h = g_ptr_array_index (def->hostdevs, index);
  guint n = 0;

  if (h->info.alias != NULL)
    return g_strdup (h->info.alias);
  for (guint i = 0; i < index; i++)
    {
      const VmdevHostdev *o = g_ptr_array_index (def->hostdevs, i);

      if (o->info.alias == NULL)
        n++;
    }
  return g_strdup_printf ("hostdev%u", n);
}

char *
vmdev_qemu_hostdev_props (const VmdevDomain *def, guint index, const char *uuid,
                          const char *id, GError **error)
{
  const VmdevHostdev *h = g_ptr_array_index (def->hostdevs, index);
  g_autofree char *own_id = id == NULL ? vmdev_qemu_hostdev_id (def, index) : NULL;
  g_autofree char *sysfsdev = NULL;
  VmdevQemuProps p;

  if (uuid == NULL)
    uuid = h->uuid;
  if (uuid == NULL)
    {
      g_autofree char *what = vmdev_hostdev_describe (h);

      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_UNSUPPORTED,
                   "<hostdev> (%s): a managed mdev without a UUID gets one only when the "
                   "domain starts (vmdev creates it then); give it <address uuid='...'/> in its "
                   "<source> to see its command line", what);
      return NULL;
    }
  sysfsdev = g_strdup_printf ("/sys/bus/mdev/devices/%s", uuid);
  vmdev_qemu_props_init (&p);
  switch (h->model)
    {
    case VMDEV_MDEV_MODEL_VFIO_PCI:
      vmdev_qemu_props_add_str (&p, "driver", h->ramfb == VMDEV_TRI_YES ? "vfio-pci-nohotplug"
                                                                         : "vfio-pci");
      break;
    case VMDEV_MDEV_MODEL_VFIO_CCW:
      vmdev_qemu_props_add_str (&p, "driver", "vfio-ccw");
      break;
    case VMDEV_MDEV_MODEL_VFIO_AP:
      vmdev_qemu_props_add_str (&p, "driver", "vfio-ap");
      break;
    }
  vmdev_qemu_props_add_str (&p, "id", id != NULL ? id : own_id);
  vmdev_qemu_props_add_str (&p, "sysfsdev", sysfsdev);
  if (h->model == VMDEV_MDEV_MODEL_VFIO_PCI)
    {
      if (h->display != VMDEV_TRI_ABSENT)
        vmdev_qemu_props_add_str (&p, "display", h->display == VMDEV_TRI_YES ? "on" : "off");
      if (h->ramfb == VMDEV_TRI_YES)
        vmdev_qemu_props_add_bool (&p, "ramfb", TRUE);
    }
  if (h->info.boot_order > 0)
    vmdev_qemu_props_add_int (&p, "bootindex", h->info.boot_order);
  add_address (def, &p, &h->info);
  return vmdev_qemu_props_finish (&p);
}

static gboolean
build_hostdevs (Builder *b, GError **error)
{
  const VmdevDomain *def = b->def;

  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      const char *uuid = b->opts->hostdev_uuids != NULL ? b->opts->hostdev_uuids[i] : NULL;
      char *props = vmdev_qemu_hostdev_props (def, i, uuid, NULL, error);

      if (props == NULL)
        return FALSE;
      opt_take (b, "-device", props);
    }
  return TRUE;
}

static void
build_memballoon (Builder *b)
{
  const VmdevMemballoon *m = b->def->memballoon;
  VmdevQemuProps p;

  if (m == NULL || g_strcmp0 (m->model, "virtio") != 0)
    return;
  vmdev_qemu_props_init (&p);
  vmdev_qemu_props_add_str (&p, "driver", ccw_or_pci (&m->info, "virtio-balloon-pci",
                                                       "virtio-balloon-ccw"));
  vmdev_qemu_props_add_str (&p, "id", alias_or (&m->info, "balloon0"));
  add_address (b->def, &p, &m->info);
  device (b, &p);
}

char **
vmdev_qemu_build_argv (const VmdevDomain *def, const VmdevQemuArgvOptions *opts,
                       GError **error)
{
  VmdevQemuArgvOptions defaults;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  BootOrder bo = { NULL, 0 };
  Builder b = { def, opts, argv, FALSE, FALSE };
  gboolean ok;

  if (opts == NULL)
    {
      vmdev_qemu_argv_options_init (&defaults);
      b.opts = &defaults;
    }
  b.q35 = vmdev_machine_is_q35 (def->os_machine);
  b.s390 = vmdev_machine_is_s390 (def->os_machine);
  arg (&b, def->emulator != NULL ? def->emulator : "qemu-system-x86_64");
  if (!build_machine (&b, error))
    return NULL;
  build_qmp (&b, "monitor", b.opts->monitor_fd, VMDEV_QEMU_MONITOR_SOCKET);
  build_qmp (&b, "vmdev", b.opts->command_fd, VMDEV_QEMU_COMMAND_SOCKET);
  build_boot (&b);
  boot_order_compute (def, &bo);
  ok = build_controllers (&b, error) && build_disks (&b, &bo, error);
  g_free (bo.disks);
  if (!ok)
    return NULL;
  build_interfaces (&b, &bo);
  if (!build_serials (&b, error) || !build_inputs (&b, error))
    return NULL;
  build_graphics (&b);
  build_videos (&b);
  if (!build_hostdevs (&b, error))
    return NULL;
  build_memballoon (&b);
  opt (&b, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
  opt (&b, "-msg", "timestamp=on");
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

char *
vmdev_qemu_argv_to_text (char *const *argv)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      for (const char *p = argv[i]; *p != '\0'; p++)
        if (*p == '\\')
          g_string_append (out, "\\\\");
        else if (*p == '\n')
          g_string_append (out, "\\n");
        else
          g_string_append_c (out, *p);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
