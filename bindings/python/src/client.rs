// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `_native.Client` and `_native.AccessToken`: the token, the warm path and the
//! cache's invalidation.

use pyo3::prelude::*;
use sfjwt::{AccessToken, TokenId};
use sfjwt_bridge::TokenCopy;

use crate::config::PyConfig;
use crate::error::{call, with_gil};
use crate::report::PyConnectionReport;

/// A logged-in-on-demand client around the core's `Client`.
#[pyclass(module = "sfjwt._native", name = "Client", frozen)]
pub(crate) struct PyClient {
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
        let public = with_gil(py, || {
            self.public_token.current_or_make(&self.inner, || {
                let token = call(py, || self.inner.token())?;
                let public = self
                    .token_factory
                    .call1(py, (PyAccessToken::from(&*token),))?;
                Ok::<_, PyErr>((token, public))
            })
        })??;
        Ok(public.clone_ref(py))
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

/// An access token; `sfjwt.AccessToken` is built from it.
#[pyclass(module = "sfjwt._native", name = "AccessToken", frozen, get_all)]
pub(crate) struct PyAccessToken {
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
