/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * A panic inside the library never reaches C: the test-only entry point (cargo
 * feature `testing`) panics under the guard and returns INTERNAL, and the library
 * keeps working. */
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

int main(void) {
    RUN(panic_becomes_internal);
    RUN(library_works_after_a_panic);
    return harness_finish();
}
