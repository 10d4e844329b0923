/* vmdev-error.h: the VMDEV_ERROR domain and the errno helper.
 *
 * Two error domains are used across libvmdev: G_IO_ERROR for failures of the
 * operating system (always made by vmdev_error_from_errno(), which names the
 * action and the path), and VMDEV_ERROR for meaning.
 *
 * G_IO_ERROR and g_io_error_from_errno() live in GIO; libvmdev makes the same
 * errors with VMDEV_IO_ERROR (the same quark: G_IO_ERROR and VMDEV_IO_ERROR
 * are equal) and vmdev_io_error_from_errno(), so that the light `vmdev`
 * links GLib alone.  Callers may test either. */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#define VMDEV_ERROR (vmdev_error_quark ())
GQuark vmdev_error_quark (void);

/* G_IO_ERROR, without calling into GIO. */
#define VMDEV_IO_ERROR (vmdev_io_error_quark ())
GQuark vmdev_io_error_quark (void);
/* g_io_error_from_errno(), without calling into GIO. */
GIOErrorEnum vmdev_io_error_from_errno (int errnum);

typedef enum
{
  VMDEV_ERROR_FAILED,         /* anything else */
  VMDEV_ERROR_INVALID_ARGUMENT, /* bad input from the user: UUID, name, option value */
  VMDEV_ERROR_INVALID_CONFIG, /* a malformed definition or configuration file */
  VMDEV_ERROR_INVALID_XML,
  VMDEV_ERROR_NOT_FOUND,      /* parent, type, device or definition does not exist */
  VMDEV_ERROR_EXISTS,         /* it exists already */
  VMDEV_ERROR_IN_USE,         /* busy: VFIO group open, claimed by a domain */
  VMDEV_ERROR_NO_SPACE,       /* no free instance of a type */
  VMDEV_ERROR_TIMEOUT,        /* a bounded wait ran out */
  VMDEV_ERROR_UNSUPPORTED,
  VMDEV_ERROR_BROKEN_ENTRY,   /* a sysfs or config entry that cannot be read as what it should be */
  VMDEV_ERROR_QMP,            /* QEMU answered a QMP command with an error, or broke the protocol */
} VmdevErrorCode;

/* Sets @error to G_IO_ERROR/g_io_error_from_errno(@errnum) with the message
 * "<action>: <path>: <strerror>".  Always returns FALSE so that it can end a
 * failing function: `return vmdev_error_from_errno (error, errno, "reading", path);` */
gboolean vmdev_error_from_errno (GError **error, int errnum,
                                 const char *action, const char *path);

/* TRUE when @error is the G_IO_ERROR made from @errnum. */
gboolean vmdev_error_is_errno (const GError *error, int errnum);
