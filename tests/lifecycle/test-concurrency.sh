#!/bin/bash
# 20 parallel starts competing for 5 pre-created mdevs: exactly 5 run, the
# others fail with the in-use error; the same with managed mdevs against a
# pool of 5 instances.  Then everything is released.
. "$(dirname "$0")/lib.sh"

pre=(a0000000-0000-4000-8000-00000000000{1,2,3,4,5})
{
  echo '{"version":1,"parents":['
  echo ' {"name":"0000:65:00.0","path":"pci0000:64/0000:65:00.0","types":[{"id":"nvidia-63","device_api":"vfio-pci","max_instances":5}]},'
  echo ' {"name":"0000:66:00.0","path":"pci0000:64/0000:66:00.0","pool":5,"types":[{"id":"nvidia-64","device_api":"vfio-pci"}]}],'
  echo ' "devices":['
  for i in 0 1 2 3 4; do
    printf '  {"uuid":"%s","parent":"0000:65:00.0","type":"nvidia-63"}%s\n' "${pre[$i]}" "$([ $i -lt 4 ] && echo ,)"
  done
  echo ']}'
} > "$tmp_root/host.json"
with_simhost "$tmp_root/host.json"

define () # NAME SOURCE-XML [MANAGED-ATTR]
{
  cat > "$tmp_root/$1.xml" <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU_DOUBLE</emulator>
    <video><model type='none'/></video>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'${3:-}><source>$2</source></hostdev>
  </devices>
</domain>
XML
  "$VMDEV" domain define "$tmp_root/$1.xml" >/dev/null
}

# race PREFIX: starts PREFIX0..PREFIX19 at once; prints "<running> <refused>"
# and collects the refusals' messages in $tmp_root/PREFIX.err.
race ()
{
  local i pids=() ok=0 bad=0
  for i in $(seq 0 19); do
    "$VMDEV" domain start "$1$i" >/dev/null 2>"$tmp_root/$1$i.err" & pids+=($!)
  done
  for i in $(seq 0 19); do
    if wait "${pids[$i]}"; then ok=$((ok + 1)); else bad=$((bad + 1)); cat "$tmp_root/$1$i.err"; fi
  done > "$tmp_root/$1.err"
  echo "$ok $bad"
}

for i in $(seq 0 19); do define "p$i" "<address uuid='${pre[$((i % 5))]}'/>"; done
is "$(race p)" "5 15" "20 starts for 5 pre-created mdevs: 5 run, 15 refused"
is "$(sed -E "s/[0-9a-f-]{36}/U/; s/domain p[0-9]+/domain pN/g; s/'p[0-9]+'/'pN'/" "$tmp_root/p.err" | sort -u)" \
  "vmdev: starting a domain: domain 'pN': mediated device U is in use by domain pN" \
  "every refusal is the in-use error"
is "$("$VMDEV" domain list --json | jq -r '[.[].name] | length')" 5 "list shows 5 running"
is "$(ls "$root/run/vmdev/claims" | wc -l)|$(jq -r .domain "$root"/run/vmdev/claims/*.json | sort -u | wc -l)" "5|5" \
  "5 claims, one per running domain"
for d in $("$VMDEV" domain list --json | jq -r '.[].name'); do "$VMDEV" domain destroy "$d" >/dev/null; done

for i in $(seq 0 19); do define "m$i" "<mdev type='nvidia-64'/>" " managed='yes'"; done
is "$(race m)" "5 15" "20 starts with managed mdevs for a pool of 5: 5 run, 15 refused"
is "$(sed -E "s/'m[0-9]+'/'mN'/" "$tmp_root/m.err" | sort -u)" \
  "vmdev: starting a domain: domain 'mN': no parent has a free instance of mdev type nvidia-64; candidates: 0000:66:00.0 (0 free)" \
  "the refusals say there is no free instance"
is "$(ls "$root/sys/class/mdev_bus/0000:66:00.0/mdev_supported_types/nvidia-64/devices" | wc -l)" 5 \
  "5 managed mdevs exist"
for d in $("$VMDEV" domain list --json | jq -r '.[].name'); do "$VMDEV" domain destroy "$d" >/dev/null; done
is "$(ls "$root/sys/class/mdev_bus/0000:66:00.0/mdev_supported_types/nvidia-64/devices" | wc -l)|$(ls -A "$root/run/vmdev/claims")|$(ls -A "$root/run/vmdev/d")" \
  "0||" "all destroyed: no managed mdev, claim or runtime dir left"
finish
