/* vmdev-placement.h: where managed mdevs are created.
 *
 * A VmdevPlacement is a snapshot of the parents, their types and how many
 * mdevs each parent has, taken once (at the first placement) and kept up to
 * date by vmdev_placement_created() after each create, which re-reads the
 * available_instances of that parent's types (a create on a pool-counting
 * parent lowers the counts of its other types too).  So placing N managed
 * mdevs costs one host listing plus O(types of one parent) per create, not
 * a listing per create.  Callers hold the global lock. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

typedef struct _VmdevPlacement VmdevPlacement;

VmdevPlacement *vmdev_placement_new (VmdevRoot *root);
void vmdev_placement_free (VmdevPlacement *placement);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevPlacement, vmdev_placement_free)

/* The parent on which to create an mdev of type @type_id.  With @pinned, that
 * parent, which must offer the type with a free instance; otherwise, of the
 * parents offering it with available_instances > 0, the one with the fewest
 * mdevs (ties: the lowest name).  Errors: VMDEV_ERROR_NOT_FOUND when no
 * parent (or not @pinned) offers the type, VMDEV_ERROR_NO_SPACE when none
 * has room (the message lists the candidates). */
gboolean vmdev_placement_choose (VmdevPlacement *placement, const char *type_id,
                                 const char *pinned, char **out_parent, GError **error);

/* Records that an mdev was created on (or removed from: @delta -1) @parent. */
void vmdev_placement_created (VmdevPlacement *placement, const char *parent, int delta);
