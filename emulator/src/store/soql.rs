// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The SOQL subset the emulator answers: `SELECT` a field list or `COUNT()` `FROM` one
//! object, `WHERE` with `=`, `!=`, `<>`, `<`, `>`, `<=`, `>=`, `LIKE`, `IN`, `NOT IN`,
//! `NULL`, `AND`, `OR`, `NOT` and parentheses, `ORDER BY` (`ASC`/`DESC`,
//! `NULLS FIRST`/`LAST`), `LIMIT` and `OFFSET`. Keywords are case-insensitive, string
//! comparisons too, as in Salesforce.
//!
//! [`parse`] gives the query's shape or `MALFORMED_QUERY`; the data store then checks
//! the object (`INVALID_TYPE`) and the fields (`INVALID_FIELD`).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use super::error::StoreError;

/// The longest query accepted, as Salesforce's 100,000 characters.
pub const MAX_QUERY_CHARS: usize = 100_000;
/// How deep conditions may nest: bounds the parser's recursion.
const MAX_DEPTH: usize = 64;
/// The longest `LIKE` pattern taken: Salesforce filters text fields of at most 255
/// characters, so a longer pattern matches little there, and the bound keeps each
/// piece's search (see [`LikePattern`]) within 16 words of bits.
const MAX_LIKE_PATTERN_CHARS: usize = 1_000;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Select,
    pub object: String,
    pub filter: Option<Condition>,
    pub order_by: Vec<OrderBy>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// What is selected.
#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    /// `COUNT()`: the number of matching records, no records.
    Count,
    /// Field names as written.
    Fields(Vec<String>),
}

/// A `WHERE` condition. `AND` and `OR` hold every term of a flat chain in one node,
/// so that only parentheses and `NOT` (bounded by [`MAX_DEPTH`]) make the tree deeper:
/// matching, comparing and dropping a tree recurse no deeper than that.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Two terms or more.
    And(Vec<Condition>),
    /// Two terms or more.
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        field: String,
        op: Op,
        value: Literal,
    },
    In {
        field: String,
        values: Vec<Literal>,
        negated: bool,
    },
    Like {
        field: String,
        pattern: LikePattern,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
}

/// One `ORDER BY` term.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub field: String,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Symbol(&'static str),
}

impl Token {
    fn shown(&self) -> String {
        match self {
            Token::Word(word) => word.clone(),
            Token::Text(text) => format!("'{text}'"),
            Token::Number(number) => number.to_string(),
            Token::Symbol(symbol) => (*symbol).to_owned(),
        }
    }
}

const SYMBOLS: [&str; 10] = ["!=", "<>", "<=", ">=", "=", "<", ">", "(", ")", ","];

fn tokenize(text: &str) -> Result<Vec<Token>, StoreError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, 't')) => value.push('\t'),
                        Some((_, escaped)) => value.push(escaped),
                        None => return Err(StoreError::malformed_query("unterminated string")),
                    },
                    Some((_, other)) => value.push(other),
                    None => return Err(StoreError::malformed_query("unterminated string")),
                }
            }
            tokens.push(Token::Text(value));
        } else if c.is_ascii_digit() || (c == '-' || c == '.') && is_number_start(text, at) {
            let end = text[at..]
                .char_indices()
                .skip(1)
                .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
                .map_or(text.len(), |(i, _)| at + i);
            let number = text[at..end].parse().map_err(|_| {
                StoreError::malformed_query(format!("unexpected token: '{}'", &text[at..end]))
            })?;
            tokens.push(Token::Number(number));
            while chars.peek().is_some_and(|&(i, _)| i < end) {
                chars.next();
            }
        } else if c.is_alphabetic() || c == '_' {
            let end = text[at..]
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(text.len(), |(i, _)| at + i);
            tokens.push(Token::Word(text[at..end].to_owned()));
            while chars.peek().is_some_and(|&(i, _)| i < end) {
                chars.next();
            }
        } else if let Some(symbol) = SYMBOLS.iter().find(|s| text[at..].starts_with(**s)) {
            tokens.push(Token::Symbol(symbol));
            for _ in 0..symbol.len() {
                chars.next();
            }
        } else {
            return Err(StoreError::malformed_query(format!(
                "unexpected token: '{c}'"
            )));
        }
    }
    Ok(tokens)
}

fn is_number_start(text: &str, at: usize) -> bool {
    text[at + 1..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}

/// Parses a query.
pub fn parse(text: &str) -> Result<Query, StoreError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(StoreError::malformed_query(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let mut parser = Parser {
        tokens: tokenize(text)?,
        next: 0,
    };
    let query = parser.query()?;
    match parser.peek() {
        None => Ok(query),
        Some(token) => Err(unexpected(token)),
    }
}

fn unexpected(token: &Token) -> StoreError {
    StoreError::malformed_query(format!("unexpected token: '{}'", token.shown()))
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.is_keyword(keyword);
        if found {
            self.next += 1;
        }
        found
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), StoreError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected_here(keyword))
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol);
        if found {
            self.next += 1;
        }
        found
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<(), StoreError> {
        if self.eat_symbol(symbol) {
            Ok(())
        } else {
            Err(self.unexpected_here(symbol))
        }
    }

    fn unexpected_here(&self, expected: &str) -> StoreError {
        match self.peek() {
            Some(token) => StoreError::malformed_query(format!(
                "unexpected token: '{}', expecting {expected}",
                token.shown()
            )),
            None => StoreError::malformed_query(format!(
                "unexpected end of query, expecting {expected}"
            )),
        }
    }

    /// A field or object name: a word that is not a keyword of the clause after it.
    fn name(&mut self, what: &str) -> Result<String, StoreError> {
        match self.peek() {
            Some(Token::Word(word)) if !is_reserved(word) => {
                let word = word.clone();
                self.next += 1;
                Ok(word)
            }
            _ => Err(self.unexpected_here(what)),
        }
    }

    fn count(&mut self) -> Result<usize, StoreError> {
        match self.peek() {
            Some(&Token::Number(n)) if n >= 0.0 && n.fract() == 0.0 && n <= 1e9 => {
                self.next += 1;
                Ok(n as usize)
            }
            _ => Err(self.unexpected_here("a non-negative integer")),
        }
    }

    fn query(&mut self) -> Result<Query, StoreError> {
        self.expect_keyword("SELECT")?;
        let select = if self.is_keyword("COUNT") {
            self.next += 1;
            self.expect_symbol("(")?;
            self.expect_symbol(")")?;
            Select::Count
        } else {
            let mut fields = vec![self.name("a field name")?];
            while self.eat_symbol(",") {
                fields.push(self.name("a field name")?);
            }
            Select::Fields(fields)
        };
        self.expect_keyword("FROM")?;
        let object = self.name("an object name")?;
        let filter = if self.eat_keyword("WHERE") {
            Some(self.or(0)?)
        } else {
            None
        };
        let mut order_by = Vec::new();
        if self.eat_keyword("ORDER") {
            self.expect_keyword("BY")?;
            loop {
                let field = self.name("a field name")?;
                let descending = if self.eat_keyword("DESC") {
                    true
                } else {
                    self.eat_keyword("ASC");
                    false
                };
                // Salesforce puts nulls first by default, ascending or not.
                let nulls_last = if self.eat_keyword("NULLS") {
                    if self.eat_keyword("LAST") {
                        true
                    } else {
                        self.expect_keyword("FIRST")?;
                        false
                    }
                } else {
                    false
                };
                order_by.push(OrderBy {
                    field,
                    descending,
                    nulls_last,
                });
                if !self.eat_symbol(",") {
                    break;
                }
            }
        }
        let limit = if self.eat_keyword("LIMIT") {
            Some(self.count()?)
        } else {
            None
        };
        let offset = if self.eat_keyword("OFFSET") {
            Some(self.count()?)
        } else {
            None
        };
        Ok(Query {
            select,
            object,
            filter,
            order_by,
            limit,
            offset,
        })
    }

    /// `a OR b OR ...`, read in a loop: a chain of any length is one node.
    fn or(&mut self, depth: usize) -> Result<Condition, StoreError> {
        let mut terms = vec![self.and(depth)?];
        while self.eat_keyword("OR") {
            terms.push(self.and(depth)?);
        }
        Ok(chain(terms, Condition::Or))
    }

    fn and(&mut self, depth: usize) -> Result<Condition, StoreError> {
        let mut terms = vec![self.unary(depth)?];
        while self.eat_keyword("AND") {
            terms.push(self.unary(depth)?);
        }
        Ok(chain(terms, Condition::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Condition, StoreError> {
        if depth >= MAX_DEPTH {
            return Err(StoreError::malformed_query("conditions nested too deeply"));
        }
        if self.eat_keyword("NOT") {
            return Ok(Condition::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.eat_symbol("(") {
            let inner = self.or(depth + 1)?;
            self.expect_symbol(")")?;
            return Ok(inner);
        }
        let field = self.name("a field name")?;
        if self.eat_keyword("LIKE") {
            return match self.literal()? {
                Literal::Text(pattern) if pattern.chars().count() > MAX_LIKE_PATTERN_CHARS => {
                    Err(StoreError::malformed_query(format!(
                        "LIKE patterns are limited to {MAX_LIKE_PATTERN_CHARS} characters"
                    )))
                }
                Literal::Text(pattern) => Ok(Condition::Like {
                    field,
                    pattern: LikePattern::new(&pattern),
                }),
                _ => Err(StoreError::malformed_query("LIKE takes a string")),
            };
        }
        let negated = self.eat_keyword("NOT");
        if self.eat_keyword("IN") {
            self.expect_symbol("(")?;
            let mut values = vec![self.literal()?];
            while self.eat_symbol(",") {
                values.push(self.literal()?);
            }
            self.expect_symbol(")")?;
            return Ok(Condition::In {
                field,
                values,
                negated,
            });
        }
        if negated {
            return Err(self.unexpected_here("IN"));
        }
        let op = match self.peek() {
            Some(Token::Symbol(symbol)) => match *symbol {
                "=" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<" => Op::Lt,
                ">" => Op::Gt,
                "<=" => Op::Le,
                ">=" => Op::Ge,
                _ => return Err(self.unexpected_here("an operator")),
            },
            _ => return Err(self.unexpected_here("an operator")),
        };
        self.next += 1;
        let value = self.literal()?;
        Ok(Condition::Compare { field, op, value })
    }

    fn literal(&mut self) -> Result<Literal, StoreError> {
        let literal = match self.peek() {
            Some(Token::Text(text)) => Literal::Text(text.clone()),
            Some(&Token::Number(number)) => Literal::Number(number),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("NULL") => Literal::Null,
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("TRUE") => Literal::Bool(true),
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("FALSE") => Literal::Bool(false),
            _ => return Err(self.unexpected_here("a value")),
        };
        self.next += 1;
        Ok(literal)
    }
}

/// One term as itself, more as `node` of them.
fn chain(terms: Vec<Condition>, node: fn(Vec<Condition>) -> Condition) -> Condition {
    match <[Condition; 1]>::try_from(terms) {
        Ok([only]) => only,
        Err(terms) => node(terms),
    }
}

fn is_reserved(word: &str) -> bool {
    [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
        "OFFSET", "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS",
    ]
    .iter()
    .any(|reserved| word.eq_ignore_ascii_case(reserved))
}

/// The fields a condition names, for the store to check.
pub fn condition_fields<'q>(condition: &'q Condition, into: &mut Vec<&'q str>) {
    match condition {
        Condition::And(terms) | Condition::Or(terms) => {
            for term in terms {
                condition_fields(term, into);
            }
        }
        Condition::Not(inner) => condition_fields(inner, into),
        Condition::Compare { field, .. }
        | Condition::In { field, .. }
        | Condition::Like { field, .. } => into.push(field),
    }
}

/// Whether a record matches; `get` reads a field of it (names already checked).
pub fn matches(condition: &Condition, get: &dyn Fn(&str) -> Value) -> bool {
    match condition {
        Condition::And(terms) => terms.iter().all(|term| matches(term, get)),
        Condition::Or(terms) => terms.iter().any(|term| matches(term, get)),
        Condition::Not(inner) => !matches(inner, get),
        Condition::Compare { field, op, value } => {
            let actual = get(field);
            match (op, value) {
                (Op::Eq, Literal::Null) => actual.is_null(),
                (Op::Ne, Literal::Null) => !actual.is_null(),
                (_, Literal::Null) => false,
                (op, value) => {
                    compare(&actual, value).is_some_and(|ordering| match op {
                        Op::Eq => ordering == Ordering::Equal,
                        Op::Ne => ordering != Ordering::Equal,
                        Op::Lt => ordering == Ordering::Less,
                        Op::Gt => ordering == Ordering::Greater,
                        Op::Le => ordering != Ordering::Greater,
                        Op::Ge => ordering != Ordering::Less,
                    }) || (*op == Op::Ne && actual.is_null())
                }
            }
        }
        Condition::In {
            field,
            values,
            negated,
        } => {
            let actual = get(field);
            let found = values.iter().any(|value| match value {
                Literal::Null => actual.is_null(),
                value => compare(&actual, value) == Some(Ordering::Equal),
            });
            found != *negated
        }
        Condition::Like { field, pattern } => match get(field) {
            Value::String(text) => pattern.matches(&text.to_lowercase()),
            _ => false,
        },
    }
}

/// A field's value against a literal; `None` when they cannot be compared (null, or
/// different kinds).
fn compare(actual: &Value, literal: &Literal) -> Option<Ordering> {
    match (actual, literal) {
        (Value::String(a), Literal::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Number(a), Literal::Number(b)) => a.as_f64()?.partial_cmp(b),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Two field values, for `ORDER BY`: nulls apart, strings without case.
pub fn order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        _ => Ordering::Equal,
    }
}

/// A `LIKE` pattern (`%` any run of characters, `_` one), lower case, cut at its `%`s
/// into pieces of fixed length. The first piece must match at the start, the last at
/// the end, the others in order between them, each at its leftmost place after the one
/// before: with pieces of fixed length the leftmost place never loses a match, so
/// nothing is tried twice. Each piece is searched with Shift-And (a bit per position of
/// the piece, all advanced at once per character), so matching takes
/// O(text × ⌈longest piece / 64⌉ + pattern), whatever the pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct LikePattern {
    head: Piece,
    /// After the first `%`: the pieces between `%`s, and the last one.
    tail: Option<(Vec<Piece>, Piece)>,
}

impl LikePattern {
    fn new(pattern: &str) -> LikePattern {
        let lower = pattern.to_lowercase();
        let mut pieces = lower.split('%').map(Piece::new);
        let head = pieces.next().unwrap_or_default();
        let mut rest: Vec<Piece> = pieces.collect();
        let tail = rest.pop().map(|last| (rest, last));
        LikePattern { head, tail }
    }

    /// Whether `text` (lower case) matches.
    fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let Some((middle, last)) = &self.tail else {
            return text.len() == self.head.len() && self.head.starts(&text);
        };
        let Some(end) = text.len().checked_sub(last.len()) else {
            return false;
        };
        if end < self.head.len() || !self.head.starts(&text) || !last.starts(&text[end..]) {
            return false;
        }
        let mut at = self.head.len();
        for piece in middle {
            match piece.find(&text[at..end]) {
                Some(found_end) => at += found_end,
                None => return false,
            }
        }
        true
    }
}

/// A run of a pattern without `%`, and its Shift-And masks: bit `i` of a character's
/// mask is set where position `i` is that character or `_`.
#[derive(Debug, Clone, Default, PartialEq)]
struct Piece {
    /// `None` for `_`.
    symbols: Vec<Option<char>>,
    masks: HashMap<char, Vec<u64>>,
    /// The mask of every other character: the `_` positions.
    any: Vec<u64>,
}

impl Piece {
    fn new(text: &str) -> Piece {
        let symbols: Vec<Option<char>> = text.chars().map(|c| (c != '_').then_some(c)).collect();
        let mut any = vec![0u64; symbols.len().div_ceil(64)];
        for (i, _) in symbols.iter().enumerate().filter(|(_, s)| s.is_none()) {
            any[i / 64] |= 1 << (i % 64);
        }
        let mut masks: HashMap<char, Vec<u64>> = HashMap::new();
        for (i, c) in symbols.iter().enumerate() {
            if let Some(c) = c {
                masks.entry(*c).or_insert_with(|| any.clone())[i / 64] |= 1 << (i % 64);
            }
        }
        Piece {
            symbols,
            masks,
            any,
        }
    }

    fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether `text` begins with the piece.
    fn starts(&self, text: &[char]) -> bool {
        text.len() >= self.len()
            && self
                .symbols
                .iter()
                .zip(text)
                .all(|(symbol, c)| symbol.is_none_or(|s| s == *c))
    }

    /// Where the piece's leftmost occurrence in `text` ends, reading `text` once.
    fn find(&self, text: &[char]) -> Option<usize> {
        let Some(last) = self.len().checked_sub(1) else {
            return Some(0);
        };
        let (last_word, last_bit) = (last / 64, 1u64 << (last % 64));
        // Bit i: the piece's first i + 1 positions match the text just read.
        let mut state = vec![0u64; self.any.len()];
        for (read, c) in text.iter().enumerate() {
            let mask = self.masks.get(c).unwrap_or(&self.any);
            let mut carry = 1; // an occurrence may begin at every character
            for (word, bits) in state.iter_mut().zip(mask) {
                let shifted = (*word << 1) | carry;
                carry = *word >> 63;
                *word = shifted & bits;
            }
            if state[last_word] & last_bit != 0 {
                return Some(read + 1);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_query_parses() {
        let query = parse(
            "select Id, Name from Account where (Industry = 'Energy' or AnnualRevenue >= 1e6) \
             and not Name like 'A%' and Id not in ('001', '002') and Phone != null \
             order by Name desc nulls last, Id limit 10 offset 5",
        );
        assert!(query.is_err(), "1e6 is not a SOQL number");
        let query = parse(
            "select Id, Name from Account where (Industry = 'Energy' or AnnualRevenue >= 1000000) \
             and not Name like 'A%' and Id not in ('001', '002') and Phone != null \
             order by Name desc nulls last, Id limit 10 offset 5",
        )
        .unwrap();
        assert_eq!(
            query.select,
            Select::Fields(vec!["Id".to_owned(), "Name".to_owned()])
        );
        assert_eq!(query.object, "Account");
        assert_eq!((query.limit, query.offset), (Some(10), Some(5)));
        assert_eq!(query.order_by.len(), 2);
        assert!(query.order_by[0].descending && query.order_by[0].nulls_last);
        let mut fields = Vec::new();
        condition_fields(query.filter.as_ref().unwrap(), &mut fields);
        assert_eq!(fields, ["Industry", "AnnualRevenue", "Name", "Id", "Phone"]);
        assert_eq!(
            parse("SELECT COUNT() FROM Contact").unwrap().select,
            Select::Count
        );
    }

    #[test]
    fn malformed_queries_say_where() {
        for (query, part) in [
            ("", "expecting SELECT"),
            ("SELECT FROM Account", "expecting a field name"),
            ("SELECT Id Account", "expecting FROM"),
            ("SELECT Id FROM", "expecting an object name"),
            ("SELECT Id FROM Account WHERE", "expecting a field name"),
            ("SELECT Id FROM Account WHERE Name = ", "expecting a value"),
            (
                "SELECT Id FROM Account WHERE Name 'x'",
                "expecting an operator",
            ),
            (
                "SELECT Id FROM Account WHERE Name = 'x",
                "unterminated string",
            ),
            ("SELECT Id FROM Account LIMIT -1", "non-negative integer"),
            ("SELECT Id FROM Account LIMIT 1.5", "non-negative integer"),
            ("SELECT Id FROM Account extra", "unexpected token: 'extra'"),
            (
                "SELECT Id FROM Account WHERE Name LIKE 3",
                "LIKE takes a string",
            ),
            (
                "SELECT Id FROM Account WHERE Name NOT = 'x'",
                "expecting IN",
            ),
            (
                "SELECT Id FROM Account WHERE Name = 'x' ;",
                "unexpected token: ';'",
            ),
        ] {
            let error = parse(query).unwrap_err();
            assert_eq!(error.error_code, "MALFORMED_QUERY");
            assert!(error.message.contains(part), "{query}: {}", error.message);
        }
        let deep = format!(
            "SELECT Id FROM Account WHERE {}Name = 'x'{}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert!(
            parse(&deep)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        let long = format!(
            "SELECT Id FROM Account WHERE Name = '{}'",
            "x".repeat(MAX_QUERY_CHARS)
        );
        assert!(parse(&long).unwrap_err().message.contains("longer than"));
    }

    #[test]
    fn a_flat_chain_is_one_node_and_nesting_is_bounded() {
        let terms = 12_000;
        let chain = format!(
            "SELECT Id FROM Account WHERE Id=1{}",
            " OR Id=1".repeat(terms - 1)
        );
        let query = parse(&chain).unwrap();
        let Some(Condition::Or(or)) = &query.filter else {
            panic!("one OR node");
        };
        assert_eq!(or.len(), terms);
        assert!(!matches(query.filter.as_ref().unwrap(), &|_| json!("x")));
        let mixed =
            parse("SELECT Id FROM Account WHERE Id=1 AND Id=2 OR Id=3 AND NOT Id=4").unwrap();
        let Some(Condition::Or(or)) = &mixed.filter else {
            panic!("OR of ANDs");
        };
        assert!(
            matches!(or.as_slice(), [Condition::And(a), Condition::And(b)] if a.len() == 2 && b.len() == 2)
        );

        let nested = |depth: usize, unit: &str, close: &str| {
            parse(&format!(
                "SELECT Id FROM Account WHERE {}Id=1{}",
                unit.repeat(depth),
                close.repeat(depth)
            ))
        };
        assert!(nested(MAX_DEPTH - 1, "(", ")").is_ok());
        assert!(nested(MAX_DEPTH - 1, "NOT ", "").is_ok());
        for (unit, close) in [("(", ")"), ("NOT ", ""), ("(Id=2 OR NOT (", "))")] {
            let error = nested(MAX_DEPTH, unit, close).unwrap_err();
            assert_eq!(error.error_code, "MALFORMED_QUERY");
            assert!(error.message.contains("nested too deeply"), "{unit}");
            assert!(nested(5_000, unit, close).is_err(), "{unit}");
        }
    }

    #[test]
    fn conditions_match_as_salesforce_does() {
        let record = json!({"Name": "Acme Corp", "Revenue": 500, "Active": true, "Phone": null});
        let get = |field: &str| record[field].clone();
        let holds = |condition: &str| {
            let query = parse(&format!("SELECT Id FROM Account WHERE {condition}")).unwrap();
            matches(query.filter.as_ref().unwrap(), &get)
        };
        for condition in [
            "Name = 'acme corp'",
            "Name LIKE 'ac%'",
            "Name LIKE '%CORP'",
            "Name LIKE 'Acme_Corp'",
            "Revenue > 100 AND Revenue <= 500",
            "Revenue IN (1, 500)",
            "Name NOT IN ('Other')",
            "Phone = null",
            "Name != null",
            "Phone != 'x'",
            "Active = true",
            "NOT (Revenue < 500)",
            "Revenue = 1 OR (Name = 'Acme Corp' AND Active = true)",
        ] {
            assert!(holds(condition), "{condition}");
        }
        for condition in [
            "Name = 'acme'",
            "Name LIKE 'corp%'",
            "Revenue < 500",
            "Phone = 'x'",
            "Phone > 'a'",
            "Revenue = 'x'",
            "Name IN ('a', 'b')",
            "Active = false",
        ] {
            assert!(!holds(condition), "{condition}");
        }
    }

    /// Whether `text` is LIKE `pattern`, as a query's condition answers it.
    fn like(text: &str, pattern: &str) -> bool {
        let query = parse(&format!(
            "SELECT Id FROM Account WHERE Name LIKE '{pattern}'"
        ))
        .unwrap();
        matches(query.filter.as_ref().unwrap(), &|_| json!(text))
    }

    #[test]
    fn like_matches_pieces_in_order() {
        for (text, pattern, expected) in [
            ("aaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%b", true),
            ("", "%", true),
            ("", "%%", true),
            ("", "_", false),
            ("", "", true),
            ("abc", "abc", true),
            ("abc", "ab", false),
            ("abc", "a_c", true),
            ("abc", "a%c", true),
            ("ac", "a%_c", false),
            ("abbc", "a%_c", true),
            ("abab", "%ab", true),
            ("abab", "ab%ab", true),
            ("aba", "ab%ab", false),
            ("xaybz", "%a_b%", true),
            ("Hello World", "hello%", true),
            ("ÄBC", "äb_", true),
        ] {
            assert_eq!(like(text, pattern), expected, "{text:?} LIKE {pattern:?}");
        }
        // A piece longer than a word of the search's bits, with `_` across the seam.
        let long = format!("{}_{}", "x".repeat(70), "y".repeat(70));
        let text = format!("zz{}q{}zz", "x".repeat(70), "y".repeat(70));
        assert!(like(&text, &format!("%{long}%")));
        assert!(!like(&text, &format!("%{long}y%")));
    }

    /// Hostile patterns against long values: each piece is searched once over its part
    /// of the text (no backtracking), so these take a few million steps, not the
    /// billions a backtracking matcher takes (a piece of 997 `a`s tried at each of a
    /// million places).
    #[test]
    fn hostile_like_patterns_are_answered() {
        let text = "a".repeat(1_000_000);
        let chain = format!("{}b", "%a".repeat(499));
        assert!(!like(&text, &chain));
        assert!(like(&format!("{text}b"), &chain));
        let piece = format!("%{}b%", "a".repeat(997));
        assert!(!like(&text, &piece));
        assert!(like(&format!("{text}b{text}"), &piece));
        let underscores = format!("%{}b", "a_".repeat(499));
        assert!(!like(&text, &underscores));
        assert!(like(
            &format!("{text}b"),
            &format!("%{}ab", "a_".repeat(498))
        ));
    }

    #[test]
    fn like_patterns_over_1000_characters_are_malformed() {
        let error = parse(&format!(
            "SELECT Id FROM Account WHERE Name LIKE '{}'",
            "%".repeat(MAX_LIKE_PATTERN_CHARS + 1)
        ))
        .unwrap_err();
        assert_eq!(error.error_code, "MALFORMED_QUERY");
        assert!(
            error.message.contains("1000 characters"),
            "{}",
            error.message
        );
        assert!(like("x", &"%".repeat(MAX_LIKE_PATTERN_CHARS)));
    }
}
