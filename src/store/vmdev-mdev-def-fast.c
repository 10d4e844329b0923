#include "store/vmdev-mdev-def-fast.h"

#include "util/vmdev-attr.h"
#include "util/vmdev-name.h"

#include <string.h>

/* The unread part of the text. */
typedef struct
{
  const char *p;
  const char *end;
} Cursor;

/* A string's bytes, in the text (not NUL-terminated). */
typedef struct
{
  const char *s;
  gsize len;
} Span;

static void
skip_space (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

/* Skips whitespace, then @ch if it comes next. */
static gboolean
eat (Cursor *c, char ch)
{
  skip_space (c);
  if (c->p == c->end || *c->p != ch)
    return FALSE;
  c->p++;
  return TRUE;
}

/* Skips whitespace, then a string without escapes or control characters. */
static gboolean
eat_string (Cursor *c, Span *out)
{
  const char *start;

  if (!eat (c, '"'))
    return FALSE;
  start = c->p;
  while (c->p < c->end && *c->p != '"')
    {
      if (*c->p == '\\' || (guchar) *c->p < 0x20)
        return FALSE;
      c->p++;
    }
  if (c->p == c->end)
    return FALSE;
  out->s = start;
  out->len = c->p - start;
  c->p++;
  return TRUE;
}

static gboolean
span_is (Span span, const char *word)
{
  return span.len == strlen (word) && memcmp (span.s, word, span.len) == 0;
}

/* The array [{"name": "value"}, ...] into *@out: NULL when it is empty (no
 * allocation for the common "attrs": []). */
static gboolean
eat_attrs (Cursor *c, GPtrArray **out)
{
  g_autoptr(GPtrArray) attrs = NULL;

  if (!eat (c, '['))
    return FALSE;
  if (eat (c, ']'))
    return TRUE;
  attrs = vmdev_attr_list_new ();
  do
    {
      VmdevAttr *attr;
      Span n, v;

      if (!eat (c, '{') || !eat_string (c, &n) || !eat (c, ':') || !eat_string (c, &v) ||
          !eat (c, '}'))
        return FALSE;
      /* (the strings copied once, straight from the text) */
      attr = g_new (VmdevAttr, 1);
      attr->name = g_strndup (n.s, n.len);
      attr->value = g_strndup (v.s, v.len);
      g_ptr_array_add (attrs, attr);
    }
  while (eat (c, ','));
  if (!eat (c, ']'))
    return FALSE;
  *out = g_steal_pointer (&attrs);
  return TRUE;
}

gboolean
vmdev_mdev_definition_parse_fast (VmdevMdevDefinition *def, const char *data, gsize len)
{
  Cursor c = { data, data + len };
  g_autoptr(GPtrArray) attrs = NULL;
  g_autofree char *mdev_type = NULL;
  gboolean have_type = FALSE, have_start = FALSE, have_attrs = FALSE;
  Span type = { NULL, 0 }, start = { NULL, 0 };

  if (!g_utf8_validate_len (data, len, NULL) || !eat (&c, '{'))
    return FALSE;
  do
    {
      gboolean ok;
      Span key;

      if (!eat_string (&c, &key) || !eat (&c, ':'))
        return FALSE;
      /* Another key, or one seen twice, is the full reader's business. */
      if (span_is (key, "mdev_type") && !have_type)
        ok = have_type = eat_string (&c, &type);
      else if (span_is (key, "start") && !have_start)
        ok = have_start = eat_string (&c, &start);
      else if (span_is (key, "attrs") && !have_attrs)
        ok = have_attrs = eat_attrs (&c, &attrs);
      else
        ok = FALSE;
      if (!ok)
        return FALSE;
    }
  while (eat (&c, ','));
  if (!eat (&c, '}'))
    return FALSE;
  skip_space (&c);
  if (c.p != c.end || !have_type || !have_start)
    return FALSE;
  mdev_type = g_strndup (type.s, type.len);
  if (!vmdev_name_check ("mdev type", mdev_type, NULL))
    return FALSE;

  def->auto_start = span_is (start, "auto");
  g_free (def->mdev_type);
  def->mdev_type = g_steal_pointer (&mdev_type);
  if (attrs != NULL)
    {
      g_ptr_array_unref (def->attrs);
      def->attrs = g_steal_pointer (&attrs);
    }
  else
    g_ptr_array_set_size (def->attrs, 0);
  g_clear_pointer (&def->unknown, vmdev_json_free);
  return TRUE;
}
