# Tapedeck: `make run` serves the bundled cassettes offline on 127.0.0.1:8787 (PORT=, HOST= to change it); `make test`
# runs every test.
# Both install what they need first (Debian's libcurl and SQLite headers, and a project-local Python venv for tests;
# make test also installs Debian's headless-capable Chromium for the cassette browser's test).

SWIFT ?= swift
VENV ?= .venv
PYTHON ?= python3
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev libpq-dev
## The PostgreSQL server the Swift tests start and stop themselves (initdb, pg_ctl under /usr/lib/postgresql/*/bin).
TEST_APT_PACKAGES := postgresql
PY_PACKAGES := boto3 pytest pytest-xdist awscli langchain-aws "anthropic[bedrock]"
PLUGIN := Integrations/pytest-tapedeck
SWIFT_BUILD_FLAGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps venv plugin browser-deps build release dist install wheel run test test-quick test-swift test-python fuzz fuzz-short fuzz-build bench bench-quick bench-deps bench-stores bench-slow-reader soak profile clean

## Install the C libraries' headers (curl, SQLite, libpq) with apt-get when they are missing, and the PostgreSQL
## server the tests run.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing $(TEST_APT_PACKAGES)"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## A project-local virtual environment with the test clients (never the system's Python): boto3, pytest, the AWS
## CLI (v1, which carries its own botocore) and langchain-aws. The stamp file is named after the package list, so
## changing the list reinstalls and an unchanged one does nothing; `pip check` fails the rule on a version conflict.
PY_STAMP := $(VENV)/.ready-$(shell printf '%s' '$(PY_PACKAGES)' | cksum | cut -d' ' -f1)

venv: $(PY_STAMP)

$(PY_STAMP):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "installing python3-venv"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_PACKAGES)
	@$(VENV)/bin/pip check --disable-pip-version-check
	@$(VENV)/bin/pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(boto3|botocore|awscli|langchain-aws|langchain-core|anthropic|pytest) ' | tr -s ' ' | paste -sd ' ' -
	@rm -f $(VENV)/.ready*
	@touch $@

## The pytest plugin, installed into the venv as a user installs it (pip install ./Integrations/pytest-tapedeck);
## installed again whenever its sources change.
PLUGIN_STAMP := $(VENV)/.plugin-installed

plugin: $(PLUGIN_STAMP)

$(PLUGIN_STAMP): $(PY_STAMP) $(PLUGIN)/pyproject.toml $(wildcard $(PLUGIN)/src/pytest_tapedeck/*.py)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall ./$(PLUGIN)
	@rm -rf $(PLUGIN)/build $(PLUGIN)/src/*.egg-info
	@touch $@

## Chromium for Tests/python/test_browser.py (it loads the cassette browser headless), installed with apt-get when
## missing; without recommends it is 25 packages (about 25 s here) instead of 115.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing chromium"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; \
	fi

build: deps
	$(SWIFT) build

## The release binary as users get it: the Swift standard library linked in, so it runs without a Swift toolchain
## (ldd lists glibc, libstdc++, libcurl, SQLite and their own dependencies only).
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product tapedeck $(SWIFT_BUILD_FLAGS)

## The version, from its one place (tapedeck --version prints it).
VERSION := $(shell sed -n 's/.*static let version = "\(.*\)"/\1/p' Sources/TapedeckProxy/ProxyEngine.swift)
DIST_NAME := tapedeck-$(VERSION)-linux-$(shell uname -m)
DIST := dist/$(DIST_NAME).tar.gz
PREFIX ?= /usr/local

## dist/tapedeck-VERSION-linux-ARCH.tar.gz (the binary, README.md and the sample cassettes) and its .sha256.
dist: release
	@rm -rf dist/$(DIST_NAME) && mkdir -p dist/$(DIST_NAME)
	cp .build/release/tapedeck README.md dist/$(DIST_NAME)/
	cp -R Cassettes dist/$(DIST_NAME)/Cassettes
	tar -C dist --exclude='.tapedeck-usage.*' --sort=name --owner=0 --group=0 --numeric-owner \
	  --mtime='@0' -czf $(DIST) $(DIST_NAME)
	cd dist && sha256sum $(DIST_NAME).tar.gz > $(DIST_NAME).tar.gz.sha256
	@rm -rf dist/$(DIST_NAME)
	@ls -l $(DIST) && cat $(DIST).sha256

## Installs the binary into PREFIX/bin (default /usr/local/bin).
install: release
	install -D -m 0755 .build/release/tapedeck $(DESTDIR)$(PREFIX)/bin/tapedeck

## A platform wheel of the pytest plugin with the binary inside: dist/pytest_tapedeck-VERSION-py3-none-linux_ARCH.whl.
wheel: release venv
	$(VENV)/bin/python $(PLUGIN)/build_wheel.py --binary .build/release/tapedeck --out dist
	@rm -rf $(PLUGIN)/build $(PLUGIN)/src/*.egg-info

## `make run PORT=9001 HOST=…` picks the address; without them serve's own TAPEDECK_PORT / TAPEDECK_HOST or its
## default (127.0.0.1:8787) apply. Only make's command line counts: a PORT or HOST in the environment (set by shells
## and hosting platforms for their own ends) is not taken for Tapedeck's.
RUN_ADDRESS = $(if $(filter command line,$(origin PORT)),--port $(PORT)) $(if $(filter command line,$(origin HOST)),--host $(HOST))

run: release
	.build/release/tapedeck serve --store json:Cassettes $(strip $(RUN_ADDRESS))

## What the toolchain-free tests (Tests/python/test_dist.py) unpack and install.
WHEEL := dist/pytest_tapedeck-$(shell sed -n 's/^version = "\(.*\)"/\1/p' $(PLUGIN)/pyproject.toml)-py3-none-linux_$(shell uname -m).whl
DIST_ENV = TAPEDECK_DIST=$(abspath $(DIST)) TAPEDECK_WHEEL=$(abspath $(WHEEL))

test: deps venv plugin browser-deps dist wheel
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(DIST_ENV) TAPEDECK_BIN=$$($(SWIFT) build --show-bin-path)/tapedeck $(VENV)/bin/python -m pytest -q Tests/python
	TAPEDECK_BIN=$$($(SWIFT) build --show-bin-path)/tapedeck $(VENV)/bin/python -m pytest -q $(PLUGIN)/tests
	$(MAKE) fuzz-short

## The Swift tests without the slow ones: suites named ...SlowTests and tagged .slow (slowloris, kill -9, a full disk,
## soak-like loads) are skipped by name, a regex on each test's full name; make test still runs them.
test-quick: deps
	$(SWIFT) test --skip SlowTests

test-swift: deps
	$(SWIFT) test

test-python: deps venv plugin browser-deps build dist wheel
	$(DIST_ENV) TAPEDECK_BIN=$$($(SWIFT) build --show-bin-path)/tapedeck $(VENV)/bin/python -m pytest -q Tests/python
	TAPEDECK_BIN=$$($(SWIFT) build --show-bin-path)/tapedeck $(VENV)/bin/python -m pytest -q $(PLUGIN)/tests

## Fuzzing with libFuzzer (shipped with the Swift toolchain): every target in Sources/TapedeckFuzz/ for FUZZ_SECONDS
## each, one at a time, from the seeds in Tests/Fuzz/corpus/; fails on a crash, hang or violated property (the input
## is kept in .build-fuzz/artifacts/). `make fuzz-short` is the bounded run `make test` ends with.
FUZZ_SECONDS ?= 120
FUZZ_SHORT_SECONDS ?= 10
FUZZ_TARGETS ?= http json eventstream cassette sqlite-row sqlite-file namespace base64 postgres-url pg-notify lease site-guard aws-config aws-cred-doc sts-xml
# Release runs about three times as many inputs a second; --disable-dead-strip keeps the coverage counters.
# `--sanitize fuzzer --sanitize address` alone is not enough: SwiftPM passes two -sanitize= flags in no fixed order
# and the driver keeps only the last, so a build got coverage or ASan, never both. `--sanitize fuzzer` tells SwiftPM
# that libFuzzer provides main; the -sanitize=fuzzer,address after it is the one the compiler and linker use.
FUZZ_BUILD = $(SWIFT) build -c release --disable-dead-strip --product TapedeckFuzz --sanitize fuzzer \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --scratch-path .build-fuzz

fuzz: fuzz-build
	Tests/Fuzz/run.sh $$($(FUZZ_BUILD) --show-bin-path)/TapedeckFuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-short: fuzz-build
	Tests/Fuzz/run.sh $$($(FUZZ_BUILD) --show-bin-path)/TapedeckFuzz $(FUZZ_SHORT_SECONDS) $(FUZZ_TARGETS)

## The instrumented build, in its own scratch path; the linker's warnings about ASan's local symbols are noise.
fuzz-build: deps
	@bash -c 'set -o pipefail; $(FUZZ_BUILD) 2>&1 | { grep -v "Cannot export local symbol" || true; }'

## Tapedeck hits against nginx (a fixed body, and proxy_cache) under wrk, plus miss, burst, fresh-connection and
## 10 MB-image costs; under 10 minutes, report in Benchmarks/results/. Pass options with BENCH_ARGS=..., e.g. --runs 5;
## SWIFT_BUILD_FLAGS="--scratch-path DIR" builds and benchmarks the binary in another build directory.
BENCH_BIN = $$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/tapedeck

bench: release bench-deps
	$(PYTHON) Benchmarks/bench.py --binary $(BENCH_BIN) $(BENCH_ARGS)
	$(PYTHON) Benchmarks/slow_reader.py --binary $(BENCH_BIN)

## Backpressure: a 100 MB ConverseStream recorded while its client stops reading for 15 s; prints serve's peak RSS
## (VmHWM) for a JSON and a SQLite store and whether the replay matched byte for byte.
bench-slow-reader: release
	$(PYTHON) Benchmarks/slow_reader.py --binary $(BENCH_BIN)

## The same as a one-minute smoke run (one run of 2 s per cell).
bench-quick: release bench-deps
	$(PYTHON) Benchmarks/bench.py --binary $(BENCH_BIN) --quick $(BENCH_ARGS)

## nginx and wrk for make bench, installed with apt-get when missing (taskset comes with util-linux).
## Where a hit's instructions go: serve under callgrind (valgrind is installed with apt-get when missing); see
## Benchmarks/profile_hits.py. PROFILE_ARGS=... passes options, e.g. --hits 10000.
profile: release
	@command -v valgrind >/dev/null 2>&1 || { echo "installing valgrind"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind; }
	$(PYTHON) Benchmarks/profile_hits.py --binary $(BENCH_BIN) $(PROFILE_ARGS)

bench-deps:
	@missing=""; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## Store scale: cold and warm hits in JSON, SQLite and PostgreSQL stores of 1,000 and 100,000 cassettes (SQLite also
## 1,000,000), serve start-up, warm hit throughput (wrk), and tapedeck export of 100,000 JSON files into PostgreSQL
## (a server of its own, started and stopped by the script; postgresql is installed when missing).
BENCH_STORES_ARGS ?= --json-sizes 1000,100000 --sqlite-sizes 1000,100000,1000000 --postgres-sizes 1000,100000

bench-stores: release bench-deps
	$(PYTHON) Benchmarks/store_scale.py --binary .build/release/tapedeck $(BENCH_STORES_ARGS)

## Ten minutes of mixed load on the release binary (a JSON store for the first half, SQLite for the second): no crash,
## RSS and descriptors flat after warm-up, `tapedeck verify` clean, every recorded miss replays byte for byte.
## Report in Benchmarks/results/soak-*.md. SOAK_STORE=json|sqlite|both; SOAK_ARGS="--seconds 30" for a quick run.
SOAK_STORE ?= both

soak: release
	$(PYTHON) Benchmarks/soak.py --binary $(BENCH_BIN) --store $(SOAK_STORE) $(SOAK_ARGS)

clean:
	rm -rf .build $(VENV)
