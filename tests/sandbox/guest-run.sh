#!/bin/bash
# Runs inside the sandbox guest (scripts/sandbox run, cwd the work tree):
# every tests/sandbox/guest/*.sh in name order, as one numbered TAP stream.
# A check file prints unnumbered TAP lines ("ok - ...", "not ok - ...",
# "ok - ... # SKIP why", "# diagnostics"); see guest-lib.sh.
dir=$(dirname -- "${BASH_SOURCE[0]}")/guest
n=0
failed=0
out=$(mktemp)
for f in "$dir"/*.sh; do
  echo "# --- ${f##*/}"
  st=0
  bash "$f" > "$out" || st=$?
  bad=0
  while IFS= read -r line; do
    case $line in
      "not ok"*) n=$((n + 1)); failed=1; bad=1; echo "not ok $n${line#not ok}" ;;
      "ok"*) n=$((n + 1)); echo "ok $n${line#ok}" ;;
      "#"*) echo "$line" ;;
      *) echo "# $line" ;;
    esac
  done < "$out"
  if [ "$st" != 0 ] && [ "$bad" = 0 ]; then
    n=$((n + 1)); failed=1
    echo "not ok $n - ${f##*/} exited with status $st"
  fi
done
rm -f "$out"
echo "1..$n"
exit "$failed"
