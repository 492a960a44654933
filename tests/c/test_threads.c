/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * 16 threads share one client and ask for a token at the same moment: they all
 * get the same token, from one login (tests/c_abi.rs checks the emulator saw
 * exactly 1). */
#include "harness.h"

#include <pthread.h>

#define THREADS 16

struct worker {
    sfjwt_client *client;
    pthread_barrier_t *start;
    int ok;
    char access_token[512];
    char instance_url[512];
};

static void *work(void *argument) {
    struct worker *worker = argument;
    pthread_barrier_wait(worker->start);
    sfjwt_token *token = NULL;
    sfjwt_error *error = sfjwt_client_token(worker->client, &token);
    if (error == NULL && token != NULL) {
        snprintf(worker->access_token, sizeof worker->access_token, "%s",
                 sfjwt_token_access_token(token));
        snprintf(worker->instance_url, sizeof worker->instance_url, "%s",
                 sfjwt_token_instance_url(token));
        worker->ok = 1;
    } else {
        fprintf(stdout, "    thread error %s: %s\n", sfjwt_error_code_name(error),
                sfjwt_error_message(error));
    }
    sfjwt_token_free(&token);
    sfjwt_error_free(&error);
    return NULL;
}

static void threads_share_one_login(void) {
    sfjwt_config *cfg = approved_config();
    sfjwt_client *client = NULL;
    CHECK_OK(sfjwt_client_new(cfg, &client));
    sfjwt_config_free(&cfg);

    pthread_barrier_t start;
    CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].client = client;
        workers[i].start = &start;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }
    pthread_barrier_destroy(&start);

    for (int i = 0; i < THREADS; i++) {
        CHECK(workers[i].ok);
        CHECK(str_starts(workers[i].access_token, "00D"));
        CHECK_STR(workers[i].access_token, workers[0].access_token);
        CHECK_STR(workers[i].instance_url, workers[0].instance_url);
    }
    sfjwt_client_free(&client);
}

int main(void) {
    RUN(threads_share_one_login);
    return harness_finish();
}
