//! An environ's CGI-style variables: a small map kept sorted by name (chapter 4; what it
//! saves, chapter 9).
//!
//! A request carries about fifteen variables, set once and read a few times. The standard
//! `BTreeMap` made three nodes for so few, one allocation each, and compared names one after
//! another on its way down; taking it apart again cost as much. A vector in name order is
//! one allocation, a binary search finds a name in four comparisons, and the variables are
//! walked in order as a slice. `bash bench/instructions.sh` counted 3,500 instructions a
//! request fewer, nearly a tenth of a hello-world's.

use std::borrow::Cow;

/// One variable: a fixed word (`REQUEST_METHOD`), borrowed, or a name made from a header's
/// (`HTTP_USER_AGENT`), owned; and its text.
type Variable = (Cow<'static, str>, String);

/// The CGI-style variables by name, iterated in name order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables {
    sorted: Vec<Variable>,
}

/// Room for what most requests carry: the nine required, the client's address and a
/// browser's headers. More is fine; the vector grows. (Twenty take 960 bytes: glibc keeps
/// blocks up to 1,032 bytes in a per-thread cache, where a larger one costs a search.)
const USUAL: usize = 20;

impl Variables {
    pub fn new() -> Variables {
        Variables { sorted: Vec::with_capacity(USUAL) }
    }

    /// Where `key` is, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.sorted.binary_search_by(|(name, _)| name.as_ref().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|at| &self.sorted[at].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, and returns the value it replaces.
    pub fn insert(&mut self, key: Cow<'static, str>, value: String) -> Option<String> {
        // Names that come in order go on the end, after one comparison.
        if self.sorted.last().is_none_or(|(last, _)| *last < key) {
            self.sorted.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.sorted[at].1, value)),
            Err(at) => {
                self.sorted.insert(at, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.find(key).ok().map(|at| self.sorted.remove(at).1)
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Every variable, in name order.
    pub fn iter(&self) -> Iter<'_> {
        self.sorted.iter().map(|(key, value)| (key, value))
    }

    /// Every name, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Cow<'static, str>> {
        self.sorted.iter().map(|(key, _)| key)
    }
}

/// What [`Variables::iter`] returns: name and value, as a map's iterator gives them.
pub type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, Variable>,
    fn(&'a Variable) -> (&'a Cow<'static, str>, &'a String),
>;

impl<'a> IntoIterator for &'a Variables {
    type Item = (&'a Cow<'static, str>, &'a String);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn variables_stay_sorted_whatever_order_they_come_in() {
        let mut vars = Variables::new();
        for (key, value) in [("SERVER_PORT", "80"), ("HTTP_HOST", "x"), ("PATH_INFO", "/")] {
            assert_eq!(vars.insert(key.into(), value.to_string()), None);
        }
        vars.insert("HTTP_X_ID".to_string().into(), "7".to_string());
        let keys: Vec<&str> = vars.keys().map(|key| key.as_ref()).collect();
        assert_eq!(keys, ["HTTP_HOST", "HTTP_X_ID", "PATH_INFO", "SERVER_PORT"]);
        assert_eq!(vars.insert("PATH_INFO".into(), "/a".to_string()), Some("/".to_string()));
        assert_eq!(vars.get("PATH_INFO").map(String::as_str), Some("/a"));
        assert_eq!(vars.get("QUERY_STRING"), None);
        assert_eq!(vars.remove("HTTP_HOST"), Some("x".to_string()));
        assert_eq!(vars.remove("HTTP_HOST"), None);
        assert!(!vars.contains_key("HTTP_HOST") && vars.contains_key("HTTP_X_ID"));
        assert_eq!(vars.len(), 3);
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        assert_eq!(pairs, [("HTTP_X_ID", "7"), ("PATH_INFO", "/a"), ("SERVER_PORT", "80")]);
    }
}
