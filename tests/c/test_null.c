/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * NULL everywhere: every pointer argument of every function. Fallible functions
 * give a CONFIG error naming the argument, accessors give NULL / 0 / false,
 * _free is a no-op. No network: tests/c_abi.rs expects 0 logins. */
#include "harness.h"

static void fallible_functions_name_the_null_argument(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_FAILS(sfjwt_config_set(NULL, "issuer", "x"), SFJWT_CODE_CONFIG, "'cfg'");
    CHECK_FAILS(sfjwt_config_set(cfg, NULL, "x"), SFJWT_CODE_CONFIG, "'key'");
    CHECK_FAILS(sfjwt_config_set(cfg, "issuer", NULL), SFJWT_CODE_CONFIG, "'issuer'");
    CHECK_FAILS(sfjwt_config_set(NULL, NULL, NULL), SFJWT_CODE_CONFIG, "'cfg'");
    CHECK_FAILS(sfjwt_config_load_properties(NULL, "x.properties"), SFJWT_CODE_CONFIG, "'cfg'");
    CHECK_FAILS(sfjwt_config_load_properties(cfg, NULL), SFJWT_CODE_CONFIG, "'path'");
    CHECK_FAILS(sfjwt_config_set_keystore_data(NULL, (const uint8_t *)"x", 1), SFJWT_CODE_CONFIG,
                "'cfg'");
    CHECK_FAILS(sfjwt_config_set_client_cert_data(cfg, NULL, 1), SFJWT_CODE_CONFIG, "'data'");
    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_TRACE, NULL, NULL)); /* NULL: no events */

    sfjwt_client *client = NULL;
    CHECK_FAILS(sfjwt_client_new(NULL, &client), SFJWT_CODE_CONFIG, "'cfg'");
    CHECK(client == NULL);
    CHECK_FAILS(sfjwt_client_new(cfg, NULL), SFJWT_CODE_CONFIG, "'client_out'");

    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_FAILS(sfjwt_client_token(NULL, &token), SFJWT_CODE_CONFIG, "'client'");
    CHECK(token == NULL);
    CHECK_FAILS(sfjwt_client_token(client, NULL), SFJWT_CODE_CONFIG, "'token_out'");
    CHECK_FAILS(sfjwt_client_invalidate(NULL), SFJWT_CODE_CONFIG, "'client'");
    CHECK_FAILS(sfjwt_client_invalidate_if_current(client, NULL), SFJWT_CODE_CONFIG, "'token'");

    sfjwt_report *report = NULL;
    CHECK_FAILS(sfjwt_test_connection(NULL, &report), SFJWT_CODE_CONFIG, "'cfg'");
    CHECK(report == NULL);
    CHECK_FAILS(sfjwt_test_connection(cfg, NULL), SFJWT_CODE_CONFIG, "'report_out'");

    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
}

static void error_accessors_accept_null(void) {
    CHECK(sfjwt_error_code(NULL) == SFJWT_CODE_OK);
    CHECK(SFJWT_CODE_OK == 0);
    CHECK_STR(sfjwt_error_code_name(NULL), "OK");
    CHECK(sfjwt_error_message(NULL) == NULL);
    CHECK(sfjwt_error_salesforce_error(NULL) == NULL);
    CHECK(sfjwt_error_salesforce_error_description(NULL) == NULL);
    CHECK(sfjwt_error_hint(NULL) == NULL);
    CHECK(sfjwt_error_http_status(NULL) == 0);
    CHECK(sfjwt_error_api_error_code(NULL) == NULL);
}

static void token_accessors_accept_null(void) {
    CHECK(sfjwt_token_access_token(NULL) == NULL);
    CHECK(sfjwt_token_instance_url(NULL) == NULL);
    CHECK(sfjwt_token_id(NULL) == NULL);
    CHECK(sfjwt_token_token_type(NULL) == NULL);
    CHECK(sfjwt_token_scope(NULL) == NULL);
    CHECK(sfjwt_token_issued_at(NULL) == NULL);
    CHECK(sfjwt_token_org_id(NULL) == NULL);
    CHECK(sfjwt_token_user_id(NULL) == NULL);
}

static void report_accessors_accept_null(void) {
    CHECK(!sfjwt_report_ok(NULL));
    CHECK(sfjwt_report_step_count(NULL) == 0);
    CHECK(sfjwt_report_step_name(NULL, 0) == NULL);
    CHECK(!sfjwt_report_step_ok(NULL, 0));
    CHECK(sfjwt_report_step_duration_ms(NULL, 0) == 0);
    CHECK(sfjwt_report_step_detail(NULL, 0) == NULL);
    CHECK(sfjwt_report_warning_count(NULL) == 0);
    CHECK(sfjwt_report_warning(NULL, 0) == NULL);
    CHECK(sfjwt_report_api_version(NULL) == NULL);
    CHECK(sfjwt_report_instance_url(NULL) == NULL);
    CHECK(sfjwt_report_summary(NULL) == NULL);
    CHECK(sfjwt_report_error(NULL) == NULL);
}

static void free_accepts_null_and_writes_null_back(void) {
    sfjwt_config_free(NULL);
    sfjwt_client_free(NULL);
    sfjwt_token_free(NULL);
    sfjwt_report_free(NULL);
    sfjwt_error_free(NULL);

    sfjwt_config *cfg = NULL;
    sfjwt_client *client = NULL;
    sfjwt_token *token = NULL;
    sfjwt_report *report = NULL;
    sfjwt_error *error = NULL;
    sfjwt_config_free(&cfg);
    sfjwt_client_free(&client);
    sfjwt_token_free(&token);
    sfjwt_report_free(&report);
    sfjwt_error_free(&error);

    cfg = sfjwt_config_new();
    CHECK(cfg != NULL);
    sfjwt_config_free(&cfg);
    CHECK(cfg == NULL);
    sfjwt_config_free(&cfg); /* a second free through the same handle is a no-op */

    error = sfjwt_client_invalidate(NULL);
    CHECK(error != NULL);
    sfjwt_error_free(&error);
    CHECK(error == NULL);
    sfjwt_error_free(&error);
}

int main(void) {
    RUN(fallible_functions_name_the_null_argument);
    RUN(error_accessors_accept_null);
    RUN(token_accessors_accept_null);
    RUN(report_accessors_accept_null);
    RUN(free_accepts_null_and_writes_null_back);
    return harness_finish();
}
