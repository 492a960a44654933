/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * What goes wrong, and what C sees of it: keystore errors (wrong store password,
 * missing alias, missing file, not a keystore), Salesforce's refusal of an
 * unapproved user with its error, description, status and hint, and a network
 * error; which HTTP 401 is a dead session. Outputs are never written on failure.
 * tests/c_abi.rs expects 0 logins. */
#include "harness.h"

/* Something that is not NULL, to prove that outputs are left alone. */
static int sentinel;
#define UNTOUCHED(type) ((type *)&sentinel)

static void wrong_store_password(void) {
    sfjwt_config *cfg = test_config(test_env("SFJWT_TEST_SUBJECT"), "jks-same.jks",
                                    "not-the-password-42");
    sfjwt_client *client = UNTOUCHED(sfjwt_client);
    sfjwt_error *error = sfjwt_client_new(cfg, &client);
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_KEYSTORE_PASSWORD);
    CHECK(sfjwt_error_code(error) == 12);
    CHECK_STR(sfjwt_error_code_name(error), "KEYSTORE_PASSWORD");
    CHECK_HAS(sfjwt_error_message(error), "jks-same.jks");
    CHECK(!str_has(sfjwt_error_message(error), "not-the-password-42"));
    CHECK(sfjwt_error_hint(error) == NULL);
    CHECK(client == UNTOUCHED(sfjwt_client));
    sfjwt_error_free(&error);

    /* The connection test reports it at its first step. */
    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(!sfjwt_report_ok(report));
    CHECK(sfjwt_report_step_count(report) == 1);
    CHECK_STR(sfjwt_report_step_name(report, 0), "load key");
    CHECK(!sfjwt_report_step_ok(report, 0));
    CHECK(sfjwt_error_code(sfjwt_report_error(report)) == SFJWT_CODE_KEYSTORE_PASSWORD);
    CHECK_HAS(sfjwt_report_summary(report), "FAILED at step \"load key\"");
    sfjwt_report_free(&report);
    sfjwt_config_free(&cfg);
}

static void missing_alias(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set(cfg, "key_alias", "no_such_alias"));
    sfjwt_client *client = UNTOUCHED(sfjwt_client);
    sfjwt_error *error = sfjwt_client_new(cfg, &client);
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_ALIAS_NOT_FOUND);
    CHECK(sfjwt_error_code(error) == 13);
    CHECK_HAS(sfjwt_error_message(error), "no_such_alias");
    CHECK_HAS(sfjwt_error_message(error), "talend_certificate");
    CHECK(client == UNTOUCHED(sfjwt_client));
    sfjwt_error_free(&error);
    sfjwt_config_free(&cfg);
}

static void keystore_file_problems(void) {
    sfjwt_config *cfg = test_config(test_env("SFJWT_TEST_SUBJECT"), "no-such-file.jks",
                                    "changeit1");
    sfjwt_client *client = NULL;
    CHECK_FAILS(sfjwt_client_new(cfg, &client), SFJWT_CODE_KEYSTORE_IO, "no-such-file.jks");
    CHECK(client == NULL);
    sfjwt_config_free(&cfg);

    cfg = test_config(test_env("SFJWT_TEST_SUBJECT"), "not-a-keystore.txt", "changeit1");
    CHECK_FAILS(sfjwt_client_new(cfg, &client), SFJWT_CODE_KEYSTORE_FORMAT,
                "not-a-keystore.txt");
    CHECK(client == NULL);
    sfjwt_config_free(&cfg);
}

static void check_unapproved(const sfjwt_error *error) {
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_AUTH_REJECTED);
    CHECK(sfjwt_error_code(error) == 30);
    CHECK_STR(sfjwt_error_code_name(error), "AUTH_REJECTED");
    CHECK_STR(sfjwt_error_salesforce_error(error), "invalid_grant");
    CHECK_STR(sfjwt_error_salesforce_error_description(error),
              "user hasn't approved this consumer");
    CHECK(sfjwt_error_http_status(error) == 400);
    CHECK_HAS(sfjwt_error_hint(error), "approve");
    CHECK_HAS(sfjwt_error_hint(error), "/services/oauth2/authorize");
    CHECK_HAS(sfjwt_error_message(error), "user hasn't approved this consumer");
    CHECK(sfjwt_error_api_error_code(error) == NULL);
}

static void unapproved_user(void) {
    sfjwt_config *cfg = test_config("new@example.com", "jks-same.jks",
                                    test_env("SFJWT_TEST_STORE_PASSWORD"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = UNTOUCHED(sfjwt_token);
    sfjwt_error *error = sfjwt_client_token(client, &token);
    check_unapproved(error);
    CHECK(token == UNTOUCHED(sfjwt_token));
    sfjwt_error_free(&error);
    sfjwt_client_free(&client);

    /* The connection test: it runs (no error), fails at the token request, and
     * lends its error out. */
    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(!sfjwt_report_ok(report));
    CHECK(sfjwt_report_step_count(report) == 3);
    CHECK(sfjwt_report_step_ok(report, 0));
    CHECK(sfjwt_report_step_ok(report, 1));
    CHECK_STR(sfjwt_report_step_name(report, 2), "token request");
    CHECK(!sfjwt_report_step_ok(report, 2));
    CHECK_HAS(sfjwt_report_step_detail(report, 2), "invalid_grant");
    check_unapproved(sfjwt_report_error(report));
    CHECK(sfjwt_report_api_version(report) == NULL);
    CHECK(sfjwt_report_instance_url(report) == NULL);
    CHECK_HAS(sfjwt_report_summary(report), "FAILED at step \"token request\"");
    CHECK_HAS(sfjwt_report_summary(report), "How to fix:");
    sfjwt_report_free(&report);
    sfjwt_config_free(&cfg);
}

static void unreachable_login_url(void) {
    sfjwt_config *cfg = approved_config();
    /* Port 1 on loopback: refused at once. */
    CHECK_OK(sfjwt_config_set(cfg, "login_url", "https://127.0.0.1:1"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_FAILS(sfjwt_client_token(client, &token), SFJWT_CODE_NETWORK, "127.0.0.1:1");
    CHECK(token == NULL);
    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
}

/* Only Salesforce's errorCode INVALID_SESSION_ID on a 401 calls for a new login; the
 * code inside a message, another status or a page does not. */
#define BODY(text) (const uint8_t *)(text), strlen(text)
static void which_401_is_a_dead_session(void) {
    const char *dead = "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";
    CHECK(sfjwt_is_invalid_session(401, BODY(dead)));
    CHECK(sfjwt_is_invalid_session(401, BODY("[{\"errorCode\":\"X\"},{\"errorCode\":\"INVALID_SESSION_ID\"}]")));
    CHECK(!sfjwt_is_invalid_session(403, BODY(dead)));
    CHECK(!sfjwt_is_invalid_session(
        401, BODY("[{\"message\":\"\\\"errorCode\\\":\\\"INVALID_SESSION_ID\\\"\",\"errorCode\":\"INSUFFICIENT_ACCESS\"}]")));
    CHECK(!sfjwt_is_invalid_session(401, BODY("<html>INVALID_SESSION_ID</html>")));
    CHECK(!sfjwt_is_invalid_session(401, BODY("[{\"errorCode\":\"INVALID_SESSION_ID\"")));
    /* Only the first len bytes count: the rest of the buffer is not read. */
    CHECK(!sfjwt_is_invalid_session(401, (const uint8_t *)dead, strlen(dead) - 1));
    CHECK(!sfjwt_is_invalid_session(401, NULL, 0));
    CHECK(!sfjwt_is_invalid_session(401, NULL, 10));
}

int main(void) {
    RUN(wrong_store_password);
    RUN(missing_alias);
    RUN(keystore_file_problems);
    RUN(unapproved_user);
    RUN(unreachable_login_url);
    RUN(which_401_is_a_dead_session);
    return harness_finish();
}
