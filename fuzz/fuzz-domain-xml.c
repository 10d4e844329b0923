/* fuzz-domain-xml.c: libFuzzer harness of the domain XML parser (src/conf).
 *
 * One input is the bytes of a domain XML.  Two properties are checked:
 *
 *  1. parse -> format -> parse -> format: whatever vmdev_domain_parse()
 *     accepts, vmdev_domain_format() writes as text that vmdev_domain_parse()
 *     accepts again, and formatting that gives the same text (stable).
 *  2. the xml2xml fixed point (tests/unit/test-conf-xml2xml.c): when the
 *     parsed definition is completed and validated by vmdev_domain_post_parse()
 *     (QEMU 7.2's machine lists of tests/data/xml2xml), its formatted text
 *     parses, completes and formats to the same text.  Skipped (with one
 *     message) when the machine lists cannot be read.
 *
 * A broken property is reported on stderr (the input's stage, the error and
 * both texts) and abort()s, which libFuzzer records as a crash.  g_critical()
 * and g_warning() are fatal too (a failed g_return_if_fail is a bug).
 *
 * The schema (schemas/domain.rng) is not applied: vmdev's own parser runs
 * first and refuses on its own, so without the schema more of it is reached.
 *
 * No file is written and nothing is fetched: libxml2's external entity loader
 * is replaced by one that aborts, so any attempt of the parser to load a DTD,
 * an external entity or an XInclude (file or network) is a crash.  The only
 * files read are the two machine lists, once, before the first input.
 *
 * Known issues: a broken property that is already reported (a reproducer in
 * fuzz/crashes/, see fuzz/README.md) is tolerated, so that the fuzzer gets
 * past it and `make check` (fuzz-replay) stays green until src/conf is fixed;
 * VMDEV_FUZZ_STRICT=1 tolerates nothing (to reproduce them).  Remove an entry
 * of known_issue() with its fix.
 *
 * Everything is freed; only the machine lists live for the process. */
#include "fuzz/fuzz-domain-xml.h"

#include "conf/vmdev-domain-defaults.h"
#include "conf/vmdev-domain-format.h"
#include "conf/vmdev-domain-parse.h"
#include "conf/vmdev-qemu-machines.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gboolean initialized, strict;
static VmdevMachineList *machines, *machines_s390x;

static xmlParserInputPtr
refuse_external_entity (const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
  fprintf (stderr, "fuzz-domain-xml: libxml2 tried to load an external resource: %s%s%s\n",
           url != NULL ? url : "(no URL)", id != NULL ? " public id " : "",
           id != NULL ? id : "");
  abort ();
}

static VmdevMachineList *
load_machines (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return vmdev_machine_list_parse (text);
}

static void
initialize (void)
{
  const char *dir = g_getenv ("VMDEV_FUZZ_MACHINES_DIR");

  initialized = TRUE;
  strict = g_strcmp0 (g_getenv ("VMDEV_FUZZ_STRICT"), "1") == 0;
  xmlSetExternalEntityLoader (refuse_external_entity);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
#ifdef VMDEV_FUZZ_MACHINES_DIR
  if (dir == NULL)
    dir = VMDEV_FUZZ_MACHINES_DIR;
#endif
  if (dir != NULL)
    {
      machines = load_machines (dir, "qemu-machines.txt");
      machines_s390x = load_machines (dir, "qemu-machines-s390x.txt");
    }
  if (machines == NULL || machines_s390x == NULL)
    {
      fprintf (stderr, "fuzz-domain-xml: no machine lists (qemu-machines.txt, "
                       "qemu-machines-s390x.txt) in %s ($VMDEV_FUZZ_MACHINES_DIR): "
                       "the post-parse fixed point is not checked\n",
               dir != NULL ? dir : "(unset)");
      g_clear_pointer (&machines, vmdev_machine_list_free);
      g_clear_pointer (&machines_s390x, vmdev_machine_list_free);
    }
}

G_GNUC_NORETURN static void
fail (const char *what, const GError *error, const char *first, const char *second)
{
  fprintf (stderr, "fuzz-domain-xml: %s%s%s\n", what, error != NULL ? ": " : "",
           error != NULL ? error->message : "");
  if (first != NULL)
    fprintf (stderr, "--- first format ---\n%s", first);
  if (second != NULL)
    fprintf (stderr, "--- second format ---\n%s", second);
  fflush (stderr);
  abort ();
}

/* Whether @error, the re-parse of a formatted raw (not completed) definition,
 * is a known issue. */
static gboolean
known_issue (const GError *error)
{
  if (strict)
    return FALSE;
  /* Nothing is tolerated now (fuzz/crashes/controller-index-unset is fixed);
   * a finding that cannot be fixed at once gets an entry here, with its file. */
  (void) error;
  return FALSE;
}

static const VmdevMachineList *
machines_for (const VmdevDomain *def)
{
  return g_str_has_suffix (vmdev_domain_emulator (def), "s390x") ? machines_s390x : machines;
}

/* Property 2 on @def (already parsed; completed here). */
static void
check_post_parse_fixed_point (VmdevDomain *def)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!vmdev_domain_post_parse (def, machines_for (def), &error))
    return;
  first = vmdev_domain_format (def);
  again = vmdev_domain_parse (first, strlen (first), 0, &error);
  if (again == NULL)
    fail ("post-parse: the formatted definition does not parse", error, first, NULL);
  if (!vmdev_domain_post_parse (again, machines_for (again), &error))
    fail ("post-parse: the formatted definition is refused by post-parse", error, first, NULL);
  second = vmdev_domain_format (again);
  if (strcmp (first, second) != 0)
    fail ("post-parse: the formatted definition is not a fixed point", NULL, first, second);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevDomain) def = NULL;
  g_autoptr(VmdevDomain) again = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!initialized)
    initialize ();

  /* Property 1. */
  def = vmdev_domain_parse ((const char *) data, size, 0, &error);
  if (def == NULL)
    return 0;
  first = vmdev_domain_format (def);
  again = vmdev_domain_parse (first, strlen (first), 0, &error);
  if (again == NULL && !known_issue (error))
    fail ("the formatted definition does not parse", error, first, NULL);
  g_clear_error (&error);
  if (again != NULL)
    {
      second = vmdev_domain_format (again);
      if (strcmp (first, second) != 0)
        fail ("formatting is not stable", NULL, first, second);
    }

  if (machines != NULL)
    check_post_parse_fixed_point (def);
  return 0;
}
