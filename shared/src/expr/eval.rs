use std::borrow::Cow;

use super::ast::{BinaryOp, Expr, Function, choice_question};
use super::regex::Regex;
use super::value::Value;
use crate::date::Date;

/// What an expression can see: the answers around it.
pub trait Scope<'a> {
    /// The value of `${name}`: the answer in the same roster row when the
    /// question is in the current row, the list of all rows' answers when it
    /// is in a roster seen from outside, and `Empty` when unanswered.
    fn reference(&self, name: &str) -> Value<'a>;

    /// The value of `.`, the answer a constraint is checking.
    fn current(&self) -> Value<'a> {
        Value::Empty
    }

    /// The 1-based row of the roster being evaluated, if any.
    fn position(&self) -> Option<usize> {
        None
    }

    /// The respondent's date, for `today()`. Validation takes it from the
    /// submission so browser and server agree on it.
    fn today(&self) -> Option<Date> {
        None
    }

    /// `${name}` in every row of its roster, even from inside that roster,
    /// for `indexed-repeat()`.
    fn column(&self, name: &str) -> Value<'a> {
        self.reference(name)
    }

    /// The label of the choice `value` of question `question`, in the
    /// language being used, for `jr:choice-name()`.
    fn choice_label(&self, _question: &str, _value: &str) -> Value<'a> {
        Value::Empty
    }

    /// A column of the choice a `choice_filter` is deciding on.
    fn choice_column(&self, _name: &str) -> Value<'a> {
        Value::Empty
    }
}

/// Evaluates an expression. Never panics: every type mismatch is resolved by
/// XPath's conversions.
/// Text literals are borrowed from the expression, answers from the
/// submission: evaluating allocates only where a function builds new text.
pub fn eval<'a>(expr: &'a Expr, scope: &dyn Scope<'a>) -> Value<'a> {
    match expr {
        Expr::Number(n) => Value::Number(*n),
        Expr::Text(text) => Value::Text(Cow::Borrowed(text)),
        Expr::Pattern(regex) => Value::Text(Cow::Borrowed(regex.source())),
        Expr::Reference(name) => scope.reference(name),
        Expr::Current => scope.current(),
        Expr::Column(name) => scope.choice_column(name),
        Expr::Negate(inner) => Value::Number(-eval(inner, scope).to_number()),
        Expr::Binary(BinaryOp::Or, left, right) => {
            Value::Bool(eval(left, scope).to_bool() || eval(right, scope).to_bool())
        }
        Expr::Binary(BinaryOp::And, left, right) => {
            Value::Bool(eval(left, scope).to_bool() && eval(right, scope).to_bool())
        }
        Expr::Binary(op, left, right) => binary(*op, &eval(left, scope), &eval(right, scope)),
        Expr::Call(function, args) => call(*function, args, scope),
    }
}

fn binary<'a>(op: BinaryOp, left: &Value<'a>, right: &Value<'a>) -> Value<'a> {
    match op {
        BinaryOp::Equal if !is_list(left) && !is_list(right) => Value::Bool(equal(left, right)),
        BinaryOp::NotEqual if !is_list(left) && !is_list(right) => Value::Bool(!equal(left, right)),
        BinaryOp::Equal => Value::Bool(any_pair(left, right, &equal)),
        BinaryOp::NotEqual => Value::Bool(any_pair(left, right, &|a, b| !equal(a, b))),
        BinaryOp::Less => Value::Bool(any_pair(left, right, &|a, b| ordered(a, b, |x, y| x < y))),
        BinaryOp::LessOrEqual => {
            Value::Bool(any_pair(left, right, &|a, b| ordered(a, b, |x, y| x <= y)))
        }
        BinaryOp::Greater => {
            Value::Bool(any_pair(left, right, &|a, b| ordered(a, b, |x, y| x > y)))
        }
        BinaryOp::GreaterOrEqual => {
            Value::Bool(any_pair(left, right, &|a, b| ordered(a, b, |x, y| x >= y)))
        }
        BinaryOp::Add => Value::Number(left.to_number() + right.to_number()),
        BinaryOp::Subtract => Value::Number(left.to_number() - right.to_number()),
        BinaryOp::Multiply => Value::Number(left.to_number() * right.to_number()),
        BinaryOp::Divide => Value::Number(left.to_number() / right.to_number()),
        BinaryOp::Modulo => Value::Number(left.to_number() % right.to_number()),
        BinaryOp::Or | BinaryOp::And => Value::Bool(false),
    }
}

fn is_list(value: &Value<'_>) -> bool {
    matches!(value, Value::List(_))
}

/// XPath compares node-sets existentially: `${age} > 17` on a roster is true
/// when any member is over 17.
fn any_pair(
    left: &Value<'_>,
    right: &Value<'_>,
    test: &dyn Fn(&Value<'_>, &Value<'_>) -> bool,
) -> bool {
    match (left, right) {
        (Value::List(items), other) => items.iter().any(|item| any_pair(item, other, test)),
        (other, Value::List(items)) => items.iter().any(|item| any_pair(other, item, test)),
        _ => test(left, right),
    }
}

fn equal(left: &Value<'_>, right: &Value<'_>) -> bool {
    match (left, right) {
        (Value::Text(a), Value::Text(b)) => a == b,
        (Value::Bool(b), other) | (other, Value::Bool(b)) => *b == other.to_bool(),
        (Value::Number(n), other) | (other, Value::Number(n)) => *n == other.to_number(),
        (Value::Date(d), other) | (other, Value::Date(d)) => Some(*d) == other.to_date(),
        _ => left.to_text() == right.to_text(),
    }
}

fn ordered(left: &Value<'_>, right: &Value<'_>, compare: fn(f64, f64) -> bool) -> bool {
    if matches!(left, Value::Date(_)) || matches!(right, Value::Date(_)) {
        return match (left.to_date(), right.to_date()) {
            (Some(a), Some(b)) => compare(f64::from(a.days()), f64::from(b.days())),
            _ => false,
        };
    }
    compare(left.to_number(), right.to_number())
}

fn flatten<'a>(value: Value<'a>, into: &mut Vec<Value<'a>>) {
    match value {
        Value::List(items) => items.into_iter().for_each(|item| flatten(item, into)),
        other => into.push(other),
    }
}

// One arm per function of the language, each arm the function's whole
// definition: read side by side they are the language's reference.
fn call<'a>(function: Function, args: &'a [Expr], scope: &dyn Scope<'a>) -> Value<'a> {
    let arg = |i: usize| args.get(i).map_or(Value::Empty, |expr| eval(expr, scope));
    let number = |i: usize| arg(i).to_number();
    let text = |i: usize| arg(i).to_text();
    match function {
        Function::Not => Value::Bool(!arg(0).to_bool()),
        Function::True => Value::Bool(true),
        Function::False => Value::Bool(false),
        Function::Boolean => Value::Bool(arg(0).to_bool()),
        Function::If => {
            if arg(0).to_bool() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Function::Coalesce => {
            let first = arg(0);
            if first.is_empty() { arg(1) } else { first }
        }
        Function::Selected => {
            let wanted = text(1);
            let wanted = wanted.trim();
            Value::Bool(arg(0).into_codes().iter().any(|code| code == wanted))
        }
        Function::SelectedAt => {
            let index = number(1);
            let codes = arg(0).into_codes();
            if index >= 0.0 && index.fract() == 0.0 {
                codes
                    .into_iter()
                    .nth(index as usize)
                    .map_or(Value::text(""), Value::Text)
            } else {
                Value::text("")
            }
        }
        Function::CountSelected => Value::Number(arg(0).into_codes().len() as f64),
        Function::Count => Value::Number(match arg(0) {
            Value::List(items) => items.len() as f64,
            Value::Empty => 0.0,
            _ => 1.0,
        }),
        Function::Sum => {
            let mut items = Vec::new();
            flatten(arg(0), &mut items);
            Value::Number(items.iter().map(Value::to_number).sum())
        }
        Function::Min | Function::Max => {
            let mut items = Vec::new();
            for i in 0..args.len() {
                flatten(arg(i), &mut items);
            }
            let numbers: Vec<f64> = items.iter().map(Value::to_number).collect();
            if numbers.is_empty() || numbers.iter().any(|n| n.is_nan()) {
                return Value::Number(f64::NAN);
            }
            let pick = if function == Function::Min {
                f64::min
            } else {
                f64::max
            };
            Value::Number(numbers.into_iter().reduce(pick).unwrap_or(f64::NAN))
        }
        Function::StringLength => Value::Number(text(0).chars().count() as f64),
        Function::Concat => {
            let mut joined = String::new();
            for i in 0..args.len() {
                joined.push_str(&text(i));
            }
            Value::text(joined)
        }
        Function::Contains => Value::Bool(text(0).contains(text(1).as_ref())),
        Function::StartsWith => Value::Bool(text(0).starts_with(text(1).as_ref())),
        Function::EndsWith => Value::Bool(text(0).ends_with(text(1).as_ref())),
        Function::Substr => {
            let whole = text(0);
            let length = whole.chars().count() as f64;
            let start = number(1);
            let end = if args.len() > 2 { number(2) } else { length };
            if start.is_nan() || end.is_nan() {
                return Value::text("");
            }
            let start = start.clamp(0.0, length) as usize;
            let end = end.clamp(0.0, length) as usize;
            Value::text(
                whole
                    .chars()
                    .skip(start)
                    .take(end.saturating_sub(start))
                    .collect::<String>(),
            )
        }
        Function::Number => Value::Number(number(0)),
        Function::Int => Value::Number(number(0).trunc()),
        Function::Round => {
            let value = number(0);
            let digits = if args.len() > 1 { number(1) } else { 0.0 };
            if digits.is_nan() {
                return Value::Number(f64::NAN);
            }
            let scale = 10f64.powi(digits.clamp(-15.0, 15.0) as i32);
            Value::Number((value * scale).round() / scale)
        }
        Function::Abs => Value::Number(number(0).abs()),
        Function::Pow => Value::Number(number(0).powf(number(1))),
        Function::Floor => Value::Number(number(0).floor()),
        Function::Ceiling => Value::Number(number(0).ceil()),
        Function::String => Value::Text(text(0)),
        Function::Today => scope.today().map_or(Value::Empty, Value::Date),
        Function::Date => arg(0).to_date().map_or(Value::Empty, Value::Date),
        Function::Position => scope
            .position()
            .map_or(Value::Empty, |row| Value::Number(row as f64)),
        Function::Regex => {
            let subject = text(0);
            Value::Bool(match args.get(1) {
                Some(Expr::Pattern(regex)) => regex.is_match(&subject),
                // A pattern computed from answers: a bad one matches nothing.
                _ => Regex::new(&text(1)).is_ok_and(|regex| regex.is_match(&subject)),
            })
        }
        Function::Join => {
            let items = match arg(1) {
                Value::Choices(codes) => codes.into_iter().map(Value::Text).collect(),
                other => {
                    let mut items = Vec::new();
                    flatten(other, &mut items);
                    items
                }
            };
            let separator = text(0);
            let mut joined = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    joined.push_str(&separator);
                }
                joined.push_str(&item.to_text());
            }
            Value::text(joined)
        }
        Function::ChoiceName => match args.get(1).and_then(choice_question) {
            Some(question) => scope.choice_label(question, text(0).trim()),
            None => Value::Empty,
        },
        Function::IndexedRepeat => {
            let column = match args.first() {
                Some(Expr::Reference(name)) => scope.column(name),
                _ => arg(0),
            };
            let row = number(2);
            let rows = match column {
                Value::List(items) => items,
                single => vec![single],
            };
            if row >= 1.0 && row.fract() == 0.0 {
                rows.into_iter()
                    .nth(row as usize - 1)
                    .unwrap_or(Value::Empty)
            } else {
                Value::Empty
            }
        }
        Function::Once => arg(0),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::expr::parse;

    struct Answers {
        values: HashMap<&'static str, Value<'static>>,
        current: Value<'static>,
    }

    impl<'a> Scope<'a> for Answers {
        fn reference(&self, name: &str) -> Value<'a> {
            self.values.get(name).cloned().unwrap_or(Value::Empty)
        }
        fn column(&self, name: &str) -> Value<'a> {
            match name {
                // Seen from inside the roster `${member_name}` is one row's.
                "member_name" => Value::List(vec![Value::text("Amina"), Value::text("Musa")]),
                _ => self.reference(name),
            }
        }
        fn choice_label(&self, question: &str, value: &str) -> Value<'a> {
            match (question, value) {
                ("safe", "very_safe") => Value::text("Very safe"),
                _ => Value::Empty,
            }
        }
        fn current(&self) -> Value<'a> {
            self.current.clone()
        }
        fn position(&self) -> Option<usize> {
            Some(3)
        }
        fn today(&self) -> Option<Date> {
            Date::parse("2026-11-27")
        }
    }

    fn answers() -> Answers {
        let values = HashMap::from([
            ("age", Value::Number(16.0)),
            ("name", Value::text("Amina")),
            (
                "reasons",
                Value::Choices(vec!["crime".into(), "lighting".into()]),
            ),
            (
                "member_age",
                Value::List(vec![Value::Number(34.0), Value::Number(8.0), Value::Empty]),
            ),
            (
                "born",
                Value::Date(Date::parse("2010-05-01").expect("valid")),
            ),
            ("safe", Value::text("very_safe")),
            ("member_name", Value::text("Musa")),
            ("phone", Value::text("0712345678")),
        ]);
        Answers {
            values,
            current: Value::Number(7.0),
        }
    }

    fn run(source: &str) -> Value<'static> {
        let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        eval(&expr, &answers()).into_owned()
    }

    #[track_caller]
    fn truth(source: &str, expected: bool) {
        assert_eq!(run(source), Value::Bool(expected), "{source}");
    }

    #[track_caller]
    fn number(source: &str, expected: f64) {
        let value = run(source).to_number();
        assert!(
            value == expected || (value.is_nan() && expected.is_nan()),
            "{source} gave {value}, wanted {expected}"
        );
    }

    #[track_caller]
    fn text(source: &str, expected: &str) {
        assert_eq!(run(source).to_text(), expected, "{source}");
    }

    #[test]
    fn unanswered_is_empty_text_and_not_a_number() {
        truth("${missing} = ''", true);
        truth("${missing} = 0", false);
        truth("${missing} != 0", true);
        truth("${missing} > 0", false);
        truth("${missing} < 0", false);
        truth("not(${missing})", true);
        number("${missing} + 1", f64::NAN);
        number("string-length(${missing})", 0.0);
        number("count-selected(${missing})", 0.0);
        truth("selected(${missing}, 'x')", false);
    }

    #[test]
    fn logic_and_comparison() {
        truth("${age} >= 15 and ${age} < 18", true);
        truth("${age} < 15 or ${age} > 17", false);
        truth("${name} = 'Amina'", true);
        truth("${name} != 'Amina'", false);
        truth("${safe} = 'very_safe'", true);
        truth("'16' = ${age}", true);
        truth("true() = 'yes'", true);
        truth("false() = ''", true);
        truth("${born} < '2011-01-01'", true);
        truth("${born} = date('2010-05-01')", true);
        truth(". > 5", true);
        truth("'b' < 'c'", false);
    }

    #[test]
    fn arithmetic() {
        number("1 + 2 * 3", 7.0);
        number("7 div 2", 3.5);
        number("7 mod 3", 1.0);
        number("-7 mod 3", -1.0);
        number("1 div 0", f64::INFINITY);
        number("-${age}", -16.0);
        number("'abc' + 1", f64::NAN);
        number("today() - ${born}", 6054.0); // per Python datetime
    }

    #[test]
    fn choice_functions() {
        truth("selected(${reasons}, 'crime')", true);
        truth("selected(${reasons}, ' lighting ')", true);
        truth("selected(${reasons}, 'gangs')", false);
        truth("selected('a b', 'b')", true);
        number("count-selected(${reasons})", 2.0);
        text("selected-at(${reasons}, 1)", "lighting");
        text("selected-at(${reasons}, 5)", "");
        text("selected-at(${reasons}, -1)", "");
        truth("${reasons} = 'crime lighting'", true);
    }

    #[test]
    fn roster_functions_see_every_row() {
        number("count(${member_age})", 3.0);
        number("count(${missing})", 0.0);
        number("count(${age})", 1.0);
        number("sum(${member_age})", f64::NAN);
        number("sum(${age})", 16.0);
        number("max(${age}, 3, 20)", 20.0);
        number("min(${age}, 3, 20)", 3.0);
        number("max(${member_age})", f64::NAN);
        truth("${member_age} < 18", true);
        truth("${member_age} > 60", false);
        number("position(..)", 3.0);
    }

    #[test]
    fn conditionals_and_text() {
        number("if(${age} < 18, 1, 0)", 1.0);
        text("if(${age} > 18, 'adult', 'minor')", "minor");
        text("coalesce(${missing}, 'fallback')", "fallback");
        text("coalesce(${name}, 'fallback')", "Amina");
        text("concat(${name}, ' is ', ${age})", "Amina is 16");
        number("string-length('ناصر')", 4.0);
        truth("contains(${name}, 'min')", true);
        truth("starts-with(${name}, 'Am')", true);
        truth("ends-with(${name}, 'na')", true);
        text("substr('abcdef', 1, 3)", "bc");
        text("substr('abcdef', 4)", "ef");
        text("substr('abc', 5, 2)", "");
        text("string(1.50)", "1.5");
        truth("boolean('x')", true);
    }

    #[test]
    fn regex_matches_anywhere_unless_anchored() {
        truth("regex(${phone}, '^0[0-9]{9}$')", true);
        truth("regex(${phone}, '^[0-9]{9}$')", false);
        truth("regex(${phone}, '345')", true);
        truth("regex(${missing}, '^$')", true);
        truth("regex(${name}, concat('^', 'Am'))", true);
        // A pattern built from answers that does not compile matches nothing.
        truth("regex(${name}, concat('(', 'Am'))", false);
        truth("regex(${member_age}, '^34$')", true);
    }

    #[test]
    fn xlsform_functions_of_real_forms() {
        text("join(', ', ${member_age})", "34, 8, ");
        text("join(' ', ${reasons})", "crime lighting");
        text("join('-', ${name})", "Amina");
        text("join('-', ${missing})", "");
        text("jr:choice-name(${safe}, '${safe}')", "Very safe");
        text("jr:choice-name('unknown', '${safe}')", "");
        text("jr:choice-name(${safe}, 'safe')", "");
        text("indexed-repeat(${member_age}, ${household}, 2)", "8");
        text("indexed-repeat(${member_name}, ${household}, 1)", "Amina");
        text(
            "indexed-repeat(${member_name}, ${household}, position(..) - 2)",
            "Amina",
        );
        text("indexed-repeat(${member_age}, ${household}, 4)", "");
        text("indexed-repeat(${member_age}, ${household}, 0)", "");
        text("indexed-repeat(${member_age}, ${household}, 1.5)", "");
        text("indexed-repeat(${age}, ${household}, 1)", "16");
        text("once(concat(${name}, '!'))", "Amina!");
    }

    #[test]
    fn numbers_and_dates() {
        number("number('3.25')", 3.25);
        number("int(-3.7)", -3.0);
        number("round(2.5)", 3.0);
        number("round(2.71828, 2)", 2.72);
        number("abs(-4)", 4.0);
        number("pow(2, 10)", 1024.0);
        number("floor(2.7)", 2.0);
        number("ceiling(2.1)", 3.0);
        text("today()", "2026-11-27");
        text("date('2024-02-30')", "");
        text("date(0)", "1970-01-01");
    }
}
