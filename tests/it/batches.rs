//! Multi-record writes: all-or-nothing by default, `continue=true` keeps the good
//! records, and the error context names each record's fate.

use apiforge_tests::{message, table_path};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn context(body: &Value) -> (&Value, &Vec<Value>) {
    let ctx = &body["error"]["context"];
    (
        &ctx["error"],
        ctx["resource"]
            .as_array()
            .unwrap_or_else(|| panic!("no context.resource: {body}")),
    )
}

fn record_error_code(v: &Value) -> Option<u64> {
    v["error"]["code"].as_u64()
}

#[tokio::test]
async fn a_bad_record_rolls_back_the_whole_batch() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let batch = json!({"resource": [
        {"Name": "good 1"}, {"Name": "good 2"}, {"Nope": "bad"}, {"Name": "good 3"}
    ]});
    let (st, body) = s.post("/chinook/_table/Artist", batch.clone()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (failed, per_record) = context(&body);
    assert_eq!(failed, &json!([2]));
    assert_eq!(per_record.len(), 4);
    assert_eq!(
        per_record[0],
        Value::Null,
        "rolled back records are null: {body}"
    );
    assert_eq!(per_record[1], Value::Null);
    assert_eq!(record_error_code(&per_record[2]), Some(400));
    assert!(
        per_record[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Nope")
    );
    assert_eq!(per_record[3], Value::Null);
    assert!(message(&body).contains("nothing was written"), "{body}");
    assert_eq!(s.snapshot().await, before, "a failed batch wrote something");
    // rollback=true is the default spelled out.
    let (st, _) = s
        .post(&table_path("Artist", &[("rollback", "true")]), batch)
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn a_database_refusal_rolls_back_the_whole_batch() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    // NOT NULL violated by the last record, after good ones (one multi-row INSERT
    // on the fast path, then record by record to find the culprit).
    let (st, body) = s
        .post(
            "/chinook/_table/Album",
            json!({"resource": [
                {"Title": "fine", "ArtistId": 1}, {"Title": "fine too", "ArtistId": 2}, {"Title": null, "ArtistId": 1}
            ]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (failed, per_record) = context(&body);
    assert_eq!(failed, &json!([2]));
    assert_eq!(per_record[0], Value::Null);
    assert_eq!(record_error_code(&per_record[2]), Some(400));
    assert_eq!(s.snapshot().await, before);

    // A duplicate key: 409, nothing written (GenreId 200 must not exist).
    let (st, body) = s
        .post(
            "/chinook/_table/Genre",
            json!({"resource": [{"GenreId": 200, "Name": "new"}, {"GenreId": 1, "Name": "duplicate"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (failed, per_record) = context(&body);
    assert_eq!(failed, &json!([1]));
    assert_eq!(record_error_code(&per_record[1]), Some(409));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Genre WHERE GenreId = 200")
            .await,
        0
    );

    // A duplicate inside the batch itself.
    let (st, _) = s
        .post(
            "/chinook/_table/Genre",
            json!({"resource": [{"GenreId": 300, "Name": "a"}, {"GenreId": 300, "Name": "b"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Genre WHERE GenreId = 300")
            .await,
        0
    );

    // A broken foreign key.
    let (st, body) = s
        .post(
            "/chinook/_table/Album",
            json!({"resource": [{"Title": "ok", "ArtistId": 1}, {"Title": "orphan", "ArtistId": 999999}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn continue_keeps_the_good_records() {
    let Some(s) = crate::start().await else {
        return;
    };
    let max = s.sql_count("SELECT MAX(ArtistId) FROM Artist").await;
    let (st, body) = s
        .post(
            &table_path("Artist", &[("continue", "true")]),
            json!({"resource": [{"Name": "kept 1"}, {"Name": "kept 2"}, {"Nope": "bad"}, {"Name": "kept 3"}]}),
        )
        .await;
    // Some records failed: still an error status, and the context has every key.
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (failed, per_record) = context(&body);
    assert_eq!(failed, &json!([2]));
    assert_eq!(per_record[0], json!({"ArtistId": max + 1}));
    assert_eq!(per_record[1], json!({"ArtistId": max + 2}));
    assert_eq!(record_error_code(&per_record[2]), Some(400));
    assert_eq!(per_record[3], json!({"ArtistId": max + 3}));
    assert_eq!(
        s.sql("SELECT Name FROM Artist WHERE ArtistId > 275 ORDER BY ArtistId")
            .await,
        [
            json!({"Name": "kept 1"}),
            json!({"Name": "kept 2"}),
            json!({"Name": "kept 3"})
        ]
    );
    // rollback=false is the same as leaving it out.
    let (st, body) = s
        .post(
            &table_path("Genre", &[("continue", "true"), ("rollback", "false")]),
            json!({"resource": [{"GenreId": 1, "Name": "duplicate"}, {"GenreId": 201, "Name": "new"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (_, per_record) = context(&body);
    assert_eq!(record_error_code(&per_record[0]), Some(409));
    assert_eq!(per_record[1], json!({"GenreId": 201}));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Genre WHERE GenreId = 201")
            .await,
        1
    );
    assert_eq!(
        s.sql("SELECT Name FROM Genre WHERE GenreId = 1").await,
        [json!({"Name": "Rock"})]
    );
    // A batch with continue=true that fully succeeds is a plain 201.
    let (st, body) = s
        .post(
            &table_path("Genre", &[("continue", "true")]),
            json!({"resource": [{"Name": "x"}, {"Name": "y"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn continue_with_rollback_is_refused() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let (st, body) = s
        .post(
            &table_path("Artist", &[("continue", "true"), ("rollback", "true")]),
            json!({"resource": [{"Name": "a"}, {"Name": "b"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (st, _) = s
        .patch(
            &table_path("Artist", &[("continue", "true"), ("rollback", "true")]),
            json!({"resource": [{"ArtistId": 1, "Name": "a"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = s
        .delete_body(
            &table_path("InvoiceLine", &[("continue", "true"), ("rollback", "true")]),
            json!({"resource": [{"InvoiceLineId": 1}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn batch_updates_and_deletes_are_all_or_nothing_too() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    // The second record does not exist: the first is not updated.
    let (st, body) = s
        .patch(
            "/chinook/_table/Artist",
            json!({"resource": [{"ArtistId": 1, "Name": "changed"}, {"ArtistId": 999999, "Name": "ghost"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (failed, per_record) = context(&body);
    assert_eq!(failed, &json!([1]));
    assert_eq!(per_record[0], Value::Null);
    assert_eq!(record_error_code(&per_record[1]), Some(404));
    // A record without its key.
    let (st, body) = s
        .put(
            "/chinook/_table/Artist",
            json!({"resource": [{"ArtistId": 1, "Name": "changed"}, {"Name": "no key"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    // A delete whose second record is missing.
    let (st, body) = s
        .delete_body(
            "/chinook/_table/InvoiceLine",
            json!({"resource": [{"InvoiceLineId": 1}, {"InvoiceLineId": 999999}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    // A delete whose second record is still referenced.
    let (st, body) = s
        .delete_body(
            "/chinook/_table/Genre",
            json!({"resource": [{"GenreId": 25}, {"GenreId": 1}]}),
        )
        .await;
    assert!(
        st == StatusCode::CONFLICT || st == StatusCode::BAD_REQUEST,
        "{st}: {body}"
    );
    assert_eq!(
        s.snapshot().await,
        before,
        "a failed batch changed the data"
    );

    // With continue=true the good ones go through.
    let (st, body) = s
        .delete_body(
            &table_path("InvoiceLine", &[("continue", "true")]),
            json!({"resource": [{"InvoiceLineId": 1}, {"InvoiceLineId": 999999}, {"InvoiceLineId": 2}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (_, per_record) = context(&body);
    assert_eq!(per_record[0], json!({"InvoiceLineId": 1}));
    assert_eq!(record_error_code(&per_record[1]), Some(404));
    assert_eq!(per_record[2], json!({"InvoiceLineId": 2}));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceLineId IN (1, 2)")
            .await,
        0
    );
    assert_eq!(s.count("InvoiceLine").await, 2238);
}

#[tokio::test]
async fn a_large_batch_is_written_at_once() {
    let Some(s) = crate::start().await else {
        return;
    };
    let records: Vec<Value> = (0..1000)
        .map(|i| json!({"PlaylistId": 2, "TrackId": i + 1}))
        .collect();
    let (st, body) = s
        .post(
            "/chinook/_table/PlaylistTrack",
            json!({"resource": records}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"].as_array().unwrap().len(), 1000);
    assert_eq!(
        body["resource"][999],
        json!({"PlaylistId": 2, "TrackId": 1000})
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 2")
            .await,
        1000
    );
    // The same batch again collides on every record: 409, nothing more written.
    let records: Vec<Value> = (0..1000)
        .map(|i| json!({"PlaylistId": 2, "TrackId": i + 1}))
        .collect();
    let (st, body) = s
        .post(
            "/chinook/_table/PlaylistTrack",
            json!({"resource": records}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["context"]["error"].as_array().unwrap().len(),
        1000
    );
    assert_eq!(s.count("PlaylistTrack").await, 8715 + 1000);
}
