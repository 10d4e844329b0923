/* vmdev-attr.h: an ordered (name, value) pair, as in mdevctl's "attrs" list. */
#pragma once

#include <glib.h>

typedef struct
{
  char *name;
  char *value;
} VmdevAttr;

VmdevAttr *vmdev_attr_new (const char *name, const char *value);
void vmdev_attr_free (VmdevAttr *attr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevAttr, vmdev_attr_free)
/* A GPtrArray of VmdevAttr that frees its elements. */
GPtrArray *vmdev_attr_list_new (void);
