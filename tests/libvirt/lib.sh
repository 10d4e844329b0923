# tests/libvirt/lib.sh: shared by libvirt-oracle, libvirt-diff, schema-check
# and bench/xml (sourced; bash).  Knows the corpus layout and how to run
# libvirt 9.0's embedded QEMU driver without a daemon.
#
# The corpus: tests/data/domain-corpus/<case>.xml, first line
#   <!-- scenario: TEXT; expect: VERDICT -->
# VERDICT is one of
#   accept
#   reject: REASON                              (libvirt and vmdev refuse)
#   vmdev-refuses (libvirt accepts): REASON     (DESIGN.md §5 refusals)
#   vmdev-only                                  (the managed-mdev extension)
# Words in REASON between single quotes ('display', 'on') must appear in
# vmdev's error message: they are the element, attribute or value it names.

lv_here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lv_top=$(cd "$lv_here/../.." && pwd)
corpus_dir=$lv_top/tests/data/domain-corpus
# shellcheck disable=SC2034  # used by the scripts that source this file
ref_dir=$corpus_dir/libvirt

# corpus_cases: the case names, sorted
corpus_cases()
{
  local f
  for f in "$corpus_dir"/*.xml; do
    f=${f##*/}
    echo "${f%.xml}"
  done | LC_ALL=C sort
}

# case_verdict CASE: accept | reject | vmdev-refuses | vmdev-only
# case_reason CASE: the text after the verdict (may be empty)
case_expect() { sed -n '1s/^<!-- .*expect: \(.*\) -->$/\1/p' "$corpus_dir/$1.xml"; }
case_verdict()
{
  local e; e=$(case_expect "$1")
  case $e in
    accept) echo accept ;;
    vmdev-only) echo vmdev-only ;;
    "reject: "*) echo reject ;;
    "vmdev-refuses (libvirt accepts): "*) echo vmdev-refuses ;;
    *) echo "bad-header" ;;
  esac
}
case_reason() { case_expect "$1" | sed -n 's/^[^:]*: //p'; }
case_scenario() { sed -n '1s/^<!-- scenario: \(.*\); expect: .*$/\1/p' "$corpus_dir/$1.xml"; }
# case_tokens CASE: the quoted words of the reason, one per line
case_tokens() { case_reason "$1" | grep -o "'[^']*'" | sed "s/^'//; s/'\$//"; }

# ---- libvirt through qemu:///embed (no daemon) ----
# As root the embedded driver insists on the Debian user 'libvirt-qemu'
# (created only by libvirt-daemon-system), so it runs unprivileged instead:
# as nobody, with the kvm group so that type='kvm' domains can be defined.
have_libvirt()
{
  local so
  command -v virsh > /dev/null 2>&1 || return 1
  for so in /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so /usr/lib*/libvirt/connection-driver/libvirt_driver_qemu.so; do
    [[ -e $so ]] && return 0
  done
  return 1
}

# lv_init DIR: make DIR the embedded driver's root (writable by the user
# virsh runs as).  Sets lv_root and lv_prefix.
lv_init()
{
  lv_root=$1
  mkdir -p "$lv_root"
  lv_prefix=()
  if [[ $(id -u) == 0 ]]; then
    local kg
    kg=$(getent group kvm | cut -d: -f3)
    chmod 0777 "$lv_root"
    lv_prefix=(setpriv --reuid=65534 --regid=65534 "--groups=${kg:-65534}" env "HOME=$lv_root")
  fi
}

# lv_virsh ARGS...: virsh on the embedded driver (one at a time per root:
# the driver holds a pid-file lock)
lv_virsh()
{
  "${lv_prefix[@]}" virsh -q -c "qemu:///embed?root=$lv_root/r" "$@"
}

# lv_clean_err: keep libvirt's own error lines, without timestamps, paths
lv_clean_err()
{
  grep -v '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:.+]* *[0-9]*: ' |
    sed -e 's|Failed to define domain from .*/\([^/]*\)$|Failed to define domain from \1|' |
    grep -v '^$'
}

# mask_volatile INPUT.xml < dumpxml > masked: what libvirt generates at
# random (a domain uuid when the input has none, mac addresses the input
# does not give) becomes VOLATILE, so that reruns and vmdev compare equal.
mask_volatile()
{
  local in=$1 out mac
  out=$(cat)
  if [[ $(xmllint --xpath 'count(/domain/uuid)' "$in" 2>/dev/null) == 0 ]]; then
    out=$(sed 's|^\(  <uuid>\)[^<]*\(</uuid>\)$|\1VOLATILE\2|' <<< "$out")
  fi
  for mac in $(grep -o "<mac address='[^']*'" <<< "$out" | sed "s/.*='//; s/'//"); do
    grep -qiF "$mac" "$in" || out=${out//"'$mac'"/"'VOLATILE'"}
  done
  printf '%s\n' "$out"
}

# lv_case CASE OUTDIR: run one corpus case through libvirt: define, dumpxml,
# undefine.  Writes OUTDIR/CASE.xml (accepted: the masked dumpxml) or
# OUTDIR/CASE.err (rejected: libvirt's error).  Returns 0 accepted, 1 rejected.
lv_case()
{
  local c=$1 out=$2 in=$corpus_dir/$1.xml err
  rm -f "$out/$c.xml" "$out/$c.err"
  # the file is read by nobody: hand it over on a copy it can read
  cp "$in" "$lv_root/in.xml" && chmod 0644 "$lv_root/in.xml"
  if err=$(lv_virsh define "$lv_root/in.xml" 2>&1 > /dev/null); then
    local name
    name=$(xmllint --xpath 'string(/domain/name)' "$in")
    lv_virsh dumpxml --inactive "$name" | mask_volatile "$in" > "$out/$c.xml"
    lv_virsh undefine --nvram "$name" > /dev/null 2>&1 || lv_virsh undefine "$name" > /dev/null 2>&1
    return 0
  fi
  lv_clean_err <<< "$err" | sed "s|from in.xml\$|from $c.xml|" > "$out/$c.err"
  return 1
}

# lv_probe: can this machine run the oracle faithfully?  Prints why not.
lv_probe()
{
  have_libvirt || { echo "libvirt (virsh, libvirt-daemon-driver-qemu) is not installed"; return 1; }
  [[ -x /usr/bin/qemu-system-x86_64 ]] || { echo "qemu-system-x86 is not installed"; return 1; }
  [[ -x /usr/bin/qemu-system-s390x ]] || { echo "qemu-system-s390x (package qemu-system-misc) is not installed"; return 1; }
  [[ -e /dev/kvm ]] || { echo "/dev/kvm is missing: type='kvm' cases cannot be defined"; return 1; }
  if [[ $(id -u) != 0 && ! ( -r /dev/kvm && -w /dev/kvm ) ]]; then
    echo "/dev/kvm is not accessible to this user: type='kvm' cases cannot be defined"; return 1
  fi
  command -v xmllint > /dev/null || { echo "xmllint (libxml2-utils) is not installed"; return 1; }
  return 0
}

# ---- vmdev ----
# vmdev_has_domain VMDEV: are the domain commands built?
vmdev_has_domain() { "$1" domain --help > /dev/null 2>&1; }

# ---- normalized views (xsltproc) ----
# norm_lines FILE [MODE]: one line per element: its path (element names with
# their position among same-named siblings), its attributes sorted by name,
# its text.  MODE=all (default) for the whole document; MODE=hostdev for
# /domain/devices/hostdev subtrees and every <address>.
norm_lines()
{
  xsltproc --stringparam mode "${2:-all}" "$lv_here/normalize.xsl" "$1"
}
