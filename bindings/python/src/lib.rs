// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt._native`: the PyO3 module behind the `sfjwt` Python package.
//!
//! Each function converts its arguments, calls one core function with the GIL
//! released (`error::call`), and converts the result or the error back; a panic is
//! INTERNAL there and on the warm token path (`error::with_gil`). The public,
//! documented API is the pure-Python package `sfjwt`; this module is private and
//! described for type checkers by `python/sfjwt/_native.pyi`.
//!
//! One file per object, as bindings/c/src: config.rs (`Config`), client.rs (`Client`,
//! `AccessToken`), report.rs (the connection test), error.rs (the one error mapping),
//! logging.rs (the core's events into `logging`), testing.rs (test-only hooks).

mod client;
mod config;
mod error;
mod logging;
mod report;
#[cfg(feature = "testing")]
mod testing;

use pyo3::prelude::*;

use client::{PyAccessToken, PyClient};
use config::PyConfig;
use logging::{LOGGER, PythonLogger};
use report::{PyConnectionReport, PyStep, test_connection};
#[cfg(feature = "testing")]
use testing::{_testing_config_keys, _testing_error, _testing_panic, _testing_token_fields};

/// Whether a 401 answer to a call made with a token is Salesforce's dead session
/// (`[{"errorCode": "INVALID_SESSION_ID", ...}]`): the core's rule, so that the
/// adapters retry exactly when every other surface does.
#[pyfunction]
fn is_invalid_session(status: u16, body: &[u8]) -> bool {
    sfjwt::oauth::is_invalid_session(status, body)
}

/// The compiled core of the `sfjwt` package; private: use `sfjwt`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    LOGGER.get_or_try_init(py, || {
        py.import("logging")?
            .call_method1("getLogger", ("sfjwt",))
            .map(Bound::unbind)
    })?;
    // Fails only if this module already set it (a second initialization).
    let _ = log::set_logger(&PythonLogger);
    log::set_max_level(log::LevelFilter::Trace);
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyConfig>()?;
    m.add_class::<PyClient>()?;
    m.add_class::<PyAccessToken>()?;
    m.add_class::<PyStep>()?;
    m.add_class::<PyConnectionReport>()?;
    m.add_function(wrap_pyfunction!(test_connection, m)?)?;
    m.add_function(wrap_pyfunction!(is_invalid_session, m)?)?;
    #[cfg(feature = "testing")]
    m.add_function(wrap_pyfunction!(_testing_panic, m)?)?;
    #[cfg(feature = "testing")]
    m.add_function(wrap_pyfunction!(_testing_error, m)?)?;
    #[cfg(feature = "testing")]
    m.add_function(wrap_pyfunction!(_testing_config_keys, m)?)?;
    #[cfg(feature = "testing")]
    m.add_function(wrap_pyfunction!(_testing_token_fields, m)?)?;
    Ok(())
}
