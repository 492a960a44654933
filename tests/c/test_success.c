/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * The happy path against the emulator: a token with every field, the token
 * cache, invalidation (whichever token, and only if still current), the
 * connection test and its report, a .properties file, and the CONFIG errors of
 * bad settings, a token_cache_dir, a keystore given as bytes, and the log callback.
 * tests/c_abi.rs expects 10 logins. */
#include "harness.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static void version_is_set(void) {
    const char *version = sfjwt_version();
    CHECK(version != NULL);
    CHECK(version != NULL && strlen(version) >= 5);
    CHECK_HAS(version, ".");
}

/* Login 1, then the cache; invalidation forces login 2; invalidating login 1's
 * token changes nothing, invalidating login 2's forces login 3. */
static void token_has_every_field_and_is_cached(void) {
    sfjwt_config *cfg = approved_config();
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    CHECK(client != NULL);
    sfjwt_config_free(&cfg);
    CHECK(cfg == NULL);

    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    CHECK(token != NULL);
    CHECK(str_starts(sfjwt_token_access_token(token), "00D"));
    CHECK(str_starts(sfjwt_token_instance_url(token), "https://127.0.0.1:"));
    CHECK_HAS(sfjwt_token_id(token), "/id/00D");
    CHECK_STR(sfjwt_token_token_type(token), "Bearer");
    CHECK_HAS(sfjwt_token_scope(token), "api");
    CHECK_HAS(sfjwt_token_id(token), sfjwt_token_org_id(token));
    CHECK(str_starts(sfjwt_token_org_id(token), "00D"));
    CHECK_HAS(sfjwt_token_id(token), sfjwt_token_user_id(token));

    sfjwt_token *cached = NULL;
    CHECK_OK(sfjwt_client_token(client, &cached));
    CHECK_STR(sfjwt_token_access_token(cached), sfjwt_token_access_token(token));
    sfjwt_token_free(&cached);
    CHECK(cached == NULL);

    CHECK_OK(sfjwt_client_invalidate(client));
    sfjwt_token *fresh = NULL;
    CHECK_OK(sfjwt_client_token(client, &fresh));
    CHECK(str_starts(sfjwt_token_access_token(fresh), "00D"));
    CHECK(strcmp(sfjwt_token_access_token(fresh), sfjwt_token_access_token(token)) != 0);

    /* What a thread that got HTTP 401 with a token calls: a stale token is no
     * longer current, so the fresh one stays. */
    CHECK_OK(sfjwt_client_invalidate_if_current(client, token));
    sfjwt_token *still = NULL;
    CHECK_OK(sfjwt_client_token(client, &still));
    CHECK_STR(sfjwt_token_access_token(still), sfjwt_token_access_token(fresh));
    sfjwt_token_free(&still);
    CHECK_OK(sfjwt_client_invalidate_if_current(client, fresh));
    sfjwt_token *third = NULL;
    CHECK_OK(sfjwt_client_token(client, &third));
    CHECK(strcmp(sfjwt_token_access_token(third), sfjwt_token_access_token(fresh)) != 0);
    sfjwt_token_free(&third);

    /* A token outlives its client. */
    sfjwt_client_free(&client);
    CHECK(client == NULL);
    CHECK_STR(sfjwt_token_token_type(fresh), "Bearer");
    sfjwt_token_free(&fresh);
    sfjwt_token_free(&token);
}

/* Login 4: the connection test never uses the cache. */
static void connection_test_passes(void) {
    sfjwt_config *cfg = approved_config();
    sfjwt_report *report = NULL;
    CHECK_OK(sfjwt_test_connection(cfg, &report));
    CHECK(report != NULL);
    CHECK(sfjwt_report_ok(report));
    CHECK(sfjwt_report_error(report) == NULL);
    CHECK(sfjwt_error_code(sfjwt_report_error(report)) == SFJWT_CODE_OK);

    static const char *const names[] = {"load key", "sign assertion", "token request",
                                        "identity", "API versions"};
    CHECK(sfjwt_report_step_count(report) == 5);
    for (size_t i = 0; i < 5; i++) {
        CHECK_STR(sfjwt_report_step_name(report, i), names[i]);
        CHECK(sfjwt_report_step_ok(report, i));
        CHECK(sfjwt_report_step_detail(report, i) != NULL);
        CHECK(sfjwt_report_step_duration_ms(report, i) < 60000);
    }
    CHECK_HAS(sfjwt_report_step_detail(report, 0), "talend_certificate");
    CHECK(sfjwt_report_step_name(report, 5) == NULL);
    CHECK(sfjwt_report_step_detail(report, 5) == NULL);
    CHECK(!sfjwt_report_step_ok(report, 5));
    CHECK(sfjwt_report_warning(report, sfjwt_report_warning_count(report)) == NULL);

    CHECK_STR(sfjwt_report_api_version(report), "62.0");
    CHECK(str_starts(sfjwt_report_instance_url(report), "https://127.0.0.1:"));
    CHECK_HAS(sfjwt_report_summary(report), "Connection test PASSED");
    CHECK_HAS(sfjwt_report_summary(report), "API version: 62.0");

    sfjwt_report_free(&report);
    CHECK(report == NULL);
    sfjwt_config_free(&cfg);
}

/* Login 5 for a client of the approved user; the same user from a .properties
 * file gets its cached token while it lives, no new login. */
static void properties_file_is_loaded(void) {
    sfjwt_config *approved = approved_config();
    sfjwt_client *keeper = NULL;
    CHECK_OK(sfjwt_client_new(approved, &keeper));
    sfjwt_config_free(&approved);
    sfjwt_token *kept = NULL;
    CHECK_OK(sfjwt_client_token(keeper, &kept));

    sfjwt_config *cfg = sfjwt_config_new();
    CHECK_OK(sfjwt_config_set(cfg, "retries", "1"));
    CHECK_OK(sfjwt_config_load_properties(cfg, test_env("SFJWT_TEST_PROPERTIES")));
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    CHECK_STR(sfjwt_token_token_type(token), "Bearer");
    CHECK_STR(sfjwt_token_access_token(token), sfjwt_token_access_token(kept));
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
    sfjwt_token_free(&kept);
    sfjwt_client_free(&keeper);
}

static void bad_properties_leave_the_config_unchanged(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.properties", test_env("SFJWT_TEST_WORK_DIR"));
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file != NULL) {
        fputs("subject=someone@else.com\nexpiration_secs=0\n", file);
        fclose(file);
    }
    sfjwt_config *cfg = approved_config();
    CHECK_FAILS(sfjwt_config_load_properties(cfg, path), SFJWT_CODE_CONFIG, "expiration_secs");
    CHECK_FAILS(sfjwt_config_load_properties(cfg, "/nonexistent/conn.properties"),
                SFJWT_CODE_CONFIG, "/nonexistent/conn.properties");
    /* Still the approved user: login 6 succeeds (the earlier clients are gone, and
     * the cached token with the last of them). */
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
}

static void bad_settings_are_config_errors(void) {
    sfjwt_config *cfg = sfjwt_config_new();
    CHECK_FAILS(sfjwt_config_set(cfg, "nonsense", "1"), SFJWT_CODE_CONFIG, "nonsense");
    CHECK_FAILS(sfjwt_config_set(cfg, "expiration_secs", "3601"), SFJWT_CODE_CONFIG,
                "expiration_secs");
    CHECK_FAILS(sfjwt_config_set(cfg, "login_url", "http://login.example.com"),
                SFJWT_CODE_CONFIG, "login_url");
    CHECK_FAILS(sfjwt_config_set(cfg, "subject", "caf\xe9"), SFJWT_CODE_CONFIG, "UTF-8");
    CHECK_FAILS(sfjwt_config_set(cfg, "subject", "caf\xe9"), SFJWT_CODE_CONFIG, "subject");
    CHECK_FAILS(sfjwt_config_set(cfg, "\xff", "x"), SFJWT_CODE_CONFIG, "'key'");
    CHECK_FAILS(sfjwt_config_load_properties(cfg, "\xfe.properties"), SFJWT_CODE_CONFIG,
                "UTF-8");
    CHECK_OK(sfjwt_config_set(cfg, "expiration_secs", ""));

    /* A password is never echoed, even when it is not UTF-8. */
    sfjwt_error *error = sfjwt_config_set(cfg, "keystore_password", "s3cr3t\xff");
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_CONFIG);
    CHECK(!str_has(sfjwt_error_message(error), "s3cr3t"));
    sfjwt_error_free(&error);

    /* Missing settings are named; nothing is written to client_out. */
    sfjwt_client *client = (sfjwt_client *)&error;
    error = sfjwt_client_new(cfg, &client);
    CHECK(sfjwt_error_code(error) == SFJWT_CODE_CONFIG);
    CHECK_STR(sfjwt_error_code_name(error), "CONFIG");
    CHECK_HAS(sfjwt_error_message(error), "'issuer'");
    CHECK(sfjwt_error_salesforce_error(error) == NULL);
    CHECK(sfjwt_error_salesforce_error_description(error) == NULL);
    CHECK(sfjwt_error_hint(error) == NULL);
    CHECK(sfjwt_error_api_error_code(error) == NULL);
    CHECK(sfjwt_error_http_status(error) == 0);
    CHECK(client == (sfjwt_client *)&error);
    sfjwt_error_free(&error);
    CHECK(error == NULL);

    sfjwt_report *report = NULL;
    CHECK_FAILS(sfjwt_test_connection(cfg, &report), SFJWT_CODE_CONFIG, "'issuer'");
    CHECK(report == NULL);
    sfjwt_config_free(&cfg);
}

/* Empties and removes a directory of plain files. */
static void remove_dir(const char *path) {
    DIR *dir = opendir(path);
    if (dir == NULL) {
        return;
    }
    struct dirent *entry;
    char file[4096];
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            snprintf(file, sizeof file, "%s/%s", path, entry->d_name);
            unlink(file);
        }
    }
    closedir(dir);
    rmdir(path);
}

/* Login 7. A token_cache_dir entry outlives its client: a client made after the last
 * one is freed (as one in another process would be) reads it instead of logging in.
 * A directory that other users can change is refused. */
static void token_cache_dir_serves_a_later_client(void) {
    char dir[] = "/tmp/sfjwt-c-tokens-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char tokens[sizeof dir + 16];
    snprintf(tokens, sizeof tokens, "%s/tokens", dir);
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set(cfg, "token_cache_dir", tokens));

    sfjwt_client *first = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &first));
    sfjwt_token *written = NULL;
    CHECK_OK(sfjwt_client_token(first, &written));
    sfjwt_client_free(&first); /* the in-process cache goes with its last client */

    sfjwt_client *later = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &later));
    sfjwt_token *read = NULL;
    CHECK_OK(sfjwt_client_token(later, &read));
    CHECK(read != NULL && written != NULL);
    if (read != NULL && written != NULL) {
        CHECK_STR(sfjwt_token_access_token(read), sfjwt_token_access_token(written));
    }
    sfjwt_token_free(&read);
    sfjwt_token_free(&written);
    sfjwt_client_free(&later);

    CHECK(chmod(tokens, 0777) == 0);
    sfjwt_client *refused = NULL;
    CHECK_FAILS(sfjwt_client_new(cfg, &refused), SFJWT_CODE_CONFIG, "token_cache_dir");
    CHECK(refused == NULL);
    sfjwt_config_free(&cfg);
    remove_dir(tokens);
    rmdir(dir);
}

/* The keystore file's bytes in a malloc'd buffer; *len gets their number. */
static unsigned char *read_fixture(const char *name, size_t *len) {
    char path[4096];
    FILE *file = fopen(fixture(path, sizeof path, name), "rb");
    CHECK(file != NULL);
    if (file == NULL) {
        return NULL;
    }
    unsigned char *bytes = malloc(1 << 16);
    *len = fread(bytes, 1, 1 << 16, file);
    fclose(file);
    return bytes;
}

/* Login 8: the keystore as bytes, as a secret store hands it out; errors name the
 * source; a path and data together are refused. */
static void keystore_data_logs_in(void) {
    size_t len = 0;
    unsigned char *keystore = read_fixture("jks-same.jks", &len);
    CHECK(keystore != NULL && len > 1000);
    if (keystore == NULL) {
        return;
    }

    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_config_set_keystore_data(cfg, keystore, len));
    /* approved_config() set keystore_path too. */
    sfjwt_client *client = NULL;
    CHECK_FAILS(sfjwt_client_new(cfg, &client), SFJWT_CODE_CONFIG, "keystore_path");
    CHECK(client == NULL);

    CHECK_OK(sfjwt_config_set(cfg, "keystore_path", ""));
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    CHECK(str_starts(sfjwt_token_access_token(token), "00D"));
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);

    CHECK_OK(sfjwt_config_set(cfg, "keystore_password", "wrong-password"));
    CHECK_FAILS(sfjwt_client_new(cfg, &client), SFJWT_CODE_KEYSTORE_PASSWORD,
                "keystore from sfjwt_config_set_keystore_data");
    /* A length of 0 clears it (NULL allowed); NULL with a length is refused. */
    CHECK_OK(sfjwt_config_set_keystore_data(cfg, NULL, 0));
    CHECK_FAILS(sfjwt_client_new(cfg, &client), SFJWT_CODE_CONFIG, "keystore_path");
    CHECK_FAILS(sfjwt_config_set_keystore_data(cfg, NULL, 10), SFJWT_CODE_CONFIG, "'data'");
    /* A length from a failed ftell ((size_t)-1): refused before anything is read. */
    CHECK_FAILS(sfjwt_config_set_keystore_data(cfg, keystore, (size_t)-1), SFJWT_CODE_CONFIG,
                "more than a keystore can be");
    CHECK_FAILS(sfjwt_config_set(cfg, "keystore_base64", "%%% not base64"), SFJWT_CODE_CONFIG,
                "keystore_base64");
    CHECK_OK(sfjwt_config_set_client_cert_data(cfg, keystore, len));

    memset(keystore, 0, len);
    free(keystore);
    sfjwt_config_free(&cfg);
}

/* What the log callback received: messages joined by newlines, and the levels seen. */
static char log_text[16384];
static int log_levels_seen[6];

static void collect_log(sfjwt_log_level level, const char *message, void *userdata) {
    CHECK(userdata == (void *)log_text);
    if ((int)level >= 0 && (int)level <= 5) {
        log_levels_seen[level]++;
    }
    strncat(log_text, message, sizeof log_text - strlen(log_text) - 2);
    strcat(log_text, "\n");
}

/* Logins 9 and 10: the first reaches the callback, the second (callback removed)
 * does not; no secret in any message. */
static void log_callback_gets_the_login(void) {
    CHECK_FAILS(sfjwt_set_log_callback(9, collect_log, NULL), SFJWT_CODE_CONFIG, "min_level");
    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_DEBUG, collect_log, log_text));

    sfjwt_config *cfg = approved_config();
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    char expected[512];
    snprintf(expected, sizeof expected, "logged in to %s as %s in ", test_env("SFJWT_TEST_LOGIN_URL"),
             test_env("SFJWT_TEST_SUBJECT"));
    CHECK_HAS(log_text, expected);
    CHECK_HAS(log_text, "logging in to ");
    CHECK(log_levels_seen[SFJWT_LOG_LEVEL_INFO] >= 1);
    CHECK(log_levels_seen[SFJWT_LOG_LEVEL_DEBUG] >= 1);
    CHECK(log_levels_seen[SFJWT_LOG_LEVEL_TRACE] == 0); /* below the minimum asked for */
    CHECK(!str_has(log_text, sfjwt_token_access_token(token)));
    CHECK(!str_has(log_text, test_env("SFJWT_TEST_STORE_PASSWORD")));
    sfjwt_token_free(&token);

    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_INFO, NULL, NULL));
    size_t before = strlen(log_text);
    CHECK_OK(sfjwt_client_invalidate(client));
    CHECK_OK(sfjwt_client_token(client, &token));
    CHECK(strlen(log_text) == before);
    sfjwt_token_free(&token);
    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
}

int main(void) {
    RUN(version_is_set);
    RUN(token_has_every_field_and_is_cached);
    RUN(connection_test_passes);
    RUN(properties_file_is_loaded);
    RUN(bad_properties_leave_the_config_unchanged);
    RUN(bad_settings_are_config_errors);
    RUN(token_cache_dir_serves_a_later_client);
    RUN(keystore_data_logs_in);
    RUN(log_callback_gets_the_login);
    return harness_finish();
}
