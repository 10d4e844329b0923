/* vmdev-domain-live.c: the live definition of a running domain (domain.xml
 * of its runtime directory).  Apart from status.json (vmdev-domain-status.c)
 * because it needs the XML parser: `vmdev domain destroy` reads the status
 * in the light binary, which does not load libxml2.  See vmdev-domain-live.h. */
#include "domain/vmdev-domain-live.h"

#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "util/vmdev-error.h"

#include <string.h>

VmdevDomain *
vmdev_domain_live_read (VmdevRoot *root, const char *name, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = NULL, *data = NULL;
  gsize len = 0;
  VmdevDomain *def;

  if (!vmdev_domain_run_file_read (root, name, VMDEV_DOMAIN_LIVE_FILE, &path, &data, &len, &local))
    {
      if (local == NULL)
        g_set_error (&local, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                     "domain '%s' has no live definition (it is not running)", name);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  def = vmdev_domain_parse (data, len, 0, error);
  if (def == NULL)
    g_prefix_error (error, "%s: ", path);
  return def;
}

gboolean
vmdev_domain_live_write (VmdevDir *dir, const VmdevDomain *def, GError **error)
{
  g_autofree char *xml = vmdev_domain_format (def);

  return vmdev_dir_write_atomic (dir, VMDEV_DOMAIN_LIVE_FILE, xml, strlen (xml), 0600, error);
}
