# relaylab: the two commands a newcomer runs are `make demo` and `make test`.
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup demo test lint bench soak fuzz clean

## setup: fetch crates and install the external peers the tests use (tclsh, swaks, haproxy)
setup:
	@scripts/ensure-tools
	@$(CARGO) fetch --locked

## demo: the main job on the embedded reference configuration, no files needed
demo:
	@$(CARGO) fetch --locked
	@$(CARGO) run --quiet --locked -p relaylab -- demo

## test: formatting, lints, then every test (CI=true makes missing tools a failure, not a skip);
## benchmarks are built by the lint step and run by `make bench`, never as tests
test: setup lint
	$(CARGO) test --locked --workspace --lib --bins --tests --examples
	$(CARGO) test --locked --workspace --doc

## lint: rustfmt and clippy with warnings as errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## soak: the prover's soundness oracle for as long as asked, in release
##   (make soak SEED=7 CASES=200000; make test runs 2,000 cases with a fixed seed)
SEED ?= $(shell date +%s)
CASES ?= 50000
soak:
	ORACLE_SEED=$(SEED) ORACLE_CASES=$(CASES) $(CARGO) test --locked --release -p verify --test oracle proved_classes -- --nocapture

## bench: release-build benchmarks; each prints its figures next to a same-run baseline
bench: setup
	$(CARGO) bench --locked --workspace

clean:
	$(CARGO) clean
