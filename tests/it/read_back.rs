//! Written rows read back once (issue 11): inside the write's transaction, after
//! an insert or update by the keys as they are after it, before a delete; and a
//! write by condition changes exactly the rows it locked, read and reported.

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use apiforge_tests::{Backend, TestServer};

/// A new artist named `name`; its id.
async fn artist(s: &TestServer, name: &str) -> i64 {
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({ "Name": name }))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body["resource"][0]["ArtistId"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ArtistId: {body}"))
}

/// An id no artist has.
async fn free_id(s: &TestServer) -> i64 {
    s.sql_count("SELECT MAX(\"ArtistId\") FROM \"Artist\"")
        .await
        + 1000
}

#[tokio::test]
async fn a_rest_update_by_filter_that_changes_the_key_answers_with_the_row_after_it() {
    let Some(s) = crate::start().await else {
        return;
    };
    let id = artist(&s, "Key mover").await;
    let new_id = free_id(&s).await;
    let (st, body) = s
        .patch(
            &format!("/chinook/_table/Artist?filter=ArtistId%3D{id}&fields=ArtistId,Name"),
            json!({ "ArtistId": new_id }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body["resource"],
        json!([{ "ArtistId": new_id, "Name": "Key mover" }]),
        "the row as it is after the update"
    );

    // Without fields=, the key it has now.
    let newer = new_id + 1;
    let (st, body) = s
        .patch(
            &format!("/chinook/_table/Artist?filter=ArtistId%3D{new_id}"),
            json!({ "ArtistId": newer }),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"], json!([{ "ArtistId": newer }]));
    let (st, body) = s.get(&format!("/chinook/_table/Artist/{newer}")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["Name"], json!("Key mover"));
}

#[tokio::test]
async fn a_graphql_update_that_changes_the_key_returns_the_row_after_it() {
    let Some(s) = crate::start().await else {
        return;
    };
    let id = artist(&s, "Pk mover").await;
    let new_id = free_id(&s).await;
    let body = s
        .graphql(
            "mutation($id: Int!, $to: Int!) { update_Artist_by_pk(pk_columns: {ArtistId: $id}, _set: {ArtistId: $to}) { ArtistId Name } }",
            json!({ "id": id, "to": new_id }),
        )
        .await;
    assert_eq!(
        s.data(&body, "update_Artist_by_pk"),
        &json!({ "ArtistId": new_id, "Name": "Pk mover" }),
        "{body}"
    );

    let newer = new_id + 1;
    let body = s
        .graphql(
            "mutation($id: Int!, $to: Int!) { update_Artist(where: {ArtistId: {_eq: $id}}, _set: {ArtistId: $to}) { affected_rows returning { ArtistId Name } } }",
            json!({ "id": new_id, "to": newer }),
        )
        .await;
    let r = s.data(&body, "update_Artist");
    assert_eq!(r["affected_rows"], json!(1), "{body}");
    assert_eq!(
        r["returning"],
        json!([{ "ArtistId": newer, "Name": "Pk mover" }]),
        "{body}"
    );
}

/// While `request` runs, another writer renames artist `id` to `renamed` (a
/// name the request's condition still matches) and holds the row for a while
/// before it commits. PostgreSQL and MariaDB lock rows; SQLite has one writer,
/// so there the request could only wait for the whole database (or be told it
/// is busy), and the test does not apply.
async fn with_concurrent_rename<F: std::future::Future<Output = Value>>(
    s: &TestServer,
    id: i64,
    renamed: &str,
    request: F,
) -> Value {
    let txn = s.db().begin().await.unwrap();
    let rename = s.dialect(&format!(
        "UPDATE \"Artist\" SET \"Name\" = '{renamed}' WHERE \"ArtistId\" = {id}"
    ));
    txn.execute_unprepared(&rename).await.unwrap();
    let other_writer = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        txn.commit().await.unwrap();
    };
    let (answer, ()) = tokio::join!(request, other_writer);
    answer
}

#[tokio::test]
async fn a_graphql_delete_returns_the_rows_it_deleted_while_another_writer_changes_them() {
    let Some(s) = crate::start().await else {
        return;
    };
    if s.backend == Backend::Sqlite {
        return;
    }
    let id = artist(&s, "Race A").await;
    let body = with_concurrent_rename(&s, id, "Race A, renamed", async {
        s.graphql(
            "mutation { delete_Artist(where: {Name: {_like: \"Race A%\"}}) { affected_rows returning { ArtistId Name } } }",
            json!({}),
        )
        .await
    })
    .await;
    let r = s.data(&body, "delete_Artist");
    assert_eq!(r["affected_rows"], json!(1), "{body}");
    // The row that was deleted carried the other writer's name.
    assert_eq!(
        r["returning"],
        json!([{ "ArtistId": id, "Name": "Race A, renamed" }]),
        "{body}"
    );
    assert_eq!(
        s.sql_count(&format!(
            "SELECT COUNT(*) FROM \"Artist\" WHERE \"ArtistId\" = {id}"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_rest_delete_by_filter_answers_with_the_rows_it_deleted_while_another_writer_changes_them()
 {
    let Some(s) = crate::start().await else {
        return;
    };
    if s.backend == Backend::Sqlite {
        return;
    }
    let id = artist(&s, "Race B").await;
    let body = with_concurrent_rename(&s, id, "Race B, renamed", async {
        let (st, body) = s
            .delete("/chinook/_table/Artist?filter=Name%20like%20%27Race%20B%25%27&fields=ArtistId,Name")
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        body
    })
    .await;
    assert_eq!(
        body["resource"],
        json!([{ "ArtistId": id, "Name": "Race B, renamed" }]),
        "{body}"
    );
}

#[tokio::test]
async fn a_delete_by_id_with_fields_answers_with_the_record_as_it_was() {
    let Some(s) = crate::start().await else {
        return;
    };
    let id = artist(&s, "Gone soon").await;
    let (st, body) = s
        .delete(&format!("/chinook/_table/Artist/{id}?fields=Name"))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "Name": "Gone soon" }));
    let (st, _) = s.get(&format!("/chinook/_table/Artist/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_record_of_a_batch_is_read_back_in_the_order_written() {
    let Some(s) = crate::start().await else {
        return;
    };
    let names: Vec<Value> = (0..1000)
        .map(|i| json!({ "Name": format!("Chunked {i}") }))
        .collect();
    let (st, body) = s
        .post(
            "/chinook/_table/Artist?fields=ArtistId,Name",
            json!({ "resource": names }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let resource = body["resource"].as_array().unwrap();
    assert_eq!(resource.len(), 1000);
    for (i, r) in resource.iter().enumerate() {
        assert_eq!(r["Name"], json!(format!("Chunked {i}")), "{r}");
        assert!(r["ArtistId"].is_i64(), "{r}");
    }
}
