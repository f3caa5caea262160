//! Which characters HTTP allows where, and how header bytes become text (chapter 2).
//!
//! These rules are written once and used by everything that reads or writes a head: the
//! request parser, the gateway that checks what an application chose, and the validator.

/// `tchar` from RFC 9110 §5.6.2: the characters allowed in methods and header names.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `text` may stand as a header value or a reason phrase (RFC 9110 §5.5): visible
/// characters, spaces and tabs, and the bytes from 0x80 up, which HTTP passes on as opaque.
///
/// A CR or LF would end the line early and let the rest pass for a header of its own
/// (response splitting), and a character past Latin-1 has no single byte to be sent as.
pub fn is_field_text(text: &str) -> bool {
    text.chars().all(is_field_char)
}

/// One character of [`is_field_text`]; a request's header bytes are checked with it as they
/// are, before they become text.
pub fn is_field_char(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{80}'..='\u{ff}')
}

/// Bytes as Latin-1 text: each byte becomes the character with that number.
///
/// HTTP header values are bytes, not UTF-8. PEP 3333 carries them (and the decoded path) as
/// Latin-1 strings so that no byte is ever lost; `String::chars().map(|c| c as u8)` gets the
/// bytes back.
pub fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        // Nearly every path and value is ASCII, the same characters in both: copied whole
        // rather than one at a time (a thousand instructions a request fewer, chapter 9).
        Ok(text) if text.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&byte| char::from(byte)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn latin1_keeps_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = latin1(&bytes);
        assert_eq!(text.chars().map(|c| c as u8).collect::<Vec<u8>>(), bytes);
        assert_eq!(latin1(&bytes[..128]), latin1(&bytes).chars().take(128).collect::<String>());
    }

    #[test]
    fn field_text_has_no_line_breaks_and_fits_in_latin_1() {
        assert!(is_field_text("text/html; charset=utf-8\tand more"));
        assert!(is_field_text("caf\u{e9} \u{85}"), "obs-text is passed on");
        assert!(!is_field_text("a\r\nSet-Cookie: x"));
        assert!(!is_field_text("nul\0"));
        assert!(!is_field_text("del\u{7f}"));
        assert!(!is_field_text("你好"), "past Latin-1");
    }
}
