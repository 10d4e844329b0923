/* vmdev-json-writer.h: JSON text in the shape mdevctl (serde_json) writes it.
 *
 * Pretty mode is serde_json's to_string_pretty(): two-space indentation,
 * "key": value, empty arrays and objects as [] and {}, no trailing newline.
 * Strings are escaped as serde_json escapes them: \" \\ \b \f \n \r \t, other
 * control characters as \u00XX, everything else (including '/' and non-ASCII
 * UTF-8) as is.  Keys and values are written in the order they are given. */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "util/vmdev-json.h"

typedef struct _VmdevJsonWriter VmdevJsonWriter;

VmdevJsonWriter *vmdev_json_writer_new (gboolean pretty);
void vmdev_json_writer_free (VmdevJsonWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevJsonWriter, vmdev_json_writer_free)

void vmdev_json_writer_begin_object (VmdevJsonWriter *w);
void vmdev_json_writer_end_object (VmdevJsonWriter *w);
void vmdev_json_writer_begin_array (VmdevJsonWriter *w);
void vmdev_json_writer_end_array (VmdevJsonWriter *w);
/* The member name of the next value (inside an object). */
void vmdev_json_writer_key (VmdevJsonWriter *w, const char *key);
void vmdev_json_writer_string (VmdevJsonWriter *w, const char *value);
void vmdev_json_writer_uint (VmdevJsonWriter *w, guint64 value);
/* @text, a JSON number or true, false or null, as it is. */
void vmdev_json_writer_raw (VmdevJsonWriter *w, const char *text);
/* "key": value in an object, in one call. */
void vmdev_json_writer_member_string (VmdevJsonWriter *w, const char *key, const char *value);
void vmdev_json_writer_member_uint (VmdevJsonWriter *w, const char *key, guint64 value);
void vmdev_json_writer_member_boolean (VmdevJsonWriter *w, const char *key, gboolean value);
/* A value read by vmdev_json_parse() (kept unknown keys of a definition). */
void vmdev_json_writer_value (VmdevJsonWriter *w, const VmdevJson *value);

/* The text written so far (owned by @w). */
const char *vmdev_json_writer_get (VmdevJsonWriter *w, gsize *out_len);
/* Writes the text written so far to @stream and forgets it: a long text
 * goes out in pieces instead of growing one buffer. */
void vmdev_json_writer_flush (VmdevJsonWriter *w, FILE *stream);
/* The text; @w is freed. */
char *vmdev_json_writer_finish (VmdevJsonWriter *w, gsize *out_len);
