//! `regex(text, pattern)`: a small matcher of our own rather than the regex
//! crate, which would add more to the citizens' form than the room left in
//! its size budget. Patterns compile to a Thompson NFA simulated a whole set of states
//! at a time (Pike's VM without captures), so matching costs at most the
//! text's length times the program's size: no backtracking, so no pattern
//! can make a respondent's answer take exponential time.
//!
//! What XLSForm authors write is supported: literals, `.`, `^ $`, classes
//! `[a-z0-9_]` and `[^…]` (a range's ends are plain characters), `\d \w \s
//! \D \W \S` (ASCII, as in ODK Collect), escapes, groups with `|`
//! (`(?:…)` too), `* + ?` and `{m}`, `{m,}`, `{m,n}`. A match may start
//! anywhere, as in ODK Collect and Enketo: anchor with `^…$` to match the
//! whole answer.

use std::fmt;

/// Largest count in `{m,n}`.
pub const MAX_REPEAT: u32 = 1000;
/// Largest compiled program, in instructions: the cost of a match is bounded
/// by this times the text's length.
pub const MAX_PROGRAM: usize = 2000;
/// Deepest nesting of groups.
const MAX_NESTING: usize = 32;

/// Why a pattern does not compile, and at which character (counted from 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pub reason: &'static str,
    pub at: usize,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (character {})", self.reason, self.at + 1)
    }
}

/// Characters as inclusive ranges of code points, or everything but them.
#[derive(Clone, Debug, PartialEq)]
struct Set {
    ranges: Vec<(u32, u32)>,
    negated: bool,
}

impl Set {
    fn one(c: char) -> Self {
        Self {
            ranges: vec![(c as u32, c as u32)],
            negated: false,
        }
    }

    fn has(&self, c: char) -> bool {
        let c = c as u32;
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Inst {
    Set(Set),
    /// Try both; the simulation follows both at once.
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

/// A compiled pattern, kept with its source so an expression prints back.
#[derive(Clone, Debug, PartialEq)]
pub struct Regex {
    source: String,
    program: Vec<Inst>,
}

impl Regex {
    pub fn new(source: &str) -> Result<Self, PatternError> {
        let mut parser = PatternParser {
            chars: source.chars().collect(),
            next: 0,
            program: Vec::new(),
        };
        parser.alternation(0)?;
        if parser.next < parser.chars.len() {
            return Err(parser.error("`)` closes no group"));
        }
        parser.push(Inst::Match)?;
        Ok(Self {
            source: source.to_owned(),
            program: parser.program,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let mut marks = vec![usize::MAX; self.program.len()];
        let (mut now, mut next, mut stack) = (Vec::new(), Vec::new(), Vec::new());
        let mut chars = text.chars().peekable();
        let mut step = 0;
        loop {
            let at_end = chars.peek().is_none();
            // A match may begin at every position.
            let state = (step, step == 0, at_end);
            if self.follow(0, state, &mut marks, &mut now, &mut stack) {
                return true;
            }
            let Some(c) = chars.next() else {
                return false;
            };
            let state = (step + 1, false, chars.peek().is_none());
            for &pc in &now {
                if let Inst::Set(set) = &self.program[pc]
                    && set.has(c)
                    && self.follow(pc + 1, state, &mut marks, &mut next, &mut stack)
                {
                    return true;
                }
            }
            now.clear();
            std::mem::swap(&mut now, &mut next);
            step += 1;
        }
    }

    /// Adds the threads reachable from `pc` without reading a character to
    /// `threads`, each instruction once per step; true when one matches.
    fn follow(
        &self,
        pc: usize,
        (step, at_start, at_end): (usize, bool, bool),
        marks: &mut [usize],
        threads: &mut Vec<usize>,
        stack: &mut Vec<usize>,
    ) -> bool {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if marks[pc] == step {
                continue;
            }
            marks[pc] = step;
            match self.program[pc] {
                Inst::Set(_) => threads.push(pc),
                Inst::Match => {
                    stack.clear();
                    return true;
                }
                Inst::Jump(to) => stack.push(to),
                Inst::Split(a, b) => stack.extend([b, a]),
                Inst::Start if at_start => stack.push(pc + 1),
                Inst::End if at_end => stack.push(pc + 1),
                Inst::Start | Inst::End => {}
            }
        }
        false
    }
}

/// Reads a pattern and compiles it as it goes: each piece's instructions
/// are appended, and copied again for a repetition.
struct PatternParser {
    chars: Vec<char>,
    next: usize,
    program: Vec<Inst>,
}

const DIGITS: &[(u32, u32)] = &[('0' as u32, '9' as u32)];
const WORD: &[(u32, u32)] = &[
    ('0' as u32, '9' as u32),
    ('A' as u32, 'Z' as u32),
    ('_' as u32, '_' as u32),
    ('a' as u32, 'z' as u32),
];
const SPACE: &[(u32, u32)] = &[(9, 13), (32, 32)];

/// Everything outside sorted, disjoint `ranges`.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut from = 0;
    for &(lo, hi) in ranges {
        if lo > from {
            out.push((from, lo - 1));
        }
        from = hi + 1;
    }
    out.push((from, char::MAX as u32));
    out
}

impl PatternParser {
    fn error(&self, reason: &'static str) -> PatternError {
        PatternError {
            reason,
            at: self.next,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.next).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        self.next += usize::from(found);
        found
    }

    fn push(&mut self, inst: Inst) -> Result<usize, PatternError> {
        if self.program.len() >= MAX_PROGRAM {
            return Err(PatternError {
                reason: "the pattern repeats too much: at most 2000 steps once repetitions are counted",
                at: self.next,
            });
        }
        self.program.push(inst);
        Ok(self.program.len() - 1)
    }

    /// Branches separated by `|`, each preceded by a `Split` to the next
    /// one; the last one's is a jump to the step after it, a no-op.
    fn alternation(&mut self, depth: usize) -> Result<(), PatternError> {
        if depth > MAX_NESTING {
            return Err(self.error("groups nest too deeply"));
        }
        let mut ends = Vec::new();
        loop {
            let split = self.push(Inst::Jump(0))?;
            while self.peek().is_some_and(|c| c != '|' && c != ')') {
                let start = self.program.len();
                self.atom(depth)?;
                self.quantified(start)?;
            }
            if !self.eat('|') {
                self.program[split] = Inst::Jump(split + 1);
                break;
            }
            ends.push(self.push(Inst::Jump(0))?);
            self.program[split] = Inst::Split(split + 1, self.program.len());
        }
        let end = self.program.len();
        for at in ends {
            self.program[at] = Inst::Jump(end);
        }
        Ok(())
    }

    fn atom(&mut self, depth: usize) -> Result<(), PatternError> {
        let at = self.next;
        let Some(c) = self.peek() else {
            return Ok(());
        };
        self.next += 1;
        let set = match c {
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return Err(self.error("only (?: … ) groups are supported, no lookaround"));
                }
                self.alternation(depth + 1)?;
                if !self.eat(')') {
                    return Err(PatternError {
                        reason: "`(` is never closed",
                        at,
                    });
                }
                return Ok(());
            }
            '^' => return self.push(Inst::Start).map(drop),
            '$' => return self.push(Inst::End).map(drop),
            '[' => self.class()?,
            '.' => Set {
                ranges: vec![(10, 10)],
                negated: true,
            },
            '\\' => self.escape()?,
            '*' | '+' | '?' | '{' => {
                return Err(PatternError {
                    reason: "a repetition (* + ? {}) follows nothing it could repeat",
                    at,
                });
            }
            literal => Set::one(literal),
        };
        self.push(Inst::Set(set)).map(drop)
    }

    /// The character class or escaped character after a `\`.
    fn escape(&mut self) -> Result<Set, PatternError> {
        let Some(c) = self.peek() else {
            return Err(self.error("the pattern ends with a lone `\\`"));
        };
        self.next += 1;
        let class = |ranges: &[(u32, u32)], negated| Set {
            ranges: ranges.to_vec(),
            negated,
        };
        Ok(match c {
            'd' | 'D' => class(DIGITS, c == 'D'),
            'w' | 'W' => class(WORD, c == 'W'),
            's' | 'S' => class(SPACE, c == 'S'),
            'n' => Set::one('\n'),
            't' => Set::one('\t'),
            'r' => Set::one('\r'),
            c if c.is_ascii_alphanumeric() => {
                self.next -= 1;
                return Err(self.error(
                    "unsupported escape: use \\d \\w \\s \\D \\W \\S \\n \\t \\r, or \\ before a symbol",
                ));
            }
            symbol => Set::one(symbol),
        })
    }

    /// A `[…]` class, after its `[`.
    fn class(&mut self) -> Result<Set, PatternError> {
        let open = self.next - 1;
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(PatternError {
                    reason: "`[` is never closed by `]`",
                    at: open,
                });
            };
            self.next += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let start = self.next - 1;
            let low = if c == '\\' {
                let set = self.escape()?;
                match set.ranges.as_slice() {
                    [(lo, hi)] if lo == hi && !set.negated => *lo,
                    _ if set.negated => {
                        ranges.extend(complement(&set.ranges));
                        continue;
                    }
                    _ => {
                        ranges.extend_from_slice(&set.ranges);
                        continue;
                    }
                }
            } else {
                c as u32
            };
            let ranged = self.peek() == Some('-')
                && self.chars.get(self.next + 1).is_some_and(|&c| c != ']');
            if !ranged {
                ranges.push((low, low));
                continue;
            }
            self.next += 1;
            // A range ends with a plain character, as ranges are written.
            let Some(high) = self.peek().filter(|&c| c != '\\') else {
                return Err(PatternError {
                    reason: "a range ends with a character, not an escape",
                    at: start,
                });
            };
            self.next += 1;
            let high = high as u32;
            if high < low {
                return Err(PatternError {
                    reason: "a range goes backwards, like z-a",
                    at: start,
                });
            }
            ranges.push((low, high));
        }
        Ok(Set { ranges, negated })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.next;
        let mut value: u32 = 0;
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(digit);
            self.next += 1;
        }
        (self.next > start).then_some(value)
    }

    /// Applies a quantifier, if one follows, to the instructions from
    /// `start`: the piece is copied as many times as the count needs.
    fn quantified(&mut self, start: usize) -> Result<(), PatternError> {
        let at = self.next;
        let (least, most) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.next += 1;
                let least = self.number();
                let most = if self.eat(',') { self.number() } else { least };
                if least.is_none() || !self.eat('}') {
                    return Err(PatternError {
                        reason: "`{` starts a repetition such as {3}, {2,} or {2,5}; write \\{ for the character",
                        at,
                    });
                }
                self.next -= 1;
                (least.unwrap_or(0), most)
            }
            _ => return Ok(()),
        };
        self.next += 1;
        if least > MAX_REPEAT || most.is_some_and(|most| most > MAX_REPEAT) {
            return Err(PatternError {
                reason: "a repetition count is above 1000",
                at,
            });
        }
        if most.is_some_and(|most| most < least) {
            return Err(PatternError {
                reason: "in {m,n}, n is smaller than m",
                at,
            });
        }
        // A lazy quantifier matches the same texts: only whether it matches counts.
        self.eat('?');
        let piece = self.program.split_off(start);
        for _ in 0..least {
            self.copy(&piece, start)?;
        }
        let optional = |this: &mut Self, loops: bool| -> Result<(), PatternError> {
            let split = this.push(Inst::Jump(0))?;
            this.copy(&piece, start)?;
            if loops {
                this.push(Inst::Jump(split))?;
            }
            this.program[split] = Inst::Split(split + 1, this.program.len());
            Ok(())
        };
        match most {
            None => optional(self, true),
            Some(most) => (least..most).try_for_each(|_| optional(self, false)),
        }
    }

    /// Appends `piece`, compiled at `from`, with its jumps moved to where it lands.
    fn copy(&mut self, piece: &[Inst], from: usize) -> Result<(), PatternError> {
        let to = self.program.len();
        let moved = |target: usize| target - from + to;
        for inst in piece {
            self.push(match inst {
                Inst::Split(a, b) => Inst::Split(moved(*a), moved(*b)),
                Inst::Jump(target) => Inst::Jump(moved(*target)),
                other => other.clone(),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .is_match(text)
    }

    #[track_caller]
    fn refused(pattern: &str) -> PatternError {
        Regex::new(pattern).expect_err(pattern)
    }

    #[test]
    fn what_xlsform_authors_write() {
        let phone = "^[0-9]{10}$";
        assert!(matches(phone, "0712345678"));
        assert!(!matches(phone, "071234567"));
        assert!(!matches(phone, "07123456789"));
        assert!(!matches(phone, "07123x5678"));
        let id = r"^[A-Z]{2}-\d{3,5}$";
        assert!(matches(id, "KE-123"));
        assert!(matches(id, "KE-12345"));
        assert!(!matches(id, "KE-123456"));
        assert!(!matches(id, "ke-123"));
        let name = r"^[a-zA-Z\s'-]+$";
        assert!(matches(name, "Mary-Jane O'Neil"));
        assert!(!matches(name, "R2D2"));
        assert!(matches("^(yes|no|maybe)$", "maybe"));
        assert!(!matches("^(yes|no|maybe)$", "yesno"));
        assert!(matches("^(?:ab)+c?$", "ababab"));
        assert!(matches(r"^\w+@\w+\.\w+$", "a_b@mail.org"));
        assert!(!matches(r"^\w+@\w+\.\w+$", "a_b@mailXorg"));
        assert!(matches(r"^[^0-9]*$", "no digits"));
        assert!(!matches(r"^[^0-9]*$", "one 1"));
        assert!(matches(r"^\D\W\S$", "a b"));
        assert!(matches("a.c", "xxabcxx"), "a match may start anywhere");
        assert!(!matches("a.c", "a\nc"));
        assert!(matches("", "anything"));
        assert!(matches("^$", ""));
        assert!(matches(r"^[\d.]+$", "3.14"));
        assert!(matches(r"^[\]\-x]+$", "]-x"));
        assert!(matches(r"^[a-]+$", "a-a"));
        assert!(matches("^[]a]+$", "]a"));
        assert!(matches(r"^\(\d\)$", "(7)"));
        assert!(matches(r"^colou?r$", "color"));
        assert!(matches(r"^a{2,}$", "aaaa"));
        assert!(!matches(r"^a{2,}$", "a"));
        assert!(matches(r"^a*?b$", "aab"));
    }

    #[test]
    fn unicode_text_and_patterns() {
        assert!(matches("^ناصر$", "ناصر"));
        assert!(
            matches("^.{4}$", "ناصر"),
            "a dot is a character, not a byte"
        );
        assert!(matches("^[à-ÿ]+$", "éèü"));
        assert!(matches("^[^a-z]$", "😀"));
        assert!(matches("^\u{0301}?e$", "e"));
        assert!(!matches(r"^\w$", "é"), "\\w is ASCII, as in ODK Collect");
        assert!(matches("^[\u{10000}-\u{10FFFF}]$", "😀"));
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason_and_a_place() {
        for (pattern, at) in [
            ("(abc", 0),
            ("abc)", 3),
            ("[abc", 0),
            ("*a", 0),
            ("a**", 2),
            ("a{2", 1),
            ("a{,3}", 1),
            ("a{5,2}", 1),
            ("a{1001}", 1),
            ("[z-a]", 1),
            (r"\b", 1),
            (r"\p{L}", 1),
            ("(?=a)", 2),
            ("a\\", 2),
            ("{", 0),
            (r"[a-\d]", 1),
        ] {
            let error = refused(pattern);
            assert_eq!(error.at, at, "{pattern}: {error}");
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn hostile_patterns_stay_bounded() {
        // Classic catastrophic backtracking cases run in linear time here.
        let text = format!("{}!", "a".repeat(20_000));
        for pattern in [
            "^(a*)*$",
            "^(a+)+$",
            "^(a|a)*$",
            "^(a|aa)+$",
            "(a*)*b",
            "^(.*a){12}$",
        ] {
            assert!(!matches(pattern, &text), "{pattern}");
        }
        assert!(matches("^(a*)*$", &"a".repeat(20_000)));
        // Repetition is bounded by count and by the compiled size.
        assert!(Regex::new("a{1000}").is_ok());
        assert!(refused("(a{1000}){1000}").reason.contains("2000"));
        assert!(refused("((a{40}){40}){40}").reason.contains("2000"));
        assert!(refused(&"(".repeat(100)).reason.contains("nest"));
        assert!(
            refused(&format!("{}a{}", "(".repeat(40), ")".repeat(40)))
                .reason
                .contains("nest")
        );
        let huge = format!("{{{}}}", "9".repeat(40));
        assert!(refused(&format!("a{huge}")).reason.contains("1000"));
        let long = "x".repeat(100_000);
        assert!(!matches(r"^x{1000}$", &long));
        assert!(matches(r"x{1000}$", &long));
    }
}
