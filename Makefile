# Selfcare — the two commands of the README are `make run` and `make test`.
# Both install what they need on a fresh Debian machine (apt packages), then build.

SWIFT      ?= swift
DB         ?= ./data/selfcare.sqlite
LISTEN     ?= 127.0.0.1:7777
HTTP       ?= 127.0.0.1:8080
APT_PKGS   := libevent-dev libsqlite3-dev pkg-config sqlite3
# Kannel (bearerbox, smsbox; fakesmsc is in kannel-extras) for the end-to-end test of
# the HTTP front. Optional: where it cannot be installed, that test says so and skips.
KANNEL_PKGS := kannel kannel-extras
BIN        := .build/debug/selfcare
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test bench release clean

## deps: install the system packages that are missing (libevent, SQLite, pkg-config),
## then try Kannel (a failure there only skips the Kannel end-to-end test).
deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@missing=""; for p in $(KANNEL_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing ) \
	    || echo "warning: could not install$$missing; the Kannel end-to-end test will be skipped"; \
	fi

## build: debug build of the selfcare executable.
build: deps
	$(SWIFT) build --product selfcare

## run: build, create the demo store if there is none, serve in the foreground.
run: build
	@if [ ! -f "$(DB)" ]; then $(BIN) db init --demo --db "$(DB)"; fi
	$(BIN) serve --db "$(DB)" --listen "$(LISTEN)" --http "$(HTTP)"

## test: unit and integration tests (the integration tests start the real server).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## release: optimised build, for benchmarks.
release: deps
	$(SWIFT) build -c release --product selfcare

## bench: Selfcare against the C ceiling, same loads, interleaved (see BENCHMARKS.md).
bench: release
	bash scripts/bench.sh

clean:
	rm -rf .build
