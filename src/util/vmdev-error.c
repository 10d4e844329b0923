#include "util/vmdev-error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (vmdev-error-quark, vmdev_error)

gboolean
vmdev_error_from_errno (GError **error, int errnum, const char *action, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errnum),
               "%s: %s: %s", action, path, g_strerror (errnum));
  return FALSE;
}

gboolean
vmdev_error_is_errno (const GError *error, int errnum)
{
  return error != NULL && error->domain == G_IO_ERROR &&
         error->code == (int) g_io_error_from_errno (errnum);
}
