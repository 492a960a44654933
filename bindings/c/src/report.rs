// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt_test_connection` and its `sfjwt_report`: load key → sign assertion →
//! token request → identity → API versions, each step timed.

use std::ffi::{CString, c_char};
use std::ptr;

use sfjwt_core::{ConnectionReport, connection_test};

use crate::config::sfjwt_config;
use crate::error::sfjwt_error;
use crate::ffi::{Out, arg, c_string, free, opt_ptr};
use crate::panic::guard;

/// The outcome of a connection test. Immutable.
#[allow(non_camel_case_types)]
pub struct sfjwt_report {
    ok: bool,
    steps: Vec<Step>,
    warnings: Vec<CString>,
    api_version: Option<CString>,
    instance_url: Option<CString>,
    summary: CString,
    error: Option<sfjwt_error>,
}

struct Step {
    name: CString,
    ok: bool,
    duration_ms: u64,
    detail: CString,
}

impl From<&ConnectionReport> for sfjwt_report {
    fn from(report: &ConnectionReport) -> sfjwt_report {
        sfjwt_report {
            ok: report.ok,
            steps: report
                .steps
                .iter()
                .map(|step| Step {
                    name: c_string(step.name),
                    ok: step.ok,
                    duration_ms: u64::try_from(step.duration.as_millis()).unwrap_or(u64::MAX),
                    detail: c_string(step.detail.as_str()),
                })
                .collect(),
            warnings: report
                .warnings
                .iter()
                .map(|w| c_string(w.as_str()))
                .collect(),
            api_version: report.api_version.as_deref().map(c_string),
            instance_url: report.instance_url.as_deref().map(c_string),
            summary: c_string(report.to_string()),
            error: report.error.as_ref().map(sfjwt_error::from),
        }
    }
}

/// Runs the connection test with the settings of `cfg`: load key → sign assertion
/// → token request → identity (`/services/oauth2/userinfo`) → API versions
/// (`/services/data/`), stopping at the first failure. It always makes a real
/// login (the token cache is not used). Warnings flag a certificate that expired
/// or expires within 30 days.
///
/// A failed step is not an error of this function: the report says what failed
/// (`sfjwt_report_ok`, `sfjwt_report_error`) and how to fix it. The function
/// returns an error only when the test cannot run: a NULL argument or invalid
/// settings (CONFIG).
///
/// Ownership: `cfg` is only read. On success `*report_out` receives a report the
/// caller frees with `sfjwt_report_free`; on failure `*report_out` is not written
/// and the returned error is the caller's to free.
///
/// Thread-safety: may run on many threads at once, each with its own `cfg` or
/// sharing one that nobody changes meanwhile.
///
/// # Safety
///
/// 1. `cfg` is NULL or a live configuration that no thread changes during the call.
/// 2. `report_out` is NULL or valid for writing one `sfjwt_report *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_test_connection(
    cfg: *const sfjwt_config,
    report_out: *mut *mut sfjwt_report,
) -> *mut sfjwt_error {
    guard(|| {
        // SAFETY: forwarded from this function's contract (1).
        let cfg = unsafe { arg(cfg, "cfg") }?;
        // SAFETY: forwarded from this function's contract (2).
        let out = unsafe { Out::new(report_out, "report_out") }?;
        let report = connection_test::run(&cfg.builder.build()?);
        out.write(sfjwt_report::from(&report));
        Ok(())
    })
}

/// Reads a report that may be NULL.
///
/// # Safety
///
/// `report` is NULL or points to a live `sfjwt_report`.
unsafe fn field<T>(
    report: *const sfjwt_report,
    read: impl FnOnce(&sfjwt_report) -> T,
    absent: T,
) -> T {
    // SAFETY: the caller promises NULL or a live report; reports are never mutated.
    match unsafe { report.as_ref() } {
        Some(report) => read(report),
        None => absent,
    }
}

/// Reads step `index` of a report that may be NULL.
///
/// # Safety
///
/// `report` is NULL or points to a live `sfjwt_report`.
unsafe fn step<T>(
    report: *const sfjwt_report,
    index: usize,
    read: impl FnOnce(&Step) -> T,
    absent: T,
) -> T {
    // SAFETY: forwarded from this function's contract.
    let found = unsafe { field(report, |r| r.steps.get(index).map(read), None) };
    found.unwrap_or(absent)
}

/// Whether every step passed; false when `report` is NULL.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_ok(report: *const sfjwt_report) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| r.ok, false) })
}

/// How many steps ran (5 when all passed; the test stops at the first failure);
/// 0 when `report` is NULL.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_step_count(report: *const sfjwt_report) -> usize {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| r.steps.len(), 0) })
}

/// The name of step `index` (`"load key"`, `"sign assertion"`, `"token
/// request"`, `"identity"`, `"API versions"`).
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL or `index` is not below `sfjwt_report_step_count`.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_step_name(
    report: *const sfjwt_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { step(report, index, |s| s.name.as_ptr(), ptr::null()) })
}

/// Whether step `index` passed; false when `report` is NULL or `index` is out of
/// range.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_step_ok(report: *const sfjwt_report, index: usize) -> bool {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { step(report, index, |s| s.ok, false) })
}

/// How long step `index` took, in milliseconds; 0 when `report` is NULL or
/// `index` is out of range.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_step_duration_ms(
    report: *const sfjwt_report,
    index: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { step(report, index, |s| s.duration_ms, 0) })
}

/// What step `index` found (key size and certificate fingerprint, token type and
/// instance, user and org, API versions) or, for the failed step, the error.
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL or `index` is out of range.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_step_detail(
    report: *const sfjwt_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { step(report, index, |s| s.detail.as_ptr(), ptr::null()) })
}

/// How many warnings the test raised (certificate expired or expiring soon,
/// `expiration_secs` above what Salesforce documents); 0 when `report` is NULL.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_warning_count(report: *const sfjwt_report) -> usize {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| r.warnings.len(), 0) })
}

/// Warning `index`.
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL or `index` is not below `sfjwt_report_warning_count`.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_warning(
    report: *const sfjwt_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe {
        field(
            report,
            |r| r.warnings.get(index).map_or(ptr::null(), |w| w.as_ptr()),
            ptr::null(),
        )
    })
}

/// The REST API version in use (`"62.0"`).
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL or the test did not get that far.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_api_version(report: *const sfjwt_report) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| opt_ptr(&r.api_version), ptr::null()) })
}

/// The org's instance URL from the token response.
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL or the login did not succeed.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_instance_url(report: *const sfjwt_report) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| opt_ptr(&r.instance_url), ptr::null()) })
}

/// The printable summary, several lines each ending in `\n`: PASSED or FAILED
/// (naming the failed step), one line per step with its duration and detail, the
/// error with Salesforce's words and the fix, the warnings and the API version.
/// The same text as `sfjwt test-connection` prints.
///
/// Ownership: borrowed from `report`; valid until `report` is freed. NULL when
/// `report` is NULL.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_summary(report: *const sfjwt_report) -> *const c_char {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { field(report, |r| r.summary.as_ptr(), ptr::null()) })
}

/// The error that stopped the test; read it with the `sfjwt_error_*` accessors
/// (`sfjwt_error_code` gives the code the test failed with).
///
/// Ownership: borrowed from `report`: valid until `report` is freed, and never to
/// be passed to `sfjwt_error_free`. NULL when the test passed or `report` is NULL.
///
/// Thread-safety: reports are immutable; any thread may read one.
///
/// # Safety
///
/// 1. `report` is NULL or a report from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_error(report: *const sfjwt_report) -> *const sfjwt_error {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe {
        field(
            report,
            |r| {
                r.error
                    .as_ref()
                    .map_or(ptr::null(), |e| e as *const sfjwt_error)
            },
            ptr::null(),
        )
    })
}

/// Frees a report, with every string and the error borrowed from it, and sets
/// `*report` to NULL. A NULL `report` or `*report` is a no-op.
///
/// Thread-safety: call it once, when no other thread uses the object any more.
///
/// # Safety
///
/// 1. `report` is NULL or points to a `sfjwt_report *` that is NULL or came from
///    `sfjwt_test_connection` and was not freed since.
/// 2. No other thread uses the report during or after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sfjwt_report_free(report: *mut *mut sfjwt_report) {
    // SAFETY: forwarded from this function's contract.
    guard(|| unsafe { free(report) })
}
