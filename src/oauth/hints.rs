// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! What to do about each refusal of salesforce.md's table.

use std::time::SystemTime;

use crate::config::authorize_url;

/// What the hints may mention: the settings and the certificate in use.
#[derive(Debug, Clone, Default)]
pub(crate) struct HintContext {
    pub issuer: String,
    pub subject: String,
    /// The `aud` sent.
    pub audience: String,
    /// The other audience this login tries when the one sent is refused for its
    /// audience (with `my_domain` and no `audience`).
    pub other_audience: Option<String>,
    /// The org's My Domain, when configured.
    pub my_domain: Option<String>,
    /// `audience` was set explicitly next to `my_domain`, so no other is tried.
    pub audience_set: bool,
    /// `exp` of the assertion sent.
    pub expires_at: u64,
    /// The assertion lifetime configured.
    pub expiration_secs: u32,
    /// Fingerprints of the signing certificate, when the keystore has one.
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

impl HintContext {
    /// The one-time consumer approval URL (setup step 4), on the My Domain if known.
    pub fn authorize_url(&self) -> String {
        authorize_url(
            self.my_domain.as_deref().unwrap_or(&self.audience),
            &self.issuer,
        )
    }
}

/// Where each kind of app keeps what a hint points at, so that every hint fits both.
const APP_CERTIFICATE: &str = "the app's certificate (External Client App: Settings > OAuth \
    Settings > Flow Enablement > JWT Bearer Flow; connected app: Use digital signatures)";

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
    if error == "app_not_found" || has("external client app is not installed") {
        app_not_found_hint(context)
    } else if has("hasn't approved") || has("has not approved") {
        format!(
            "the user is not permitted to use the app, or is unknown: for an External Client \
             App, set its Policies > Permitted Users to \"Admin approved users are \
             pre-authorized\" and assign {subject} a permission set selected there; for a \
             connected app, open {url} once as {subject} and allow access, or pre-authorize \
             the user's profile or permission set",
            url = context.authorize_url(),
            subject = context.subject
        )
    } else if error == "invalid_app_access" || has("not admin approved") {
        format!(
            "{} is not among the app's permitted users: for an External Client App, assign \
             the user a permission set selected in the app's Policies (Admin approved users \
             are pre-authorized); for a connected app, assign the user's profile or \
             permission set to the app (Manage > Profiles / Permission Sets)",
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
            "the signature does not verify with {APP_CERTIFICATE}: upload the certificate of \
             this keystore entry{fingerprints} there (for an External Client App this also \
             enables the JWT Bearer Flow), or use the keystore exported with the app's \
             certificate (`sfjwt keystore inspect` prints the fingerprints){lifetime}"
        )
    } else if has("expired authorization code") {
        expired_hint(context.expires_at, server_date, now)
    } else if has("audience is invalid") {
        audience_hint(context)
    } else if error == "invalid_client_id" || has("client identifier invalid") {
        format!(
            "issuer {} is not a consumer key Salesforce knows: copy it from the app again \
             (External Client App Manager > the app > Settings > OAuth Settings > Consumer Key \
             and Secret; connected app: Manage Consumer Details); after creating or changing \
             the app, wait 2-10 minutes",
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
        "the login IP ranges or the app's IP policy refuse this network: relax the app's IP \
         Relaxation policy or run from an allowed network"
            .to_owned()
    } else if has("rate exceeded") {
        "more than 3,600 logins for this user in an hour: reuse tokens (token_cache=true, one \
         client per job) instead of logging in per request"
            .to_owned()
    } else if has("refresh_token scope") || has("scope") {
        "add the api and refresh_token, offline_access OAuth scopes to the app".to_owned()
    } else {
        "Salesforce's own words above are all it said: check the app (consumer key, \
         certificate, JWT Bearer Flow, policies), my_domain and the user"
            .to_owned()
    }
}

/// An External Client App is found only through its org's My Domain, with the My Domain
/// as `aud` (observed; see salesforce.md): what to change depends on what was sent.
fn app_not_found_hint(context: &HintContext) -> String {
    let installed = format!(
        "check that the External Client App with consumer key {} is installed in this org, \
         with JWT Bearer Flow enabled and {APP_CERTIFICATE} uploaded",
        context.issuer
    );
    match (&context.my_domain, &context.other_audience) {
        (None, _) => format!(
            "Salesforce found no app with this consumer key at this host: an External Client \
             App is found only through the org's My Domain. Set my_domain to it (Setup > My \
             Domain shows it, e.g. acme.my.salesforce.com) and leave audience and login_url \
             unset; and {installed}"
        ),
        (Some(my_domain), _) if context.audience_set => format!(
            "audience is set to {}: an External Client App takes the My Domain as aud; remove \
             audience, and sfjwt sends my_domain ({my_domain}) first, then login or test once \
             (for a connected app); and {installed}",
            context.audience
        ),
        (Some(my_domain), Some(other)) => format!(
            "neither aud {} nor aud {other} found the app at {my_domain}: {installed}, and \
             that my_domain is this org's",
            context.audience
        ),
        (Some(my_domain), None) => format!(
            "the app was not found at {my_domain} with aud {}: {installed}, and that \
             my_domain is this org's",
            context.audience
        ),
    }
}

fn audience_hint(context: &HintContext) -> String {
    match (&context.my_domain, &context.other_audience) {
        (Some(my_domain), Some(other)) => format!(
            "Salesforce refused both aud {} and aud {other}: check that the app with consumer \
             key {} belongs to the org of {my_domain}, or set audience to the Experience Cloud \
             site URL the app expects",
            context.audience, context.issuer
        ),
        (Some(_), None) if context.audience_set => format!(
            "audience is set to {}, which Salesforce refuses: remove audience, and with \
             my_domain set sfjwt sends the My Domain (External Client Apps) and then login or \
             test once (connected apps); or use https://login.salesforce.com (production), \
             https://test.salesforce.com (sandbox) or the Experience Cloud site URL",
            context.audience
        ),
        _ => format!(
            "audience is {}: use https://login.salesforce.com (production) or \
             https://test.salesforce.com (sandbox), or the Experience Cloud site URL; for a My \
             Domain, set my_domain (not audience) and sfjwt picks the audience the app accepts",
            context.audience
        ),
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
            ..HintContext::default()
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
            (
                "invalid_grant",
                "audience is invalid",
                "set my_domain (not audience)",
            ),
            (
                "app_not_found",
                "External client app is not installed in this org",
                "Set my_domain",
            ),
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
    fn every_hint_that_names_the_app_fits_both_kinds() {
        let now = SystemTime::UNIX_EPOCH;
        for (error, description) in [
            ("invalid_grant", "user hasn't approved this consumer"),
            (
                "invalid_app_access",
                "user is not admin approved to access this app",
            ),
            ("invalid_grant", "invalid assertion"),
            ("invalid_client_id", "client identifier invalid"),
        ] {
            let hint = hint(error, description, &context(), None, now);
            assert!(
                hint.contains("External Client App"),
                "{description}: {hint}"
            );
            assert!(hint.contains("connected app"), "{description}: {hint}");
        }
    }

    #[test]
    fn app_not_found_and_audience_hints_say_what_to_change_in_what_was_sent() {
        let now = SystemTime::UNIX_EPOCH;
        let my_domain = Some("https://acme.my.salesforce.com".to_owned());
        let ask = |error: &str, description: &str, context: HintContext| {
            hint(error, description, &context, None, now)
        };
        let not_found = (
            "app_not_found",
            "External client app is not installed in this org",
        );
        let explicit = HintContext {
            my_domain: my_domain.clone(),
            audience_set: true,
            ..context()
        };
        let text = ask(not_found.0, not_found.1, explicit.clone());
        assert!(text.contains("remove audience"), "{text}");
        assert!(
            text.contains("sends my_domain (https://acme.my.salesforce.com)"),
            "{text}"
        );
        let both = HintContext {
            audience: "https://acme.my.salesforce.com".to_owned(),
            other_audience: Some("https://login.salesforce.com".to_owned()),
            my_domain: my_domain.clone(),
            ..context()
        };
        let text = ask(not_found.0, not_found.1, both.clone());
        assert!(
            text.contains(
                "neither aud https://acme.my.salesforce.com nor aud https://login.salesforce.com"
            ),
            "{text}"
        );
        assert!(text.contains("3MVG9key is installed"), "{text}");
        let text = ask("invalid_grant", "audience is invalid", explicit);
        assert!(text.contains("remove audience"), "{text}");
        let text = ask("invalid_grant", "audience is invalid", both);
        assert!(text.contains("refused both"), "{text}");
        // The approval URL is on the My Domain when there is one.
        let text = ask(
            "invalid_grant",
            "user hasn't approved this consumer",
            HintContext {
                my_domain,
                ..context()
            },
        );
        assert!(
            text.contains("https://acme.my.salesforce.com/services/oauth2/authorize"),
            "{text}"
        );
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
