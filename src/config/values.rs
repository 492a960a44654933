// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The parsers of a key's text: numbers in a range, booleans, URLs, the My Domain, the
//! proxy URL and the API version. Each returns the reason for a refusal;
//! [`parse_opt`] names the key.

use std::fmt;

use zeroize::Zeroizing;

use super::secrets::ProxyUrl;
use super::{DEFAULT_AUDIENCE, SANDBOX_AUDIENCE};
use crate::error::{Error, Result};

pub(super) fn parse_opt<T>(
    key: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .map_err(|reason| Error::config(key, reason))
}

pub(super) fn parse_range<T>(text: &str, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!(
            "'{text}' is not a whole number from {min} to {max}"
        )),
    }
}

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

/// An `https://` URL, or `http://` to a loopback address (the emulator); no path,
/// query or trailing slash is kept.
pub(crate) fn parse_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| format!("'{text}' is not a URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("'{text}' has no host")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a login URL must not carry credentials".to_owned());
    }
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(format!("'{text}' is plain http; Salesforce needs https")),
        other => return Err(format!("'{text}' has scheme {other}; use https")),
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// The origin sfjwt uses for a My Domain given as a host or an https URL (what the
/// `my_domain` key takes), or CONFIG naming `my_domain`: for tools that write the key,
/// such as `sfjwt setup`, so that they accept exactly what a login will.
pub fn my_domain_origin(text: &str) -> Result<String> {
    parse_my_domain(text.trim()).map_err(|reason| Error::config("my_domain", reason))
}

/// The org's My Domain, as a host (`acme.my.salesforce.com`) or an https URL
/// (`https://acme.my.salesforce.com/`), normalized to its origin
/// (`https://acme.my.salesforce.com`). A path, query, fragment or user info means
/// something else was pasted (a Lightning page, a token URL), so it is refused rather
/// than cut off; plain http only to loopback (the emulator).
pub(super) fn parse_my_domain(text: &str) -> Result<String, String> {
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        format!("'{text}' is not a host or URL ({e}); give it as acme.my.salesforce.com")
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{text}' has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a My Domain must not carry a user or password".to_owned());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "'{text}' has a path, query or fragment; give the host alone, as Setup > My \
             Domain shows it (acme.my.salesforce.com)"
        ));
    }
    let origin = url.origin().ascii_serialization();
    parse_url(&origin).map_err(|reason| reason.replace("a login URL", "a My Domain"))
}

/// The generic login host of a My Domain: test.salesforce.com for a sandbox or a
/// scratch org (`acme--uat.sandbox.my.salesforce.com`, `acme--uat.my.salesforce.com`,
/// `….scratch.my.salesforce.com`), login.salesforce.com otherwise.
pub(super) fn generic_audience(my_domain: &str) -> String {
    let host = url::Url::parse(my_domain)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let sandbox = host
        .split('.')
        .next()
        .is_some_and(|name| name.contains("--"))
        || host.ends_with(".sandbox.my.salesforce.com")
        || host.ends_with(".scratch.my.salesforce.com");
    if sandbox {
        SANDBOX_AUDIENCE
    } else {
        DEFAULT_AUDIENCE
    }
    .to_owned()
}

/// Port 8443 of a My Domain, where Salesforce asks for the client certificate, unless
/// the My Domain names a port of its own.
pub(super) fn mutual_tls_url(my_domain: &str) -> String {
    match url::Url::parse(my_domain) {
        Ok(mut url) if url.port().is_none() => {
            let _ = url.set_port(Some(8443));
            url.origin().ascii_serialization()
        }
        _ => my_domain.to_owned(),
    }
}

pub(super) fn parse_proxy_url(text: &str) -> Result<ProxyUrl, String> {
    // Never echo the URL: it may carry proxy credentials.
    let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(ProxyUrl(Zeroizing::new(text.to_owned()))),
        _ => Err("use http://[user:password@]host:port or https://...".to_owned()),
    }
}

pub(super) fn parse_api_version(text: &str) -> Result<String, String> {
    let version = text.trim_start_matches(['v', 'V']);
    let valid = version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(version.to_owned())
    } else {
        Err(format!("'{text}' is not an API version like 62.0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_allowed_for_loopback_only() {
        assert!(parse_url("http://127.0.0.1:8443").is_ok());
        assert!(parse_url("http://localhost:1/").is_ok());
        assert_eq!(
            parse_url("https://login.salesforce.com/").unwrap(),
            "https://login.salesforce.com"
        );
        assert!(parse_url("http://10.0.0.1").is_err());
    }
}
