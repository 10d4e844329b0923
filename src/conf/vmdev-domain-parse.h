/* vmdev-domain-parse.h: domain XML text -> VmdevDomain.
 *
 * Parsing is strict (unknown elements and attributes are refused, naming
 * them) and reads values as libvirt reads them; it fills in no defaults
 * (vmdev-domain-defaults.c does) and checks no cross-element rules
 * (vmdev-domain-validate.c does). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "conf/vmdev-domain.h"

/* A parsed document (libxml2), freed with xmlFreeDoc. */
typedef struct
{
  xmlDoc *doc;
} VmdevXmlDoc;

/* Reads @xml (no network, no DTD, no entity expansion).  Errors are
 * VMDEV_ERROR_INVALID_XML "line L: <libxml2's message>". */
VmdevXmlDoc *vmdev_xml_doc_read (const char *xml, gsize len, GError **error);
void vmdev_xml_doc_free (VmdevXmlDoc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevXmlDoc, vmdev_xml_doc_free)

typedef enum
{
  VMDEV_DOMAIN_PARSE_SCHEMA = 1 << 0,  /* apply schemas/domain.rng first */
} VmdevDomainParseFlags;

VmdevDomain *vmdev_domain_parse (const char *xml, gsize len, VmdevDomainParseFlags flags,
                                 GError **error);
/* Parses the <domain> element @root of an already read document. */
VmdevDomain *vmdev_domain_parse_node (const xmlNode *root, GError **error);

/* Reads a memory size: @value in @unit (NULL: KiB), as libvirt scales it,
 * rounded up to KiB. */
gboolean vmdev_domain_parse_memory (const char *value, const char *unit, guint64 *out_kib,
                                    GError **error);
