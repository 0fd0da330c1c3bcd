//! The emulator's "model": what it says about the frames it saw. It sees only the
//! statistics of the decoded frames ([`Observation`]) and answers in plain text
//! ([`describe`]) or, when the app gives a JSON Schema, in JSON that validates
//! against it ([`structured_answer`]).

mod colour;
#[cfg(test)]
mod hostile_tests;
mod pattern;
mod place;
mod schema_containers;
mod schema_merge;
mod schema_scalars;
mod schema_types;
pub mod structured;
#[cfg(test)]
mod structured_tests;

pub use colour::colour_name;
pub use structured::{structured_answer, Observation, SchemaError};

use crate::peer::ClipStats;

impl Observation {
    /// What one result window's decoded frames show.
    pub fn of_clip(clip: &ClipStats) -> Observation {
        Observation {
            colour: colour_name(clip.mean_rgb),
            rgb: clip.mean_rgb,
            frames: clip.frames as usize,
            width: clip.width,
            height: clip.height,
        }
    }

    /// A neutral observation (one mid-gray 640x480 frame), to check a schema before
    /// any frame has arrived.
    pub fn probe() -> Observation {
        Observation {
            colour: "gray",
            rgb: [128, 128, 128],
            frames: 1,
            width: 640,
            height: 480,
        }
    }
}

/// The plain-text answer: the colour name, the mean RGB, how many frames and their size.
pub fn describe(seen: &Observation) -> String {
    let [r, g, b] = seen.rgb;
    format!(
        "{}: mean RGB ({r}, {g}, {b}) over {} frames at {}x{}",
        seen.colour, seen.frames, seen.width, seen.height
    )
}

/// Whether the emulator can answer `schema` at all: `structured_answer` for a neutral
/// observation. The streams API's create refuses a schema that fails here (422), so
/// its results do not fail one by one.
pub fn check_schema(schema: &serde_json::Value) -> Result<(), SchemaError> {
    structured_answer(schema, &Observation::probe()).map(drop)
}

/// `work` (a schema walk: up to ~10 000 steps, which can take a noticeable time on
/// a large schema) on tokio's blocking pool, so it never stalls the async workers.
pub async fn off_workers<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SchemaError> + Send + 'static,
) -> Result<T, SchemaError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(SchemaError::Unsatisfiable {
            reason: format!("the schema walk stopped ({e})"),
            at: String::new(),
        })
    })
}
