// Copyright sfjwt contributors. Licensed under Apache-2.0.
/**
 * The JNI bridge: native methods, the library loader and handle ownership. Not API; it may
 * change in any release.
 */
package dev.sfjwt.internal;
