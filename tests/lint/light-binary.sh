#!/bin/bash
# The light `vmdev` binary (the `vmdev mdev` path, measured against mdevctl)
# loads GLib and libc only: no gio, json-glib, libxml2, libselinux (see
# docs/bench.md).  It stays so through meson's default -Wl,--as-needed; this
# catches a change that makes it need more.  Sanitizer runtimes are allowed.
bin=${1:?usage: light-binary.sh BINARY}
command -v readelf >/dev/null || { echo "1..0 # SKIP readelf is missing"; exit 0; }
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "1..1"; echo "not ok 1 - readelf lists no NEEDED library of $bin"; exit 1; }
n=0 failed=0
for lib in $needed; do
  n=$((n + 1))
  case $lib in
    libglib-2.0.so.*|libc.so.*|libasan.so.*|libubsan.so.*) echo "ok $n - $bin needs $lib" ;;
    *) echo "not ok $n - $bin needs $lib (the light binary is GLib and libc only)"; failed=1 ;;
  esac
done
echo "1..$n"
exit $failed
