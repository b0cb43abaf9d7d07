# Selfcare — the two commands of the README are `make run` and `make test`.
# Both install what they need on a fresh Debian machine (apt packages), then build.

SWIFT      ?= swift
DB         ?= ./data/selfcare.sqlite
LISTEN     ?= 127.0.0.1:7777
APT_PKGS   := libevent-dev libsqlite3-dev pkg-config sqlite3
BIN        := .build/debug/selfcare
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build run test bench release clean

## deps: install the system packages that are missing (libevent, SQLite, pkg-config).
deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## build: debug build of the selfcare executable.
build: deps
	$(SWIFT) build --product selfcare

## run: build, create the demo store if there is none, serve in the foreground.
run: build
	@if [ ! -f "$(DB)" ]; then $(BIN) db init --demo --db "$(DB)"; fi
	$(BIN) serve --db "$(DB)" --listen "$(LISTEN)"

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
