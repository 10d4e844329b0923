#!/bin/bash
# simhost populate: the static layout, attribute contents, links, modes,
# host-file validation and the command-line contract.  No FUSE needed.
. "$(dirname "$0")/lib.sh"

host="$tmp_root/host.json"
write_std_host "$host"
root="$tmp_root/root"
mkdir "$root"

run_sim populate "$host" "$root"
is "$rc:$err" "0:" "populate succeeds silently"

nv="$root/sys/class/mdev_bus/0000:65:00.0"
mt="$root/sys/class/mdev_bus/mtty"
u1=c2177883-f1bb-47f0-914d-32a22e3a8804
u2=4b20d080-1b54-4048-85b3-a6a62d165c01
u3=6d2e5a5e-34a5-4a6b-8d4f-6f29c61b9e27

# --- parents and types
is "$(readlink "$nv")" "../../devices/pci0000:64/0000:64:00.0/0000:65:00.0" "class link is relative"
is "$(readlink -f "$nv")" "$(readlink -f "$root")/sys/devices/pci0000:64/0000:64:00.0/0000:65:00.0" \
  "class link resolves to the parent dir"
is "$(readlink "$mt")" "../../devices/virtual/mtty/mtty" "mtty class link"
is "$(ls "$root/sys/class/mdev_bus" | sort | tr '\n' ' ')" \
  "0.0.0026 0000:00:02.0 0000:65:00.0 matrix mtty " "all parents listed"
is "$(ls "$nv/mdev_supported_types" | tr '\n' ' ')" "nvidia-63 nvidia-64 " "types of the GPU"
is "$(ls "$nv/mdev_supported_types/nvidia-63" | sort | tr '\n' ' ')" \
  "available_instances create description device_api devices name " "type directory entries"
is "$(cat "$nv/mdev_supported_types/nvidia-63/name")" "GRID P40-1Q" "name"
is "$(cat "$nv/mdev_supported_types/nvidia-63/description")" \
  "num_heads=4, frl_config=60, framebuffer=1024M" "description"
is "$(cat "$nv/mdev_supported_types/nvidia-63/device_api")" "vfio-pci" "device_api"
is "$(od -An -c "$nv/mdev_supported_types/nvidia-63/device_api" | tr -s ' ')" \
  " v f i o - p c i \\n" "attributes end in one newline"
is "$(cat "$nv/mdev_supported_types/nvidia-63/available_instances")" "1" \
  "per-type count: 2 - 1 live"
is "$(cat "$nv/mdev_supported_types/nvidia-64/available_instances")" "1" "other type unaffected"
is "$(cat "$mt/mdev_supported_types/mtty-1/available_instances")" "22" "mtty pool: 24 - 2 units"
is "$(cat "$mt/mdev_supported_types/mtty-2/available_instances")" "11" "mtty-2 costs 2"
is "$(cat "$root/sys/class/mdev_bus/0.0.0026/mdev_supported_types/vfio_ccw-io/available_instances")" \
  "2" "per-parent pool"
test -e "$mt/mdev_supported_types/mtty-1/description"
ok $((! $?)) "no description file when absent (mtty)"
gvt="$root/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4"
test -e "$gvt/name"
ok $((! $?)) "no name file when absent (GVT-g)"
is "$(cat "$gvt/description"; echo .)" "$(printf 'low_gm_size: 128MB\nhigh_gm_size: 512MB\n\n.')" \
  "description keeps its newlines"
is "$(cat "$root/sys/class/mdev_bus/0.0.0026/mdev_supported_types/vfio_ccw-io/description")" \
  "$(printf 'line one\nline two')" "multi-line description"
is "$(stat -c %a "$nv/mdev_supported_types/nvidia-63/create")" "200" "create is write-only"
is "$(stat -c %a "$nv/mdev_supported_types/nvidia-63/name")" "444" "name is read-only"

# --- devices
d1="$root/sys/bus/mdev/devices/$u1"
is "$(ls "$root/sys/bus/mdev/devices" | sort | tr '\n' ' ')" "$u2 $u3 $u1 " "devices listed, lower case"
is "$(readlink "$d1")" "../../../devices/pci0000:64/0000:64:00.0/0000:65:00.0/$u1" "bus link"
is "$(readlink -f "$d1")" "$(readlink -f "$nv")/$u1" "bus link resolves into the parent"
is "$(readlink "$d1/mdev_type")" "../mdev_supported_types/nvidia-63" "mdev_type link"
is "$(basename "$(readlink -f "$d1/mdev_type")")" "nvidia-63" "mdev_type resolves"
is "$(readlink "$d1/iommu_group")" "../../../../../kernel/iommu_groups/1" "iommu_group link"
is "$(readlink -f "$d1/iommu_group")" "$(readlink -f "$root")/sys/kernel/iommu_groups/1" \
  "iommu_group resolves"
is "$(readlink -f "$root/sys/kernel/iommu_groups/1/devices/$u1")" "$(readlink -f "$d1")" \
  "group lists the device"
is "$(readlink "$nv/mdev_supported_types/nvidia-63/devices/$u1")" "../../../$u1" "type devices link"
is "$(readlink -f "$nv/mdev_supported_types/nvidia-63/devices/$u1")" "$(readlink -f "$d1")" \
  "type devices link resolves"
is "$(stat -c %a "$d1/remove")" "200" "remove is write-only"
is "$(ls "$d1" | sort | tr '\n' ' ')" "iommu_group mdev_type remove " "device entries"
is "$(ls "$root/sys/bus/mdev/devices/$u3" | sort | tr '\n' ' ')" \
  "assign_adapter assign_domain iommu_group mdev_type remove " "device attributes"
is "$(stat -c %a "$root/sys/bus/mdev/devices/$u3/assign_adapter")" "644" "attributes writable"
is "$(basename "$(readlink -f "$root/sys/bus/mdev/devices/$u2/iommu_group")")" "0" \
  "lowest free group allocated (1 is taken)"
is "$(basename "$(readlink -f "$root/sys/bus/mdev/devices/$u3/iommu_group")")" "2" "next free group"
is "$(ls "$root/dev/vfio" | sort | tr '\n' ' ')" "0 1 2 vfio " "group nodes"
is "$(stat -c '%F %a %s' "$root/dev/vfio/1")" "regular empty file 600 0" "group node is an empty file"
broken=$(find "$root" -xtype l | wc -l)
is "$broken" "0" "no dangling links"

# --- populate twice into the same root reuses it
run_sim populate "$host" "$root"
is "$rc:$err" "0:" "populate again over an existing snapshot"

# --- host file validation: one line, exit 1, naming the file and the problem
bad_case ()
{
  local name=$1 json=$2 pattern=$3
  printf '%s\n' "$json" > "$tmp_root/bad.json"
  mkdir -p "$tmp_root/badroot"
  run_sim populate "$tmp_root/bad.json" "$tmp_root/badroot"
  like "$rc|$(printf '%s' "$err" | wc -l)|$err" \
    "^1\|0\|simhost: invalid host file: $tmp_root/bad.json: $pattern" "rejects: $name"
}
bad_case "syntax" '{"version": 1,' 'not valid JSON'
bad_case "version" '{"version": 2}' 'unsupported "version" 2'
bad_case "unknown key" '{"version": 1, "parent": []}' 'unknown key "parent"'
bad_case "bad uuid" '{"version":1,"parents":[{"name":"p","path":"x/p","types":[{"id":"t","device_api":"vfio-pci","max_instances":1}]}],"devices":[{"uuid":"1234","parent":"p","type":"t"}]}' \
  'devices\[0\]: "uuid" is not a UUID: "1234"'
bad_case "name with slash" '{"version":1,"parents":[{"name":"a/b","path":"x/a/b","types":[]}]}' \
  'parents\[0\]: "name" is not a valid file name'
bad_case "path not ending in name" '{"version":1,"parents":[{"name":"p","path":"x/q","types":[]}]}' \
  'parents\[0\]: "path" must be'
bad_case "path with .." '{"version":1,"parents":[{"name":"p","path":"../p","types":[]}]}' \
  'parents\[0\]: "path" must be'
bad_case "missing max_instances" '{"version":1,"parents":[{"name":"p","path":"x/p","types":[{"id":"t","device_api":"vfio-pci"}]}]}' \
  'parents\[0\].types\[0\]: "max_instances" is missing'
bad_case "unknown parent" '{"version":1,"devices":[{"uuid":"c2177883-f1bb-47f0-914d-32a22e3a8804","parent":"p","type":"t"}]}' \
  'devices\[0\]: no parent named "p"'
bad_case "duplicate uuid" '{"version":1,"parents":[{"name":"p","path":"x/p","types":[{"id":"t","device_api":"vfio-pci","max_instances":3}]}],"devices":[{"uuid":"c2177883-f1bb-47f0-914d-32a22e3a8804","parent":"p","type":"t"},{"uuid":"C2177883-f1bb-47f0-914d-32a22e3a8804","parent":"p","type":"t"}]}' \
  'devices\[1\]: duplicate device uuid'
bad_case "over capacity" '{"version":1,"parents":[{"name":"p","path":"x/p","types":[{"id":"t","device_api":"vfio-pci","max_instances":0}]}],"devices":[{"uuid":"c2177883-f1bb-47f0-914d-32a22e3a8804","parent":"p","type":"t"}]}' \
  'devices\[0\]: no free instance'
bad_case "bad errno" '{"version":1,"parents":[{"name":"p","path":"x/p","pool":1,"exhausted_errno":"EFOO","types":[]}]}' \
  'parents\[0\]: "exhausted_errno" is not one of'
bad_case "string count" '{"version":1,"parents":[{"name":"p","path":"x/p","types":[{"id":"t","device_api":"vfio-pci","max_instances":"3"}]}]}' \
  'parents\[0\].types\[0\]: "max_instances" must be an integer'

run_sim populate "$tmp_root/nonexistent.json" "$root"
is "$rc|$err" "1|simhost: invalid host file: $tmp_root/nonexistent.json: No such file or directory" \
  "missing host file"
run_sim populate "$host" "$tmp_root/nonexistent"
is "$rc|$err" "1|simhost: cannot open root: $tmp_root/nonexistent: No such file or directory" \
  "missing root"

# --- command line
run_sim
is "$rc" "2" "no command: usage error"
run_sim frobnicate
like "$rc|$err" "^2\|simhost: unknown command: frobnicate" "unknown command"
run_sim populate "$host"
like "$rc|$err" "^2\|simhost: populate: missing ROOT" "missing argument"
run_sim populate --bogus "$host" "$root"
like "$rc|$err" "^2\|simhost: populate: unknown option: --bogus" "unknown option"
ok=0
for c in "" populate mount umount; do
  run_sim $c --help
  [ "$rc" -eq 0 ] && [ -n "$out" ] && [ -z "$err" ] || ok=1
done
ok $ok "--help of every command: exit 0, text on stdout"

finish
