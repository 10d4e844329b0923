#include "util/vmdev-name.h"

#include "util/vmdev-error.h"

#include <string.h>

gboolean
vmdev_name_check (const char *what, const char *value, GError **error)
{
  const char *why = NULL;
  size_t len = value ? strlen (value) : 0;

  if (len == 0)
    why = "it is empty";
  else if (len > VMDEV_NAME_MAX)
    why = "it is longer than 255 bytes";
  else if (strcmp (value, ".") == 0 || strcmp (value, "..") == 0)
    why = "'.' and '..' are not names";
  else if (strchr (value, '/') != NULL)
    why = "it contains '/'";
  else
    for (const char *p = value; *p; p++)
      if ((unsigned char) *p < 0x20 || *p == 0x7f)
        {
          why = "it contains a control character";
          break;
        }

  if (why == NULL)
    return TRUE;
  {
    g_autofree char *shown = g_strescape (value ? value : "", NULL);
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                 "invalid %s name: '%s': %s", what, shown, why);
  }
  return FALSE;
}
