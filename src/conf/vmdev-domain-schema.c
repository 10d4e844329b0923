/* vmdev-domain-schema.c: RelaxNG validation (see vmdev-domain-schema.h). */
#include "conf/vmdev-domain-schema.h"

#include "util/vmdev-error.h"
#include "conf/vmdev-conf-config.h"

#include <libxml/relaxng.h>
#include <string.h>
#include <unistd.h>

char *
vmdev_domain_schema_path (void)
{
  const char *env = g_getenv ("VMDEV_SCHEMA_DIR");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_build_filename (env, "domain.rng", NULL);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, VMDEV_BUILD_ROOT "/"))
    return g_build_filename (VMDEV_SOURCE_SCHEMA_DIR, "domain.rng", NULL);
  return g_build_filename (VMDEV_INSTALLED_SCHEMA_DIR, "domain.rng", NULL);
}

typedef struct
{
  GString *first;
  gboolean located;
} ErrorSink;

static void
structured_error (void *data, const xmlError *e)
{
  ErrorSink *sink = data;
  g_autofree char *msg = NULL;

  if (e == NULL)
    return;
  /* Keep the first error, or the first one that says where. */
  if (sink->first != NULL && (sink->located || (e->line <= 0 && e->node == NULL)))
    return;
  if (sink->first != NULL)
    g_string_free (sink->first, TRUE);
  sink->located = e->line > 0 || e->node != NULL;
  msg = g_strchomp (g_strdup (e->message ? e->message : "invalid"));
  sink->first = g_string_new (NULL);
  if (e->line > 0)
    g_string_append_printf (sink->first, "line %d: ", e->line);
  if (e->line <= 0 && e->node != NULL)
    g_string_append_printf (sink->first, "line %ld: ", xmlGetLineNo (e->node));
  if (e->node != NULL && ((xmlNode *) e->node)->type == XML_ELEMENT_NODE)
    g_string_append_printf (sink->first, "element <%s>: ", (const char *) ((xmlNode *) e->node)->name);
  g_string_append (sink->first, msg);
}

static void
structured_error_cb (void *data, xmlError *e)
{
  structured_error (data, e);
}

static xmlRelaxNG *
load_schema (GError **error)
{
  static xmlRelaxNG *schema;
  static char *schema_path;
  g_autofree char *path = vmdev_domain_schema_path ();
  xmlRelaxNGParserCtxt *pctxt;
  ErrorSink sink = { NULL, FALSE };

  if (schema != NULL && g_strcmp0 (schema_path, path) == 0)
    return schema;
  if (access (path, R_OK) < 0)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND,
                   "the domain schema %s cannot be read (set VMDEV_SCHEMA_DIR?)", path);
      return NULL;
    }
  pctxt = xmlRelaxNGNewParserCtxt (path);
  xmlRelaxNGSetParserStructuredErrors (pctxt, structured_error_cb, &sink);
  schema = xmlRelaxNGParse (pctxt);
  xmlRelaxNGFreeParserCtxt (pctxt);
  if (schema == NULL)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_FAILED, "the domain schema %s is invalid: %s",
                   path, sink.first ? sink.first->str : "cannot be parsed");
      if (sink.first)
        g_string_free (sink.first, TRUE);
      return NULL;
    }
  g_free (schema_path);
  schema_path = g_steal_pointer (&path);
  return schema;
}

gboolean
vmdev_domain_schema_validate (xmlDoc *doc, GError **error)
{
  xmlRelaxNG *schema = load_schema (error);
  xmlRelaxNGValidCtxt *vctxt;
  ErrorSink sink = { NULL, FALSE };
  int rc;

  if (schema == NULL)
    return FALSE;
  vctxt = xmlRelaxNGNewValidCtxt (schema);
  xmlRelaxNGSetValidStructuredErrors (vctxt, structured_error_cb, &sink);
  rc = xmlRelaxNGValidateDoc (vctxt, doc);
  xmlRelaxNGFreeValidCtxt (vctxt);
  if (rc == 0)
    return TRUE;
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "%s (the schema domain.rng)",
               sink.first ? sink.first->str : "the document does not match the schema");
  if (sink.first)
    g_string_free (sink.first, TRUE);
  return FALSE;
}
