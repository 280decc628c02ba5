# libFuzzer builds of the harnesses (clang, Debian's libclang-rt). Called from
# Makefile.am's `fuzz`, `fuzz-run` and `fuzz-clean` targets:
#     $(MAKE) -f $(srcdir)/tests/fuzz/fuzz.mk srcdir=$(srcdir) fuzz-run FUZZ_SECONDS=60
# The SAML core is compiled again from saml/*.c with coverage instrumentation;
# everything lands in tests/fuzz/build/ of the build tree.

srcdir ?= .
CLANG ?= $(shell command -v clang-14 || command -v clang)
FUZZ_SECONDS ?= 60
FUZZ_RSS_MB ?= 2048
FUZZ_TIMEOUT ?= 10

HARNESSES = logout response assertion xml metadata redirect relay_state cookie decrypt \
	redis_reply memcache_reply
FUZZ_DIR = $(srcdir)/tests/fuzz
BUILD = tests/fuzz/build

PKGS = apr-1 apr-util-1 libxml-2.0 xmlsec1-openssl openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

BASE_FLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra $(PKG_CFLAGS) -I$(srcdir)
# UBSan must abort, or libFuzzer would count undefined behaviour as a pass.
SAN = address,undefined -fno-sanitize-recover=undefined
CORE_FLAGS = $(BASE_FLAGS) -fsanitize=fuzzer-no-link,$(SAN)
HARNESS_FLAGS = $(BASE_FLAGS) -fsanitize=fuzzer,$(SAN)

CORE_SRC = $(wildcard $(srcdir)/saml/*.c)
CORE_OBJ = $(patsubst $(srcdir)/saml/%.c,$(BUILD)/saml/%.o,$(CORE_SRC))
CORE_HDR = $(wildcard $(srcdir)/saml/*.h)
COMMON = $(FUZZ_DIR)/fuzz_common.c $(FUZZ_DIR)/fuzz.h

# XML-shaped inputs get the SAML token dictionary.
DICT_response = -dict=$(FUZZ_DIR)/saml.dict
DICT_assertion = -dict=$(FUZZ_DIR)/saml.dict
DICT_xml = -dict=$(FUZZ_DIR)/saml.dict
DICT_metadata = -dict=$(FUZZ_DIR)/saml.dict
DICT_logout = -dict=$(FUZZ_DIR)/saml.dict
DICT_decrypt = -dict=$(FUZZ_DIR)/saml.dict

# APR pools live in mmap()ed blocks that LeakSanitizer does not scan, so once
# an input makes LSan look (any input that allocates lasting library state),
# the IdP key these two harnesses keep in their root pool for the whole run
# would be reported. They check leaks at exit instead, after that pool is
# destroyed (fuzz_common.c); an input leaking there still fails the run.
LEAKS_response = -detect_leaks=0
LEAKS_assertion = -detect_leaks=0
LEAKS_logout = -detect_leaks=0
LEAKS_decrypt = -detect_leaks=0

.PHONY: fuzz fuzz-run fuzz-clean $(HARNESSES:%=fuzz-run-%)

fuzz: $(HARNESSES:%=$(BUILD)/fuzz_%)

$(BUILD)/saml/%.o: $(srcdir)/saml/%.c $(CORE_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(CORE_FLAGS) -c $< -o $@

# An archive, so each harness links only the parts of the core it calls.
$(BUILD)/libseqursaml-fuzz.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

$(BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(COMMON) $(BUILD)/libseqursaml-fuzz.a
	$(CLANG) $(HARNESS_FLAGS) $< $(FUZZ_DIR)/fuzz_common.c $(BUILD)/libseqursaml-fuzz.a \
		$(PKG_LIBS) -o $@

# Each harness runs on a scratch copy of its seeds, so new inputs libFuzzer
# finds do not bloat the committed corpus. Any crash, leak, timeout, OOM or
# sanitizer report makes libFuzzer exit non-zero and leaves the input in
# $(BUILD)/findings/<name>/; the log is kept next to it.
fuzz-run: $(HARNESSES:%=fuzz-run-%)

$(HARNESSES:%=fuzz-run-%): fuzz-run-%: $(BUILD)/fuzz_%
	@rm -rf $(BUILD)/work/$* $(BUILD)/findings/$*
	@mkdir -p $(BUILD)/work/$* $(BUILD)/findings/$*
	@cp $(FUZZ_DIR)/corpus/$*/* $(BUILD)/work/$*/
	@echo "fuzz_$*: $(FUZZ_SECONDS) s"
	@if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
	   $(BUILD)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MB) \
	   -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 $(DICT_$*) $(LEAKS_$*) \
	   -artifact_prefix=$(BUILD)/findings/$*/ $(BUILD)/work/$* >$(BUILD)/fuzz_$*.log 2>&1 && \
	   [ -z "$$(ls -A $(BUILD)/findings/$*)" ]; then \
	    grep -E '^stat::number_of_executed_units|^stat::new_units_added|^#[0-9]+.*DONE' \
	        $(BUILD)/fuzz_$*.log | tr '\n' ' '; echo; \
	else \
	    echo "fuzz_$*: FINDING (log $(BUILD)/fuzz_$*.log, inputs $(BUILD)/findings/$*/)"; \
	    grep -E -A40 '^==[0-9]+==ERROR|runtime error|^fuzz: |ALARM|out-of-memory' \
	        $(BUILD)/fuzz_$*.log | head -60; \
	    exit 1; \
	fi

fuzz-clean:
	rm -rf $(BUILD)
