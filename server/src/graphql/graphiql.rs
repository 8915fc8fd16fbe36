//! Placeholder until the GraphiQL page lands (being written now).

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
