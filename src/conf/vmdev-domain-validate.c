/* vmdev-domain-validate.c: cross-element rules (see vmdev-domain-validate.h). */
#include "conf/vmdev-domain-validate.h"

#include "conf/vmdev-hostdev.h"
#include "util/vmdev-error.h"

#include <string.h>

static gboolean
validate_hostdevs (const VmdevDomain *def, GError **error)
{
  const VmdevHostdev *ramfb = NULL;
  guint n_ap = 0;

  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      const VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);
      const char *model = vmdev_mdev_model_to_string (h->model);
      g_autofree char *what = vmdev_hostdev_describe (h);

      for (guint j = 0; j < i; j++)
        {
          const VmdevHostdev *o = g_ptr_array_index (def->hostdevs, j);

          if (h->uuid != NULL && o->uuid != NULL && strcmp (h->uuid, o->uuid) == 0)
            return vmdev_domain_invalid (error, "<hostdev>: <address uuid='%s'>: this mediated device is "
                         "already assigned to the domain", h->uuid);
          if (h->info.alias != NULL && g_strcmp0 (h->info.alias, o->info.alias) == 0)
            return vmdev_domain_invalid (error, "<hostdev>: <alias name='%s'>: the alias is used twice",
                         h->info.alias);
        }
      if (h->model != VMDEV_MDEV_MODEL_VFIO_PCI && !vmdev_machine_is_s390 (def->os_machine))
        return vmdev_domain_invalid (error, "<hostdev model='%s'> (%s): model '%s' needs an s390 machine "
                     "(s390-ccw-virtio); this domain's machine is '%s'", model, what, model,
                     def->os_machine);
      if (h->display == VMDEV_TRI_YES && h->model != VMDEV_MDEV_MODEL_VFIO_PCI)
        return vmdev_domain_invalid (error, "<hostdev model='%s' display='on'> (%s): attribute 'display': value "
                     "'on' is only for model 'vfio-pci'", model, what);
      if (h->ramfb == VMDEV_TRI_YES && h->model != VMDEV_MDEV_MODEL_VFIO_PCI)
        return vmdev_domain_invalid (error, "<hostdev model='%s' ramfb='on'> (%s): attribute 'ramfb': value "
                     "'on' is only for model 'vfio-pci'", model, what);
      switch (h->model)
        {
        case VMDEV_MDEV_MODEL_VFIO_PCI:
          if (h->info.addr.type == VMDEV_ADDR_CCW)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-pci'> (%s): <address type='ccw'>: a "
                         "vfio-pci device needs a PCI address", what);
          break;
        case VMDEV_MDEV_MODEL_VFIO_CCW:
          if (h->info.addr.type == VMDEV_ADDR_PCI)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-ccw'> (%s): <address type='pci'>: a "
                         "vfio-ccw device needs a ccw address", what);
          if (h->info.acpi_index > 0)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-ccw'> (%s): <acpi index='%d'>: an ACPI "
                         "index is only for PCI devices, not model 'vfio-ccw'", what,
                         h->info.acpi_index);
          break;
        case VMDEV_MDEV_MODEL_VFIO_AP:
          if (h->info.addr.type != VMDEV_ADDR_NONE)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-ap'> (%s): <address>: a vfio-ap device "
                         "has no guest address (libvirt would drop it)", what);
          if (h->info.acpi_index > 0)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-ap'> (%s): <acpi index='%d'>: an ACPI "
                         "index is only for PCI devices, not model 'vfio-ap'", what,
                         h->info.acpi_index);
          if (++n_ap > 1)
            return vmdev_domain_invalid (error, "<hostdev model='vfio-ap'> (%s): only one mediated device of "
                         "model 'vfio-ap' is allowed", what);
          break;
        }
      if (h->info.boot_order > 0 && h->model != VMDEV_MDEV_MODEL_VFIO_CCW)
        return vmdev_domain_invalid (error, "<hostdev model='%s'> (%s): <boot order='%d'>: booting from a "
                     "mediated device is only supported for model 'vfio-ccw'", model, what,
                     h->info.boot_order);
      if (h->display == VMDEV_TRI_YES && def->graphics->len == 0)
        return vmdev_domain_invalid (error, "<hostdev display='on'> (%s): attribute 'display': value 'on' "
                     "needs a <graphics> device", what);
      if (h->ramfb == VMDEV_TRI_YES)
        {
          if (ramfb != NULL)
            return vmdev_domain_invalid (error, "<hostdev ramfb='on'> (%s): attribute 'ramfb': only one "
                         "mediated device can have ramfb='on'", what);
          ramfb = h;
        }
      if (h->mdev_type != NULL && h->managed != VMDEV_TRI_YES)
        return vmdev_domain_invalid (error, "<hostdev managed='no'> (%s): <mdev type='%s'>: a device vmdev "
                     "creates needs managed='yes'", what, h->mdev_type);
    }
  return TRUE;
}

/* ccw addresses only on s390; PCI ones there only for vfio-pci mdevs. */
static gboolean
validate_address_kinds (const VmdevDomain *def, GError **error)
{
  gboolean s390 = vmdev_machine_is_s390 (def->os_machine);
  struct { const char *what; const VmdevDeviceInfo *info; gboolean pci_ok; } devs[64];
  guint n = 0;

#define ADD(w, i, p) \
  do { if (n < G_N_ELEMENTS (devs)) { devs[n].what = (w); devs[n].info = (i); \
                                      devs[n].pci_ok = (p); n++; } } while (0)
  for (guint i = 0; i < def->disks->len; i++)
    ADD ("disk", &((VmdevDisk *) g_ptr_array_index (def->disks, i))->info, FALSE);
  for (guint i = 0; i < def->interfaces->len; i++)
    ADD ("interface", &((VmdevInterface *) g_ptr_array_index (def->interfaces, i))->info, FALSE);
  for (guint i = 0; i < def->videos->len; i++)
    ADD ("video", &((VmdevVideo *) g_ptr_array_index (def->videos, i))->info, FALSE);
  /* s390: PCI controllers (pci-bridges) sit on the PCI bus. */
  for (guint i = 0; i < def->controllers->len; i++)
    {
      const VmdevController *c = g_ptr_array_index (def->controllers, i);

      ADD ("controller", &c->info, strcmp (c->type, "pci") == 0);
    }
  if (def->memballoon != NULL)
    ADD ("memballoon", &def->memballoon->info, FALSE);
#undef ADD
  for (guint i = 0; i < n; i++)
    {
      if (!s390 && devs[i].info->addr.type == VMDEV_ADDR_CCW)
        return vmdev_domain_invalid (error, "<%s>: <address type='ccw'>: ccw addresses exist only on s390 "
                     "machines", devs[i].what);
      if (s390 && devs[i].info->addr.type == VMDEV_ADDR_PCI && !devs[i].pci_ok)
        return vmdev_domain_invalid (error, "<%s>: <address type='pci'>: on an s390 machine this device needs "
                     "a ccw address", devs[i].what);
      if (!s390 && devs[i].info->addr.type == VMDEV_ADDR_PCI && devs[i].info->addr.has_zpci)
        return vmdev_domain_invalid (error, "<%s>: <zpci>: zPCI ids exist only on s390 machines",
                     devs[i].what);
    }
  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      const VmdevAddress *a = &((VmdevHostdev *) g_ptr_array_index (def->hostdevs, i))->info.addr;

      if (a->has_zpci && !s390)
        return vmdev_domain_invalid (error, "<hostdev>: <zpci>: zPCI ids exist only on s390 machines");
    }
  return TRUE;
}

gboolean
vmdev_domain_validate (const VmdevDomain *def, GError **error)
{
  for (guint i = 0; i < def->videos->len; i++)
    {
      const VmdevVideo *v = g_ptr_array_index (def->videos, i);

      if (strcmp (v->model, "ramfb") == 0 && i > 0)
        return vmdev_domain_invalid (error, "<video><model type='ramfb'>: video type 'ramfb' is only valid as "
                     "the primary (first) video device");
      if (strcmp (v->model, "none") == 0 && def->videos->len > 1)
        return vmdev_domain_invalid (error, "<video><model type='none'>: a video of type 'none' must be the "
                     "only video device");
      if (i > 0 && v->primary == VMDEV_TRI_YES)
        return vmdev_domain_invalid (error, "<video><model primary='yes'>: only the first video device can be "
                     "primary");
    }
  if (def->os_boot->len > 0)
    for (guint i = 0; i < def->disks->len; i++)
      if (((VmdevDisk *) g_ptr_array_index (def->disks, i))->info.boot_order > 0)
        return vmdev_domain_invalid (error, "<disk><boot order>: per-device boot elements cannot be used "
                     "together with <os><boot dev>");
  for (guint i = 0; i < def->hostdevs->len; i++)
    if (def->os_boot->len > 0 &&
        ((VmdevHostdev *) g_ptr_array_index (def->hostdevs, i))->info.boot_order > 0)
      return vmdev_domain_invalid (error, "<hostdev><boot order>: per-device boot elements cannot be used "
                   "together with <os><boot dev>");
  for (guint i = 0; i < def->graphics->len; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp (((VmdevGraphics *) g_ptr_array_index (def->graphics, i))->type,
                  ((VmdevGraphics *) g_ptr_array_index (def->graphics, j))->type) == 0)
        return vmdev_domain_invalid (error, "<graphics type='%s'>: only one graphics device of each type is "
                     "allowed", ((VmdevGraphics *) g_ptr_array_index (def->graphics, i))->type);
  for (guint i = 0; i < def->disks->len; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp (((VmdevDisk *) g_ptr_array_index (def->disks, i))->target_dev,
                  ((VmdevDisk *) g_ptr_array_index (def->disks, j))->target_dev) == 0)
        return vmdev_domain_invalid (error, "<disk>: <target dev='%s'>: the target is used twice",
                     ((VmdevDisk *) g_ptr_array_index (def->disks, i))->target_dev);
  return validate_address_kinds (def, error) && validate_hostdevs (def, error);
}
