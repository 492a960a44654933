// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The one mapping from the core's errors to the exception classes of
//! `sfjwt/exceptions.py`, and [`call`], under which every core call runs.

use std::panic::{self, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use sfjwt::{Error, ErrorCode};
use sfjwt_bridge::panic_text;

// The exception classes live in Python (`sfjwt/exceptions.py`) so that users can
// subclass, pickle and document them like any Python exception.
pyo3::import_exception!(sfjwt.exceptions, SfJwtError);
pyo3::import_exception!(sfjwt.exceptions, ConfigError);
pyo3::import_exception!(sfjwt.exceptions, KeystoreError);
pyo3::import_exception!(sfjwt.exceptions, NetworkError);
pyo3::import_exception!(sfjwt.exceptions, AuthRejectedError);
pyo3::import_exception!(sfjwt.exceptions, SalesforceApiError);

/// Runs `f` (a core call) with the GIL released, so that other Python threads keep
/// running during key loading and network calls, and maps its error to the Python
/// exception. A panic becomes INTERNAL (design.md) rather than PyO3's
/// `PanicException`, which derives from `BaseException` and would escape the
/// `except Exception` of a scheduler's task wrapper.
pub(crate) fn call<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: Send + FnOnce() -> sfjwt::Result<T>,
{
    py.detach(|| catching(f))
        .map_err(|error| to_py_err(py, &error))
}

/// Runs `f` with the GIL as the caller holds it (the warm token path, which waits for
/// nothing), under the same panic mapping as [`call`].
pub(crate) fn with_gil<T>(py: Python<'_>, f: impl FnOnce() -> T) -> PyResult<T> {
    catching(|| Ok(f())).map_err(|error| to_py_err(py, &error))
}

/// `f`, with a panic turned into INTERNAL.
fn catching<T>(f: impl FnOnce() -> sfjwt::Result<T>) -> sfjwt::Result<T> {
    // AssertUnwindSafe: on a panic nothing `f` touched is used again except the core's
    // own state, whose locks recover from poisoning.
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Error::Internal(format!(
            "panic in sfjwt: {}",
            panic_text(payload)
        )))
    })
}

/// The one mapping from the core error to the Python exception classes.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    exception(py, error).unwrap_or_else(|failure| failure)
}

pub(crate) fn exception(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let code = error.code();
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", code.name())?;
    kwargs.set_item("code_value", code.value())?;
    let class: Bound<'_, PyType> = match code {
        ErrorCode::Config => {
            if let Error::Config { key, .. } = error {
                kwargs.set_item("key", key)?;
            }
            py.get_type::<ConfigError>()
        }
        ErrorCode::KeystoreIo
        | ErrorCode::KeystoreFormat
        | ErrorCode::KeystorePassword
        | ErrorCode::AliasNotFound
        | ErrorCode::NotAPrivateKey
        | ErrorCode::KeyPassword
        | ErrorCode::UnsupportedKey => py.get_type::<KeystoreError>(),
        ErrorCode::Network
        | ErrorCode::Timeout
        | ErrorCode::Tls
        | ErrorCode::Http
        | ErrorCode::Protocol => {
            kwargs.set_item("http_status", error.http_status())?;
            py.get_type::<NetworkError>()
        }
        ErrorCode::AuthRejected => {
            if let Some(rejection) = error.rejection() {
                kwargs.set_item("salesforce_error", &rejection.error)?;
                kwargs.set_item("salesforce_error_description", &rejection.error_description)?;
                kwargs.set_item("http_status", rejection.http_status)?;
                kwargs.set_item("hint", &rejection.hint)?;
            }
            py.get_type::<AuthRejectedError>()
        }
        ErrorCode::Api => {
            kwargs.set_item("error_code", error.api_error_code())?;
            kwargs.set_item("http_status", error.http_status())?;
            py.get_type::<SalesforceApiError>()
        }
        ErrorCode::Internal => py.get_type::<SfJwtError>(),
    };
    let instance = class.call((error.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}
