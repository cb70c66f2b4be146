use std::fmt;

use super::ast::{BinaryOp, Expr, Function};
use super::lexer::{Spanned, Token, tokenize};
use super::regex::{PatternError, Regex};

/// Longest expression accepted, in bytes; survey expressions are short and a
/// bound keeps a hostile definition from costing the server anything.
pub const MAX_LENGTH: usize = 4096;
/// Deepest nesting accepted, so recursion in the parser and evaluator stays
/// far from the stack limit, in the browser too.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {position}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// Byte offset into the expression where the problem starts.
    pub position: usize,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, position: usize) -> Self {
        Self { kind, position }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    Empty,
    TooLong,
    TooDeep,
    UnexpectedCharacter(char),
    UnterminatedText,
    InvalidReference,
    NumberOutOfRange,
    UnexpectedEnd,
    Unexpected(String),
    UnknownFunction(String),
    BareName(String),
    WrongArgumentCount {
        function: &'static str,
        least: usize,
        most: usize,
        found: usize,
    },
    /// The text pattern of a `regex()` that does not compile.
    Pattern(PatternError),
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the expression is empty"),
            Self::TooLong => write!(f, "the expression is longer than {MAX_LENGTH} bytes"),
            Self::TooDeep => write!(f, "the expression nests deeper than {MAX_DEPTH} levels"),
            Self::UnexpectedCharacter(c) => write!(f, "unexpected character `{c}`"),
            Self::UnterminatedText => f.write_str("text is not closed by a matching quote"),
            Self::InvalidReference => {
                f.write_str("a reference must look like ${name}, with a letter or _ first")
            }
            Self::NumberOutOfRange => f.write_str("the number is too large"),
            Self::UnexpectedEnd => f.write_str("the expression ends too early"),
            Self::Unexpected(what) => write!(f, "unexpected {what}"),
            Self::UnknownFunction(name) => write!(f, "unknown function `{name}`"),
            Self::BareName(name) => {
                write!(
                    f,
                    "`{name}` is not a function or operator; did you mean ${{{name}}}?"
                )
            }
            Self::WrongArgumentCount {
                function,
                least,
                most,
                found,
            } => {
                let expected = match (*least, *most) {
                    (l, m) if l == m => l.to_string(),
                    (l, usize::MAX) => format!("at least {l}"),
                    (l, m) => format!("{l} to {m}"),
                };
                write!(f, "`{function}` takes {expected} argument(s), not {found}")
            }
            Self::Pattern(error) => write!(f, "the pattern of regex() does not compile: {error}"),
        }
    }
}

/// Parses an expression. Never panics, whatever the input.
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    parse_with(source, false)
}

/// Parses a `choice_filter`, where a bare name is a column of the choice.
pub fn parse_choice_filter(source: &str) -> Result<Expr, ParseError> {
    parse_with(source, true)
}

fn parse_with(source: &str, columns: bool) -> Result<Expr, ParseError> {
    if source.len() > MAX_LENGTH {
        return Err(ParseError::new(ParseErrorKind::TooLong, MAX_LENGTH));
    }
    let tokens = tokenize(source)?;
    if tokens.is_empty() {
        return Err(ParseError::new(ParseErrorKind::Empty, 0));
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: source.len(),
        depth: 0,
        columns,
    };
    let expr = parser.expression()?;
    match parser.tokens.get(parser.next) {
        None => Ok(expr),
        Some(extra) => Err(ParseError::new(
            ParseErrorKind::Unexpected(describe(&extra.token)),
            extra.start,
        )),
    }
}

struct Parser<'s> {
    tokens: Vec<Spanned<'s>>,
    next: usize,
    end: usize,
    depth: usize,
    /// Bare names are choice columns (in a `choice_filter`).
    columns: bool,
}

fn describe(token: &Token<'_>) -> String {
    match token {
        Token::Number(n) => format!("number {}", super::value::display(*n)),
        Token::Text(_) => "text".into(),
        Token::Reference(name) => format!("reference ${{{name}}}"),
        Token::Name(name) => format!("`{name}`"),
        Token::Dot => "`.`".into(),
        Token::DotDot => "`..`".into(),
        Token::LeftParen => "`(`".into(),
        Token::RightParen => "`)`".into(),
        Token::Comma => "`,`".into(),
        Token::Plus => "`+`".into(),
        Token::Minus => "`-`".into(),
        Token::Star => "`*`".into(),
        Token::Equal => "`=`".into(),
        Token::NotEqual => "`!=`".into(),
        Token::Less => "`<`".into(),
        Token::LessOrEqual => "`<=`".into(),
        Token::Greater => "`>`".into(),
        Token::GreaterOrEqual => "`>=`".into(),
    }
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.next).map(|t| &t.token)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |t| t.start)
    }

    fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(kind, self.position())
    }

    fn unexpected(&self) -> ParseError {
        match self.peek() {
            None => self.error(ParseErrorKind::UnexpectedEnd),
            Some(token) => self.error(ParseErrorKind::Unexpected(describe(token))),
        }
    }

    fn expect(&mut self, wanted: &Token<'_>) -> Result<(), ParseError> {
        if self.peek() == Some(wanted) {
            self.next += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn binary_op(&self) -> Option<BinaryOp> {
        Some(match self.peek()? {
            Token::Name("or") => BinaryOp::Or,
            Token::Name("and") => BinaryOp::And,
            Token::Equal => BinaryOp::Equal,
            Token::NotEqual => BinaryOp::NotEqual,
            Token::Less => BinaryOp::Less,
            Token::LessOrEqual => BinaryOp::LessOrEqual,
            Token::Greater => BinaryOp::Greater,
            Token::GreaterOrEqual => BinaryOp::GreaterOrEqual,
            Token::Plus => BinaryOp::Add,
            Token::Minus => BinaryOp::Subtract,
            Token::Star => BinaryOp::Multiply,
            Token::Name("div") => BinaryOp::Divide,
            Token::Name("mod") => BinaryOp::Modulo,
            _ => return None,
        })
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(ParseErrorKind::TooDeep));
        }
        Ok(())
    }

    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.binary(1)
    }

    /// Precedence climbing: parses operators binding at least as tightly as
    /// `min_precedence`, all left-associative.
    fn binary(&mut self, min_precedence: u8) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut left = self.unary()?;
        while let Some(op) = self
            .binary_op()
            .filter(|op| op.precedence() >= min_precedence)
        {
            self.next += 1;
            let right = self.binary(op.precedence() + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == Some(&Token::Minus) {
            self.next += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Negate(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let start = self.position();
        let Some(token) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        match token {
            Token::Number(n) => {
                self.next += 1;
                Ok(Expr::Number(n))
            }
            Token::Text(text) => {
                self.next += 1;
                Ok(Expr::Text(text.to_owned()))
            }
            Token::Reference(name) => {
                self.next += 1;
                Ok(Expr::Reference(name.to_owned()))
            }
            Token::Dot => {
                self.next += 1;
                Ok(Expr::Current)
            }
            Token::LeftParen => {
                self.next += 1;
                let inner = self.expression()?;
                self.expect(&Token::RightParen)?;
                Ok(inner)
            }
            Token::Name(name) => {
                self.next += 1;
                if self.peek() != Some(&Token::LeftParen) {
                    if self.columns {
                        return Ok(Expr::Column(name.to_owned()));
                    }
                    return Err(ParseError::new(
                        ParseErrorKind::BareName(name.to_owned()),
                        start,
                    ));
                }
                let function = Function::from_name(name).ok_or_else(|| {
                    ParseError::new(ParseErrorKind::UnknownFunction(name.to_owned()), start)
                })?;
                self.next += 1;
                let mut args = self.arguments(function)?;
                let (least, most) = function.arity();
                if args.len() < least || args.len() > most {
                    return Err(ParseError::new(
                        ParseErrorKind::WrongArgumentCount {
                            function: function.name(),
                            least,
                            most,
                            found: args.len(),
                        },
                        start,
                    ));
                }
                // A pattern written as text is compiled once, here.
                if function == Function::Regex
                    && let Some(Expr::Text(text)) = args.get(1)
                {
                    let regex = Regex::new(text)
                        .map_err(|error| ParseError::new(ParseErrorKind::Pattern(error), start))?;
                    args[1] = Expr::Pattern(Box::new(regex));
                }
                Ok(Expr::Call(function, args))
            }
            _ => Err(self.unexpected()),
        }
    }

    /// Arguments after the opening parenthesis, through the closing one.
    fn arguments(&mut self, function: Function) -> Result<Vec<Expr>, ParseError> {
        if function == Function::Position {
            // XLSForm writes the row number of the current repeat as position(..).
            self.expect(&Token::DotDot)?;
            self.expect(&Token::RightParen)?;
            return Ok(Vec::new());
        }
        let mut args = Vec::new();
        if self.peek() == Some(&Token::RightParen) {
            self.next += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expression()?);
            match self.peek() {
                Some(Token::Comma) => self.next += 1,
                Some(Token::RightParen) => {
                    self.next += 1;
                    return Ok(args);
                }
                _ => return Err(self.unexpected()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: f64) -> Box<Expr> {
        Box::new(Expr::Number(n))
    }

    #[test]
    fn precedence_follows_xpath() {
        let parsed = parse("1 + 2 * 3 = 7 and not(0)").expect("parses");
        assert_eq!(parsed.to_string(), "1 + 2 * 3 = 7 and not(0)");
        let Expr::Binary(BinaryOp::And, left, _) = parsed else {
            panic!("and at the top")
        };
        let Expr::Binary(BinaryOp::Equal, sum, _) = *left else {
            panic!("= below and")
        };
        assert_eq!(
            *sum,
            Expr::Binary(
                BinaryOp::Add,
                number(1.0),
                Box::new(Expr::Binary(BinaryOp::Multiply, number(2.0), number(3.0)))
            )
        );
    }

    #[test]
    fn operators_associate_left() {
        let parsed = parse("10 - 4 - 3").expect("parses");
        assert_eq!(
            parsed,
            Expr::Binary(
                BinaryOp::Subtract,
                Box::new(Expr::Binary(BinaryOp::Subtract, number(10.0), number(4.0))),
                number(3.0)
            )
        );
        assert_eq!(
            parse("10 - (4 - 3)").expect("parses").to_string(),
            "10 - (4 - 3)"
        );
    }

    #[test]
    fn xlsform_syntax() {
        for source in [
            "${age} >= 15 and ${age} <= 120",
            ". >= 0",
            "selected(${reasons}, 'crime')",
            "count-selected(${reasons}) <= 3",
            "string-length(.) < 200",
            "if(${a} = 'yes', 1, 0)",
            "count(${household}) > 0",
            "${x} div 2 mod 3",
            "position(..) = 1",
            "today() - date('2020-01-01') > 0",
            "concat('a', \"it's\", ${b})",
            "-${x} < -.5",
            "${saf_1} != 'never'",
            "regex(., '^[0-9]{10}$')",
            "regex(${a}, \"^[a-z']+$\")",
            "jr:choice-name(${a}, '${a}')",
            "indexed-repeat(${x}, ${r}, position(..) - 1)",
            "join(', ', ${r})",
            "once(${a} + 1)",
        ] {
            let parsed = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            assert_eq!(parse(&parsed.to_string()), Ok(parsed), "{source}");
        }
    }

    #[test]
    fn errors_carry_byte_positions() {
        let cases: [(&str, ParseErrorKind, usize); 12] = [
            ("", ParseErrorKind::Empty, 0),
            ("${age} >= ", ParseErrorKind::UnexpectedEnd, 10),
            ("${age >= 3", ParseErrorKind::InvalidReference, 0),
            ("${1x} = 1", ParseErrorKind::InvalidReference, 0),
            ("'open", ParseErrorKind::UnterminatedText, 0),
            ("age > 3", ParseErrorKind::BareName("age".into()), 0),
            (
                "1 + frobnicate(2)",
                ParseErrorKind::UnknownFunction("frobnicate".into()),
                4,
            ),
            ("1 # 2", ParseErrorKind::UnexpectedCharacter('#'), 2),
            ("(1 + 2", ParseErrorKind::UnexpectedEnd, 6),
            ("1 2", ParseErrorKind::Unexpected("number 2".into()), 2),
            ("é = 1", ParseErrorKind::UnexpectedCharacter('é'), 0),
            ("1 ! 2", ParseErrorKind::UnexpectedCharacter('!'), 2),
        ];
        for (source, kind, position) in cases {
            assert_eq!(
                parse(source),
                Err(ParseError { kind, position }),
                "{source:?}"
            );
        }
        assert_eq!(
            parse("if(1, 2)").map_err(|e| e.kind),
            Err(ParseErrorKind::WrongArgumentCount {
                function: "if",
                least: 3,
                most: 3,
                found: 2
            })
        );
    }

    #[test]
    fn bare_names_are_choice_columns_in_a_choice_filter_only() {
        let filter = parse_choice_filter("region = ${region} and kind != 'x'").expect("parses");
        assert_eq!(
            filter,
            Expr::Binary(
                BinaryOp::And,
                Box::new(Expr::Binary(
                    BinaryOp::Equal,
                    Box::new(Expr::Column("region".into())),
                    Box::new(Expr::Reference("region".into()))
                )),
                Box::new(Expr::Binary(
                    BinaryOp::NotEqual,
                    Box::new(Expr::Column("kind".into())),
                    Box::new(Expr::Text("x".into()))
                ))
            )
        );
        assert_eq!(parse_choice_filter(&filter.to_string()), Ok(filter));
        assert!(parse_choice_filter("selected(${chosen}, name)").is_ok());
        assert_eq!(
            parse("region = ${region}").map_err(|e| e.kind),
            Err(ParseErrorKind::BareName("region".into()))
        );
    }

    #[test]
    fn a_literal_pattern_is_compiled_when_parsed() {
        let parsed = parse("regex(., '^[0-9]{3}$')").expect("parses");
        let Expr::Call(Function::Regex, args) = &parsed else {
            panic!("a regex() call")
        };
        assert!(matches!(&args[1], Expr::Pattern(regex) if regex.is_match("123")));
        let error = parse("1 and regex(., '^(ab')").expect_err("refused");
        assert_eq!(error.position, 6);
        assert!(
            error
                .to_string()
                .contains("`(` is never closed (character 2)"),
            "{error}"
        );
        assert!(parse("regex(., ${pattern})").is_ok());
        assert_eq!(
            parse("jr:choice(1)").map_err(|e| e.kind),
            Err(ParseErrorKind::UnknownFunction("jr:choice".into()))
        );
        assert!(parse("jr:").is_err());
    }

    #[test]
    fn bounds_length_and_depth() {
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            parse(&deep).map_err(|e| e.kind),
            Err(ParseErrorKind::TooDeep)
        );
        let negations = format!("{}1", "-".repeat(10_000));
        assert!(parse(&negations).is_err());
        let long = "1 + ".repeat(MAX_LENGTH);
        assert_eq!(
            parse(&long).map_err(|e| e.kind),
            Err(ParseErrorKind::TooLong)
        );
        let huge = "9".repeat(400);
        assert_eq!(
            parse(&huge).map_err(|e| e.kind),
            Err(ParseErrorKind::NumberOutOfRange)
        );
    }
}
