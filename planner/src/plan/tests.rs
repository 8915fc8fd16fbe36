#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use sea_query::Value;

use super::*;
use crate::Backend;
use crate::catalog::{Catalog, Column, JsonType, Table};
use crate::filter::{CmpOp, Expr, Ident, Literal};

fn leaf(n: i64) -> Cond {
    Cond::Cmp {
        column: "a".into(),
        op: CmpOp::Eq,
        value: Value::BigInt(Some(n)),
    }
}

#[test]
fn empty_lists_are_the_identities_of_their_connectives() {
    assert!(Cond::all([]).is_true());
    assert!(Cond::any([]).is_false());
    assert!(Cond::negate(Cond::all([])).is_false());
    assert!(Cond::negate(Cond::any([])).is_true());
}

#[test]
fn constants_fold_away() {
    // x AND TRUE = x; x OR FALSE = x.
    assert_eq!(Cond::all([leaf(1), Cond::TRUE]), leaf(1));
    assert_eq!(Cond::any([leaf(1), Cond::FALSE]), leaf(1));
    // x AND FALSE = FALSE; x OR TRUE = TRUE, whatever x is.
    assert!(Cond::all([leaf(1), Cond::FALSE]).is_false());
    assert!(Cond::any([leaf(1), Cond::TRUE]).is_true());
    // An empty OR inside an AND makes the whole AND false: the shape of
    // `delete_T(where: {_or: [], x: …})`, which must delete nothing.
    assert!(Cond::all([leaf(1), Cond::any([])]).is_false());
    // Nested lists of the same connective are spliced in.
    assert_eq!(
        Cond::all([leaf(1), Cond::And(vec![leaf(2), leaf(3)])]),
        Cond::And(vec![leaf(1), leaf(2), leaf(3)])
    );
    assert_eq!(Cond::negate(Cond::negate(leaf(1))), leaf(1));
}

fn album() -> Table {
    let column = |name: &str, ty: JsonType| Column {
        name: name.into(),
        db_type: "INTEGER".into(),
        json_type: ty,
        nullable: false,
        default: None,
        is_primary_key: name == "AlbumId",
        auto_increment: false,
        cast: None,
    };
    Table {
        name: "Album".into(),
        is_view: false,
        columns: vec![
            column("AlbumId", JsonType::Integer),
            column("Title", JsonType::String),
        ],
        primary_key: vec!["AlbumId".into()],
        foreign_keys: vec![],
        relations: vec![],
    }
}

fn resolved(expr: &Expr) -> Cond {
    resolve(&album(), expr, Backend::Sqlite).unwrap()
}

#[test]
fn empty_ast_lists_resolve_to_constants() {
    let id = Ident {
        name: "AlbumId".into(),
        pos: 0,
    };
    assert!(resolved(&Expr::Or(vec![])).is_false());
    assert!(resolved(&Expr::And(vec![])).is_true());
    assert!(resolved(&Expr::Not(Box::new(Expr::And(vec![])))).is_false());
    let empty_in = |negated| Expr::In {
        column: id.clone(),
        values: vec![],
        negated,
    };
    assert!(resolved(&empty_in(false)).is_false());
    assert!(resolved(&empty_in(true)).is_true());
    // `_or: [{}]` is true, and `{_or: [], AlbumId: …}` is false.
    assert!(resolved(&Expr::Or(vec![Expr::And(vec![])])).is_true());
    let eq = Expr::Compare {
        column: id,
        op: CmpOp::Eq,
        value: Literal::Number("1".into()),
    };
    assert!(resolved(&Expr::And(vec![Expr::Or(vec![]), eq])).is_false());
}

#[test]
fn a_true_filter_is_no_filter_and_a_false_one_stays() {
    let t = Arc::new(album());
    let catalog = Catalog::default();
    let limits = Limits {
        max_records: 10,
        backend: Backend::Sqlite,
        budget: Budget::UNLIMITED,
        max_list_items: 10,
    };
    let ctx = Context {
        catalog: &catalog,
        limits,
        service: "s",
        read_only: false,
        access: Access::Full,
    };
    let read = |filter| {
        plan_read(
            &ctx,
            &t,
            &ReadInput {
                filter: Some(filter),
                ..ReadInput::default()
            },
        )
        .unwrap()
    };
    assert_eq!(read(Expr::And(vec![])).filter, None);
    assert!(read(Expr::Or(vec![])).filter.unwrap().is_false());
}
