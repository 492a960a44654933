// Copyright sfjwt contributors. Licensed under Apache-2.0.
/**
 * Salesforce OAuth 2.0 JWT Bearer login for ETL jobs: the flow behind Talend's "OAuth / Json Web
 * Token Flow" connection.
 *
 * <p>{@link dev.sfjwt.SalesforceJwtConfig} holds the settings (builder or {@code .properties}),
 * {@link dev.sfjwt.SalesforceJwtClient} logs in and caches the {@link dev.sfjwt.AccessToken},
 * {@link dev.sfjwt.SalesforceJwtClient#testConnection()} explains what works and what does not,
 * and every failure is an {@link dev.sfjwt.SfJwtException} with a stable
 * {@link dev.sfjwt.ErrorCode}. The work is done by sfjwt's Rust core; the jar carries its native
 * library. Runs on Java 8 and newer.
 */
package dev.sfjwt;
