//! `details[].loc` of a validation body: a path of names and indices, read as text.

use serde::{Deserialize, Deserializer};

/// One path element as sent: a field name or an array index.
#[derive(Deserialize)]
#[serde(untagged)]
enum LocPart {
    Name(String),
    Index(i64),
}

/// Reads `["body", "messages", 0]` as `["body", "messages", "0"]`.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let parts = Vec::<LocPart>::deserialize(d)?;
    Ok(parts
        .into_iter()
        .map(|p| match p {
            LocPart::Name(n) => n,
            LocPart::Index(i) => i.to_string(),
        })
        .collect())
}
