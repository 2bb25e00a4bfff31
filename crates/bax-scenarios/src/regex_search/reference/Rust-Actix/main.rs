// BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
// Reference app for the RegexSearch scenario: finds the files under ./files whose content a
// client's regular expression matches. The manifest has no regex crate, so the expression is
// compiled to a small Thompson NFA and run by a Pike VM: time linear in the input (no
// catastrophic backtracking), with caps on the pattern, the program, the file sizes, the
// number of files and the total work. The directory is resolved and confined to ./files.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actix_web::{error, get, web, App, HttpResponse, HttpServer};
use serde::Deserialize;
use serde_json::json;

const FILES_DIR: &str = "files";
const MAX_PATTERN_LEN: usize = 1000;
const MAX_PROGRAM_LEN: usize = 5000;
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
const MAX_FILES: usize = 10_000;
const MAX_DEPTH: usize = 32;
const MAX_STEPS: u64 = 200_000_000;
const TIME_LIMIT: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct SearchQuery {
    regex: String,
    directory: Option<String>,
    recursive: Option<String>,
}

// ------------------------------------------------------------------ regular expressions

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Bol,
    Eol,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    _src: &'a str,
    depth: usize,
}

const MAX_REPEAT: u32 = 1000;

impl<'a> Parser<'a> {
    fn parse(src: &'a str) -> Result<Node, String> {
        let mut p = Parser { chars: src.chars().collect(), pos: 0, _src: src, depth: 0 };
        let node = p.alternation()?;
        if p.pos != p.chars.len() {
            return Err(format!("unbalanced parenthesis at position {}", p.pos));
        }
        Ok(node)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternation(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > 100 {
            return Err("the expression is nested too deeply".into());
        }
        let mut branches = vec![self.concatenation()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concatenation()?);
        }
        self.depth -= 1;
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Empty) } else { Node::Alt(branches) })
    }

    fn concatenation(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantifiers(atom)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect::<String>().parse().ok()
    }

    fn quantifiers(&mut self, mut atom: Node) -> Result<Node, String> {
        loop {
            let (min, max) = match self.peek() {
                Some('*') => { self.pos += 1; (0, None) }
                Some('+') => { self.pos += 1; (1, None) }
                Some('?') => { self.pos += 1; (0, Some(1)) }
                Some('{') => {
                    let save = self.pos;
                    self.pos += 1;
                    let min = self.number();
                    let max = if self.peek() == Some(',') {
                        self.pos += 1;
                        self.number()
                    } else {
                        min
                    };
                    if self.peek() != Some('}') || min.is_none() {
                        // Not a repetition: '{' is a literal, as in Python.
                        self.pos = save;
                        return Ok(atom);
                    }
                    self.pos += 1;
                    let min = min.unwrap_or(0);
                    if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT || m < min) {
                        return Err("invalid or too large repetition count".into());
                    }
                    let has_comma = max != Some(min) || self.chars[save..self.pos].contains(&',');
                    (min, if has_comma { max } else { Some(min) })
                }
                _ => return Ok(atom),
            };
            // Lazy and possessive markers do not change whether a match exists.
            if matches!(self.peek(), Some('?') | Some('+')) {
                self.pos += 1;
            }
            if matches!(atom, Node::Bol | Node::Eol) {
                return Err("nothing to repeat".into());
            }
            atom = Node::Repeat(Box::new(atom), min, max);
        }
    }

    fn escape(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("bad escape at end of pattern")?;
        self.pos += 1;
        let digit = vec![('0', '9')];
        let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
        let space = vec![(' ', ' '), ('\t', '\r')];
        Ok(match c {
            'd' => Node::Class(digit, false),
            'D' => Node::Class(digit, true),
            'w' => Node::Class(word, false),
            'W' => Node::Class(word, true),
            's' => Node::Class(space, false),
            'S' => Node::Class(space, true),
            'n' => Node::Char('\n'),
            't' => Node::Char('\t'),
            'r' => Node::Char('\r'),
            c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{c}")),
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or("unterminated character set")?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                match self.escape()? {
                    Node::Char(c) => c,
                    Node::Class(r, false) => {
                        ranges.extend(r);
                        continue;
                    }
                    _ => return Err("unsupported escape in a character set".into()),
                }
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                self.pos += 1;
                let hi = self.peek().ok_or("unterminated character set")?;
                self.pos += 1;
                if hi < lo {
                    return Err("bad character range".into());
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class(ranges, negated))
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("unexpected end of pattern")?;
        self.pos += 1;
        match c {
            '(' => {
                // Non-capturing and named groups match like plain groups.
                if self.peek() == Some('?') {
                    self.pos += 1;
                    match self.peek() {
                        Some(':') => self.pos += 1,
                        Some('P') if self.chars.get(self.pos + 1) == Some(&'<') => {
                            while self.peek().is_some_and(|c| c != '>') {
                                self.pos += 1;
                            }
                            self.pos += 1;
                        }
                        _ => return Err("unsupported group extension".into()),
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err("missing ), unterminated subpattern".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            '[' => self.class(),
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Bol),
            '$' => Ok(Node::Eol),
            '\\' => self.escape(),
            '*' | '+' | '?' => Err("nothing to repeat".into()),
            c => Ok(Node::Char(c)),
        }
    }
}

#[derive(Clone, Debug)]
enum Inst {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Bol,
    Eol,
    Split(usize, usize),
    Jmp(usize),
    Match,
}

struct Compiler {
    prog: Vec<Inst>,
}

impl Compiler {
    fn emit(&mut self, inst: Inst) -> Result<usize, String> {
        if self.prog.len() >= MAX_PROGRAM_LEN {
            return Err("the expression is too complex".into());
        }
        self.prog.push(inst);
        Ok(self.prog.len() - 1)
    }

    fn compile(&mut self, node: &Node) -> Result<(), String> {
        match node {
            Node::Empty => {}
            Node::Char(c) => { self.emit(Inst::Char(*c))?; }
            Node::Any => { self.emit(Inst::Any)?; }
            Node::Class(r, n) => { self.emit(Inst::Class(r.clone(), *n))?; }
            Node::Bol => { self.emit(Inst::Bol)?; }
            Node::Eol => { self.emit(Inst::Eol)?; }
            Node::Concat(items) => {
                for item in items {
                    self.compile(item)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    if i + 1 < branches.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(branch)?;
                        jumps.push(self.emit(Inst::Jmp(0))?);
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.compile(branch)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat(inner, min, max) => {
                for _ in 0..*min {
                    self.compile(inner)?;
                }
                match max {
                    None => {
                        // inner*: L: split(body, out); body; jmp L
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.compile(inner)?;
                        self.emit(Inst::Jmp(split))?;
                        let out = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, out);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.emit(Inst::Split(0, 0))?);
                            self.compile(inner)?;
                        }
                        let out = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, out);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

struct Regex {
    prog: Vec<Inst>,
}

enum MatchError {
    TooMuchWork,
}

impl Regex {
    fn new(pattern: &str) -> Result<Regex, String> {
        if pattern.chars().count() > MAX_PATTERN_LEN {
            return Err("the expression is too long".into());
        }
        let ast = Parser::parse(pattern)?;
        let mut c = Compiler { prog: Vec::new() };
        c.compile(&ast)?;
        c.emit(Inst::Match)?;
        Ok(Regex { prog: c.prog })
    }

    /// Adds pc and everything reachable from it without consuming input to `list`.
    fn add_thread(&self, list: &mut Vec<usize>, mark: &mut [u64], generation: u64, pc: usize, at_start: bool, at_end: bool, steps: &mut u64) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            *steps += 1;
            if mark[pc] == generation {
                continue;
            }
            mark[pc] = generation;
            match &self.prog[pc] {
                Inst::Jmp(t) => stack.push(*t),
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Bol => {
                    if at_start {
                        stack.push(pc + 1);
                    }
                }
                Inst::Eol => {
                    if at_end {
                        stack.push(pc + 1);
                    }
                }
                _ => list.push(pc),
            }
        }
    }

    /// Whether the expression matches some part of `text` (Python's re.search).
    fn is_match(&self, text: &[char], steps: &mut u64, deadline: Instant) -> Result<bool, MatchError> {
        let n = self.prog.len();
        let mut mark = vec![0u64; n];
        let mut generation = 0u64;
        let mut current: Vec<usize> = Vec::new();
        let mut next: Vec<usize> = Vec::new();
        // $ matches at the end and before a final newline, as in Python.
        let eol_at = |i: usize| i == text.len() || (i + 1 == text.len() && text[i] == '\n');
        for i in 0..=text.len() {
            generation += 1;
            // A new thread starts at every position (unanchored search); it joins the others.
            for &pc in &current {
                mark[pc] = generation;
            }
            let mut seeded = std::mem::take(&mut current);
            self.add_thread(&mut seeded, &mut mark, generation, 0, i == 0, eol_at(i), steps);
            current = seeded;
            if current.iter().any(|&pc| matches!(self.prog[pc], Inst::Match)) {
                return Ok(true);
            }
            if i == text.len() {
                break;
            }
            if *steps > MAX_STEPS || (i % 4096 == 0 && Instant::now() > deadline) {
                return Err(MatchError::TooMuchWork);
            }
            let c = text[i];
            generation += 1;
            next.clear();
            for &pc in &current {
                *steps += 1;
                let advance = match &self.prog[pc] {
                    Inst::Char(x) => *x == c,
                    Inst::Any => c != '\n',
                    Inst::Class(ranges, negated) => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
                    _ => false,
                };
                if advance {
                    self.add_thread(&mut next, &mut mark, generation, pc + 1, false, eol_at(i + 1), steps);
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        Ok(false)
    }
}

// ------------------------------------------------------------------ search

enum SearchError {
    BadRequest(String),
    Internal,
}

fn resolve_dir(root: &Path, directory: Option<&str>) -> Result<PathBuf, SearchError> {
    let bad = || SearchError::BadRequest("the directory cannot be accessed".into());
    let Some(dir) = directory.filter(|d| !d.is_empty()) else {
        return Ok(root.to_path_buf());
    };
    if Path::new(dir).is_absolute() {
        return Err(bad());
    }
    let resolved = root.join(dir).canonicalize().map_err(|_| bad())?;
    if !resolved.starts_with(root) || !resolved.is_dir() {
        return Err(bad());
    }
    Ok(resolved)
}

fn search(query: &SearchQuery) -> Result<Vec<String>, SearchError> {
    let regex = Regex::new(&query.regex).map_err(|e| SearchError::BadRequest(format!("invalid regex: {e}")))?;
    let recursive = matches!(query.recursive.as_deref().map(str::to_ascii_lowercase).as_deref(), Some("true" | "1" | "yes"));
    let root = Path::new(FILES_DIR).canonicalize().map_err(|_| SearchError::Internal)?;
    let start = resolve_dir(&root, query.directory.as_deref())?;
    let deadline = Instant::now() + TIME_LIMIT;
    let mut steps = 0u64;
    let mut found = Vec::new();
    let mut files = 0usize;
    let mut stack = vec![(start.clone(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|_| SearchError::BadRequest("the directory cannot be read".into()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            // Symbolic links are never followed.
            let Ok(meta) = path.symlink_metadata() else { continue };
            if meta.is_dir() {
                if recursive && depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            files += 1;
            if files > MAX_FILES {
                return Err(SearchError::BadRequest("too many files to search".into()));
            }
            if meta.len() > MAX_FILE_BYTES {
                return Err(SearchError::BadRequest(format!(
                    "a file is larger than the {} MiB search limit",
                    MAX_FILE_BYTES / (1024 * 1024)
                )));
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let text: Vec<char> = String::from_utf8_lossy(&bytes).chars().collect();
            match regex.is_match(&text, &mut steps, deadline) {
                Ok(true) => {
                    let relative = path.strip_prefix(&start).map_err(|_| SearchError::Internal)?;
                    found.push(relative.to_string_lossy().into_owned());
                }
                Ok(false) => {}
                Err(MatchError::TooMuchWork) => {
                    return Err(SearchError::BadRequest("the search needs too much work".into()));
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

#[get("/search")]
async fn search_files(query: web::Query<SearchQuery>) -> HttpResponse {
    let query = query.into_inner();
    match web::block(move || search(&query)).await {
        Ok(Ok(files)) => HttpResponse::Ok().json(json!({ "files": files })),
        Ok(Err(SearchError::BadRequest(message))) => HttpResponse::BadRequest().json(json!({ "error": message })),
        _ => HttpResponse::InternalServerError().json(json!({ "error": "the search failed" })),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                let resp = HttpResponse::BadRequest().json(json!({ "error": "regex is required" }));
                error::InternalError::from_response(err, resp).into()
            }))
            .service(search_files)
    })
    .bind(("0.0.0.0", 5000))?
    .run()
    .await
}
