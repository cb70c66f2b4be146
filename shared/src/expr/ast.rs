use std::fmt;

use super::regex::Regex;

/// A parsed expression. [`fmt::Display`] prints it back in the surface syntax
/// with as few parentheses as the precedence rules allow; parsing the printed
/// form gives the same tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Number(f64),
    Text(String),
    /// `${name}`: the value of another question.
    Reference(String),
    /// `.`: the answer the constraint is attached to.
    Current,
    /// A bare name in a `choice_filter`: that column of the choice.
    Column(String),
    Negate(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(Function, Vec<Expr>),
    /// The text pattern of `regex()`, compiled once when the expression is
    /// parsed; printed as the text it was written as.
    Pattern(Box<Regex>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Or => "or",
            Self::And => "and",
            Self::Equal => "=",
            Self::NotEqual => "!=",
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
            Self::Add => "+",
            Self::Subtract => "-",
            Self::Multiply => "*",
            Self::Divide => "div",
            Self::Modulo => "mod",
        }
    }

    /// Binding strength, XPath 1.0 order: or < and < equality < relational <
    /// additive < multiplicative.
    pub fn precedence(self) -> u8 {
        match self {
            Self::Or => 1,
            Self::And => 2,
            Self::Equal | Self::NotEqual => 3,
            Self::Less | Self::LessOrEqual | Self::Greater | Self::GreaterOrEqual => 4,
            Self::Add | Self::Subtract => 5,
            Self::Multiply | Self::Divide | Self::Modulo => 6,
        }
    }

    pub const ALL: [BinaryOp; 13] = [
        Self::Or,
        Self::And,
        Self::Equal,
        Self::NotEqual,
        Self::Less,
        Self::LessOrEqual,
        Self::Greater,
        Self::GreaterOrEqual,
        Self::Add,
        Self::Subtract,
        Self::Multiply,
        Self::Divide,
        Self::Modulo,
    ];
}

/// The functions the language knows. Unknown names are parse errors, so a
/// typo in a survey is caught when it is checked, not when a respondent
/// reaches the question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Not,
    True,
    False,
    Boolean,
    If,
    Coalesce,
    Selected,
    SelectedAt,
    CountSelected,
    Count,
    Sum,
    Min,
    Max,
    StringLength,
    Concat,
    Contains,
    StartsWith,
    EndsWith,
    Substr,
    Number,
    Int,
    Round,
    Abs,
    Pow,
    Floor,
    Ceiling,
    String,
    Today,
    Date,
    /// `position(..)`: the 1-based row number inside a roster.
    Position,
    Regex,
    /// `join(separator, ${q})`: a roster column or a multiple choice's codes.
    Join,
    /// `jr:choice-name(value, '${q}')`: the label of one of `q`'s choices
    /// in the language being used.
    ChoiceName,
    /// `indexed-repeat(${q}, ${roster}, n)`: `q` in row `n` (from 1).
    IndexedRepeat,
    /// `once(x)` is `x`. ODK freezes the first value a calculation takes;
    /// Salama replays every interview on the server from its final answers,
    /// where a value frozen mid-interview could not be checked, so a
    /// calculation always gives what the final answers give.
    Once,
}

impl Function {
    pub const ALL: [Function; 35] = [
        Self::Not,
        Self::True,
        Self::False,
        Self::Boolean,
        Self::If,
        Self::Coalesce,
        Self::Selected,
        Self::SelectedAt,
        Self::CountSelected,
        Self::Count,
        Self::Sum,
        Self::Min,
        Self::Max,
        Self::StringLength,
        Self::Concat,
        Self::Contains,
        Self::StartsWith,
        Self::EndsWith,
        Self::Substr,
        Self::Number,
        Self::Int,
        Self::Round,
        Self::Abs,
        Self::Pow,
        Self::Floor,
        Self::Ceiling,
        Self::String,
        Self::Today,
        Self::Date,
        Self::Position,
        Self::Regex,
        Self::Join,
        Self::ChoiceName,
        Self::IndexedRepeat,
        Self::Once,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Not => "not",
            Self::True => "true",
            Self::False => "false",
            Self::Boolean => "boolean",
            Self::If => "if",
            Self::Coalesce => "coalesce",
            Self::Selected => "selected",
            Self::SelectedAt => "selected-at",
            Self::CountSelected => "count-selected",
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Min => "min",
            Self::Max => "max",
            Self::StringLength => "string-length",
            Self::Concat => "concat",
            Self::Contains => "contains",
            Self::StartsWith => "starts-with",
            Self::EndsWith => "ends-with",
            Self::Substr => "substr",
            Self::Number => "number",
            Self::Int => "int",
            Self::Round => "round",
            Self::Abs => "abs",
            Self::Pow => "pow",
            Self::Floor => "floor",
            Self::Ceiling => "ceiling",
            Self::String => "string",
            Self::Today => "today",
            Self::Date => "date",
            Self::Position => "position",
            Self::Regex => "regex",
            Self::Join => "join",
            Self::ChoiceName => "jr:choice-name",
            Self::IndexedRepeat => "indexed-repeat",
            Self::Once => "once",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments the function takes: (least, most).
    pub fn arity(self) -> (usize, usize) {
        match self {
            Self::True | Self::False | Self::Today | Self::Position => (0, 0),
            Self::Not
            | Self::Boolean
            | Self::CountSelected
            | Self::Count
            | Self::Sum
            | Self::StringLength
            | Self::Number
            | Self::Int
            | Self::Abs
            | Self::Floor
            | Self::Ceiling
            | Self::String
            | Self::Date
            | Self::Once => (1, 1),
            Self::Selected
            | Self::SelectedAt
            | Self::Coalesce
            | Self::Contains
            | Self::StartsWith
            | Self::EndsWith
            | Self::Pow
            | Self::Regex
            | Self::Join
            | Self::ChoiceName => (2, 2),
            Self::Round => (1, 2),
            Self::Substr => (2, 3),
            Self::If | Self::IndexedRepeat => (3, 3),
            Self::Min | Self::Max | Self::Concat => (1, usize::MAX),
        }
    }
}

impl Expr {
    /// Every `${name}` the expression reads, in order of appearance; the
    /// question named in `jr:choice-name(…, '${name}')` too.
    pub fn references(&self) -> Vec<&str> {
        let mut found = Vec::new();
        self.visit(&mut |expr| match expr {
            Expr::Reference(name) => found.push(name.as_str()),
            Expr::Call(Function::ChoiceName, args) => {
                found.extend(args.get(1).and_then(choice_question))
            }
            _ => {}
        });
        found
    }

    /// The choice columns a `choice_filter` reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut found = Vec::new();
        self.visit(&mut |expr| {
            if let Expr::Column(name) = expr {
                found.push(name.as_str());
            }
        });
        found
    }

    pub fn uses_current(&self) -> bool {
        let mut found = false;
        self.visit(&mut |expr| found |= matches!(expr, Expr::Current));
        found
    }

    /// The arguments of every call to `function`.
    pub fn calls(&self, function: Function) -> Vec<&[Expr]> {
        let mut found = Vec::new();
        self.visit(&mut |expr| match expr {
            Expr::Call(f, args) if *f == function => found.push(args.as_slice()),
            _ => {}
        });
        found
    }

    fn visit<'a>(&'a self, visitor: &mut impl FnMut(&'a Expr)) {
        visitor(self);
        match self {
            Expr::Number(_)
            | Expr::Text(_)
            | Expr::Reference(_)
            | Expr::Current
            | Expr::Column(_)
            | Expr::Pattern(_) => {}
            Expr::Negate(inner) => inner.visit(visitor),
            Expr::Binary(_, left, right) => {
                left.visit(visitor);
                right.visit(visitor);
            }
            Expr::Call(_, args) => args.iter().for_each(|arg| arg.visit(visitor)),
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(op, _, _) => op.precedence(),
            Expr::Negate(_) => 7,
            _ => 8,
        }
    }
}

/// The question `jr:choice-name` names in its second argument, `'${q}'`.
pub(crate) fn choice_question(arg: &Expr) -> Option<&str> {
    match arg {
        Expr::Text(text) => text.trim().strip_prefix("${")?.strip_suffix('}'),
        _ => None,
    }
}

/// XPath strings have no escapes: pick the quote the text lacks.
fn quote(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    if text.contains('\'') {
        write!(f, "\"{text}\"")
    } else {
        write!(f, "'{text}'")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => f.write_str(&super::value::display(*n)),
            Expr::Text(text) => quote(f, text),
            Expr::Pattern(regex) => quote(f, regex.source()),
            Expr::Reference(name) => write!(f, "${{{name}}}"),
            Expr::Column(name) => f.write_str(name),
            Expr::Current => f.write_str("."),
            Expr::Negate(inner) => {
                if inner.precedence() < 7 {
                    write!(f, "-({inner})")
                } else {
                    write!(f, "-{inner}")
                }
            }
            Expr::Binary(op, left, right) => {
                let own = op.precedence();
                if left.precedence() < own {
                    write!(f, "({left})")?;
                } else {
                    write!(f, "{left}")?;
                }
                write!(f, " {} ", op.symbol())?;
                // Operators associate to the left, so an equal-precedence right
                // operand needs parentheses to keep its grouping.
                if right.precedence() <= own {
                    write!(f, "({right})")
                } else {
                    write!(f, "{right}")
                }
            }
            Expr::Call(Function::Position, _) => f.write_str("position(..)"),
            Expr::Call(function, args) => {
                write!(f, "{}(", function.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}
