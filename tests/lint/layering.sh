#!/bin/bash
# layering.sh SRCDIR: each layer of src/ includes only the headers of the
# layers it may depend on (ARCHITECTURE.md); TAP, one point per layer.
set -u
src=${1:?usage: layering.sh SRCDIR}/src
declare -A allowed=(
  [util]="util"
  [host]="util host"
  [store]="util store"
  [conf]="util conf"
  [qemu]="util host store conf qemu"
  [hostprep]="util host store conf hostprep"
  [domain]="util host store conf qemu hostprep domain"
  [cli]="util host store conf qemu hostprep domain cli"
)
n=0 failed=0
for layer in util host store conf qemu hostprep domain cli; do
  [ -d "$src/$layer" ] || continue
  n=$((n + 1))
  bad=$(grep -Hn '#include "[a-z]*/' "$src/$layer"/*.[ch] |
        while IFS= read -r line; do
          dep=${line#*#include \"}; dep=${dep%%/*}
          case " ${allowed[$layer]} " in *" $dep "*) ;; *) echo "$line" ;; esac
        done)
  if [ -z "$bad" ]; then echo "ok $n - src/$layer includes only: ${allowed[$layer]}"
  else failed=$((failed + 1)); echo "not ok $n - src/$layer includes a layer above it"
       printf '%s\n' "$bad" | sed 's/^/#   /'; fi
done
echo "1..$n"
[ "$failed" = 0 ]
