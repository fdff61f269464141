# Chromium for the browser tests (the live order board): Debian's package, driven by
# playwright-core with executablePath. Never a downloaded browser. Not a service: nothing to
# start; hack/test sources this and calls chromium_install before the tests.
CHROMIUM_BIN=/usr/bin/chromium

chromium_install() {
  apt_install chromium fonts-dejavu-core
  [[ -x $CHROMIUM_BIN ]] || die "the chromium package did not provide $CHROMIUM_BIN"
}
