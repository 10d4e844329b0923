/* vmdev-qemu-machines.h: the machine types an emulator offers, from its own
 * `-machine help`, probed once and cached.
 *
 * The cache is var/cache/vmdev/qemu-machines/<sha1 of the emulator path>
 * under the root: a first line "vmdev-qemu-machines 1 <mtime> <size> <path>"
 * (the emulator binary's stat), then QEMU's output.  A cache whose key does
 * not match the binary is probed again.  Tests inject a fixed list with
 * VMDEV_QEMU_MACHINES=FILE (QEMU's `-machine help` output), or =DIR holding
 * one such file per emulator, named after its binary (qemu-system-s390x);
 * then neither the binary nor the cache is used. */
#pragma once

#include <glib.h>

#include "util/vmdev-root.h"

typedef struct _VmdevMachineList VmdevMachineList;

/* Parses `-machine help` output. */
VmdevMachineList *vmdev_machine_list_parse (const char *text);
void vmdev_machine_list_free (VmdevMachineList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevMachineList, vmdev_machine_list_free)

/* The list for @emulator (see above). */
VmdevMachineList *vmdev_machine_list_load (VmdevRoot *root, const char *emulator,
                                           GError **error);

/* The canonical name of @machine (an alias expanded), or NULL when the
 * emulator does not know it.  NULL @machine: the default machine. */
const char *vmdev_machine_list_resolve (const VmdevMachineList *list, const char *machine);

/* The cache directory, relative to the root. */
#define VMDEV_QEMU_MACHINES_CACHE_DIR "var/cache/vmdev/qemu-machines"
