/* vmdev-domain-defaults.h: what libvirt fills in after parsing.
 *
 * vmdev_domain_post_parse() runs, in libvirt's order: the defaults (machine
 * alias expanded, cpu, clock, actions, emulator, boot), the implicit devices
 * (usb controller, pci-root or pcie-root (+ sata on q35), ps2 mouse and
 * keyboard, audio, video for graphics, memballoon, serial for a console,
 * ide/sata controllers for disks), the validation rules
 * (vmdev-domain-validate.h) and the guest addresses (PCI, drive, USB). */
#pragma once

#include <glib.h>

#include "conf/vmdev-domain.h"
#include "conf/vmdev-qemu-machines.h"

#define VMDEV_DEFAULT_EMULATOR "/usr/bin/qemu-system-x86_64"
#define VMDEV_DEFAULT_EMULATOR_S390X "/usr/bin/qemu-system-s390x"

/* The emulator of @def, or the default. */
const char *vmdev_domain_emulator (const VmdevDomain *def);

gboolean vmdev_domain_post_parse (VmdevDomain *def, const VmdevMachineList *machines,
                                  GError **error);

/* Defaults of one hostdev added to @def (attach-device): its own defaults,
 * the validation rules with the rest of @def, and a guest address. */
gboolean vmdev_domain_add_hostdev (VmdevDomain *def, VmdevHostdev *hostdev, GError **error);
