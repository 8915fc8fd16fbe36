//! POST, PATCH, PUT and DELETE, each verified with SQL on the file.

use apiforge_tests::table_path;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn key_list(body: &Value, key: &str) -> Vec<i64> {
    body["resource"]
        .as_array()
        .unwrap_or_else(|| panic!("no resource: {body}"))
        .iter()
        .map(|r| r[key].as_i64().unwrap_or_else(|| panic!("no {key} in {r}")))
        .collect()
}

#[tokio::test]
async fn create_one_record() {
    let Some(s) = crate::start().await else {
        return;
    };
    let max = s.sql_count("SELECT MAX(ArtistId) FROM Artist").await;
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({"Name": "Zebra Crossing"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"resource": [{"ArtistId": max + 1}]}));
    let rows = s
        .sql(&format!(
            "SELECT ArtistId, Name FROM Artist WHERE ArtistId = {}",
            max + 1
        ))
        .await;
    assert_eq!(
        rows,
        [json!({"ArtistId": max + 1, "Name": "Zebra Crossing"})]
    );
    assert_eq!(s.count("Artist").await, 276);

    // The same through {"resource":[…]}, with fields= in the answer, and every type.
    let (st, body) = s
        .post(
            "/chinook/_table/Track?fields=TrackId,Name,UnitPrice,Composer",
            json!({"resource": [{
                "Name": "Ünïcödé ✓ 'quoted'", "AlbumId": 1, "MediaTypeId": 1, "GenreId": 1,
                "Composer": null, "Milliseconds": 1234, "Bytes": 99, "UnitPrice": 1.49
            }]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let rec = &body["resource"][0];
    assert_eq!(rec["Name"], json!("Ünïcödé ✓ 'quoted'"));
    assert_eq!(rec["UnitPrice"], json!(1.49));
    assert_eq!(rec["Composer"], Value::Null);
    let id = rec["TrackId"].as_i64().unwrap();
    let rows = s.sql(&format!("SELECT Name, AlbumId, Composer, Milliseconds, UnitPrice FROM Track WHERE TrackId = {id}")).await;
    assert_eq!(
        rows,
        [
            json!({"Name": "Ünïcödé ✓ 'quoted'", "AlbumId": 1, "Composer": null, "Milliseconds": 1234, "UnitPrice": 1.49})
        ]
    );
    // The new record reads back through the API.
    let (st, got) = s.get(&format!("/chinook/_table/Track/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got["Bytes"], json!(99));

    // An explicit key is kept.
    let (st, body) = s
        .post(
            "/chinook/_table/Genre",
            json!({"GenreId": 100, "Name": "Chiptune"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["resource"], json!([{"GenreId": 100}]));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Genre WHERE GenreId = 100 AND Name = 'Chiptune'")
            .await,
        1
    );
    // Timestamps are accepted in ISO-8601 and read back the same way.
    let (st, body) = s
        .post(
            "/chinook/_table/Invoice?fields=InvoiceId,InvoiceDate,Total",
            json!({"CustomerId": 1, "InvoiceDate": "2026-02-03T04:05:06", "Total": 12.34}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["resource"][0]["InvoiceDate"],
        json!("2026-02-03T04:05:06")
    );
    assert_eq!(body["resource"][0]["Total"], json!(12.34));
    let id = body["resource"][0]["InvoiceId"].as_i64().unwrap();
    let rows = s
        .sql(&format!(
            "SELECT InvoiceDate FROM Invoice WHERE InvoiceId = {id}"
        ))
        .await;
    assert_eq!(rows[0]["InvoiceDate"], json!("2026-02-03 04:05:06"));
}

#[tokio::test]
async fn create_a_batch() {
    let Some(s) = crate::start().await else {
        return;
    };
    let max = s.sql_count("SELECT MAX(ArtistId) FROM Artist").await;
    let records: Vec<Value> = (0..50)
        .map(|i| json!({"Name": format!("Batch artist {i}")}))
        .collect();
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({"resource": records}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let keys = key_list(&body, "ArtistId");
    assert_eq!(keys, ((max + 1)..=(max + 50)).collect::<Vec<_>>());
    assert_eq!(s.count("Artist").await, 275 + 50);
    for (i, k) in keys.iter().enumerate() {
        let rows = s
            .sql(&format!("SELECT Name FROM Artist WHERE ArtistId = {k}"))
            .await;
        assert_eq!(rows[0]["Name"], json!(format!("Batch artist {i}")));
    }
    // Records with different field sets in one batch.
    let (st, body) = s
        .post(
            "/chinook/_table/Customer",
            json!({"resource": [
                {"FirstName": "A", "LastName": "One", "Email": "a@x.org"},
                {"FirstName": "B", "LastName": "Two", "Email": "b@x.org", "City": "Oslo", "SupportRepId": 3}
            ]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let keys = key_list(&body, "CustomerId");
    assert_eq!(keys.len(), 2);
    let rows = s
        .sql(&format!("SELECT City, SupportRepId FROM Customer WHERE CustomerId IN ({}, {}) ORDER BY CustomerId", keys[0], keys[1]))
        .await;
    assert_eq!(
        rows,
        [
            json!({"City": null, "SupportRepId": null}),
            json!({"City": "Oslo", "SupportRepId": 3})
        ]
    );
}

#[tokio::test]
async fn patch_merges_and_put_replaces() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.sql("SELECT * FROM Track WHERE TrackId = 1").await;
    // PATCH changes only the given fields.
    let (st, body) = s
        .patch(
            "/chinook/_table/Track/1",
            json!({"Composer": "Someone Else", "Milliseconds": 1000}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"TrackId": 1}));
    let after = s.sql("SELECT * FROM Track WHERE TrackId = 1").await;
    let mut expected = before[0].clone();
    expected["Composer"] = json!("Someone Else");
    expected["Milliseconds"] = json!(1000);
    assert_eq!(after[0], expected);
    // PATCH with fields= returns them.
    let (st, body) = s
        .patch(
            "/chinook/_table/Track/1?fields=Name,Composer",
            json!({"Name": "Renamed"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"Name": "Renamed", "Composer": "Someone Else"}));

    // PUT sets missing nullable fields to null and keeps the key.
    let (st, body) = s
        .put(
            "/chinook/_table/Track/2",
            json!({"Name": "Replaced", "MediaTypeId": 2, "Milliseconds": 5, "UnitPrice": 0.5}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"TrackId": 2}));
    let rows = s.sql("SELECT * FROM Track WHERE TrackId = 2").await;
    assert_eq!(
        rows[0],
        json!({"TrackId": 2, "Name": "Replaced", "AlbumId": null, "MediaTypeId": 2, "GenreId": null,
               "Composer": null, "Milliseconds": 5, "Bytes": null, "UnitPrice": 0.5})
    );
    // PUT without a required field is a 400 and changes nothing.
    let before = s.sql("SELECT * FROM Track WHERE TrackId = 3").await;
    let (st, body) = s
        .put("/chinook/_table/Track/3", json!({"Name": "No media type"}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.sql("SELECT * FROM Track WHERE TrackId = 3").await, before);
    // PATCH on a missing record: 404.
    let (st, _) = s
        .patch("/chinook/_table/Track/999999", json!({"Name": "x"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = s
        .put("/chinook/_table/Genre/999999", json!({"Name": "x"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(s.count("Genre").await, 25);
    // An empty PATCH body names nothing to change.
    let (st, _) = s.patch("/chinook/_table/Track/1", json!({})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Setting a NOT NULL field to null: 400, unchanged.
    let (st, _) = s
        .patch("/chinook/_table/Track/4", json!({"Name": null}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Track WHERE TrackId = 4 AND Name IS NOT NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn update_records_listed_in_the_body() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .patch(
            "/chinook/_table/Artist",
            json!({"resource": [{"ArtistId": 1, "Name": "AC/DC!"}, {"ArtistId": 2, "Name": "Accept!"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(key_list(&body, "ArtistId"), [1, 2]);
    let rows = s
        .sql("SELECT Name FROM Artist WHERE ArtistId IN (1, 2, 3) ORDER BY ArtistId")
        .await;
    assert_eq!(
        rows,
        [
            json!({"Name": "AC/DC!"}),
            json!({"Name": "Accept!"}),
            json!({"Name": "Aerosmith"})
        ]
    );

    // PUT on the table replaces each listed record.
    let (st, body) = s
        .put(
            "/chinook/_table/Customer",
            json!({"resource": [{"CustomerId": 1, "FirstName": "F", "LastName": "L", "Email": "e@x.org"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let rows = s
        .sql("SELECT FirstName, Company, City, SupportRepId FROM Customer WHERE CustomerId = 1")
        .await;
    assert_eq!(
        rows,
        [json!({"FirstName": "F", "Company": null, "City": null, "SupportRepId": null})]
    );
}

#[tokio::test]
async fn update_by_ids_and_by_filter() {
    let Some(s) = crate::start().await else {
        return;
    };
    let untouched = s
        .sql("SELECT * FROM Track WHERE TrackId NOT IN (1, 2, 3) ORDER BY TrackId")
        .await;
    let (st, body) = s
        .patch(
            &table_path("Track", &[("ids", "3,1,2")]),
            json!({"Composer": "Trio"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut keys = key_list(&body, "TrackId");
    keys.sort();
    assert_eq!(keys, [1, 2, 3]);
    assert_eq!(
        s.sql_ids("SELECT TrackId FROM Track WHERE Composer = 'Trio' ORDER BY 1")
            .await,
        [1, 2, 3]
    );
    assert_eq!(
        s.sql("SELECT * FROM Track WHERE TrackId NOT IN (1, 2, 3) ORDER BY TrackId")
            .await,
        untouched
    );

    let matching = s
        .sql_ids("SELECT TrackId FROM Track WHERE AlbumId = 5 ORDER BY 1")
        .await;
    let (st, body) = s
        .patch(
            &table_path("Track", &[("filter", "AlbumId = 5")]),
            json!({"UnitPrice": 1.99}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut keys = key_list(&body, "TrackId");
    keys.sort();
    assert_eq!(keys, matching);
    assert_eq!(
        s.sql_ids("SELECT TrackId FROM Track WHERE UnitPrice = 1.99 AND AlbumId = 5 ORDER BY 1")
            .await,
        matching
    );
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Track WHERE UnitPrice = 1.99 AND AlbumId != 5")
            .await,
        s.sql_count("SELECT COUNT(*) FROM Track WHERE UnitPrice = 1.99")
            .await
            - matching.len() as i64
    );

    // ids= and filter= together: both must hold.
    let (st, body) = s
        .patch(
            &table_path("Album", &[("ids", "1,2,3,4"), ("filter", "ArtistId = 1")]),
            json!({"Title": "Both"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql_ids("SELECT AlbumId FROM Album WHERE Title = 'Both' ORDER BY 1")
            .await,
        [1, 4]
    );

    // A filter that matches nothing updates nothing.
    let (st, body) = s
        .patch(
            &table_path("Album", &[("filter", "AlbumId > 100000")]),
            json!({"Title": "None"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"], json!([]));

    // PUT by filter replaces: missing nullable fields become null.
    let (st, body) = s
        .put(
            &table_path("Customer", &[("filter", "Country = 'Norway'")]),
            json!({"FirstName": "N", "LastName": "O", "Email": "n@o.no"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let rows = s
        .sql("SELECT FirstName, Country FROM Customer WHERE FirstName = 'N'")
        .await;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["Country"].is_null()));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Customer WHERE Country = 'Norway'")
            .await,
        0
    );
}

#[tokio::test]
async fn delete_by_id_ids_filter_and_body() {
    let Some(s) = crate::start().await else {
        return;
    };
    let total = s.count("InvoiceLine").await;
    // By id.
    let (st, body) = s.delete("/chinook/_table/InvoiceLine/1").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"InvoiceLineId": 1}));
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceLineId = 1")
            .await,
        0
    );
    // Again: 404, nothing else removed.
    let (st, _) = s.delete("/chinook/_table/InvoiceLine/1").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(s.count("InvoiceLine").await, total - 1);

    // By ids.
    let (st, body) = s
        .delete(&table_path("InvoiceLine", &[("ids", "2,3,4,999999")]))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut keys = key_list(&body, "InvoiceLineId");
    keys.sort();
    assert_eq!(keys, [2, 3, 4]);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceLineId IN (2, 3, 4)")
            .await,
        0
    );
    assert_eq!(s.count("InvoiceLine").await, total - 4);

    // By filter.
    let doomed = s
        .sql_ids("SELECT InvoiceLineId FROM InvoiceLine WHERE InvoiceId = 10 ORDER BY 1")
        .await;
    assert!(!doomed.is_empty());
    let (st, body) = s
        .delete(&table_path("InvoiceLine", &[("filter", "InvoiceId = 10")]))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut keys = key_list(&body, "InvoiceLineId");
    keys.sort();
    assert_eq!(keys, doomed);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceId = 10")
            .await,
        0
    );
    assert_eq!(
        s.count("InvoiceLine").await,
        total - 4 - doomed.len() as i64
    );

    // By a body of keyed records.
    let (st, body) = s
        .delete_body(
            "/chinook/_table/InvoiceLine",
            json!({"resource": [{"InvoiceLineId": 100}, {"InvoiceLineId": 101}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(key_list(&body, "InvoiceLineId"), [100, 101]);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceLineId IN (100, 101)")
            .await,
        0
    );
    assert_eq!(
        s.count("InvoiceLine").await,
        total - 6 - doomed.len() as i64
    );

    // fields= on a delete shows the record as it was.
    let was = s
        .sql("SELECT InvoiceLineId, TrackId FROM InvoiceLine WHERE InvoiceLineId = 200")
        .await;
    let (st, body) = s
        .delete("/chinook/_table/InvoiceLine/200?fields=InvoiceLineId,TrackId")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, was[0]);

    // Neither ids=, filter= nor a body: refused, nothing deleted.
    let n = s.count("InvoiceLine").await;
    let (st, _) = s.delete("/chinook/_table/InvoiceLine").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.count("InvoiceLine").await, n);
}

#[tokio::test]
async fn writes_respect_foreign_keys() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Deleting a referenced record is a conflict, and nothing goes.
    let (st, body) = s.delete("/chinook/_table/Artist/1").await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(s.count("Artist").await, 275);
    let (st, _) = s.delete(&table_path("Genre", &[("ids", "1,2")])).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(s.count("Genre").await, 25);
    // Pointing at a missing record is a conflict.
    let (st, _) = s
        .patch("/chinook/_table/Album/1", json!({"ArtistId": 999999}))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(
        s.sql_ids("SELECT ArtistId FROM Album WHERE AlbumId = 1")
            .await,
        [1]
    );
    let (st, _) = s
        .post(
            "/chinook/_table/Album",
            json!({"Title": "Orphan", "ArtistId": 999999}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(s.count("Album").await, 347);
    // Once the children are gone, the parent can go.
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({"Name": "Temp"}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let artist = body["resource"][0]["ArtistId"].as_i64().unwrap();
    let (st, body) = s
        .post(
            "/chinook/_table/Album",
            json!({"Title": "Temp album", "ArtistId": artist}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let album = body["resource"][0]["AlbumId"].as_i64().unwrap();
    let (st, _) = s.delete(&format!("/chinook/_table/Artist/{artist}")).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) = s.delete(&format!("/chinook/_table/Album/{album}")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.delete(&format!("/chinook/_table/Artist/{artist}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.count("Artist").await, 275);
}

#[tokio::test]
async fn by_id_body_key_must_match_the_url() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .post(
            "/chinook/_table/Genre",
            json!({"GenreId": 50, "Name": "Key change"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // By id, a body key that differs from the URL is refused.
    let (st, _) = s
        .patch("/chinook/_table/Genre/50", json!({"GenreId": 51}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // The same key in the body is fine.
    let (st, body) = s
        .patch(
            "/chinook/_table/Genre/50",
            json!({"GenreId": 50, "Name": "Same key"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Genre WHERE GenreId = 50 AND Name = 'Same key'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_bad_fields_parameter_refuses_the_write_before_writing() {
    let Some(s) = crate::start().await else {
        return;
    };
    for fields in [
        "Nope",
        "COUNT(*)",
        "Name,",
        "Artist_by_ArtistId",
        "LOWER(Name)",
    ] {
        let before = s.snapshot().await;
        let f = [("fields", fields)];
        let attempts = [
            s.post(&table_path("Artist", &f), json!({"Name": "ghost"}))
                .await,
            s.post(
                &table_path("Artist", &f),
                json!({"resource": [{"Name": "a"}, {"Name": "b"}]}),
            )
            .await,
            s.patch(
                &format!("/chinook/_table/Artist/1{}", apiforge_tests::qs(&f)),
                json!({"Name": "changed"}),
            )
            .await,
            s.put(
                &format!("/chinook/_table/Artist/1{}", apiforge_tests::qs(&f)),
                json!({"Name": "changed"}),
            )
            .await,
            s.patch(
                &table_path("Artist", &[("ids", "1,2"), ("fields", fields)]),
                json!({"Name": "changed"}),
            )
            .await,
            s.patch(
                &table_path("Artist", &f),
                json!({"resource": [{"ArtistId": 1, "Name": "changed"}]}),
            )
            .await,
            s.delete(&format!(
                "/chinook/_table/InvoiceLine/1{}",
                apiforge_tests::qs(&f)
            ))
            .await,
            s.delete(&table_path(
                "InvoiceLine",
                &[("ids", "1,2"), ("fields", fields)],
            ))
            .await,
            s.delete_body(
                &table_path("InvoiceLine", &f),
                json!({"resource": [{"InvoiceLineId": 1}]}),
            )
            .await,
        ];
        for (i, (st, body)) in attempts.iter().enumerate() {
            // "Name," is just Name: the writes that name Artist fields succeed.
            if fields == "Name," && i < 6 {
                continue;
            }
            assert_eq!(
                *st,
                StatusCode::BAD_REQUEST,
                "fields={fields}, attempt {i}: {body}"
            );
        }
        if fields != "Name," {
            assert_eq!(
                s.snapshot().await,
                before,
                "fields={fields}: a refused write changed the data"
            );
        }
    }
}

#[tokio::test]
async fn writes_through_x_http_method() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rb = s
        .request(reqwest::Method::POST, "/chinook/_table/Artist?ids=1")
        .header("X-HTTP-Method", "PATCH")
        .json(&json!({"Name": "tunnelled"}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql("SELECT Name FROM Artist WHERE ArtistId = 1").await,
        [json!({"Name": "tunnelled"})]
    );
    let rb = s
        .request(reqwest::Method::POST, "/chinook/_table/Customer?ids=1")
        .header("X-HTTP-Method", "PUT")
        .json(&json!({"FirstName": "P", "LastName": "Q", "Email": "p@q.r"}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql("SELECT Company FROM Customer WHERE CustomerId = 1")
            .await,
        [json!({"Company": null})]
    );
    let rb = s
        .request(reqwest::Method::POST, "/chinook/_table/InvoiceLine?ids=5")
        .header("X-HTTP-Method-Override", "delete");
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM InvoiceLine WHERE InvoiceLineId = 5")
            .await,
        0
    );
    // The tunnel keeps the no-delete-all rule.
    let rb = s
        .request(reqwest::Method::POST, "/chinook/_table/InvoiceLine")
        .header("X-HTTP-Method", "DELETE");
    let (st, _) = s.send(rb).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(s.count("InvoiceLine").await, 2239);
}

/// SQLite stores text past a declared `NVARCHAR(n)`; PostgreSQL and MariaDB
/// refuse it. Every backend answers the same 400, naming the column and its
/// length, whether by REST or GraphQL, and nothing is written (the API docs
/// promise `maxLength` on reads, found by schemathesis).
#[tokio::test]
async fn text_past_its_declared_length_is_refused_alike_everywhere() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.snapshot().await;
    let long = "x".repeat(121);
    let attempts = [
        s.post("/chinook/_table/Artist", json!({"Name": long}))
            .await,
        s.patch("/chinook/_table/Artist/1", json!({"Name": long}))
            .await,
        s.put("/chinook/_table/Artist/1", json!({"Name": long}))
            .await,
        s.post(
            "/chinook/_table/Artist",
            json!({"resource": [{"Name": "fits"}, {"Name": long}]}),
        )
        .await,
    ];
    for (i, (st, body)) in attempts.iter().enumerate() {
        assert_eq!(*st, StatusCode::BAD_REQUEST, "attempt {i}: {body}");
        let msg = body.to_string();
        assert!(
            msg.contains("holds at most 120 characters") && msg.contains("got 121"),
            "attempt {i}: {body}"
        );
    }
    assert_eq!(
        s.snapshot().await,
        before,
        "a refused write changed the data"
    );
    let (st, body) = s
        .post("/chinook/_table/Artist", json!({"Name": "é".repeat(120)}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "120 characters fit: {body}");
}
