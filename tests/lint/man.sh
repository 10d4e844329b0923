#!/bin/bash
# man.sh SRCDIR: each manual page docs/*.[0-9] renders with man(1) without a
# warning and with some output; TAP, one point per page.
set -u
docs=${1:?usage: man.sh SRCDIR}/docs
if ! command -v man >/dev/null 2>&1; then
  echo "1..0 # SKIP man(1) is not installed"
  exit 0
fi
shopt -s nullglob
pages=("$docs"/*.[0-9])
if [ ${#pages[@]} = 0 ]; then
  echo "1..0 # SKIP no manual pages in $docs"
  exit 0
fi
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
n=0 failed=0
for page in "${pages[@]}"; do
  n=$((n + 1))
  name=docs/${page##*/}
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>"$err")
  rc=$?
  if [ "$rc" != 0 ]; then
    failed=$((failed + 1)); echo "not ok $n - $name: man exited with status $rc"
  elif [ -s "$err" ]; then
    failed=$((failed + 1)); echo "not ok $n - $name: man printed warnings"
  elif [ -z "${out//[[:space:]]/}" ]; then
    failed=$((failed + 1)); echo "not ok $n - $name: empty output"
  else
    echo "ok $n - $name renders without warnings"
  fi
  [ -s "$err" ] && sed 's/^/#   /' "$err"
done
echo "1..$n"
[ "$failed" = 0 ]
