// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What to do about each refusal of salesforce.md's table.

use std::time::SystemTime;

/// What the hints may mention: the settings and the certificate in use.
#[derive(Debug, Clone, Default)]
pub(crate) struct HintContext {
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    /// `exp` of the assertion sent.
    pub expires_at: u64,
    /// The assertion lifetime configured.
    pub expiration_secs: u32,
    /// Fingerprints of the signing certificate, when the keystore has one.
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

impl HintContext {
    /// The one-time consumer approval URL (setup step 4).
    pub fn authorize_url(&self) -> String {
        authorize_url(&self.audience, &self.issuer)
    }
}

/// `<base>/services/oauth2/authorize?client_id=...&redirect_uri=<base>/services/oauth2/success&response_type=code`
pub fn authorize_url(base: &str, consumer_key: &str) -> String {
    let base = base.trim_end_matches('/');
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{base}/services/oauth2/authorize?client_id={}&redirect_uri={}&response_type=code",
        encode(consumer_key),
        encode(&format!("{base}/services/oauth2/success")),
    )
}

/// The fix for Salesforce's `error` / `error_description`. `server_date` is the
/// answer's `Date` header, used to measure the clock offset.
pub(crate) fn hint(
    error: &str,
    description: &str,
    context: &HintContext,
    server_date: Option<SystemTime>,
    now: SystemTime,
) -> String {
    let description = description.to_ascii_lowercase();
    let has = |text: &str| description.contains(text);
    if has("hasn't approved") || has("has not approved") {
        format!(
            "the user has not approved the connected app, or is unknown: open {} once as {} and \
             allow access, or have an admin set \"Admin approved users are pre-authorized\" and \
             assign the user's profile or permission set to the app",
            context.authorize_url(),
            context.subject
        )
    } else if error == "invalid_app_access" || has("not admin approved") {
        format!(
            "assign {}'s profile or permission set to the connected app (Manage > Profiles / \
             Permission Sets)",
            context.subject
        )
    } else if has("invalid assertion") {
        let fingerprints = match (&context.sha1, &context.sha256) {
            (Some(sha1), Some(sha256)) => format!(" (SHA-1 {sha1}, SHA-256 {sha256})"),
            _ => String::new(),
        };
        let lifetime = if context.expiration_secs > 180 {
            format!(
                "; also, expiration_secs is {}: Salesforce documents at most 180",
                context.expiration_secs
            )
        } else {
            String::new()
        };
        format!(
            "the signature does not verify with the connected app's certificate: upload the \
             certificate of this keystore entry{fingerprints} to the app, or use the keystore \
             exported with the app's certificate (`sfjwt keystore inspect` prints the \
             fingerprints){lifetime}"
        )
    } else if has("expired authorization code") {
        expired_hint(context.expires_at, server_date, now)
    } else if has("audience is invalid") {
        format!(
            "audience is {}: use https://login.salesforce.com (production) or \
             https://test.salesforce.com (sandbox), or the Experience Cloud site URL, and put \
             the My Domain URL in login_url instead",
            context.audience
        )
    } else if error == "invalid_client_id" || has("client identifier invalid") {
        format!(
            "issuer {} is not a consumer key Salesforce knows: copy the consumer key from the \
             connected app again; after creating or changing the app, wait 2-10 minutes",
            context.issuer
        )
    } else if error == "unsupported_grant_type" {
        "the request was not a JWT bearer grant: this is a bug in sfjwt, please report it"
            .to_owned()
    } else if has("inactive user") {
        format!(
            "user {} is deactivated: use an active user",
            context.subject
        )
    } else if has("ip restricted") {
        "the login IP ranges or the connected app's IP policy refuse this network: relax the \
         app's IP Relaxation policy or run from an allowed network"
            .to_owned()
    } else if has("rate exceeded") {
        "more than 3,600 logins for this user in an hour: reuse tokens (token_cache=true, one \
         client per job) instead of logging in per request"
            .to_owned()
    } else if has("refresh_token scope") || has("scope") {
        "add the api and refresh_token, offline_access OAuth scopes to the connected app".to_owned()
    } else {
        "Salesforce's own words above are all it said: check the connected app (consumer key, \
         certificate, policies) and the user"
            .to_owned()
    }
}

fn expired_hint(expires_at: u64, server_date: Option<SystemTime>, now: SystemTime) -> String {
    let seconds = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    };
    let Some(server) = server_date else {
        return format!(
            "the assertion expired (exp {expires_at}) before Salesforce checked it: sync this \
             machine's clock (NTP); the server sent no Date header to compare with"
        );
    };
    let offset = seconds(server) - seconds(now);
    let relation = match offset {
        0 => "in step with".to_owned(),
        o if o > 0 => format!("{o} s behind"),
        o => format!("{} s ahead of", -o),
    };
    format!(
        "the assertion expired (exp {expires_at}) by Salesforce's clock: this machine's clock is \
         {relation} the server's (Date header, offset {offset:+} s); sync it with NTP"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn context() -> HintContext {
        HintContext {
            issuer: "3MVG9key".to_owned(),
            subject: "etl@example.com".to_owned(),
            audience: "https://login.salesforce.com".to_owned(),
            expires_at: 1_000,
            expiration_secs: 180,
            sha1: Some("AA:BB".to_owned()),
            sha256: Some("CC:DD".to_owned()),
        }
    }

    #[test]
    fn every_documented_refusal_has_its_own_fix() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let cases = [
            (
                "invalid_grant",
                "user hasn't approved this consumer",
                "services/oauth2/authorize?client_id=3MVG9key",
            ),
            (
                "invalid_app_access",
                "user is not admin approved to access this app",
                "permission set",
            ),
            ("invalid_grant", "invalid assertion", "SHA-1 AA:BB"),
            ("invalid_grant", "audience is invalid", "login_url"),
            (
                "invalid_client_id",
                "client identifier invalid",
                "2-10 minutes",
            ),
            (
                "unsupported_grant_type",
                "grant type not supported",
                "bug in sfjwt",
            ),
            ("invalid_grant", "inactive user", "active user"),
            ("invalid_grant", "ip restricted", "IP"),
            ("invalid_grant", "login rate exceeded", "reuse tokens"),
            (
                "invalid_request",
                "the connected app must require a refresh_token scope",
                "offline_access",
            ),
            ("invalid_grant", "something new", "Salesforce's own words"),
        ];
        for (error, description, expected) in cases {
            let hint = hint(error, description, &context(), None, now);
            assert!(hint.contains(expected), "{description}: {hint}");
        }
    }

    #[test]
    fn expired_hint_reports_the_measured_clock_offset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
        let server = now + Duration::from_secs(400);
        let text = hint(
            "invalid_grant",
            "expired authorization code",
            &context(),
            Some(server),
            now,
        );
        assert!(text.contains("400 s behind"), "{text}");
        assert!(text.contains("+400"), "{text}");
        let text = hint(
            "invalid_grant",
            "expired authorization code",
            &context(),
            None,
            now,
        );
        assert!(text.contains("no Date header"), "{text}");
    }
}
