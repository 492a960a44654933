/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * A panic inside the library never reaches C: the test-only entry point (cargo
 * feature `testing`) panics under the guard and returns INTERNAL, and the library
 * keeps working; and every error code reaches C with its value and name
 * (sfjwt_testing_error). */
#include "harness.h"

#ifndef SFJWT_TESTING
#error "compile with -DSFJWT_TESTING against a library built with --features testing"
#endif

static void panic_becomes_internal(void) {
    for (int i = 0; i < 3; i++) {
        sfjwt_error *error = sfjwt_testing_panic();
        CHECK(error != NULL);
        CHECK(sfjwt_error_code(error) == SFJWT_CODE_INTERNAL);
        CHECK(sfjwt_error_code(error) == 99);
        CHECK_STR(sfjwt_error_code_name(error), "INTERNAL");
        CHECK_HAS(sfjwt_error_message(error), "panic");
        CHECK_HAS(sfjwt_error_message(error), "sfjwt_testing_panic was called");
        CHECK(sfjwt_error_salesforce_error(error) == NULL);
        sfjwt_error_free(&error);
    }
}

static void library_works_after_a_panic(void) {
    sfjwt_error *error = sfjwt_testing_panic();
    sfjwt_error_free(&error);
    sfjwt_config *cfg = sfjwt_config_new();
    CHECK(cfg != NULL);
    CHECK_OK(sfjwt_config_set(cfg, "issuer", "3MVG9"));
    CHECK_FAILS(sfjwt_config_set(cfg, "retries", "eleven"), SFJWT_CODE_CONFIG, "retries");
    sfjwt_config_free(&cfg);
}

/* Every code of design.md, as sfjwt_testing_error makes a sample of it: its value, its
 * name and the fields C reads. */
static void every_code_reaches_c_with_its_value_and_name(void) {
    static const struct {
        enum sfjwt_code code;
        const char *name;
    } codes[] = {
        {SFJWT_CODE_CONFIG, "CONFIG"},
        {SFJWT_CODE_KEYSTORE_IO, "KEYSTORE_IO"},
        {SFJWT_CODE_KEYSTORE_FORMAT, "KEYSTORE_FORMAT"},
        {SFJWT_CODE_KEYSTORE_PASSWORD, "KEYSTORE_PASSWORD"},
        {SFJWT_CODE_ALIAS_NOT_FOUND, "ALIAS_NOT_FOUND"},
        {SFJWT_CODE_NOT_A_PRIVATE_KEY, "NOT_A_PRIVATE_KEY"},
        {SFJWT_CODE_KEY_PASSWORD, "KEY_PASSWORD"},
        {SFJWT_CODE_UNSUPPORTED_KEY, "UNSUPPORTED_KEY"},
        {SFJWT_CODE_NETWORK, "NETWORK"},
        {SFJWT_CODE_TIMEOUT, "TIMEOUT"},
        {SFJWT_CODE_TLS, "TLS"},
        {SFJWT_CODE_AUTH_REJECTED, "AUTH_REJECTED"},
        {SFJWT_CODE_HTTP, "HTTP"},
        {SFJWT_CODE_PROTOCOL, "PROTOCOL"},
        {SFJWT_CODE_API, "API"},
        {SFJWT_CODE_INTERNAL, "INTERNAL"},
    };
    size_t found = 0;
    for (uint32_t value = 0; value <= 100; value++) {
        sfjwt_error *error = sfjwt_testing_error(value);
        size_t i = 0;
        while (i < sizeof codes / sizeof codes[0] && (uint32_t)codes[i].code != value) {
            i++;
        }
        if (i == sizeof codes / sizeof codes[0]) {
            CHECK(error == NULL); /* no code has this value, SFJWT_CODE_OK among them */
            continue;
        }
        found++;
        CHECK(error != NULL);
        CHECK(sfjwt_error_code(error) == codes[i].code);
        CHECK_STR(sfjwt_error_code_name(error), codes[i].name);
        CHECK(sfjwt_error_message(error) != NULL && sfjwt_error_message(error)[0] != '\0');
        if (codes[i].code == SFJWT_CODE_AUTH_REJECTED) {
            CHECK_STR(sfjwt_error_salesforce_error(error), "invalid_grant");
            CHECK(sfjwt_error_http_status(error) == 400);
        } else if (codes[i].code == SFJWT_CODE_API) {
            CHECK_STR(sfjwt_error_api_error_code(error), "INVALID_SESSION_ID");
            CHECK(sfjwt_error_http_status(error) == 401);
        } else if (codes[i].code == SFJWT_CODE_HTTP) {
            CHECK(sfjwt_error_http_status(error) == 503);
        } else {
            CHECK(sfjwt_error_salesforce_error(error) == NULL);
        }
        sfjwt_error_free(&error);
    }
    CHECK(found == sizeof codes / sizeof codes[0]);
}

int main(void) {
    RUN(panic_becomes_internal);
    RUN(every_code_reaches_c_with_its_value_and_name);
    RUN(library_works_after_a_panic);
    return harness_finish();
}
