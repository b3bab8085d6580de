# Sourced by the scripts that install what they need from Debian's
# packages when it is missing (scripts/install-test-deps.sh,
# scripts/pgo-build.sh): one way to become root and to install, so that
# each script refreshes the package lists first (a fresh machine has none)
# and never stops at a question.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt_install PACKAGE…: the lists refreshed, then the packages, quietly.
# The environment goes through `env`: sudo would drop it.
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
