/* vmdev-pci-address.c: guest PCI address assignment (see vmdev-pci-address.h). */
#include "conf/vmdev-pci-address.h"

#include "conf/vmdev-device-info.h"
#include "util/vmdev-error.h"

#include <string.h>

/* How a device or controller plugs in. */
typedef enum
{
  CONN_PCI = 1 << 0,            /* conventional PCI endpoint */
  CONN_PCIE = 1 << 1,           /* PCI Express endpoint */
  CONN_ROOT_PORT = 1 << 2,      /* pcie-root-port */
  CONN_PCIE_PCI_BRIDGE = 1 << 3,/* pcie-to-pci-bridge */
  CONN_PCI_BRIDGE = 1 << 4,     /* pci-bridge */
} Conn;

typedef struct
{
  const char *model;
  guint accepts;      /* Conn mask for automatic placement */
  guint min_slot, max_slot;
  guint8 used[32];    /* functions in use, per slot */
  const char *user[32]; /* what uses function 0 (messages) */
} Bus;

typedef struct
{
  GArray *buses;      /* Bus, by controller index */
  gboolean q35;
  int agg_slot;       /* the slot of bus 0 that root ports share, -1 none */
  VmdevDeviceInfo *primary_video;  /* reserved before the others */
} AddrSet;

typedef struct
{
  VmdevDeviceInfo *info;
  Conn conn;
  const char *what;   /* element name, for messages */
  VmdevController *ctrl;  /* for controllers */
} Dev;

static Bus
bus_for_model (const char *model, gboolean q35)
{
  Bus b = { .model = model, .min_slot = 1, .max_slot = 31 };

  if (strcmp (model, "pci-root") == 0)
    b.accepts = CONN_PCI | CONN_PCIE | CONN_PCI_BRIDGE;
  else if (strcmp (model, "pcie-root") == 0)
    b.accepts = CONN_ROOT_PORT;
  else if (strcmp (model, "pcie-root-port") == 0)
    {
      b.accepts = CONN_PCIE | CONN_PCIE_PCI_BRIDGE;
      b.min_slot = b.max_slot = 0;
    }
  else if (strcmp (model, "pcie-to-pci-bridge") == 0)
    b.accepts = CONN_PCI | CONN_PCI_BRIDGE;
  else /* pci-bridge */
    b.accepts = CONN_PCI | CONN_PCI_BRIDGE | (q35 ? 0 : CONN_PCIE);
  return b;
}

static Bus *
bus_at (AddrSet *set, guint index)
{
  if (index >= set->buses->len)
    return NULL;
  return &g_array_index (set->buses, Bus, index);
}

static void
set_free (AddrSet *set)
{
  g_array_unref (set->buses);
}

static gboolean
build_set (VmdevDomain *def, gboolean q35, AddrSet *set, GError **error)
{
  int max = -1;

  set->q35 = q35;
  set->agg_slot = -1;
  set->primary_video = NULL;
  set->buses = g_array_new (FALSE, TRUE, sizeof (Bus));
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, "pci") == 0)
        max = MAX (max, c->index);
    }
  for (int i = 0; i <= max; i++)
    {
      VmdevController *c = vmdev_domain_find_controller (def, "pci", i);
      Bus b;

      if (c == NULL)
        {
          g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                       "<controller type='pci'>: index %d is missing (PCI controller indexes "
                       "must be consecutive, up to %d)", i, max);
          set_free (set);
          return FALSE;
        }
      b = bus_for_model (c->model, q35);
      g_array_append_val (set->buses, b);
    }
  return TRUE;
}

static void
reserve (Bus *b, guint slot, guint function, const char *what)
{
  b->used[slot] |= 1u << function;
  if (function == 0 || b->user[slot] == NULL)
    b->user[slot] = what;
}

/* Places a device: the first free slot (function 0 of an empty slot) of the
 * first bus that takes @conn; root ports share a slot of bus 0. */
static gboolean
find_free (AddrSet *set, Conn conn, guint *out_bus, guint *out_slot, guint *out_fn)
{
  if (conn == CONN_ROOT_PORT && set->agg_slot >= 0)
    {
      Bus *b = bus_at (set, 0);

      for (guint f = 0; f < 8; f++)
        if (!(b->used[set->agg_slot] & (1u << f)))
          {
            *out_bus = 0;
            *out_slot = (guint) set->agg_slot;
            *out_fn = f;
            return TRUE;
          }
    }
  for (guint i = 0; i < set->buses->len; i++)
    {
      Bus *b = bus_at (set, i);

      if (!(b->accepts & conn))
        continue;
      for (guint s = b->min_slot; s <= b->max_slot; s++)
        if (b->used[s] == 0)
          {
            *out_bus = i;
            *out_slot = s;
            *out_fn = 0;
            if (conn == CONN_ROOT_PORT)
              set->agg_slot = (int) s;
            return TRUE;
          }
    }
  return FALSE;
}

static Conn
controller_conn (const VmdevController *c, gboolean q35)
{
  if (strcmp (c->type, "pci") == 0)
    {
      if (strcmp (c->model, "pcie-root-port") == 0)
        return CONN_ROOT_PORT;
      if (strcmp (c->model, "pcie-to-pci-bridge") == 0)
        return CONN_PCIE_PCI_BRIDGE;
      return CONN_PCI_BRIDGE;
    }
  if (!q35)
    return CONN_PCI;
  if (strcmp (c->type, "usb") == 0 && c->model != NULL &&
      (strcmp (c->model, "qemu-xhci") == 0 || strcmp (c->model, "nec-xhci") == 0))
    return CONN_PCIE;
  return CONN_PCI;
}

/* The devices in libvirt's assignment order; only those without an address
 * or with a PCI one are of interest, the caller skips the others. */
static GArray *
collect (VmdevDomain *def, gboolean q35)
{
  GArray *devs = g_array_new (FALSE, TRUE, sizeof (Dev));
  Conn pcie = q35 ? CONN_PCIE : CONN_PCI;
  Dev d;

#define ADD(i, c, w, ct) \
  do { d = (Dev) { .info = (i), .conn = (c), .what = (w), .ctrl = (ct) }; \
       g_array_append_val (devs, d); } while (0)
  if (vmdev_machine_is_s390 (def->os_machine))
    {
      /* s390: the pci-bridges (placed first, as libvirt) and the vfio-pci
       * mdevs; the other devices are on the channel subsystem (ccw). */
      for (guint i = 0; i < def->controllers->len; i++)
        {
          VmdevController *c = g_ptr_array_index (def->controllers, i);

          if (strcmp (c->type, "pci") == 0 && strcmp (c->model, "pci-root") != 0)
            ADD (&c->info, controller_conn (c, q35), "controller", c);
        }
      for (guint i = 0; i < def->hostdevs->len; i++)
        {
          VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);

          if (h->model == VMDEV_MDEV_MODEL_VFIO_PCI)
            ADD (&h->info, CONN_PCI, "hostdev", NULL);
        }
      return devs;
    }
  /* The primary video first: libvirt places it (at its fixed slot, or the
   * next free one) before everything else. */
  if (def->videos->len > 0)
    {
      VmdevVideo *v = g_ptr_array_index (def->videos, 0);

      if (strcmp (v->model, "none") != 0 && strcmp (v->model, "ramfb") != 0)
        ADD (&v->info, strcmp (v->model, "virtio") == 0 ? pcie : CONN_PCI, "video", NULL);
    }
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, "pci") == 0 && strcmp (c->model, "pci-root") != 0 &&
          strcmp (c->model, "pcie-root") != 0)
        ADD (&c->info, controller_conn (c, q35), "controller", c);
    }
  for (guint i = 0; i < def->interfaces->len; i++)
    {
      VmdevInterface *n = g_ptr_array_index (def->interfaces, i);
      gboolean is_pcie = n->model != NULL && (strcmp (n->model, "virtio") == 0 ||
                                              strcmp (n->model, "e1000e") == 0);

      ADD (&n->info, is_pcie ? pcie : CONN_PCI, "interface", NULL);
    }
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, "pci") == 0)
        continue;
      if (strcmp (c->type, "usb") == 0 && c->model != NULL && strcmp (c->model, "none") == 0)
        continue;
      if (strcmp (c->type, "ide") == 0 && c->index == 0)
        continue;
      ADD (&c->info, controller_conn (c, q35), "controller", c);
    }
  for (guint i = 0; i < def->disks->len; i++)
    {
      VmdevDisk *dk = g_ptr_array_index (def->disks, i);

      if (dk->target_bus != NULL && strcmp (dk->target_bus, "virtio") == 0)
        ADD (&dk->info, pcie, "disk", NULL);
    }
  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);

      if (h->model == VMDEV_MDEV_MODEL_VFIO_PCI)
        ADD (&h->info, pcie, "hostdev", NULL);
    }
  if (def->memballoon != NULL && strcmp (def->memballoon->model, "virtio") == 0)
    ADD (&def->memballoon->info, pcie, "memballoon", NULL);
  for (guint i = 1; i < def->videos->len; i++)
    {
      VmdevVideo *v = g_ptr_array_index (def->videos, i);

      if (strcmp (v->model, "none") == 0 || strcmp (v->model, "ramfb") == 0)
        continue;
      ADD (&v->info, strcmp (v->model, "virtio") == 0 ? pcie : CONN_PCI, "video", NULL);
    }
#undef ADD
  return devs;
}

static gboolean
wants_address (const VmdevDeviceInfo *info)
{
  return info->addr.type == VMDEV_ADDR_NONE;
}

/* The fixed reservations of the chipset and the explicit addresses. */
static gboolean
reserve_fixed (VmdevDomain *def, AddrSet *set, GArray *devs, GError **error)
{
  Bus *root = bus_at (set, 0);

  if (root == NULL)
    return TRUE;
  root->used[0] = 0xff;  /* host bridge */
  if (vmdev_machine_is_s390 (def->os_machine))
    ;
  else if (!set->q35)
    {
      /* PIIX3: ISA bridge, IDE, USB (piix3-uhci), ACPI in slot 1. */
      root->used[1] = 0xff;
      root->user[1] = "the PIIX3 chipset";
      for (guint i = 0; i < def->controllers->len; i++)
        {
          VmdevController *c = g_ptr_array_index (def->controllers, i);
          guint fn = 0;

          if (c->index != 0 || !wants_address (&c->info))
            continue;
          if (strcmp (c->type, "usb") == 0 && c->model != NULL &&
              strcmp (c->model, "piix3-uhci") == 0)
            fn = 2;
          else if (strcmp (c->type, "ide") == 0)
            fn = 1;
          else
            continue;
          c->info.addr.type = VMDEV_ADDR_PCI;
          c->info.addr.slot = 1;
          c->info.addr.function = fn;
        }
    }
  else
    {
      /* ICH9: LPC (1f.0), SATA (1f.2), SMBus (1f.3). */
      root->used[0x1f] = (1u << 0) | (1u << 2) | (1u << 3);
      root->user[0x1f] = "the ICH9 chipset";
      for (guint i = 0; i < def->controllers->len; i++)
        {
          VmdevController *c = g_ptr_array_index (def->controllers, i);

          if (strcmp (c->type, "sata") == 0 && c->index == 0 && wants_address (&c->info))
            {
              c->info.addr.type = VMDEV_ADDR_PCI;
              c->info.addr.slot = 0x1f;
              c->info.addr.function = 2;
            }
        }
    }

  for (guint i = 0; i < devs->len; i++)
    {
      Dev *d = &g_array_index (devs, Dev, i);
      VmdevAddress *a = &d->info->addr;
      Bus *b;

      if (a->type != VMDEV_ADDR_PCI)
        continue;
      /* The chipset's own functions, given to the controllers above. */
      if (a->bus == 0 && ((!set->q35 && a->slot == 1) || (set->q35 && a->slot == 0x1f)) &&
          d->ctrl != NULL && strcmp (d->ctrl->type, "pci") != 0)
        continue;
      b = bus_at (set, a->bus);
      if (a->domain != 0)
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "<%s>: <address type='pci'>: domain '0x%04x': only PCI domain 0 "
                            "exists", d->what, a->domain), FALSE;
      if (b == NULL)
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "<%s>: <address type='pci'>: bus '0x%02x': there is no PCI "
                            "controller with index %u", d->what, a->bus, a->bus), FALSE;
      if (a->slot < b->min_slot || a->slot > b->max_slot)
        return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                            "<%s>: <address type='pci'>: slot '0x%02x': bus 0x%02x (%s) takes "
                            "slots 0x%02x-0x%02x", d->what, a->slot, a->bus, b->model,
                            b->min_slot, b->max_slot), FALSE;
      if (b->used[a->slot] & (1u << a->function))
        {
          g_autofree char *s = vmdev_pci_address_to_string (a);
          return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                              "<%s>: guest PCI address %s is already in use%s%s", d->what, s,
                              b->user[a->slot] ? " by " : "",
                              b->user[a->slot] ? b->user[a->slot] : ""), FALSE;
        }
      reserve (b, a->slot, a->function, d->what);
    }

  /* The primary video: slot 2 (pc) or 1 (q35) of bus 0 when free. */
  if (def->videos->len > 0 && !vmdev_machine_is_s390 (def->os_machine))
    {
      VmdevVideo *v = g_ptr_array_index (def->videos, 0);
      guint slot = set->q35 ? 1 : 2;

      if (strcmp (v->model, "none") != 0 && strcmp (v->model, "ramfb") != 0 &&
          wants_address (&v->info) && root->used[slot] == 0)
        {
          reserve (root, slot, 0, "video");
          set->primary_video = &v->info;
          v->info.addr.type = VMDEV_ADDR_PCI;
          v->info.addr.slot = slot;
        }
    }
  return TRUE;
}

static void
add_bus (AddrSet *set, const char *model)
{
  Bus b = bus_for_model (model, set->q35);

  g_array_append_val (set->buses, b);
}

/* q35: a dry run that adds the root ports and bridges the devices need. */
static gboolean
grow (VmdevDomain *def, AddrSet *set, GArray *devs, GError **error)
{
  guint start = set->buses->len;
  gboolean user_pci_controllers = start > 1;
  guint bus, slot, fn;

  for (guint i = 0; i < devs->len; i++)
    {
      Dev *d = &g_array_index (devs, Dev, i);

      if (!wants_address (d->info) || d->conn == CONN_ROOT_PORT || d->info == set->primary_video)
        continue;
      if (!find_free (set, d->conn, &bus, &slot, &fn))
        {
          if (d->conn == CONN_PCI || d->conn == CONN_PCI_BRIDGE)
            {
              add_bus (set, "pcie-root-port");
              bus_at (set, set->buses->len - 1)->used[0] = 1;
              add_bus (set, "pcie-to-pci-bridge");
            }
          else
            add_bus (set, "pcie-root-port");
          if (!find_free (set, d->conn, &bus, &slot, &fn))
            return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                                "<%s>: no free guest PCI slot", d->what), FALSE;
        }
      reserve (bus_at (set, bus), slot, fn, d->what);
    }
  if (!user_pci_controllers && set->buses->len > start &&
      !find_free (set, CONN_PCIE, &bus, &slot, &fn))
    add_bus (set, "pcie-root-port");

  for (guint i = start; i < set->buses->len; i++)
    {
      VmdevController *c = vmdev_controller_new ("pci", (int) i, bus_at (set, i)->model);

      c->implicit = TRUE;
      vmdev_domain_insert_controller (def, c);
    }
  return TRUE;
}

gboolean
vmdev_pci_address_assign (VmdevDomain *def, GError **error)
{
  gboolean q35 = vmdev_machine_is_q35 (def->os_machine);
  AddrSet set;
  g_autoptr(GArray) devs = NULL;

  /* pass 1 (q35): which controllers are needed */
  if (q35)
    {
      if (!build_set (def, q35, &set, error))
        return FALSE;
      devs = collect (def, q35);
      if (!reserve_fixed (def, &set, devs, error) || !grow (def, &set, devs, error))
        {
          set_free (&set);
          return FALSE;
        }
      set_free (&set);
      g_clear_pointer (&devs, g_array_unref);
    }

  else
    {
      /* pc: as libvirt, a pci-bridge for each missing bus an explicit address names */
      int max_ctrl = -1;
      guint max_bus = 0;

      devs = collect (def, q35);
      for (guint i = 0; i < def->controllers->len; i++)
        {
          VmdevController *c = g_ptr_array_index (def->controllers, i);

          if (strcmp (c->type, "pci") == 0)
            max_ctrl = MAX (max_ctrl, c->index);
        }
      for (guint i = 0; i < devs->len; i++)
        {
          VmdevAddress *a = &g_array_index (devs, Dev, i).info->addr;

          if (a->type == VMDEV_ADDR_PCI)
            max_bus = MAX (max_bus, a->bus);
        }
      for (int i = max_ctrl + 1; max_ctrl >= 0 && i <= (int) max_bus; i++)
        {
          VmdevController *c = vmdev_controller_new ("pci", i, "pci-bridge");

          c->implicit = TRUE;
          vmdev_domain_insert_controller (def, c);
        }
      g_clear_pointer (&devs, g_array_unref);
    }

  /* pass 2: the addresses */
  if (!build_set (def, q35, &set, error))
    return FALSE;
  devs = collect (def, q35);
  if (!reserve_fixed (def, &set, devs, error))
    {
      set_free (&set);
      return FALSE;
    }
  for (guint i = 0; i < devs->len; i++)
    {
      Dev *d = &g_array_index (devs, Dev, i);
      guint bus, slot, fn;

      if (!wants_address (d->info))
        continue;
      if (!find_free (&set, d->conn, &bus, &slot, &fn))
        {
          set_free (&set);
          return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                              "<%s>: no free guest PCI slot (%s)", d->what,
                              q35 ? "add a pcie-root-port" : "add a pci-bridge"), FALSE;
        }
      reserve (bus_at (&set, bus), slot, fn, d->what);
      d->info->addr.type = VMDEV_ADDR_PCI;
      d->info->addr.bus = bus;
      d->info->addr.slot = slot;
      d->info->addr.function = fn;
    }

  /* multifunction='on' for function 0 of a slot with more functions in use */
  for (guint i = 0; i < devs->len; i++)
    {
      Dev *d = &g_array_index (devs, Dev, i);
      VmdevAddress *a = &d->info->addr;
      Bus *b = bus_at (&set, a->bus);

      if (a->type == VMDEV_ADDR_PCI && a->function == 0 && b != NULL &&
          (b->used[a->slot] & 0xfe) && a->multifunction == VMDEV_TRI_ABSENT)
        a->multifunction = VMDEV_TRI_YES;
    }
  set_free (&set);

  /* The controllers' defaults that depend on their address. */
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, "pci") != 0)
        continue;
      if (strcmp (c->model, "pcie-root-port") == 0)
        {
          if (c->model_name == NULL)
            c->model_name = g_strdup ("pcie-root-port");
          if (c->chassis < 0)
            c->chassis = c->index;
          if (c->port < 0)
            c->port = (int) ((c->info.addr.slot << 3) + c->info.addr.function);
        }
      else if (strcmp (c->model, "pcie-to-pci-bridge") == 0)
        {
          if (c->model_name == NULL)
            c->model_name = g_strdup ("pcie-pci-bridge");
        }
      else if (strcmp (c->model, "pci-bridge") == 0)
        {
          if (c->model_name == NULL)
            c->model_name = g_strdup ("pci-bridge");
          if (c->chassis_nr < 0)
            c->chassis_nr = c->index;
          if (c->info.addr.type == VMDEV_ADDR_PCI && (int) c->info.addr.bus >= c->index)
            return g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                                "<controller type='pci' index='%d' model='pci-bridge'>: it sits "
                                "on bus 0x%02x, but a bridge's index must be larger than its bus",
                                c->index, c->info.addr.bus), FALSE;
        }
    }
  return TRUE;
}
