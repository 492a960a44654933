// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `sfjwt._native`: the PyO3 module behind the `sfjwt` Python package.
//!
//! Each function converts its arguments, calls one core function with the GIL
//! released ([`call`]), and converts the result or the error back. The public,
//! documented API is the pure-Python package `sfjwt`; this module is private and
//! described for type checkers by `python/sfjwt/_native.pyi`.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyMemoryView, PyString, PyType};
use sfjwt::{AccessToken, ConfigBuilder, ConnectionReport, Error, ErrorCode, TokenId};
use sfjwt_bridge::{TokenCopy, panic_text};
use zeroize::{Zeroize, Zeroizing};

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
fn call<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: Send + FnOnce() -> sfjwt::Result<T>,
{
    py.detach(|| {
        // AssertUnwindSafe: on a panic nothing `f` touched is used again except the
        // core's own state, whose locks recover from poisoning.
        panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
            Err(Error::Internal(format!(
                "panic in sfjwt: {}",
                panic_text(payload)
            )))
        })
    })
    .map_err(|error| to_py_err(py, &error))
}

/// The one mapping from the core error to the Python exception classes.
fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    exception(py, error).unwrap_or_else(|failure| failure)
}

fn exception(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
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

/// A setting's Python value as the text [`ConfigBuilder::set`] parses: `str` as is,
/// `bool` as `true`/`false`, `int` in decimal, `os.PathLike` through `os.fspath`,
/// `None` as the empty text (the default).
fn setting_text(key: &str, value: &Bound<'_, PyAny>) -> Result<String, Error> {
    let wrong_type = || Error::Config {
        key: key.to_owned(),
        reason: format!(
            "expected str, int, bool, os.PathLike or None, got {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "another type".to_owned(), |n| n.to_string())
        ),
    };
    if value.is_none() {
        Ok(String::new())
    } else if value.is_instance_of::<PyString>() {
        value.extract::<String>().map_err(|_| wrong_type())
    } else if value.is_instance_of::<PyBool>() {
        Ok(value.is_truthy().map_err(|_| wrong_type())?.to_string())
    } else if value.is_instance_of::<PyInt>() {
        Ok(value.str().map_err(|_| wrong_type())?.to_string())
    } else if let Ok(path) = value.extract::<PathBuf>() {
        path.into_os_string()
            .into_string()
            .map_err(|_| wrong_type())
    } else {
        Err(wrong_type())
    }
}

/// The keyword arguments that take a keystore's bytes, and the key whose decoded
/// form they are.
const DATA_KEYS: [(&str, &str); 2] = [
    ("keystore_data", "keystore_base64"),
    ("client_cert_data", "client_cert_base64"),
];

/// A keystore's bytes from `bytes`, `bytearray` or `memoryview`, copied into memory
/// that is wiped (the Python object is the caller's), or empty for `None`. No other
/// copy is left behind: a `memoryview` is read through a `bytearray` that is wiped.
fn setting_bytes(key: &str, value: &Bound<'_, PyAny>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let wrong_type = || Error::Config {
        key: key.to_owned(),
        reason: "expected bytes, bytearray or memoryview (the keystore file's contents), \
                 or None"
            .to_owned(),
    };
    if value.is_none() {
        Ok(Zeroizing::new(Vec::new()))
    } else if let Ok(bytes) = value.cast::<PyBytes>() {
        Ok(Zeroizing::new(bytes.as_bytes().to_vec()))
    } else if let Ok(array) = value.cast::<PyByteArray>() {
        Ok(Zeroizing::new(array.to_vec()))
    } else if value.is_instance_of::<PyMemoryView>() {
        // Not `tobytes()`: its `bytes` would go back to the allocator unwiped. pyo3's
        // `PyBuffer` would read the view directly, but the buffer protocol is not in the
        // abi3-py39 API; `bytearray(view)` copies it once, into memory we can wipe.
        let array = PyByteArray::from(value).map_err(|_| wrong_type())?;
        // SAFETY: `array` is ours alone, and no Python code runs while the slice lives.
        let copy = unsafe { array.as_bytes_mut() };
        let bytes = Zeroizing::new(copy.to_vec());
        copy.zeroize();
        Ok(bytes)
    } else {
        Err(wrong_type())
    }
}

/// A validated configuration (`sfjwt.ClientConfig` documents the keys).
#[pyclass(module = "sfjwt._native", name = "Config", frozen)]
struct PyConfig(sfjwt::Config);

#[pymethods]
impl PyConfig {
    /// Reads `properties` (a `.properties` file) if given, then the `SFJWT_*`
    /// environment variables if `env`, then `settings`; later sources win.
    #[new]
    #[pyo3(signature = (settings = None, *, properties = None, env = false))]
    fn new(
        py: Python<'_>,
        settings: Option<&Bound<'_, PyDict>>,
        properties: Option<PathBuf>,
        env: bool,
    ) -> PyResult<PyConfig> {
        let mut pairs = Vec::new();
        let mut data = Vec::new();
        for (key, value) in settings.into_iter().flat_map(|d| d.iter()) {
            let key: String = key.extract()?;
            if let Some(&(_, base64_key)) = DATA_KEYS.iter().find(|(name, _)| *name == key) {
                let bytes = setting_bytes(&key, &value).map_err(|e| to_py_err(py, &e))?;
                data.push((base64_key, key, bytes));
                continue;
            }
            // Zeroizing: the value may be a password.
            let text = Zeroizing::new(setting_text(&key, &value).map_err(|e| to_py_err(py, &e))?);
            pairs.push((key, text));
        }
        call(py, move || {
            let mut builder = match &properties {
                Some(path) => ConfigBuilder::from_properties_file(path)?,
                None => ConfigBuilder::default(),
            };
            if env {
                builder.apply_env()?;
            }
            for (key, text) in &pairs {
                builder.set(key, text)?;
            }
            for (base64_key, origin, bytes) in &data {
                builder.set_data(base64_key, bytes, origin)?;
            }
            builder.build()
        })
        .map(PyConfig)
    }

    /// The connected app's consumer key.
    #[getter]
    fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// The Salesforce username.
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The `aud` claim.
    #[getter]
    fn audience(&self) -> &str {
        &self.0.audience
    }

    /// Where the token request goes.
    #[getter]
    fn login_url(&self) -> &str {
        &self.0.login_url
    }

    /// The org's My Domain, as an origin (`https://acme.my.salesforce.com`).
    #[getter]
    fn my_domain(&self) -> Option<&str> {
        self.0.my_domain.as_deref()
    }

    /// The keystore file; `None` for a keystore given as data.
    #[getter]
    fn keystore_path(&self) -> Option<String> {
        self.0
            .keystore
            .source
            .path()
            .map(|path| path.display().to_string())
    }
}

/// A logged-in-on-demand client around the core's `Client`.
#[pyclass(module = "sfjwt._native", name = "Client", frozen)]
struct PyClient {
    inner: sfjwt::Client,
    config: Py<PyConfig>,
    /// Makes the public token (`sfjwt.AccessToken`) from a native one.
    token_factory: Py<PyAny>,
    /// The public token made for the core's current token.
    public_token: TokenCopy<Py<PyAny>>,
}

#[pymethods]
impl PyClient {
    /// Loads and decrypts the signing key, and sets up HTTPS. `token_factory` makes
    /// the public token from a native one.
    #[new]
    fn new(py: Python<'_>, config: Py<PyConfig>, token_factory: Py<PyAny>) -> PyResult<PyClient> {
        let core_config = config.get().0.clone();
        let inner = call(py, move || sfjwt::Client::new(core_config))?;
        Ok(PyClient {
            inner,
            config,
            token_factory,
            public_token: TokenCopy::default(),
        })
    }

    /// The configuration.
    #[getter]
    fn config(&self, py: Python<'_>) -> Py<PyConfig> {
        self.config.clone_ref(py)
    }

    /// A token: the cached one while fresh, else one login for all callers. While the
    /// core hands back the same token, so does this: the same public object, made once
    /// (tokens are immutable).
    fn token(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        // A warm call keeps the GIL: it waits for nothing, and releasing and retaking
        // the GIL would cost more than the rest of it. Only a login releases it.
        if let Some(public) = self
            .public_token
            .with_current(&self.inner, |public| public.clone_ref(py))
        {
            return Ok(public);
        }
        let token = call(py, || self.inner.token())?;
        let public = self
            .token_factory
            .call1(py, (PyAccessToken::from(&*token),))?;
        self.public_token.store(&token, public.clone_ref(py));
        Ok(public)
    }

    /// Forgets the cached token. The GIL is released: a login in progress on
    /// another thread holds the cache slot and needs the GIL to return.
    fn invalidate(&self, py: Python<'_>) -> PyResult<()> {
        call(py, || {
            self.inner.invalidate();
            Ok(())
        })
    }

    /// Forgets the cached token only if it is still the one with `token_id`.
    fn invalidate_if_current(&self, py: Python<'_>, token_id: u64) -> PyResult<()> {
        call(py, || {
            self.inner
                .invalidate_if_current(TokenId::from_u64(token_id));
            Ok(())
        })
    }

    /// Runs the connection test with this client's configuration.
    fn test_connection(&self, py: Python<'_>) -> PyResult<PyConnectionReport> {
        let report = call(py, || Ok(self.inner.test_connection()))?;
        Ok(PyConnectionReport::new(py, report))
    }
}

/// Runs the connection test for `config`; unlike `Client`, a key that fails to
/// load is reported as the failed first step.
#[pyfunction]
fn test_connection(py: Python<'_>, config: &Bound<'_, PyConfig>) -> PyResult<PyConnectionReport> {
    let core_config = config.get().0.clone();
    let report = call(py, move || Ok(sfjwt::connection_test::run(&core_config)))?;
    Ok(PyConnectionReport::new(py, report))
}

/// Whether a 401 answer to a call made with a token is Salesforce's dead session
/// (`[{"errorCode": "INVALID_SESSION_ID", ...}]`): the core's rule, so that the
/// adapters retry exactly when every other surface does.
#[pyfunction]
fn is_invalid_session(status: u16, body: &[u8]) -> bool {
    sfjwt::oauth::is_invalid_session(status, body)
}

/// An access token; `sfjwt.AccessToken` is built from it.
#[pyclass(module = "sfjwt._native", name = "AccessToken", frozen, get_all)]
struct PyAccessToken {
    /// Which login the token came from, for `Client.invalidate(token)`.
    token_id: u64,
    access_token: String,
    instance_url: String,
    id: String,
    token_type: String,
    scope: Option<String>,
    issued_at: Option<String>,
    org_id: Option<String>,
    user_id: Option<String>,
}

impl From<&AccessToken> for PyAccessToken {
    fn from(token: &AccessToken) -> PyAccessToken {
        PyAccessToken {
            token_id: token.token_id().as_u64(),
            access_token: token.access_token().to_owned(),
            instance_url: token.instance_url().to_owned(),
            id: token.id().to_owned(),
            token_type: token.token_type().to_owned(),
            scope: token.scope().map(str::to_owned),
            issued_at: token.issued_at().map(str::to_owned),
            org_id: token.org_id().map(str::to_owned),
            user_id: token.user_id().map(str::to_owned),
        }
    }
}

#[pymethods]
impl PyAccessToken {
    fn __repr__(&self) -> String {
        format!(
            "AccessToken(access_token=<redacted>, instance_url={:?})",
            self.instance_url
        )
    }
}

/// One step of a connection test.
#[pyclass(module = "sfjwt._native", name = "Step", frozen, get_all)]
#[derive(Clone)]
struct PyStep {
    name: String,
    ok: bool,
    duration_secs: f64,
    detail: String,
}

/// The outcome of a connection test; `sfjwt.ConnectionReport` wraps it.
#[pyclass(module = "sfjwt._native", name = "ConnectionReport", frozen, get_all)]
struct PyConnectionReport {
    ok: bool,
    steps: Vec<PyStep>,
    warnings: Vec<String>,
    error: Option<Py<PyAny>>,
    api_version: Option<String>,
    instance_url: Option<String>,
    /// The core's text form, the same as `sfjwt test-connection` prints.
    text: String,
    /// The core's `--json` form.
    json: String,
}

impl PyConnectionReport {
    fn new(py: Python<'_>, report: ConnectionReport) -> PyConnectionReport {
        let error = report
            .error
            .as_ref()
            .map(|error| to_py_err(py, error).into_value(py).into_any());
        PyConnectionReport {
            ok: report.ok,
            steps: report
                .steps
                .iter()
                .map(|step| PyStep {
                    name: step.name.to_owned(),
                    ok: step.ok,
                    duration_secs: step.duration.as_secs_f64(),
                    detail: step.detail.clone(),
                })
                .collect(),
            warnings: report.warnings.clone(),
            error,
            api_version: report.api_version.clone(),
            instance_url: report.instance_url.clone(),
            text: report.to_string(),
            json: report.to_json().to_string(),
        }
    }
}

#[pymethods]
impl PyConnectionReport {
    fn __repr__(&self) -> String {
        format!(
            "ConnectionReport(ok={})",
            if self.ok { "True" } else { "False" }
        )
    }
}

/// Test-only: panics inside a core call, to prove a panic becomes an exception.
#[cfg(feature = "testing")]
#[pyfunction]
fn _testing_panic(py: Python<'_>) -> PyResult<()> {
    call(py, || -> sfjwt::Result<()> {
        panic!("deliberate panic (testing)")
    })
}

/// Test-only: raises the exception of a sample core error with the code whose value
/// is `value`, to prove that every code maps to its class; `ValueError` when no code
/// has that value.
#[cfg(feature = "testing")]
#[pyfunction]
fn _testing_error(py: Python<'_>, value: i64) -> PyResult<()> {
    use sfjwt_bridge::testing::{code_of_value, sample_error};
    let code = code_of_value(value).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!("no error code has the value {value}"))
    })?;
    call(py, move || -> sfjwt::Result<()> { Err(sample_error(code)) })
}

/// Test-only: the core's configuration keys, for the parity test.
#[cfg(feature = "testing")]
#[pyfunction]
fn _testing_config_keys() -> Vec<&'static str> {
    sfjwt::config::KEYS.to_vec()
}

/// Test-only: the fields of the core's token, for the parity test.
#[cfg(feature = "testing")]
#[pyfunction]
fn _testing_token_fields() -> Vec<&'static str> {
    sfjwt::AccessToken::FIELDS.to_vec()
}

/// sfjwt's events (the core's `log` records: logins, retries, warnings; never a
/// secret) into Python's `logging`, logger `sfjwt`, with trace as level 5. A record
/// comes from the thread that causes it, inside [`call`] with the GIL released, and a
/// login's records only once its single flight has landed; the GIL is taken for it
/// there, with nothing of this module locked, so a handler may call sfjwt again, for
/// the same identity too. Nor does this module hold the GIL while it waits for a core
/// lock that a logging thread could hold: a warm `token()` takes none, and dropping a
/// client takes only the slot map's, under which the core logs nothing.
struct PythonLogger;

/// `logging.getLogger("sfjwt")`.
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl log::Log for PythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        sfjwt::is_own_log_record(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !sfjwt::is_own_log_record(record.metadata()) {
            return;
        }
        let level: u8 = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug => 10,
            log::Level::Trace => 5,
        };
        // Not during the interpreter's shutdown: then the record is dropped.
        Python::try_attach(|py| {
            let Some(logger) = LOGGER.get(py).map(|logger| logger.bind(py)) else {
                return;
            };
            let enabled = logger
                .call_method1("isEnabledFor", (level,))
                .and_then(|enabled| enabled.is_truthy())
                .unwrap_or(false);
            if enabled {
                // A failing handler is reported by `logging` itself; nothing to add.
                let _ = logger.call_method1("log", (level, "%s", record.args().to_string()));
            }
        });
    }

    fn flush(&self) {}
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
