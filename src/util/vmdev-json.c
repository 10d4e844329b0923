#include "util/vmdev-json.h"

#include "util/vmdev-error.h"

#include <string.h>

/* From this many members on, an object being read is indexed by name, so
 * that a large object's duplicate check stays linear. */
#define INDEX_FROM 16

static VmdevJson *
value_new (VmdevJsonType type)
{
  VmdevJson *value = g_new0 (VmdevJson, 1);

  value->type = type;
  return value;
}

static void
member_free (VmdevJsonMember *member)
{
  g_free (member->name);
  vmdev_json_free (member->value);
  g_free (member);
}

void
vmdev_json_free (VmdevJson *value)
{
  if (value == NULL)
    return;
  g_free (value->text);
  if (value->items != NULL)
    g_ptr_array_unref (value->items);
  g_free (value);
}

VmdevJson *
vmdev_json_object_new (void)
{
  VmdevJson *object = value_new (VMDEV_JSON_OBJECT);

  object->items = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  return object;
}

static VmdevJsonMember *
object_find (const VmdevJson *object, const char *name)
{
  for (guint i = 0; i < object->items->len; i++)
    {
      VmdevJsonMember *member = g_ptr_array_index (object->items, i);

      if (strcmp (member->name, name) == 0)
        return member;
    }
  return NULL;
}

VmdevJson *
vmdev_json_object_get (const VmdevJson *object, const char *name)
{
  VmdevJsonMember *member;

  g_return_val_if_fail (object->type == VMDEV_JSON_OBJECT, NULL);
  member = object_find (object, name);
  return member != NULL ? member->value : NULL;
}

VmdevJson *
vmdev_json_object_take (VmdevJson *object, const char *name)
{
  VmdevJsonMember *member;
  VmdevJson *value;

  g_return_val_if_fail (object->type == VMDEV_JSON_OBJECT, NULL);
  member = object_find (object, name);
  if (member == NULL)
    return NULL;
  value = g_steal_pointer (&member->value);
  g_ptr_array_remove (object->items, member);  /* frees the member and its name */
  return value;
}

/* Replaces the value of @member, or adds @name: @value to @object when
 * @member is NULL; returns the member. */
static VmdevJsonMember *
object_put (VmdevJson *object, VmdevJsonMember *member, const char *name, VmdevJson *value)
{
  if (member != NULL)
    {
      vmdev_json_free (member->value);
      member->value = value;
      return member;
    }
  member = g_new (VmdevJsonMember, 1);
  member->name = g_strdup (name);
  member->value = value;
  g_ptr_array_add (object->items, member);
  return member;
}

void
vmdev_json_object_set (VmdevJson *object, const char *name, VmdevJson *value)
{
  g_return_if_fail (object->type == VMDEV_JSON_OBJECT);
  object_put (object, object_find (object, name), name, value);
}

VmdevJson *
vmdev_json_string_new (const char *value)
{
  VmdevJson *v = value_new (VMDEV_JSON_STRING);

  v->text = g_strdup (value);
  return v;
}

VmdevJson *
vmdev_json_int_new (gint64 value)
{
  VmdevJson *v = value_new (VMDEV_JSON_NUMBER);

  v->text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return v;
}

VmdevJson *
vmdev_json_boolean_new (gboolean value)
{
  VmdevJson *v = value_new (VMDEV_JSON_BOOLEAN);

  v->boolean = value != FALSE;
  return v;
}

VmdevJson *
vmdev_json_null_new (void)
{
  return value_new (VMDEV_JSON_NULL);
}

VmdevJson *
vmdev_json_array_new (void)
{
  VmdevJson *array = value_new (VMDEV_JSON_ARRAY);

  array->items = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_json_free);
  return array;
}

void
vmdev_json_array_add (VmdevJson *array, VmdevJson *value)
{
  g_return_if_fail (array->type == VMDEV_JSON_ARRAY);
  g_ptr_array_add (array->items, value);
}

VmdevJson *
vmdev_json_copy (const VmdevJson *value)
{
  VmdevJson *copy;

  switch (value->type)
    {
    case VMDEV_JSON_ARRAY:
      copy = vmdev_json_array_new ();
      for (guint i = 0; i < value->items->len; i++)
        vmdev_json_array_add (copy, vmdev_json_copy (g_ptr_array_index (value->items, i)));
      return copy;
    case VMDEV_JSON_OBJECT:
      copy = vmdev_json_object_new ();
      for (guint i = 0; i < value->items->len; i++)
        {
          const VmdevJsonMember *m = g_ptr_array_index (value->items, i);

          object_put (copy, NULL, m->name, vmdev_json_copy (m->value));
        }
      return copy;
    default:
      copy = value_new (value->type);
      copy->boolean = value->boolean;
      copy->text = g_strdup (value->text);
      return copy;
    }
}

/* The member @name of @object if it has @type, else NULL. */
static VmdevJson *
member_of_type (const VmdevJson *object, const char *name, VmdevJsonType type)
{
  VmdevJsonMember *member;

  if (object == NULL || object->type != VMDEV_JSON_OBJECT)
    return NULL;
  member = object_find (object, name);
  return member != NULL && member->value->type == type ? member->value : NULL;
}

const char *
vmdev_json_get_string (const VmdevJson *object, const char *name, const char *fallback)
{
  VmdevJson *v = member_of_type (object, name, VMDEV_JSON_STRING);

  return v != NULL ? v->text : fallback;
}

gboolean
vmdev_json_to_int (const VmdevJson *value, gint64 *out)
{
  if (value == NULL || value->type != VMDEV_JSON_NUMBER)
    return FALSE;
  /* The reader has checked the syntax: an integer is the digits with an
   * optional '-'; g_ascii_string_to_signed refuses what does not fit. */
  return strpbrk (value->text, ".eE") == NULL &&
         g_ascii_string_to_signed (value->text, 10, G_MININT64, G_MAXINT64, out, NULL);
}

gint64
vmdev_json_get_int (const VmdevJson *object, const char *name, gint64 fallback)
{
  gint64 n;

  return vmdev_json_to_int (member_of_type (object, name, VMDEV_JSON_NUMBER), &n) ? n : fallback;
}

gboolean
vmdev_json_get_boolean (const VmdevJson *object, const char *name, gboolean fallback)
{
  VmdevJson *v = member_of_type (object, name, VMDEV_JSON_BOOLEAN);

  return v != NULL ? v->boolean : fallback;
}

VmdevJson *
vmdev_json_get_object (const VmdevJson *object, const char *name)
{
  return member_of_type (object, name, VMDEV_JSON_OBJECT);
}

VmdevJson *
vmdev_json_get_array (const VmdevJson *object, const char *name)
{
  return member_of_type (object, name, VMDEV_JSON_ARRAY);
}

const char *
vmdev_json_type_name (const VmdevJson *value)
{
  switch (value->type)
    {
    case VMDEV_JSON_NULL: return "null";
    case VMDEV_JSON_BOOLEAN: return "a boolean";
    case VMDEV_JSON_NUMBER: return "a number";
    case VMDEV_JSON_STRING: return "a string";
    case VMDEV_JSON_ARRAY: return "an array";
    case VMDEV_JSON_OBJECT: return "an object";
    }
  g_return_val_if_reached ("a value");
}

/* ---- reading ---- */

typedef struct
{
  const char *start;
  const char *p;      /* the next byte to read */
  const char *end;
  guint depth;
  GError **error;
} Reader;

static VmdevJson *read_value (Reader *r);

/* Sets the error "line L, column C: <reason>" for the position @at. */
static VmdevJson *
fail_at (Reader *r, const char *at, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static VmdevJson *
fail_at (Reader *r, const char *at, const char *fmt, ...)
{
  g_autofree char *why = NULL;
  guint line = 1, column = 1;
  va_list ap;

  for (const char *q = r->start; q < at; q++)
    {
      if (*q == '\n')
        {
          line++;
          column = 1;
        }
      else if (((guchar) *q & 0xc0) != 0x80)   /* not a UTF-8 continuation byte */
        column++;
    }
  va_start (ap, fmt);
  why = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG, "line %u, column %u: %s",
               line, column, why);
  return NULL;
}

/* What is at r->p, for "unexpected ...": "end of text", "character 'x'", or
 * "character U+XXXX" when it is not printable ASCII; in @buf. */
static const char *
describe_next (const Reader *r, char buf[32])
{
  gunichar c;

  if (r->p == r->end)
    return "end of text";
  c = g_utf8_get_char (r->p);
  if (c == '\'')
    g_snprintf (buf, 32, "character \"'\"");
  else if (c > 0x20 && c < 0x7f)
    g_snprintf (buf, 32, "character '%c'", (char) c);
  else
    g_snprintf (buf, 32, "character U+%04X", c);
  return buf;
}

/* "unexpected <what is at r->p>, expected @what". */
static VmdevJson *
fail_unexpected (Reader *r, const char *what)
{
  char buf[32];

  return fail_at (r, r->p, "unexpected %s, expected %s", describe_next (r, buf), what);
}

static void
skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits after "\u" at @p, or -1. */
static int
read_hex4 (Reader *r, const char *p)
{
  int v = 0;

  if (r->end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int d = hex_digit (p[i]);

      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

/* The escape at r->p (a backslash), appended to @out. */
static gboolean
read_escape (Reader *r, GString *out)
{
  const char *at = r->p;
  int u, low;

  if (r->end - r->p < 2)
    {
      r->p = r->end;
      fail_unexpected (r, "an escaped character");
      return FALSE;
    }
  r->p += 2;
  switch (at[1])
    {
    case '"': g_string_append_c (out, '"'); return TRUE;
    case '\\': g_string_append_c (out, '\\'); return TRUE;
    case '/': g_string_append_c (out, '/'); return TRUE;
    case 'b': g_string_append_c (out, '\b'); return TRUE;
    case 'f': g_string_append_c (out, '\f'); return TRUE;
    case 'n': g_string_append_c (out, '\n'); return TRUE;
    case 'r': g_string_append_c (out, '\r'); return TRUE;
    case 't': g_string_append_c (out, '\t'); return TRUE;
    case 'u': break;
    default:
      if ((guchar) at[1] > 0x20 && (guchar) at[1] < 0x7f)
        fail_at (r, at, "invalid escape '\\%c' in a string", at[1]);
      else
        fail_at (r, at, "invalid escape in a string");
      return FALSE;
    }
  if ((u = read_hex4 (r, r->p)) < 0)
    {
      fail_at (r, at, "invalid escape in a string: \\u takes four hexadecimal digits");
      return FALSE;
    }
  r->p += 4;
  if (u == 0)
    {
      fail_at (r, at, "\\u0000 in a string is not supported");
      return FALSE;
    }
  if (u >= 0xdc00 && u <= 0xdfff)
    {
      fail_at (r, at, "unpaired surrogate \\u%04x in a string", (guint) u);
      return FALSE;
    }
  if (u >= 0xd800 && u <= 0xdbff)
    {
      if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
          (low = read_hex4 (r, r->p + 2)) < 0xdc00 || low > 0xdfff)
        {
          fail_at (r, at, "unpaired surrogate \\u%04x in a string", (guint) u);
          return FALSE;
        }
      r->p += 6;
      u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
    }
  g_string_append_unichar (out, u);
  return TRUE;
}

/* The string at r->p (its opening quote), as a new C string, or NULL. */
static char *
read_string (Reader *r)
{
  const char *open = r->p++;
  const char *run = r->p;
  GString *out = NULL;

  for (;;)
    {
      /* The plain characters up to the next quote, backslash or control character. */
      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (guchar) *r->p >= 0x20)
        r->p++;
      if (r->p == r->end)
        {
          fail_at (r, open, "unterminated string");
          break;
        }
      if (*r->p == '"')
        {
          r->p++;
          if (out == NULL)
            return g_strndup (run, r->p - 1 - run);
          g_string_append_len (out, run, r->p - 1 - run);
          return g_string_free (out, FALSE);
        }
      if (*r->p != '\\')
        {
          fail_at (r, r->p, "control character U+%04X in a string (write it escaped)",
                   (guint) (guchar) *r->p);
          break;
        }
      if (out == NULL)
        out = g_string_new (NULL);
      g_string_append_len (out, run, r->p - run);
      if (!read_escape (r, out))
        break;
      run = r->p;
    }
  if (out != NULL)
    g_string_free (out, TRUE);
  return NULL;
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-';
}

static gboolean
skip_digits (const char **p, const char *end)
{
  const char *from = *p;

  while (*p < end && g_ascii_isdigit (**p))
    (*p)++;
  return *p > from;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? is all of @s..@end. */
static gboolean
is_number (const char *s, const char *end)
{
  const char *p = s;

  if (p < end && *p == '-')
    p++;
  if (p < end && *p == '0')
    p++;
  else if (p == end || *p < '1' || *p > '9' || !skip_digits (&p, end))
    return FALSE;
  if (p < end && *p == '.')
    {
      p++;
      if (!skip_digits (&p, end))
        return FALSE;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (!skip_digits (&p, end))
        return FALSE;
    }
  return p == end;
}

/* A number or true, false, null: the word at r->p. */
static VmdevJson *
read_word (Reader *r)
{
  const char *word = r->p;
  gsize len;
  VmdevJson *value;

  while (r->p < r->end && is_word_char (*r->p))
    r->p++;
  len = r->p - word;
  if (*word == '-' || *word == '+' || *word == '.' || g_ascii_isdigit (*word))
    {
      if (!is_number (word, r->p))
        return fail_at (r, word, "invalid number '%.*s'", (int) MIN (len, 40), word);
      value = value_new (VMDEV_JSON_NUMBER);
      value->text = g_strndup (word, len);
      return value;
    }
  if (len == 4 && memcmp (word, "null", 4) == 0)
    return value_new (VMDEV_JSON_NULL);
  if ((len == 4 && memcmp (word, "true", 4) == 0) || (len == 5 && memcmp (word, "false", 5) == 0))
    {
      value = value_new (VMDEV_JSON_BOOLEAN);
      value->boolean = len == 4;
      return value;
    }
  if (len == 0)
    return fail_unexpected (r, "a value");
  return fail_at (r, word, "unexpected '%.*s', expected a value (true, false and null are "
                  "written in lower case)", (int) MIN (len, 40), word);
}

static VmdevJson *
read_array (Reader *r)
{
  g_autoptr(VmdevJson) array = value_new (VMDEV_JSON_ARRAY);

  array->items = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_json_free);
  r->p++;
  skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      return g_steal_pointer (&array);
    }
  for (;;)
    {
      VmdevJson *item = read_value (r);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (array->items, item);
      skip_space (r);
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          return g_steal_pointer (&array);
        }
      if (r->p == r->end || *r->p != ',')
        return fail_unexpected (r, "',' or ']'");
      r->p++;
    }
}

static VmdevJson *
read_object (Reader *r)
{
  g_autoptr(VmdevJson) object = vmdev_json_object_new ();
  g_autoptr(GHashTable) index = NULL;   /* name -> VmdevJsonMember*, from INDEX_FROM members */

  r->p++;
  skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      return g_steal_pointer (&object);
    }
  for (;;)
    {
      g_autofree char *name = NULL;
      VmdevJsonMember *member;
      VmdevJson *value;

      skip_space (r);
      if (r->p == r->end || *r->p != '"')
        return fail_unexpected (r, "a member name in double quotes");
      if ((name = read_string (r)) == NULL)
        return NULL;
      skip_space (r);
      if (r->p == r->end || *r->p != ':')
        return fail_unexpected (r, "':'");
      r->p++;
      if ((value = read_value (r)) == NULL)
        return NULL;
      member = index != NULL ? g_hash_table_lookup (index, name) : object_find (object, name);
      member = object_put (object, member, name, value);
      if (index == NULL && object->items->len >= INDEX_FROM)
        {
          index = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint i = 0; i < object->items->len; i++)
            {
              VmdevJsonMember *m = g_ptr_array_index (object->items, i);
              g_hash_table_insert (index, m->name, m);
            }
        }
      else if (index != NULL)
        g_hash_table_insert (index, member->name, member);
      skip_space (r);
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          return g_steal_pointer (&object);
        }
      if (r->p == r->end || *r->p != ',')
        return fail_unexpected (r, "',' or '}'");
      r->p++;
    }
}

static VmdevJson *
read_value (Reader *r)
{
  VmdevJson *value;
  char *s;

  skip_space (r);
  if (r->p == r->end)
    return fail_unexpected (r, "a value");
  switch (*r->p)
    {
    case '{':
    case '[':
      if (r->depth == VMDEV_JSON_MAX_DEPTH)
        return fail_at (r, r->p, "nested deeper than %d levels", VMDEV_JSON_MAX_DEPTH);
      r->depth++;
      value = *r->p == '{' ? read_object (r) : read_array (r);
      r->depth--;
      return value;
    case '"':
      if ((s = read_string (r)) == NULL)
        return NULL;
      value = value_new (VMDEV_JSON_STRING);
      value->text = s;
      return value;
    default:
      return read_word (r);
    }
}

gboolean
vmdev_json_parse (const char *data, gsize len, VmdevJson **out_value, GError **error)
{
  Reader r = { data, data, data + len, 0, error };
  g_autoptr(VmdevJson) value = NULL;

  skip_space (&r);
  if (r.p == r.end)
    {
      *out_value = NULL;
      return TRUE;
    }
  if ((value = read_value (&r)) == NULL)
    return FALSE;
  skip_space (&r);
  if (r.p != r.end)
    {
      char buf[32];

      fail_at (&r, r.p, "unexpected %s after the JSON value", describe_next (&r, buf));
      return FALSE;
    }
  *out_value = g_steal_pointer (&value);
  return TRUE;
}
