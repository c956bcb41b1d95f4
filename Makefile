# The commands the README names. `make test` is what CI runs.
GO       ?= go
FUZZTIME ?= 2m
FUZZSMOKE ?= 20000x
STATICCHECK = v0.8.2
# Fuzz targets: package:Target.
FUZZ_TARGETS = .:FuzzUnsignValue .:FuzzCookieValue .:FuzzDecodeRecord .:FuzzPatchApply .:FuzzMiddleware .:FuzzRecordUser .:FuzzHeaderToken .:FuzzScanSealed ./sealed:FuzzOpen ./memstore:FuzzRecordRoundTrip

.PHONY: run test deps check unit otel browser adapters fuzz fuzz-smoke bench bench-smoke clean

## run: serve the visit tracker on :3000
run:
	$(GO) run ./cmd/visits

## test: everything: format and vet checks, every test under -race with the
## Node compatibility tests, the real-browser test, and a short fuzzing
## smoke run
test: deps check unit otel browser adapters bench-smoke
	$(MAKE) --no-print-directory fuzz-smoke

## deps: install the pinned npm packages the compatibility tests run
NODE_APPS = node fastify connect-redis connect-pg passport flash
deps: $(NODE_APPS:%=testdata/%/node_modules/.installed)

testdata/%/node_modules/.installed: testdata/%/package-lock.json
	npm ci --prefix testdata/$* --no-audit --no-fund --loglevel=error
	touch $@

check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd browsertest && $(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...

unit:
	CI=$${CI:-} $(GO) test -race -count=1 ./...

## otel: vet and test the otelsession module (its own module, so the
## session package never imports OpenTelemetry)
otel:
	cd otelsession && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## browser: the visit tracker in headless Chromium (module browsertest/, so
## the library never depends on chromedp); fails without Chromium when CI
## is set, skips elsewhere
browser:
	cd browsertest && CI=$${CI:-} $(GO) test -count=1 ./...

## adapters: vet and test the framework adapters, each its own module so
## the library never depends on a framework: gin, echo, and the chi and
## gorilla/mux tests
ADAPTERS = adapters/gin adapters/echo adapters/routers
adapters:
	@set -e; for d in $(ADAPTERS); do \
		echo "adapters: $$d"; \
		(cd $$d && $(GO) vet ./... && $(GO) test -race -count=1 ./...); \
	done

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
	cd bench && $(GO) vet ./... && $(GO) test -count=1 . && \
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
