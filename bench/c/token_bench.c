/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * Warm-cache token cost from C, and the first token of a fresh process, for
 * `make bench` (bench/run.py).
 *
 *   token_bench MODE THREADS SECONDS LOGIN_URL CA_FILE KEYSTORE
 *
 * MODE sfjwt: one sfjwt_client shared by THREADS threads, each calling
 * sfjwt_client_token + sfjwt_token_free in a loop for SECONDS after a first login.
 * MODE ref: the same loop over a hand-rolled cache (a pthread rwlock, a monotonic
 * expiry check and an owned copy of the token strings), what a C program would write
 * itself. Prints one JSON line: core-nanoseconds per call (wall time x the cores the
 * threads could use / calls).
 * MODE first (THREADS and SECONDS unused; run.py passes 1 0): two clients with
 * token_cache=false, created one after the other; times the first sfjwt_client_token
 * of each (the process's first random numbers, TLS handshake and signature, then the
 * same in a warm process) and prints {"first_ms": x, "reference_ms": y}. Creating a
 * client is not timed.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sfjwt.h>

#define BATCH 256

static atomic_int stop_flag;
static atomic_llong total_calls;
static pthread_barrier_t barrier;
static int use_sfjwt;
static sfjwt_client *client;

/* The hand-rolled reference. */
struct ref_token {
    char *access_token;
    char *instance_url;
};
static pthread_rwlock_t ref_lock = PTHREAD_RWLOCK_INITIALIZER;
static char *ref_access_token;
static char *ref_instance_url;
static struct timespec ref_fresh_until;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, sfjwt_error *error) {
    fprintf(stderr, "token_bench: %s: %s\n", what, sfjwt_error_message(error));
    sfjwt_error_free(&error);
    exit(2);
}

/* A client of the bench's connected app; token_cache is "true" or "false". */
static sfjwt_client *new_client(char **argv, const char *token_cache) {
    const char *settings[][2] = {
        {"issuer", "3MVG9bench"},           {"subject", "etl@example.com"},
        {"login_url", argv[4]},             {"ca_file", argv[5]},
        {"keystore_path", argv[6]},         {"keystore_password", "changeit1"},
        {"token_cache", token_cache},
    };
    sfjwt_config *cfg = sfjwt_config_new();
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        sfjwt_error *error = sfjwt_config_set(cfg, settings[i][0], settings[i][1]);
        if (error != NULL) die(settings[i][0], error);
    }
    sfjwt_client *made = NULL;
    sfjwt_error *error = sfjwt_client_new(cfg, &made);
    if (error != NULL) die("client", error);
    sfjwt_config_free(&cfg);
    return made;
}

/* Milliseconds of one uncached sfjwt_client_token on a new client. */
static double timed_first_token(char **argv) {
    sfjwt_client *fresh = new_client(argv, "false");
    sfjwt_token *token = NULL;
    double start = now_ns();
    sfjwt_error *error = sfjwt_client_token(fresh, &token);
    double elapsed = now_ns() - start;
    if (error != NULL) die("first token", error);
    sfjwt_token_free(&token);
    sfjwt_client_free(&fresh);
    return elapsed / 1e6;
}

/* MODE first: the first client's token pays what a fresh process pays once; the second
 * one, in the same (now warm) process, is the reference. */
static int first_token(char **argv) {
    double first_ms = timed_first_token(argv);
    double reference_ms = timed_first_token(argv);
    printf("{\"first_ms\": %.3f, \"reference_ms\": %.3f}\n", first_ms, reference_ms);
    return 0;
}

static struct ref_token *ref_get(void) {
    struct ref_token *token = NULL;
    struct timespec now;
    pthread_rwlock_rdlock(&ref_lock);
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < ref_fresh_until.tv_sec) {
        token = malloc(sizeof *token);
        token->access_token = strdup(ref_access_token);
        token->instance_url = strdup(ref_instance_url);
    }
    pthread_rwlock_unlock(&ref_lock);
    return token;
}

static void ref_free(struct ref_token *token) {
    free(token->access_token);
    free(token->instance_url);
    free(token);
}

static void *worker(void *unused) {
    (void)unused;
    long long calls = 0;
    pthread_barrier_wait(&barrier);
    while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
        for (int i = 0; i < BATCH; i++) {
            if (use_sfjwt) {
                sfjwt_token *token = NULL;
                sfjwt_error *error = sfjwt_client_token(client, &token);
                if (error != NULL) die("token", error);
                sfjwt_token_free(&token);
            } else {
                struct ref_token *token = ref_get();
                if (token == NULL) {
                    fprintf(stderr, "token_bench: reference token expired\n");
                    exit(2);
                }
                ref_free(token);
            }
        }
        calls += BATCH;
    }
    atomic_fetch_add(&total_calls, calls);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr,
                "usage: token_bench sfjwt|ref|first THREADS SECONDS LOGIN_URL CA_FILE KEYSTORE\n");
        return 2;
    }
    if (strcmp(argv[1], "first") == 0) return first_token(argv);
    use_sfjwt = strcmp(argv[1], "sfjwt") == 0;
    int threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    client = new_client(argv, "true");

    /* The first login; both modes start from its token. */
    sfjwt_token *first = NULL;
    sfjwt_error *error = sfjwt_client_token(client, &first);
    if (error != NULL) die("first login", error);
    ref_access_token = strdup(sfjwt_token_access_token(first));
    ref_instance_url = strdup(sfjwt_token_instance_url(first));
    clock_gettime(CLOCK_MONOTONIC, &ref_fresh_until);
    ref_fresh_until.tv_sec += 900;
    sfjwt_token_free(&first);

    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, NULL);
    pthread_barrier_wait(&barrier);
    double start = now_ns();
    struct timespec pause = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&stop_flag, 1);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    double wall = now_ns() - start;

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double used = threads < cores ? threads : (double)cores;
    double calls = (double)atomic_load(&total_calls);
    printf("{\"ns_per_call\": %.2f, \"calls\": %.0f, \"threads\": %d, \"calls_per_s\": %.0f}\n",
           wall * used / calls, calls, threads, calls / wall * 1e9);
    free(ids);
    free(ref_access_token);
    free(ref_instance_url);
    sfjwt_client_free(&client);
    return 0;
}
