#!/bin/bash
# Sets the sandbox up when it is missing (first `make check` on a machine):
# runs first (meson priority) and alone, so the guest tests find it ready.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "not root (the sandbox installs packages and boots a guest as root)"
if "$SANDBOX" status >/dev/null 2>&1; then
  ok "the sandbox is set up ($("$SANDBOX" status | sed -n 's/^kernel: *//p'))"
  done_testing
fi
[ "${VMDEV_SANDBOX_SETUP:-${VMDEV_SANDBOX_SETUP_DEFAULT:-0}}" = 1 ] ||
  skip_all "the sandbox is not set up and VMDEV_SANDBOX_SETUP is not 1"
start=$SECONDS
if "$SANDBOX" setup 2>&1 | diag && "$SANDBOX" status >/dev/null 2>&1; then
  ok "scripts/sandbox setup ($((SECONDS - start)) s)"
else
  not_ok "scripts/sandbox setup"
fi
done_testing
