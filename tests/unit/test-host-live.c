/* Tests of src/host against the simulated host (tools/simhost mounted with
 * FUSE): create, remove, the kernel's errnos, instance counting, attributes
 * and their rollback, and the in-use refusal.  Skipped (with the reason) when
 * FUSE cannot be mounted here. */
#include "host/vmdev-host.h"
#include "util/vmdev-error.h"

#include "host-fixture.h"
#include "test-tree.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define GPU "0000:65:00.0"
#define U1 "c2177883-f1bb-47f0-914d-32a22e3a8804"
#define U2 "0b6e5ed0-1d2b-4b55-8e4e-6a8a6c1b0001"

static const char host_json[] =
  "{ \"version\": 1, \"parents\": ["
  "  { \"name\": \"" GPU "\", \"path\": \"pci0000:64/0000:64:00.0/0000:65:00.0\","
  "    \"types\": [ { \"id\": \"nvidia-63\", \"name\": \"GRID P40-1Q\", \"device_api\": \"vfio-pci\", \"max_instances\": 2 } ] },"
  "  { \"name\": \"mtty\", \"path\": \"virtual/mtty/mtty\", \"pool\": 24, \"exhausted_errno\": \"ENOSPC\","
  "    \"types\": [ { \"id\": \"mtty-1\", \"device_api\": \"vfio-pci\", \"cost\": 1 },"
  "                 { \"id\": \"mtty-2\", \"device_api\": \"vfio-pci\", \"cost\": 2 } ] },"
  "  { \"name\": \"matrix\", \"path\": \"vfio_ap/matrix\", \"pool\": 1,"
  "    \"types\": [ { \"id\": \"vfio_ap-passthrough\", \"device_api\": \"vfio-ap\", \"cost\": 1,"
  "                   \"device_attrs\": [\"assign_adapter\", \"assign_domain\"] } ] } ],"
  "  \"devices\": [] }";

typedef struct
{
  char *dir;
  VmdevRoot *root;
} Live;

static void
live_setup (Live *live, gconstpointer data)
{
  g_autofree char *json = NULL, *err = NULL;

  live->dir = fixture_root_new ();
  json = g_build_filename (live->dir, "host.json", NULL);
  g_assert_true (g_file_set_contents (json, host_json, -1, NULL));
  if (g_getenv ("SIMHOST") == NULL || access ("/dev/fuse", R_OK | W_OK) != 0)
    {
      g_test_skip ("needs /dev/fuse and the simhost binary (SIMHOST)");
      return;
    }
  if (!test_simhost ("mount", json, live->dir, &err))
    {
      g_autofree char *why = g_strdup_printf ("simhost cannot mount here: %s", err);
      g_test_skip (why);
      return;
    }
  live->root = vmdev_root_open (live->dir, NULL);
  g_assert_nonnull (live->root);
}

static void
live_teardown (Live *live, gconstpointer data)
{
  if (live->root != NULL)
    {
      g_autofree char *err = NULL;

      vmdev_root_free (live->root);
      if (!test_simhost ("umount", live->dir, NULL, &err))
        g_error ("simhost umount failed: %s", err);
    }
  g_free (live->dir);
}

static guint64
available (Live *live, const char *parent, const char *type_id)
{
  g_autoptr(VmdevMdevType) type = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (vmdev_host_read_type (live->root, parent, type_id, &type, &error));
  g_assert_no_error (error);
  return type->available_instances;
}

static guint
running (Live *live)
{
  g_autoptr(GPtrArray) mdevs = NULL;

  g_assert_true (vmdev_host_list_mdevs (live->root, TRUE, &mdevs, NULL, NULL));
  return mdevs->len;
}

static void
control (Live *live, const char *command)
{
  g_autofree char *path = g_build_filename (live->dir, ".simhost", "control", NULL);
  int fd = open (path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, command, strlen (command)), ==, (gssize) strlen (command));
  close (fd);
}

static void
test_create_remove (Live *live, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmdevMdev) mdev = NULL;

  if (live->root == NULL)
    return;
  g_assert_cmpuint (available (live, GPU, "nvidia-63"), ==, 2);
  g_assert_true (vmdev_host_create_mdev (live->root, GPU, "nvidia-63",
                                         "C2177883F1BB47F0914D32A22E3A8804", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (available (live, GPU, "nvidia-63"), ==, 1);
  g_assert_true (vmdev_host_find_mdev (live->root, U1, &mdev, &error));
  g_assert_cmpstr (mdev->parent, ==, GPU);
  g_assert_cmpstr (mdev->type_id, ==, "nvidia-63");
  g_assert_nonnull (mdev->iommu_group);

  /* the same UUID again: the kernel's EEXIST */
  g_assert_false (vmdev_host_create_mdev (live->root, GPU, "nvidia-63", U1, NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "already exists"));
  g_clear_error (&error);

  /* per-type count: the second fits, the third gets EUSERS */
  g_assert_true (vmdev_host_create_mdev (live->root, GPU, "nvidia-63", U2, NULL, &error));
  g_assert_false (vmdev_host_create_mdev (live->root, GPU, "nvidia-63",
                                          "0b6e5ed0-1d2b-4b55-8e4e-6a8a6c1b0002", NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "no free instance of type 'nvidia-63' on parent '" GPU "'"));
  g_clear_error (&error);

  g_assert_true (vmdev_host_remove_mdev (live->root, U1, &error));
  g_assert_true (vmdev_host_remove_mdev (live->root, U2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (available (live, GPU, "nvidia-63"), ==, 2);
  g_assert_cmpuint (running (live), ==, 0);
  g_assert_false (vmdev_host_remove_mdev (live->root, U1, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NOT_FOUND);
}

/* mtty: one pool of 24 ports, mtty-2 costs 2; exhaustion is the driver's ENOSPC. */
static void
test_pool_counting (Live *live, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  char uuid[VMDEV_UUID_BUFSIZE];

  if (live->root == NULL)
    return;
  g_assert_cmpuint (available (live, "mtty", "mtty-1"), ==, 24);
  g_assert_cmpuint (available (live, "mtty", "mtty-2"), ==, 12);
  g_assert_true (vmdev_host_create_mdev (live->root, "mtty", "mtty-2", U1, NULL, &error));
  g_assert_cmpuint (available (live, "mtty", "mtty-1"), ==, 22);
  g_assert_cmpuint (available (live, "mtty", "mtty-2"), ==, 11);
  for (int i = 0; i < 22; i++)
    {
      vmdev_uuid_generate (uuid);
      g_assert_true (vmdev_host_create_mdev (live->root, "mtty", "mtty-1", uuid, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (available (live, "mtty", "mtty-2"), ==, 0);
  vmdev_uuid_generate (uuid);
  g_assert_false (vmdev_host_create_mdev (live->root, "mtty", "mtty-1", uuid, NULL, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "No space left on device"));
  g_clear_error (&error);
  g_assert_true (vmdev_host_remove_mdev (live->root, U1, &error));
  g_assert_cmpuint (available (live, "mtty", "mtty-2"), ==, 1);
}

/* Attributes are written in order after creation; a failing one removes the
 * device again. */
static void
test_attrs_and_rollback (Live *live, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attrs = vmdev_attr_list_new ();
  g_autofree char *value = NULL;
  g_autofree char *path = NULL;

  if (live->root == NULL)
    return;
  g_ptr_array_add (attrs, vmdev_attr_new ("assign_adapter", "0x5"));
  g_ptr_array_add (attrs, vmdev_attr_new ("assign_domain", "0x47"));
  g_assert_true (vmdev_host_create_mdev (live->root, "matrix", "vfio_ap-passthrough", U1, attrs, &error));
  g_assert_no_error (error);
  path = g_build_filename (live->dir, "sys/bus/mdev/devices", U1, "assign_domain", NULL);
  g_assert_true (g_file_get_contents (path, &value, NULL, NULL));
  g_assert_cmpstr (g_strchomp (value), ==, "0x47");
  g_assert_true (vmdev_host_remove_mdev (live->root, U1, &error));

  g_ptr_array_add (attrs, vmdev_attr_new ("no_such_attribute", "1"));
  g_assert_false (vmdev_host_create_mdev (live->root, "matrix", "vfio_ap-passthrough", U2, attrs, &error));
  g_assert_nonnull (strstr (error->message, "setting attribute 2 'no_such_attribute' of " U2));
  g_assert_cmpuint (running (live), ==, 0);
  g_assert_cmpuint (available (live, "matrix", "vfio_ap-passthrough"), ==, 1);
  g_clear_error (&error);

  g_ptr_array_set_size (attrs, 0);
  g_ptr_array_add (attrs, vmdev_attr_new ("../../remove", "1"));
  g_assert_false (vmdev_host_create_mdev (live->root, "matrix", "vfio_ap-passthrough", U2, attrs, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (running (live), ==, 0);
}

/* A device whose VFIO group is open is refused as in use and stays. */
static void
test_in_use (Live *live, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = g_strdup_printf ("hold %s", U1);
  g_autofree char *release = g_strdup_printf ("release %s", U1);

  if (live->root == NULL)
    return;
  g_assert_true (vmdev_host_create_mdev (live->root, GPU, "nvidia-63", U1, NULL, &error));
  control (live, command);
  g_assert_false (vmdev_host_remove_mdev (live->root, U1, &error));
  g_assert_error (error, VMDEV_ERROR, VMDEV_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "mediated device " U1 " is in use"));
  g_assert_cmpuint (running (live), ==, 1);
  g_clear_error (&error);
  control (live, release);
  g_assert_true (vmdev_host_remove_mdev (live->root, U1, &error));
  g_assert_no_error (error);
}

/* A failing read (EIO) of one type skips that type with a warning. */
static void
test_fault_skips_type (Live *live, gconstpointer data)
{
  g_autoptr(GPtrArray) parents = NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;

  if (live->root == NULL)
    return;
  control (live, "fault sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances EIO");
  g_assert_true (vmdev_host_list_parents (live->root, "mtty", &parents, warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parents->len, ==, 1);
  g_assert_cmpuint (((VmdevParent *) g_ptr_array_index (parents, 0))->types->len, ==, 1);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (((GError *) g_ptr_array_index (warnings, 0))->message,
                            "mtty-2/available_instances: Input/output error"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, fn) g_test_add (path, Live, NULL, live_setup, fn, live_teardown)
  ADD ("/host-live/create-remove", test_create_remove);
  ADD ("/host-live/pool-counting", test_pool_counting);
  ADD ("/host-live/attrs-and-rollback", test_attrs_and_rollback);
  ADD ("/host-live/in-use", test_in_use);
  ADD ("/host-live/fault-skips-type", test_fault_skips_type);
#undef ADD
  return g_test_run ();
}
