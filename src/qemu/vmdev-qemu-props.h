/* vmdev-qemu-props.h: the two value syntaxes of a QEMU command line.
 *
 * JSON objects (-device, -blockdev, -object, -audiodev, -netdev), written as
 * libvirt 9.0 writes them: keys in the order added, no spaces, strings with
 * '"', '\' and control characters escaped, other bytes as they are; and
 * QemuOpts strings ("key=value,key=value": -name, -chardev, -vnc, -spice),
 * where a comma inside a value is doubled so that it cannot start an option. */
#pragma once

#include <glib.h>

typedef struct
{
  GString *buf;
  gboolean empty;
} VmdevQemuProps;

/* Starts an object: "{". */
void vmdev_qemu_props_init (VmdevQemuProps *props);
void vmdev_qemu_props_add_str (VmdevQemuProps *props, const char *key, const char *value);
void vmdev_qemu_props_add_int (VmdevQemuProps *props, const char *key, gint64 value);
void vmdev_qemu_props_add_bool (VmdevQemuProps *props, const char *key, gboolean value);
/* Ends the object and returns its text ("}" appended). */
char *vmdev_qemu_props_finish (VmdevQemuProps *props);

/* Appends @s to @out as a JSON string (with the quotes). */
void vmdev_qemu_json_escape (GString *out, const char *s);
/* Appends @s to @out with every ',' doubled (QemuOpts). */
void vmdev_qemu_opts_escape (GString *out, const char *s);
