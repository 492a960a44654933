// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! `POST /services/oauth2/token`: the JWT Bearer grant, checked in the order that
//! decides which error Salesforce reports when several apply.

use std::borrow::Cow;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose::URL_SAFE_NO_PAD};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CACHE_CONTROL, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Reached, json_response, random_bytes, server_error};
use crate::org::config::{AppKind, Org, OrgUser, PermittedUsers};
use crate::state::log::Outcome;
use crate::state::{Session, State};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// base64url as JWTs use it; padding tolerated because some signers emit it.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An OAuth error: always HTTP 400 with `{"error", "error_description"}`. Owned text
/// only for the bodies an app configures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) error: Cow<'static, str>,
    pub(crate) description: Cow<'static, str>,
}

const fn oauth(error: &'static str, description: &'static str) -> OAuthError {
    OAuthError {
        error: Cow::Borrowed(error),
        description: Cow::Borrowed(description),
    }
}

pub(crate) const UNSUPPORTED_GRANT: OAuthError =
    oauth("unsupported_grant_type", "grant type not supported");
const INVALID_ASSERTION: OAuthError = oauth("invalid_grant", "invalid assertion");
const UNKNOWN_CLIENT: OAuthError = oauth("invalid_client_id", "client identifier invalid");
const BAD_AUDIENCE: OAuthError = oauth("invalid_grant", "audience is invalid");
const EXPIRED: OAuthError = oauth("invalid_grant", "expired authorization code");
const NOT_APPROVED: OAuthError = oauth("invalid_grant", "user hasn't approved this consumer");
// Reported for connected apps; kept for External Client Apps, for which no other body is
// published (a Login History status, OAUTH_APP_ACCESS_DENIED, is not the wire error).
const NOT_ASSIGNED: OAuthError = oauth(
    "invalid_app_access",
    "user is not admin approved to access this app",
);
// Observed in the field for an ECA reached through login/test or with their `aud`
// (n8n-io/n8n#28990, forcedotcom/cli#3482, hardisgroupcom/sfdx-hardis#1979).
const APP_NOT_FOUND: OAuthError = oauth(
    "app_not_found",
    "External client app is not installed in this org",
);
const INACTIVE: OAuthError = oauth("invalid_grant", "inactive user");
const IP_RESTRICTED: OAuthError = oauth("invalid_grant", "ip restricted");
const RATE_EXCEEDED: OAuthError = oauth("invalid_grant", "login rate exceeded");
// Wording unconfirmed (salesforce.md).
const MISSING_SCOPE: OAuthError = oauth(
    "invalid_request",
    "the connected app must require a refresh_token scope",
);
pub(crate) const NOT_POST: OAuthError = oauth("invalid_request", "must use HTTP POST");

impl OAuthError {
    pub(crate) fn response(self) -> (Response<Full<Bytes>>, Outcome) {
        let body = json!({"error": self.error, "error_description": self.description});
        (
            json_response(StatusCode::BAD_REQUEST, &body),
            Outcome::new(format!("{}: {}", self.error, self.description)),
        )
    }
}

/// The claims Salesforce reads, and what the signature covers.
struct Assertion<'a> {
    signing_input: &'a str,
    signature: Vec<u8>,
    iss: String,
    sub: String,
    aud: Vec<String>,
    exp: i64,
}

/// Parses a compact JWS with `{"alg":"RS256"}`; `None` when anything is off.
fn parse_assertion(jwt: &str) -> Option<Assertion<'_>> {
    let (signing_input, signature) = jwt.rsplit_once('.')?;
    let (header, claims) = signing_input.split_once('.')?;
    let header: Value = serde_json::from_slice(&B64URL.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "RS256" {
        return None;
    }
    let claims: Value = serde_json::from_slice(&B64URL.decode(claims).ok()?).ok()?;
    let text = |name: &str| claims.get(name)?.as_str().map(str::to_owned);
    let aud = match claims.get("aud")? {
        Value::String(aud) => vec![aud.clone()],
        Value::Array(auds) => auds
            .iter()
            .map(|a| a.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    let exp = numeric_date(claims.get("exp")?)?;
    Some(Assertion {
        signing_input,
        signature: B64URL.decode(signature).ok()?,
        iss: text("iss")?,
        // The legacy `prn` wins over `sub` when both are present.
        sub: text("prn").or_else(|| text("sub"))?,
        aud,
        exp,
    })
}

/// A NumericDate as Salesforce reads it: a number, possibly fractional, or a JSON
/// string of one (Salesforce's own doc example and simple-salesforce send a string).
fn numeric_date(value: &Value) -> Option<i64> {
    let number = match value {
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        other => other
            .as_i64()
            .map_or_else(|| other.as_f64(), |n| Some(n as f64))?,
    };
    // `as` saturates, so no finite value can overflow.
    number.is_finite().then_some(number as i64)
}

/// Handles a token request body (`application/x-www-form-urlencoded`).
pub(crate) fn exchange(
    state: &State,
    form_encoded: bool,
    body: &[u8],
    reached: &Reached<'_>,
) -> (Response<Full<Bytes>>, Outcome) {
    let mut grant_type = None;
    let mut assertion = None;
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "grant_type" if grant_type.is_none() => grant_type = Some(value),
            "assertion" if assertion.is_none() => assertion = Some(value),
            _ => {}
        }
    }
    // A JSON or multipart body is refused like a wrong grant type, as Salesforce does.
    if !form_encoded || grant_type.as_deref() != Some(JWT_BEARER) {
        return UNSUPPORTED_GRANT.response();
    }
    let Some(parsed) = assertion.as_deref().and_then(parse_assertion) else {
        return INVALID_ASSERTION.response();
    };
    let result = check(state, &parsed, reached);
    let (response, mut outcome) = match result {
        Ok(user) => issue(state, user, reached.base_url),
        Err(error) => error.response(),
    };
    outcome.username = Some(parsed.sub);
    outcome.consumer_key = Some(parsed.iss);
    (response, outcome)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether `aud` names the org's My Domain: `https://<my domain>`, with no port or with
/// the port the request reached, and at most a `/` of path.
fn is_my_domain_url(aud: &str, org: &Org, port: u16) -> bool {
    let Ok(url) = url::Url::parse(aud) else {
        return false;
    };
    url.scheme() == "https"
        && url.host_str() == Some(org.my_domain.as_str())
        && url.port().is_none_or(|p| p == port)
        && url.path() == "/"
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
}

/// Every check after parsing, in Salesforce's order (the crate docs list it); on
/// success the login is counted against the user's hourly limit.
fn check<'s>(
    state: &'s State,
    assertion: &Assertion<'_>,
    reached: &Reached<'_>,
) -> Result<&'s OrgUser, OAuthError> {
    let org = &state.org;
    let app = org.apps.get(&assertion.iss).ok_or(UNKNOWN_CLIENT)?;
    if let AppKind::External {
        jwt_bearer_flow_enabled,
        jwt_disabled_error,
        jwt_disabled_error_description,
        ..
    } = &app.kind
    {
        // An ECA is installed in one org only ("closed by default"): the generic hosts,
        // serving every org, do not find it.
        if !reached.my_domain {
            return Err(APP_NOT_FOUND);
        }
        // Checked before the signature: with the flow off there is no certificate to
        // check it with.
        if !jwt_bearer_flow_enabled {
            return Err(OAuthError {
                error: Cow::Owned(jwt_disabled_error.clone()),
                description: Cow::Owned(jwt_disabled_error_description.clone()),
            });
        }
    }
    app.public_key
        .as_ref()
        .ok_or(INVALID_ASSERTION)?
        .verify(assertion.signing_input.as_bytes(), &assertion.signature)
        .map_err(|_| INVALID_ASSERTION)?;
    match &app.kind {
        // As observed: an ECA takes only its org's My Domain as `aud`...
        AppKind::External { .. } => {
            if !assertion
                .aud
                .iter()
                .any(|aud| is_my_domain_url(aud, org, reached.port))
            {
                return Err(APP_NOT_FOUND);
            }
        }
        // ...and a connected app login, test or a site URL, never the My Domain.
        AppKind::Connected { .. } => {
            if !assertion.aud.iter().any(|aud| org.audiences.contains(aud)) {
                return Err(BAD_AUDIENCE);
            }
        }
    }
    let now = now_secs().saturating_add(org.clock_skew_secs);
    if assertion.exp <= now {
        return Err(EXPIRED);
    }
    if let Some(max_lifetime) = org.max_assertion_lifetime_secs {
        let max_lifetime = i64::try_from(max_lifetime).unwrap_or(i64::MAX);
        if assertion.exp > now.saturating_add(max_lifetime) {
            return Err(INVALID_ASSERTION);
        }
    }
    let user = org.users.get(&assertion.sub).ok_or(NOT_APPROVED)?;
    // An admin-approved app pre-authorizes its assigned users (for an ECA: the holders
    // of one of its permission sets), so their own approval does not matter; for other
    // apps it is all that matters.
    let pre_authorized = match &app.kind {
        AppKind::Connected {
            admin_approved_only: true,
            assigned_users,
        } => Some(assigned_users.contains(&user.username)),
        AppKind::External {
            permitted_users: PermittedUsers::AdminApproved,
            permission_sets,
            ..
        } => Some(permission_sets.iter().any(|wanted| {
            user.permission_sets
                .iter()
                .any(|held| held.eq_ignore_ascii_case(wanted))
        })),
        _ => None,
    };
    match pre_authorized {
        Some(false) => return Err(NOT_ASSIGNED),
        None if !user.approved => return Err(NOT_APPROVED),
        _ => {}
    }
    if !user.active {
        return Err(INACTIVE);
    }
    if user.ip_restricted {
        return Err(IP_RESTRICTED);
    }
    let mut logins = state.logins();
    let recent = logins.entry(user.username.clone()).or_default();
    let hour_ago = Instant::now().checked_sub(Duration::from_secs(3600));
    while recent
        .front()
        .is_some_and(|&at| hour_ago.is_some_and(|hour_ago| at <= hour_ago))
    {
        recent.pop_front();
    }
    if recent.len() >= usize::try_from(org.login_rate_limit_per_hour).unwrap_or(usize::MAX) {
        return Err(RATE_EXCEEDED);
    }
    if !app.has_api_scope {
        return Err(MISSING_SCOPE);
    }
    recent.push_back(Instant::now());
    Ok(user)
}

fn issue(state: &State, user: &OrgUser, base_url: &str) -> (Response<Full<Bytes>>, Outcome) {
    let org_id = &state.org.org_id;
    let (Some(token_bytes), Some(signature_bytes)) = (random_bytes::<48>(), random_bytes::<32>())
    else {
        return server_error("server_error: no randomness for a token");
    };
    let access_token = format!("{org_id}!{}", URL_SAFE_NO_PAD.encode(token_bytes));
    let id = format!("{base_url}/id/{org_id}/{}", user.user_id);
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let body = json!({
        "access_token": access_token,
        "scope": "api",
        "instance_url": base_url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at.to_string(),
        "signature": STANDARD.encode(signature_bytes),
    });
    state.add_session(
        access_token,
        Session {
            username: user.username.clone(),
            user_id: user.user_id.clone(),
            id_url: id,
        },
    );
    let mut response = json_response(StatusCode::OK, &body);
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache,must-revalidate,max-age=0,no-store,private"),
    );
    (response, Outcome::new("token_issued"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn prn_wins_over_sub() {
        let token = jwt(
            r#"{"alg":"RS256"}"#,
            r#"{"iss":"k","sub":"a","prn":"b","aud":"x","exp":5}"#,
        );
        let parsed = parse_assertion(&token).expect("parses");
        assert_eq!(parsed.sub, "b");
        assert_eq!(parsed.signature, b"sig");
    }

    #[test]
    fn exp_is_a_number_or_a_string_of_one() {
        let exp = |value: &str| {
            let claims = format!(r#"{{"iss":"k","sub":"a","aud":"x","exp":{value}}}"#);
            parse_assertion(&jwt(r#"{"alg":"RS256"}"#, &claims)).map(|a| a.exp)
        };
        assert_eq!(exp("1700000000"), Some(1_700_000_000));
        assert_eq!(exp("1700000000.9"), Some(1_700_000_000));
        assert_eq!(exp(r#""1700000000""#), Some(1_700_000_000));
        // The Salesforce CLI's exp, in milliseconds.
        assert_eq!(exp("1700000000300"), Some(1_700_000_000_300));
        assert_eq!(exp("1e300"), Some(i64::MAX));
        for bad in [r#""soon""#, r#""""#, r#""NaN""#, "null", "true", "[1]"] {
            assert_eq!(exp(bad), None, "{bad}");
        }
    }

    #[test]
    fn malformed_assertions_are_refused() {
        let claims = r#"{"iss":"k","sub":"a","aud":"x","exp":5}"#;
        for bad in [
            String::new(),
            "a.b".to_owned(),
            "!!.!!.!!".to_owned(),
            jwt(r#"{"alg":"HS256"}"#, claims),
            jwt(r#"{"alg":"none"}"#, claims),
            jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"k","aud":"x","exp":5}"#),
            jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"k","sub":"a","aud":"x"}"#),
            jwt(
                r#"{"alg":"RS256"}"#,
                r#"{"iss":"k","sub":"a","aud":1,"exp":5}"#,
            ),
            jwt(r#"{"alg":"RS256"}"#, "[]"),
            format!("{}.extra", jwt(r#"{"alg":"RS256"}"#, claims)),
        ] {
            assert!(parse_assertion(&bad).is_none(), "{bad}");
        }
    }
}
