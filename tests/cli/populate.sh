#!/bin/bash
# populate.sh HOST.json ROOT: writes the static sysfs tree that
# `simhost populate HOST.json ROOT` writes (the same layout contract), in
# bash + jq, so that the CLI tests run before and without tools/simhost.
#
# Host JSON: {"version":1,
#   "parents":[{"name","path","pool"?,"types":[{"id","name"?,"description"?,
#               "device_api","max_instances"|"cost","device_attrs"?}]}],
#   "devices":[{"uuid","parent","type","iommu_group"?}]}
# available_instances: max_instances minus the devices of the type, or, for a
# parent with a pool, (pool - sum of the costs of its devices) / cost.
set -euo pipefail

host=$1 root=$2

mkdir -p "$root/sys/class/mdev_bus" "$root/sys/bus/mdev/devices" \
         "$root/sys/devices" "$root/sys/kernel/iommu_groups" "$root/dev/vfio"
: > "$root/dev/vfio/vfio"

ups () # the "../" that lead from sys/devices/<path>/<extra levels> back to sys/
{
  local path=$1 extra=$2 n s=""
  n=$(awk -F/ '{print NF}' <<<"$path")
  for ((i = 0; i < n + 1 + extra; i++)); do s+="../"; done
  printf '%s' "$s"
}

# One line per parent: name, path, pool (or -); one per type; one per device.
jq -r '.parents[] | [.name, .path, (.pool // "-" | tostring)] | @tsv' "$host" |
while IFS=$'\t' read -r pname ppath pool; do
  pdir="$root/sys/devices/$ppath"
  mkdir -p "$pdir/mdev_supported_types"
  ln -s "../../devices/$ppath" "$root/sys/class/mdev_bus/$pname"
  used=$(jq --arg p "$pname" '([.parents[] | select(.name == $p) | .types[] | {(.id): (.cost // 1)}] | add // {}) as $cost
           | [.devices[]? | select(.parent == $p) | $cost[.type] // 1] | add // 0' "$host")
  jq -c --arg p "$pname" '.parents[] | select(.name == $p) | .types[]' "$host" |
  while read -r t; do
    id=$(jq -r .id <<<"$t")
    tdir="$pdir/mdev_supported_types/$id"
    mkdir -p "$tdir/devices"
    if jq -e 'has("name")' <<<"$t" >/dev/null; then jq -j '.name' <<<"$t" > "$tdir/name"; echo >> "$tdir/name"; fi
    if jq -e 'has("description")' <<<"$t" >/dev/null; then jq -j '.description' <<<"$t" > "$tdir/description"; echo >> "$tdir/description"; fi
    jq -r '.device_api' <<<"$t" > "$tdir/device_api"
    n=$(jq --arg p "$pname" --arg t "$id" '[.devices[]? | select(.parent == $p and .type == $t)] | length' "$host")
    if [[ $pool != - ]]; then
      cost=$(jq '.cost // 1' <<<"$t")
      echo $(( (pool - used) / cost )) > "$tdir/available_instances"
    else
      echo $(( $(jq '.max_instances // 0' <<<"$t") - n )) > "$tdir/available_instances"
    fi
    : > "$tdir/create"
  done
done

jq -r '.devices[]? | [.uuid, .parent, .type, (.iommu_group // "-" | tostring)] | @tsv' "$host" |
while IFS=$'\t' read -r uuid pname type group; do
  ppath=$(jq -r --arg p "$pname" '.parents[] | select(.name == $p) | .path' "$host")
  ddir="$root/sys/devices/$ppath/$uuid"
  mkdir -p "$ddir"
  ln -s "../mdev_supported_types/$type" "$ddir/mdev_type"
  ln -s "../../../$uuid" "$root/sys/devices/$ppath/mdev_supported_types/$type/devices/$uuid"
  : > "$ddir/remove"
  for a in $(jq -r --arg p "$pname" --arg t "$type" \
               '.parents[] | select(.name == $p) | .types[] | select(.id == $t) | .device_attrs[]?' "$host"); do
    : > "$ddir/$a"
  done
  ln -s "../../../devices/$ppath/$uuid" "$root/sys/bus/mdev/devices/$uuid"
  if [[ $group != - ]]; then
    mkdir -p "$root/sys/kernel/iommu_groups/$group/devices"
    ln -s "$(ups "$ppath" 1)kernel/iommu_groups/$group" "$ddir/iommu_group"
    ln -s "../../../../devices/$ppath/$uuid" "$root/sys/kernel/iommu_groups/$group/devices/$uuid"
    : > "$root/dev/vfio/$group"
  fi
done
