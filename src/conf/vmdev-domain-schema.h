/* vmdev-domain-schema.h: RelaxNG validation with schemas/domain.rng.
 *
 * The schema directory is $VMDEV_SCHEMA_DIR when set; else the source tree's
 * schemas/ for a binary run from the build tree; else the installed
 * <datadir>/vmdev/schemas.  The compiled schema is kept for the process. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* The path of domain.rng that will be used. */
char *vmdev_domain_schema_path (void);
/* Validates @doc; the first error as VMDEV_ERROR_INVALID_XML
 * "line L: element <E>: <libxml2's reason>" (schema errors name the schema). */
gboolean vmdev_domain_schema_validate (xmlDoc *doc, GError **error);
