//! A JSON response sent as the pieces it was put together from.
//!
//! A read's rows arrive as one JSON text, up to `max_response_bytes` long.
//! Wrapping them in `{"resource":…}` by copying them into a new buffer held
//! the answer twice per request in flight, in two allocations of its whole
//! size. The pieces go out one after the other instead (hyper writes them
//! with one vectored write), with their total length as `Content-Length`, as a
//! single buffer would have.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};

/// JSON text in pieces; the response is their concatenation.
#[derive(Debug, Default)]
pub struct JsonPieces {
    pieces: VecDeque<Bytes>,
    len: u64,
}

impl JsonPieces {
    /// Appends a piece; a `Vec<u8>` or `String` is taken over, not copied.
    pub fn push(&mut self, piece: impl Into<Bytes>) {
        let piece = piece.into();
        if !piece.is_empty() {
            self.len += piece.len() as u64;
            self.pieces.push_back(piece);
        }
    }
}

impl http_body::Body for JsonPieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        Poll::Ready(this.pieces.pop_front().map(|piece| {
            this.len -= piece.len() as u64;
            Ok(Frame::data(piece))
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Exact, so that hyper sends `Content-Length` rather than chunks.
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

impl IntoResponse for JsonPieces {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "application/json")],
            Body::new(self),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sends_the_pieces_joined_with_their_length() {
        let mut body = JsonPieces::default();
        body.push(&b"{\"resource\":"[..]);
        body.push(b"[1,2]".to_vec());
        body.push(String::new());
        body.push(&b"}"[..]);
        let resp = body.into_response();
        assert_eq!(
            http_body::Body::size_hint(resp.body()).exact(),
            Some(18),
            "known length: Content-Length, not chunked"
        );
        let text = axum::body::to_bytes(resp.into_body(), 1024).await;
        assert_eq!(text.ok().as_deref(), Some(&b"{\"resource\":[1,2]}"[..]));
    }
}
