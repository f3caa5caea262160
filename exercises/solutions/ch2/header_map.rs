//! SPOILER: reference solution of exercise 2.2 (headers in a case-insensitive map). Try it
//! yourself first.

use std::collections::HashMap;

/// Header fields, looked up without regard to case (RFC 9110 §5.1).
#[derive(Debug, Default)]
pub struct HeaderMap {
    /// Keyed by the lower-cased name, so that every spelling finds the same entry.
    fields: HashMap<String, String>,
}

impl HeaderMap {
    /// Parses header lines, each `Name: value` and ending in `\r\n`.
    pub fn parse(lines: &str) -> Result<HeaderMap, String> {
        let mut map = HeaderMap::default();
        for line in lines.split("\r\n").filter(|line| !line.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return Err(format!("the header line {line:?} has no colon"));
            };
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(format!("the header line {line:?} has no valid name"));
            }
            let value = value.trim_matches([' ', '\t']);
            map.fields
                .entry(name.to_ascii_lowercase())
                .and_modify(|joined| {
                    joined.push_str(", ");
                    joined.push_str(value);
                })
                .or_insert_with(|| value.to_string());
        }
        Ok(map)
    }

    /// The value of the field `name`, whatever the case of either.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}
