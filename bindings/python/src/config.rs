// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `_native.Config`: keyword arguments to the core's validated configuration.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyMemoryView, PyString};
use sfjwt::{ConfigBuilder, Error};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{call, to_py_err};

/// A setting's Python value as the text [`ConfigBuilder::set`] parses: `str` as is,
/// `bool` as `true`/`false`, `int` in decimal, `os.PathLike` through `os.fspath`,
/// `None` as the empty text (the default).
pub(crate) fn setting_text(key: &str, value: &Bound<'_, PyAny>) -> Result<String, Error> {
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
pub(crate) const DATA_KEYS: [(&str, &str); 2] = [
    ("keystore_data", "keystore_base64"),
    ("client_cert_data", "client_cert_base64"),
];

/// A keystore's bytes from `bytes`, `bytearray` or `memoryview`, copied into memory
/// that is wiped (the Python object is the caller's), or empty for `None`. No other
/// copy is left behind: a `memoryview` is read through a `bytearray` that is wiped.
pub(crate) fn setting_bytes(
    key: &str,
    value: &Bound<'_, PyAny>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
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
pub(crate) struct PyConfig(pub(crate) sfjwt::Config);

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
            let process_env = |name: &str| env.then(|| std::env::var(name).ok()).flatten();
            let explicit = pairs
                .iter()
                .map(|(key, text)| (key.as_str(), text.as_str()));
            let mut builder =
                ConfigBuilder::from_sources(properties.as_deref(), process_env, explicit)?;
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
