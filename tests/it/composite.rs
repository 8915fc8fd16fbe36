//! Composite primary keys: PlaylistTrack (PlaylistId, TrackId).

use apiforge_tests::{message, table_path};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn pairs(rows: &[Value]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["PlaylistId"].as_i64().unwrap(),
                r["TrackId"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn get_by_composite_id() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s.get("/chinook/_table/PlaylistTrack/1,3402").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"PlaylistId": 1, "TrackId": 3402}));
    // The key order matters: (3402, 1) does not exist.
    let (st, _) = s.get("/chinook/_table/PlaylistTrack/3402,1").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s.get("/chinook/_table/PlaylistTrack/1,999999").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Wrong number of parts, or a part of the wrong type.
    for bad in ["1", "1,2,3", "1,x", ",", "1,"] {
        let (st, body) = s.get(&format!("/chinook/_table/PlaylistTrack/{bad}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    // related= on a composite-key record.
    let (st, body) = s
        .get("/chinook/_table/PlaylistTrack/1,3402?related=Track_by_TrackId,Playlist_by_PlaylistId")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["Track_by_TrackId"]["TrackId"], json!(3402));
    assert_eq!(body["Playlist_by_PlaylistId"]["Name"], json!("Music"));
}

#[tokio::test]
async fn ids_with_key_pairs() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list("PlaylistTrack", &[("ids", "1,3402,1,3389,9,3402")])
        .await;
    assert_eq!(pairs(&rows), [(1, 3389), (1, 3402), (9, 3402)]);
    // In the order asked.
    let asked: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["PlaylistId"].as_i64().unwrap(),
                r["TrackId"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(asked, [(1, 3402), (1, 3389), (9, 3402)]);
    // A pair with no record is a 404 naming it.
    let (st, body) = s
        .get(&table_path("PlaylistTrack", &[("ids", "1,3402,2,1")]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
    assert!(message(&body).contains("'2,1'"), "{body}");
    let sql = s
        .sql("SELECT PlaylistId, TrackId FROM PlaylistTrack WHERE (PlaylistId = 1 AND TrackId IN (3402, 3389)) OR (PlaylistId = 9 AND TrackId = 3402)")
        .await;
    assert_eq!(pairs(&rows), pairs(&sql));
    // An odd number of values cannot be pairs.
    let (st, body) = s
        .get(&table_path("PlaylistTrack", &[("ids", "1,3402,1")]))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    // count_only with pairs.
    let (_, body) = s
        .get(&table_path(
            "PlaylistTrack",
            &[("ids", "1,3402,1,3389"), ("count_only", "true")],
        ))
        .await;
    assert_eq!(body, json!(2));
}

#[tokio::test]
async fn delete_by_composite_id_and_pairs() {
    let Some(s) = crate::start().await else {
        return;
    };
    let in_playlist_1 = s
        .sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 1")
        .await;
    let (st, body) = s.delete("/chinook/_table/PlaylistTrack/1,3402").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"PlaylistId": 1, "TrackId": 3402}));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 1 AND TrackId = 3402")
            .await,
        0
    );
    // Only that pair went: the track stays in other playlists, the playlist keeps
    // its other tracks.
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 1")
            .await,
        in_playlist_1 - 1
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE TrackId = 3402")
            .await,
        2
    );
    let (st, _) = s.delete("/chinook/_table/PlaylistTrack/1,3402").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, body) = s
        .delete(&table_path("PlaylistTrack", &[("ids", "1,3389,9,3402")]))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        pairs(body["resource"].as_array().unwrap()),
        [(1, 3389), (9, 3402)]
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE TrackId = 3402")
            .await,
        1
    );
    assert_eq!(s.count("PlaylistTrack").await, 8715 - 3);

    // A body of composite keys.
    let (st, body) = s
        .delete_body(
            "/chinook/_table/PlaylistTrack",
            json!({"resource": [{"PlaylistId": 8, "TrackId": 3402}, {"PlaylistId": 8, "TrackId": 3503}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(s.count("PlaylistTrack").await, 8715 - 5);
    // A record with half its key is refused, and nothing goes.
    let (st, _) = s
        .delete_body(
            "/chinook/_table/PlaylistTrack",
            json!({"resource": [{"PlaylistId": 8}]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.count("PlaylistTrack").await, 8715 - 5);
}

#[tokio::test]
async fn create_and_update_with_a_composite_key() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .post(
            "/chinook/_table/PlaylistTrack",
            json!({"PlaylistId": 2, "TrackId": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"], json!([{"PlaylistId": 2, "TrackId": 1}]));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM PlaylistTrack WHERE PlaylistId = 2 AND TrackId = 1")
            .await,
        1
    );
    // The same pair again: 409.
    let (st, _) = s
        .post(
            "/chinook/_table/PlaylistTrack",
            json!({"PlaylistId": 2, "TrackId": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    // Move the pair to another track through the table (the body names the key
    // by id= pairs, the new value by the body).
    let (st, body) = s
        .patch(
            &table_path("PlaylistTrack", &[("ids", "2,1")]),
            json!({"TrackId": 2}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql_ids("SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 2")
            .await,
        [2]
    );
    // A pair pointing at a missing track is a conflict.
    let (st, _) = s
        .post(
            "/chinook/_table/PlaylistTrack",
            json!({"PlaylistId": 2, "TrackId": 999999}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(s.count("PlaylistTrack").await, 8716);
}
