// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Test-only hooks (cargo feature `testing`, never in release wheels): a panic, a
//! sample error of every code, and the core's lists for the parity test.

use pyo3::prelude::*;

use crate::error::call;

/// Test-only: panics inside a core call, to prove a panic becomes an exception.
#[cfg(feature = "testing")]
#[pyfunction]
pub(crate) fn _testing_panic(py: Python<'_>) -> PyResult<()> {
    call(py, || -> sfjwt::Result<()> {
        panic!("deliberate panic (testing)")
    })
}

/// Test-only: raises the exception of a sample core error with the code whose value
/// is `value`, to prove that every code maps to its class; `ValueError` when no code
/// has that value.
#[cfg(feature = "testing")]
#[pyfunction]
pub(crate) fn _testing_error(py: Python<'_>, value: i64) -> PyResult<()> {
    use sfjwt_bridge::testing::{code_of_value, sample_error};
    let code = code_of_value(value).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("no error code has the value {value}"))
    })?;
    call(py, move || -> sfjwt::Result<()> { Err(sample_error(code)) })
}

/// Test-only: the core's configuration keys, for the parity test.
#[cfg(feature = "testing")]
#[pyfunction]
pub(crate) fn _testing_config_keys() -> Vec<&'static str> {
    sfjwt::config::KEYS.to_vec()
}

/// Test-only: the fields of the core's token, for the parity test.
#[cfg(feature = "testing")]
#[pyfunction]
pub(crate) fn _testing_token_fields() -> Vec<&'static str> {
    sfjwt::AccessToken::FIELDS.to_vec()
}
