/* vmdev-domain.c: constructors and lookups of the domain model. */
#include "conf/vmdev-domain.h"

#include "util/vmdev-error.h"

#include <stdarg.h>
#include <string.h>

void
vmdev_device_info_init (VmdevDeviceInfo *info)
{
  memset (info, 0, sizeof *info);
  info->boot_order = -1;
  info->acpi_index = -1;
}

void
vmdev_device_info_clear (VmdevDeviceInfo *info)
{
  g_clear_pointer (&info->addr.usb_port, g_free);
  g_clear_pointer (&info->alias, g_free);
}

static void
disk_free (gpointer p)
{
  VmdevDisk *d = p;

  g_free (d->device);
  g_free (d->driver_name);
  g_free (d->driver_type);
  g_free (d->source);
  g_free (d->target_dev);
  g_free (d->target_bus);
  vmdev_device_info_clear (&d->info);
  g_free (d);
}

VmdevController *
vmdev_controller_new (const char *type, int index, const char *model)
{
  VmdevController *c = g_new0 (VmdevController, 1);

  c->type = g_strdup (type);
  c->index = index;
  c->model = g_strdup (model);
  c->chassis_nr = c->chassis = c->port = -1;
  vmdev_device_info_init (&c->info);
  return c;
}

void
vmdev_controller_free (VmdevController *c)
{
  if (c == NULL)
    return;
  g_free (c->type);
  g_free (c->model);
  g_free (c->model_name);
  vmdev_device_info_clear (&c->info);
  g_free (c);
}

VmdevInput *
vmdev_input_new (const char *type, const char *bus)
{
  VmdevInput *i = g_new0 (VmdevInput, 1);

  i->type = g_strdup (type);
  i->bus = g_strdup (bus);
  vmdev_device_info_init (&i->info);
  return i;
}

static void
input_free (gpointer p)
{
  VmdevInput *i = p;

  g_free (i->type);
  g_free (i->bus);
  vmdev_device_info_clear (&i->info);
  g_free (i);
}

static void
interface_free (gpointer p)
{
  VmdevInterface *n = p;

  g_free (n->type);
  g_free (n->mac);
  g_free (n->model);
  vmdev_device_info_clear (&n->info);
  g_free (n);
}

VmdevChr *
vmdev_chr_new (VmdevChrKind kind)
{
  VmdevChr *c = g_new0 (VmdevChr, 1);

  c->kind = kind;
  c->target_port = -1;
  vmdev_device_info_init (&c->info);
  return c;
}

static void
chr_free (gpointer p)
{
  VmdevChr *c = p;

  g_free (c->type);
  g_free (c->source_path);
  g_free (c->source_mode);
  g_free (c->target_type);
  g_free (c->target_model);
  vmdev_device_info_clear (&c->info);
  g_free (c);
}

static void
graphics_free (gpointer p)
{
  VmdevGraphics *g = p;

  g_free (g->type);
  g_free (g->listen);
  g_free (g->listen_type);
  g_free (g->listen_address);
  g_free (g->gl_rendernode);
  g_free (g);
}

VmdevAudio *
vmdev_audio_new (int id, const char *type)
{
  VmdevAudio *a = g_new0 (VmdevAudio, 1);

  a->id = id;
  a->type = g_strdup (type);
  return a;
}

static void
audio_free (gpointer p)
{
  VmdevAudio *a = p;

  g_free (a->type);
  g_free (a);
}

VmdevVideo *
vmdev_video_new (const char *model)
{
  VmdevVideo *v = g_new0 (VmdevVideo, 1);

  v->model = g_strdup (model);
  v->vram = v->ram = v->vgamem = v->heads = -1;
  vmdev_device_info_init (&v->info);
  return v;
}

static void
video_free (gpointer p)
{
  VmdevVideo *v = p;

  g_free (v->model);
  vmdev_device_info_clear (&v->info);
  g_free (v);
}

VmdevHostdev *
vmdev_hostdev_new (void)
{
  VmdevHostdev *h = g_new0 (VmdevHostdev, 1);

  vmdev_device_info_init (&h->info);
  return h;
}

void
vmdev_hostdev_free (VmdevHostdev *h)
{
  if (h == NULL)
    return;
  g_free (h->uuid);
  g_free (h->mdev_type);
  g_free (h->mdev_parent);
  vmdev_device_info_clear (&h->info);
  g_free (h);
}

VmdevMemballoon *
vmdev_memballoon_new (const char *model)
{
  VmdevMemballoon *m = g_new0 (VmdevMemballoon, 1);

  m->model = g_strdup (model);
  vmdev_device_info_init (&m->info);
  return m;
}

void
vmdev_memballoon_free (VmdevMemballoon *m)
{
  if (m == NULL)
    return;
  g_free (m->model);
  vmdev_device_info_clear (&m->info);
  g_free (m);
}

VmdevDomain *
vmdev_domain_new (void)
{
  VmdevDomain *def = g_new0 (VmdevDomain, 1);

  def->vcpu_current = -1;
  def->os_boot = g_ptr_array_new_with_free_func (g_free);
  def->disks = g_ptr_array_new_with_free_func (disk_free);
  def->controllers = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_controller_free);
  def->interfaces = g_ptr_array_new_with_free_func (interface_free);
  def->serials = g_ptr_array_new_with_free_func (chr_free);
  def->consoles = g_ptr_array_new_with_free_func (chr_free);
  def->inputs = g_ptr_array_new_with_free_func (input_free);
  def->graphics = g_ptr_array_new_with_free_func (graphics_free);
  def->audios = g_ptr_array_new_with_free_func (audio_free);
  def->videos = g_ptr_array_new_with_free_func (video_free);
  def->hostdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_hostdev_free);
  return def;
}

void
vmdev_domain_free (VmdevDomain *def)
{
  if (def == NULL)
    return;
  g_free (def->type);
  g_free (def->name);
  g_free (def->title);
  g_free (def->description);
  g_free (def->vcpu_placement);
  g_free (def->os_type);
  g_free (def->os_arch);
  g_free (def->os_machine);
  g_free (def->os_kernel);
  g_free (def->os_initrd);
  g_free (def->os_cmdline);
  g_ptr_array_unref (def->os_boot);
  g_free (def->cpu_mode);
  g_free (def->cpu_match);
  g_free (def->cpu_check);
  g_free (def->cpu_model);
  g_free (def->cpu_model_fallback);
  g_free (def->clock_offset);
  g_free (def->on_poweroff);
  g_free (def->on_reboot);
  g_free (def->on_crash);
  g_free (def->emulator);
  g_ptr_array_unref (def->disks);
  g_ptr_array_unref (def->controllers);
  g_ptr_array_unref (def->interfaces);
  g_ptr_array_unref (def->serials);
  g_ptr_array_unref (def->consoles);
  g_ptr_array_unref (def->inputs);
  g_ptr_array_unref (def->graphics);
  g_ptr_array_unref (def->audios);
  g_ptr_array_unref (def->videos);
  g_ptr_array_unref (def->hostdevs);
  vmdev_memballoon_free (def->memballoon);
  g_free (def->panic_model);
  g_free (def);
}

VmdevController *
vmdev_domain_find_controller (const VmdevDomain *def, const char *type, int index)
{
  for (guint i = 0; i < def->controllers->len; i++)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, type) == 0 && c->index == index)
        return c;
    }
  return NULL;
}

void
vmdev_domain_insert_controller (VmdevDomain *def, VmdevController *ctrl)
{
  int at = -1;

  for (int i = (int) def->controllers->len - 1; i >= 0; i--)
    {
      VmdevController *c = g_ptr_array_index (def->controllers, i);

      if (strcmp (c->type, ctrl->type) != 0)
        continue;
      if (c->index > ctrl->index)
        at = i;
      else
        {
          at = i + 1;
          break;
        }
    }
  if (at < 0)
    g_ptr_array_add (def->controllers, ctrl);
  else
    g_ptr_array_insert (def->controllers, at, ctrl);
}

gboolean
vmdev_machine_is_q35 (const char *machine)
{
  return machine != NULL && (strcmp (machine, "q35") == 0 || g_str_has_prefix (machine, "pc-q35-"));
}

gboolean
vmdev_machine_is_i440fx (const char *machine)
{
  return machine != NULL && (strcmp (machine, "pc") == 0 ||
                             g_str_has_prefix (machine, "pc-i440fx-") ||
                             g_str_has_prefix (machine, "pc-0.") ||
                             g_str_has_prefix (machine, "pc-1."));
}

gboolean
vmdev_machine_is_s390 (const char *machine)
{
  return machine != NULL && g_str_has_prefix (machine, "s390-ccw-virtio");
}

static const char *const mdev_models[] = { "vfio-pci", "vfio-ccw", "vfio-ap" };

const char *
vmdev_mdev_model_to_string (VmdevMdevModel model)
{
  return mdev_models[model];
}

gboolean
vmdev_mdev_model_from_string (const char *s, VmdevMdevModel *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (mdev_models); i++)
    if (strcmp (s, mdev_models[i]) == 0)
      {
        *out = (VmdevMdevModel) i;
        return TRUE;
      }
  return FALSE;
}

int
vmdev_domain_find_hostdev_uuid (const VmdevDomain *def, const char *uuid)
{
  for (guint i = 0; i < def->hostdevs->len; i++)
    {
      VmdevHostdev *h = g_ptr_array_index (def->hostdevs, i);

      if (h->uuid != NULL && strcmp (h->uuid, uuid) == 0)
        return (int) i;
    }
  return -1;
}

gboolean
vmdev_domain_invalid (GError **error, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  g_propagate_error (error, g_error_new_valist (VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, fmt, ap));
  va_end (ap);
  return FALSE;
}
