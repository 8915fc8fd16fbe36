//! Query parameters of the list (and by-id) reads, checked against SQL.

use std::collections::BTreeMap;

use apiforge_tests::{enc, ids_of, message, table_path};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn default_list_is_every_column_in_key_order() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s.list("Album", &[]).await;
    assert_eq!(rows.len(), 347);
    assert_eq!(
        ids_of(&rows, "AlbumId"),
        s.sql_ids("SELECT AlbumId FROM Album ORDER BY AlbumId")
            .await
    );
    assert_eq!(keys(&rows[0]), ["AlbumId", "Title", "ArtistId"]);
    // The full rows equal the SQL rows.
    let sql = s
        .sql("SELECT AlbumId, Title, ArtistId FROM Album ORDER BY AlbumId")
        .await;
    assert_eq!(rows, sql);
}

#[tokio::test]
async fn fields_selects_columns() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list("Track", &[("fields", "Name,TrackId"), ("limit", "5")])
        .await;
    assert_eq!(rows.len(), 5);
    for r in &rows {
        let mut k = keys(r);
        k.sort();
        assert_eq!(k, ["Name", "TrackId"], "{r}");
    }
    let sql = s
        .sql("SELECT TrackId, Name FROM Track ORDER BY TrackId LIMIT 5")
        .await;
    for (a, b) in rows.iter().zip(&sql) {
        assert_eq!(a["TrackId"], b["TrackId"]);
        assert_eq!(a["Name"], b["Name"]);
    }
    // `*` is every column.
    let all = s.list("Genre", &[("fields", "*")]).await;
    assert_eq!(keys(&all[0]), ["GenreId", "Name"]);
    assert_eq!(all.len(), 25);
    // fields= on a record by id.
    let (st, body) = s.get("/chinook/_table/Album/5?fields=Title").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body, json!({"Title": "Big Ones"}));
}

#[tokio::test]
async fn order_asc_desc_and_several_fields() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Album",
            &[("order", "Title desc,AlbumId"), ("fields", "AlbumId")],
        )
        .await;
    assert_eq!(
        ids_of(&rows, "AlbumId"),
        s.sql_ids("SELECT AlbumId FROM Album ORDER BY Title DESC, AlbumId")
            .await
    );
    let rows = s
        .list(
            "Album",
            &[("order", "ArtistId DESC, Title asc"), ("fields", "AlbumId")],
        )
        .await;
    assert_eq!(
        ids_of(&rows, "AlbumId"),
        s.sql_ids("SELECT AlbumId FROM Album ORDER BY ArtistId DESC, Title ASC")
            .await
    );
    let rows = s
        .list(
            "Track",
            &[
                ("order", "Milliseconds"),
                ("limit", "20"),
                ("fields", "TrackId,Milliseconds"),
            ],
        )
        .await;
    let ms: Vec<i64> = rows
        .iter()
        .map(|r| r["Milliseconds"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ms,
        s.sql_ids("SELECT Milliseconds FROM Track ORDER BY Milliseconds LIMIT 20")
            .await
    );
    let rows = s
        .list(
            "Invoice",
            &[
                ("order", "Total desc,InvoiceId desc"),
                ("limit", "10"),
                ("fields", "InvoiceId"),
            ],
        )
        .await;
    assert_eq!(
        ids_of(&rows, "InvoiceId"),
        s.sql_ids("SELECT InvoiceId FROM Invoice ORDER BY Total DESC, InvoiceId DESC LIMIT 10")
            .await
    );
}

#[tokio::test]
async fn limit_and_offset_page_through() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s.list("Album", &[("limit", "10"), ("offset", "20")]).await;
    assert_eq!(
        ids_of(&rows, "AlbumId"),
        s.sql_ids("SELECT AlbumId FROM Album ORDER BY AlbumId LIMIT 10 OFFSET 20")
            .await
    );
    // Pages of 100 cover the table exactly once.
    let mut seen = Vec::new();
    for page in 0..4 {
        let offset = (page * 100).to_string();
        let rows = s
            .list(
                "Album",
                &[("limit", "100"), ("offset", &offset), ("fields", "AlbumId")],
            )
            .await;
        seen.extend(ids_of(&rows, "AlbumId"));
    }
    assert_eq!(
        seen,
        s.sql_ids("SELECT AlbumId FROM Album ORDER BY AlbumId")
            .await
    );
    // Past the end: empty.
    assert!(s.list("Album", &[("offset", "347")]).await.is_empty());
    // offset with an order.
    let rows = s
        .list(
            "Track",
            &[
                ("order", "Name desc"),
                ("limit", "5"),
                ("offset", "100"),
                ("fields", "TrackId"),
            ],
        )
        .await;
    assert_eq!(
        ids_of(&rows, "TrackId"),
        s.sql_ids("SELECT TrackId FROM Track ORDER BY Name DESC LIMIT 5 OFFSET 100")
            .await
    );
}

#[tokio::test]
async fn limit_is_capped_by_the_default_max_records() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Track has 3503 rows; the default max_records is 1000.
    let rows = s.list("Track", &[("fields", "TrackId")]).await;
    assert_eq!(rows.len(), 1000);
    assert_eq!(
        ids_of(&rows, "TrackId"),
        s.sql_ids("SELECT TrackId FROM Track ORDER BY TrackId LIMIT 1000")
            .await
    );
    let rows = s
        .list("Track", &[("fields", "TrackId"), ("limit", "5000")])
        .await;
    assert_eq!(rows.len(), 1000);
    // The count still counts everything.
    let (_, body) = s
        .get(&table_path(
            "Track",
            &[("include_count", "true"), ("fields", "TrackId")],
        ))
        .await;
    assert_eq!(body["meta"]["count"], json!(3503));
}

#[tokio::test]
async fn limit_is_capped_by_a_services_max_records() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .patch(
            "/system/service/chinook",
            json!({"config": {"max_records": 5}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(s.list("Album", &[]).await.len(), 5);
    assert_eq!(s.list("Album", &[("limit", "10")]).await.len(), 5);
    assert_eq!(s.list("Album", &[("limit", "3")]).await.len(), 3);
    let rows = s
        .list("Album", &[("limit", "100"), ("offset", "340")])
        .await;
    assert_eq!(ids_of(&rows, "AlbumId"), [341, 342, 343, 344, 345]);
    let (_, body) = s
        .get(&table_path("Album", &[("include_count", "true")]))
        .await;
    assert_eq!(body["meta"]["count"], json!(347));
    assert_eq!(body["resource"].as_array().unwrap().len(), 5);

    // A second service with its own cap; the first keeps its own.
    s.add_chinook_service("small", json!({"max_records": 2}))
        .await;
    let (st, body) = s.get("/small/_table/Track?limit=50").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"].as_array().unwrap().len(), 2);
    assert_eq!(s.list("Track", &[]).await.len(), 5);
}

#[tokio::test]
async fn include_count_and_count_only() {
    let Some(s) = crate::start().await else {
        return;
    };
    let expected = s
        .sql_count("SELECT COUNT(*) FROM Track WHERE GenreId = 1")
        .await;
    let (st, body) = s
        .get(&table_path(
            "Track",
            &[
                ("filter", "GenreId = 1"),
                ("limit", "3"),
                ("include_count", "true"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["meta"]["count"], json!(expected));
    assert_eq!(body["resource"].as_array().unwrap().len(), 3);
    // Without include_count there is no meta.
    let (_, body) = s.get(&table_path("Track", &[("limit", "3")])).await;
    assert!(body.get("meta").is_none(), "{body}");
    let (_, body) = s
        .get(&table_path(
            "Track",
            &[("limit", "3"), ("include_count", "false")],
        ))
        .await;
    assert!(body.get("meta").is_none(), "{body}");

    // count_only: the bare number.
    let (st, body) = s.get(&table_path("Track", &[("count_only", "true")])).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body, json!(3503));
    let (_, body) = s
        .get(&table_path(
            "Track",
            &[
                ("count_only", "true"),
                ("filter", "GenreId = 1"),
                ("limit", "2"),
            ],
        ))
        .await;
    assert_eq!(body, json!(expected));
    let (_, body) = s
        .get(&table_path(
            "Album",
            &[("count_only", "true"), ("filter", "AlbumId > 100000")],
        ))
        .await;
    assert_eq!(body, json!(0));
    let (_, body) = s
        .get(&table_path(
            "Album",
            &[("count_only", "true"), ("ids", "1,2,3")],
        ))
        .await;
    assert_eq!(body, json!(3));
    let (st, _) = s
        .get(&table_path(
            "Album",
            &[("count_only", "true"), ("ids", "1,2,3,999999")],
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ids_select_records() {
    let Some(s) = crate::start().await else {
        return;
    };
    // In the order asked, as DreamFactory answers (issue 9, item 8).
    let rows = s.list("Album", &[("ids", "5,1,3")]).await;
    assert_eq!(ids_of(&rows, "AlbumId"), [5, 1, 3]);
    for r in &rows {
        let id = r["AlbumId"].as_i64().unwrap();
        let sql = s
            .sql(&format!(
                "SELECT AlbumId, Title, ArtistId FROM Album WHERE AlbumId = {id}"
            ))
            .await;
        assert_eq!(r, &sql[0]);
    }
    // An unknown id is a 404 that names it (DreamFactory: "not all requested
    // records could be retrieved"); client_bugs.rs covers continue=true.
    for ids in ["2,999999", "999999"] {
        let (st, body) = s.get(&table_path("Album", &[("ids", ids)])).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{ids}: {body}");
        assert!(message(&body).contains("'999999'"), "{body}");
    }
    // ids= combine with filter= (both must hold) and fields=: an id whose
    // record the filter leaves out is not found either.
    let rows = s
        .list(
            "Album",
            &[
                ("ids", "4,1"),
                ("filter", "ArtistId = 1"),
                ("fields", "AlbumId"),
            ],
        )
        .await;
    assert_eq!(ids_of(&rows, "AlbumId"), [4, 1]);
    assert_eq!(
        s.sql_ids("SELECT AlbumId FROM Album WHERE AlbumId IN (1,4) AND ArtistId = 1 ORDER BY 1")
            .await,
        [1, 4]
    );
    let (st, body) = s
        .get(&table_path(
            "Album",
            &[
                ("ids", "1,2,3,4"),
                ("filter", "ArtistId = 1"),
                ("fields", "AlbumId"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["context"]["error"], json!([1, 2]), "{body}");
    assert_eq!(keys(&rows[0]), ["AlbumId"]);
    // A non-integer id for an integer key is a 400.
    let (st, _) = s.get(&table_path("Album", &[("ids", "1,abc")])).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// A key that is not unique, asked for again and again, must not multiply
/// the answer: it stops at the larger of max_records and the number of ids.
#[tokio::test]
async fn repeated_ids_on_a_key_that_is_not_unique_are_bounded() {
    let Some(s) = crate::start().await else {
        return;
    };
    let ids = vec!["1"; 2000].join(",");
    let (st, body) = s
        .get(&table_path(
            "Track",
            &[
                ("ids", &ids),
                ("id_field", "MediaTypeId"),
                ("fields", "TrackId"),
            ],
        ))
        .await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "{}",
        apiforge_tests::short(&body.to_string())
    );
    assert!(message(&body).contains("unique id_field"), "{body}");
}

#[tokio::test]
async fn id_field_names_another_key() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list("Artist", &[("id_field", "Name"), ("ids", "AC/DC,Accept")])
        .await;
    let mut got = ids_of(&rows, "ArtistId");
    got.sort();
    assert_eq!(
        got,
        s.sql_ids("SELECT ArtistId FROM Artist WHERE Name IN ('AC/DC', 'Accept') ORDER BY 1")
            .await
    );
    let (st, body) = s
        .get(&format!(
            "/chinook/_table/Album/{}?id_field=Title",
            enc("Balls to the Wall")
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["AlbumId"], json!(2));
    // A write addressed by another field.
    let (st, body) = s
        .patch(
            &format!(
                "/chinook/_table/Album/{}?id_field=Title",
                enc("Balls to the Wall")
            ),
            json!({"ArtistId": 3}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"Title": "Balls to the Wall"}));
    assert_eq!(
        s.sql_ids("SELECT ArtistId FROM Album WHERE AlbumId = 2")
            .await,
        [3]
    );
    // The key named by id_field cannot change through the by-id path.
    let (st, _) = s
        .patch(
            &format!(
                "/chinook/_table/Album/{}?id_field=Title",
                enc("Balls to the Wall")
            ),
            json!({"Title": "Other"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.sql_count("SELECT COUNT(*) FROM Album WHERE Title = 'Balls to the Wall'")
            .await,
        1
    );
    // An unknown id_field is a 400.
    let (st, _) = s.get("/chinook/_table/Album/2?id_field=Nope").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

fn by_group(rows: &[Value], group: &str) -> BTreeMap<String, Value> {
    rows.iter()
        .map(|r| (r[group].to_string(), r.clone()))
        .collect()
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-6 * x.abs().max(1.0),
        _ => a == b,
    }
}

#[tokio::test]
async fn group_and_aggregates_match_sql() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Track",
            &[("group", "GenreId"), ("fields", "GenreId,COUNT(*),SUM(Milliseconds),MIN(Milliseconds),MAX(Milliseconds),AVG(Milliseconds)")],
        )
        .await;
    let sql = s
        .sql(
            "SELECT GenreId, COUNT(*) AS \"COUNT(*)\", SUM(Milliseconds) AS \"SUM(Milliseconds)\", \
             MIN(Milliseconds) AS \"MIN(Milliseconds)\", MAX(Milliseconds) AS \"MAX(Milliseconds)\", \
             AVG(Milliseconds) AS \"AVG(Milliseconds)\" FROM Track GROUP BY GenreId",
        )
        .await;
    assert_eq!(rows.len(), sql.len());
    assert_eq!(rows.len(), 25);
    let (got, want) = (by_group(&rows, "GenreId"), by_group(&sql, "GenreId"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (g, w) in &want {
        let r = &got[g];
        assert_eq!(keys(r), keys(w), "output keys");
        for k in keys(w) {
            assert!(
                close(&r[&k], &w[&k]),
                "{k} of genre {g}: api {} vs sql {}",
                r[&k],
                w[&k]
            );
        }
        // Counts and sums of integers stay integers.
        assert!(r["COUNT(*)"].is_i64(), "{r}");
        assert!(r["SUM(Milliseconds)"].is_i64(), "{r}");
    }

    // With a filter, an order on the group field, and a count of groups.
    let (st, body) = s
        .get(&table_path(
            "Track",
            &[
                ("group", "MediaTypeId"),
                ("fields", "MediaTypeId,COUNT(*)"),
                ("filter", "GenreId = 1"),
                ("order", "MediaTypeId desc"),
                ("include_count", "true"),
            ],
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let sql = s
        .sql("SELECT MediaTypeId, COUNT(*) AS \"COUNT(*)\" FROM Track WHERE GenreId = 1 GROUP BY MediaTypeId ORDER BY MediaTypeId DESC")
        .await;
    assert_eq!(body["resource"], Value::Array(sql.clone()));
    assert_eq!(body["meta"]["count"], json!(sql.len()));

    // Aggregates without group: one row.
    let rows = s
        .list(
            "Invoice",
            &[("fields", "COUNT(*),SUM(Total),MAX(InvoiceDate)")],
        )
        .await;
    let sql = s
        .sql("SELECT COUNT(*) AS c, SUM(Total) AS t, MAX(InvoiceDate) AS d FROM Invoice")
        .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["COUNT(*)"], sql[0]["c"]);
    assert!(
        close(&rows[0]["SUM(Total)"], &sql[0]["t"]),
        "{} vs {}",
        rows[0],
        sql[0]
    );
    assert!(
        rows[0]["MAX(InvoiceDate)"]
            .as_str()
            .unwrap()
            .starts_with(&sql[0]["d"].as_str().unwrap()[..10]),
        "{}",
        rows[0]
    );

    // Two group fields.
    let rows = s
        .list(
            "Track",
            &[
                ("group", "GenreId,MediaTypeId"),
                ("fields", "GenreId,MediaTypeId,COUNT(*)"),
                ("filter", "GenreId <= 3"),
            ],
        )
        .await;
    let n = s.sql_count("SELECT COUNT(*) FROM (SELECT 1 FROM Track WHERE GenreId <= 3 GROUP BY GenreId, MediaTypeId) AS g").await;
    assert_eq!(rows.len() as i64, n);
    let total: i64 = rows.iter().map(|r| r["COUNT(*)"].as_i64().unwrap()).sum();
    assert_eq!(
        total,
        s.sql_count("SELECT COUNT(*) FROM Track WHERE GenreId <= 3")
            .await
    );

    // A plain field outside group= is refused.
    let (st, _) = s
        .get(&table_path(
            "Track",
            &[("group", "GenreId"), ("fields", "Name,COUNT(*)")],
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // SUM of text is refused.
    let (st, _) = s
        .get(&table_path("Track", &[("fields", "SUM(Name)")]))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn include_schema_describes_the_table() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .get(&table_path(
            "Track",
            &[("include_schema", "true"), ("limit", "1")],
        ))
        .await;
    assert_eq!(st, StatusCode::OK);
    let schema = &body["meta"]["schema"];
    assert_eq!(schema["name"], json!("Track"));
    let names: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let sql: Vec<String> = s
        .sql("SELECT name FROM pragma_table_info('Track') ORDER BY cid")
        .await
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, sql);
    assert_eq!(body["resource"].as_array().unwrap().len(), 1);
    assert!(body["meta"].get("count").is_none());
    // Both meta entries together.
    let (_, body) = s
        .get(&table_path(
            "Genre",
            &[("include_schema", "true"), ("include_count", "true")],
        ))
        .await;
    assert_eq!(body["meta"]["count"], json!(25));
    assert_eq!(body["meta"]["schema"]["primary_key"], json!(["GenreId"]));
}

#[tokio::test]
async fn post_with_x_http_method_get_lists() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Track").await;
    let rb = s
        .request(Method::POST, "/chinook/_table/Track")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": "GenreId = 25 or Milliseconds > 2000000", "fields": "TrackId", "limit": 50, "include_count": true, "order": "TrackId desc"}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let want = s
        .sql_ids("SELECT TrackId FROM Track WHERE GenreId = 25 OR Milliseconds > 2000000 ORDER BY TrackId DESC LIMIT 50")
        .await;
    assert_eq!(
        ids_of(body["resource"].as_array().unwrap(), "TrackId"),
        want
    );
    assert_eq!(
        body["meta"]["count"],
        json!(
            s.sql_count("SELECT COUNT(*) FROM Track WHERE GenreId = 25 OR Milliseconds > 2000000")
                .await
        )
    );
    // A long filter that would be awkward in a URL: 900 ids.
    let list: Vec<String> = (1..=900).map(|i| (i * 3).to_string()).collect();
    let filter = format!("TrackId in ({})", list.join(", "));
    let rb = s
        .request(Method::POST, "/chinook/_table/Track?fields=TrackId")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"filter": filter}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"].as_array().unwrap().len(), 900);
    // ids as a JSON array.
    let rb = s
        .request(Method::POST, "/chinook/_table/Album")
        .header("X-HTTP-Method", "GET")
        .json(&json!({"ids": [1, 2], "fields": "AlbumId"}));
    let (st, body) = s.send(rb).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["resource"], json!([{"AlbumId": 1}, {"AlbumId": 2}]));
    // Nothing was written.
    assert_eq!(s.count("Track").await, before);
    assert_eq!(s.count("Album").await, 347);
}

#[tokio::test]
async fn related_by_id_and_parameters_on_one_record() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s
        .get("/chinook/_table/Album/1?related=Artist_by_ArtistId&fields=Title")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body["Title"],
        json!("For Those About To Rock We Salute You")
    );
    assert_eq!(body["Artist_by_ArtistId"]["Name"], json!("AC/DC"));
    assert!(
        body.get("ArtistId").is_none(),
        "only the asked fields: {body}"
    );
}
