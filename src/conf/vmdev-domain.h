/* vmdev-domain.h: the domain model (what a libvirt domain XML describes).
 *
 * A VmdevDomain is what vmdev-domain-parse.c reads and vmdev-domain-format.c
 * writes.  Only the features of DESIGN.md §5 are modelled; the parser refuses
 * everything else.  Optional values use -1 (or NULL, or VMDEV_TRI_ABSENT) for
 * "not given", so that the formatter writes exactly what was given or filled
 * in by vmdev-domain-defaults.c. */
#pragma once

#include <glib.h>

#include "util/vmdev-uuid.h"

typedef enum
{
  VMDEV_TRI_ABSENT = 0,
  VMDEV_TRI_YES,
  VMDEV_TRI_NO,
} VmdevTristate;

typedef enum
{
  VMDEV_ADDR_NONE = 0,
  VMDEV_ADDR_PCI,
  VMDEV_ADDR_CCW,
  VMDEV_ADDR_DRIVE,
  VMDEV_ADDR_USB,
} VmdevAddressType;

typedef struct
{
  VmdevAddressType type;
  /* pci */
  guint domain, bus, slot, function;
  VmdevTristate multifunction;
  /* ccw */
  guint cssid, ssid, devno;
  /* drive */
  guint controller, drive_bus, target, unit;
  /* usb */
  guint usb_bus;
  char *usb_port;
  /* pci on s390: <zpci uid='..' fid='..'/> */
  gboolean has_zpci;
  guint zpci_uid, zpci_fid;
} VmdevAddress;

/* Each device has one of these: its guest address and alias. */
typedef struct
{
  VmdevAddress addr;
  char *alias;       /* user alias ("ua-..."), or NULL */
  int boot_order;    /* <boot order='N'/>, -1 none */
  int acpi_index;    /* <acpi index='N'/>, -1 none */
} VmdevDeviceInfo;

typedef enum
{
  VMDEV_DISK_FILE,
  VMDEV_DISK_BLOCK,
} VmdevDiskType;

typedef struct
{
  VmdevDiskType type;
  char *device;       /* "disk" or "cdrom" */
  char *driver_name;  /* "qemu" */
  char *driver_type;  /* "raw", "qcow2" */
  char *source;       /* file or dev; NULL: none (empty cdrom) */
  char *target_dev;
  char *target_bus;   /* "virtio", "sata", "ide" */
  gboolean readonly;
  VmdevDeviceInfo info;
} VmdevDisk;

typedef struct
{
  char *type;         /* "pci", "usb", "sata", "ide" */
  int index;
  char *model;        /* NULL: none */
  char *model_name;   /* <model name='...'/> of pci controllers */
  int chassis_nr, chassis, port;  /* <target .../>, -1: absent */
  gboolean implicit;  /* added by vmdev-domain-defaults.c in this session */
  VmdevDeviceInfo info;
} VmdevController;

typedef struct
{
  char *type;         /* "mouse", "keyboard", "tablet" */
  char *bus;          /* "ps2", "usb" */
  VmdevDeviceInfo info;
} VmdevInput;

typedef struct
{
  char *type;         /* "user" */
  char *mac;          /* lower case; NULL until defaults */
  char *model;        /* NULL until defaults */
  VmdevDeviceInfo info;
} VmdevInterface;

typedef enum
{
  VMDEV_CHR_SERIAL,
  VMDEV_CHR_CONSOLE,
} VmdevChrKind;

typedef struct
{
  VmdevChrKind kind;
  char *type;         /* "pty", "file", "unix" */
  char *source_path;  /* file, unix */
  char *source_mode;  /* unix: "bind" or "connect" */
  char *target_type;  /* serial: "isa-serial"; console: "serial", "virtio" */
  int target_port;
  char *target_model; /* serial: "isa-serial" */
  VmdevDeviceInfo info;
} VmdevChr;

typedef struct
{
  char *type;         /* "vnc", "spice" */
  int port;           /* -1 auto, -2 absent */
  VmdevTristate autoport;
  char *listen;       /* listen='ADDR' attribute */
  char *listen_type;  /* <listen type='address|none'/>; NULL: none */
  char *listen_address;
  VmdevTristate gl;   /* <gl enable=...> */
  char *gl_rendernode;
} VmdevGraphics;

typedef struct
{
  int id;
  char *type;         /* "none", "spice" */
} VmdevAudio;

typedef struct
{
  char *model;        /* "none", "vga", "cirrus", "qxl", "virtio", "ramfb" */
  int vram, ram, vgamem, heads;  /* -1 absent */
  VmdevTristate primary;
  VmdevDeviceInfo info;
} VmdevVideo;

typedef enum
{
  VMDEV_MDEV_MODEL_VFIO_PCI,
  VMDEV_MDEV_MODEL_VFIO_CCW,
  VMDEV_MDEV_MODEL_VFIO_AP,
} VmdevMdevModel;

typedef struct
{
  VmdevMdevModel model;
  VmdevTristate managed;
  VmdevTristate display;
  VmdevTristate ramfb;
  char *uuid;         /* canonical, or NULL (managed mdev created with a new one) */
  char *mdev_type;    /* managed-mdev extension: <mdev type='...'/> */
  char *mdev_parent;  /* ... parent='...' */
  VmdevDeviceInfo info;
} VmdevHostdev;

typedef struct
{
  char *model;        /* "virtio", "none" */
  VmdevDeviceInfo info;
} VmdevMemballoon;

typedef struct
{
  char *type;         /* "kvm", "qemu" */
  char *name;
  char uuid[VMDEV_UUID_BUFSIZE];
  char *title;
  char *description;
  guint64 memory_kib;
  guint64 current_memory_kib;  /* 0: absent */
  guint vcpus;
  char *vcpu_placement;
  int vcpu_current;   /* -1: absent */

  char *os_type;      /* "hvm" */
  char *os_arch;
  char *os_machine;
  char *os_kernel, *os_initrd, *os_cmdline;
  GPtrArray *os_boot; /* char*: boot dev values */

  gboolean has_features;
  gboolean feature_acpi, feature_apic;

  gboolean has_cpu;
  char *cpu_mode;     /* "custom", "host-model", "host-passthrough", "maximum" */
  char *cpu_match;
  char *cpu_check;
  VmdevTristate cpu_migratable;
  char *cpu_model;
  char *cpu_model_fallback;

  char *clock_offset;
  char *on_poweroff, *on_reboot, *on_crash;

  char *emulator;
  GPtrArray *disks;        /* VmdevDisk* */
  GPtrArray *controllers;  /* VmdevController* */
  GPtrArray *interfaces;   /* VmdevInterface* */
  GPtrArray *serials;      /* VmdevChr* */
  GPtrArray *consoles;     /* VmdevChr* */
  GPtrArray *inputs;       /* VmdevInput* */
  GPtrArray *graphics;     /* VmdevGraphics* */
  GPtrArray *audios;       /* VmdevAudio* */
  GPtrArray *videos;       /* VmdevVideo* */
  GPtrArray *hostdevs;     /* VmdevHostdev* */
  VmdevMemballoon *memballoon;  /* NULL: absent */
  char *panic_model;       /* <panic model='s390'/>, NULL: absent */
} VmdevDomain;

VmdevDomain *vmdev_domain_new (void);
void vmdev_domain_free (VmdevDomain *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevDomain, vmdev_domain_free)

void vmdev_device_info_clear (VmdevDeviceInfo *info);
void vmdev_device_info_init (VmdevDeviceInfo *info);

VmdevHostdev *vmdev_hostdev_new (void);
void vmdev_hostdev_free (VmdevHostdev *hostdev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmdevHostdev, vmdev_hostdev_free)

VmdevController *vmdev_controller_new (const char *type, int index, const char *model);
void vmdev_controller_free (VmdevController *ctrl);
VmdevInput *vmdev_input_new (const char *type, const char *bus);
VmdevAudio *vmdev_audio_new (int id, const char *type);
VmdevVideo *vmdev_video_new (const char *model);
VmdevChr *vmdev_chr_new (VmdevChrKind kind);
VmdevMemballoon *vmdev_memballoon_new (const char *model);
void vmdev_memballoon_free (VmdevMemballoon *balloon);

/* The controller of @type with @index, or NULL. */
VmdevController *vmdev_domain_find_controller (const VmdevDomain *def, const char *type,
                                               int index);
/* Inserts @ctrl as libvirt keeps controllers: after the last controller of
 * the same type with a lower index (before one with a higher index), or at
 * the end when there is none of its type.  Takes ownership. */
void vmdev_domain_insert_controller (VmdevDomain *def, VmdevController *ctrl);

/* Machine type families. */
gboolean vmdev_machine_is_q35 (const char *machine);
gboolean vmdev_machine_is_i440fx (const char *machine);
gboolean vmdev_machine_is_s390 (const char *machine);

/* "vfio-pci" etc. */
const char *vmdev_mdev_model_to_string (VmdevMdevModel model);
gboolean vmdev_mdev_model_from_string (const char *s, VmdevMdevModel *out);

/* The hostdev whose source UUID is @uuid, or -1. */
int vmdev_domain_find_hostdev_uuid (const VmdevDomain *def, const char *uuid);

/* Sets @error to VMDEV_ERROR_INVALID_CONFIG with the message; returns FALSE. */
gboolean vmdev_domain_invalid (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
