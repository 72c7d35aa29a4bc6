# QEX Companion. The two commands a newcomer needs:
#   make run    launch the app on the embedded sandbox
#   make test   run every test
# Both first run `make deps`, which installs the Debian packages the build and
# the tests need, and only those that are missing.

GO    ?= go
ARGS  ?=
# Fyne reads the locale from LANG; "C" makes it log a parse error.
export LANG := en_US.UTF-8

# gcc + GL/X11 headers: Fyne's cgo build. xvfb, xdotool, imagemagick: the
# real-window smoke test. chromium: browser tests. The fonts give Chromium
# and the virtual display readable text.
DEB_PACKAGES := gcc libgl1-mesa-dev xorg-dev xvfb xdotool imagemagick chromium fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps run test vet bench

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

run: deps
	$(GO) run . $(ARGS)

vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# Browser tests fail (not skip) here when Chromium is missing.
test: deps vet
	QEX_REQUIRE_CHROMIUM=1 $(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
