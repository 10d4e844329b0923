#include "util/vmdev-attr.h"

VmdevAttr *
vmdev_attr_new (const char *name, const char *value)
{
  VmdevAttr *attr = g_new (VmdevAttr, 1);

  attr->name = g_strdup (name);
  attr->value = g_strdup (value);
  return attr;
}

void
vmdev_attr_free (VmdevAttr *attr)
{
  if (attr == NULL)
    return;
  g_free (attr->name);
  g_free (attr->value);
  g_free (attr);
}

GPtrArray *
vmdev_attr_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) vmdev_attr_free);
}
