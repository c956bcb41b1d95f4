# The commands the README names. `make test` is what CI runs.
GO       ?= go
FUZZTIME ?= 2m
FUZZSMOKE ?= 20000x
STATICCHECK = v0.8.2
# Fuzz targets: package:Target.
FUZZ_TARGETS = .:FuzzUnsignValue ./internal/cookie:FuzzValue .:FuzzDecodeRecord .:FuzzPatchApply .:FuzzMiddleware .:FuzzRecordUser .:FuzzHeaderToken .:FuzzScanSealed ./sealed:FuzzOpen ./memstore:FuzzRecordRoundTrip

# Every module of the workspace, from the use block of go.work.
MODULES := $(shell sed -n 's/^\t\(\.[^ ]*\)$$/\1/p' go.work)
# The modules `make unit` tests: all but the browser test and the
# benchmarks, which have targets of their own.
UNIT_MODULES = $(filter-out ./browsertest ./bench,$(MODULES))

.PHONY: run test tools deps check release-check tidy unit browser fuzz fuzz-smoke bench bench-smoke clean

## run: serve the visit tracker on :3000
run:
	$(GO) run ./cmd/visits

## test: everything: format, vet and staticcheck over every module, the
## release check, every test under -race with the Node compatibility
## tests, the real-browser test, and short benchmark and fuzzing smoke runs
test: tools deps check release-check unit browser bench-smoke
	$(MAKE) --no-print-directory fuzz-smoke

## tools: the Debian packages the tests need (Redis, PostgreSQL, wrk,
## Chromium, Node): installed when run as root, else named, and make stops
tools:
	@scripts/install.sh

## deps: install the pinned npm packages the compatibility tests run
NODE_APPS = node fastify connect-redis connect-pg passport flash
deps: tools $(NODE_APPS:%=testdata/%/node_modules/.installed)

testdata/%/node_modules/.installed: testdata/%/package-lock.json
	npm ci --prefix testdata/$* --no-audit --no-fund --loglevel=error
	touch $@

## check: gofmt, go vet and staticcheck in every module
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@set -e; for d in $(MODULES); do \
		echo "check: $$d"; \
		(cd $$d && $(GO) vet ./... && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...); \
	done

## release-check: publish every module of the work tree to a file-based
## module proxy as a release would, and build a consumer of each outside
## the repository (GOWORK=off); fails when one does not resolve or pulls in
## a module it does not use (internal/release)
release-check:
	$(GO) run ./internal/release check

## tidy: go mod tidy in every module against the tree as published, and
## go.work written anew
tidy:
	$(GO) run ./internal/release tidy
	$(GO) run ./internal/release work

## unit: every module's tests under -race (the store tests start their own
## Redis and PostgreSQL; with CI set a missing server fails them)
unit:
	@set -e; for d in $(UNIT_MODULES); do \
		echo "unit: $$d"; \
		(cd $$d && CI=$${CI:-} $(GO) test -race -count=1 ./...); \
	done

## browser: the visit tracker in headless Chromium (module browsertest/, so
## the library never depends on chromedp); fails without Chromium when CI
## is set, skips elsewhere
browser:
	cd browsertest && CI=$${CI:-} $(GO) test -count=1 ./...

## bench: run the benchmarks beside the peers and regenerate BENCHMARKS.md
## (installs wrk, Redis and PostgreSQL from Debian's packages if missing,
## and the Node peers from bench/node/package-lock.json; about 30 minutes)
bench: bench/node/node_modules/.installed
	bench/install.sh
	bench/report.sh

bench/node/node_modules/.installed: bench/node/package-lock.json
	npm ci --prefix bench/node --no-audit --no-fund --loglevel=error
	touch $@

# bench-smoke: every benchmark a few times, the peers' count check, and the
# end-to-end harness for a second per run on four targets
bench-smoke:
	cd bench && $(GO) test -count=1 . && \
		$(GO) test -run='^$$' -bench=. -benchtime=20x . && \
		$(GO) test -count=1 -run=TestEndToEnd ./e2e

## soak: the full soak of cmd/visits (faulttest/soak_test.go), minutes:
## 1,000,000 requests over 100,000 sessions from 64 clients, on the memory
## store and on SQLite, with a 30 s -max-age; prints each store's report
## (errors, RSS and sessions per 100,000 requests, p99 per window). `go
## test ./faulttest` runs a small version.
SOAK_ARGS ?= -soak.requests=1000000 -soak.sessions=100000 -soak.maxage=30s
.PHONY: soak
soak:
	$(GO) test -count=1 -v -run Soak -timeout 60m ./faulttest -args $(SOAK_ARGS)

## fuzz-smoke: each fuzz target for FUZZSMOKE executions (part of `make
## test`): a count, not seconds, so a busy machine takes longer instead of
## failing (golang/go#75804)
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKE)

## fuzz: each fuzz target for FUZZTIME (default 2m; KEEP_CORPUS=1 keeps the
## inputs it found in testdata/fuzz); a "context deadline
## exceeded" without a failing input is retried once, a crash always fails
fuzz:
	@scripts/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

clean:
	rm -rf $(NODE_APPS:%=testdata/%/node_modules) bench/node/node_modules
