/* vmdev-domain-parse.c: the <domain> element and everything but <devices>. */
#include "conf/vmdev-domain-parse.h"

#include "conf/vmdev-domain-devices.h"
#include "conf/vmdev-domain-schema.h"
#include "conf/vmdev-xml.h"
#include "util/vmdev-error.h"
#include "util/vmdev-name.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <string.h>

void
vmdev_xml_doc_free (VmdevXmlDoc *doc)
{
  if (doc == NULL)
    return;
  xmlFreeDoc (doc->doc);
  g_free (doc);
}

/* libxml2 reports some errors (input encoding conversion, I/O) only through
 * its global generic error handler, which prints to stderr whatever the parse
 * options say.  They are collected here instead, and the first one becomes
 * the message when it says more than the context's last error. */
static GString *generic_errors;

static void
collect_generic_error (void *ctx, const char *fmt, ...)
{
  va_list ap;

  if (generic_errors == NULL)
    return;
  va_start (ap, fmt);
  g_string_append_vprintf (generic_errors, fmt, ap);
  va_end (ap);
}

VmdevXmlDoc *
vmdev_xml_doc_read (const char *xml, gsize len, GError **error)
{
  static gsize silenced = 0;
  xmlParserCtxt *ctxt;
  xmlDoc *doc;

  g_autoptr(GString) generic = g_string_new (NULL);

  if (g_once_init_enter (&silenced))
    {
      xmlSetGenericErrorFunc (NULL, collect_generic_error);
      g_once_init_leave (&silenced, 1);
    }

  if (len > G_MAXINT)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "the document is too large");
      return NULL;
    }
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    g_error ("out of memory");
  generic_errors = generic;
  doc = xmlCtxtReadMemory (ctxt, xml, (int) len, "domain.xml", NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                           XML_PARSE_NOCDATA);
  generic_errors = NULL;
  if (doc == NULL)
    {
      const xmlError *e = xmlCtxtGetLastError (ctxt);
      g_autofree char *msg = NULL;

      if (generic->len > 0)
        {
          /* e.g. "encoding error : input conversion failed due to input error, bytes 0xFF ..." */
          char *nl = strchr (generic->str, '\n');

          msg = nl ? g_strndup (generic->str, nl - generic->str) : g_strdup (generic->str);
        }
      else
        msg = g_strdup (e != NULL && e->message != NULL ? e->message : "not well-formed");
      g_strchomp (msg);
      if (e != NULL && e->line > 0)
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "line %d: %s", e->line, msg);
      else
        g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "%s", msg);
      xmlFreeParserCtxt (ctxt);
      return NULL;
    }
  xmlFreeParserCtxt (ctxt);
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML,
                   "a document type declaration (<!DOCTYPE>) is not allowed");
      return NULL;
    }
  if (xmlDocGetRootElement (doc) == NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML, "the document is empty");
      return NULL;
    }
  {
    VmdevXmlDoc *d = g_new0 (VmdevXmlDoc, 1);
    d->doc = doc;
    return d;
  }
}

gboolean
vmdev_domain_parse_memory (const char *value, const char *unit, guint64 *out_kib,
                           GError **error)
{
  guint64 v, scale = 1024;

  if (!vmdev_xml_parse_uint (value, 10, G_MAXUINT64, &v))
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML,
                   "invalid value '%s' (expected a number)", value);
      return FALSE;
    }
  if (unit != NULL && *unit != '\0')
    {
      static const char prefixes[] = "kmgtpe";
      const char *p = strchr (prefixes, g_ascii_tolower (unit[0]));

      if (g_ascii_strcasecmp (unit, "b") == 0 || g_ascii_strcasecmp (unit, "bytes") == 0)
        scale = 1;
      else if (p != NULL && unit[0] != '\0')
        {
          guint64 base;
          int power = (int) (p - prefixes) + 1;

          if (unit[1] == '\0' || g_ascii_strcasecmp (unit + 1, "iB") == 0)
            base = 1024;
          else if (g_ascii_strcasecmp (unit + 1, "B") == 0)
            base = 1000;
          else
            goto bad_unit;
          scale = 1;
          for (int i = 0; i < power; i++)
            scale *= base;
        }
      else
        goto bad_unit;
    }
  if (v > G_MAXUINT64 / scale)
    {
      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML,
                   "value '%s' %s is too large", value, unit ? unit : "KiB");
      return FALSE;
    }
  v *= scale;
  *out_kib = v / 1024 + (v % 1024 != 0);
  return TRUE;

bad_unit:
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_XML,
               "attribute 'unit': invalid value '%s' (expected b, bytes, KB, k, KiB, MB, M, MiB, "
               "GB, G, GiB, TB, T, TiB, PB, P, PiB, EB, E or EiB)", unit);
  return FALSE;
}

static gboolean
parse_memory_element (const xmlNode *node, guint64 *out, GError **error)
{
  static const char *const attrs[] = { "unit", NULL };
  g_autofree char *text = NULL, *unit = NULL;
  g_autoptr(GError) e = NULL;

  if (!vmdev_xml_check_attrs (node, attrs, error) || !vmdev_xml_text (node, &text, error))
    return FALSE;
  unit = vmdev_xml_attr (node, "unit");
  g_strstrip (text);
  if (!vmdev_domain_parse_memory (text, unit, out, &e))
    return vmdev_xml_fail (error, node, "%s", e->message);
  return TRUE;
}

static gboolean
parse_text_enum_attrs (const xmlNode *node, const char *const *attrs, const char *const *choices,
                       char **out, GError **error)
{
  g_autofree char *text = NULL;

  if (!vmdev_xml_check_attrs (node, attrs, error) || !vmdev_xml_text (node, &text, error))
    return FALSE;
  g_strstrip (text);
  if (!vmdev_xml_check_enum (node, NULL, text, choices, error))
    return FALSE;
  *out = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
parse_text_enum (const xmlNode *node, const char *const *choices, char **out, GError **error)
{
  return parse_text_enum_attrs (node, NULL, choices, out, error);
}

static gboolean
parse_vcpu (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "placement", "current", NULL };
  static const char *const placements[] = { "static", NULL };
  g_autofree char *text = NULL;
  guint64 v;
  gboolean present;

  if (!vmdev_xml_check_attrs (node, attrs, error) || !vmdev_xml_text (node, &text, error))
    return FALSE;
  g_strstrip (text);
  if (!vmdev_xml_parse_uint (text, 10, 4096, &v) || v == 0)
    return vmdev_xml_fail (error, node, "invalid value '%s' (expected a number of vCPUs, "
                           "1-4096)", text);
  def->vcpus = (guint) v;
  def->vcpu_placement = vmdev_xml_attr (node, "placement");
  if (def->vcpu_placement != NULL &&
      !vmdev_xml_check_enum (node, "placement", def->vcpu_placement, placements, error))
    return FALSE;
  if (!vmdev_xml_attr_uint (node, "current", 10, 4096, &v, &present, error))
    return FALSE;
  if (present)
    {
      if (v == 0 || v > def->vcpus)
        return vmdev_xml_fail (error, node, "attribute 'current': invalid value '%" G_GUINT64_FORMAT
                               "' (must be 1 to the maximum, %u)", v, def->vcpus);
      def->vcpu_current = (int) v;
    }
  return TRUE;
}

static gboolean
parse_os (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const type_attrs[] = { "arch", "machine", NULL };
  static const char *const boot_attrs[] = { "dev", NULL };
  static const char *const os_types[] = { "hvm", NULL };
  static const char *const arches[] = { "x86_64", "s390x", NULL };
  static const char *const boot_devs[] = { "hd", "cdrom", "network", "fd", NULL };
  gboolean seen_type = FALSE;

  if (!vmdev_xml_check_attrs (node, NULL, error))
    return FALSE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      char **slot = NULL;

      if (vmdev_xml_is (c, "type"))
        {
          if (seen_type)
            return vmdev_xml_fail (error, node, "more than one <type>");
          seen_type = TRUE;
          if (!parse_text_enum_attrs (c, type_attrs, os_types, &def->os_type, error))
            return FALSE;
          def->os_arch = vmdev_xml_attr (c, "arch");
          def->os_machine = vmdev_xml_attr (c, "machine");
          if (def->os_arch != NULL &&
              !vmdev_xml_check_enum (c, "arch", def->os_arch, arches, error))
            return FALSE;
          continue;
        }
      if (vmdev_xml_is (c, "boot"))
        {
          g_autofree char *dev = NULL;

          if (!vmdev_xml_check_attrs (c, boot_attrs, error) || !vmdev_xml_check_empty (c, error) ||
              !vmdev_xml_attr_required (c, "dev", &dev, error) ||
              !vmdev_xml_check_enum (c, "dev", dev, boot_devs, error))
            return FALSE;
          if (def->os_boot->len >= 4)
            return vmdev_xml_fail (error, c, "at most 4 <boot> elements are allowed");
          g_ptr_array_add (def->os_boot, g_steal_pointer (&dev));
          continue;
        }
      if (vmdev_xml_is (c, "kernel"))
        slot = &def->os_kernel;
      else if (vmdev_xml_is (c, "initrd"))
        slot = &def->os_initrd;
      else if (vmdev_xml_is (c, "cmdline"))
        slot = &def->os_cmdline;
      else
        return vmdev_xml_fail (error, node, "unknown element <%s>", (const char *) c->name);
      if (*slot != NULL)
        return vmdev_xml_fail (error, node, "more than one <%s>", (const char *) c->name);
      if (!vmdev_xml_check_attrs (c, NULL, error) || !vmdev_xml_text (c, slot, error))
        return FALSE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (!seen_type)
    return vmdev_xml_fail (error, node, "missing <type> (the OS type: <type>hvm</type>)");
  return TRUE;
}

static gboolean
parse_features (VmdevDomain *def, const xmlNode *node, GError **error)
{
  if (!vmdev_xml_check_attrs (node, NULL, error))
    return FALSE;
  def->has_features = TRUE;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      gboolean *flag;

      if (vmdev_xml_is (c, "acpi"))
        flag = &def->feature_acpi;
      else if (vmdev_xml_is (c, "apic"))
        flag = &def->feature_apic;
      else
        return vmdev_xml_fail (error, node, "unknown element <%s> (supported features: "
                               "<acpi/>, <apic/>)", (const char *) c->name);
      if (*flag)
        return vmdev_xml_fail (error, node, "more than one <%s>", (const char *) c->name);
      if (!vmdev_xml_check_attrs (c, NULL, error) || !vmdev_xml_check_empty (c, error))
        return FALSE;
      *flag = TRUE;
    }
  return error == NULL || *error == NULL;
}

static gboolean
parse_cpu (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "mode", "match", "check", "migratable", NULL };
  static const char *const model_attrs[] = { "fallback", NULL };
  static const char *const modes[] = { "custom", "host-model", "host-passthrough", "maximum",
                                       NULL };
  static const char *const matches[] = { "minimum", "exact", "strict", NULL };
  static const char *const checks[] = { "none", "partial", "full", NULL };
  static const char *const fallbacks[] = { "allow", "forbid", NULL };
  int migratable = 0;

  if (!vmdev_xml_check_attrs (node, attrs, error))
    return FALSE;
  def->has_cpu = TRUE;
  def->cpu_mode = vmdev_xml_attr (node, "mode");
  def->cpu_match = vmdev_xml_attr (node, "match");
  def->cpu_check = vmdev_xml_attr (node, "check");
  if ((def->cpu_mode && !vmdev_xml_check_enum (node, "mode", def->cpu_mode, modes, error)) ||
      (def->cpu_match && !vmdev_xml_check_enum (node, "match", def->cpu_match, matches, error)) ||
      (def->cpu_check && !vmdev_xml_check_enum (node, "check", def->cpu_check, checks, error)) ||
      !vmdev_xml_attr_tristate (node, "migratable", TRUE, &migratable, error))
    return FALSE;
  def->cpu_migratable = migratable;
  VMDEV_XML_FOREACH_CHILD (node, c, error)
    {
      if (!vmdev_xml_is (c, "model"))
        return vmdev_xml_fail (error, node, "unknown element <%s> (supported: <model>)",
                               (const char *) c->name);
      if (def->cpu_model != NULL)
        return vmdev_xml_fail (error, node, "more than one <model>");
      if (!vmdev_xml_check_attrs (c, model_attrs, error) ||
          !vmdev_xml_text (c, &def->cpu_model, error))
        return FALSE;
      g_strstrip (def->cpu_model);
      if (*def->cpu_model == '\0')
        return vmdev_xml_fail (error, c, "the CPU model name is empty");
      def->cpu_model_fallback = vmdev_xml_attr (c, "fallback");
      if (def->cpu_model_fallback != NULL &&
          !vmdev_xml_check_enum (c, "fallback", def->cpu_model_fallback, fallbacks, error))
        return FALSE;
    }
  return error == NULL || *error == NULL;
}

static gboolean
parse_clock (VmdevDomain *def, const xmlNode *node, GError **error)
{
  static const char *const attrs[] = { "offset", NULL };
  static const char *const offsets[] = { "utc", "localtime", NULL };

  if (!vmdev_xml_check_attrs (node, attrs, error) || !vmdev_xml_check_empty (node, error))
    return FALSE;
  def->clock_offset = vmdev_xml_attr (node, "offset");
  if (def->clock_offset == NULL)
    def->clock_offset = g_strdup ("utc");
  return vmdev_xml_check_enum (node, "offset", def->clock_offset, offsets, error);
}

VmdevDomain *
vmdev_domain_parse_node (const xmlNode *root, GError **error)
{
  static const char *const attrs[] = { "type", NULL };
  static const char *const types[] = { "kvm", "qemu", NULL };
  static const char *const actions[] = { "destroy", "restart", "preserve", "rename-restart",
                                         NULL };
  static const char *const crash_actions[] = { "destroy", "restart", "preserve",
                                               "rename-restart", "coredump-destroy",
                                               "coredump-restart", NULL };
  static const char *const once[] = { "name", "uuid", "title", "description", "memory",
                                      "currentMemory", "vcpu", "os", "features", "cpu", "clock",
                                      "on_poweroff", "on_reboot", "on_crash", "devices", NULL };
  g_autoptr(VmdevDomain) def = vmdev_domain_new ();
  guint seen = 0;
  gboolean has_memory = FALSE;

  if (!vmdev_xml_is (root, "domain"))
    {
      vmdev_xml_fail (error, root, "expected the root element <domain>");
      return NULL;
    }
  if (!vmdev_xml_check_attrs (root, attrs, error) ||
      !vmdev_xml_attr_required (root, "type", &def->type, error) ||
      !vmdev_xml_check_enum (root, "type", def->type, types, error))
    return NULL;

  VMDEV_XML_FOREACH_CHILD (root, c, error)
    {
      const char *name = (const char *) c->name;
      guint bit = 0;
      gboolean ok = TRUE;

      for (guint i = 0; once[i] != NULL; i++)
        if (strcmp (once[i], name) == 0)
          bit = 1u << i;
      if (bit == 0)
        {
          vmdev_xml_fail (error, root, "unknown element <%s>", name);
          return NULL;
        }
      if (seen & bit)
        {
          vmdev_xml_fail (error, root, "more than one <%s>", name);
          return NULL;
        }
      seen |= bit;

      if (strcmp (name, "name") == 0)
        {
          g_autoptr(GError) e = NULL;

          ok = vmdev_xml_check_attrs (c, NULL, error) && vmdev_xml_text (c, &def->name, error);
          if (ok && !vmdev_name_check ("domain", def->name, &e))
            ok = vmdev_xml_fail (error, c, "%s", e->message);
        }
      else if (strcmp (name, "uuid") == 0)
        {
          g_autofree char *text = NULL;
          g_autoptr(GError) e = NULL;

          ok = vmdev_xml_check_attrs (c, NULL, error) && vmdev_xml_text (c, &text, error);
          if (ok)
            {
              g_strstrip (text);
              if (!vmdev_uuid_normalize (text, def->uuid, &e))
                ok = vmdev_xml_fail (error, c, "invalid value '%s' (expected a UUID like "
                                     "c2177883-f1bb-47f0-914d-32a22e3a8804)", text);
            }
        }
      else if (strcmp (name, "title") == 0)
        {
          ok = vmdev_xml_check_attrs (c, NULL, error) && vmdev_xml_text (c, &def->title, error);
          if (ok && strchr (def->title, '\n') != NULL)
            ok = vmdev_xml_fail (error, c, "the title must not contain a newline");
        }
      else if (strcmp (name, "description") == 0)
        ok = vmdev_xml_check_attrs (c, NULL, error) &&
             vmdev_xml_text (c, &def->description, error);
      else if (strcmp (name, "memory") == 0)
        ok = has_memory = parse_memory_element (c, &def->memory_kib, error);
      else if (strcmp (name, "currentMemory") == 0)
        ok = parse_memory_element (c, &def->current_memory_kib, error);
      else if (strcmp (name, "vcpu") == 0)
        ok = parse_vcpu (def, c, error);
      else if (strcmp (name, "os") == 0)
        ok = parse_os (def, c, error);
      else if (strcmp (name, "features") == 0)
        ok = parse_features (def, c, error);
      else if (strcmp (name, "cpu") == 0)
        ok = parse_cpu (def, c, error);
      else if (strcmp (name, "clock") == 0)
        ok = parse_clock (def, c, error);
      else if (strcmp (name, "on_poweroff") == 0)
        ok = parse_text_enum (c, actions, &def->on_poweroff, error);
      else if (strcmp (name, "on_reboot") == 0)
        ok = parse_text_enum (c, actions, &def->on_reboot, error);
      else if (strcmp (name, "on_crash") == 0)
        ok = parse_text_enum (c, crash_actions, &def->on_crash, error);
      else if (strcmp (name, "devices") == 0)
        ok = vmdev_domain_devices_parse (def, c, error);
      if (!ok)
        return NULL;
    }
  if (error != NULL && *error != NULL)
    return NULL;
  if (def->name == NULL)
    {
      vmdev_xml_fail (error, root, "missing <name>");
      return NULL;
    }
  if (!has_memory)
    {
      vmdev_xml_fail (error, root, "missing <memory> (the guest's memory size)");
      return NULL;
    }
  if (def->memory_kib == 0)
    {
      vmdev_xml_fail (error, root, "<memory> must not be 0");
      return NULL;
    }
  if (def->os_type == NULL)
    {
      vmdev_xml_fail (error, root, "missing <os> with <type>hvm</type>");
      return NULL;
    }
  return g_steal_pointer (&def);
}

VmdevDomain *
vmdev_domain_parse (const char *xml, gsize len, VmdevDomainParseFlags flags, GError **error)
{
  g_autoptr(VmdevXmlDoc) doc = vmdev_xml_doc_read (xml, len, error);
  g_autoptr(VmdevDomain) def = NULL;

  if (doc == NULL)
    return NULL;
  /* vmdev's own parser first: its errors name the element, attribute and
   * value; the schema then checks the structure of what it accepted. */
  def = vmdev_domain_parse_node (xmlDocGetRootElement (doc->doc), error);
  if (def == NULL)
    return NULL;
  if ((flags & VMDEV_DOMAIN_PARSE_SCHEMA) && !vmdev_domain_schema_validate (doc->doc, error))
    return NULL;
  return g_steal_pointer (&def);
}
