//! The TCP listener the server runs on: it percent-encodes the bytes `"` `<` `>`
//! `` ` `` inside each HTTP/1.x request-target before hyper parses the request.
//!
//! Why: curl sends DreamFactory's own documented examples as typed
//! (`?filter=Milliseconds>300000`). httparse accepts those bytes, but hyper then
//! builds an `http::Uri`, which refuses `"`, `<`, `>` in a query and `<`, `>`,
//! `` ` `` in a path; hyper answers a bare 400 and closes the connection before
//! any of our code runs, and it has no option to relax this. Browsers (the WHATWG
//! URL parser) and nginx accept these bytes by percent-encoding them, which does
//! not change the meaning: query-string decoding turns `%3E` back into `>`. This
//! is the one place that can do the same, because it sees the bytes first.
//!
//! How: [`Rewriter`] follows HTTP/1 framing conservatively, so it only ever edits
//! a request line: it reads each head up to its blank line and skips exactly
//! `Content-Length` body bytes. Whatever it cannot be sure of (chunked bodies,
//! upgrades, HTTP/2, a line that is not `METHOD SP target SP HTTP/1.x`, a head
//! over [`MAX_HEAD`]) turns the rest of that connection into a plain pass-through,
//! so that hyper answers exactly as it would without this layer.
//!
//! The same framing tells when a request head starts and ends, which is what a
//! slow-loris defence needs and hyper cannot offer as we want it: hyper's
//! `header_read_timeout` starts when it begins waiting for a head, so it is an
//! idle timeout too, and axum's `serve` sets no timer for it anyway. So each
//! connection here also carries its deadlines ([`Limits`]): a head must be
//! complete within `header_read_timeout` of its first byte, and a kept-alive
//! connection may wait `idle_timeout` for its next request. A deadline that
//! passes ends the stream (a read returns end-of-input), so hyper closes the
//! connection as if the client had. Each connection also holds one of
//! `max_connections` permits, taken before it is accepted.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Heads longer than this are passed on untouched. hyper accepts a request-target
/// of up to 64 KiB (and a whole head of about 400 KiB), so a legitimate request
/// with a long head still works; it only loses the rewrite.
pub const MAX_HEAD: usize = 64 * 1024;

/// Reads smaller than this (hyper's 24-byte HTTP/2 preface check) go through a
/// local buffer, so that a request line does not take one system call per 24 bytes.
const MIN_READ: usize = 4096;

/// How long a connection may take over a request head and wait between
/// requests (the settings `header_read_timeout` and `idle_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read: Duration,
    pub idle: Duration,
}

impl Limits {
    /// From the settings, in seconds; 0 would close every connection at once,
    /// so it counts as 1.
    pub fn from_secs(header_read: u64, idle: u64) -> Self {
        Limits {
            header_read: Duration::from_secs(header_read.max(1)),
            idle: Duration::from_secs(idle.max(1)),
        }
    }
}

/// The server's listener: a [`TcpListener`] whose connections rewrite
/// request-targets and keep to [`Limits`] (see the module documentation).
#[derive(Debug)]
pub struct Listener {
    inner: TcpListener,
    limits: Limits,
    /// One permit per open connection: `accept` waits while none is free, so
    /// past `max_connections` clients queue in the kernel's backlog instead of
    /// each costing a task, buffers and a file descriptor.
    slots: Arc<Semaphore>,
}

impl Listener {
    pub fn new(inner: TcpListener, limits: Limits, max_connections: usize) -> Self {
        Listener {
            inner,
            limits,
            slots: Arc::new(Semaphore::new(
                max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
        }
    }
}

/// The client's address, as `ConnectInfo<PeerAddr>` (the rate limit reads it).
///
/// A newtype because axum implements `Connected` for `SocketAddr` only with its
/// own `TcpListener`, and the orphan rule forbids adding that impl for ours (the
/// trait and `SocketAddr` are both foreign). So `ConnectInfo<SocketAddr>` is not
/// in a request's extensions: extract `ConnectInfo<PeerAddr>` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, Listener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        *stream.remote_addr()
    }
}

impl axum::serve::Listener for Listener {
    type Io = RewritingStream<TcpStream>;
    type Addr = PeerAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // The semaphore is never closed, so this only waits for a free permit.
        let permit = self.slots.clone().acquire_owned().await.ok();
        // axum's accept loop (it retries and backs off on errors such as EMFILE).
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        let mut io = RewritingStream::with_limits(stream, self.limits);
        io.permit = permit;
        (io, PeerAddr(addr))
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr().map(PeerAddr)
    }
}

/// Where a connection is between requests, for its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a head to start; the deadline is `idle` after the last
    /// response byte written (`header_read` after the connection opened: a
    /// client that connects has a request to send).
    Idle,
    /// A head has started: it must end by `header_read` after its first byte.
    Head,
    /// A head was read: its body and the answer are bounded by the request
    /// timeout, not here.
    Busy,
    /// The rewriter lost the framing (chunked bodies, upgrades, HTTP/2): only
    /// `idle` without a byte read or written closes the connection.
    Unframed,
}

/// The deadline state of one connection (see [`Phase`]).
#[derive(Debug)]
struct Deadline {
    limits: Limits,
    phase: Phase,
    /// Heads the rewriter had finished when last looked at.
    heads_seen: u64,
    sleep: Pin<Box<Sleep>>,
    /// The deadline passed: every read from now on is end-of-input.
    expired: bool,
}

impl Deadline {
    fn new(limits: Limits) -> Self {
        Deadline {
            limits,
            phase: Phase::Idle,
            heads_seen: 0,
            sleep: Box::pin(tokio::time::sleep(limits.header_read)),
            expired: false,
        }
    }

    fn restart(&mut self, after: Duration) {
        self.sleep.as_mut().reset(Instant::now() + after);
    }

    /// Bytes were read and fed to `rewriter`: a head may have started or ended.
    fn after_read(&mut self, rewriter: &Rewriter) {
        if rewriter.is_pass_through() {
            self.phase = Phase::Unframed;
            self.restart(self.limits.idle);
            return;
        }
        if rewriter.heads_done() != self.heads_seen {
            self.heads_seen = rewriter.heads_done();
            self.phase = Phase::Busy;
        }
        if rewriter.in_head() && self.phase != Phase::Head {
            self.phase = Phase::Head;
            self.restart(self.limits.header_read);
        }
    }

    /// Response bytes went out: the connection now waits for its next request
    /// (unless one has already started to arrive, pipelined). hyper may be
    /// parked on a read it began while the request was busy, which registered
    /// no timer: the timer is registered here, with the same task.
    fn after_write(&mut self, cx: &mut Context<'_>) {
        match self.phase {
            Phase::Head => return,
            Phase::Idle | Phase::Busy => self.phase = Phase::Idle,
            Phase::Unframed => {}
        }
        self.restart(self.limits.idle);
        // Just reset into the future: this only registers the waker.
        let _ = self.sleep.as_mut().poll(cx);
    }

    /// The inner read is pending: has the deadline passed? Registers the
    /// waker for when it will.
    fn passed(&mut self, cx: &mut Context<'_>) -> bool {
        if self.phase == Phase::Busy {
            return false;
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            tracing::debug!(phase = ?self.phase, "closing a connection past its deadline");
            self.expired = true;
        }
        self.expired
    }
}

/// A connection whose reads come out of a [`Rewriter`]; writes pass straight on.
#[derive(Debug)]
pub struct RewritingStream<S> {
    inner: S,
    rewriter: Rewriter,
    /// Rewritten bytes that did not fit into the caller's buffer yet.
    pending: Vec<u8>,
    /// How much of `pending` the caller has received.
    sent: usize,
    /// None: no deadlines (a stream built with [`new`](Self::new)).
    deadline: Option<Deadline>,
    /// This connection's place under `max_connections`, given back on drop.
    permit: Option<OwnedSemaphorePermit>,
}

impl<S> RewritingStream<S> {
    /// A stream that only rewrites, without deadlines.
    pub fn new(inner: S) -> Self {
        RewritingStream {
            inner,
            rewriter: Rewriter::default(),
            pending: Vec::new(),
            sent: 0,
            deadline: None,
            permit: None,
        }
    }

    /// A stream that rewrites and closes itself past its deadlines; it must be
    /// created inside a Tokio runtime (it holds a timer).
    pub fn with_limits(inner: S, limits: Limits) -> Self {
        RewritingStream {
            deadline: Some(Deadline::new(limits)),
            ..Self::new(inner)
        }
    }

    /// The inner read is pending: end-of-input if the deadline passed.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.deadline.as_mut().is_some_and(|d| d.passed(cx)) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    /// Hands out as much of `pending` as fits; true if anything was handed out.
    fn drain_pending(&mut self, buf: &mut ReadBuf<'_>) -> bool {
        let left = &self.pending[self.sent..];
        if left.is_empty() {
            return false;
        }
        let n = left.len().min(buf.remaining());
        buf.put_slice(&left[..n]);
        self.sent += n;
        if self.sent == self.pending.len() {
            self.pending.clear();
            self.sent = 0;
        }
        true
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for RewritingStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 || this.deadline.as_ref().is_some_and(|d| d.expired) {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.drain_pending(buf) {
                return Poll::Ready(Ok(()));
            }
            // Body bytes and pass-through connections are read straight into the
            // caller's buffer; only bytes that may belong to a head are copied.
            let unchanged = this.rewriter.unchanged_ahead();
            let mut local: [u8; MIN_READ];
            let small = buf.remaining() < MIN_READ && unchanged < buf.remaining() as u64;
            let before = buf.filled().len();
            let fresh = if small {
                local = [0; MIN_READ];
                let mut tmp = ReadBuf::new(&mut local);
                if Pin::new(&mut this.inner)
                    .poll_read(cx, &mut tmp)?
                    .is_pending()
                {
                    return this.poll_deadline(cx);
                }
                let n = tmp.filled().len();
                &local[..n]
            } else {
                if Pin::new(&mut this.inner).poll_read(cx, buf)?.is_pending() {
                    return this.poll_deadline(cx);
                }
                &buf.filled()[before..]
            };
            if fresh.is_empty() {
                // End of input: whatever was held back goes out as it came.
                this.rewriter.finish(&mut this.pending);
                this.drain_pending(buf);
                return Poll::Ready(Ok(()));
            }
            if !small && unchanged >= fresh.len() as u64 {
                this.rewriter.skip(fresh.len());
                if let Some(d) = &mut this.deadline {
                    d.after_read(&this.rewriter);
                }
                return Poll::Ready(Ok(()));
            }
            this.rewriter.feed(fresh, &mut this.pending);
            if let Some(d) = &mut this.deadline {
                d.after_read(&this.rewriter);
            }
            if !small {
                buf.set_filled(before);
            }
            // Nothing to hand out means the rewriter holds an unfinished request
            // line: read on (the inner stream registers the waker if it must wait).
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for RewritingStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.wrote(n, cx);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.wrote(n, cx);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl<S> RewritingStream<S> {
    fn wrote(&mut self, n: usize, cx: &mut Context<'_>) {
        if let (Some(d), true) = (&mut self.deadline, n > 0) {
            d.after_write(cx);
        }
    }
}

/// Where the rewriter is in the byte stream of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a request line. Empty lines may come first (RFC 9112 §2.2; httparse
    /// skips them); `after_cr` is a CR waiting for its LF.
    Start { after_cr: bool },
    /// Inside the request line, which is held back until it is complete and valid.
    Line(Part),
    /// Inside the header lines, which are passed on as they arrive.
    Headers,
    /// Inside a `Content-Length` body: this many bytes pass on unchanged.
    Body { left: u64 },
    /// Unsure of the framing: everything passes on unchanged from here on.
    PassThrough,
}

/// The parts of `METHOD SP target SP HTTP/1.x CRLF`, with the offsets (in the held
/// line) where the target starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Method,
    Target {
        start: usize,
    },
    /// `matched` bytes of `HTTP/1.x` seen.
    Version {
        target: (usize, usize),
        matched: usize,
    },
    Cr {
        target: (usize, usize),
    },
}

const VERSION_PREFIX: &[u8] = b"HTTP/1.";

/// The byte-level rewrite, without I/O: bytes in, rewritten bytes out. It never
/// changes a byte outside a request-target; see the module documentation.
#[derive(Debug)]
pub struct Rewriter {
    state: State,
    /// The request line held back, or the header line being read.
    line: Vec<u8>,
    /// Bytes of the current head so far.
    head_len: usize,
    /// The `Content-Length` of the current head.
    content_length: Option<u64>,
    /// Heads read to their blank line.
    heads_done: u64,
}

impl Default for Rewriter {
    fn default() -> Self {
        Rewriter {
            state: State::Start { after_cr: false },
            line: Vec::new(),
            head_len: 0,
            content_length: None,
            heads_done: 0,
        }
    }
}

impl Rewriter {
    /// How many of the next bytes will pass on unchanged whatever they are.
    pub fn unchanged_ahead(&self) -> u64 {
        match self.state {
            State::Body { left } => left,
            State::PassThrough => u64::MAX,
            _ => 0,
        }
    }

    /// Accounts for `n` bytes passed on without [`feed`](Self::feed), at most
    /// [`unchanged_ahead`](Self::unchanged_ahead).
    pub fn skip(&mut self, n: usize) {
        if let State::Body { left } = self.state {
            let left = left.saturating_sub(n as u64);
            self.state = if left == 0 {
                State::Start { after_cr: false }
            } else {
                State::Body { left }
            };
        }
    }

    /// Is a request head under way (its first byte read, its end not yet)?
    pub fn in_head(&self) -> bool {
        matches!(self.state, State::Line(_) | State::Headers)
    }

    /// How many heads have been read to their end so far.
    pub fn heads_done(&self) -> u64 {
        self.heads_done
    }

    /// Is the connection passing everything through?
    pub fn is_pass_through(&self) -> bool {
        self.state == State::PassThrough
    }

    /// The input ended: a request line held back goes out unchanged.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.give_up(out);
    }

    /// Pass-through from here on; a held request line goes out unchanged.
    fn give_up(&mut self, out: &mut Vec<u8>) {
        if matches!(self.state, State::Line(_)) {
            out.extend_from_slice(&self.line);
        }
        self.line = Vec::new();
        self.state = State::PassThrough;
    }

    /// Rewrites `input`, appending what can be passed on to `out` (a request line
    /// is held back until its end).
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            match self.state {
                State::PassThrough => {
                    out.extend_from_slice(input);
                    return;
                }
                State::Body { left } => {
                    let n = input.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    self.skip(n);
                }
                State::Start { after_cr } => {
                    let b = input[0];
                    match (after_cr, b) {
                        (true, b'\n') | (false, b'\n') => {
                            self.state = State::Start { after_cr: false }
                        }
                        (false, b'\r') => self.state = State::Start { after_cr: true },
                        (true, _) => {
                            // A lone CR: hyper rejects it; let it.
                            self.give_up(out);
                            continue;
                        }
                        (false, _) => {
                            self.head_len = 0;
                            self.content_length = None;
                            self.line.clear();
                            self.state = State::Line(Part::Method);
                            continue;
                        }
                    }
                    out.push(b);
                    input = &input[1..];
                    self.head_len += 1;
                    if self.head_len > MAX_HEAD {
                        self.give_up(out);
                    }
                }
                State::Line(part) => {
                    let used = self.request_line(part, input, out);
                    input = &input[used..];
                }
                State::Headers => {
                    let (seg, ends) = match input.iter().position(|&b| b == b'\n') {
                        Some(i) => (&input[..=i], true),
                        None => (input, false),
                    };
                    if self.head_len + seg.len() > MAX_HEAD {
                        self.give_up(out);
                        continue;
                    }
                    out.extend_from_slice(seg);
                    self.head_len += seg.len();
                    self.line.extend_from_slice(seg);
                    input = &input[seg.len()..];
                    if ends {
                        self.header_line(out);
                    }
                }
            }
        }
    }

    /// Reads request-line bytes from `input` (in `part`); returns how many it used.
    fn request_line(&mut self, mut part: Part, input: &[u8], out: &mut Vec<u8>) -> usize {
        for (i, &b) in input.iter().enumerate() {
            let next = match part {
                Part::Method if b == b' ' => {
                    let method = self.line.as_slice();
                    // CONNECT turns the connection into a tunnel; PRI is HTTP/2.
                    if method.is_empty() || method == b"CONNECT" || method == b"PRI" {
                        None
                    } else {
                        Some(Part::Target {
                            start: self.line.len() + 1,
                        })
                    }
                }
                Part::Method => is_token(b).then_some(Part::Method),
                Part::Target { start } if b == b' ' => {
                    (self.line.len() > start).then_some(Part::Version {
                        target: (start, self.line.len()),
                        matched: 0,
                    })
                }
                // httparse's set of target bytes: anything visible, and non-ASCII.
                Part::Target { .. } => (b > b' ' && b != 0x7f).then_some(part),
                Part::Version { target, matched } if matched < VERSION_PREFIX.len() => {
                    (b == VERSION_PREFIX[matched]).then_some(Part::Version {
                        target,
                        matched: matched + 1,
                    })
                }
                Part::Version { target, matched } if matched == VERSION_PREFIX.len() => {
                    matches!(b, b'0' | b'1').then_some(Part::Version {
                        target,
                        matched: matched + 1,
                    })
                }
                Part::Version { target, .. } if b == b'\r' => Some(Part::Cr { target }),
                Part::Version { target, .. } | Part::Cr { target } if b == b'\n' => {
                    self.line.push(b);
                    self.head_len += 1;
                    self.emit_request_line(target, out);
                    return i + 1;
                }
                Part::Version { .. } | Part::Cr { .. } => None,
            };
            self.line.push(b);
            self.head_len += 1;
            match next {
                Some(p) if self.head_len <= MAX_HEAD => part = p,
                _ => {
                    self.give_up(out);
                    return i + 1;
                }
            }
        }
        self.state = State::Line(part);
        input.len()
    }

    /// Writes the complete request line with its target encoded; headers follow.
    fn emit_request_line(&mut self, (start, end): (usize, usize), out: &mut Vec<u8>) {
        let line = &self.line;
        if line[start..end].iter().any(|&b| needs_encoding(b)) {
            out.extend_from_slice(&line[..start]);
            for &b in &line[start..end] {
                if needs_encoding(b) {
                    out.extend_from_slice(&[
                        b'%',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 15)],
                    ]);
                } else {
                    out.push(b);
                }
            }
            out.extend_from_slice(&line[end..]);
        } else {
            out.extend_from_slice(line);
        }
        self.line.clear();
        self.state = State::Headers;
    }

    /// A header line (with its line end) was read: note the framing it implies.
    fn header_line(&mut self, out: &mut Vec<u8>) {
        let mut line = std::mem::take(&mut self.line);
        let text = line
            .strip_suffix(b"\n")
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .unwrap_or(&line);
        let sure = if text.is_empty() {
            // The end of the head: a body of Content-Length bytes, or none.
            self.heads_done += 1;
            self.state = match self.content_length {
                Some(n) if n > 0 => State::Body { left: n },
                _ => State::Start { after_cr: false },
            };
            self.head_len = 0;
            true
        } else {
            self.framing_header(text)
        };
        line.clear();
        self.line = line;
        if !sure {
            self.give_up(out);
        }
    }

    /// False for a header that makes the framing uncertain.
    fn framing_header(&mut self, text: &[u8]) -> bool {
        // Folded lines and lines without a colon: hyper rejects them.
        if text[0] == b' ' || text[0] == b'\t' {
            return false;
        }
        let Some(colon) = text.iter().position(|&b| b == b':') else {
            return false;
        };
        let name = &text[..colon];
        let value = text[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"content-length") {
            let parsed = (!value.is_empty() && value.iter().all(u8::is_ascii_digit))
                .then(|| std::str::from_utf8(value).ok()?.parse::<u64>().ok())
                .flatten();
            match (self.content_length, parsed) {
                (None, Some(n)) => {
                    self.content_length = Some(n);
                    true
                }
                // Several, or not a plain number.
                _ => false,
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"upgrade")
        {
            false
        } else if name.eq_ignore_ascii_case(b"connection") {
            !value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"upgrade"))
        } else {
            true
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The bytes `http::Uri` refuses in a request-target (`<` `>` `` ` `` in a
/// path, `"` `<` `>` in a query); percent-encoded, they mean the same.
fn needs_encoding(b: u8) -> bool {
    matches!(b, b'"' | b'<' | b'>' | b'`')
}

/// RFC 9110 `tchar`, as httparse checks a method.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces cut at `cuts`, then ends it.
    fn run(input: &[u8], cuts: &[usize]) -> (Vec<u8>, Rewriter) {
        let mut r = Rewriter::default();
        let mut out = Vec::new();
        let mut at = 0;
        for &c in cuts.iter().chain(std::iter::once(&input.len())) {
            r.feed(&input[at..c], &mut out);
            at = c;
        }
        r.finish(&mut out);
        (out, r)
    }

    /// The same output whether `input` comes whole, in single bytes, or cut in
    /// two at any position.
    fn rewrite(input: &[u8]) -> Vec<u8> {
        let (whole, _) = run(input, &[]);
        let bytes: Vec<usize> = (1..input.len()).collect();
        assert_eq!(run(input, &bytes).0, whole, "byte by byte");
        for cut in 1..input.len() {
            assert_eq!(
                run(input, &[cut]).0,
                whole,
                "cut at {cut}: {:?}",
                String::from_utf8_lossy(&input[..cut])
            );
        }
        whole
    }

    fn text(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn encodes_the_refused_bytes_in_the_target_only() {
        let got = rewrite(
            b"GET /api/v2/chinook/_table/Track?filter=\"Milliseconds\">300000&x=<`y` HTTP/1.1\r\n\
              Host: a\"<b>\r\nX-Note: 1 > 0\r\n\r\n",
        );
        assert_eq!(
            text(&got),
            "GET /api/v2/chinook/_table/Track?filter=%22Milliseconds%22%3E300000&x=%3C%60y%60 HTTP/1.1\r\n\
             Host: a\"<b>\r\nX-Note: 1 > 0\r\n\r\n"
        );
    }

    #[test]
    fn leaves_other_requests_byte_for_byte() {
        for input in [
            &b"GET /api/v2/chinook/_table/Track?filter=Milliseconds%3E300000 HTTP/1.1\r\nHost: a\r\n\r\n"[..],
            b"\r\n\nGET /{}|\\^ HTTP/1.0\nHost: a\n\n",
            b"GET /%zz%3c?a=b+c HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(text(&rewrite(input)), text(input));
        }
    }

    #[test]
    fn follows_pipelined_requests() {
        let got = rewrite(
            b"GET /a?x>1 HTTP/1.1\r\nHost: a\r\n\r\n\
              GET /b?y<2 HTTP/1.1\r\nHost: a\r\n\r\n\
              \r\nDELETE /c?z=\"q\" HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        assert_eq!(
            text(&got),
            "GET /a?x%3E1 HTTP/1.1\r\nHost: a\r\n\r\n\
             GET /b?y%3C2 HTTP/1.1\r\nHost: a\r\n\r\n\
             \r\nDELETE /c?z=%22q%22 HTTP/1.1\r\nHost: a\r\n\r\n"
        );
    }

    #[test]
    fn skips_a_body_exactly_and_rewrites_the_next_request() {
        let body = br#"{"resource":[{"Name":"<b>\"x\" GET /x?a>b HTTP/1.1"}]}"#;
        let input = [
            format!(
                "POST /api/v2/chinook/_table/Artist?fields=<Name> HTTP/1.1\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
            body,
            b"GET /next?a>b HTTP/1.1\r\n\r\n",
        ]
        .concat();
        let got = rewrite(&input);
        let want = [
            format!(
                "POST /api/v2/chinook/_table/Artist?fields=%3CName%3E HTTP/1.1\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
            body,
            b"GET /next?a%3Eb HTTP/1.1\r\n\r\n",
        ]
        .concat();
        assert_eq!(text(&got), text(&want));
    }

    #[test]
    fn passes_through_what_it_cannot_frame() {
        for (what, input) in [
            (
                "chunked",
                &b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n"[..],
            ),
            (
                "two lengths",
                b"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxGET /b?y>2 HTTP/1.1\r\n\r\n",
            ),
            (
                "a length that is not a number",
                b"POST /a HTTP/1.1\r\nContent-Length: +1\r\n\r\nxGET /b?y>2 HTTP/1.1\r\n\r\n",
            ),
            (
                "upgrade",
                b"GET /a HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n",
            ),
            (
                "upgrade header",
                b"GET /a HTTP/1.1\r\nUpgrade: h2c\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n",
            ),
            (
                "HTTP/2 preface",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n",
            ),
            ("CONNECT", b"CONNECT a:1 HTTP/1.1\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n"),
            ("HTTP/2.0 line", b"GET /a?x>1 HTTP/2.0\r\n\r\n"),
            ("two spaces", b"GET  /a?x>1 HTTP/1.1\r\n\r\n"),
            ("a control byte", b"GET /a?x>1\x01 HTTP/1.1\r\n\r\n"),
            ("no version", b"GET /a?x>1\r\n\r\n"),
            ("a lone CR", b"\rGET /a?x>1 HTTP/1.1\r\n\r\n"),
            ("a folded header", b"GET /a HTTP/1.1\r\nA: b\r\n c\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n"),
        ] {
            let got = rewrite(input);
            assert_eq!(text(&got), text(input), "{what}");
            assert!(run(input, &[]).1.is_pass_through(), "{what}");
        }
    }

    #[test]
    fn the_first_request_is_rewritten_before_a_chunked_one() {
        let got = rewrite(
            b"GET /a?x>1 HTTP/1.1\r\n\r\nPOST /b?y>2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        );
        assert_eq!(
            text(&got),
            "GET /a?x%3E1 HTTP/1.1\r\n\r\nPOST /b?y%3E2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn a_head_past_the_limit_passes_unchanged() {
        let long_target = format!("GET /a?x>{} HTTP/1.1\r\n\r\n", "1".repeat(MAX_HEAD));
        let (got, r) = run(long_target.as_bytes(), &[]);
        assert_eq!(text(&got), long_target);
        assert!(r.is_pass_through());

        let long_headers = format!(
            "GET /a?x>1 HTTP/1.1\r\nCookie: {}\r\n\r\nGET /b?y>2 HTTP/1.1\r\n\r\n",
            "c".repeat(MAX_HEAD)
        );
        let (got, r) = run(long_headers.as_bytes(), &[]);
        assert_eq!(text(&got), long_headers.replacen("x>1", "x%3E1", 1));
        assert!(r.is_pass_through());
    }

    #[test]
    fn an_unfinished_line_goes_out_unchanged_at_the_end() {
        let (got, _) = run(b"GET /a?x>1 HTT", &[5]);
        assert_eq!(text(&got), "GET /a?x>1 HTT");
    }

    /// A reader that returns `chunks` one per read.
    struct Chunks(std::collections::VecDeque<Vec<u8>>);

    impl AsyncRead for Chunks {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            if let Some(mut c) = this.0.pop_front() {
                let n = c.len().min(buf.remaining());
                buf.put_slice(&c[..n]);
                if n < c.len() {
                    this.0.push_front(c.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    const LIMITS: Limits = Limits {
        header_read: Duration::from_millis(300),
        idle: Duration::from_millis(700),
    };

    /// Reads from `s` until it ends; how long that took, or None if it was
    /// still open after `wait`.
    async fn ends_within<S: AsyncRead + Unpin>(s: &mut S, wait: Duration) -> Option<Duration> {
        use tokio::io::AsyncReadExt;
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        tokio::time::timeout(wait, async {
            while s.read(&mut buf).await.is_ok_and(|n| n > 0) {}
        })
        .await
        .ok()
        .map(|()| started.elapsed())
    }

    #[tokio::test]
    async fn a_head_must_end_within_header_read_of_its_first_byte() {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tokio::io::duplex(1024);
        let mut s = RewritingStream::with_limits(server, LIMITS);
        // Trickled: one header line every 100 ms, never the blank line.
        let trickle = tokio::spawn(async move {
            let _ = client.write_all(b"GET /a HTTP/1.1\r\n").await;
            for i in 0..30 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if client
                    .write_all(format!("X-{i}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
            client
        });
        let took = ends_within(&mut s, Duration::from_secs(3)).await;
        let took = took.unwrap_or_else(|| panic!("a trickled head was never cut off"));
        assert!(took >= Duration::from_millis(250), "{took:?}");
        assert!(took < Duration::from_millis(700), "{took:?}");
        trickle.abort();
    }

    #[tokio::test]
    async fn a_silent_new_connection_ends_at_header_read() {
        let (_client, server) = tokio::io::duplex(1024);
        let mut s = RewritingStream::with_limits(server, LIMITS);
        let took = ends_within(&mut s, Duration::from_secs(3)).await;
        assert!(
            took.is_some_and(|t| t >= Duration::from_millis(250) && t < Duration::from_millis(700)),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn no_deadline_while_a_request_is_answered_then_idle_after_the_answer() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut client, server) = tokio::io::duplex(1024);
        let mut s = RewritingStream::with_limits(server, LIMITS);
        client
            .write_all(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).await.expect("read");
        assert!(buf[..n].ends_with(b"\r\n\r\n"));
        // The request is being answered: past both deadlines, still open.
        assert_eq!(ends_within(&mut s, Duration::from_millis(1000)).await, None);
        // The answer went out: the connection may now idle for 700 ms.
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .expect("answer");
        let took = ends_within(&mut s, Duration::from_secs(3)).await;
        assert!(took.is_some_and(|t| t >= Duration::from_millis(600) && t < Duration::from_millis(1200)), "{took:?}");
    }

    #[tokio::test]
    async fn a_stream_without_limits_never_ends_by_itself() {
        let (_client, server) = tokio::io::duplex(1024);
        let mut s = RewritingStream::new(server);
        assert_eq!(ends_within(&mut s, Duration::from_millis(500)).await, None);
    }

    #[test]
    fn zero_seconds_count_as_one() {
        let l = Limits::from_secs(0, 0);
        assert_eq!(l.header_read, Duration::from_secs(1));
        assert_eq!(l.idle, Duration::from_secs(1));
    }

    #[tokio::test]
    async fn the_stream_rewrites_across_reads_into_any_buffer_size() {
        use tokio::io::AsyncReadExt;
        let body = b"<\"x\">";
        let input = [
            &b"GET /a?x>1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /b?q=\"v\" HTTP/1.1\r\nContent-Length: 5\r\n\r\n"[..],
            body,
            b"GET /c?z<3 HTTP/1.1\r\n\r\n",
        ]
        .concat();
        let want = [
            &b"GET /a?x%3E1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /b?q=%22v%22 HTTP/1.1\r\nContent-Length: 5\r\n\r\n"[..],
            body,
            b"GET /c?z%3C3 HTTP/1.1\r\n\r\n",
        ]
        .concat();
        for chunk in [1, 3, 7, 24, 64, 10_000] {
            for read_size in [1, 2, 24, 100, 8192] {
                let chunks = input.chunks(chunk).map(<[u8]>::to_vec).collect();
                let mut s = RewritingStream::new(Chunks(chunks));
                let mut got = Vec::new();
                let mut buf = vec![0u8; read_size];
                loop {
                    let n = s.read(&mut buf).await.expect("read");
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(
                    text(&got),
                    text(&want),
                    "chunks of {chunk}, reads of {read_size}"
                );
            }
        }
    }
}
