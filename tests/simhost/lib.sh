# Shared helpers of the simhost tests: TAP output, temp dirs, host files.
# Sourced by the test-*.sh scripts; $SIMHOST is the simhost binary.

set -u
export LC_ALL=C

: "${SIMHOST:?SIMHOST must name the simhost binary}"

tap_n=0
tap_failed=0

# The plan is printed at the end (TAP allows a trailing plan).
plan () { :; }

skip_all () { echo "1..0 # SKIP $*"; exit 0; }

ok () # CONDITION-STATUS DESCRIPTION
{
  local status=$1; shift
  tap_n=$((tap_n + 1))
  if [ "$status" -eq 0 ]; then
    echo "ok $tap_n - $*"
  else
    echo "not ok $tap_n - $*"
    tap_failed=$((tap_failed + 1))
  fi
}

# is GOT WANT DESCRIPTION
is ()
{
  local got=$1 want=$2; shift 2
  if [ "$got" = "$want" ]; then
    ok 0 "$*"
  else
    ok 1 "$*"
    printf '#   got:  %s\n#   want: %s\n' "$(printf '%s' "$got" | head -c 2000 | tr '\n' '|')" \
      "$(printf '%s' "$want" | tr '\n' '|')"
  fi
}

# like GOT PATTERN DESCRIPTION  (grep -E on the whole text)
like ()
{
  local got=$1 pat=$2; shift 2
  if printf '%s' "$got" | grep -Eq -- "$pat"; then
    ok 0 "$*"
  else
    ok 1 "$*"
    printf '#   got:     %s\n#   pattern: %s\n' "$(printf '%s' "$got" | head -c 2000 | tr '\n' '|')" "$pat"
  fi
}

# run_sim ARGS...: runs simhost, sets $out, $err and $rc.
run_sim ()
{
  local o e
  o=$(mktemp) e=$(mktemp)
  "$SIMHOST" "$@" >"$o" 2>"$e"
  rc=$?
  out=$(cat "$o") err=$(cat "$e")
  rm -f "$o" "$e"
}

# try_write FILE DATA: writes DATA (no newline added) in one write(2);
# prints OK or the error text (strerror) of open or write.
try_write ()
{
  local msg
  msg=$( { printf '%s' "$2" > "$1"; } 2>&1 ) && { echo OK; return; }
  echo "${msg##*: }"
}

# try_open FILE: opens FILE for reading; prints OK or the error text.
try_open ()
{
  local msg
  msg=$( { : < "$1"; } 2>&1 ) && { echo OK; return; }
  echo "${msg##*: }"
}

# try_read FILE: prints the content, or ERR:<error text>.
try_read ()
{
  local msg content
  if content=$(cat "$1" 2>/dev/null); then
    printf '%s' "$content"
  else
    msg=$(cat "$1" 2>&1 >/dev/null)
    echo "ERR:${msg##*: }"
  fi
}

tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/simhost-test.XXXXXX")
mounted_roots=()

cleanup ()
{
  local r
  for r in "${mounted_roots[@]}"; do
    "$SIMHOST" umount "$r" >/dev/null 2>&1 || umount -l "$r/.simhost" >/dev/null 2>&1
  done
  rm -rf "$tmp_root"
}
trap cleanup EXIT

finish ()
{
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
  exit $?
}

# can_mount: exits with a TAP skip unless FUSE mounts are possible here.
require_fuse ()
{
  [ "$(id -u)" -eq 0 ] || skip_all "FUSE tests need root (uid $(id -u))"
  [ -c /dev/fuse ] || skip_all "no /dev/fuse"
  local probe="$tmp_root/probe"
  mkdir -p "$probe"
  echo '{"version": 1}' > "$tmp_root/probe.json"
  if ! "$SIMHOST" mount "$tmp_root/probe.json" "$probe" 2>"$tmp_root/probe.err"; then
    skip_all "cannot mount FUSE here: $(cat "$tmp_root/probe.err")"
  fi
  "$SIMHOST" umount "$probe" || skip_all "cannot unmount FUSE here"
  rm -rf "$probe" "$tmp_root/probe.json" "$tmp_root/probe.err"
}

# mount_host HOST.json ROOT: mounts and remembers it for cleanup.
mount_host ()
{
  mkdir -p "$2"
  "$SIMHOST" mount "$1" "$2" || return 1
  mounted_roots+=("$2")
}

# The standard host: an NVIDIA-style parent (counts per type), an mtty-style
# parent (pool with costs, ENOSPC), a per-parent pool (EUSERS), a vfio-ap
# matrix with a device attribute, GVT-g without name.
write_std_host ()
{
  cat > "$1" <<'EOF'
{
  "version": 1,
  "parents": [
    { "name": "0000:65:00.0",
      "path": "pci0000:64/0000:64:00.0/0000:65:00.0",
      "types": [
        { "id": "nvidia-63", "name": "GRID P40-1Q",
          "description": "num_heads=4, frl_config=60, framebuffer=1024M",
          "device_api": "vfio-pci", "max_instances": 2 },
        { "id": "nvidia-64", "name": "GRID P40-2Q", "device_api": "vfio-pci",
          "max_instances": 1 } ] },
    { "name": "mtty", "path": "virtual/mtty/mtty", "pool": 24,
      "exhausted_errno": "ENOSPC",
      "types": [
        { "id": "mtty-1", "name": "Single port serial", "device_api": "vfio-pci", "cost": 1 },
        { "id": "mtty-2", "name": "Dual port serial", "device_api": "vfio-pci", "cost": 2 } ] },
    { "name": "0.0.0026", "path": "css0/0.0.0026", "pool": 2,
      "types": [
        { "id": "vfio_ccw-io", "name": "I/O subchannel (Non-QDIO)",
          "description": "line one\nline two", "device_api": "vfio-ccw" } ] },
    { "name": "matrix", "path": "vfio_ap/matrix",
      "types": [
        { "id": "vfio_ap-passthrough", "name": "VFIO AP Passthrough Device",
          "device_api": "vfio-ap", "max_instances": 65535,
          "device_attrs": ["assign_adapter", "assign_domain"] } ] },
    { "name": "0000:00:02.0", "path": "pci0000:00/0000:00:02.0",
      "types": [
        { "id": "i915-GVTg_V5_4", "description": "low_gm_size: 128MB\nhigh_gm_size: 512MB\n",
          "device_api": "vfio-pci", "max_instances": 3 } ] }
  ],
  "devices": [
    { "uuid": "C2177883-F1BB-47F0-914D-32A22E3A8804", "parent": "0000:65:00.0",
      "type": "nvidia-63", "iommu_group": 1 },
    { "uuid": "4b20d080-1b54-4048-85b3-a6a62d165c01", "parent": "mtty", "type": "mtty-2",
      "held": true },
    { "uuid": "6d2e5a5e-34a5-4a6b-8d4f-6f29c61b9e27", "parent": "matrix",
      "type": "vfio_ap-passthrough" }
  ]
}
EOF
}
