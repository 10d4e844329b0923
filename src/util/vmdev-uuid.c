#include "util/vmdev-uuid.h"

#include "util/vmdev-error.h"

#include <string.h>

static gboolean
is_dash_position (size_t i)
{
  return i == 8 || i == 13 || i == 18 || i == 23;
}

gboolean
vmdev_uuid_normalize (const char *in, char out[VMDEV_UUID_BUFSIZE], GError **error)
{
  size_t len = in ? strlen (in) : 0;
  char hex[32];
  size_t n = 0;

  if (len == VMDEV_UUID_LEN)
    {
      for (size_t i = 0; i < len; i++)
        {
          if (is_dash_position (i))
            {
              if (in[i] != '-')
                goto bad;
            }
          else if (!g_ascii_isxdigit (in[i]))
            goto bad;
          else
            hex[n++] = g_ascii_tolower (in[i]);
        }
    }
  else if (len == 32)
    {
      for (size_t i = 0; i < len; i++)
        {
          if (!g_ascii_isxdigit (in[i]))
            goto bad;
          hex[n++] = g_ascii_tolower (in[i]);
        }
    }
  else
    goto bad;

  for (size_t i = 0, j = 0; i < VMDEV_UUID_LEN; i++)
    out[i] = is_dash_position (i) ? '-' : hex[j++];
  out[VMDEV_UUID_LEN] = '\0';
  return TRUE;

bad:
  {
    g_autofree char *shown = g_strescape (in ? in : "", NULL);
    g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
                 "invalid UUID: '%s': expected 36 characters like "
                 "c2177883-f1bb-47f0-914d-32a22e3a8804 or 32 hex digits",
                 shown);
  }
  return FALSE;
}

gboolean
vmdev_uuid_is_canonical (const char *s)
{
  /* What vmdev_uuid_normalize() writes: lower-case hex digits and dashes.
   * (Checked directly: listings ask this of every name.) */
  if (s == NULL)
    return FALSE;
  for (size_t i = 0; i < VMDEV_UUID_LEN; i++)
    {
      char c = s[i];

      /* Tests for a hex digit first: 32 of the 36 are. */
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) &&
          !(c == '-' && is_dash_position (i)))
        return FALSE;
    }
  /* All 36 are digits or dashes in a dash position: are the dashes there? */
  return s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
         s[VMDEV_UUID_LEN] == '\0';
}

void
vmdev_uuid_generate (char out[VMDEV_UUID_BUFSIZE])
{
  g_autofree char *s = g_uuid_string_random ();

  memcpy (out, s, VMDEV_UUID_BUFSIZE);
}

guint
vmdev_uuid_hash (gconstpointer key)
{
  const char *s = key;
  guint64 h = 0;

  if (strnlen (s, VMDEV_UUID_LEN + 1) != VMDEV_UUID_LEN)
    return g_str_hash (key);
  /* Bytes 0-7, 8-15, 16-23, 24-31 and 28-35, each mixed in by a multiply. */
  for (guint i = 0; i < VMDEV_UUID_LEN; i += 8)
    {
      guint64 word;

      memcpy (&word, s + MIN (i, VMDEV_UUID_LEN - 8), sizeof word);
      h = (h ^ word) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
    }
  return (guint) (h ^ (h >> 32));
}
