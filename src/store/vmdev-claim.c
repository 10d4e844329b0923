/* vmdev-claim.c: claim records (run/vmdev/claims/<uuid>.json).  See
 * vmdev-claim.h. */
#include "store/vmdev-claim.h"

#include "store/vmdev-json-writer.h"
#include "util/vmdev-dir.h"
#include "util/vmdev-json.h"
#include "util/vmdev-error.h"
#include "util/vmdev-uuid.h"

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
  VmdevJsonWriter *w = vmdev_json_writer_new (TRUE);

  vmdev_json_writer_begin_object (w);
  vmdev_json_writer_member_uint (w, "version", VMDEV_CLAIM_VERSION);
  vmdev_json_writer_member_string (w, "uuid", c->uuid);
  vmdev_json_writer_member_string (w, "domain", c->domain);
  vmdev_json_writer_member_string (w, "domain_uuid", c->domain_uuid);
  vmdev_json_writer_member_boolean (w, "managed", c->managed);
  vmdev_json_writer_member_boolean (w, "created_by_vmdev", c->created_by_vmdev);
  vmdev_json_writer_member_string (w, "state", vmdev_claim_state_to_string (c->state));
  vmdev_json_writer_key (w, "journal");
  vmdev_json_writer_begin_array (w);
  for (guint i = 0; i < c->journal->len; i++)
    {
      const VmdevClaimStep *s = g_ptr_array_index (c->journal, i);

      vmdev_json_writer_begin_object (w);
      vmdev_json_writer_member_string (w, "op", s->op);
      vmdev_json_writer_member_string (w, "arg", s->arg);
      vmdev_json_writer_end_object (w);
    }
  vmdev_json_writer_end_array (w);
  vmdev_json_writer_end_object (w);
  return vmdev_json_writer_finish (w, NULL);  /* frees w */
}

/* Parses a claim file; FALSE with a message in *@why when it is malformed. */
static VmdevClaim *
from_json (const char *data, gsize len, const char *uuid, char **why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevClaim) c = NULL;
  g_autoptr(VmdevJson) o = NULL;
  VmdevJson *journal;
  const char *state, *domain;

  if (!g_utf8_validate_len (data, len, NULL))
    {
      *why = g_strdup ("not UTF-8 text");
      return NULL;
    }
  if (!vmdev_json_parse (data, len, &o, &error))
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  if (o == NULL || o->type != VMDEV_JSON_OBJECT)
    {
      *why = g_strdup ("not a JSON object");
      return NULL;
    }
  domain = vmdev_json_get_string (o, "domain", NULL);
  state = vmdev_json_get_string (o, "state", NULL);
  if (domain == NULL || state == NULL ||
      g_strcmp0 (vmdev_json_get_string (o, "uuid", NULL), uuid) != 0)
    {
      *why = g_strdup ("\"uuid\" (the file's name), \"domain\" and \"state\" are required");
      return NULL;
    }
  c = vmdev_claim_new (uuid, domain, vmdev_json_get_string (o, "domain_uuid", ""),
                       vmdev_json_get_boolean (o, "managed", FALSE));
  c->created_by_vmdev = vmdev_json_get_boolean (o, "created_by_vmdev", FALSE);
  for (c->state = 0; c->state < G_N_ELEMENTS (state_names); c->state++)
    if (strcmp (state, state_names[c->state]) == 0)
      break;
  if (c->state == G_N_ELEMENTS (state_names))
    {
      *why = g_strdup_printf ("unknown \"state\" '%s'", state);
      return NULL;
    }
  journal = vmdev_json_get_array (o, "journal");
  if (journal == NULL && vmdev_json_object_get (o, "journal") != NULL)
    {
      *why = g_strdup ("\"journal\" is not a list");
      return NULL;
    }
  for (guint i = 0; journal != NULL && i < journal->items->len; i++)
    {
      const VmdevJson *e = g_ptr_array_index (journal->items, i);
      const char *op = vmdev_json_get_string (e, "op", NULL);
      const char *arg = vmdev_json_get_string (e, "arg", NULL);

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
  if (!vmdev_dir_read_if_exists (dir, name, MAX_CLAIM_FILE, &data, &len, &local))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (data == NULL)
    return TRUE;
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
  VmdevDir *dir = vmdev_dir_open_if_exists (root, VMDEV_CLAIM_DIR, &local);

  *missing = dir == NULL && local == NULL;
  if (local != NULL)
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
