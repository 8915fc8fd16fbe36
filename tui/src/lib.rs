//! `apiforge-tui`: the terminal console for admins, a client of the admin API
//! over HTTP and nothing else (no server crate, no database driver).
//!
//! Data flows one way (gitui, ratatui's component template): a key or an
//! answer becomes an [`action::Action`], [`app::App::update`] changes state and
//! returns [`action::Effect`]s (calls to send, text to copy), and
//! [`app::App::draw`] renders from state. The runtime in `main.rs` is the only
//! code that touches the terminal or the network.

pub mod action;
pub mod app;
pub mod client;
pub mod osc52;
pub mod screen;
pub mod screens;
pub mod strings;
pub mod testing;
pub mod theme;
pub mod widgets;
pub mod wire;
