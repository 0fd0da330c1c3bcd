//! Wire types of the billing endpoints (§12). They live at `{host}/billing`, beside
//! `/v1beta` (see `BaseUrl::billing_root`). Money is integer microcents.

use serde::{Deserialize, Serialize};

/// Microcents in one cent.
pub const MICROCENTS_PER_CENT: u64 = 1_000_000;

/// One entry of `GET /billing/pricing`, or `GET /billing/pricing/{model}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    /// Pricing row id.
    pub id: String,
    /// Model id.
    pub model: String,
    /// Who serves it.
    pub provider: String,
    /// Pricing version.
    pub version: String,
    /// Per input token.
    pub input_microcents_per_token: u64,
    /// Per output token.
    pub output_microcents_per_token: u64,
    /// Per cached input token, when priced separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_microcents_per_token: Option<u64>,
    /// Whether it is listed publicly.
    pub public: bool,
}

/// `GET /billing/accounts/me/balance`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The account's user id.
    pub user_id: String,
    /// Exact balance.
    pub balance_microcents: i64,
    /// Balance for display.
    pub balance_cents: i64,
}

/// Body of `POST /billing/checkout` (`amount_cents ≥ 100`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    /// Amount to add, in cents.
    pub amount_cents: u64,
}

/// Answer of `POST /billing/checkout`: a hosted checkout page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// The page's URL.
    pub url: String,
}
