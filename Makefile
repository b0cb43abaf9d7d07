# Selfcare — the two commands of the README are `make run` and `make test`.
# Both install what they need on a fresh Debian machine (apt packages), then build.

SWIFT      ?= swift
DB         ?= ./data/selfcare.sqlite
LISTEN     ?= 127.0.0.1:7777
HTTP       ?= 127.0.0.1:8080
APT_PKGS   := libevent-dev libssl-dev libsqlite3-dev pkg-config sqlite3
# Kannel (bearerbox, smsbox; fakesmsc is in kannel-extras) for the end-to-end test of
# the HTTP front: make test and make bench only. Debian's kannel package starts its own
# bearerbox on a systemd host, so it has no place in what `make run` installs.
KANNEL_PKGS := kannel kannel-extras
# Net::SMPP: the third-party SMSC the SMPP client link is tested against; openssl and
# curl: the TLS clients the TLS test speaks to the server with (make test only).
SMPP_PKGS  := libnet-smpp-perl
TLS_PKGS   := openssl curl
# prlimit and chattr: the store-fault tests fill the disk (a file-size limit on the running
# server) and make the WAL unwritable (make test only; both are in a standard Debian).
FAULT_PKGS := util-linux e2fsprogs
# wrk: the load generator of the benchmark's HTTP Kannel series; libpq-dev: the C
# ceiling of ../shared/tools links it for its PostgreSQL modes (make bench only).
BENCH_PKGS := wrk libpq-dev
BIN        := .build/debug/selfcare
# The build make install and make deb ship: optimised, Swift's runtime linked in (the
# package depends on Debian's libraries only), apart from the debug build.
PACKAGE_BUILD = $(SWIFT) build -c release --product selfcare --static-swift-stdlib --scratch-path .build/package
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps test-deps bench-deps build run test bench fuzz release package-build install deb clean

# install_missing PACKAGES: apt-get install those of PACKAGES that are not installed yet.
install_missing = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## deps: what building and running need (libevent, OpenSSL, SQLite, pkg-config), if missing.
deps:
	@$(call install_missing,$(APT_PKGS))

## test-deps: deps, then Net::SMPP (the SMPP peer) and Kannel for the end-to-end tests (a Kannel failure only skips
## them, and says so).
test-deps: deps
	@$(call install_missing,$(KANNEL_PKGS)) \
	  || echo "warning: could not install $(KANNEL_PKGS); the Kannel end-to-end test will be skipped"
	@$(call install_missing,$(SMPP_PKGS))
	@$(call install_missing,$(TLS_PKGS))
	@$(call install_missing,$(FAULT_PKGS))

## bench-deps: what only the benchmark needs (Kannel, wrk), on top of deps.
bench-deps: test-deps
	@$(call install_missing,$(BENCH_PKGS))

## build: debug build of the selfcare executable.
build: deps
	$(SWIFT) build --product selfcare

## run: build, create the demo store if there is none, serve in the foreground.
run: build
	@if [ ! -f "$(DB)" ]; then $(BIN) db init --demo --db "$(DB)"; fi
	$(BIN) serve --db "$(DB)" --listen "$(LISTEN)" --http "$(HTTP)"

## test: unit and integration tests (the integration tests start the real server). The release
## build of the package is made first, so that the packaging test's `make deb` does not
## compile while timing-sensitive tests run.
test: test-deps
	$(SWIFT) build --build-tests
	$(PACKAGE_BUILD)
	$(SWIFT) test --skip-build

## release: optimised build, for benchmarks.
release: deps
	$(SWIFT) build -c release --product selfcare

## bench: Selfcare against the C ceiling, same loads, interleaved (see BENCHMARKS.md).
bench: release bench-deps
	bash scripts/bench.sh

## fuzz: libFuzzer (with AddressSanitizer) over every parser a peer reaches, FUZZ_SECONDS each
## (60; CI: 30), from the seed corpus in Fuzz/corpus. A crash fails it and names the input.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --product selfcare-fuzz --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

## install: the release build (Swift's runtime linked in) under $(DESTDIR)$(PREFIX): bin, share/selfcare/Grammars,
## share/doc/selfcare, lib/systemd/system/selfcare.service, /etc/default/selfcare.
PREFIX  ?= /usr/local
DESTDIR ?=
package-build: deps
	$(PACKAGE_BUILD)
install: package-build
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/package.sh install

## deb: a Debian package of the same, .build/selfcare_VERSION_ARCH.deb (dpkg-deb).
deb: package-build
	bash scripts/package.sh deb

clean:
	rm -rf .build
