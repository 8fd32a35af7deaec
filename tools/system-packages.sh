#!/usr/bin/env bash
# The system packages the course uses, outside its Python environment: one list, one script,
# run by `make setup` (through `make system`) and by CI. One line per package says what happened.
#
#   tools/system-packages.sh              bubblewrap (the grading sandbox): installed where this
#                                         machine allows it; the optional ones only reported
#   tools/system-packages.sh --optional   also installs the optional ones (CI does)
#
# It installs only as root on Debian or Ubuntu (apt-get). Anywhere else it says what is missing,
# what works without it, and the command that adds it, then goes on: it never fails the set-up.
set -u

# package : the command that shows it is there : what it gives the course
REQUIRED="bubblewrap:bwrap:the grading sandbox, in which make grade runs every submitted notebook"
OPTIONAL="chromium fonts-wqy-microhei:chromium:the browser tests (JupyterLab in a real browser, with Chinese text)
postgresql:pg_ctlcluster:the shared-gradebook test (a PostgreSQL gradebook for several graders)"
# What each command does while the package is missing.
WITHOUT_bwrap="make demo and make test grade only the course's own notebooks, unsandboxed (the sandbox tests skip); make grade refuses submissions unless given --no-sandbox"
WITHOUT_chromium="the browser tests skip"
WITHOUT_pg_ctlcluster="the PostgreSQL gradebook test skips; grading uses the SQLite gradebook"

install_optional=0
[ "${1:-}" = "--optional" ] && install_optional=1

why_no_install() {
  if [ "$(id -u)" != 0 ]; then echo "not root"
  elif ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get: not Debian or Ubuntu"
  fi
}

updated=0
apt_install() {
  if [ "$updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || return 1
    updated=1
  fi
  # shellcheck disable=SC2086  (a list of package names)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $1 >/dev/null 2>&1
}

# bwrap can be installed and still unable to start (a container that forbids namespaces, say).
sandbox_problem() {
  bwrap --ro-bind / / --unshare-pid --unshare-net --proc /proc --dev /dev true 2>&1 >/dev/null | tail -1
  return "${PIPESTATUS[0]}"
}

report() {  # packages, command, purpose, may_install
  local packages=$1 cmd=$2 purpose=$3 may_install=$4 without="WITHOUT_$2" how
  how="apt-get install -y $packages (as root; Fedora: dnf install, Arch: pacman -S)"
  if ! command -v "$cmd" >/dev/null 2>&1; then
    local blocker
    blocker=$(why_no_install)
    if [ "$may_install" = 1 ] && [ -z "$blocker" ] && apt_install "$packages"; then
      local done_="installed"
    else
      [ "$may_install" = 1 ] && [ -z "$blocker" ] && blocker="apt-get install failed"
      echo "system: $packages missing${blocker:+ ($blocker)}: ${!without}. To add it: $how"
      return
    fi
  fi
  if [ "$cmd" = bwrap ]; then
    local problem
    if ! problem=$(sandbox_problem); then
      echo "system: bubblewrap cannot start its sandbox here ($problem): ${!without}." \
           "Run as root, or allow unprivileged user namespaces (in a container: run it privileged)"
      return
    fi
  fi
  if [ -n "${done_:-}" ]; then echo "system: installed $packages: $purpose"
  elif [ "$cmd" = bwrap ]; then echo "system: $packages present: $purpose"
  fi
}

IFS=: read -r packages cmd purpose <<<"$REQUIRED"
report "$packages" "$cmd" "$purpose" 1
while IFS=: read -r packages cmd purpose; do
  report "$packages" "$cmd" "$purpose" "$install_optional"
done <<<"$OPTIONAL"
exit 0
