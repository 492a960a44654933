// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of a connection test: load key, sign assertion, token request, identity, API
 * versions, each timed; the test stops at the first failing step.
 *
 * <p>{@link #toString()} is the readable report the command line prints, including
 * Salesforce's error and the fix when a step failed.
 *
 * @see SalesforceJwtClient#testConnection()
 */
public final class ConnectionReport {
    private final boolean ok;
    private final List<Step> steps;
    private final List<String> warnings;
    private final String apiVersion;
    private final String instanceUrl;
    private final SfJwtException error;
    private final String text;

    /** Called by sfjwt's native code: the steps arrive as parallel arrays. */
    ConnectionReport(boolean ok, String[] stepNames, boolean[] stepOk, long[] stepMillis,
            String[] stepDetails, String[] warnings, String apiVersion, String instanceUrl,
            SfJwtException error, String text) {
        List<Step> list = new ArrayList<Step>(stepNames.length);
        for (int i = 0; i < stepNames.length; i++) {
            list.add(new Step(stepNames[i], stepOk[i], stepMillis[i], stepDetails[i]));
        }
        this.ok = ok;
        this.steps = Collections.unmodifiableList(list);
        this.warnings = Collections.unmodifiableList(Arrays.asList(warnings.clone()));
        this.apiVersion = apiVersion;
        this.instanceUrl = instanceUrl;
        this.error = error;
        this.text = text;
    }

    /**
     * Whether every step passed.
     *
     * @return true when the connection works
     */
    public boolean isOk() {
        return ok;
    }

    /**
     * The steps run, in order; the last one failed unless {@link #isOk()}.
     *
     * @return an unmodifiable list
     */
    public List<Step> getSteps() {
        return steps;
    }

    /**
     * Things that work today but need attention, such as a signing certificate that expires
     * within 30 days.
     *
     * @return an unmodifiable list, empty when all is well
     */
    public List<String> getWarnings() {
        return warnings;
    }

    /**
     * The REST API version the connection would use ({@code 62.0}).
     *
     * @return the version, or null when the test did not get that far
     */
    public String getApiVersion() {
        return apiVersion;
    }

    /**
     * The org's instance URL from the token response.
     *
     * @return the URL, or null when the login failed
     */
    public String getInstanceUrl() {
        return instanceUrl;
    }

    /**
     * The failure, with its code and, for a refused login, Salesforce's error and the hint.
     *
     * @return the failure, or null when {@link #isOk()}
     */
    public SfJwtException getError() {
        return error;
    }

    /**
     * The step that failed.
     *
     * @return the step, or null when none failed
     */
    public Step getFailedStep() {
        for (Step step : steps) {
            if (!step.isOk()) {
                return step;
            }
        }
        return null;
    }

    /** The readable report: PASSED or FAILED, one line per step, the error and its fix. */
    @Override
    public String toString() {
        return text;
    }

    /** One step of the test. */
    public static final class Step {
        private final String name;
        private final boolean ok;
        private final long durationMillis;
        private final String detail;

        Step(String name, boolean ok, long durationMillis, String detail) {
            this.name = name;
            this.ok = ok;
            this.durationMillis = durationMillis;
            this.detail = detail;
        }

        /**
         * The step: {@code load key}, {@code sign assertion}, {@code token request},
         * {@code identity} or {@code API versions}.
         *
         * @return the name
         */
        public String getName() {
            return name;
        }

        /**
         * Whether the step succeeded.
         *
         * @return true on success
         */
        public boolean isOk() {
            return ok;
        }

        /**
         * How long the step took.
         *
         * @return milliseconds
         */
        public long getDurationMillis() {
            return durationMillis;
        }

        /**
         * What the step found (key size, token type, user, versions), or the error.
         *
         * @return the detail
         */
        public String getDetail() {
            return detail;
        }

        /** {@code [ok] token request 12 ms: detail}. */
        @Override
        public String toString() {
            return "[" + (ok ? "ok" : "FAIL") + "] " + name + " " + durationMillis + " ms: " + detail;
        }
    }
}
