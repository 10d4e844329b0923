/* vmdev-json.h: a small, strict JSON reader (RFC 8259) and its values.
 *
 * Strict: no comments, no single quotes, no trailing commas, no leading
 * zeros or hexadecimal numbers, no control characters or unknown escapes in
 * strings, nothing after the value but whitespace (space, tab, CR, LF) — what
 * serde_json, and so mdevctl, accepts.  Two refusals of its own: "\u0000" and
 * unpaired surrogates in strings (vmdev's strings are C strings), and nesting
 * deeper than VMDEV_JSON_MAX_DEPTH.
 *
 * Objects keep their members in order; a name given twice keeps its first
 * place and its last value (the last value wins in serde_json too; the place
 * is json-glib's, which vmdev used before).  Numbers keep their text, so that
 * they are written back as they were read. */
#pragma once

#include <glib.h>

#define VMDEV_JSON_MAX_DEPTH 512

typedef enum
{
  VMDEV_JSON_NULL,
  VMDEV_JSON_BOOLEAN,
  VMDEV_JSON_NUMBER,
  VMDEV_JSON_STRING,
  VMDEV_JSON_ARRAY,
  VMDEV_JSON_OBJECT,
} VmdevJsonType;

typedef struct _VmdevJson VmdevJson;

typedef struct
{
  char *name;
  VmdevJson *value;
} VmdevJsonMember;

struct _VmdevJson
{
  VmdevJsonType type;
  gboolean boolean;   /* BOOLEAN */
  char *text;         /* NUMBER: its JSON text; STRING: the string (UTF-8, no NUL) */
  GPtrArray *items;   /* ARRAY: VmdevJson*; OBJECT: VmdevJsonMember*, in order */
};

void vmdev_json_free (VmdevJson *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevJson, vmdev_json_free)

/* An empty object. */
VmdevJson *vmdev_json_object_new (void);
/* The member @name of the object @object, or NULL. */
VmdevJson *vmdev_json_object_get (const VmdevJson *object, const char *name);
/* Takes the member @name out of @object and returns its value (the
 * caller's), or NULL: a large value is handed over, not copied. */
VmdevJson *vmdev_json_object_take (VmdevJson *object, const char *name);
/* Adds @name: @value (taken) to @object, or replaces the value of @name. */
void vmdev_json_object_set (VmdevJson *object, const char *name, VmdevJson *value);

/* Values to build a document from; each is the caller's until added to an
 * object or array (which then owns it). */
VmdevJson *vmdev_json_string_new (const char *value);
VmdevJson *vmdev_json_int_new (gint64 value);
VmdevJson *vmdev_json_boolean_new (gboolean value);
VmdevJson *vmdev_json_null_new (void);
VmdevJson *vmdev_json_array_new (void);
/* Appends @value (taken) to @array. */
void vmdev_json_array_add (VmdevJson *array, VmdevJson *value);
/* A deep copy of @value. */
VmdevJson *vmdev_json_copy (const VmdevJson *value);

/* Members of @object by type: the member @name when @object is an object and
 * the member has that type, else @fallback (NULL for objects and arrays).
 * An integer is a number without fraction or exponent within gint64. */
const char *vmdev_json_get_string (const VmdevJson *object, const char *name,
                                   const char *fallback);
gint64 vmdev_json_get_int (const VmdevJson *object, const char *name, gint64 fallback);
gboolean vmdev_json_get_boolean (const VmdevJson *object, const char *name, gboolean fallback);
VmdevJson *vmdev_json_get_object (const VmdevJson *object, const char *name);
VmdevJson *vmdev_json_get_array (const VmdevJson *object, const char *name);
/* @value (NULL allowed) as an integer, as vmdev_json_get_int() reads one. */
gboolean vmdev_json_to_int (const VmdevJson *value, gint64 *out);

/* "an object", "a string", "null"...: for messages. */
const char *vmdev_json_type_name (const VmdevJson *value);

/* Reads the JSON text @data (@len bytes, valid UTF-8) into *@out_value.
 * Text of whitespace only gives TRUE and NULL.  On a syntax error:
 * VMDEV_ERROR_INVALID_CONFIG, "line L, column C: <reason>" (both from 1,
 * columns in characters). */
gboolean vmdev_json_parse (const char *data, gsize len, VmdevJson **out_value, GError **error);
