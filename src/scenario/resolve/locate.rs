//! Where in a JSON text a syntax error happened, as a JSON path: serde_json
//! says only the line and column of "recursion limit exceeded" and "number
//! out of range", which are not syntax mistakes at all, and a path tells
//! the user which value is meant.

/// One open array or object on the way to a position.
enum Frame {
    /// An object and the key whose value is being read, once its `:` is seen.
    Object { key: Option<String>, after_colon: bool },
    /// An array and the index of the element being read, once one has started.
    Array { index: usize, started: bool },
}

/// What the text holds at a position.
pub(super) struct Spot {
    /// The JSON path of the value there (`components[0].mtbf`; empty for the root).
    pub(super) path: String,
    /// The number literal there, when the position is in or just after one.
    pub(super) number: Option<String>,
}

/// The byte offset of 1-based `line` and `column` (serde_json counts bytes).
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The path and number literal at `line`, `column` of `text`, read as far as
/// that point only (the text after it may be anything).
pub(super) fn spot(text: &str, line: usize, column: usize) -> Spot {
    let end = offset(text, line, column);
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut number = None;
    let mut i = 0;
    // A value starts: an array's element gets its index.
    let start_value = |stack: &mut Vec<Frame>| {
        if let Some(Frame::Array { started, .. }) = stack.last_mut() {
            *started = true;
        }
    };
    while i < end.min(b.len()) {
        match b[i] {
            b'"' => {
                let from = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let raw = text.get(from..(i + 1).min(b.len())).unwrap_or_default();
                match stack.last_mut() {
                    Some(Frame::Object {
                        key,
                        after_colon: false,
                    }) => {
                        let k = serde_json::from_str::<String>(raw)
                            .unwrap_or_else(|_| raw.trim_matches('"').to_string());
                        *key = Some(k);
                    }
                    _ => start_value(&mut stack),
                }
            }
            b'{' => {
                start_value(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    after_colon: false,
                });
            }
            b'[' => {
                start_value(&mut stack);
                stack.push(Frame::Array {
                    index: 0,
                    started: false,
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { after_colon, .. }) = stack.last_mut() {
                    *after_colon = true;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, after_colon }) => {
                    *key = None;
                    *after_colon = false;
                }
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            c if c == b'-' || c.is_ascii_alphanumeric() => {
                let from = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'+' | b'.')) {
                    i += 1;
                }
                start_value(&mut stack);
                if end <= i && (b[from] == b'-' || b[from].is_ascii_digit()) {
                    number = Some(text[from..i].to_string());
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // serde_json may place the error just after a number: look back for it.
    if number.is_none() {
        let before = text.get(..end).unwrap_or_default();
        let tail = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "-+.".contains(c));
        let lit = &before[tail.len()..];
        if lit.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            number = Some(lit.to_string());
        }
    }
    let mut path = String::new();
    for f in &stack {
        match f {
            Frame::Object {
                key: Some(k),
                after_colon: true,
            } => {
                // The key as written, escapes and all: decoded, then quoted
                // again if it is not plain.
                let key =
                    serde_json::from_str::<String>(&format!("\"{k}\"")).unwrap_or_else(|_| k.to_string());
                path = crate::scenario::key_path(&path, &key);
            }
            Frame::Array { index, started: true } => path.push_str(&format!("[{index}]")),
            _ => break,
        }
    }
    Spot { path, number }
}

/// A number literal as shown in a message: whole when short, else its first
/// digits and its length (a 400-digit number would fill the screen).
pub(super) fn short_number(lit: &str) -> String {
    if lit.len() <= 24 {
        lit.to_string()
    } else {
        format!("{}… ({} characters)", &lit[..12], lit.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_keys_and_indices() {
        let text = r#"{"a": [1, {"b": [2, 1e400]}], "c": 3}"#;
        let at = text.find("1e400").unwrap() + "1e400".len();
        let s = spot(text, 1, at + 1);
        assert_eq!(s.path, "a[1].b[1]");
        assert_eq!(s.number.as_deref(), Some("1e400"));
        let s = spot("{\n  \"x\": {\"y\": 12", 2, 18);
        assert_eq!(s.path, "x.y");
        assert_eq!(s.number.as_deref(), Some("12"));
    }

    #[test]
    fn keys_with_escapes_and_commas_in_strings_do_not_confuse_it() {
        let text = r#"{"a,\"b": {"k": "x,]}", "n": 5"#;
        let s = spot(text, 1, text.len() + 1);
        assert_eq!(s.path, r#"["a,\"b"].n"#, "the key decoded, then quoted as a path");
    }

    #[test]
    fn long_numbers_are_shortened() {
        assert_eq!(short_number("1e400"), "1e400");
        let long = "9".repeat(400);
        assert_eq!(short_number(&long), "999999999999… (400 characters)");
    }
}
