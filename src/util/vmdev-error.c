#include "util/vmdev-error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (vmdev-error-quark, vmdev_error)

/* G_IO_ERROR without linking GIO: the same quark, made from the same name. */
G_DEFINE_QUARK (g-io-error-quark, vmdev_io_error)

GIOErrorEnum
vmdev_io_error_from_errno (int errnum)
{
  /* g_io_error_from_errno() of GLib 2.74 (a unit test compares them). */
  switch (errnum)
    {
    case EPERM: case EACCES: return G_IO_ERROR_PERMISSION_DENIED;
    case ENOENT: return G_IO_ERROR_NOT_FOUND;
    case ENXIO: return G_IO_ERROR_NOT_REGULAR_FILE;
    case EAGAIN: return G_IO_ERROR_WOULD_BLOCK;
    case ENOMEM: case ENOSPC: return G_IO_ERROR_NO_SPACE;
    case EBUSY: case ETXTBSY: return G_IO_ERROR_BUSY;
    case EEXIST: return G_IO_ERROR_EXISTS;
    case ENODEV: return G_IO_ERROR_NO_SUCH_DEVICE;
    case ENOTDIR: return G_IO_ERROR_NOT_DIRECTORY;
    case EISDIR: return G_IO_ERROR_IS_DIRECTORY;
    case EINVAL: case ENOTSOCK: return G_IO_ERROR_INVALID_ARGUMENT;
    case ENFILE: case EMFILE: return G_IO_ERROR_TOO_MANY_OPEN_FILES;
    case EROFS: return G_IO_ERROR_READ_ONLY;
    case EMLINK: case ELOOP: return G_IO_ERROR_TOO_MANY_LINKS;
    case EPIPE: case ECONNRESET: return G_IO_ERROR_BROKEN_PIPE;
    case ENAMETOOLONG: return G_IO_ERROR_FILENAME_TOO_LONG;
    case ENOSYS: case EPROTONOSUPPORT: case ESOCKTNOSUPPORT: case EOPNOTSUPP:
    case EPFNOSUPPORT: case EAFNOSUPPORT:
      return G_IO_ERROR_NOT_SUPPORTED;
    case ENOTEMPTY: return G_IO_ERROR_NOT_EMPTY;
    case ENOMSG: case ENODATA: case EBADMSG: return G_IO_ERROR_INVALID_DATA;
    case EMSGSIZE: return G_IO_ERROR_MESSAGE_TOO_LARGE;
    case EADDRINUSE: return G_IO_ERROR_ADDRESS_IN_USE;
    case ENETDOWN: case ENETUNREACH: return G_IO_ERROR_NETWORK_UNREACHABLE;
    case ENOTCONN: return G_IO_ERROR_NOT_CONNECTED;
    case ETIMEDOUT: return G_IO_ERROR_TIMED_OUT;
    case ECONNREFUSED: return G_IO_ERROR_CONNECTION_REFUSED;
    case EHOSTUNREACH: return G_IO_ERROR_HOST_UNREACHABLE;
    case ECANCELED: return G_IO_ERROR_CANCELLED;
    default: return G_IO_ERROR_FAILED;
    }
}

gboolean
vmdev_error_from_errno (GError **error, int errnum, const char *action, const char *path)
{
  /* No message nobody reads: the first g_strerror() of a process costs
   * ~50 us (the locale's charset, iconv). */
  if (error == NULL)
    return FALSE;
  g_set_error (error, VMDEV_IO_ERROR, vmdev_io_error_from_errno (errnum),
               "%s: %s: %s", action, path, g_strerror (errnum));
  return FALSE;
}

gboolean
vmdev_error_is_errno (const GError *error, int errnum)
{
  return error != NULL && error->domain == VMDEV_IO_ERROR &&
         error->code == (int) vmdev_io_error_from_errno (errnum);
}
