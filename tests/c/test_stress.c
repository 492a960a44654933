/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * Many threads creating, using and freeing clients at once: each of THREADS
 * threads, for SFJWT_TEST_STRESS_ITERATIONS rounds (tests/c_abi.rs sets fewer
 * under valgrind), makes a configuration, a client from it, frees the
 * configuration, asks for a token, invalidates it, asks again, runs the
 * connection test, triggers an error and frees everything. The clients of all
 * threads share the process-wide token cache (same org, user and key), so
 * tokens, invalidations and logins race across threads. Run under valgrind and
 * AddressSanitizer by tests/c_abi.rs, which checks the emulator's login count. */
#include "harness.h"

#include <pthread.h>

#define THREADS 8

struct worker {
    int index;
    int iterations;
    pthread_barrier_t *start;
    int tokens;
    int reports;
    int failures;
};

static void note_failure(struct worker *worker, const char *what, sfjwt_error *error) {
    worker->failures++;
    fprintf(stdout, "    thread %d: %s: %s: %s\n", worker->index, what,
            sfjwt_error_code_name(error), sfjwt_error_message(error));
}

static int token_ok(struct worker *worker, const sfjwt_client *client) {
    sfjwt_token *token = NULL;
    sfjwt_error *error = sfjwt_client_token(client, &token);
    int ok = error == NULL && str_starts(sfjwt_token_access_token(token), "00D") &&
             str_starts(sfjwt_token_instance_url(token), "https://127.0.0.1:");
    if (!ok) {
        note_failure(worker, "token", error);
    }
    sfjwt_token_free(&token);
    sfjwt_error_free(&error);
    return ok;
}

/* The approved user's configuration, built without the harness's CHECKs (they
 * count failures in globals, which only the main thread may touch). */
static sfjwt_config *stress_config(struct worker *worker, int cache) {
    char path[4096];
    const char *settings[][2] = {
        {"issuer", test_env("SFJWT_TEST_ISSUER")},
        {"subject", test_env("SFJWT_TEST_SUBJECT")},
        {"login_url", test_env("SFJWT_TEST_LOGIN_URL")},
        {"keystore_path", fixture(path, sizeof path, "jks-same.jks")},
        {"keystore_password", test_env("SFJWT_TEST_STORE_PASSWORD")},
        {"ca_file", test_env("SFJWT_TEST_CA_FILE")},
        {"retries", "0"},
        {"timeout_secs", "60"},
        {"token_cache", cache ? "true" : "false"},
    };
    sfjwt_config *cfg = sfjwt_config_new();
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        sfjwt_error *error = sfjwt_config_set(cfg, settings[i][0], settings[i][1]);
        if (error != NULL) {
            note_failure(worker, settings[i][0], error);
        }
        sfjwt_error_free(&error);
    }
    return cfg;
}

static void *work(void *argument) {
    struct worker *worker = argument;
    pthread_barrier_wait(worker->start);
    for (int round = 0; round < worker->iterations; round++) {
        /* Half the rounds without the cache: a login of their own. */
        sfjwt_config *cfg = stress_config(worker, round % 2 == 0);
        sfjwt_client *client = NULL;
        sfjwt_error *error = sfjwt_client_new(cfg, &client);
        sfjwt_config_free(&cfg);
        if (error != NULL) {
            note_failure(worker, "client_new", error);
            sfjwt_error_free(&error);
            continue;
        }

        worker->tokens += token_ok(worker, client);
        error = sfjwt_client_invalidate(client);
        if (error != NULL) {
            note_failure(worker, "invalidate", error);
        }
        sfjwt_error_free(&error);
        worker->tokens += token_ok(worker, client);

        /* The connection test from a fresh configuration, while the client lives. */
        sfjwt_config *test_cfg = stress_config(worker, 1);
        sfjwt_report *report = NULL;
        error = sfjwt_test_connection(test_cfg, &report);
        if (error != NULL || !sfjwt_report_ok(report) ||
            !str_has(sfjwt_report_summary(report), "PASSED")) {
            note_failure(worker, "test_connection",
                         error != NULL ? error : (sfjwt_error *)sfjwt_report_error(report));
        } else {
            worker->reports++;
        }
        sfjwt_error_free(&error);
        sfjwt_report_free(&report);
        sfjwt_config_free(&test_cfg);

        /* An error made and freed on this thread too. */
        sfjwt_config *bad = sfjwt_config_new();
        error = sfjwt_config_set(bad, "expiration_secs", "0");
        if (sfjwt_error_code(error) != SFJWT_CODE_CONFIG ||
            !str_has(sfjwt_error_message(error), "expiration_secs")) {
            note_failure(worker, "config error", error);
        }
        sfjwt_error_free(&error);
        sfjwt_config_free(&bad);

        sfjwt_client_free(&client);
    }
    return NULL;
}

static void threads_create_use_and_free_clients(void) {
    const char *setting = getenv("SFJWT_TEST_STRESS_ITERATIONS");
    int iterations = setting != NULL ? atoi(setting) : 10;
    CHECK(iterations > 0);

    pthread_barrier_t start;
    CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].index = i;
        workers[i].iterations = iterations;
        workers[i].start = &start;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    pthread_barrier_destroy(&start);

    int tokens = 0;
    int reports = 0;
    for (int i = 0; i < THREADS; i++) {
        CHECK(workers[i].failures == 0);
        tokens += workers[i].tokens;
        reports += workers[i].reports;
    }
    CHECK(tokens == 2 * THREADS * iterations);
    CHECK(reports == THREADS * iterations);
    fprintf(stdout, "    %d threads x %d rounds: %d tokens, %d connection tests\n", THREADS,
            iterations, tokens, reports);
}

int main(void) {
    RUN(threads_create_use_and_free_clients);
    return harness_finish();
}
