/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * External Client Apps on a My Domain: a configuration of only my_domain, issuer,
 * subject and a keystore logs in to the emulator's External Client App and to its
 * connected app; an explicit generic audience against the ECA is AUTH_REJECTED with
 * a hint naming my_domain. tests/c_abi.rs expects 4 logins and 7 token requests. */
#include "harness.h"

/* Only my_domain, issuer, subject and the keystore (and the emulator's CA). */
static sfjwt_config *my_domain_config(const char *issuer) {
    char path[4096];
    sfjwt_config *cfg = sfjwt_config_new();
    CHECK(cfg != NULL);
    CHECK_OK(sfjwt_config_set(cfg, "my_domain", test_env("SFJWT_TEST_MY_DOMAIN")));
    CHECK_OK(sfjwt_config_set(cfg, "issuer", issuer));
    CHECK_OK(sfjwt_config_set(cfg, "subject", test_env("SFJWT_TEST_SUBJECT")));
    CHECK_OK(sfjwt_config_set(cfg, "keystore_path", fixture(path, sizeof path, "jks-same.jks")));
    CHECK_OK(sfjwt_config_set(cfg, "keystore_password", test_env("SFJWT_TEST_STORE_PASSWORD")));
    CHECK_OK(sfjwt_config_set(cfg, "ca_file", test_env("SFJWT_TEST_CA_FILE")));
    CHECK_OK(sfjwt_config_set(cfg, "retries", "0"));
    return cfg;
}

/* Login 1, one token request: the My Domain is the ECA's audience. */
static void my_domain_alone_logs_in_to_an_external_client_app(void) {
    sfjwt_config *cfg = my_domain_config(test_env("SFJWT_TEST_ECA_ISSUER"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_config_free(&cfg);
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    CHECK_STR(sfjwt_token_instance_url(token), test_env("SFJWT_TEST_MY_DOMAIN"));
    CHECK(str_starts(sfjwt_token_access_token(token), "00D"));
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);
}

/* Logins 2 and 3: the connected app refuses the My Domain as audience, so the first
 * login takes two token requests; the client remembers, and the next takes one. */
static void the_same_settings_log_in_to_a_connected_app(void) {
    sfjwt_config *cfg = my_domain_config(test_env("SFJWT_TEST_ISSUER"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_config_free(&cfg);
    for (int login = 0; login < 2; login++) {
        sfjwt_token *token = NULL;
        CHECK_OK(sfjwt_client_token(client, &token));
        CHECK_STR(sfjwt_token_instance_url(token), test_env("SFJWT_TEST_MY_DOMAIN"));
        sfjwt_token_free(&token);
        CHECK_OK(sfjwt_client_invalidate(client));
    }
    sfjwt_client_free(&client);
}

/* No login, one token request: an explicit audience is sent alone. */
static void an_explicit_generic_audience_is_refused_with_a_hint_naming_my_domain(void) {
    sfjwt_config *cfg = my_domain_config(test_env("SFJWT_TEST_ECA_ISSUER"));
    CHECK_OK(sfjwt_config_set(cfg, "audience", "https://login.salesforce.com"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_config_free(&cfg);
    sfjwt_token *token = NULL;
    sfjwt_error *error = sfjwt_client_token(client, &token);
    CHECK(token == NULL);
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_AUTH_REJECTED);
    CHECK_STR(sfjwt_error_salesforce_error(error), "app_not_found");
    CHECK_STR(sfjwt_error_salesforce_error_description(error),
              "External client app is not installed in this org");
    CHECK_HAS(sfjwt_error_hint(error), "my_domain");
    CHECK(sfjwt_error_http_status(error) == 400);
    sfjwt_error_free(&error);
    sfjwt_client_free(&client);
}

/* Login 4, two token requests, both in the token step's detail. */
static void the_connection_test_reports_both_token_requests(void) {
    sfjwt_config *cfg = my_domain_config(test_env("SFJWT_TEST_ISSUER"));
    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(sfjwt_report_ok(report));
    CHECK_STR(sfjwt_report_step_name(report, 2), "token request");
    CHECK_HAS(sfjwt_report_step_detail(report, 2), "audience is invalid");
    CHECK_HAS(sfjwt_report_step_detail(report, 2), "aud https://login.salesforce.com: token");
    CHECK_STR(sfjwt_report_instance_url(report), test_env("SFJWT_TEST_MY_DOMAIN"));
    sfjwt_report_free(&report);
    sfjwt_config_free(&cfg);
}

int main(void) {
    RUN(my_domain_alone_logs_in_to_an_external_client_app);
    RUN(the_same_settings_log_in_to_a_connected_app);
    RUN(an_explicit_generic_audience_is_refused_with_a_hint_naming_my_domain);
    RUN(the_connection_test_reports_both_token_requests);
    return harness_finish();
}
