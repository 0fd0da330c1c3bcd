//! Where the walker is: the schema pointer (for errors and the validators), the
//! property name (what to say) and the depth (when to stop adding optional parts).

use super::structured::SchemaError;

/// Deeper than this, nothing optional is added: arrays take their minimum length,
/// nullable values are null, optional properties are left out (recursion ends).
pub(super) const DEEP: usize = 3;
/// Deeper than this, a schema is taken to recurse with no way out.
pub(super) const MAX_DEPTH: usize = 24;

/// Where in the schema and the answer a value is made.
#[derive(Clone, Debug)]
pub(super) struct Place<'n> {
    /// JSON pointer of the schema in the root document, when it is one subschema
    /// there (not a merge of several).
    pub path: Option<String>,
    /// The pointer reported in errors (best known).
    pub at: String,
    /// The property (or, for array items, the array) the value is for.
    pub name: Option<&'n str>,
    /// Nesting depth in the answer.
    pub depth: usize,
    /// Which of several sibling values this is (array items must differ under
    /// `uniqueItems`).
    pub variant: usize,
}

impl<'n> Place<'n> {
    /// The root of the schema and the answer.
    pub fn root() -> Place<'static> {
        Place {
            path: Some(String::new()),
            at: String::new(),
            name: None,
            depth: 0,
            variant: 0,
        }
    }

    /// The place of the subschema under `keyword` (same value, same depth).
    pub fn sub(&self, keyword: &str) -> Place<'n> {
        let mut place = self.clone();
        place.path = self
            .path
            .as_ref()
            .map(|p| format!("{p}/{}", escape(keyword)));
        place.at = format!("{}/{}", self.at, escape(keyword));
        place
    }

    /// The place of a value inside this one (a property or an item), under `keyword`.
    pub fn child<'m>(&self, keyword: &str, name: Option<&'m str>, variant: usize) -> Place<'m> {
        let inner = self.sub(keyword);
        Place {
            path: inner.path,
            at: inner.at,
            name,
            depth: self.depth + 1,
            variant,
        }
    }

    /// An error at this place.
    pub fn unsatisfiable(&self, reason: impl Into<String>) -> SchemaError {
        SchemaError::Unsatisfiable {
            reason: reason.into(),
            at: self.at.clone(),
        }
    }

    /// Whether nothing optional should be added here.
    pub fn deep(&self) -> bool {
        self.depth >= DEEP
    }
}

/// One JSON pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
