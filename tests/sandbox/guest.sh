#!/bin/bash
# Runs the guest-side checks (tests/sandbox/guest/*.sh) in one sandbox boot;
# their TAP stream is this test's output.
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
require_sandbox

rc=0
"$SANDBOX" run -- bash tests/sandbox/guest-run.sh || rc=$?
case $rc in
  0|1) exit "$rc" ;;
  125) echo "Bail out! the sandbox failed (status 125; see the messages above)"; exit 1 ;;
  *) echo "Bail out! the guest check runner exited with status $rc"; exit 1 ;;
esac
