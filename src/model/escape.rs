//! Text from a scenario made safe for each place it is written to, one
//! function per target: a terminal ([`printable`]), JSON ([`json_escaped`]),
//! HTML ([`html`]), XML ([`xml`]), a Graphviz DOT string ([`dot`]) and a
//! GitHub Actions workflow command ([`workflow_data`]). Every target shares
//! one notion of what must never reach it as itself: [`unprintable`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must never reach a terminal or a file as itself: a control
/// character (an ESC starts a terminal sequence, a newline could forge a
/// line of output, a NUL ends a C string), a Unicode non-character (U+FFFE
/// is not allowed in XML), or a bidirectional-text control (it reorders
/// what is shown around it).
pub fn unprintable(c: char) -> bool {
    let u = c as u32;
    c.is_control() || non_character(u) || (0x202A..=0x202E).contains(&u) || (0x2066..=0x2069).contains(&u)
}

/// A Unicode non-character: U+FDD0..U+FDEF and the last two code points of
/// every plane.
fn non_character(u: u32) -> bool {
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

/// Text from a scenario (a name, a kind, an id in a message) made safe to
/// print: each [`unprintable`] character is written as its Rust escape
/// (`\u{1b}`, `\n`), everything else as it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unprintable) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unprintable(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A file's path as shown in a message: escaped as [`printable`] escapes
/// text, so that a name holding an ESC sequence or a newline cannot colour
/// the terminal or forge a line of output.
pub fn shown_path(p: impl AsRef<std::path::Path>) -> String {
    printable(&p.as_ref().display().to_string()).into_owned()
}

/// JSON text with every [`unprintable`] character that serde_json writes
/// raw (DEL, C1 controls such as U+009B, bidirectional overrides,
/// non-characters) written as a `\uXXXX` escape instead: the same JSON
/// value, but one that cannot drive a terminal it is printed on. Such
/// characters stand only inside strings, where the escape means the same.
pub fn json_escaped(json: String) -> String {
    if !json.chars().any(unprintable) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unprintable(c) && !matches!(c, '\n' | '\t' | '\r') {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for HTML (element content and quoted attributes), its
/// [`unprintable`] characters first written as [`printable`] writes them
/// for a terminal (a raw ESC or newline in a name must not reach the page
/// either).
pub fn html(s: &str) -> String {
    printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text for XML, attributes included. Tabs, line ends and the other
/// [`unprintable`] characters that XML 1.0 can hold become character
/// references (`&#10;`, `&#x202E;`), so a value keeps its lines and cannot
/// reorder or forge what a viewer shows; the C0 controls and the Unicode
/// non-characters, which XML cannot hold even as references (or should not:
/// U+FDD0..U+FDEF), become U+FFFD.
pub fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        let u = c as u32;
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(o, "&#{u};");
            }
            _ if u < 0x20 || non_character(u) => o.push('\u{FFFD}'),
            _ if unprintable(c) => {
                let _ = write!(o, "&#x{u:X};");
            }
            _ => o.push(c),
        }
    }
    o
}

/// Escapes a string for the inside of a DOT quoted string; [`unprintable`]
/// characters (a NUL would end the string for Graphviz) are shown as
/// [`printable`] shows them.
pub fn dot(s: &str) -> String {
    printable(s).replace('\\', "\\\\").replace('"', "\\\"")
}

/// Escapes text for a GitHub Actions workflow command: `%`, CR and LF as
/// GitHub decodes them (`%25`, `%0D`, `%0A`), every other [`unprintable`]
/// character as [`printable`] writes it, so the raw line holds no ESC.
pub fn workflow_data(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => o.push_str("%25"),
            '\r' => o.push_str("%0D"),
            '\n' => o.push_str("%0A"),
            _ if unprintable(c) => o.extend(c.escape_default()),
            _ => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters every target must keep out: ESC, NUL, a newline, DEL, a C1
    /// control, a bidirectional override and non-characters.
    const HOSTILE: &str = "\u{1b}[2J\0\n\u{7f}\u{9b}\u{202e}\u{fffe}\u{fdd0}";

    #[test]
    fn unprintable_characters_are_escaped() {
        assert_eq!(printable("web-1"), "web-1");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\ny"), "x\\ny");
        assert_eq!(
            printable("s\u{fffe}\u{fdd0}\u{10ffff}"),
            "s\\u{fffe}\\u{fdd0}\\u{10ffff}"
        );
        assert_eq!(printable("naïve ✓"), "naïve ✓");
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let raw = serde_json::to_string(&serde_json::json!({ "name": format!("a{HOSTILE}é") })).unwrap();
        let escaped = json_escaped(raw);
        assert!(!escaped.chars().any(unprintable), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["name"], format!("a{HOSTILE}é"));
        assert_eq!(json_escaped("{\n\t\"a\": 1\n}".into()), "{\n\t\"a\": 1\n}");
        assert_eq!(json_escaped("\"\u{10fffe}\"".into()), "\"\\udbff\\udffe\"");
    }

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            html("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(html("a\u{1b}b\nc"), "a\\u{1b}b\\nc");
        assert!(!html(HOSTILE).chars().any(unprintable));
    }

    #[test]
    fn xml_uses_references_and_replaces_what_it_cannot_hold() {
        assert_eq!(xml("<a b=\"&\">"), "&lt;a b=&quot;&amp;&quot;&gt;");
        assert_eq!(xml("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(xml("\u{1b}\0"), "\u{FFFD}\u{FFFD}");
        assert_eq!(xml("\u{fffe}\u{fdd0}\u{10ffff}"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(xml("\u{202e}\u{9b}\u{7f}"), "&#x202E;&#x9B;&#x7F;");
        assert_eq!(xml("naïve ✓"), "naïve ✓");
        assert!(!xml(HOSTILE).chars().any(unprintable));
    }

    #[test]
    fn dot_escapes_quotes_backslashes_and_controls() {
        assert_eq!(dot("a\"b\\c"), "a\\\"b\\\\c");
        // A control is shown escaped, its backslash then escaped for DOT, so
        // Graphviz draws `\n` rather than breaking the line.
        assert_eq!(dot("a\nb"), "a\\\\nb");
        assert!(!dot(HOSTILE).chars().any(unprintable));
    }

    #[test]
    fn workflow_data_encodes_what_github_decodes() {
        assert_eq!(workflow_data("50% up\r\ndown"), "50%25 up%0D%0Adown");
        assert_eq!(workflow_data("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert!(!workflow_data(HOSTILE).chars().any(unprintable));
    }
}
