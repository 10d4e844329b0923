/* Unit tests of src/host on static sysfs-shaped trees: discovery, broken
 * entries, lookups and the bounded waits.  Kernel behaviour (create, remove,
 * EBUSY) is tested against the simulated host in tests/simhost and tests/cli. */
#include "host/vmdev-host.h"
#include "util/vmdev-error.h"

#include "host-fixture.h"

#include <glib/gstdio.h>
#include <string.h>

#define GPU "0000:65:00.0"
#define GPU_PATH "pci0000:64/0000:64:00.0/0000:65:00.0"
#define IGD "0000:00:02.0"
#define IGD_PATH "pci0000:00/0000:00:02.0"
#define U1 "c2177883-f1bb-47f0-914d-32a22e3a8804"
#define U2 "0b6e5ed0-1d2b-4b55-8e4e-6a8a6c1b0001"

static char *
make_host (void)
{
  char *root = fixture_root_new ();

  fixture_parent (root, GPU, GPU_PATH);
  fixture_type (root, GPU_PATH, "nvidia-63", "GRID P40-1Q", "num_heads=4,\nframe_rate_limiter=1",
                "vfio-pci", 24);
  fixture_type (root, GPU_PATH, "nvidia-64", "GRID P40-2Q", NULL, "vfio-pci", 12);
  fixture_parent (root, IGD, IGD_PATH);
  fixture_type (root, IGD_PATH, "i915-GVTg_V5_4", NULL, "low_gm_size: 128MB", "vfio-pci", 2);
  fixture_mdev (root, GPU_PATH, U1, "nvidia-63", 7);
  fixture_mdev (root, IGD_PATH, U2, "i915-GVTg_V5_4", -1);
  return root;
}

static void
test_list_parents (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(GPtrArray) parents = NULL, warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  VmdevParent *p;
  VmdevMdevType *t;

  g_assert_true (vmdev_host_list_parents (root, NULL, &parents, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_cmpuint (parents->len, ==, 2);
  p = g_ptr_array_index (parents, 0);
  g_assert_cmpstr (p->name, ==, IGD);
  g_assert_cmpuint (p->types->len, ==, 1);
  t = g_ptr_array_index (p->types, 0);
  g_assert_cmpstr (t->id, ==, "i915-GVTg_V5_4");
  g_assert_null (t->name);
  g_assert_cmpstr (t->description, ==, "low_gm_size: 128MB");
  g_assert_cmpuint (t->available_instances, ==, 2);
  p = g_ptr_array_index (parents, 1);
  g_assert_cmpstr (p->name, ==, GPU);
  g_assert_cmpuint (p->types->len, ==, 2);
  t = g_ptr_array_index (p->types, 0);
  g_assert_cmpstr (t->name, ==, "GRID P40-1Q");
  g_assert_cmpstr (t->description, ==, "num_heads=4,\nframe_rate_limiter=1");
  g_assert_cmpstr (t->device_api, ==, "vfio-pci");
  g_assert_cmpstr (t->parent, ==, GPU);
  t = g_ptr_array_index (p->types, 1);
  g_assert_null (t->description);
  g_assert_cmpuint (t->available_instances, ==, 12);

  g_clear_pointer (&parents, g_ptr_array_unref);
  g_assert_true (vmdev_host_list_parents (root, GPU, &parents, NULL, &error));
  g_assert_cmpuint (parents->len, ==, 1);
  g_clear_pointer (&parents, g_ptr_array_unref);
  g_assert_true (vmdev_host_list_parents (root, "0000:99:00.0", &parents, NULL, &error));
  g_assert_cmpuint (parents->len, ==, 0);
}

/* No mdev driver loaded: no sys/class/mdev_bus, no sys/bus/mdev. */
static void
test_no_mdev_bus (void)
{
  g_autofree char *dir = fixture_root_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(GPtrArray) parents = NULL, mdevs = NULL;
  g_autoptr(VmdevMdev) mdev = NULL;

  g_assert_true (vmdev_host_list_parents (root, NULL, &parents, NULL, &error));
  g_assert_cmpuint (parents->len, ==, 0);
  g_assert_true (vmdev_host_list_mdevs (root, TRUE, &mdevs, NULL, &error));
  g_assert_cmpuint (mdevs->len, ==, 0);
  g_assert_false (vmdev_host_find_mdev (root, U1, &mdev, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
}

/* Broken entries are skipped with a warning naming the path; the rest lists. */
static void
test_broken_entries (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(GPtrArray) parents = NULL, mdevs = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autofree char *api = g_strconcat (dir, "/sys/devices/" GPU_PATH "/mdev_supported_types/nvidia-64/device_api", NULL);
  GError *w;

  /* a type without device_api, a dangling parent link, a non-UUID device,
   * a device link that points nowhere, and a stray file among the types */
  g_assert_cmpint (g_unlink (api), ==, 0);
  fixture_link (dir, "sys/class/mdev_bus/0000:66:00.0", "../../devices/pci0000:64/gone");
  fixture_link (dir, "sys/bus/mdev/devices/not-a-uuid", "../../../devices/x/not-a-uuid");
  fixture_link (dir, "sys/bus/mdev/devices/11111111-2222-3333-4444-555555555555",
                "../../../devices/x/11111111-2222-3333-4444-555555555555");
  fixture_write (dir, "sys/devices/" GPU_PATH "/mdev_supported_types/README", "stray\n");

  g_assert_true (vmdev_host_list_parents (root, NULL, &parents, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parents->len, ==, 2);
  g_assert_cmpuint (((VmdevParent *) g_ptr_array_index (parents, 1))->types->len, ==, 1);
  g_assert_cmpuint (warnings->len, ==, 2);
  w = g_ptr_array_index (warnings, 0);
  g_assert_nonnull (strstr (w->message, "skipping mdev type 'nvidia-64' of parent '" GPU "'"));
  g_assert_nonnull (strstr (w->message, "nvidia-64/device_api: No such file or directory"));
  w = g_ptr_array_index (warnings, 1);
  g_assert_nonnull (strstr (w->message, "skipping parent '0000:66:00.0'"));

  g_ptr_array_set_size (warnings, 0);
  g_assert_true (vmdev_host_list_mdevs (root, TRUE, &mdevs, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mdevs->len, ==, 2);
  g_assert_cmpuint (warnings->len, ==, 2);
  w = g_ptr_array_index (warnings, 0);
  g_assert_nonnull (strstr (w->message, "skipping mdev 11111111-2222-3333-4444-555555555555"));
  w = g_ptr_array_index (warnings, 1);
  g_assert_nonnull (strstr (w->message, "skipping mdev not-a-uuid: invalid UUID"));
}

static void
test_list_and_find_mdevs (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(VmdevMdev) mdev = NULL;
  VmdevMdev *m;

  g_assert_true (vmdev_host_list_mdevs (root, TRUE, &mdevs, NULL, &error));
  g_assert_cmpuint (mdevs->len, ==, 2);
  m = g_ptr_array_index (mdevs, 0);
  g_assert_cmpstr (m->parent, ==, IGD);
  g_assert_cmpstr (m->uuid, ==, U2);
  g_assert_cmpstr (m->type_id, ==, "i915-GVTg_V5_4");
  g_assert_null (m->iommu_group);
  m = g_ptr_array_index (mdevs, 1);
  g_assert_cmpstr (m->parent, ==, GPU);
  g_assert_cmpstr (m->iommu_group, ==, "7");

  /* lookups accept any UUID form */
  g_assert_true (vmdev_host_find_mdev (root, "C2177883F1BB47F0914D32A22E3A8804", &mdev, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mdev->uuid, ==, U1);
  g_assert_cmpstr (mdev->type_id, ==, "nvidia-63");
  g_clear_pointer (&mdev, vmdev_mdev_free);
  g_assert_false (vmdev_host_find_mdev (root, "../../etc", &mdev, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

/* The parent of a device comes from its parent's directory; a device that
 * is in no listed parent's directory (here: its parent's class link is gone)
 * is found through its device link all the same. */
static void
test_list_mdevs_without_class_link (void)
{
  g_autofree char *dir = make_host ();
  g_autofree char *link = g_strconcat (dir, "/sys/class/mdev_bus/" IGD, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(GPtrArray) mdevs = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  VmdevMdev *m;

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_true (vmdev_host_list_mdevs (root, TRUE, &mdevs, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_cmpuint (mdevs->len, ==, 2);
  m = g_ptr_array_index (mdevs, 0);
  g_assert_cmpstr (m->parent, ==, IGD);
  g_assert_cmpstr (m->uuid, ==, U2);
  g_assert_cmpstr (m->type_id, ==, "i915-GVTg_V5_4");
  m = g_ptr_array_index (mdevs, 1);
  g_assert_cmpstr (m->parent, ==, GPU);
  g_assert_cmpstr (m->type_id, ==, "nvidia-63");
  g_assert_cmpstr (m->iommu_group, ==, "7");
}

/* Devices come sorted by parent, then UUID, whatever order the directories
 * list them in; one found only through its link is sorted in too. */
static void
test_list_mdevs_order (void)
{
  static const char *const gpu_uuids[] = {
    "ffffffff-0000-4000-8000-000000000001", U1, "01234567-0000-4000-8000-000000000002",
    "80000000-0000-4000-8000-000000000003", "0a000000-0000-4000-8000-000000000004",
  };
  static const char *const expected[] = {
    U2, "01234567-0000-4000-8000-000000000002", "0a000000-0000-4000-8000-000000000004",
    "80000000-0000-4000-8000-000000000003", U1, "ffffffff-0000-4000-8000-000000000001",
  };
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = NULL;
  g_autoptr(GPtrArray) mdevs = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (gpu_uuids); i++)
    {
      /* One is not in the directory sys/class/mdev_bus/<GPU> points to but
       * in another one of the same name: found through its device link. */
      const char *path = i == 3 ? "pci0000:64/other/" GPU : GPU_PATH;

      if (strcmp (gpu_uuids[i], U1) != 0)
        fixture_mdev (dir, path, gpu_uuids[i], i % 2 ? "nvidia-63" : "nvidia-64", -1);
    }
  root = vmdev_root_open (dir, &error);
  g_assert_true (vmdev_host_list_mdevs (root, FALSE, &mdevs, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mdevs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < mdevs->len; i++)
    {
      VmdevMdev *m = g_ptr_array_index (mdevs, i);

      g_assert_cmpstr (m->uuid, ==, expected[i]);
      g_assert_cmpstr (m->parent, ==, i == 0 ? IGD : GPU);
    }
}

static void
test_read_type (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autoptr(VmdevMdevType) type = NULL;

  g_assert_true (vmdev_host_read_type (root, GPU, "nvidia-64", &type, &error));
  g_assert_cmpstr (type->name, ==, "GRID P40-2Q");
  g_clear_pointer (&type, vmdev_mdev_type_free);
  g_assert_false (vmdev_host_read_type (root, GPU, "nvidia-99", &type, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "mdev type 'nvidia-99' not found on parent '" GPU "'"));
  g_clear_error (&error);
  g_assert_false (vmdev_host_read_type (root, "0000:99:00.0", "nvidia-63", &type, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "parent device '0000:99:00.0' not found"));
  g_clear_error (&error);
  g_assert_false (vmdev_host_read_type (root, "..", "nvidia-63", &type, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (vmdev_host_read_type (root, GPU, "../../../../etc", &type, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

/* A static tree never produces the device: create must time out with a
 * clear error rather than wait forever. */
static void
test_create_times_out (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);
  g_autofree char *written = NULL;
  g_autofree char *create = g_strconcat (dir, "/sys/devices/" GPU_PATH "/mdev_supported_types/nvidia-64/create", NULL);

  g_setenv ("VMDEV_SYSFS_TIMEOUT_MS", "30", TRUE);
  g_assert_false (vmdev_host_create_mdev (root, GPU, "nvidia-64",
                                          "0B6E5ED01D2B4B558E4E6A8A6C1B0009", NULL, &error));
  g_unsetenv ("VMDEV_SYSFS_TIMEOUT_MS");
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "did not appear within 30 ms"));
  /* the UUID was normalized before it was written */
  g_assert_true (g_file_get_contents (create, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "0b6e5ed0-1d2b-4b55-8e4e-6a8a6c1b0009\n");
  g_clear_error (&error);

  g_assert_false (vmdev_host_create_mdev (root, GPU, "nvidia-99", U1, NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (vmdev_host_create_mdev (root, GPU, "nvidia-64", "bad", NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
}

static void
test_remove_missing (void)
{
  g_autofree char *dir = make_host ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevRoot) root = vmdev_root_open (dir, &error);

  g_assert_false (vmdev_host_remove_mdev (root, "0b6e5ed0-1d2b-4b55-8e4e-6a8a6c1b0009", &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "is not running"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/host/parents/list", test_list_parents);
  g_test_add_func ("/host/parents/no-mdev-bus", test_no_mdev_bus);
  g_test_add_func ("/host/broken-entries", test_broken_entries);
  g_test_add_func ("/host/mdevs/list-and-find", test_list_and_find_mdevs);
  g_test_add_func ("/host/mdevs/without-class-link", test_list_mdevs_without_class_link);
  g_test_add_func ("/host/mdevs/order", test_list_mdevs_order);
  g_test_add_func ("/host/types/read", test_read_type);
  g_test_add_func ("/host/create/times-out", test_create_times_out);
  g_test_add_func ("/host/remove/missing", test_remove_missing);
  return g_test_run ();
}
