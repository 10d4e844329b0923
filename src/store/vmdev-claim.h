/* vmdev-claim.h: claim records of mediated devices, one file per claimed mdev:
 *
 *   run/vmdev/claims/<uuid>.json
 *
 * A claim says which domain an mdev is assigned to and journals every host
 * change made for it (an mdev created, a label set, a cgroup rule added) —
 * each step is written here before the change is made, so that whoever finds
 * the claim of a dead domain can undo exactly what was done, in reverse.
 * Writes are atomic; callers hold the global lock (VMDEV_LOCK_GLOBAL).  See
 * docs/hostprep.md. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

#define VMDEV_CLAIM_DIR "run/vmdev/claims"
#define VMDEV_CLAIM_VERSION 1

typedef enum
{
  VMDEV_CLAIM_PREPARING,  /* host changes under way (start or attach) */
  VMDEV_CLAIM_ACTIVE,     /* QEMU has the device */
  VMDEV_CLAIM_RELEASING,  /* host changes being undone */
} VmdevClaimState;

/* One host change: @op names it ("create-mdev", "dac", "selinux",
 * "cgroup-allow", ...), @arg says on what (a path, "parent/type", ...). */
typedef struct
{
  char *op;
  char *arg;
} VmdevClaimStep;

typedef struct
{
  char *uuid;              /* the mdev */
  char *domain;            /* the owning domain's name */
  char *domain_uuid;
  gboolean managed;
  gboolean created_by_vmdev;
  VmdevClaimState state;
  GPtrArray *journal;      /* VmdevClaimStep*, in the order the changes were made */
} VmdevClaim;

VmdevClaim *vmdev_claim_new (const char *uuid, const char *domain, const char *domain_uuid,
                             gboolean managed);
void vmdev_claim_free (VmdevClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevClaim, vmdev_claim_free)

const char *vmdev_claim_state_to_string (VmdevClaimState state);

/* Appends a step to the journal (memory only: write the claim before making
 * the change). */
void vmdev_claim_journal_add (VmdevClaim *claim, const char *op, const char *arg);
/* The last step with @op, or NULL. */
const VmdevClaimStep *vmdev_claim_journal_find (const VmdevClaim *claim, const char *op);

/* The claim of @uuid: TRUE with *@out_claim NULL when there is none. */
gboolean vmdev_claim_read (VmdevRoot *root, const char *uuid, VmdevClaim **out_claim,
                           GError **error);
gboolean vmdev_claim_write (VmdevRoot *root, const VmdevClaim *claim, GError **error);
/* Removes the claim of @uuid; no error when there is none. */
gboolean vmdev_claim_delete (VmdevRoot *root, const char *uuid, GError **error);
/* Every claim, sorted by UUID.  A malformed file is reported in @warnings
 * (a GError* each) and skipped.  A missing directory is an empty list. */
gboolean vmdev_claim_list (VmdevRoot *root, GPtrArray **out_claims, GPtrArray *warnings,
                           GError **error);
