//! A read plan → the statements to run → the JSON document, without doing any I/O.
//!
//! [`ReadDoc`] is a small state machine: the driver asks it for the next statement
//! ([`ReadDoc::next_statement`]), runs it, and hands it the rows
//! ([`ReadDoc::push_row`]); at the end [`ReadDoc::render`] writes the JSON. So the
//! relation logic (which keys to ask for, how rows find their parent, per-parent
//! limits) exists once, and each backend only needs a driver loop of a few lines
//! (`exec` over sea-orm, `sqlite` over rusqlite).
//!
//! Rows are written to JSON as they arrive, straight from the driver's values:
//! building a `serde_json::Map` per row and serialising it afterwards cost 2.5× the
//! time on the relation benchmark (W3).
//!
//! Statements: 1 for the plan's rows, then 1 per relation node that has parent rows
//! (more only past [`KEY_VALUES_PER_STATEMENT`] distinct parent keys), whatever the
//! number of rows.

use std::collections::HashMap;
use std::ops::Range;

use crate::Backend;
use sea_query::{SelectStatement, Value};

use crate::catalog::{JsonType, RelationKind};
use crate::plan::{AggFunc, Budget, Output, ReadPlan, RelatedPlan, ShapeItem};
use crate::sql;
use crate::value;

/// Most key values bound in one statement that looks rows up by key (related
/// rows, written records): well under every driver's parameter limit.
pub const KEY_VALUES_PER_STATEMENT: usize = 10_000;

/// One result row, as a driver sees it.
pub trait Row {
    /// Appends the value of column `idx` as JSON, mapped by the column's type.
    fn write_json(&self, idx: usize, ty: JsonType, out: &mut Vec<u8>);
    /// The value of column `idx` as text, to match rows with their parent and to
    /// bind it again; `None` for NULL (which matches nothing).
    fn key(&self, idx: usize, ty: JsonType) -> Option<String>;
}

/// One node of the plan tree (the read itself, or one relation of a node) with
/// the rows loaded for it.
struct Node<'p> {
    plan: &'p ReadPlan,
    /// `None` for the root.
    link: Option<Link<'p>>,
    /// Node indexes of `plan.related`, in the same order.
    children: Vec<usize>,
    /// Types of the selected expressions, in select order.
    types: Vec<JsonType>,
    /// `"name":` of each written expression (the first `outputs.len()` of the
    /// select), JSON-escaped once.
    outputs: Vec<Vec<u8>>,
    /// Per child relation: select positions of the columns it joins on.
    join_columns: Vec<Vec<usize>>,
    /// Every row's object, without its closing brace: `{"a":1,"b":"x"`; for a
    /// shaped plan, only the values, one after the other (see `cells`).
    text: Text,
    /// Where each row is in `text`.
    rows: Vec<Range<usize>>,
    /// For a shaped plan: where each value of each row is in `text`, row after row.
    cells: Vec<Range<usize>>,
    /// Per child relation, per row: the key its related rows carry, as its
    /// index in `distinct` ([`NO_KEY`] for NULL). Keys are text; an index per
    /// row instead of a `String` per row was ~0.3× a large answer's size.
    row_keys: Vec<Vec<u32>>,
    /// Per child relation: each distinct key once, in first-seen order.
    distinct: Vec<Vec<String>>,
    /// Per child relation: key → its index in `distinct`.
    seen: Vec<HashMap<String, u32>>,
    /// For a relation node: parent key → the index of its group of rows.
    group_of: HashMap<String, u32>,
    /// For a relation node, while it loads: each row's group ([`NO_KEY`] for
    /// a NULL key); then, sorted by group (`finish`), the rows of group `g`
    /// are `group_rows[group_start[g]..group_start[g + 1]]`, in statement order.
    row_group: Vec<u32>,
    group_start: Vec<u32>,
    group_rows: Vec<u32>,
}

/// A NULL key, which matches nothing.
const NO_KEY: u32 = u32::MAX;

/// A row or key index as stored; past `u32` (far past any budget) it
/// reads as [`NO_KEY`].
fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NO_KEY)
}

struct Link<'p> {
    parent: usize,
    /// Index in the parent's `plan.related`.
    index: usize,
    related: &'p RelatedPlan,
    /// `"Artist_by_ArtistId":`
    name: Vec<u8>,
    /// Types of the parent's join columns, which the rows carry after their own.
    key_types: Vec<JsonType>,
}

/// The statements of the node being loaded.
struct Loading {
    node: usize,
    /// Key tuples still to ask for, typed for binding.
    keys: Vec<Vec<Value>>,
    next: usize,
    per_statement: usize,
}

pub struct ReadDoc<'p> {
    nodes: Vec<Node<'p>>,
    backend: Backend,
    /// Nodes whose parents are loaded, waiting for their own statements.
    pending: Vec<usize>,
    /// The node whose statements are running: pushed rows belong to it.
    loading: Option<Loading>,
    budget: Budget,
    /// Rows and bytes loaded so far, every node together.
    loaded: Size,
    /// Set when `loaded` passed the budget: no more statements run.
    exceeded: Option<Exceeded>,
}

/// An answer past the read's [`Budget`]; the sentence names the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    #[error(
        "The answer would hold more than {0} rows, related rows included and counted under each parent they appear in (max_response_rows in the service's config). Ask for fewer: a smaller limit, a limit on each relation, or fewer relations."
    )]
    Rows(u64),
    #[error(
        "The answer would be larger than {0} bytes (max_response_bytes in the service's config). Ask for fewer rows or columns: a smaller limit, fields=, a limit on each relation, or fewer relations."
    )]
    Bytes(u64),
}

/// Rows and bytes of (part of) an answer; additions saturate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    rows: u64,
    bytes: u64,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.rows = self.rows.saturating_add(other.rows);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }

    fn add_bytes(&mut self, n: usize) {
        self.bytes = self.bytes.saturating_add(n as u64);
    }

    fn check(self, budget: Budget) -> Result<(), Exceeded> {
        if self.rows > budget.rows {
            Err(Exceeded::Rows(budget.rows))
        } else if self.bytes > budget.bytes {
            Err(Exceeded::Bytes(budget.bytes))
        } else {
            Ok(())
        }
    }
}

/// Bytes of row text per block of a [`Text`] (a row longer than this gets a
/// block of its own). Under the allocators' large-object sizes (mimalloc:
/// ~84 KiB, glibc: 128 KiB), so blocks come from pages the thread reuses.
const TEXT_BLOCK: usize = 64 * 1024;

/// The rows' JSON text of one node, in blocks of at most [`TEXT_BLOCK`] bytes
/// rather than one buffer grown by doubling. A single buffer for a large
/// answer (~650 KB of tracks under 347 albums) ended up a 1 MB allocation,
/// after a 512 KB one it was copied from, per read in flight: allocations of
/// a size the allocator hands out from fresh pages and keeps them after.
/// Offsets (`rows`, `cells`) count across blocks as if they were one buffer; a
/// row never straddles two.
#[derive(Default)]
struct Text {
    blocks: Vec<Vec<u8>>,
    /// Offset of each block's first byte.
    starts: Vec<usize>,
    /// The longest row so far: a block with less room left is full.
    longest: usize,
}

impl Text {
    /// The block to append the next row to, and that block's offset. The first
    /// block grows as a `Vec` does (a read of a few rows allocates a few hundred
    /// bytes), up to [`TEXT_BLOCK`]; the next ones are allocated at that size.
    fn next_row(&mut self) -> (usize, &mut Vec<u8>) {
        let full = self
            .blocks
            .last()
            .is_none_or(|b| !b.is_empty() && b.len() + self.longest > TEXT_BLOCK);
        if full {
            let capacity = if self.blocks.is_empty() {
                0
            } else {
                TEXT_BLOCK.max(self.longest)
            };
            self.starts.push(self.len());
            self.blocks.push(Vec::with_capacity(capacity));
        }
        // In bounds: there is a block now.
        let last = self.blocks.len() - 1;
        (self.starts[last], &mut self.blocks[last])
    }

    /// Records the length of the row just written.
    fn wrote(&mut self, len: usize) {
        self.longest = self.longest.max(len);
    }

    fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0) + self.blocks.last().map_or(0, Vec::len)
    }

    /// The text of a row (or of a cell in it).
    fn get(&self, range: Range<usize>) -> &[u8] {
        let b = self
            .starts
            .partition_point(|&s| s <= range.start)
            .saturating_sub(1);
        let base = self.starts.get(b).copied().unwrap_or(0);
        self.blocks
            .get(b)
            .and_then(|block| block.get(range.start - base..range.end - base))
            .unwrap_or_default()
    }
}

fn json_key(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 3);
    write_str(name, &mut out);
    out.push(b':');
    out
}

/// Appends `s` as a JSON string.
pub fn write_str<O: Out + ?Sized>(s: &str, out: &mut O) {
    // Serialising a `str` into an `Out` cannot fail.
    let _ = serde_json::to_writer(Writer(out), s);
}

/// Where a rendered answer goes: one buffer, or [`Pieces`].
pub trait Out {
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// An answer in pieces of at most [`TEXT_BLOCK`] bytes, for a caller that
/// sends it on rather than reading it (a REST response body): neither the
/// answer nor its rows then ever take one allocation of their whole size.
/// Allocations that large come from fresh pages of the allocator, which
/// keeps freed pages committed for a while (mimalloc: a second): with them,
/// a 655 KB answer read by one client in a loop raised peak RSS by ~22× the
/// answer (bench/memory.py); pieces of this size come from pages that the
/// thread reuses read after read.
#[derive(Debug, Default)]
pub struct Pieces {
    pieces: Vec<Vec<u8>>,
    /// Bytes still expected (measured, so at least what is written): sizes
    /// the next piece, so that the last is not larger than needed.
    expected: usize,
}

impl Pieces {
    pub fn into_vecs(self) -> Vec<Vec<u8>> {
        self.pieces
    }

    /// The text in one piece: borrowed when it is one already.
    pub fn joined(&self) -> std::borrow::Cow<'_, [u8]> {
        match self.pieces.as_slice() {
            [] => std::borrow::Cow::Borrowed(&[]),
            [one] => std::borrow::Cow::Borrowed(one),
            many => std::borrow::Cow::Owned(many.concat()),
        }
    }
}

impl From<Vec<u8>> for Pieces {
    fn from(text: Vec<u8>) -> Self {
        Pieces {
            pieces: vec![text],
            expected: 0,
        }
    }
}

impl Out for Pieces {
    fn put(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = self.pieces.last().map_or(0, |p| p.capacity() - p.len());
            if room == 0 {
                let size = self.expected.max(bytes.len()).min(TEXT_BLOCK);
                self.pieces.push(Vec::with_capacity(size));
                continue;
            }
            let n = room.min(bytes.len());
            if let Some(last) = self.pieces.last_mut() {
                last.extend_from_slice(&bytes[..n]);
            }
            self.expected = self.expected.saturating_sub(n);
            bytes = &bytes[n..];
        }
    }
}

/// `io::Write` over an [`Out`], for serde_json's string escaping.
struct Writer<'a, O: ?Sized>(&'a mut O);

impl<O: Out + ?Sized> std::io::Write for Writer<'_, O> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.put(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'p> ReadDoc<'p> {
    pub fn new(plan: &'p ReadPlan, backend: Backend) -> Self {
        let mut doc = ReadDoc {
            nodes: Vec::new(),
            backend,
            pending: vec![0],
            loading: None,
            budget: plan.budget,
            loaded: Size::default(),
            exceeded: None,
        };
        doc.add_node(plan, None);
        doc
    }

    fn add_node(&mut self, plan: &'p ReadPlan, link: Option<Link<'p>>) -> usize {
        let id = self.nodes.len();
        let selected = plan.selected_columns();
        let types = select_types(plan);
        let outputs = if is_grouped(plan) {
            plan.output
                .iter()
                .map(|o| json_key(&output_name(plan, o)))
                .collect()
        } else {
            plan.output
                .iter()
                .filter_map(|o| match o {
                    Output::Column(i) => Some(json_key(&plan.table.columns[*i].name)),
                    Output::Aggregate { .. } => None,
                })
                .collect()
        };
        let join_columns = plan
            .related
            .iter()
            .map(|rp| {
                rp.relation
                    .columns
                    .iter()
                    .filter_map(|c| {
                        let i = plan.table.column_index(c)?;
                        selected.iter().position(|s| *s == i)
                    })
                    .collect()
            })
            .collect();
        self.nodes.push(Node {
            plan,
            link,
            children: Vec::new(),
            types,
            outputs,
            join_columns,
            text: Text::default(),
            rows: Vec::new(),
            cells: Vec::new(),
            row_keys: vec![Vec::new(); plan.related.len()],
            distinct: vec![Vec::new(); plan.related.len()],
            seen: vec![HashMap::new(); plan.related.len()],
            group_of: HashMap::new(),
            row_group: Vec::new(),
            group_start: Vec::new(),
            group_rows: Vec::new(),
        });
        for (index, related) in plan.related.iter().enumerate() {
            let key_types = related
                .relation
                .columns
                .iter()
                .filter_map(|c| plan.table.column(c).map(|c| c.json_type))
                .collect();
            let child = self.add_node(
                &related.plan,
                Some(Link {
                    parent: id,
                    index,
                    related,
                    name: json_key(&related.relation.name),
                    key_types,
                }),
            );
            self.nodes[id].children.push(child);
        }
        id
    }

    /// The next statement to run, or `None` when everything is loaded.
    pub fn next_statement(&mut self) -> Option<SelectStatement> {
        if self.exceeded.is_some() {
            return None;
        }
        loop {
            if let Some(l) = &mut self.loading {
                if l.next < l.keys.len()
                    && let Some(link) = &self.nodes[l.node].link
                {
                    let end = (l.next + l.per_statement).min(l.keys.len());
                    let stmt = sql::related_select(link.related, &l.keys[l.next..end]);
                    l.next = end;
                    return Some(stmt);
                }
                let done = l.node;
                self.loading = None;
                self.finish(done);
            }
            let node = self.pending.pop()?;
            if let Some(stmt) = self.start(node) {
                return Some(stmt);
            }
        }
    }

    /// Begins loading `node`: the root's statement, or the first batch of a
    /// relation's (none when no parent row has a key).
    fn start(&mut self, id: usize) -> Option<SelectStatement> {
        let Some(link) = &self.nodes[id].link else {
            self.loading = Some(Loading {
                node: id,
                keys: Vec::new(),
                next: 0,
                per_statement: 1,
            });
            return Some(sql::select(self.nodes[id].plan));
        };
        let parent = &self.nodes[link.parent];
        let rel = &link.related.relation;
        let key_cols: Vec<_> = rel
            .columns
            .iter()
            .filter_map(|c| parent.plan.table.column(c))
            .collect();
        let keys: Vec<Vec<Value>> = parent.distinct[link.index]
            .iter()
            .filter_map(|k| {
                let parts = split_key(k, key_cols.len());
                key_cols
                    .iter()
                    .zip(parts)
                    .map(|(c, p)| {
                        value::to_sql(c, &serde_json::Value::String(p.to_owned()), self.backend)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    // A key that cannot be typed (text in an integer column) matches nothing.
                    .ok()
            })
            .collect();
        self.loading = Some(Loading {
            node: id,
            keys,
            next: 0,
            per_statement: (KEY_VALUES_PER_STATEMENT / rel.columns.len().max(1)).max(1),
        });
        None
    }

    /// A node's rows are all in: index them by parent key and queue its relations.
    fn finish(&mut self, id: usize) {
        let node = &mut self.nodes[id];
        if node.link.is_some() {
            // A counting sort of the rows by group, stable.
            let groups = node.group_of.len();
            let mut start = vec![0u32; groups + 1];
            for &g in &node.row_group {
                if g != NO_KEY {
                    start[g as usize + 1] += 1;
                }
            }
            for g in 0..groups {
                start[g + 1] += start[g];
            }
            let mut next = start.clone();
            let mut rows = vec![0u32; start[groups] as usize];
            for (row, &g) in node.row_group.iter().enumerate() {
                if g != NO_KEY {
                    let slot = &mut next[g as usize];
                    rows[*slot as usize] = index(row);
                    *slot += 1;
                }
            }
            node.group_start = start;
            node.group_rows = rows;
            node.row_group = Vec::new();
        }
        // Reversed, so that `pending.pop()` loads them in plan order.
        self.pending.extend(node.children.iter().rev());
    }

    /// Adds a row of the statement last returned by [`next_statement`](Self::next_statement).
    pub fn push_row(&mut self, row: &dyn Row) {
        let Some(id) = self.loading.as_ref().map(|l| l.node) else {
            return;
        };
        if self.exceeded.is_some() {
            return;
        }
        let node = &mut self.nodes[id];
        let (base, buf) = node.text.next_row();
        let start = base + buf.len();
        if node.plan.shape.is_some() {
            for i in 0..node.outputs.len() {
                let cell = base + buf.len();
                row.write_json(i, node.types[i], buf);
                node.cells.push(cell..base + buf.len());
            }
        } else {
            buf.push(b'{');
            for (i, name) in node.outputs.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                buf.extend_from_slice(name);
                row.write_json(i, node.types[i], buf);
            }
        }
        let end = base + buf.len();
        node.text.wrote(end - start);
        node.rows.push(start..end);
        self.loaded.add(Size {
            rows: 1,
            bytes: (end - start) as u64,
        });
        if let Err(e) = self.loaded.check(self.budget) {
            self.exceeded = Some(e);
        }

        for (j, cols) in node.join_columns.iter().enumerate() {
            let key = joined_key(cols.iter().map(|&i| row.key(i, node.types[i])));
            let at = match key {
                None => NO_KEY,
                Some(k) => match node.seen[j].get(&k) {
                    Some(&at) => at,
                    None => {
                        let at = index(node.distinct[j].len());
                        node.seen[j].insert(k.clone(), at);
                        node.distinct[j].push(k);
                        at
                    }
                },
            };
            node.row_keys[j].push(at);
        }
        if let Some(link) = &node.link {
            // The parent's key follows the selected columns (`sql::related_select`).
            let first = node.types.len();
            let key = joined_key(
                link.key_types
                    .iter()
                    .enumerate()
                    .map(|(n, ty)| row.key(first + n, *ty)),
            );
            let group = match key {
                None => NO_KEY,
                Some(k) => {
                    let next = index(node.group_of.len());
                    *node.group_of.entry(k).or_insert(next)
                }
            };
            node.row_group.push(group);
        }
    }

    /// The rows as a JSON array, or why it would be too large: the size is
    /// measured first, so an answer past the budget is never built.
    pub fn render(&self) -> Result<Vec<u8>, Exceeded> {
        // Allocated once at (about) its final size: grown by doubling, the text
        // of an answer of a few hundred KB was copied ~20 times and its buffer
        // ended up to twice its length (related rows shared by several parents
        // are written once per parent, so the rows' own text is no guide).
        let mut out = Vec::with_capacity(self.checked_size()?);
        self.write(&mut out);
        Ok(out)
    }

    /// [`render`](Self::render) in [`Pieces`].
    pub fn render_pieces(&self) -> Result<Pieces, Exceeded> {
        let mut out = Pieces {
            pieces: Vec::new(),
            expected: self.checked_size()?,
        };
        self.write(&mut out);
        Ok(out)
    }

    /// The answer's size in bytes (at least), if it is within the budget.
    fn checked_size(&self) -> Result<usize, Exceeded> {
        if let Some(e) = self.exceeded {
            return Err(e);
        }
        let size = self.measure();
        size.check(self.budget)?;
        Ok(usize::try_from(size.bytes).unwrap_or(0))
    }

    fn write<O: Out>(&self, out: &mut O) {
        let root = &self.nodes[0];
        out.put(b"[");
        for r in 0..root.rows.len() {
            if r > 0 {
                out.put(b",");
            }
            self.write_row(0, r, out);
        }
        out.put(b"]");
    }

    /// The size of the answer as [`render`](Self::render) would write it,
    /// in time linear in the rows loaded: each group of related rows (the
    /// rows under one parent key) is measured once, however many parents
    /// share it. Bytes are counted closely enough to enforce a budget.
    fn measure(&self) -> Size {
        // Children come after their parent (`add_node`), so measuring nodes
        // from the last one up finds every child's groups measured.
        let mut groups: Vec<Vec<Size>> = vec![Vec::new(); self.nodes.len()];
        let mut root = Size::default();
        for id in (0..self.nodes.len()).rev() {
            let node = &self.nodes[id];
            let row_size = |r: usize| self.row_size(id, r, &groups);
            match &node.link {
                None => {
                    for r in 0..node.rows.len() {
                        root.add(row_size(r));
                        root.add_bytes(1);
                    }
                    root.add_bytes(2);
                }
                Some(link) => {
                    let first_only = link.related.relation.kind == RelationKind::BelongsTo;
                    let sizes = (0..node.group_of.len())
                        .map(|g| {
                            let rows = self.group(id, g);
                            let mut size = Size {
                                rows: 0,
                                bytes: 2 + rows.len() as u64,
                            };
                            let rows = if first_only {
                                &rows[..1.min(rows.len())]
                            } else {
                                rows
                            };
                            for &r in rows {
                                size.add(row_size(r as usize));
                            }
                            size
                        })
                        .collect();
                    groups[id] = sizes;
                }
            }
        }
        root
    }

    /// One row with what is embedded in it; `groups` holds the measured
    /// groups of every child node.
    fn row_size(&self, id: usize, row: usize, groups: &[Vec<Size>]) -> Size {
        let node = &self.nodes[id];
        let own = match &node.plan.shape {
            None => node.rows[row].len() + 1,
            Some(shape) => {
                let values = node.rows[row].len();
                let keys: usize = shape
                    .iter()
                    .map(|item| match item {
                        ShapeItem::Output { key, .. } | ShapeItem::Related { key, .. } => {
                            key.len() + 4
                        }
                        ShapeItem::Text { key, value } => key.len() + value.len() + 6,
                    })
                    .sum();
                values + keys + 2
            }
        };
        let mut size = Size {
            rows: 1,
            bytes: own as u64,
        };
        for (j, &child) in node.children.iter().enumerate() {
            let name = self.nodes[child].link.as_ref().map_or(0, |l| l.name.len());
            size.add_bytes(name + 5);
            let group = self
                .related_group(id, row, j)
                .and_then(|(c, g)| groups[c].get(g));
            if let Some(g) = group {
                size.add(*g);
            }
        }
        size
    }

    /// The child node of relation `j` of node `id`, and the group of its rows
    /// under `row`: none when the row's key is NULL or matched no row.
    fn related_group(&self, id: usize, row: usize, j: usize) -> Option<(usize, usize)> {
        let node = &self.nodes[id];
        let child = *node.children.get(j)?;
        let at = *node.row_keys.get(j)?.get(row)?;
        let key = node.distinct.get(j)?.get(at as usize)?;
        let group = *self.nodes[child].group_of.get(key)?;
        Some((child, group as usize))
    }

    /// The rows of group `g` of a relation node, in statement order.
    fn group(&self, id: usize, g: usize) -> &[u32] {
        let node = &self.nodes[id];
        match (node.group_start.get(g), node.group_start.get(g + 1)) {
            (Some(&a), Some(&b)) => node
                .group_rows
                .get(a as usize..b as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    fn write_row<O: Out>(&self, id: usize, row: usize, out: &mut O) {
        let node = &self.nodes[id];
        if let Some(shape) = &node.plan.shape {
            return self.write_shaped(id, row, shape, out);
        }
        out.put(node.text.get(node.rows[row].clone()));
        let mut comma = !node.outputs.is_empty();
        for j in 0..node.children.len() {
            if comma {
                out.put(b",");
            }
            comma = true;
            if let Some(link) = &self.nodes[node.children[j]].link {
                out.put(&link.name);
            }
            self.write_related(id, row, j, out);
        }
        out.put(b"}");
    }

    fn write_shaped<O: Out>(&self, id: usize, row: usize, shape: &[ShapeItem], out: &mut O) {
        let node = &self.nodes[id];
        let width = node.outputs.len();
        out.put(b"{");
        for (n, item) in shape.iter().enumerate() {
            if n > 0 {
                out.put(b",");
            }
            match item {
                ShapeItem::Output { key, index } => {
                    write_str(key, out);
                    out.put(b":");
                    match node.cells.get(row * width + index) {
                        Some(cell) => out.put(node.text.get(cell.clone())),
                        None => out.put(b"null"),
                    }
                }
                ShapeItem::Related { key, index } => {
                    write_str(key, out);
                    out.put(b":");
                    self.write_related(id, row, *index, out);
                }
                ShapeItem::Text { key, value } => {
                    write_str(key, out);
                    out.put(b":");
                    write_str(value, out);
                }
            }
        }
        out.put(b"}");
    }

    /// The rows of relation `j` of `row`: an object (or null) for belongs_to,
    /// an array otherwise.
    fn write_related<O: Out>(&self, id: usize, row: usize, j: usize, out: &mut O) {
        let node = &self.nodes[id];
        let Some(&child) = node.children.get(j) else {
            out.put(b"null");
            return;
        };
        let c = &self.nodes[child];
        let Some(link) = &c.link else {
            out.put(b"null");
            return;
        };
        let rows = self
            .related_group(id, row, j)
            .map_or(&[][..], |(c, g)| self.group(c, g));
        if link.related.relation.kind == RelationKind::BelongsTo {
            match rows.first() {
                Some(&r) => self.write_row(child, r as usize, out),
                None => out.put(b"null"),
            }
        } else {
            out.put(b"[");
            for (n, &r) in rows.iter().enumerate() {
                if n > 0 {
                    out.put(b",");
                }
                self.write_row(child, r as usize, out);
            }
            out.put(b"]");
        }
    }
}

/// The one record of a rendered array limited to one row (`[]` or `[{…}]`).
pub fn first_record(rows: &[u8]) -> Option<&[u8]> {
    rows.get(1..rows.len().saturating_sub(1))
        .filter(|r| !r.is_empty())
}

/// A composite key as one text (parts joined by U+001F, which key values do not
/// hold); `None` if any part is NULL.
fn joined_key(parts: impl Iterator<Item = Option<String>>) -> Option<String> {
    let mut key: Option<String> = None;
    for part in parts {
        let part = part?;
        match &mut key {
            None => key = Some(part),
            Some(k) => {
                k.push('\u{1f}');
                k.push_str(&part);
            }
        }
    }
    key
}

fn split_key(key: &str, n: usize) -> Vec<&str> {
    if n <= 1 {
        vec![key]
    } else {
        key.split('\u{1f}').collect()
    }
}

fn is_grouped(plan: &ReadPlan) -> bool {
    plan.is_aggregate() || !plan.group.is_empty()
}

fn output_name(plan: &ReadPlan, o: &Output) -> String {
    match o {
        Output::Column(i) => plan.table.columns[*i].name.clone(),
        Output::Aggregate { name, .. } => name.clone(),
    }
}

/// The JSON type of each selected expression of `sql::select(plan)`, in order.
pub fn select_types(plan: &ReadPlan) -> Vec<JsonType> {
    let cols = &plan.table.columns;
    if is_grouped(plan) {
        return plan
            .output
            .iter()
            .map(|o| match o {
                Output::Column(i) => cols[*i].json_type,
                Output::Aggregate { func, column, .. } => match (func, column) {
                    (AggFunc::Count, _) => JsonType::Integer,
                    (AggFunc::Avg, _) => JsonType::Float,
                    (_, Some(i)) if cols[*i].json_type == JsonType::Integer => JsonType::Integer,
                    (AggFunc::Sum, _) => JsonType::Float,
                    (_, Some(i)) => cols[*i].json_type,
                    (_, None) => JsonType::String,
                },
            })
            .collect();
    }
    plan.selected_columns()
        .into_iter()
        .map(|i| cols[i].json_type)
        .collect()
}
