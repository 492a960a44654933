/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * A tiny test harness for the C test programs: TEST cases made of CHECKs, a line
 * per case ("ok - name" / "FAIL - name") and a closing "N passed, N failed".
 * tests/c_abi.rs compiles each program, runs it against an emulator and passes
 * the settings through the environment (see test_env below).
 *
 * Include it first: it sets the POSIX feature level the tests need. */
#ifndef SFJWT_TEST_HARNESS_H
#define SFJWT_TEST_HARNESS_H

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfjwt.h"

static int harness_cases_passed;
static int harness_cases_failed;
static int harness_case_failures;

static inline void harness_check(int ok, const char *what, const char *file, int line) {
    if (!ok) {
        harness_case_failures++;
        fprintf(stdout, "    %s:%d: CHECK failed: %s\n", file, line, what);
    }
}

#define CHECK(cond) harness_check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/* NULL-safe string checks. */
static inline int str_eq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}
static inline int str_has(const char *haystack, const char *needle) {
    return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}
static inline int str_starts(const char *text, const char *prefix) {
    return text != NULL && prefix != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

#define CHECK_STR(a, b) CHECK(str_eq((a), (b)))
#define CHECK_HAS(text, part) CHECK(str_has((text), (part)))

/* Checks that a fallible call succeeded; prints and frees the error otherwise. */
static inline void harness_expect_ok(sfjwt_error *error, const char *what, const char *file,
                                     int line) {
    if (error != NULL) {
        fprintf(stdout, "    error %s: %s\n", sfjwt_error_code_name(error),
                sfjwt_error_message(error));
    }
    harness_check(error == NULL, what, file, line);
    sfjwt_error_free(&error);
}

/* Checks that a fallible call failed with `code` and that the message contains
 * `part` (unless `part` is NULL); frees the error. */
static inline void harness_expect_error(sfjwt_error *error, sfjwt_code code, const char *part,
                                        const char *what, const char *file, int line) {
    harness_check(sfjwt_error_code(error) == code, what, file, line);
    if (part != NULL) {
        harness_check(str_has(sfjwt_error_message(error), part), part, file, line);
    }
    if (sfjwt_error_code(error) != code || (part != NULL && !str_has(sfjwt_error_message(error), part))) {
        fprintf(stdout, "    got %s: %s\n", sfjwt_error_code_name(error),
                sfjwt_error_message(error));
    }
    sfjwt_error_free(&error);
}

#define CHECK_OK(call) harness_expect_ok((call), #call, __FILE__, __LINE__)
#define CHECK_FAILS(call, code, part)                                                      \
    harness_expect_error((call), (code), (part), #call, __FILE__, __LINE__)

static inline void harness_run(const char *name, void (*test)(void)) {
    harness_case_failures = 0;
    test();
    if (harness_case_failures == 0) {
        harness_cases_passed++;
        fprintf(stdout, "ok - %s\n", name);
    } else {
        harness_cases_failed++;
        fprintf(stdout, "FAIL - %s\n", name);
    }
    fflush(stdout);
}

#define RUN(test) harness_run(#test, test)

/* Prints the closing line; the exit status of the program. */
static inline int harness_finish(void) {
    fprintf(stdout, "%d passed, %d failed\n", harness_cases_passed, harness_cases_failed);
    fflush(stdout);
    return harness_cases_failed == 0 ? 0 : 1;
}

/* A setting from the environment that tests/c_abi.rs prepared. */
static inline const char *test_env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL) {
        fprintf(stderr, "%s is not set: run these programs through tests/c_abi.rs (make c-test)\n",
                name);
        exit(2);
    }
    return value;
}

/* The path of a fixture under tests/fixtures, in a caller's buffer. */
static inline const char *fixture(char *buffer, size_t size, const char *name) {
    snprintf(buffer, size, "%s/%s", test_env("SFJWT_TEST_FIXTURES"), name);
    return buffer;
}

/* A configuration for `subject` at the emulator, signing with `keystore` (a
 * fixture) opened with `password`; no retries. The caller frees it. */
static inline sfjwt_config *test_config(const char *subject, const char *keystore,
                                 const char *password) {
    char path[4096];
    sfjwt_config *cfg = sfjwt_config_new();
    CHECK(cfg != NULL);
    CHECK_OK(sfjwt_config_set(cfg, "issuer", test_env("SFJWT_TEST_ISSUER")));
    CHECK_OK(sfjwt_config_set(cfg, "subject", subject));
    CHECK_OK(sfjwt_config_set(cfg, "login_url", test_env("SFJWT_TEST_LOGIN_URL")));
    CHECK_OK(sfjwt_config_set(cfg, "keystore_path", fixture(path, sizeof path, keystore)));
    CHECK_OK(sfjwt_config_set(cfg, "keystore_password", password));
    CHECK_OK(sfjwt_config_set(cfg, "ca_file", test_env("SFJWT_TEST_CA_FILE")));
    CHECK_OK(sfjwt_config_set(cfg, "retries", "0"));
    CHECK_OK(sfjwt_config_set(cfg, "timeout_secs", "30"));
    return cfg;
}

/* The approved user with the JKS of the connected app. */
static inline sfjwt_config *approved_config(void) {
    return test_config(test_env("SFJWT_TEST_SUBJECT"), "jks-same.jks",
                       test_env("SFJWT_TEST_STORE_PASSWORD"));
}

#endif /* SFJWT_TEST_HARNESS_H */
