//! `filter=`: every operator, precedence, keyword case and quoting, each checked
//! against the same condition run as SQL directly on the service's file.

use apiforge_tests::{TestServer, ids_of, table_path};
use reqwest::StatusCode;
use serde_json::json;

/// Asserts that `filter` on `table` selects exactly the rows of `WHERE {sql}`:
/// the same count (count_only, include_count) and the same keys (all of them,
/// in key order; the result must fit in one page of max_records).
/// Returns the number of matches.
async fn same_as_sql(s: &TestServer, table: &str, key: &str, filter: &str, sql: &str) -> i64 {
    let expected = s
        .sql_ids(&format!(
            "SELECT \"{key}\" FROM \"{table}\" WHERE {sql} ORDER BY \"{key}\""
        ))
        .await;
    assert!(
        expected.len() <= 1000,
        "test bug: {sql} matches more than one page ({})",
        expected.len()
    );

    let (st, body) = s
        .get(&table_path(
            table,
            &[("filter", filter), ("count_only", "true")],
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "filter {filter:?}: {body}");
    assert_eq!(
        body,
        json!(expected.len()),
        "count_only for filter {filter:?} vs SQL {sql}"
    );

    let (st, body) = s
        .get(&table_path(
            table,
            &[
                ("filter", filter),
                ("fields", key),
                ("include_count", "true"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "filter {filter:?}: {body}");
    let got = ids_of(body["resource"].as_array().unwrap(), key);
    assert_eq!(
        got, expected,
        "rows for filter {filter:?} vs SQL WHERE {sql}"
    );
    assert_eq!(
        body["meta"]["count"],
        json!(expected.len()),
        "meta.count for {filter:?}"
    );
    expected.len() as i64
}

/// Like [`same_as_sql`], and the filter must select some rows but not all, so
/// that a filter that is ignored (or that matches nothing) cannot pass.
async fn selective(s: &TestServer, table: &str, key: &str, filter: &str, sql: &str) -> i64 {
    let n = same_as_sql(s, table, key, filter, sql).await;
    let total = s.count(table).await;
    assert!(
        n > 0 && n < total,
        "test bug: {sql} selects {n} of {total} rows"
    );
    n
}

#[tokio::test]
async fn comparison_operators() {
    let Some(s) = crate::start().await else {
        return;
    };
    selective(&s, "Track", "TrackId", "GenreId = 2", "GenreId = 2").await;
    selective(&s, "Album", "AlbumId", "ArtistId != 90", "ArtistId != 90").await;
    selective(&s, "Album", "AlbumId", "ArtistId <> 90", "ArtistId <> 90").await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Milliseconds > 600000",
        "Milliseconds > 600000",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Milliseconds >= 599000 ",
        "Milliseconds >= 599000",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Milliseconds < 100000",
        "Milliseconds < 100000",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Milliseconds <= 120000",
        "Milliseconds <= 120000",
    )
    .await;
    // Text, decimal and timestamp columns.
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title = 'Balls to the Wall'",
        "Title = 'Balls to the Wall'",
    )
    .await;
    selective(&s, "Album", "AlbumId", "Title > 'W'", "Title > 'W'").await;
    selective(&s, "Invoice", "InvoiceId", "Total > 10.5", "Total > 10.5").await;
    selective(&s, "Invoice", "InvoiceId", "Total <= 0.99", "Total <= 0.99").await;
    selective(
        &s,
        "Invoice",
        "InvoiceId",
        "InvoiceDate >= '2024-06-01T00:00:00'",
        "InvoiceDate >= '2024-06-01 00:00:00'",
    )
    .await;
    selective(
        &s,
        "Invoice",
        "InvoiceId",
        "InvoiceDate < '2021-03-01'",
        "InvoiceDate < '2021-03-01'",
    )
    .await;
    // A bare date is the start of that day, whatever the operator.
    let midnight = "'2021-01-01 00:00:00'";
    for op in ["=", "<=", ">", ">=", "<", "!="] {
        same_as_sql(
            &s,
            "Invoice",
            "InvoiceId",
            &format!("InvoiceDate {op} '2021-01-01' and InvoiceId < 50"),
            &format!("InvoiceDate {op} {midnight} AND InvoiceId < 50"),
        )
        .await;
    }
    assert_eq!(
        same_as_sql(
            &s,
            "Invoice",
            "InvoiceId",
            "InvoiceDate = '2021-01-01'",
            "InvoiceId = 1"
        )
        .await,
        1
    );
    // Negative and fractional literals.
    same_as_sql(
        &s,
        "Track",
        "TrackId",
        "Milliseconds < -1",
        "Milliseconds < -1",
    )
    .await;
    selective(&s, "Track", "TrackId", "UnitPrice > 1.5", "UnitPrice > 1.5").await;
    // `!=` leaves out NULLs, as SQL does.
    selective(
        &s,
        "Track",
        "TrackId",
        "Composer != 'AC/DC' and AlbumId < 20",
        "Composer != 'AC/DC' AND AlbumId < 20",
    )
    .await;
}

#[tokio::test]
async fn pattern_operators() {
    let Some(s) = crate::start().await else {
        return;
    };
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title like 'The %'",
        "Title LIKE 'The %'",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title like '_a%'",
        "Title LIKE '_a%'",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title not like '%a%'",
        "Title NOT LIKE '%a%'",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title contains 'Rock'",
        "Title LIKE '%Rock%'",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title starts with 'Great'",
        "Title LIKE 'Great%'",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title ends with 'Hits'",
        "Title LIKE '%Hits'",
    )
    .await;
    // contains/starts/ends take the text literally: % and _ are not wildcards.
    // No title holds '%' or '_', while the same text as a LIKE pattern matches all.
    assert_eq!(
        same_as_sql(
            &s,
            "Album",
            "AlbumId",
            "Title contains '_'",
            "instr(Title, '_') > 0"
        )
        .await,
        0
    );
    assert_eq!(
        same_as_sql(
            &s,
            "Album",
            "AlbumId",
            "Title contains '%'",
            "instr(Title, '%') > 0"
        )
        .await,
        0
    );
    assert_eq!(
        same_as_sql(
            &s,
            "Album",
            "AlbumId",
            "Title starts with '%'",
            "substr(Title, 1, 1) = '%'"
        )
        .await,
        0
    );
    assert_eq!(
        same_as_sql(
            &s,
            "Album",
            "AlbumId",
            "Title ends with '_'",
            "substr(Title, -1) = '_'"
        )
        .await,
        0
    );
    assert_eq!(
        same_as_sql(&s, "Album", "AlbumId", "Title like '%_%'", "1 = 1").await,
        347
    );
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title contains '-'",
        "instr(Title, '-') > 0",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title contains '(' and Title ends with ')'",
        "instr(Title, '(') > 0 AND substr(Title, -1) = ')'",
    )
    .await;
    // Non-ASCII text.
    selective(
        &s,
        "Artist",
        "ArtistId",
        "Name contains 'ö'",
        "instr(Name, 'ö') > 0",
    )
    .await;
    selective(
        &s,
        "Artist",
        "ArtistId",
        "Name = 'Mötley Crüe'",
        "Name = 'Mötley Crüe'",
    )
    .await;
}

#[tokio::test]
async fn set_null_and_range_operators() {
    let Some(s) = crate::start().await else {
        return;
    };
    selective(
        &s,
        "Track",
        "TrackId",
        "GenreId in (3, 5, 9)",
        "GenreId IN (3, 5, 9)",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "ArtistId not in (1, 2, 90, 150)",
        "ArtistId NOT IN (1, 2, 90, 150)",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title in ('Facelift', 'Jagged Little Pill', 'No such album')",
        "Title IN ('Facelift', 'Jagged Little Pill')",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Composer is null and GenreId = 7",
        "Composer IS NULL AND GenreId = 7",
    )
    .await;
    selective(
        &s,
        "Employee",
        "EmployeeId",
        "ReportsTo is null",
        "ReportsTo IS NULL",
    )
    .await;
    selective(
        &s,
        "Employee",
        "EmployeeId",
        "ReportsTo is not null",
        "ReportsTo IS NOT NULL",
    )
    .await;
    // `= null` / `!= null` mean is null / is not null.
    selective(
        &s,
        "Employee",
        "EmployeeId",
        "ReportsTo = null",
        "ReportsTo IS NULL",
    )
    .await;
    selective(
        &s,
        "Employee",
        "EmployeeId",
        "ReportsTo != null",
        "ReportsTo IS NOT NULL",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "Milliseconds between 200000 and 201000",
        "Milliseconds BETWEEN 200000 AND 201000",
    )
    .await;
    selective(
        &s,
        "Invoice",
        "InvoiceId",
        "InvoiceDate between '2022-01-01' and '2022-03-31T23:59:59'",
        "InvoiceDate BETWEEN '2022-01-01' AND '2022-03-31 23:59:59'",
    )
    .await;
    // between is inclusive at both ends.
    let both_ends = same_as_sql(
        &s,
        "Album",
        "AlbumId",
        "AlbumId between 10 and 12",
        "AlbumId BETWEEN 10 AND 12",
    )
    .await;
    assert_eq!(both_ends, 3);
}

#[tokio::test]
async fn boolean_logic_and_precedence() {
    let Some(s) = crate::start().await else {
        return;
    };
    // NOT binds tighter than AND, AND tighter than OR: the same as SQL.
    let loose = selective(
        &s,
        "Track",
        "TrackId",
        "GenreId = 9 or GenreId = 10 and MediaTypeId = 2",
        "GenreId = 9 OR (GenreId = 10 AND MediaTypeId = 2)",
    )
    .await;
    let grouped = selective(
        &s,
        "Track",
        "TrackId",
        "(GenreId = 9 or GenreId = 10) and MediaTypeId = 2",
        "(GenreId = 9 OR GenreId = 10) AND MediaTypeId = 2",
    )
    .await;
    assert_ne!(
        loose, grouped,
        "test bug: the two groupings must select different rows"
    );
    let left = selective(
        &s,
        "Track",
        "TrackId",
        "MediaTypeId = 2 and GenreId = 9 or GenreId = 10",
        "(MediaTypeId = 2 AND GenreId = 9) OR GenreId = 10",
    )
    .await;
    assert_ne!(left, grouped);
    selective(
        &s,
        "Album",
        "AlbumId",
        "not ArtistId = 90 and AlbumId < 50",
        "(NOT ArtistId = 90) AND AlbumId < 50",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "not (ArtistId = 90 or AlbumId > 50)",
        "NOT (ArtistId = 90 OR AlbumId > 50)",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "not not ArtistId = 90",
        "ArtistId = 90",
    )
    .await;
    selective(
        &s,
        "Track",
        "TrackId",
        "((GenreId = 1 and (MediaTypeId = 2 or MediaTypeId = 3)) or (GenreId = 24 and not (Milliseconds < 300000)))",
        "((GenreId = 1 AND (MediaTypeId = 2 OR MediaTypeId = 3)) OR (GenreId = 24 AND NOT (Milliseconds < 300000)))",
    )
    .await;
    // The example of SPEC.md.
    selective(
        &s,
        "Album",
        "AlbumId",
        "(Title like 'A%') and (ArtistId > 10)",
        "(Title LIKE 'A%') AND (ArtistId > 10)",
    )
    .await;
}

#[tokio::test]
async fn keywords_are_case_insensitive() {
    let Some(s) = crate::start().await else {
        return;
    };
    let cases = [
        (
            "GenreId = 1 AND Name LIKE 'a%'",
            "GenreId = 1 AND Name LIKE 'a%'",
        ),
        (
            "GenreId = 1 And Name Like 'a%'",
            "GenreId = 1 AND Name LIKE 'a%'",
        ),
        (
            "GenreId = 1 and Name NOT LIKE '%e%'",
            "GenreId = 1 AND Name NOT LIKE '%e%'",
        ),
        ("GenreId = 9 OR GenreId = 10", "GenreId IN (9, 10)"),
        (
            "NOT GenreId = 1 aNd MediaTypeId = 2",
            "GenreId != 1 AND MediaTypeId = 2",
        ),
        ("GenreId IN (9, 10)", "GenreId IN (9, 10)"),
        (
            "GenreId NOT IN (1, 2, 3) and MediaTypeId = 2",
            "GenreId NOT IN (1, 2, 3) AND MediaTypeId = 2",
        ),
        (
            "Composer IS NULL and GenreId = 2",
            "Composer IS NULL AND GenreId = 2",
        ),
        (
            "Composer Is Not Null and GenreId = 2",
            "Composer IS NOT NULL AND GenreId = 2",
        ),
        (
            "Milliseconds BETWEEN 200000 AND 201000",
            "Milliseconds BETWEEN 200000 AND 201000",
        ),
        ("Name CONTAINS 'love'", "Name LIKE '%love%'"),
        ("Name Starts With 'Love'", "Name LIKE 'Love%'"),
        ("Name ENDS WITH 'love'", "Name LIKE '%love'"),
    ];
    for (filter, sql) in cases {
        selective(&s, "Track", "TrackId", filter, sql).await;
    }
    // Case of the values is kept (= is exact; LIKE on SQLite is ASCII-case-blind
    // in both).
    same_as_sql(
        &s,
        "Album",
        "AlbumId",
        "Title = 'balls to the wall'",
        "Title = 'balls to the wall'",
    )
    .await;
}

#[tokio::test]
async fn quotes_and_escapes() {
    let Some(s) = crate::start().await else {
        return;
    };
    let n = selective(
        &s,
        "Track",
        "TrackId",
        "Name = 'Let''s Get It Up'",
        "Name = 'Let''s Get It Up'",
    )
    .await;
    assert_eq!(n, 1);
    selective(
        &s,
        "Track",
        "TrackId",
        "Name contains '''' and GenreId = 1",
        "instr(Name, '''') > 0 AND GenreId = 1",
    )
    .await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "Title like '%''%'",
        "Title LIKE '%''%'",
    )
    .await;
    // Keywords inside a string are text, not syntax.
    same_as_sql(
        &s,
        "Album",
        "AlbumId",
        "Title = 'x or 1 = 1' or Title = 'and' or Title = 'not null'",
        "Title IN ('x or 1 = 1', 'and', 'not null')",
    )
    .await;
    // Whitespace is free.
    selective(&s, "Album", "AlbumId", "  ArtistId=90  ", "ArtistId = 90").await;
    selective(&s, "Album", "AlbumId", "ArtistId\t=\n90", "ArtistId = 90").await;
    selective(
        &s,
        "Album",
        "AlbumId",
        "(ArtistId=90)or(ArtistId=22)",
        "ArtistId IN (90, 22)",
    )
    .await;
    // A number may be given as a string for a numeric column.
    selective(&s, "Album", "AlbumId", "ArtistId = '90'", "ArtistId = 90").await;
}

#[tokio::test]
async fn filter_combines_with_other_parameters() {
    let Some(s) = crate::start().await else {
        return;
    };
    // filter + order + limit + offset + include_count.
    let expected = s
        .sql_ids("SELECT TrackId FROM Track WHERE GenreId = 1 ORDER BY Milliseconds DESC, TrackId LIMIT 7 OFFSET 3")
        .await;
    let total = s
        .sql_count("SELECT COUNT(*) FROM Track WHERE GenreId = 1")
        .await;
    let (st, body) = s
        .get(&table_path(
            "Track",
            &[
                ("filter", "GenreId = 1"),
                ("order", "Milliseconds desc,TrackId"),
                ("limit", "7"),
                ("offset", "3"),
                ("include_count", "true"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        ids_of(body["resource"].as_array().unwrap(), "TrackId"),
        expected
    );
    assert_eq!(body["meta"]["count"], json!(total));
}
