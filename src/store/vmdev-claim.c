/* vmdev-claim.c: claim records (run/vmdev/claims/<uuid>.json).  See
 * vmdev-claim.h. */
#include "store/vmdev-claim.h"

#include "util/vmdev-dir.h"
#include "util/vmdev-error.h"
#include "util/vmdev-uuid.h"

#include <json-glib/json-glib.h>

#include <errno.h>
#include <string.h>

#define MAX_CLAIM_FILE (1024 * 1024)

static const char *const state_names[] = { "preparing", "active", "releasing" };

const char *
vmdev_claim_state_to_string (VmdevClaimState state)
{
  return state_names[state];
}

static void
step_free (gpointer p)
{
  VmdevClaimStep *s = p;

  g_free (s->op);
  g_free (s->arg);
  g_free (s);
}

VmdevClaim *
vmdev_claim_new (const char *uuid, const char *domain, const char *domain_uuid, gboolean managed)
{
  VmdevClaim *c = g_new0 (VmdevClaim, 1);

  c->uuid = g_strdup (uuid);
  c->domain = g_strdup (domain);
  c->domain_uuid = g_strdup (domain_uuid);
  c->managed = managed;
  c->state = VMDEV_CLAIM_PREPARING;
  c->journal = g_ptr_array_new_with_free_func (step_free);
  return c;
}

void
vmdev_claim_free (VmdevClaim *claim)
{
  if (claim == NULL)
    return;
  g_free (claim->uuid);
  g_free (claim->domain);
  g_free (claim->domain_uuid);
  g_ptr_array_unref (claim->journal);
  g_free (claim);
}

void
vmdev_claim_journal_add (VmdevClaim *claim, const char *op, const char *arg)
{
  VmdevClaimStep *s = g_new0 (VmdevClaimStep, 1);

  s->op = g_strdup (op);
  s->arg = g_strdup (arg);
  g_ptr_array_add (claim->journal, s);
}

const VmdevClaimStep *
vmdev_claim_journal_find (const VmdevClaim *claim, const char *op)
{
  for (guint i = claim->journal->len; i > 0; i--)
    {
      const VmdevClaimStep *s = g_ptr_array_index (claim->journal, i - 1);

      if (strcmp (s->op, op) == 0)
        return s;
    }
  return NULL;
}

static gboolean
uuid_check (const char *uuid, GError **error)
{
  if (vmdev_uuid_is_canonical (uuid))
    return TRUE;
  g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT,
               "claim of mediated device '%s': not a canonical UUID", uuid);
  return FALSE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
file_name (const char *uuid)
{
  return g_strconcat (uuid, ".json", NULL);
}

static char *
to_json (const VmdevClaim *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, VMDEV_CLAIM_VERSION);
  json_builder_set_member_name (b, "uuid");
  json_builder_add_string_value (b, c->uuid);
  json_builder_set_member_name (b, "domain");
  json_builder_add_string_value (b, c->domain);
  json_builder_set_member_name (b, "domain_uuid");
  json_builder_add_string_value (b, c->domain_uuid);
  json_builder_set_member_name (b, "managed");
  json_builder_add_boolean_value (b, c->managed);
  json_builder_set_member_name (b, "created_by_vmdev");
  json_builder_add_boolean_value (b, c->created_by_vmdev);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, vmdev_claim_state_to_string (c->state));
  json_builder_set_member_name (b, "journal");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->journal->len; i++)
    {
      const VmdevClaimStep *s = g_ptr_array_index (c->journal, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, s->op);
      json_builder_set_member_name (b, "arg");
      json_builder_add_string_value (b, s->arg);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/* Parses a claim file; FALSE with a message in *@why when it is malformed. */
static VmdevClaim *
from_json (const char *data, gsize len, const char *uuid, char **why)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevClaim) c = NULL;
  JsonObject *o;
  JsonNode *journal;
  const char *state, *domain;

  if (!json_parser_load_from_data (parser, data, (gssize) len, &error))
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *why = g_strdup ("not a JSON object");
      return NULL;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  domain = json_object_get_string_member_with_default (o, "domain", NULL);
  state = json_object_get_string_member_with_default (o, "state", NULL);
  if (domain == NULL || state == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (o, "uuid", NULL), uuid) != 0)
    {
      *why = g_strdup ("\"uuid\" (the file's name), \"domain\" and \"state\" are required");
      return NULL;
    }
  c = vmdev_claim_new (uuid, domain,
                       json_object_get_string_member_with_default (o, "domain_uuid", ""),
                       json_object_get_boolean_member_with_default (o, "managed", FALSE));
  c->created_by_vmdev = json_object_get_boolean_member_with_default (o, "created_by_vmdev", FALSE);
  for (c->state = 0; c->state < G_N_ELEMENTS (state_names); c->state++)
    if (strcmp (state, state_names[c->state]) == 0)
      break;
  if (c->state == G_N_ELEMENTS (state_names))
    {
      *why = g_strdup_printf ("unknown \"state\" '%s'", state);
      return NULL;
    }
  journal = json_object_get_member (o, "journal");
  if (journal != NULL && !JSON_NODE_HOLDS_ARRAY (journal))
    {
      *why = g_strdup ("\"journal\" is not a list");
      return NULL;
    }
  for (guint i = 0; journal != NULL && i < json_array_get_length (json_node_get_array (journal)); i++)
    {
      JsonNode *e = json_array_get_element (json_node_get_array (journal), i);
      JsonObject *s = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      const char *op = s != NULL ? json_object_get_string_member_with_default (s, "op", NULL) : NULL;
      const char *arg = s != NULL ? json_object_get_string_member_with_default (s, "arg", NULL) : NULL;

      if (op == NULL || arg == NULL)
        {
          *why = g_strdup_printf ("\"journal\" entry %u lacks \"op\" or \"arg\"", i);
          return NULL;
        }
      vmdev_claim_journal_add (c, op, arg);
    }
  return g_steal_pointer (&c);
}

static gboolean
read_in (VmdevDir *dir, const char *uuid, VmdevClaim **out_claim, GError **error)
{
  g_autofree char *name = file_name (uuid);
  g_autofree char *data = NULL, *why = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  *out_claim = NULL;
  if (!vmdev_dir_read (dir, name, MAX_CLAIM_FILE, &data, &len, &local))
    {
      if (vmdev_error_is_errno (local, ENOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *out_claim = from_json (data, len, uuid, &why);
  if (*out_claim == NULL)
    {
      g_autofree char *path = vmdev_dir_child_path (dir, name);

      g_set_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_CONFIG,
                   "reading a claim: %s: %s (remove the file if no domain uses the device)",
                   path, why);
      return FALSE;
    }
  return TRUE;
}

/* The claims directory; NULL with *@missing (and no error) when it does not
 * exist. */
static VmdevDir *
open_claims (VmdevRoot *root, gboolean *missing, GError **error)
{
  g_autoptr(GError) local = NULL;
  VmdevDir *dir = vmdev_dir_open (root, VMDEV_CLAIM_DIR, &local);

  *missing = dir == NULL && vmdev_error_is_errno (local, ENOENT);
  if (dir == NULL && !*missing)
    g_propagate_error (error, g_steal_pointer (&local));
  return dir;
}

gboolean
vmdev_claim_read (VmdevRoot *root, const char *uuid, VmdevClaim **out_claim, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  gboolean missing;

  *out_claim = NULL;
  if (!uuid_check (uuid, error))
    return FALSE;
  dir = open_claims (root, &missing, error);
  if (dir == NULL)
    return missing;
  return read_in (dir, uuid, out_claim, error);
}

gboolean
vmdev_claim_write (VmdevRoot *root, const VmdevClaim *claim, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autofree char *name = file_name (claim->uuid);
  g_autofree char *text = to_json (claim);
  g_autofree char *data = g_strconcat (text, "\n", NULL);

  if (!uuid_check (claim->uuid, error) ||
      !vmdev_root_mkdir_p (root, VMDEV_CLAIM_DIR, 0700, error) ||
      (dir = vmdev_dir_open (root, VMDEV_CLAIM_DIR, error)) == NULL)
    return FALSE;
  return vmdev_dir_write_atomic (dir, name, data, strlen (data), 0600, error);
}

gboolean
vmdev_claim_delete (VmdevRoot *root, const char *uuid, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autofree char *name = file_name (uuid);
  gboolean missing;

  if (!uuid_check (uuid, error))
    return FALSE;
  dir = open_claims (root, &missing, error);
  if (dir == NULL)
    return missing;
  return vmdev_dir_unlink (dir, name, TRUE, error);
}

gboolean
vmdev_claim_list (VmdevRoot *root, GPtrArray **out_claims, GPtrArray *warnings, GError **error)
{
  g_autoptr(VmdevDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) claims = g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_claim_free);
  gboolean missing;

  dir = open_claims (root, &missing, error);
  if (dir == NULL)
    {
      if (!missing)
        return FALSE;
      *out_claims = g_steal_pointer (&claims);
      return TRUE;
    }
  names = vmdev_dir_list (dir, error);
  if (names == NULL)
    return FALSE;
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *uuid = NULL;
      g_autoptr(GError) e = NULL;
      VmdevClaim *claim = NULL;

      /* Temporary files of an interrupted atomic write are not claims. */
      if (!g_str_has_suffix (name, ".json") || strlen (name) != 36 + 5)
        continue;
      uuid = g_strndup (name, 36);
      if (!vmdev_uuid_is_canonical (uuid))
        continue;
      if (!read_in (dir, uuid, &claim, &e))
        {
          if (warnings != NULL)
            g_ptr_array_add (warnings, g_steal_pointer (&e));
          continue;
        }
      if (claim != NULL)
        g_ptr_array_add (claims, claim);
    }
  *out_claims = g_steal_pointer (&claims);
  return TRUE;
}
