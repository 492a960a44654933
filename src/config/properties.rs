// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The Java `.properties` reader: the file's encoding, then its syntax.

use zeroize::Zeroizing;

/// The text of a `.properties` file: UTF-8, or ISO-8859-1 when the bytes are not valid
/// UTF-8, as Java 9+ reads properties resource bundles. Files written by
/// `java.util.Properties.store` (ISO-8859-1) and by Talend or an editor (UTF-8) thus
/// read as they do in Java, on every surface. Wiped on drop: values may be passwords.
pub(super) fn decode_properties(bytes: &[u8]) -> Zeroizing<String> {
    // Capacity up front, so that no growing buffer leaves unwiped copies behind; an
    // ISO-8859-1 byte takes at most two bytes in UTF-8.
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let mut decoded = Zeroizing::new(String::with_capacity(text.len()));
            decoded.push_str(text);
            decoded
        }
        Err(_) => {
            let mut decoded = Zeroizing::new(String::with_capacity(bytes.len() * 2));
            // ISO-8859-1 maps each byte to the code point of the same value.
            decoded.extend(bytes.iter().map(|&byte| char::from(byte)));
            decoded
        }
    }
}

/// The pairs of a `.properties` file's bytes: [`decode_properties`]'s encoding rule,
/// then [`parse_properties`]. For a binding that reads the file itself and keeps the
/// pairs in its own configuration (Java's `SalesforceJwtConfig.fromProperties(Path)`),
/// so that every surface reads a file the same way.
pub fn read_properties(bytes: &[u8]) -> Vec<(String, Zeroizing<String>)> {
    parse_properties(&decode_properties(bytes))
}

/// Java `.properties` syntax: `#`/`!` comments, `key=value`, `key: value` or
/// `key value`, backslash line continuations and escapes (`\t`, `\n`, `\uXXXX`, ...).
/// Pairs come in file order, duplicates included: applied in turn, the later wins, as
/// in `java.util.Properties`. Values may be passwords, so they are zeroized on drop.
pub fn parse_properties(text: &str) -> Vec<(String, Zeroizing<String>)> {
    let mut pairs = Vec::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let first = first.trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // The physical lines of this logical line, then one buffer of their size: a
        // growing one would leave unwiped copies of a password behind.
        let mut parts = vec![first];
        while parts
            .last()
            .is_some_and(|part| ends_with_continuation(part))
        {
            match lines.next() {
                Some(next) => parts.push(next.trim_start()),
                None => break,
            }
        }
        let mut logical = Zeroizing::new(String::with_capacity(
            parts.iter().map(|part| part.len()).sum(),
        ));
        let continued = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let ends = i < continued || ends_with_continuation(part);
            logical.push_str(if ends { &part[..part.len() - 1] } else { part });
        }
        let (key, value) = split_key_value(&logical);
        pairs.push((unescape(key), Zeroizing::new(unescape(value))));
    }
    pairs
}

fn ends_with_continuation(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || c.is_whitespace() {
            let key = &line[..i];
            let rest = line[i..].trim_start_matches([' ', '\t', '\x0c']);
            let rest = if c.is_whitespace() {
                rest.strip_prefix(['=', ':']).unwrap_or(rest)
            } else {
                &rest[1..]
            };
            return (key, rest.trim_start_matches([' ', '\t', '\x0c']));
        }
    }
    (line, "")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex = Zeroizing::new(chars.by_ref().take(4).collect::<String>());
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => out.push_str(hex.as_str()),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_follow_java_syntax() {
        let text = "# comment\n! also\nissuer = 3MVG9abc\nsubject:user@example.com\n\
                    keystore_path   /tmp/a\\ b.jks\nkey_alias=multi\\\n    line\n\
                    audience=https\\://test.salesforce.com\nkey_password=p\\u00e4ss\n\
                    issuer=second\nempty=\n";
        let pairs = parse_properties(text);
        let get = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("issuer"), Some("second"));
        assert_eq!(get("subject"), Some("user@example.com"));
        assert_eq!(get("keystore_path"), Some("/tmp/a b.jks"));
        assert_eq!(get("key_alias"), Some("multiline"));
        assert_eq!(get("audience"), Some("https://test.salesforce.com"));
        assert_eq!(get("key_password"), Some("päss"));
        assert_eq!(get("empty"), Some(""));
        assert_eq!(pairs.len(), 8);
    }

    #[test]
    fn a_file_is_read_as_utf8_else_as_iso_8859_1() {
        let utf8 = "key_password=pässé😀\n".as_bytes();
        assert_eq!(decode_properties(utf8).as_str(), "key_password=pässé😀\n");
        // `Properties.store` writes ISO-8859-1: é is the one byte 0xE9, not UTF-8.
        let latin1 = b"subject=jos\xe9@example.com\nkey_alias=caf\xe9\n";
        let pairs = parse_properties(&decode_properties(latin1));
        assert_eq!(pairs[0].1.as_str(), "josé@example.com");
        assert_eq!(pairs[1].1.as_str(), "café");
        // Bytes that are valid UTF-8 stay UTF-8, though ISO-8859-1 could read them too.
        assert_eq!(decode_properties("é".as_bytes()).as_str(), "é");
    }
}
