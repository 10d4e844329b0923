/* vmdev-placement.h: where a managed mdev is created. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

/* The parent on which to create an mdev of type @type_id.  With @pinned, that
 * parent, which must offer the type with a free instance; otherwise, of the
 * parents offering it with available_instances > 0, the one with the fewest
 * running mdevs (ties: the lowest name).  Errors: VMDEV_ERROR_NOT_FOUND when
 * no parent (or not @pinned) offers the type, VMDEV_ERROR_NO_SPACE when none
 * has room (the message lists the candidates). */
gboolean vmdev_host_place_mdev (VmdevRoot *root, const char *type_id, const char *pinned,
                                char **out_parent, GError **error);
