//! Strings made from a `pattern` when nothing the frames say matches it: the regex is
//! parsed (regex-syntax), its `^`/`$` anchors dropped (a match of the rest matches the
//! anchored pattern too) and each class narrowed to printable ASCII where it has any
//! (ECMA's `\w`, `\d`, `\s` are ASCII; Rust's are Unicode), then sampled (rand_regex).

use rand::{RngExt, SeedableRng};
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look, Repetition,
};

/// Most repetitions of an unbounded `*`/`+` in a sample.
const MAX_REPEAT: u32 = 8;
/// Samples tried before giving up.
const TRIES: usize = 64;

/// A sample of `pattern` that `accepts` takes (`Ok(None)` when none of the samples
/// is), or why the pattern cannot be sampled (look-around, back-references, ...).
pub(super) fn sample_matching(
    pattern: &str,
    seed: u64,
    accepts: impl Fn(&String) -> bool,
) -> Result<Option<String>, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    let generator =
        rand_regex::Regex::with_hir(printable(hir), MAX_REPEAT).map_err(|e| e.to_string())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Ok((0..TRIES)
        .map(|_| rng.sample::<String, _>(&generator))
        .find(accepts))
}

/// `hir` without line anchors and with its classes narrowed to printable ASCII.
fn printable(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(literal) => Hir::literal(literal.0),
        HirKind::Look(
            Look::Start | Look::End | Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF,
        ) => Hir::empty(),
        HirKind::Look(look) => Hir::look(look),
        HirKind::Class(Class::Unicode(class)) => {
            let mut ascii = ClassUnicode::new([ClassUnicodeRange::new(' ', '~')]);
            ascii.intersect(&class);
            let narrowed = if ascii.ranges().is_empty() {
                class
            } else {
                ascii
            };
            Hir::class(Class::Unicode(narrowed))
        }
        HirKind::Class(class) => Hir::class(class),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(printable(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(printable(*c.sub)),
            ..c
        }),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(printable).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.into_iter().map(printable).collect()),
    }
}
