/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * test_connection: the "Test connection" button of an ETL tool, in C.
 *
 *     test_connection conn.properties
 *
 * loads the settings (issuer, subject, keystore_path, keystore_password,
 * key_alias, audience, login_url, ...) from a .properties file, runs the
 * connection test (load key, sign assertion, token request, identity, API
 * versions), prints the report and exits with the error code: 0 when the test
 * passed, else the code of what failed (12 wrong keystore password, 30 refused by
 * Salesforce, ...).
 *
 * Build: cc test_connection.c $(pkg-config --cflags --libs sfjwt) -o test_connection */
#include <stdio.h>

#include <sfjwt.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s conn.properties\n", argc > 0 ? argv[0] : "test_connection");
        return SFJWT_CODE_CONFIG;
    }

    sfjwt_config *cfg = sfjwt_config_new();
    sfjwt_report *report = NULL;
    sfjwt_error *error = sfjwt_config_load_properties(cfg, argv[1]);
    if (error == NULL) {
        error = sfjwt_test_connection(cfg, &report);
    }

    int code;
    if (error != NULL) {
        /* The test could not run: bad settings. */
        fprintf(stderr, "sfjwt %s: %s\n", sfjwt_error_code_name(error),
                sfjwt_error_message(error));
        code = (int)sfjwt_error_code(error);
    } else {
        fputs(sfjwt_report_summary(report), stdout);
        /* NULL (passed) gives SFJWT_CODE_OK. The error belongs to the report. */
        code = (int)sfjwt_error_code(sfjwt_report_error(report));
    }

    sfjwt_error_free(&error);
    sfjwt_report_free(&report);
    sfjwt_config_free(&cfg);
    return code;
}
