/* test-store.c: persistent mdev definitions (src/store/vmdev-mdev-def.c), the JSON
 * writer, and the JSON reader (src/util/vmdev-json.c) against json-glib. */
#include "test-tree.h"
#include "store/vmdev-json-writer.h"
#include "store/vmdev-mdev-def-fast.h"
#include "store/vmdev-mdev-def.h"
#include "util/vmdev-attr.h"
#include "util/vmdev-error.h"
#include "util/vmdev-json.h"
#include "util/vmdev-json-string.h"
#include "util/vmdev-name.h"

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>
#include <string.h>

#define UUID1 "11111111-2222-3333-4444-555555555555"
#define UUID2 "22222222-2222-3333-4444-555555555555"

typedef struct
{
  char *dir;
  VmdevRoot *root;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("vmdev-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->root = vmdev_root_open (f->dir, &error);
  g_assert_no_error (error);
}


static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  vmdev_root_free (f->root);
  test_tree_remove (f->dir);
  g_free (f->dir);
}

static void
write_file (Fixture *f, const char *rel, const char *content)
{
  g_autofree char *path = g_build_filename (f->dir, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
}

static char *
read_file (Fixture *f, const char *rel)
{
  g_autofree char *path = g_build_filename (f->dir, rel, NULL);
  char *content = NULL;

  if (!g_file_get_contents (path, &content, NULL, NULL))
    return NULL;
  return content;
}

/* Every byte 0x01-0xff as serde_json writes it: the two-character escapes,
 * other control characters as \u00XX, DEL escaped only on request, the rest
 * (UTF-8 bytes too) as it is. */
static void
test_json_string_every_byte (void)
{
  /* a character and the letter after its backslash */
  static const char two_char[][2] = {
    { '"', '"' }, { '\\', '\\' }, { '\b', 'b' }, { '\f', 'f' }, { '\n', 'n' }, { '\r', 'r' },
    { '\t', 't' },
  };

  for (guint flags = 0; flags <= VMDEV_JSON_STRING_ESCAPE_DEL; flags++)
    {
      g_autoptr(GString) got = g_string_new (NULL);
      g_autoptr(GString) want = g_string_new ("\"");
      char all[256];

      for (guint c = 1; c < 256; c++)
        {
          char letter = 0;

          all[c - 1] = (char) c;
          for (guint i = 0; i < G_N_ELEMENTS (two_char); i++)
            if ((guchar) two_char[i][0] == c)
              letter = two_char[i][1];
          if (letter != 0)
            g_string_append_printf (want, "\\%c", letter);
          else if (c < 0x20 || (c == 0x7f && flags != 0))
            g_string_append_printf (want, "\\u%04x", c);
          else
            g_string_append_c (want, (char) c);
        }
      all[255] = '\0';
      g_string_append_c (want, '"');
      vmdev_json_string_append (got, all, flags);
      g_assert_cmpstr (got->str, ==, want->str);
    }
}

static void
test_writer_serde_shape (void)
{
  g_autoptr(VmdevJsonWriter) w = vmdev_json_writer_new (TRUE);
  const char *expected =
    "[\n"
    "  {\n"
    "    \"a\": [],\n"
    "    \"b\": {},\n"
    "    \"c\": \"q\\\"\\\\\\n\\t\\u0001/\xc3\xa9\",\n"
    "    \"d\": 42\n"
    "  }\n"
    "]";

  vmdev_json_writer_begin_array (w);
  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_key (w, "a");
  vmdev_json_writer_begin_array (w);
  vmdev_json_writer_end_array (w);
  vmdev_json_writer_key (w, "b");
  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_end_object (w);
  vmdev_json_writer_key (w, "c");
  vmdev_json_writer_string (w, "q\"\\\n\t\001/\xc3\xa9");
  vmdev_json_writer_key (w, "d");
  vmdev_json_writer_uint (w, 42);
  vmdev_json_writer_end_object (w);
  vmdev_json_writer_end_array (w);
  g_assert_cmpstr (vmdev_json_writer_get (w, NULL), ==, expected);
}

static void
test_parse_and_format (void)
{
  /* What mdevctl 1.2 writes, byte for byte. */
  const char *mdevctl_file =
    "{\n"
    "  \"mdev_type\": \"mtty-1\",\n"
    "  \"start\": \"auto\",\n"
    "  \"attrs\": [\n"
    "    {\n"
    "      \"a\": \"1\"\n"
    "    },\n"
    "    {\n"
    "      \"a\": \"x y\"\n"
    "    }\n"
    "  ]\n"
    "}";
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "mtty", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  VmdevAttr *attr;

  g_assert_true (vmdev_mdev_definition_parse (def, mdevctl_file, strlen (mdevctl_file), "f", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (def->mdev_type, ==, "mtty-1");
  g_assert_true (def->auto_start);
  g_assert_cmpuint (def->attrs->len, ==, 2);
  attr = g_ptr_array_index (def->attrs, 1);
  g_assert_cmpstr (attr->name, ==, "a");
  g_assert_cmpstr (attr->value, ==, "x y");
  g_assert_null (def->unknown);
  text = vmdev_mdev_definition_to_json (def, TRUE, NULL);
  g_assert_cmpstr (text, ==, mdevctl_file);
}

static void
test_parse_lenient_like_mdevctl (void)
{
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "p", NULL);
  g_autoptr(GError) error = NULL;
  const char *text = "{\"mdev_type\": \"t\", \"start\": \"whatever\"}";

  /* No attrs, and a start that is not "auto": manual. */
  g_assert_true (vmdev_mdev_definition_parse (def, text, strlen (text), "f", &error));
  g_assert_false (def->auto_start);
  g_assert_cmpuint (def->attrs->len, ==, 0);
}

static void
test_parse_errors (void)
{
  const struct { const char *text; const char *message; } cases[] = {
    { "{bad", "f: line 1, column 2: unexpected character 'b', expected a member name in double quotes" },
    { "{\"mdev_type\": \"t\",\n \"start\": [", "f: line 2, column 12: unexpected end of text, expected a value" },
    { "{\"mdev_type\": \"t\",\n \"\xc3\xa9\": x}", "f: line 2, column 7: unexpected 'x', expected a value "
      "(true, false and null are written in lower case)" },
    { "{\"a\":TRUE}", "f: line 1, column 6: unexpected 'TRUE', expected a value (true, false and null "
      "are written in lower case)" },
    { "{\"a\" 1}", "f: line 1, column 6: unexpected character '1', expected ':'" },
    { "{\"a\":1 \"b\":2}", "f: line 1, column 8: unexpected character '\"', expected ',' or '}'" },
    { "[1 2]", "f: line 1, column 4: unexpected character '2', expected ',' or ']'" },
    { "{\"a\":1,}", "f: line 1, column 8: unexpected character '}', expected a member name in double quotes" },
    { "[1,]", "f: line 1, column 4: unexpected character ']', expected a value" },
    { "{'a':1}", "f: line 1, column 2: unexpected character \"'\", expected a member name in double quotes" },
    { "/* c */{}", "f: line 1, column 1: unexpected character '/', expected a value" },
    { "{} {}", "f: line 1, column 4: unexpected character '{' after the JSON value" },
    { "{}\f", "f: line 1, column 3: unexpected character U+000C after the JSON value" },
    { "{\"a\":01}", "f: line 1, column 6: invalid number '01'" },
    { "{\"a\":1.}", "f: line 1, column 6: invalid number '1.'" },
    { "{\"a\":.5}", "f: line 1, column 6: invalid number '.5'" },
    { "{\"a\":0x10}", "f: line 1, column 6: invalid number '0x10'" },
    { "{\"a\":-}", "f: line 1, column 6: invalid number '-'" },
    { "{\"a\":1e}", "f: line 1, column 6: invalid number '1e'" },
    { "{\"a\":\"x", "f: line 1, column 6: unterminated string" },
    { "{\"a\":\"x\ty\"}", "f: line 1, column 8: control character U+0009 in a string (write it escaped)" },
    { "{\"a\":\"\\q\"}", "f: line 1, column 7: invalid escape '\\q' in a string" },
    { "{\"a\":\"\\", "f: line 1, column 8: unexpected end of text, expected an escaped character" },
    { "{\"a\":\"\\u12\"}", "f: line 1, column 7: invalid escape in a string: \\u takes four hexadecimal digits" },
    { "{\"a\":\"\\u0000\"}", "f: line 1, column 7: \\u0000 in a string is not supported" },
    { "{\"a\":\"\\ud800\"}", "f: line 1, column 7: unpaired surrogate \\ud800 in a string" },
    { "{\"a\":\"\\ud800\\u0041\"}", "f: line 1, column 7: unpaired surrogate \\ud800 in a string" },
    { "{\"a\":\"\\udc00\"}", "f: line 1, column 7: unpaired surrogate \\udc00 in a string" },
    { "", "f: the file is empty" },
    { "[1]", "f: expected a JSON object, found an array" },
    { "{\"start\": \"auto\"}", "f: \"mdev_type\" is missing" },
    { "{\"mdev_type\": 3, \"start\": \"auto\"}", "f: \"mdev_type\" must be a string, not a number" },
    { "{\"mdev_type\": \"t\"}", "f: \"start\" is missing" },
    { "{\"mdev_type\": \"t\", \"start\": null}", "f: \"start\" is missing" },
    { "{\"mdev_type\": \"a/b\", \"start\": \"auto\"}", "f: \"mdev_type\" is not a valid type name" },
    { "{\"mdev_type\": \"t\", \"start\": \"auto\", \"attrs\": 1}",
      "f: \"attrs\" must be an array, not a number" },
    { "{\"mdev_type\": \"t\", \"start\": \"auto\", \"attrs\": [\"x\"]}",
      "f: attribute 0 must be an object {\"name\": \"value\"}, not a string" },
    { "{\"mdev_type\": \"t\", \"start\": \"auto\", \"attrs\": [{}]}",
      "f: attribute 0 must have exactly one member, not 0" },
    { "{\"mdev_type\": \"t\", \"start\": \"auto\", \"attrs\": [{\"a\": true}]}",
      "f: the value of attribute 0 (\"a\") must be a string, not a boolean" },
    { "\xff", "f: the file is not valid UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "p", NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (vmdev_mdev_definition_parse (def, cases[i].text, strlen (cases[i].text),
                                                   "f", &error));
      g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* A definition that is not empty, so that a parse that leaves it alone, or
 * replaces all of it, shows. */
static VmdevMdevDefinition *
used_definition (void)
{
  VmdevMdevDefinition *def = vmdev_mdev_definition_new (UUID1, "p", "old-type");
  const char *unknown = "{\"old\": \"key\"}";

  def->auto_start = TRUE;
  g_ptr_array_add (def->attrs, vmdev_attr_new ("old", "attr"));
  g_assert_true (vmdev_json_parse (unknown, strlen (unknown), &def->unknown, NULL));
  return def;
}

static char *
definition_text (const VmdevMdevDefinition *def)
{
  return vmdev_mdev_definition_to_json (def, TRUE, NULL);
}

/* ---- the reference: json-glib ---- */

static gboolean
glib_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A json-glib value through vmdev's writer (the reference side of the
 * differential checks below). */
static void
write_glib_node (VmdevJsonWriter *w, JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *obj = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (obj);

        vmdev_json_writer_begin_object (w);
        for (GList *l = members; l != NULL; l = l->next)
          {
            vmdev_json_writer_key (w, l->data);
            write_glib_node (w, json_object_get_member (obj, l->data));
          }
        vmdev_json_writer_end_object (w);
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *arr = json_node_get_array (node);

        vmdev_json_writer_begin_array (w);
        for (guint i = 0; i < json_array_get_length (arr); i++)
          write_glib_node (w, json_array_get_element (arr, i));
        vmdev_json_writer_end_array (w);
        break;
      }
    case JSON_NODE_NULL:
      vmdev_json_writer_raw (w, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          vmdev_json_writer_string (w, json_node_get_string (node));
          break;
        case G_TYPE_BOOLEAN:
          vmdev_json_writer_raw (w, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_DOUBLE:
          {
            char buf[G_ASCII_DTOSTR_BUF_SIZE + 2];

            g_ascii_dtostr (buf, G_ASCII_DTOSTR_BUF_SIZE, json_node_get_double (node));
            /* Keep it a floating-point number when read back. */
            if (strpbrk (buf, ".eEn") == NULL)
              strcat (buf, ".0");
            vmdev_json_writer_raw (w, buf);
            break;
          }
        default:
          {
            char buf[32];

            g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int (node));
            vmdev_json_writer_raw (w, buf);
          }
        }
      break;
    }
}

/* What vmdev_mdev_definition_to_json (def, TRUE) gives for the definition in
 * @text, read with json-glib (the reader vmdev used before its own), or NULL
 * when that reading fails. */
static char *
reference_definition_text (const char *text, gsize len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(VmdevJsonWriter) w = vmdev_json_writer_new (TRUE);
  g_autoptr(GList) members = NULL;
  JsonObject *obj;
  JsonNode *type, *start, *attrs;

  if (!g_utf8_validate (text, len, NULL) || !json_parser_load_from_data (parser, text, len, NULL) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  obj = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_member (obj, "mdev_type");
  start = json_object_get_member (obj, "start");
  attrs = json_object_get_member (obj, "attrs");
  if (!glib_is_string (type) || !vmdev_name_check ("t", json_node_get_string (type), NULL) ||
      start == NULL || JSON_NODE_HOLDS_NULL (start) ||
      (attrs != NULL && !JSON_NODE_HOLDS_NULL (attrs) && !JSON_NODE_HOLDS_ARRAY (attrs)))
    return NULL;

  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_key (w, "mdev_type");
  vmdev_json_writer_string (w, json_node_get_string (type));
  vmdev_json_writer_key (w, "start");
  vmdev_json_writer_string (w, glib_is_string (start) &&
                            strcmp (json_node_get_string (start), "auto") == 0 ? "auto" : "manual");
  vmdev_json_writer_key (w, "attrs");
  vmdev_json_writer_begin_array (w);
  for (guint i = 0; attrs != NULL && JSON_NODE_HOLDS_ARRAY (attrs) &&
       i < json_array_get_length (json_node_get_array (attrs)); i++)
    {
      JsonNode *elem = json_array_get_element (json_node_get_array (attrs), i);
      g_autoptr(GList) names = NULL;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (elem) || json_object_get_size (json_node_get_object (elem)) != 1)
        return NULL;
      names = json_object_get_members (json_node_get_object (elem));
      value = json_object_get_member (json_node_get_object (elem), names->data);
      if (!glib_is_string (value))
        return NULL;
      vmdev_json_writer_begin_object (w);
      vmdev_json_writer_key (w, names->data);
      vmdev_json_writer_string (w, json_node_get_string (value));
      vmdev_json_writer_end_object (w);
    }
  vmdev_json_writer_end_array (w);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, "mdev_type") != 0 && strcmp (l->data, "start") != 0 &&
        strcmp (l->data, "attrs") != 0)
      {
        vmdev_json_writer_key (w, l->data);
        write_glib_node (w, json_object_get_member (obj, l->data));
      }
  vmdev_json_writer_end_object (w);
  return g_strdup (vmdev_json_writer_get (w, NULL));
}

/* @text (JSON) read by json-glib and written back: numbers as json-glib
 * reads them (vmdev keeps their text); NULL when json-glib cannot read it. */
static char *
glib_normalized (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(VmdevJsonWriter) w = vmdev_json_writer_new (TRUE);
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    return NULL;
  write_glib_node (w, json_parser_get_root (parser));
  return g_strdup (vmdev_json_writer_get (w, NULL));
}

/* Why json-glib accepts texts that vmdev refuses: json-glib is lenient (raw
 * control characters and unknown escapes in strings, leading zeros, "1.",
 * ".5", hexadecimal numbers, comments, single quotes, a byte-order mark, a
 * second value after the first, a high surrogate without its low one), and
 * vmdev refuses "\u0000". */
static const char *const lenient_reasons[] = {
  "control character", "invalid escape", "\\u0000", "after the JSON value", "invalid number",
  "unexpected character '/'", "unexpected character \"'\"", "unexpected character '$'",
  "unexpected character U+FEFF", "unpaired surrogate",
};

static guint refused_lenient;

/* The full way against json-glib: when vmdev reads @text, json-glib reads it
 * the same; when json-glib reads it and vmdev does not, the reason is one of
 * json-glib's leniencies. */
static void
check_full_agrees_with_json_glib (const char *text, gsize len)
{
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "p", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = reference_definition_text (text, len);

  if (vmdev_mdev_definition_parse_full (def, text, len, "f", &error))
    {
      g_autofree char *ours = vmdev_mdev_definition_to_json (def, TRUE, NULL);
      g_autofree char *normalized = glib_normalized (ours);
      g_autofree char *expected_normalized = NULL;

      g_assert_nonnull (expected);
      g_assert_nonnull (normalized);
      expected_normalized = glib_normalized (expected);
      /* NULL: json-glib wrote a number too large for a double as "inf". */
      if (expected_normalized != NULL)
        g_assert_cmpstr (normalized, ==, expected_normalized);
      return;
    }
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  if (expected != NULL)
    {
      gboolean lenient = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (lenient_reasons); i++)
        lenient |= strstr (error->message, lenient_reasons[i]) != NULL;
      if (!lenient)
        g_error ("json-glib reads '%.*s', vmdev says: %s", (int) len, text, error->message);
      refused_lenient++;
    }
}

/* Parses @text (@len bytes) the fast way, the full way and through
 * vmdev_mdev_definition_parse: the fast way declines (leaving the definition
 * alone) or gives what the full way gives, and vmdev_mdev_definition_parse
 * gives what the full way gives, errors included.  Returns whether the fast
 * way took it. */
static gboolean
check_fast_agrees (const char *text, gsize len)
{
  g_autoptr(VmdevMdevDefinition) fast = used_definition ();
  g_autoptr(VmdevMdevDefinition) slow = used_definition ();
  g_autoptr(VmdevMdevDefinition) both = used_definition ();
  g_autoptr(GError) slow_error = NULL;
  g_autoptr(GError) both_error = NULL;
  g_autofree char *before = definition_text (fast);
  g_autofree char *fast_text = NULL;
  g_autofree char *slow_text = NULL;
  g_autofree char *both_text = NULL;
  gboolean handled, slow_ok, both_ok;

  check_full_agrees_with_json_glib (text, len);
  handled = vmdev_mdev_definition_parse_fast (fast, text, len);
  slow_ok = vmdev_mdev_definition_parse_full (slow, text, len, "f", &slow_error);
  both_ok = vmdev_mdev_definition_parse (both, text, len, "f", &both_error);
  fast_text = definition_text (fast);
  slow_text = definition_text (slow);
  both_text = definition_text (both);

  if (handled)
    {
      g_assert_true (slow_ok);
      g_assert_cmpstr (fast_text, ==, slow_text);
      /* to_json shows all of it but the unknown keys' absence. */
      g_assert_null (fast->unknown);
      g_assert_null (slow->unknown);
    }
  else
    g_assert_cmpstr (fast_text, ==, before);
  g_assert_cmpint (both_ok, ==, slow_ok);
  g_assert_cmpstr (both_text, ==, slow_text);
  if (!slow_ok)
    {
      g_assert_error (both_error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (both_error->message, ==, slow_error->message);
    }
  g_assert_cmpint (both->unknown == NULL, ==, slow->unknown == NULL);
  return handled;
}

/* Texts of the common shape (the fast way takes them) and tricky ones (it
 * declines them, the full way decides). */
static const struct
{
  const char *text;
  gssize len;         /* -1: strlen */
  gboolean handled;
} fast_cases[] = {
  /* What mdevctl writes, and what jq -c writes. */
  { "{\n  \"mdev_type\": \"mtty-1\",\n  \"start\": \"auto\",\n  \"attrs\": [\n    {\n"
    "      \"a\": \"1\"\n    },\n    {\n      \"a\": \"x y\"\n    }\n  ]\n}", -1, TRUE },
  { "{\"mdev_type\":\"nvidia-269\",\"start\":\"auto\",\"attrs\":[]}\n", -1, TRUE },
  { "{\"mdev_type\": \"t\", \"start\": \"whatever\"}", -1, TRUE },
  { "{\"attrs\": [{\"b\": \"2\"}, {\"a\": \"1\"}], \"start\": \"manual\", \"mdev_type\": \"t\"}",
    -1, TRUE },
  { " \t\r\n{ \t\"mdev_type\"\r\n:\t\"t\" ,\"start\":\"auto\" , \"attrs\" : [ { \"x\" : \"y\" } ,"
    "{\"x\":\"z\"}\n]\n}\n\r\t ", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"\",\"attrs\":[{\"\":\"\"}]}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"Auto\"}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto \"}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"aut\"}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"autox\"}", -1, TRUE },
  { "{\"mdev_type\":\"t\\u00e9\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\xc3\xa9\",\"start\":\"auto\",\"attrs\":[{\"n\xe2\x82\xac\":"
    "\"\xf0\x9f\x98\x80 /* x */ // ' \x7f\"}]}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\"},{\"a\":\"2\"}]}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[]}", -1, TRUE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[ ]}", -1, TRUE },
  /* Escapes. */
  { "{\"mdev_type\":\"t\",\"start\":\"a\\u0075to\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\\/x\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"x\\\"y\"}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\\n\":\"x\"}]}", -1, FALSE },
  { "{\"mdev\\u005ftype\":\"t\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"\\ud83d\\ude00\"}]}", -1, FALSE },
  /* Keys: duplicate, unknown, of another case. */
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"start\":\"manual\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"mdev_type\":\"u\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[],\"attrs\":[{\"a\":\"1\"}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"note\":\"x\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"Start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\",\"a\":\"2\"}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\",\"b\":\"2\"}]}", -1, FALSE },
  /* Other values. */
  { "{\"mdev_type\":\"t\",\"start\":1}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":true}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":null}", -1, FALSE },
  { "{\"mdev_type\":7,\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":null}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":{}}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":2}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":{\"b\":\"c\"}}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[[]]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[\"a\"]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":[\"auto\"]}", -1, FALSE },
  /* Punctuation. */
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\"},]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[,]}", -1, FALSE },
  { "{,\"mdev_type\":\"t\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\" \"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\" \"t\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\"}", -1, FALSE },
  { "{'mdev_type':'t','start':'auto'}", -1, FALSE },
  { "{mdev_type:\"t\",start:\"auto\"}", -1, FALSE },
  /* Around the object. */
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"} x", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"}{}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"}}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"} /* c */", -1, FALSE },
  { "/* c */{\"mdev_type\":\"t\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",/* c */\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"}\f", -1, FALSE },
  { "\v{\"mdev_type\":\"t\",\"start\":\"auto\"}", -1, FALSE },
  { "\xef\xbb\xbf{\"mdev_type\":\"t\",\"start\":\"auto\"}", -1, FALSE },
  { "[{\"mdev_type\":\"t\",\"start\":\"auto\"}]", -1, FALSE },
  { "\"t\"", -1, FALSE },
  { "", -1, FALSE },
  { " \n", -1, FALSE },
  { "{}", -1, FALSE },
  /* Bytes. */
  { "{\"mdev_type\":\"t\",\"start\":\"\xff\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"\xc0\xaf\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"\xe2\x82\"}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"\xed\xa0\x80\"}]}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"a\0uto\"}", 33, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\"}\0", 33, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"au\tto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"a\":\"1\n2\"}]}", -1, FALSE },
  /* Not definitions. */
  { "{\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\",\"attrs\":[]}", -1, FALSE },
  { "{\"mdev_type\":\"\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"a/b\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"..\",\"start\":\"auto\"}", -1, FALSE },
  { "{\"mdev_type\":\"t\x7f\",\"start\":\"auto\"}", -1, FALSE },
};

static void
test_parse_fast_agrees (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fast_cases); i++)
    {
      const char *text = fast_cases[i].text;
      gsize len = fast_cases[i].len < 0 ? strlen (text) : (gsize) fast_cases[i].len;

      g_test_message ("case %u", i);
      g_assert_cmpint (check_fast_agrees (text, len), ==, fast_cases[i].handled);
    }
}

static void
test_parse_fast_long_names (void)
{
  g_autofree char *name255 = g_strnfill (255, 'n');
  g_autofree char *name256 = g_strnfill (256, 'n');
  g_autofree char *value = g_strnfill (100000, 'v');
  g_autofree char *ok = g_strdup_printf ("{\"mdev_type\":\"%s\",\"start\":\"auto\","
                                         "\"attrs\":[{\"%s\":\"%s\"}]}", name255, name256, value);
  g_autofree char *too_long = g_strdup_printf ("{\"mdev_type\":\"%s\",\"start\":\"auto\"}",
                                               name256);

  g_assert_true (check_fast_agrees (ok, strlen (ok)));
  g_assert_false (check_fast_agrees (too_long, strlen (too_long)));
}

/* Every text one edit away from the ones the fast way takes: cut short,
 * a byte removed, a byte replaced by one that matters to a JSON parser. */
static void
test_parse_fast_agrees_near_misses (void)
{
  static const char bytes[] = " \t\n\f\"\\{}[]:,a0\x7f\x01\x80\xc3";
  guint tried = 0, handled = 0;

  for (guint i = 0; i < G_N_ELEMENTS (fast_cases); i++)
    {
      const char *text = fast_cases[i].text;
      gsize len = fast_cases[i].len < 0 ? strlen (text) : (gsize) fast_cases[i].len;
      g_autofree char *copy = NULL;

      if (!fast_cases[i].handled)
        continue;
      copy = g_malloc (len + 1);
      for (gsize at = 0; at < len; at++)
        {
          handled += check_fast_agrees (text, at);
          memcpy (copy, text, at);
          memcpy (copy + at, text + at + 1, len - at - 1);
          handled += check_fast_agrees (copy, len - 1);
          memcpy (copy, text, len);
          for (guint b = 0; b < sizeof bytes - 1; b++)
            {
              copy[at] = bytes[b];
              handled += check_fast_agrees (copy, len);
            }
          tried += 2 + sizeof bytes - 1;
        }
    }
  g_test_message ("%u texts, %u taken the fast way", tried, handled);
  g_assert_cmpuint (handled, >, 0);
}

/* Definitions with other keys: every kind of JSON value, escapes, numbers. */
static const char *const json_cases[] = {
  "{\"mdev_type\":\"t\",\"start\":\"auto\",\"x\":{\"n\":[1,-2,0.5,-0,1e3,2E-2,1.5e+10,123456789012345678],"
  "\"b\":[true,false,null],\"o\":{},\"a\":[[]]}}",
  "{\"note\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\",\"mdev_type\":\"t\",\"start\":\"x\"}",
  "{\"mdev_type\":\"t\",\"start\":\"auto\",\"a\":1,\"a\":[2],\"b\":3,\"mdev_type\":\"u\"}",
  "{\"mdev_type\":\"t\",\"start\":\"auto\",\"attrs\":[{\"k\\u00e9\":\"v\\n\"}],\"z\":null}",
  " {\n \"mdev_type\" : \"t\" ,\n \"start\" : true ,\n \"attrs\" : null ,\n \"\" : \"\"\n}\n",
};

/* The full way agrees with json-glib on these and on every text one edit away. */
static void
test_parse_full_agrees_with_json_glib (void)
{
  static const char bytes[] = " \t\n\f\"\\{}[]:,a0e.-+\x7f\x01\x80\xc3";
  guint tried = 0;

  refused_lenient = 0;
  for (guint i = 0; i < G_N_ELEMENTS (json_cases); i++)
    {
      const char *text = json_cases[i];
      gsize len = strlen (text);
      g_autofree char *copy = g_malloc (len + 1);
      g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "p", NULL);

      g_test_message ("case %u", i);
      g_assert_true (vmdev_mdev_definition_parse_full (def, text, len, "f", NULL));
      for (gsize at = 0; at < len; at++)
        {
          check_full_agrees_with_json_glib (text, at);
          memcpy (copy, text, at);
          memcpy (copy + at, text + at + 1, len - at - 1);
          check_full_agrees_with_json_glib (copy, len - 1);
          memcpy (copy, text, len);
          for (guint b = 0; b < sizeof bytes - 1; b++)
            {
              copy[at] = bytes[b];
              check_full_agrees_with_json_glib (copy, len);
            }
          tried += 2 + sizeof bytes - 1;
        }
    }
  g_test_message ("%u texts, %u read by json-glib's leniency only", tried, refused_lenient);
}

static void
test_unknown_keys_kept (Fixture *f, gconstpointer data)
{
  g_autoptr(VmdevMdevDefinition) def = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  write_file (f, "etc/mdevctl.d/mtty/" UUID1,
              "{\"x-first\": {\"n\": [1, 2.5, true, null]}, \"mdev_type\": \"mtty-1\", "
              "\"start\": \"manual\", \"attrs\": [], \"note\": \"kept\"}");
  g_assert_true (vmdev_mdev_definition_load (f->root, "mtty", UUID1, &def, &error));
  g_assert_no_error (error);
  g_assert_nonnull (def->unknown);
  def->auto_start = TRUE;
  g_assert_true (vmdev_mdev_definition_save (f->root, def, &error));
  g_assert_no_error (error);
  text = read_file (f, "etc/mdevctl.d/mtty/" UUID1);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"mdev_type\": \"mtty-1\",\n"
                   "  \"start\": \"auto\",\n"
                   "  \"attrs\": [],\n"
                   "  \"x-first\": {\n"
                   "    \"n\": [\n"
                   "      1,\n"
                   "      2.5,\n"
                   "      true,\n"
                   "      null\n"
                   "    ]\n"
                   "  },\n"
                   "  \"note\": \"kept\"\n"
                   "}");
}

static void
test_list_skips_bad_entries (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  VmdevMdevDefinition *def;

  write_file (f, "etc/mdevctl.d/b/" UUID2, "{\"mdev_type\": \"t2\", \"start\": \"auto\"}");
  write_file (f, "etc/mdevctl.d/a/" UUID1, "{\"mdev_type\": \"t1\", \"start\": \"manual\"}");
  write_file (f, "etc/mdevctl.d/a/" UUID2, "{broken");
  write_file (f, "etc/mdevctl.d/a/not-a-uuid", "{}");
  write_file (f, "etc/mdevctl.d/a/.tmp-file", "partial");
  write_file (f, "etc/mdevctl.d/scripts.d/callouts/x", "#!/bin/sh");
  write_file (f, "etc/mdevctl.d/stray-file", "x");

  g_assert_true (vmdev_mdev_definitions_list (f->root, NULL, NULL, &defs, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (defs->len, ==, 2);
  def = g_ptr_array_index (defs, 0);
  g_assert_cmpstr (def->parent, ==, "a");
  g_assert_cmpstr (def->uuid, ==, UUID1);
  def = g_ptr_array_index (defs, 1);
  g_assert_cmpstr (def->parent, ==, "b");
  g_assert_true (def->auto_start);
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_error ((GError *) g_ptr_array_index (warnings, 0), VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (((GError *) g_ptr_array_index (warnings, 0))->message,
                            "etc/mdevctl.d/a/" UUID2 ": line 1, column "));
  g_assert_error ((GError *) g_ptr_array_index (warnings, 1), VMDEV_ERROR, VMDEV_ERROR_BROKEN_ENTRY);

  g_clear_pointer (&defs, g_ptr_array_unref);
  g_ptr_array_set_size (warnings, 0);
  g_assert_true (vmdev_mdev_definitions_list (f->root, "b", UUID2, &defs, warnings, &error));
  g_assert_cmpuint (defs->len, ==, 1);
  g_assert_cmpuint (warnings->len, ==, 0);

  g_clear_pointer (&defs, g_ptr_array_unref);
  g_assert_false (vmdev_mdev_definitions_list (f->root, "../etc", NULL, &defs, warnings, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

/* Accepts the parent "a" and, in it, UUID2 only; counts the calls. */
static gboolean
only_a_uuid2 (const char *parent, const char *uuid, gpointer user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return strcmp (parent, "a") == 0 && (uuid == NULL || strcmp (uuid, UUID2) == 0);
}

static void
test_list_filtered (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  write_file (f, "etc/mdevctl.d/a/" UUID1, "{broken");
  write_file (f, "etc/mdevctl.d/a/" UUID2, "{\"mdev_type\": \"t2\", \"start\": \"auto\"}");
  write_file (f, "etc/mdevctl.d/a/not-a-uuid", "{}");
  write_file (f, "etc/mdevctl.d/b/" UUID2, "{broken");

  /* What the filter refuses is neither read nor reported. */
  g_assert_true (vmdev_mdev_definitions_list_filtered (f->root, only_a_uuid2, &calls, &defs,
                                                       warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (defs->len, ==, 1);
  g_assert_cmpstr (((VmdevMdevDefinition *) g_ptr_array_index (defs, 0))->mdev_type, ==, "t2");
  g_assert_cmpuint (warnings->len, ==, 0);
  /* parents a and b, then the three files of a */
  g_assert_cmpuint (calls, ==, 5);
}

static void
test_list_without_dir (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (vmdev_mdev_definitions_list (f->root, NULL, NULL, &defs, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (defs->len, ==, 0);
}

static void
test_save_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "mtty", "mtty-2");
  g_autoptr(VmdevMdevDefinition) loaded = NULL;
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *parent_dir = g_build_filename (f->dir, "etc/mdevctl.d/mtty", NULL);

  g_ptr_array_add (def->attrs, vmdev_attr_new ("assign_adapter", "5"));
  g_assert_true (vmdev_mdev_definition_save (f->root, def, &error));
  g_assert_no_error (error);
  g_assert_true (vmdev_mdev_definition_load (f->root, "mtty", UUID1, &loaded, &error));
  g_assert_cmpstr (loaded->mdev_type, ==, "mtty-2");
  g_assert_cmpuint (loaded->attrs->len, ==, 1);

  g_assert_true (vmdev_mdev_definition_find_parents (f->root, UUID1, NULL, &parents, NULL, &error));
  g_assert_cmpuint (parents->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (parents, 0), ==, "mtty");

  g_assert_true (vmdev_mdev_definition_delete (f->root, "mtty", UUID1, &error));
  g_assert_no_error (error);
  /* The emptied parent directory is gone too. */
  g_assert_false (g_file_test (parent_dir, G_FILE_TEST_EXISTS));
  g_assert_false (vmdev_mdev_definition_delete (f->root, "mtty", UUID1, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&loaded, vmdev_mdev_definition_free);
  g_assert_false (vmdev_mdev_definition_load (f->root, "mtty", UUID1, &loaded, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
}

static void
test_bad_names_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(VmdevMdevDefinition) def = vmdev_mdev_definition_new (UUID1, "..", "t");
  g_autoptr(GError) error = NULL;

  g_assert_false (vmdev_mdev_definition_save (f->root, def, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_free (def->parent);
  def->parent = g_strdup ("p");
  g_strlcpy (def->uuid, "11111111-2222-3333-4444-55555555555A", sizeof def->uuid);
  g_assert_false (vmdev_mdev_definition_save (f->root, def, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (vmdev_mdev_definition_delete (f->root, "a/b", UUID1, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/store/json-writer/serde-shape", test_writer_serde_shape);
  g_test_add_func ("/store/json-writer/every-byte", test_json_string_every_byte);
  g_test_add_func ("/store/definition/parse-and-format", test_parse_and_format);
  g_test_add_func ("/store/definition/parse-lenient-like-mdevctl", test_parse_lenient_like_mdevctl);
  g_test_add_func ("/store/definition/parse-errors", test_parse_errors);
  g_test_add_func ("/store/definition/parse-fast-agrees", test_parse_fast_agrees);
  g_test_add_func ("/store/definition/parse-fast-long-names", test_parse_fast_long_names);
  g_test_add_func ("/store/definition/parse-fast-agrees-near-misses",
                   test_parse_fast_agrees_near_misses);
  g_test_add_func ("/store/definition/parse-full-agrees-with-json-glib",
                   test_parse_full_agrees_with_json_glib);
  g_test_add ("/store/definition/unknown-keys-kept", Fixture, NULL, fixture_setup,
              test_unknown_keys_kept, fixture_teardown);
  g_test_add ("/store/definitions/list-skips-bad-entries", Fixture, NULL, fixture_setup,
              test_list_skips_bad_entries, fixture_teardown);
  g_test_add ("/store/definitions/list-filtered", Fixture, NULL, fixture_setup,
              test_list_filtered, fixture_teardown);
  g_test_add ("/store/definitions/list-without-dir", Fixture, NULL, fixture_setup,
              test_list_without_dir, fixture_teardown);
  g_test_add ("/store/definition/save-delete", Fixture, NULL, fixture_setup,
              test_save_delete, fixture_teardown);
  g_test_add ("/store/definition/bad-names-refused", Fixture, NULL, fixture_setup,
              test_bad_names_refused, fixture_teardown);
  return g_test_run ();
}
