# Java: the JNI library (bindings/jni) and the Maven project (java/), tested against the emulator.
# Included by the root Makefile; run from the repository root.
#
# The native library is built in the dev profile with the `testing` feature (the tests call
# Native.testingPanic); Maven copies it from $(JAVA_CARGO_DIR) into the jar. The CLI is the
# emulator the tests start. `mvn verify` runs the unit tests (Surefire), packages the jar, then
# runs the packaged jar in a fresh JVM (Failsafe, *IT.java).
#
# The release jar is not built here: pom.xml's profile `dist` (used by `make dist`) takes the
# release libraries of every platform from DIR/native/<platform>/<library>:
#   cd java && mvn -B -ntp -Pdist -Dsfjwt.dist.natives=DIR clean package
# and adds the -sources and -javadoc jars; it skips the tests. Every build first empties
# target/classes/native, so that a jar carries only the libraries its own build copied.

MVN ?= mvn
MVN_FLAGS ?= -B -ntp
# Where cargo writes the dev profile, honouring CARGO_TARGET_DIR.
JAVA_CARGO_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))/debug

.PHONY: java-test java-native java-jar

# The jar java-test packages; the Python tests run it beside Python processes.
JAVA_TEST_JAR = $(CURDIR)/java/target/sfjwt-$(DIST_VERSION).jar

## Build the JNI library and the emulator for the Java tests.
java-native: cargo-build

## The Java tests: unit tests, then the packaged jar.
java-test: java-native
	cd java && $(MVN) $(MVN_FLAGS) -Dsfjwt.cargo.dir=$(JAVA_CARGO_DIR) verify

## The jar alone, without the tests, for the tests of other languages that run it.
java-jar: java-native
	cd java && $(MVN) $(MVN_FLAGS) -Dsfjwt.cargo.dir=$(JAVA_CARGO_DIR) -DskipTests package
