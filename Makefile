# Thin wrapper over meson: `make`, `make check`, `make demo`, `make bench`, `make fuzz`.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps check demo bench clean asan fuzz

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps build

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_OPTS)

check:
	@scripts/install-deps check
	@$(MAKE) --no-print-directory all
	meson test -C $(BUILD) --print-errorlogs $(TESTS)

demo:
	@scripts/install-deps demo
	@$(MAKE) --no-print-directory all
	scripts/demo

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory all
	bench/discovery
	BUILD=$(BUILD) bench/lifecycle
	BUILD=$(BUILD) bench/claims

# libFuzzer on the domain XML parser (fuzz/README.md): FUZZ_SECONDS of fuzzing
# on a scratch copy of fuzz/corpus/domain, then the inputs that add coverage
# are merged back into it (-merge=1).  Crashes land in $(FUZZ_BUILD)/fuzz-artifacts/
# (emptied by the next run).  To go on past crashes:
# FUZZ_FLAGS='-fork=2 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1'.
FUZZ_SECONDS ?= 300
FUZZ_BUILD ?= build-fuzz
FUZZ_FLAGS ?=
FUZZ_BIN = $(FUZZ_BUILD)/fuzz/fuzz-domain-xml
fuzz:
	@scripts/install-deps fuzz
	test -f $(FUZZ_BUILD)/build.ninja || \
	  CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true -Db_sanitize=address,undefined
	ninja -C $(FUZZ_BUILD) fuzz/fuzz-domain-xml
	rm -rf $(FUZZ_BUILD)/fuzz-work $(FUZZ_BUILD)/fuzz-artifacts
	mkdir -p $(FUZZ_BUILD)/fuzz-work $(FUZZ_BUILD)/fuzz-artifacts
	cp fuzz/corpus/domain/* $(FUZZ_BUILD)/fuzz-work/
	status=0; \
	$(FUZZ_BIN) -dict=fuzz/domain.dict -max_len=65536 -timeout=5 -rss_limit_mb=2048 \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_BUILD)/fuzz-artifacts/ $(FUZZ_FLAGS) $(FUZZ_BUILD)/fuzz-work || status=$$?; \
	$(FUZZ_BIN) -merge=1 -use_counters=0 -timeout=5 -rss_limit_mb=2048 fuzz/corpus/domain $(FUZZ_BUILD)/fuzz-work || exit $$?; \
	if [ $$status != 0 ] || [ -n "$$(ls -A $(FUZZ_BUILD)/fuzz-artifacts)" ]; then \
	  echo "make fuzz: findings (status $$status) in $(FUZZ_BUILD)/fuzz-artifacts/:" \
	    $$(ls $(FUZZ_BUILD)/fuzz-artifacts) >&2; \
	  exit 1; \
	fi

clean:
	rm -rf $(BUILD)
