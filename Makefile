# Thin wrapper over meson: `make`, `make check`, `make demo`, `make bench`.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps check demo bench clean asan

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

clean:
	rm -rf $(BUILD)
