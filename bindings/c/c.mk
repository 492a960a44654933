# C ABI: libsfjwt (crate bindings/c), include/sfjwt.h, the C tests, `make install`.
# Included by the root Makefile; paths are relative to the repository root.
#
#   make c-test                  build libsfjwt (feature `testing`), check the committed
#                                header against a fresh cbindgen run, check `make install`
#                                and pkg-config, run the C tests (tests/c_abi.rs) under
#                                valgrind and, built with $(C_ASAN_FLAGS), under
#                                AddressSanitizer + LeakSanitizer (suppressions, each
#                                with its reason: tests/c/lsan.supp)
#   make c-header                copy a freshly generated header over include/sfjwt.h
#   make install PREFIX=/opt/x   release build; installs lib/libsfjwt.so.0.1.0 (+ .so.0,
#                                .so links), lib/libsfjwt.a, include/sfjwt.h and
#                                lib/pkgconfig/sfjwt.pc (DESTDIR is honoured)
#
# SFJWT_C_VALGRIND=0 runs the C tests without valgrind; SFJWT_C_ASAN=0 skips the
# AddressSanitizer runs. tests/c_abi.rs compiles the AddressSanitizer builds with the flags
# below (passed to it as SFJWT_C_ASAN_FLAGS) and runs them with ASAN_OPTIONS=detect_leaks=1.

ifeq ($(origin CC),default)
CC := gcc
endif
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# Cargo profile of `make install`: release, or dev to reuse the test build's dependencies.
C_PROFILE ?= release
C_PROFILE_DIR = $(if $(filter dev,$(C_PROFILE)),debug,$(C_PROFILE))
# The dev library is the tests' build (the root Makefile's cargo-build, feature `testing`
# included), so that c-install-check compiles nothing again.
C_INSTALL_BUILD = $(if $(filter dev,$(C_PROFILE)),$(MAKE) --no-print-directory cargo-build,\
	$(CARGO) build -p sfjwt-c --profile $(C_PROFILE))

C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# `rustc --print native-static-libs` for the static library, on Linux.
C_LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# Where c-test keeps its copy of the testing build (other builds may replace
# target/debug/libsfjwt.* meanwhile) and its trial installation.
C_TARGET := $(or $(CARGO_TARGET_DIR),target)
C_STAGE := $(C_TARGET)/c
C_GENERATED_HEADER := $(C_TARGET)/debug/include/sfjwt.h
# The AddressSanitizer build of the C tests (gcc and clang).
C_ASAN_FLAGS ?= -fsanitize=address -fno-omit-frame-pointer

# sfjwt.pc from bindings/c/sfjwt.pc.in: $(call c_pc,OUTPUT,PREFIX,LIBDIR,INCLUDEDIR,LIBS_PRIVATE).
# `make install` writes absolute paths; `make dist` ones relative to ${pcfiledir}.
c_pc = sed -e 's|@PREFIX@|$(2)|g' -e 's|@LIBDIR@|$(3)|g' -e 's|@INCLUDEDIR@|$(4)|g' \
	-e 's|@VERSION@|$(C_VERSION)|g' -e 's|@LIBS_PRIVATE@|$(5)|g' bindings/c/sfjwt.pc.in > $(1)

.PHONY: c-build c-header c-header-check c-test c-install-check install

## libsfjwt with the test-only entry points, copied to target/c/lib.
c-build: cargo-build
	rm -rf $(C_STAGE)/lib && mkdir -p $(C_STAGE)/lib
	cp $(C_TARGET)/debug/libsfjwt.so $(C_TARGET)/debug/libsfjwt.a $(C_STAGE)/lib/
	ln -s libsfjwt.so $(C_STAGE)/lib/libsfjwt.so.0
	cp $(C_GENERATED_HEADER) $(C_STAGE)/sfjwt.h

## Regenerates include/sfjwt.h (cbindgen runs in bindings/c/build.rs).
c-header: cargo-build
	cp $(C_GENERATED_HEADER) include/sfjwt.h

## Fails when the committed header differs from a fresh generation.
c-header-check: c-build
	@diff -u include/sfjwt.h $(C_STAGE)/sfjwt.h || { \
	  echo "include/sfjwt.h is stale: run 'make c-header' and commit it" >&2; exit 1; }

## The C tests: tests/c/*.c and the example, under valgrind, against the emulator.
c-test: c-header-check
	$(MAKE) --no-print-directory c-install-check
	SFJWT_C_LIB_DIR=$(abspath $(C_STAGE)/lib) SFJWT_C_ASAN_FLAGS="$(C_ASAN_FLAGS)" \
	  $(CARGO) test $(CARGO_TESTED) --test c_abi -- --nocapture

## `make install` into target/c/prefix, then builds the example with pkg-config,
## dynamically and statically, and against target/debug/libsfjwt.so (the build tree's
## libsfjwt.so.0 link), and runs each (no argument: usage, exit 1).
c-install-check:
	rm -rf $(C_STAGE)/prefix
	$(MAKE) --no-print-directory install C_PROFILE=dev PREFIX=$(abspath $(C_STAGE)/prefix)
	PKG_CONFIG_PATH=$(abspath $(C_STAGE)/prefix/lib/pkgconfig) sh -ec '\
	  $(CC) -std=c99 -Wall -Wextra -Werror bindings/c/examples/test_connection.c \
	    $$(pkg-config --cflags --libs sfjwt) -o $(C_STAGE)/test_connection-shared; \
	  $(CC) -std=c99 -Wall -Wextra -Werror bindings/c/examples/test_connection.c \
	    $$(pkg-config --cflags sfjwt) $(C_STAGE)/prefix/lib/libsfjwt.a \
	    $$(pkg-config --static --libs-only-other --libs-only-l sfjwt | sed "s/-lsfjwt//") \
	    -o $(C_STAGE)/test_connection-static'
	test "$$(readelf -d $(C_STAGE)/test_connection-shared | grep -c 'libsfjwt.so.0')" = 1
	LD_LIBRARY_PATH=$(abspath $(C_STAGE)/prefix/lib) $(C_STAGE)/test_connection-shared; test $$? = 1
	$(C_STAGE)/test_connection-static; test $$? = 1
	$(CC) -std=c99 -Wall -Wextra -Werror bindings/c/examples/test_connection.c -I include \
	  -L $(C_TARGET)/debug -lsfjwt -Wl,-rpath,$(abspath $(C_TARGET)/debug) \
	  -o $(C_STAGE)/test_connection-build-tree
	$(C_STAGE)/test_connection-build-tree; test $$? = 1
	@echo "c-install-check: installed lib, header and sfjwt.pc work (shared and static), and so does the build tree's libsfjwt.so"

## Installs the C library, header and pkg-config file under PREFIX.
install:
	$(C_INSTALL_BUILD)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(C_TARGET)/$(C_PROFILE_DIR)/libsfjwt.so $(DESTDIR)$(LIBDIR)/libsfjwt.so.$(C_VERSION)
	ln -sf libsfjwt.so.$(C_VERSION) $(DESTDIR)$(LIBDIR)/libsfjwt.so.0
	ln -sf libsfjwt.so.0 $(DESTDIR)$(LIBDIR)/libsfjwt.so
	install -m 644 $(C_TARGET)/$(C_PROFILE_DIR)/libsfjwt.a $(DESTDIR)$(LIBDIR)/libsfjwt.a
	install -m 644 include/sfjwt.h $(DESTDIR)$(INCLUDEDIR)/sfjwt.h
	$(call c_pc,$(DESTDIR)$(LIBDIR)/pkgconfig/sfjwt.pc,$(PREFIX),$(LIBDIR),$(INCLUDEDIR),$(C_LIBS_PRIVATE))
