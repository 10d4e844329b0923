/* vmdev-ccw-address.c: CCW addresses and zPCI ids of s390 guests
 * (see vmdev-ccw-address.h). */
#include "conf/vmdev-ccw-address.h"

#include "util/vmdev-error.h"

#include <string.h>

char *
vmdev_ccw_address_to_string (const VmdevAddress *a)
{
  return g_strdup_printf ("%x.%x.%04x", a->cssid, a->ssid, a->devno);
}

static guint
ccw_key (const VmdevAddress *a)
{
  return (a->cssid << 24) | (a->ssid << 16) | a->devno;
}

static void
add (GPtrArray *devs, VmdevDeviceInfo *info)
{
  g_ptr_array_add (devs, info);
}

static gboolean
assign_zpci (VmdevDomain *def, GError **error)
{
  g_autoptr(GHashTable) uids = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) fids = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) pci = g_ptr_array_new ();
  guint uid = 1, fid = 0;

  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);

      if (h->info.addr.type == VMDEV_ADDR_PCI)
        g_ptr_array_add (pci, &h->info.addr);
    }
  /* As libvirt: the PCI controllers (pci-bridges) after the hostdevs. */
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (c->info.addr.type == VMDEV_ADDR_PCI)
        g_ptr_array_add (pci, &c->info.addr);
    }
  for (guint i = 0; i < pci->len; i++)
    {
      VmdevAddress *a = g_ptr_array_index (pci, i);

      if (!a->has_zpci)
        continue;
      if (a->zpci_uid != 0 && !g_hash_table_add (uids, GUINT_TO_POINTER (a->zpci_uid)))
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "<zpci uid='0x%04x'>: the uid is used twice", a->zpci_uid), FALSE;
      if (!g_hash_table_add (fids, GUINT_TO_POINTER (a->zpci_fid + 1)))
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "<zpci fid='0x%08x'>: the fid is used twice", a->zpci_fid), FALSE;
    }
  for (guint i = 0; i < pci->len; i++)
    {
      VmdevAddress *a = g_ptr_array_index (pci, i);

      if (a->has_zpci && a->zpci_uid != 0)
        continue;
      while (g_hash_table_contains (uids, GUINT_TO_POINTER (uid)))
        uid++;
      if (uid > 0xffff)
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "no free zPCI uid"), FALSE;
      a->zpci_uid = uid;
      g_hash_table_add (uids, GUINT_TO_POINTER (uid));
      if (!a->has_zpci)
        {
          while (g_hash_table_contains (fids, GUINT_TO_POINTER (fid + 1)))
            fid++;
          a->zpci_fid = fid;
          g_hash_table_add (fids, GUINT_TO_POINTER (fid + 1));
        }
      a->has_zpci = TRUE;
    }
  return TRUE;
}

gboolean
vmdev_ccw_address_assign (VmdevDomain *def, GError **error)
{
  g_autoptr(GPtrArray) devs = g_ptr_array_new ();
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  guint devno = 0;

  for (guint i = 0; i < def->disks->len; i++)
    add (devs, &((VmdevDisk *) g_ptr_array_index (def->disks, i))->info);
  for (guint i = 0; i < def->interfaces->len; i++)
    add (devs, &((VmdevInterface *) g_ptr_array_index (def->interfaces, i))->info);
  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);

      if (h->model == VMDEV_MDEV_MODEL_VFIO_CCW)
        add (devs, &h->info);
    }
  for (guint i = 0; i < def->videos->len; i++)
    {
      VmdevVideo *v = g_ptr_array_index (def->videos, i);

      if (strcmp (v->model, "virtio") == 0)
        add (devs, &v->info);
    }
  if (def->memballoon != NULL && strcmp (def->memballoon->model, "virtio") == 0)
    add (devs, &def->memballoon->info);

  for (guint i = 0; i < devs->len; i++)
    {
      VmdevDeviceInfo *info = g_ptr_array_index (devs, i);

      if (info->addr.type != VMDEV_ADDR_CCW)
        continue;
      if (!g_hash_table_add (used, GUINT_TO_POINTER (ccw_key (&info->addr) + 1)))
        {
          g_autofree char *s = vmdev_ccw_address_to_string (&info->addr);
          return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                              "<address type='ccw'>: ccw address '%s' is already in use", s),
                 FALSE;
        }
    }
  for (guint i = 0; i < devs->len; i++)
    {
      VmdevDeviceInfo *info = g_ptr_array_index (devs, i);
      VmdevAddress a = { .type = VMDEV_ADDR_CCW, .cssid = 0xfe };

      if (info->addr.type != VMDEV_ADDR_NONE)
        continue;
      for (;; devno++)
        {
          if (devno > 0xffff)
            return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                                "no free ccw address"), FALSE;
          a.devno = devno;
          if (!g_hash_table_contains (used, GUINT_TO_POINTER (ccw_key (&a) + 1)))
            break;
        }
      g_hash_table_add (used, GUINT_TO_POINTER (ccw_key (&a) + 1));
      info->addr.type = VMDEV_ADDR_CCW;
      info->addr.cssid = a.cssid;
      info->addr.ssid = 0;
      info->addr.devno = devno;
    }
  return assign_zpci (def, error);
}
