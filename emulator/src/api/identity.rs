// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! Who a session is: `/services/oauth2/userinfo` and the identity URL
//! `/id/<org id>/<user id>`.

use hyper::header::HeaderMap;
use serde_json::{Value, json};

use super::{Answer, invalid_session, not_found, ok, session};
use crate::state::{Session, State};

/// `GET /services/oauth2/userinfo`: the OpenID Connect view of the user.
pub(crate) fn userinfo(state: &State, headers: &HeaderMap, base_url: &str) -> Answer {
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let nickname = nickname(&session);
    let body = json!({
        "sub": session.id_url,
        "user_id": session.user_id,
        "organization_id": state.org.org_id,
        "preferred_username": session.username,
        "nickname": nickname,
        "name": nickname,
        "email": session.username,
        "email_verified": true,
        "zoneinfo": "Europe/London",
        "locale": "en_US",
        "language": "en_US",
        "user_type": "STANDARD",
        "active": true,
        "is_app_installed": true,
        "urls": urls(state, &session, base_url),
    });
    ok(&body, Some(&session))
}

/// `GET /id/<org id>/<user id>`: the identity URL a token response names in `id`,
/// answered for the session's own user.
pub(crate) fn identity(state: &State, path: &str, headers: &HeaderMap, base_url: &str) -> Answer {
    let Some(session) = session(state, headers) else {
        return invalid_session();
    };
    let own = format!("/id/{}/{}", state.org.org_id, session.user_id);
    if path.trim_end_matches('/') != own {
        let (response, mut outcome) = not_found();
        outcome.username = Some(session.username);
        return (response, outcome);
    }
    let nickname = nickname(&session);
    let body = json!({
        "id": session.id_url,
        "asserted_user": true,
        "user_id": session.user_id,
        "organization_id": state.org.org_id,
        "username": session.username,
        "nick_name": nickname,
        "display_name": nickname,
        "email": session.username,
        "email_verified": true,
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "is_app_installed": true,
        "urls": urls(state, &session, base_url),
    });
    ok(&body, Some(&session))
}

fn nickname(session: &Session) -> &str {
    session
        .username
        .split('@')
        .next()
        .unwrap_or(&session.username)
}

/// The `urls` of userinfo and the identity URL, on the newest version.
fn urls(state: &State, session: &Session, base_url: &str) -> Value {
    let version = format!("{}.0", state.org.newest_api_major);
    let rest_url = |path: &str| format!("{base_url}/services/data/v{version}/{path}");
    json!({
        "rest": rest_url(""),
        "sobjects": rest_url("sobjects/"),
        "query": rest_url("query/"),
        "limits": rest_url("limits/"),
        "tooling_rest": rest_url("tooling/"),
        "profile": format!("{base_url}/{}", session.user_id),
    })
}
