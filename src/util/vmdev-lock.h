/* vmdev-lock.h: advisory locks (flock) on files under run/vmdev/. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

typedef struct _VmdevLock VmdevLock;

/* Takes an exclusive flock on @rel (created, with its directory, if missing),
 * waiting at most @timeout_ms; a VMDEV_ERROR_TIMEOUT error names the lock. */
VmdevLock *vmdev_lock_take (VmdevRoot *root, const char *rel, guint timeout_ms, GError **error);
void vmdev_lock_release (VmdevLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevLock, vmdev_lock_release)

/* The global lock: run/vmdev/lock. */
#define VMDEV_LOCK_GLOBAL "run/vmdev/lock"
#define VMDEV_LOCK_TIMEOUT_MS 30000
