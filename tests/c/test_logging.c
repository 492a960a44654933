/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * The log callback under the uses that used to hang or touch freed memory: a
 * callback that calls sfjwt_client_token for the same client during its login, a
 * callback replaced (and its userdata freed) while another thread is inside it, and
 * a callback that tries to replace itself. Two logins (tests/c_abi.rs checks). */
#include "harness.h"

#include <pthread.h>
#include <time.h>

/* The client the re-entrant callback asks, and what it got. */
static sfjwt_client *reentrant_client;
static int nested_calls;
static int nested_ok;
static char nested_token[512];

static void call_token_on_login(sfjwt_log_level level, const char *message, void *userdata) {
    (void)level;
    (void)userdata;
    if (!str_starts(message, "logged in to") || reentrant_client == NULL) {
        return;
    }
    nested_calls++;
    sfjwt_token *token = NULL;
    sfjwt_error *error = sfjwt_client_token(reentrant_client, &token);
    if (error == NULL) {
        nested_ok = 1;
        snprintf(nested_token, sizeof nested_token, "%s", sfjwt_token_access_token(token));
    }
    sfjwt_error_free(&error);
    sfjwt_token_free(&token);
    /* Replacing the callback from within it would wait for itself. */
    CHECK_FAILS(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_OFF, NULL, NULL), SFJWT_CODE_CONFIG,
                "from a log callback");
}

/* Login 1: the callback's own token() call gets the token of the login it logs. */
static void a_callback_that_calls_token_gets_the_login_s_token(void) {
    sfjwt_config *cfg = approved_config();
    CHECK_OK(sfjwt_client_new(cfg, &reentrant_client));
    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_DEBUG, call_token_on_login, NULL));
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(reentrant_client, &token));
    CHECK(nested_calls == 1);
    CHECK(nested_ok);
    CHECK_STR(nested_token, sfjwt_token_access_token(token));
    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_OFF, NULL, NULL));
    sfjwt_token_free(&token);
    sfjwt_client_free(&reentrant_client);
    sfjwt_config_free(&cfg);
}

/* The callback's userdata, freed by the test once the callback is replaced. */
struct slow_sink {
    pthread_mutex_t lock;
    pthread_cond_t entered_cond;
    int entered;
    int returned;
};

static void slow_callback(sfjwt_log_level level, const char *message, void *userdata) {
    (void)level;
    (void)message;
    struct slow_sink *sink = userdata;
    pthread_mutex_lock(&sink->lock);
    int first = !sink->entered;
    sink->entered = 1;
    pthread_cond_broadcast(&sink->entered_cond);
    pthread_mutex_unlock(&sink->lock);
    if (first) {
        /* Long enough that the replacement below comes while this call runs. */
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    pthread_mutex_lock(&sink->lock);
    sink->returned++;
    pthread_mutex_unlock(&sink->lock);
}

static void *log_in(void *argument) {
    sfjwt_client *client = argument;
    sfjwt_token *token = NULL;
    CHECK_OK(sfjwt_client_token(client, &token));
    sfjwt_token_free(&token);
    return NULL;
}

/* Login 2: once sfjwt_set_log_callback returns, the old callback has returned from
 * every call and is never called again, so its userdata can be freed (a call after
 * the free would be a use-after-free that valgrind and ASan report). */
static void replacing_the_callback_waits_for_the_calls_under_way(void) {
    struct slow_sink *sink = calloc(1, sizeof *sink);
    pthread_mutex_init(&sink->lock, NULL);
    pthread_cond_init(&sink->entered_cond, NULL);
    sfjwt_config *cfg = approved_config();
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_TRACE, slow_callback, sink));

    pthread_t thread;
    pthread_create(&thread, NULL, log_in, client);
    pthread_mutex_lock(&sink->lock);
    while (!sink->entered) {
        pthread_cond_wait(&sink->entered_cond, &sink->lock);
    }
    pthread_mutex_unlock(&sink->lock);

    CHECK_OK(sfjwt_set_log_callback(SFJWT_LOG_LEVEL_OFF, NULL, NULL));
    pthread_mutex_lock(&sink->lock);
    int returned = sink->returned;
    pthread_mutex_unlock(&sink->lock);
    CHECK(returned >= 1); /* the call under way had returned */
    pthread_mutex_destroy(&sink->lock);
    pthread_cond_destroy(&sink->entered_cond);
    memset(sink, 0xAA, sizeof *sink);
    free(sink);

    pthread_join(thread, NULL);
    sfjwt_client_free(&client);
    sfjwt_config_free(&cfg);
}

int main(void) {
    RUN(a_callback_that_calls_token_gets_the_login_s_token);
    RUN(replacing_the_callback_waits_for_the_calls_under_way);
    return harness_finish();
}
