/* vmdev-domain-prepare.h: the host side of assigning an mdev to a domain
 * (DESIGN.md §7 steps 1-2): the claim, the managed mdev's creation, the
 * checks; and the release that undoes them from the claim's journal.
 * Every function here runs under the global lock. */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"
#include "host/vmdev-placement.h"
#include "hostprep/vmdev-cgroup.h"
#include "hostprep/vmdev-hostprep-config.h"
#include "store/vmdev-claim.h"
#include "util/vmdev-root.h"

/* What prepare found or made. */
typedef struct
{
  char *uuid;            /* the mdev (new for a managed one without a UUID) */
  int iommu_group;
  gboolean created_by_vmdev;
  gboolean has_cgroup_device;     /* the group node, allowed in the domain's cgroup */
  VmdevCgroupDevice cgroup_device;
} VmdevPrepared;

void vmdev_prepared_clear (VmdevPrepared *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VmdevPrepared, vmdev_prepared_clear)

/* How the host is prepared for the domain's QEMU. */
typedef struct
{
  VmdevHostprepConfig *config;  /* etc/vmdev/vmdev.conf */
  char *mcs;                    /* "c12,c345" when SELinux labels apply, else NULL */
  char *image_context;          /* SELinux label of the group nodes, or NULL */
  char *process_context;        /* SELinux label of QEMU, or NULL */
  VmdevCgroupHost *cgroups;     /* the cgroup hierarchies under the root */
  gboolean live;                /* hotplug: the domain's cgroup exists already */
  gint64 qemu_pid;              /* hotplug: QEMU, whose private /dev gets the group node */
  VmdevPlacement *placement;    /* where managed mdevs go, kept across one start */
} VmdevPrepareContext;

/* Loads vmdev.conf; where SELinux labels apply, the domain's MCS categories
 * are @mcs (a running domain's, from its status) or, NULL, a pair no running
 * domain has, derived from @domain_uuid. */
gboolean vmdev_prepare_context_init (VmdevPrepareContext *ctx, VmdevRoot *root,
                                     const char *domain_uuid, const char *mcs, GError **error);
void vmdev_prepare_context_clear (VmdevPrepareContext *ctx);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VmdevPrepareContext, vmdev_prepare_context_clear)

/* Claims the mdev of @h for the domain @def (refused when another domain
 * holds it: "mediated device U is in use by domain N"), creates it when it is
 * managed and missing (journaled in the claim first), checks that it exists,
 * that its device_api matches the model, that it has an IOMMU group and that
 * no other program holds the group, then labels the group node for QEMU
 * (DAC owner, SELinux label; journaled first).  The claim is left in state
 * "preparing".  On failure everything is undone and no claim is left. */
gboolean vmdev_domain_prepare_hostdev (VmdevRoot *root, const VmdevDomain *def,
                                       const VmdevHostdev *h, const VmdevPrepareContext *ctx,
                                       VmdevPrepared *out, GError **error);

/* Sets the state of the claim of @uuid (no error when there is none). */
gboolean vmdev_domain_claim_set_state (VmdevRoot *root, const char *uuid, VmdevClaimState state,
                                       GError **error);

/* Undoes the journal of the claim of @uuid in reverse (a vmdev-created mdev
 * is removed; a pre-created one never) and drops the claim.  No claim: TRUE.
 * When a step cannot be undone (the mdev is busy) the claim stays, in state
 * "releasing", for the next reconcile. */
gboolean vmdev_domain_release_claim (VmdevRoot *root, const char *uuid, GError **error);

/* Releases every claim of domain @name (after its QEMU ended), then removes
 * its cgroups. */
gboolean vmdev_domain_release_domain_claims (VmdevRoot *root, const char *name, GError **error);

/* Reconcile: releases every claim that no live domain holds (its domain's
 * QEMU is gone, or does not list the mdev), then removes the cgroups of
 * domains that do not run.  Problems are logged as warnings: reconcile never
 * fails the command that runs it. */
void vmdev_domain_reconcile_claims (VmdevRoot *root);

/* The same, taking the global lock (for `domain list` and the commands that
 * do not take the lock); nothing to do without claims or runtime
 * directories.  Also removes the runtime directories of domains that do not
 * run and stale temporary files of atomic writes. */
void vmdev_domain_reconcile (VmdevRoot *root);
