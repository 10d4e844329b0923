/* host-fixture.h: tiny builders of sysfs-shaped trees for unit tests of
 * src/host (static files and links; no kernel behaviour). */
#pragma once

#include <glib.h>

/* A fresh temp directory to use as --root. */
char *fixture_root_new (void);
/* Writes @content to ROOT/@rel, creating directories. */
void fixture_write (const char *root, const char *rel, const char *content);
/* Makes the link ROOT/@rel -> @target, creating directories. */
void fixture_link (const char *root, const char *rel, const char *target);
/* A parent @name at sys/devices/@path with sys/class/mdev_bus/@name. */
void fixture_parent (const char *root, const char *name, const char *path);
/* A type of the parent at @path; @type_name / @description may be NULL. */
void fixture_type (const char *root, const char *path, const char *id, const char *type_name,
                   const char *description, const char *device_api, guint available);
/* A running mdev of @type on the parent at @path, in IOMMU group @group
 * (negative: no group link), with its dev/vfio node. */
void fixture_mdev (const char *root, const char *path, const char *uuid, const char *type, int group);
