use super::parser::{ParseError, ParseErrorKind};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token<'s> {
    Number(f64),
    Text(&'s str),
    Reference(&'s str),
    Name(&'s str),
    Dot,
    DotDot,
    LeftParen,
    RightParen,
    Comma,
    Plus,
    Minus,
    Star,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Clone, Debug)]
pub(crate) struct Spanned<'s> {
    pub token: Token<'s>,
    pub start: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// `:` for JavaRosa's prefix in XLSForm's `jr:choice-name`; no other
/// function has one, so `a:b` is refused as unknown.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':'
}

// One arm per token class, in a single scan: splitting the scanner would
// thread its cursor through every piece for no clarity gained.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Spanned<'_>>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let single = |token| Spanned { token, start };
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' | '+' | '-' | '*' | '=' => {
                chars.next();
                tokens.push(single(match c {
                    '(' => Token::LeftParen,
                    ')' => Token::RightParen,
                    ',' => Token::Comma,
                    '+' => Token::Plus,
                    '-' => Token::Minus,
                    '*' => Token::Star,
                    _ => Token::Equal,
                }));
            }
            '!' => {
                chars.next();
                if chars.next_if(|&(_, c)| c == '=').is_none() {
                    return Err(ParseError::new(
                        ParseErrorKind::UnexpectedCharacter('!'),
                        start,
                    ));
                }
                tokens.push(single(Token::NotEqual));
            }
            '<' | '>' => {
                chars.next();
                let or_equal = chars.next_if(|&(_, c)| c == '=').is_some();
                tokens.push(single(match (c, or_equal) {
                    ('<', false) => Token::Less,
                    ('<', true) => Token::LessOrEqual,
                    (_, false) => Token::Greater,
                    (_, true) => Token::GreaterOrEqual,
                }));
            }
            '\'' | '"' => {
                chars.next();
                let body = start + 1;
                let end = loop {
                    match chars.next() {
                        Some((i, q)) if q == c => break i,
                        Some(_) => {}
                        None => {
                            return Err(ParseError::new(ParseErrorKind::UnterminatedText, start));
                        }
                    }
                };
                tokens.push(single(Token::Text(&source[body..end])));
            }
            '$' => {
                chars.next();
                if chars.next_if(|&(_, c)| c == '{').is_none() {
                    return Err(ParseError::new(
                        ParseErrorKind::UnexpectedCharacter('$'),
                        start,
                    ));
                }
                let name_start = start + 2;
                let mut end = name_start;
                while let Some((i, c)) = chars.next_if(|&(_, c)| c != '}') {
                    let valid = if i == name_start {
                        is_name_start(c)
                    } else {
                        is_name_char(c)
                    };
                    if !valid {
                        return Err(ParseError::new(ParseErrorKind::InvalidReference, start));
                    }
                    end = i + c.len_utf8();
                }
                if chars.next().is_none() || end == name_start {
                    return Err(ParseError::new(ParseErrorKind::InvalidReference, start));
                }
                tokens.push(single(Token::Reference(&source[name_start..end])));
            }
            '.' => {
                chars.next();
                if chars.next_if(|&(_, c)| c == '.').is_some() {
                    tokens.push(single(Token::DotDot));
                } else if chars.peek().is_some_and(|&(_, c)| c.is_ascii_digit()) {
                    let end = take_while(&mut chars, |c| c.is_ascii_digit());
                    tokens.push(single(number(&source[start..end], start)?));
                } else {
                    tokens.push(single(Token::Dot));
                }
            }
            c if c.is_ascii_digit() => {
                let mut end = take_while(&mut chars, |c| c.is_ascii_digit());
                if chars.next_if(|&(_, c)| c == '.').is_some() {
                    end = take_while(&mut chars, |c| c.is_ascii_digit()).max(end + 1);
                }
                tokens.push(single(number(&source[start..end], start)?));
            }
            c if is_name_start(c) => {
                let end = take_while(&mut chars, is_name_char);
                tokens.push(single(Token::Name(&source[start..end])));
            }
            other => {
                return Err(ParseError::new(
                    ParseErrorKind::UnexpectedCharacter(other),
                    start,
                ));
            }
        }
    }
    Ok(tokens)
}

/// Consumes characters while `keep` holds; returns the byte offset after them.
fn take_while(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    keep: impl Fn(char) -> bool,
) -> usize {
    let mut end = chars.peek().map_or(0, |&(i, _)| i);
    while let Some((i, c)) = chars.next_if(|&(_, c)| keep(c)) {
        end = i + c.len_utf8();
    }
    end
}

fn number(text: &str, start: usize) -> Result<Token<'_>, ParseError> {
    match super::value::parse_decimal(text) {
        Some(value) => Ok(Token::Number(value)),
        None => Err(ParseError::new(ParseErrorKind::NumberOutOfRange, start)),
    }
}
