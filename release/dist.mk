# Release artifacts: `make dist` writes dist/, `make dist-check` proves them on this machine
# against the emulator (release/check.py). Not part of `make test`: cross builds take long.
# Included by the root Makefile; run from the repository root.
#
#   dist/sfjwt-<v>-cp39-abi3-manylinux_2_17_{x86_64,aarch64}...whl, -win_amd64.whl, sfjwt-<v>.tar.gz
#   dist/sfjwt-<v>.jar (+ -sources.jar, -javadoc.jar, .pom): native/{linux-x86_64,linux-aarch64,
#        windows-x86_64}
#   dist/sfjwt-<v>-{linux-x86_64,linux-aarch64}.tar.gz, sfjwt-<v>-windows-x86_64.zip   (C)
#   dist/sfjwt-cli-<v>-{linux-x86_64,linux-aarch64}.tar.gz, sfjwt-cli-<v>-windows-x86_64.zip
#   dist/SHA256SUMS
#
# Linux builds link against glibc 2.17 through zig (cargo-zigbuild, maturin --zig), so they run
# on RHEL/CentOS 7 and newer, Amazon Linux 2. Windows builds use MinGW-w64 (and nasm, which
# aws-lc's Windows assembly needs). Everything is built with the Cargo profile `dist` (release,
# stripped), without the test-only `testing` feature. The tools come from Debian's packages
# (DIST_APT) and PyPI (release/requirements.txt, into target/dist-work/venv).

DIST_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DIST := $(CURDIR)/dist
DIST_WORK := $(CURDIR)/target/dist-work
DIST_VENV := $(DIST_WORK)/venv
DIST_PATH := $(DIST_VENV)/bin:$(PATH)
DIST_CARGO_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),target))
DIST_GLIBC := 2.17
DIST_WINDOWS := x86_64-pc-windows-gnu
DIST_APT := gcc-mingw-w64-x86-64 nasm wine wine64 qemu-user libc6-arm64-cross zip unzip binutils
# platform name (as the jar and the archives say it) → Rust target
dist_target_linux-x86_64 := x86_64-unknown-linux-gnu
dist_target_linux-aarch64 := aarch64-unknown-linux-gnu
dist_target_windows-x86_64 := $(DIST_WINDOWS)
DIST_PLATFORMS := linux-x86_64 linux-aarch64 windows-x86_64
dist_out = $(DIST_CARGO_TARGET)/$(dist_target_$(1))/dist

.PHONY: dist dist-tools dist-rust dist-python dist-java dist-c dist-cli dist-sums dist-check

## Every release artifact into dist/, then SHA256SUMS.
dist: dist-tools
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(MAKE) --no-print-directory dist-rust
	$(MAKE) --no-print-directory dist-python dist-java dist-c dist-cli
	$(MAKE) --no-print-directory dist-sums
	@ls -l $(DIST)

## Proves each artifact against the emulator: glibc floors, auditwheel, fresh venv and JVM,
## Wine and qemu-user runs.
dist-check: dist-tools
	PATH=$(DIST_PATH) $(DIST_VENV)/bin/python release/check.py --dist $(DIST) --version $(DIST_VERSION)

# The tools, installed the way .ci/run installs valgrind: what is missing, once.
dist-tools: $(DIST_VENV)/.installed
	@missing=$$(for p in $(DIST_APT); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "dist-tools: installing$$(echo $$missing | sed 's/^/ /')"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	rustup target add $(foreach p,$(DIST_PLATFORMS),$(dist_target_$(p))) >/dev/null

$(DIST_VENV)/.installed: release/requirements.txt
	rm -rf $(DIST_VENV)
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/pip install --quiet --disable-pip-version-check -r release/requirements.txt
	touch $@

# One cargo call per target builds the CLI, libsfjwt and the JNI library together.
dist-rust:
	cd $(CURDIR) && PATH=$(DIST_PATH) $(CARGO) zigbuild --profile dist \
	  --target $(dist_target_linux-x86_64).$(DIST_GLIBC) -p sfjwt-cli -p sfjwt-c -p sfjwt-jni
	cd $(CURDIR) && PATH=$(DIST_PATH) $(CARGO) zigbuild --profile dist \
	  --target $(dist_target_linux-aarch64).$(DIST_GLIBC) -p sfjwt-cli -p sfjwt-c -p sfjwt-jni
	$(CARGO) build --profile dist --target $(DIST_WINDOWS) -p sfjwt-cli -p sfjwt-c -p sfjwt-jni

## The wheels (abi3, one per platform) and the sdist.
dist-python:
	cd python && PATH=$(DIST_PATH) maturin build --locked --profile dist --zig --compatibility manylinux2014 \
	  --target $(dist_target_linux-x86_64) --out $(DIST)
	cd python && PATH=$(DIST_PATH) maturin build --locked --profile dist --zig --compatibility manylinux2014 \
	  --target $(dist_target_linux-aarch64) --out $(DIST)
	cd python && PATH=$(DIST_PATH) maturin build --locked --profile dist --target $(DIST_WINDOWS) --out $(DIST)
	cd python && PATH=$(DIST_PATH) maturin sdist --out $(DIST)

## The jar with every platform's JNI library, its sources and javadoc jars, and its pom.
dist-java:
	rm -rf $(DIST_WORK)/java-natives
	mkdir -p $(foreach p,$(DIST_PLATFORMS),$(DIST_WORK)/java-natives/native/$(p))
	cp $(call dist_out,linux-x86_64)/libsfjwt_jni.so $(DIST_WORK)/java-natives/native/linux-x86_64/
	cp $(call dist_out,linux-aarch64)/libsfjwt_jni.so $(DIST_WORK)/java-natives/native/linux-aarch64/
	cp $(call dist_out,windows-x86_64)/sfjwt_jni.dll $(DIST_WORK)/java-natives/native/windows-x86_64/
	cd java && $(MVN) $(MVN_FLAGS) -Pdist -Dsfjwt.dist.natives=$(DIST_WORK)/java-natives clean package
	cp java/target/sfjwt-$(DIST_VERSION).jar java/target/sfjwt-$(DIST_VERSION)-sources.jar \
	   java/target/sfjwt-$(DIST_VERSION)-javadoc.jar $(DIST)/
	cp java/pom.xml $(DIST)/sfjwt-$(DIST_VERSION).pom

# A relocatable pkg-config file (c.mk's c_pc): paths relative to where it is installed.
dist_pc = $(call c_pc,$(1)/lib/pkgconfig/sfjwt.pc,$${pcfiledir}/../..,$${prefix}/lib,$${prefix}/include,$(2))

# The C package of a Linux platform: the library under its SONAME's version, with the
# links `-lsfjwt` and the loader look for, the static library and sfjwt.pc.
define dist_c_linux
	d=$(DIST_WORK)/c/sfjwt-$(DIST_VERSION)-$(1); rm -rf $$d; mkdir -p $$d/lib/pkgconfig $$d/include; \
	  cp $(call dist_out,$(1))/libsfjwt.so $$d/lib/libsfjwt.so.$(DIST_VERSION); \
	  ln -s libsfjwt.so.$(DIST_VERSION) $$d/lib/libsfjwt.so.0; ln -s libsfjwt.so.0 $$d/lib/libsfjwt.so; \
	  cp $(call dist_out,$(1))/libsfjwt.a $$d/lib/
	$(call dist_pc,$(DIST_WORK)/c/sfjwt-$(DIST_VERSION)-$(1),$(C_LIBS_PRIVATE))
endef

# The C packages: the libraries, the header, the pkg-config file, the guide and the licence.
dist-c:
	$(call dist_c_linux,linux-x86_64)
	$(call dist_c_linux,linux-aarch64)
	d=$(DIST_WORK)/c/sfjwt-$(DIST_VERSION)-windows-x86_64; out=$(call dist_out,windows-x86_64); \
	  rm -rf $$d; mkdir -p $$d/bin $$d/lib/pkgconfig $$d/include; \
	  cp $$out/sfjwt.dll $$d/bin/; cp $$out/libsfjwt.dll.a $$out/libsfjwt.a $$d/lib/; \
	  { echo "LIBRARY sfjwt.dll"; echo "EXPORTS"; \
	    x86_64-w64-mingw32-objdump -p $$out/sfjwt.dll | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$$/p' \
	      | sed -n 's/^.*\] \(sfjwt_[a-z0-9_]*\)$$/    \1/p'; } > $$d/lib/sfjwt.def; \
	  x86_64-w64-mingw32-dlltool --input-def $$d/lib/sfjwt.def --dllname sfjwt.dll \
	    --output-lib $$d/lib/sfjwt.lib
	$(call dist_pc,$(DIST_WORK)/c/sfjwt-$(DIST_VERSION)-windows-x86_64,-lws2_32 -lntdll -luserenv -lbcrypt -ladvapi32)
	@for p in $(DIST_PLATFORMS); do \
	  d=$(DIST_WORK)/c/sfjwt-$(DIST_VERSION)-$$p; \
	  cp include/sfjwt.h $$d/include/; cp bindings/c/README.md $$d/README.md; cp LICENSE $$d/; \
	done
	cd $(DIST_WORK)/c && for p in linux-x86_64 linux-aarch64; do \
	  tar -czf $(DIST)/sfjwt-$(DIST_VERSION)-$$p.tar.gz sfjwt-$(DIST_VERSION)-$$p; done
	cd $(DIST_WORK)/c && rm -f $(DIST)/sfjwt-$(DIST_VERSION)-windows-x86_64.zip && \
	  zip -qr $(DIST)/sfjwt-$(DIST_VERSION)-windows-x86_64.zip sfjwt-$(DIST_VERSION)-windows-x86_64

## The command line for each platform.
dist-cli:
	@for p in $(DIST_PLATFORMS); do \
	  d=$(DIST_WORK)/cli/sfjwt-cli-$(DIST_VERSION)-$$p; rm -rf $$d; mkdir -p $$d; cp LICENSE $$d/; \
	done
	cp $(call dist_out,linux-x86_64)/sfjwt $(DIST_WORK)/cli/sfjwt-cli-$(DIST_VERSION)-linux-x86_64/
	cp $(call dist_out,linux-aarch64)/sfjwt $(DIST_WORK)/cli/sfjwt-cli-$(DIST_VERSION)-linux-aarch64/
	cp $(call dist_out,windows-x86_64)/sfjwt.exe $(DIST_WORK)/cli/sfjwt-cli-$(DIST_VERSION)-windows-x86_64/
	cd $(DIST_WORK)/cli && for p in linux-x86_64 linux-aarch64; do \
	  tar -czf $(DIST)/sfjwt-cli-$(DIST_VERSION)-$$p.tar.gz sfjwt-cli-$(DIST_VERSION)-$$p; done
	cd $(DIST_WORK)/cli && rm -f $(DIST)/sfjwt-cli-$(DIST_VERSION)-windows-x86_64.zip && \
	  zip -qr $(DIST)/sfjwt-cli-$(DIST_VERSION)-windows-x86_64.zip sfjwt-cli-$(DIST_VERSION)-windows-x86_64

dist-sums:
	cd $(DIST) && rm -f SHA256SUMS && sha256sum $$(ls | sort) > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS

# The artifacts of this machine's own platform, built natively, and their checks: what the
# hosted runners of .github/workflows/release.yml run (macOS, Windows, Linux aarch64).
DIST_HOST := $(CURDIR)/dist-host
.PHONY: dist-host dist-check-host

## This platform's CLI, C package, wheel and JNI library into dist-host/ (release/host.py).
dist-host: $(DIST_VENV)/.installed
	PATH=$(DIST_PATH) $(DIST_VENV)/bin/python release/host.py build --dist $(DIST_HOST)

## Runs them against the emulator.
dist-check-host:
	PATH=$(DIST_PATH) $(DIST_VENV)/bin/python release/host.py check --dist $(DIST_HOST)
