/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * The C surface of the secrets audit (issue 8): every error path is taken with
 * distinctive passwords, a distinctive proxy password and a distinctive access
 * token, and no string C can read (error code name, message, Salesforce error and
 * description, hint, API error code; report summary, step names and details,
 * warnings) contains any of them, nor a JWT.
 *
 * tests/c_abi.rs makes the emulator answer every token request with a 200 whose
 * access token is SFJWT_TEST_CANARY_TOKEN: the token accessor is the one place it
 * may appear; the REST calls made with it fail (401), and their errors must not
 * repeat it. It expects 0 logins (the canary is not a login). */
#include "harness.h"

#define STORE_SECRET "Zx9-Store-Secret-7781"
#define KEY_SECRET "Qw4-Key-Secret-2290"
#define PROXY_SECRET "Pr0xy-Secret-5531"

static const char *const SECRETS[] = {STORE_SECRET, KEY_SECRET, PROXY_SECRET, "changeit1",
                                      "keypass2"};

/* True when `text` contains a secret, the canary token or a JWT; prints which. */
static int leaks(const char *text, const char *where) {
    if (text == NULL) {
        return 0;
    }
    const char *canary = test_env("SFJWT_TEST_CANARY_TOKEN");
    for (size_t i = 0; i < sizeof SECRETS / sizeof SECRETS[0]; i++) {
        if (strstr(text, SECRETS[i]) != NULL) {
            fprintf(stdout, "    %s contains the secret %s: %s\n", where, SECRETS[i], text);
            return 1;
        }
    }
    if (strstr(text, canary) != NULL) {
        fprintf(stdout, "    %s contains the access token: %s\n", where, text);
        return 1;
    }
    if (strstr(text, "eyJ") != NULL) {
        fprintf(stdout, "    %s contains a JWT: %s\n", where, text);
        return 1;
    }
    return 0;
}

/* Every string of an error. */
static int error_leaks(const sfjwt_error *error) {
    return leaks(sfjwt_error_code_name(error), "code name") ||
           leaks(sfjwt_error_message(error), "message") ||
           leaks(sfjwt_error_salesforce_error(error), "salesforce error") ||
           leaks(sfjwt_error_salesforce_error_description(error), "description") ||
           leaks(sfjwt_error_hint(error), "hint") ||
           leaks(sfjwt_error_api_error_code(error), "API error code");
}

/* Every string of a report, its error included. */
static int report_leaks(const sfjwt_report *report) {
    int leaked = leaks(sfjwt_report_summary(report), "summary") ||
                 leaks(sfjwt_report_api_version(report), "API version") ||
                 leaks(sfjwt_report_instance_url(report), "instance URL") ||
                 error_leaks(sfjwt_report_error(report));
    for (size_t i = 0; i < sfjwt_report_step_count(report); i++) {
        leaked |= leaks(sfjwt_report_step_name(report, i), "step name") ||
                  leaks(sfjwt_report_step_detail(report, i), "step detail");
    }
    for (size_t i = 0; i < sfjwt_report_warning_count(report); i++) {
        leaked |= leaks(sfjwt_report_warning(report, i), "warning");
    }
    return leaked;
}

/* Expects `error` to have `code` and to leak nothing; frees it. */
static void expect_clean_error(sfjwt_error *error, sfjwt_code code) {
    CHECK(sfjwt_error_code(error) == code);
    if (sfjwt_error_code(error) != code) {
        fprintf(stdout, "    got %s: %s\n", sfjwt_error_code_name(error),
                sfjwt_error_message(error));
    }
    CHECK(!error_leaks(error));
    sfjwt_error_free(&error);
}

/* The client and the connection test both fail with `code`, leaking nothing. */
static void expect_clean_failure(const sfjwt_config *cfg, sfjwt_code code) {
    sfjwt_client *client = NULL;
    sfjwt_error *error = sfjwt_client_new(cfg, &client);
    if (error == NULL) {
        sfjwt_token *token = NULL;
        error = sfjwt_client_token(client, &token);
        CHECK(token == NULL);
        sfjwt_token_free(&token);
    }
    expect_clean_error(error, code);
    sfjwt_client_free(&client);

    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(!sfjwt_report_ok(report));
    CHECK(sfjwt_error_code(sfjwt_report_error(report)) == code);
    CHECK(!report_leaks(report));
    sfjwt_report_free(&report);
}

static void wrong_store_password(void) {
    sfjwt_config *cfg = test_config(test_env("SFJWT_TEST_SUBJECT"), "jks-same.jks", STORE_SECRET);
    expect_clean_failure(cfg, SFJWT_CODE_KEYSTORE_PASSWORD);
    sfjwt_config_free(&cfg);
}

static void wrong_key_password(void) {
    sfjwt_config *cfg = test_config(test_env("SFJWT_TEST_SUBJECT"), "jks-diffkey.jks",
                                    test_env("SFJWT_TEST_STORE_PASSWORD"));
    CHECK_OK(sfjwt_config_set(cfg, "key_password", KEY_SECRET));
    expect_clean_failure(cfg, SFJWT_CODE_KEY_PASSWORD);
    sfjwt_config_free(&cfg);
}

static void missing_alias(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set(cfg, "key_alias", "no_such_alias"));
    CHECK_OK(sfjwt_config_set(cfg, "key_password", KEY_SECRET));
    expect_clean_failure(cfg, SFJWT_CODE_ALIAS_NOT_FOUND);
    sfjwt_config_free(&cfg);
}

static void bad_settings(void) {
    sfjwt_config *cfg = sfjwt_config_new();
    /* A proxy URL whose credentials are fine but whose scheme is not. */
    expect_clean_error(
        sfjwt_config_set(cfg, "proxy_url", "ftp://etl:" PROXY_SECRET "@127.0.0.1:1"),
        SFJWT_CODE_CONFIG);
    /* An unknown key holding a password. */
    expect_clean_error(sfjwt_config_set(cfg, "keystore_pasword", STORE_SECRET),
                       SFJWT_CODE_CONFIG);
    sfjwt_config_free(&cfg);

    /* The same, and a line that is not key=value, in a .properties file. */
    char path[4096];
    snprintf(path, sizeof path, "%s/secrets.properties", test_env("SFJWT_TEST_WORK_DIR"));
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file != NULL) {
        fputs("keystore_password=" STORE_SECRET "\nkeystore_pasword=" STORE_SECRET
              "\nkey_password=" KEY_SECRET "\n",
              file);
        fclose(file);
    }
    cfg = sfjwt_config_new();
    expect_clean_error(sfjwt_config_load_properties(cfg, path), SFJWT_CODE_CONFIG);
    sfjwt_config_free(&cfg);

    /* Required keys missing, passwords set. */
    cfg = sfjwt_config_new();
    CHECK_OK(sfjwt_config_set(cfg, "keystore_password", STORE_SECRET));
    CHECK_OK(sfjwt_config_set(cfg, "key_password", KEY_SECRET));
    sfjwt_client *client = NULL;
    expect_clean_error(sfjwt_client_new(cfg, &client), SFJWT_CODE_CONFIG);
    CHECK(client == NULL);
    sfjwt_config_free(&cfg);
}

static void proxy_unreachable(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set(cfg, "proxy_url", "http://etl:" PROXY_SECRET "@127.0.0.1:1"));
    /* Loopback targets are never proxied: a name only a proxy could reach. */
    CHECK_OK(sfjwt_config_set(cfg, "login_url", "https://emulator.sfjwt.test"));
    expect_clean_failure(cfg, SFJWT_CODE_NETWORK);
    sfjwt_config_free(&cfg);
}

static void untrusted_server(void) {
    char path[4096];
    sfjwt_config *cfg = approved_config();
    /* A valid PEM certificate, but not the emulator's CA. */
    CHECK_OK(sfjwt_config_set(
        cfg, "ca_file", fixture(path, sizeof path, "certs/jks-same.talend_certificate.crt")));
    expect_clean_failure(cfg, SFJWT_CODE_TLS);
    sfjwt_config_free(&cfg);
}

static void token_used_after_login(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set(cfg, "token_cache", "false"));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    /* The one place the token may appear. */
    CHECK_STR(sfjwt_token_access_token(token), test_env("SFJWT_TEST_CANARY_TOKEN"));
    CHECK(!leaks(sfjwt_token_instance_url(token), "instance URL"));
    CHECK(!leaks(sfjwt_token_id(token), "identity URL"));
    CHECK(!leaks(sfjwt_token_scope(token), "scope"));
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);

    /* The emulator does not know the token: identity fails with 401. */
    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(!sfjwt_report_ok(report));
    CHECK(sfjwt_error_code(sfjwt_report_error(report)) == SFJWT_CODE_API);
    CHECK(sfjwt_error_http_status(sfjwt_report_error(report)) == 401 ||
          sfjwt_error_http_status(sfjwt_report_error(report)) == 0);
    CHECK(!report_leaks(report));
    if (report_leaks(report)) {
        fprintf(stdout, "%s", sfjwt_report_summary(report));
    }
    sfjwt_report_free(&report);
    sfjwt_config_free(&cfg);
}

int main(void) {
    RUN(wrong_store_password);
    RUN(wrong_key_password);
    RUN(missing_alias);
    RUN(bad_settings);
    RUN(proxy_unreachable);
    RUN(untrusted_server);
    RUN(token_used_after_login);
    return harness_finish();
}
