// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt_client` (login and token cache) and `sfjwt_token` (an access token and
//! what Salesforce said with it).

use std::ffi::{CString, c_char};
use std::ptr;
use std::sync::Arc;

use sfjwt_bridge::TokenCopy;
use sfjwt_core::{AccessToken, Client, TokenId};
use zeroize::{Zeroize, Zeroizing};

use crate::config::sfjwt_config;
use crate::error::sfjwt_error;
use crate::ffi::{Out, arg, c_string, free, opt_ptr};
use crate::panic::guard;

/// A client: the decrypted signing key, HTTPS connections and a slot in the
/// process-wide token cache. Thread-safe: share one per job.
#[allow(non_camel_case_types)]
pub struct sfjwt_client {
    client: Client,
    /// The C form of the current token, shared by the tokens handed out while the
    /// core's token is current: copying its strings on every call would cost more
    /// than the cached call itself.
    token_strings: TokenCopy<Arc<TokenStrings>>,
}

impl sfjwt_client {
    /// The current token's C strings: made once per core token.
    fn token(&self) -> sfjwt_core::Result<Arc<TokenStrings>> {
        let strings = self.token_strings.current_or_make(&self.client, || {
            let token = self.client.token()?;
            let strings = Arc::new(TokenStrings::from(token.as_ref()));
            Ok((token, strings))
        })?;
        Ok(Arc::clone(&strings))
    }
}

/// An access token and the fields of Salesforce's answer. Immutable; the C copy
/// of the access token is zeroized when the last holder (this object, or the
/// client that handed it out) lets go of it.
#[allow(non_camel_case_types)]
pub struct sfjwt_token(Arc<TokenStrings>);

/// The NUL-terminated fields of a token, shared by the tokens handed out for it.
struct TokenStrings {
    /// Which login the token came from, for `sfjwt_client_invalidate_if_current`.
    token_id: TokenId,
    access_token: Zeroizing<CString>,
    instance_url: CString,
    id: CString,
    token_type: CString,
    scope: Option<CString>,
    issued_at: Option<CString>,
    org_id: Option<CString>,
    user_id: Option<CString>,
}

impl From<&AccessToken> for TokenStrings {
    fn from(token: &AccessToken) -> TokenStrings {
        TokenStrings {
            token_id: token.token_id(),
            access_token: secret_c_string(token.access_token()),
            instance_url: c_string(token.instance_url()),
            id: c_string(token.id()),
            token_type: c_string(token.token_type()),
            scope: token.scope().map(c_string),
            issued_at: token.issued_at().map(c_string),
            org_id: token.org_id().map(c_string),
            user_id: token.user_id().map(c_string),
        }
    }
}

/// A C copy of a secret, allocated at its final size so that no reallocation
/// leaves an unwiped copy behind.
fn secret_c_string(secret: &str) -> Zeroizing<CString> {
    let mut bytes = Vec::with_capacity(secret.len() + 1);
    bytes.extend_from_slice(secret.as_bytes());
    match CString::new(bytes) {
        Ok(text) => Zeroizing::new(text),
        Err(e) => {
            e.into_vec().zeroize();
            Zeroizing::new(CString::default())
        }
    }
}

/// Validates the settings of `cfg`, reads the keystore, decrypts the signing key
/// once and sets up HTTPS (with the client certificate when `mutual_tls` is on).
/// No network call is made: the first login happens in `sfjwt_client_token`.
///
/// Ownership: `cfg` is only read; the client keeps its own copy of the settings,
/// so `cfg` may be changed or freed afterwards. On success `*client_out` receives
/// a client the caller frees with `sfjwt_client_free`; on failure `*client_out`
/// is not written and the returned error is the caller's to free.
///
/// Thread-safety: the client may be used from any number of threads at once.
///
/// Errors: CONFIG (a NULL argument, a missing or invalid setting), KEYSTORE_IO,
/// KEYSTORE_FORMAT, KEYSTORE_PASSWORD, ALIAS_NOT_FOUND, NOT_A_PRIVATE_KEY,
/// KEY_PASSWORD, UNSUPPORTED_KEY, TLS (a bad `ca_file` or client certificate).
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no thread changes during the call.
/// 2. `client_out` is NULL or valid for writing one `sfjwt_client *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_client_new(
    cfg: *const sfjwt_config,
    client_out: *mut *mut sfjwt_client,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let out = unsafe { Out::new(client_out, "client_out") }?;
        let client = Client::new(cfg.builder.build()?)?;
        out.write(sfjwt_client {
            client,
            token_strings: TokenCopy::default(),
        });
        Ok(())
    })
}

/// Frees a client and sets `*client` to NULL. A NULL `client` or `*client` is a
/// no-op. Tokens obtained from it stay valid. The process-wide cache keeps the token
/// while another client with the same settings is alive; the last one to go takes
/// the cached token with it (keep one client for the whole job).
///
/// Thread-safety: call it once, when no other thread uses the object any more.
///
/// # Safety
///
/// 1. `client` is NULL or points to a `sfjwt_client *` that is NULL or came from
///    `sfjwt_client_new` and was not freed since.
/// 2. No other thread uses the client during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_client_free(client: *mut *mut sfjwt_client) {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { free(client) })
}

/// An access token: the cached one while it is fresh (`token_ttl_secs`), else a
/// new login. When many threads ask at once, one of them logs in and the others
/// wait for its token: one login, not one per thread. When that login fails, the
/// waiting threads get its error, and so does every call for one second after it
/// (the back-off), so that an outage costs one login a second, not one per thread.
///
/// Ownership: on success `*token_out` receives a token the caller frees with
/// `sfjwt_token_free` (independent of the client: it may outlive it); on failure
/// `*token_out` is not written and the returned error is the caller's to free.
///
/// Thread-safety: safe to call from many threads at once on the same client.
///
/// Errors: CONFIG for a NULL argument; NETWORK, TIMEOUT, TLS; AUTH_REJECTED with
/// Salesforce's error, description, HTTP status and a hint; HTTP; PROTOCOL.
///
/// # Safety
///
/// 1. `client` is NULL or a live client (not being freed by another thread).
/// 2. `token_out` is NULL or valid for writing one `sfjwt_token *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_client_token(
    client: *const sfjwt_client,
    token_out: *mut *mut sfjwt_token,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let client = unsafe { arg(client, "client") }?;
        // SAFETY: forwarded from this function's contract (2).
        let out = unsafe { Out::new(token_out, "token_out") }?;
        out.write(sfjwt_token(client.token()?));
        Ok(())
    })
}

/// Forgets the cached token, whichever it is, so that the next `sfjwt_client_token`
/// logs in again; it also ends the back-off after a failed login. Tokens already
/// handed out are not changed. After an HTTP 401, call
/// `sfjwt_client_invalidate_if_current` instead.
///
/// Returns NULL on success; a CONFIG error (the caller's to free) when `client` is
/// NULL. Thread-safety: safe to call from any thread at any time.
///
/// # Safety
///
/// 1. `client` is NULL or a live client (not being freed by another thread).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_client_invalidate(client: *const sfjwt_client) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let client = unsafe { arg(client, "client") }?;
        client.client.invalidate();
        Ok(())
    })
}

/// Forgets the cached token only if it is still `token`: what to call when Salesforce
/// answers HTTP 401 `INVALID_SESSION_ID` to a request made with `token`. When many
/// threads see the same session expire, the first call forgets it and the others leave
/// alone the new token one of them may already have got. `token` stays the caller's.
///
/// Returns NULL on success; a CONFIG error (the caller's to free) when an argument is
/// NULL. Thread-safety: safe to call from any thread at any time.
///
/// # Safety
///
/// 1. `client` is NULL or a live client (not being freed by another thread).
/// 2. `token` is NULL or a live token from `sfjwt_client_token` (of any client).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_client_invalidate_if_current(
    client: *const sfjwt_client,
    token: *const sfjwt_token,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let client = unsafe { arg(client, "client") }?;
        // SAFETY: forwarded from this function's contract (2).
        let token = unsafe { arg(token, "token") }?;
        client.client.invalidate_if_current(token.0.token_id);
        Ok(())
    })
}

/// Whether an HTTP answer to a request made with a token says that the session expired
/// or was revoked: `status` 401 and a `body` that is Salesforce's error array
/// `[{"errorCode": "INVALID_SESSION_ID", ...}]`. Then call
/// `sfjwt_client_invalidate_if_current` and `sfjwt_client_token`, and send the request
/// once more. Other 401s (a body that only mentions the code in a message, an HTML
/// page, an OAuth error) are false: a new login would not cure them.
///
/// `body` is `len` bytes and may be NULL when `len` is 0 (an empty body: false); NULL
/// with a `len` over 0 is false. Nothing is kept or freed: `body` stays the caller's.
/// False after a caught panic. Thread-safety: callable from any thread at any time.
///
/// # Safety
///
/// 1. `body` is NULL or points to `len` bytes that stay readable and unchanged during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_is_invalid_session(
    status: u16,
    body: *const u8,
    len: usize,
) -> bool {
    guard(|| {
        let body: &[u8] = match (body.is_null(), len) {
            (_, 0) => &[],
            (true, _) => return false,
            // SAFETY: not NULL, and forwarded from this function's contract (1).
            (false, _) => unsafe { std::slice::from_raw_parts(body, len) },
        };
        sfjwt_core::oauth::is_invalid_session(status, body)
    })
}

/// Reads a field of a token that may be NULL.
///
/// # Safety
///
/// `token` is NULL or points to a live `sfjwt_token`.
unsafe fn field(
    token: *const sfjwt_token,
    read: impl FnOnce(&TokenStrings) -> *const c_char,
) -> *const c_char {
    // SAFETY: the caller promises NULL or a live token; tokens are never mutated.
    unsafe { token.as_ref() }.map_or(ptr::null(), |token| read(&token.0))
}

/// The access token (session id), for `Authorization: Bearer <token>`. It is a
/// secret: never log it.
///
/// Ownership: borrowed from `token`; valid until `token` is freed.
/// NULL when `token` is NULL. Thread-safety: tokens are immutable; any thread may
/// read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_access_token(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| t.access_token.as_ptr()) })
}

/// The org's instance URL, base of every REST call
/// (`"https://acme.my.salesforce.com"`).
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_instance_url(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| t.instance_url.as_ptr()) })
}

/// The identity URL (`".../id/<org id>/<user id>"`).
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_id(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| t.id.as_ptr()) })
}

/// The token type (`"Bearer"`).
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_token_type(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| t.token_type.as_ptr()) })
}

/// The granted scopes (`"api refresh_token"`).
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL or Salesforce did not state the scopes.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_scope(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| opt_ptr(&t.scope)) })
}

/// When the token was issued, in milliseconds since the epoch, as Salesforce
/// wrote it (`"1700000000000"`).
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL or Salesforce did not say.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_issued_at(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| opt_ptr(&t.issued_at)) })
}

/// The org id: the second-to-last segment of the identity URL.
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL or the identity URL has no such segment.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_org_id(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| opt_ptr(&t.org_id)) })
}

/// The user id: the last segment of the identity URL.
///
/// Ownership: borrowed from `token`; valid until `token` is freed. NULL when
/// `token` is NULL or the identity URL has no such segment.
///
/// Thread-safety: tokens are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `token` is NULL or a token from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_user_id(token: *const sfjwt_token) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(token, |t| opt_ptr(&t.user_id)) })
}

/// Frees a token and sets `*token` to NULL; the C copy of the access token is
/// wiped once neither a token nor the client that handed it out holds it. A NULL
/// `token` or `*token` is a no-op.
///
/// Thread-safety: call it once, when no other thread uses the object any more.
///
/// # Safety
///
/// 1. `token` is NULL or points to a `sfjwt_token *` that is NULL or came from
///    `sfjwt_client_token` and was not freed since.
/// 2. No other thread uses the token during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_token_free(token: *mut *mut sfjwt_token) {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { free(token) })
}

/// The C side shares clients between threads: a core change that made `Client`
/// thread-unsafe must break this build.
const _: () = {
    const fn shared_between_threads<T: Send + Sync>() {}
    shared_between_threads::<Client>();
};
