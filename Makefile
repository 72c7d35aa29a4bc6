# QEX Companion. The two commands a newcomer needs:
#   make run    launch the app on the embedded sandbox
#   make test   run every test
# Both first run `make deps`, which installs the Debian packages the build and
# the tests need, and only those that are missing.

GO    ?= go
ARGS  ?=
# The tests, benchmarks and fuzzing run in English whatever the machine's
# locale (tests that need another set it themselves). `make run` keeps the
# user's: the window follows it (a Japanese desktop gets Japanese).
test bench fuzz: export LANG := en_US.UTF-8

# gcc + GL/X11 headers: Fyne's cgo build. xvfb, xdotool, imagemagick: the
# real-window smoke test (xfonts-base: Xvfb's default font, only recommended by
# xvfb). chromium: browser tests. The fonts give Chromium (and Fyne, which
# falls back to system fonts for the sandbox's Japanese names)
# and the virtual display readable text. gnome-keyring, dbus, libsecret-tools:
# a real Secret Service (and secret-tool to look into it) for keychain tests;
# libglib2.0-bin: gdbus, which waits for a test's private keyring to come up.
# xdg-utils, desktop-file-utils: registering the io.qexcompanion.app scheme.
DEB_PACKAGES := gcc libgl1-mesa-dev xorg-dev xvfb xfonts-base xdotool imagemagick chromium fonts-dejavu-core fonts-noto-cjk \
	gnome-keyring dbus dbus-x11 libsecret-tools libglib2.0-bin xdg-utils desktop-file-utils postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps run test vet bench fuzz package package-windows fyne-tool

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

# The packages without cgo (all but main, ui, and the hello-world anchor and
# the first-frame probe of scripts/measure-lightness.sh, which need a C
# compiler for the target: see
# package-windows) are also vetted for Windows and macOS, so code for those
# systems (registry, keychain, scheme registration) compiles.
PORTABLE_PKGS = $(shell $(GO) list ./... | grep -v -x -e 'github.com/qexcompanion/qex-companion' -e 'github.com/qexcompanion/qex-companion/ui' -e 'github.com/qexcompanion/qex-companion/scripts/hello' -e 'github.com/qexcompanion/qex-companion/scripts/firstpaint')

vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)

# Every test runs against a real Secret Service: a private D-Bus session with
# an unlocked gnome-keyring, under a fresh HOME (Go's caches stay where they
# are). Browser, real-window and keychain tests fail here, not skip, when
# what they need is missing.
test: deps vet
	@export GOCACHE="$$($(GO) env GOCACHE)" GOMODCACHE="$$($(GO) env GOMODCACHE)" GOPATH="$$($(GO) env GOPATH)"; \
	export HOME="$$(mktemp -d)"; trap 'rm -rf "$$HOME"' EXIT; \
	export QEX_REQUIRE_CHROMIUM=1 QEX_REQUIRE_DISPLAY=1 QEX_REQUIRE_KEYRING=1; \
	dbus-run-session -- sh -c 'echo qex-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
	  exec $(GO) test -race -count=1 ./...'

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Fuzz the deep-link parser (make test runs only its seed corpus). Capping
# minimization keeps the engine from spending the run shrinking 2 KB inputs.
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) -fuzzminimizetime 2s ./internal/deeplink

# Packaging with the fyne tool inside the fyne module (fyne.io/tools is not
# reachable here). `fyne package` bumps Build in FyneApp.toml on every run;
# the file is restored so packaging leaves no diff behind.
FYNE_TOOL := $(shell $(GO) env GOPATH)/bin/fyne

fyne-tool:
	@[ -x "$(FYNE_TOOL)" ] || $(GO) install fyne.io/fyne/v2/cmd/fyne@v2.7.1

# Linux: "QEX Companion.tar.xz" (binary, .desktop file, icon, Makefile with
# install and user-install).
# fyne package writes no MimeType line: scripts/patch-linux-package.sh adds
# the io.qexcompanion.app scheme handler to the packaged .desktop file.
package: deps fyne-tool
	cp FyneApp.toml .FyneApp.toml.orig
	$(FYNE_TOOL) package -os linux -release; status=$$?; mv .FyneApp.toml.orig FyneApp.toml; exit $$status
	scripts/patch-linux-package.sh "QEX Companion.tar.xz"

# Windows .exe with icon and version info, cross-built with mingw (the first
# build takes about 10 minutes). Not part of `make test`.
package-windows: fyne-tool
	@dpkg-query -W -f='$${Status}\n' gcc-mingw-w64-x86-64 2>/dev/null | grep -q '^install ok installed$$' || \
	  (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64)
	cp FyneApp.toml .FyneApp.toml.orig
	CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $(FYNE_TOOL) package -os windows -release; status=$$?; mv .FyneApp.toml.orig FyneApp.toml; exit $$status
