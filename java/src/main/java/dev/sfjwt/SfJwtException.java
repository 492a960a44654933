// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

/**
 * A failure of sfjwt: a setting, the keystore, the network or Salesforce's answer.
 *
 * <p>{@link #getCode()} tells which, with the same codes in every language. When Salesforce
 * refused the login ({@link ErrorCode#AUTH_REJECTED}), {@link #getSalesforceError()},
 * {@link #getSalesforceErrorDescription()}, {@link #getHttpStatus()} and {@link #getHint()}
 * carry Salesforce's words and how to fix the setup. Messages never contain a password, a
 * key, an assertion or a token.
 */
public class SfJwtException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The stable code. */
    private final ErrorCode code;
    /** Salesforce's {@code error}, or null. */
    private final String salesforceError;
    /** Salesforce's {@code error_description}, or null. */
    private final String salesforceErrorDescription;
    /** The HTTP status, or 0. */
    private final int httpStatus;
    /** How to fix a refused login, or null. */
    private final String hint;
    /** Salesforce's REST {@code errorCode}, or null. */
    private final String apiErrorCode;

    /**
     * Creates the exception; sfjwt's native code calls this constructor.
     *
     * @param code the stable code
     * @param message what went wrong, naming the key, file or URL concerned
     * @param salesforceError Salesforce's {@code error}, or null
     * @param salesforceErrorDescription Salesforce's {@code error_description}, or null
     * @param httpStatus the HTTP status involved, or 0
     * @param hint how to fix it, or null
     * @param apiErrorCode Salesforce's REST {@code errorCode}, or null
     */
    SfJwtException(ErrorCode code, String message, String salesforceError,
            String salesforceErrorDescription, int httpStatus, String hint, String apiErrorCode) {
        super(code + ": " + message);
        this.code = code;
        this.salesforceError = salesforceError;
        this.salesforceErrorDescription = salesforceErrorDescription;
        this.httpStatus = httpStatus;
        this.hint = hint;
        this.apiErrorCode = apiErrorCode;
    }

    /**
     * The stable code of this failure.
     *
     * @return the code, never null
     */
    public ErrorCode getCode() {
        return code;
    }

    /**
     * Salesforce's {@code error} when it refused the login, such as {@code invalid_grant}.
     *
     * @return the error, or null when Salesforce did not refuse the login
     */
    public String getSalesforceError() {
        return salesforceError;
    }

    /**
     * Salesforce's {@code error_description} when it refused the login, such as
     * {@code user hasn't approved this consumer}.
     *
     * @return the description, or null when Salesforce did not refuse the login
     */
    public String getSalesforceErrorDescription() {
        return salesforceErrorDescription;
    }

    /**
     * The HTTP status of the failing answer (400 for a refused login).
     *
     * @return the status, or 0 when no HTTP answer is involved
     */
    public int getHttpStatus() {
        return httpStatus;
    }

    /**
     * What to do about a refused login: approve the consumer, fix the audience, compare
     * certificate fingerprints, and so on.
     *
     * @return the hint, or null when Salesforce did not refuse the login
     */
    public String getHint() {
        return hint;
    }

    /**
     * Salesforce's REST {@code errorCode} (such as {@code INVALID_SESSION_ID}) for
     * {@link ErrorCode#API}.
     *
     * @return the error code, or null for other failures
     */
    public String getApiErrorCode() {
        return apiErrorCode;
    }
}
