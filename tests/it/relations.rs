//! `related=`: belongs_to, has_many, many_many and self-references, nesting, and
//! the per-relation parameters; every embedded list checked against SQL joins.

use std::collections::BTreeMap;

use apiforge_tests::{TestServer, ids_of, table_path};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `parent id → child ids (in SQL order)` from a two-column query.
async fn sql_groups(s: &TestServer, query: &str) -> BTreeMap<i64, Vec<i64>> {
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in s.sql(query).await {
        let vals: Vec<&Value> = r.as_object().unwrap().values().collect();
        out.entry(vals[0].as_i64().unwrap())
            .or_default()
            .push(vals[1].as_i64().unwrap());
    }
    out
}

/// `parent id → child ids` from an API list with an embedded array.
fn api_groups(
    rows: &[Value],
    parent_key: &str,
    rel: &str,
    child_key: &str,
) -> BTreeMap<i64, Vec<i64>> {
    rows.iter()
        .map(|r| {
            let list = r[rel]
                .as_array()
                .unwrap_or_else(|| panic!("{rel} is not an array in {r}"));
            (r[parent_key].as_i64().unwrap(), ids_of(list, child_key))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn belongs_to_embeds_the_parent_object() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s.list("Album", &[("related", "Artist_by_ArtistId")]).await;
    assert_eq!(rows.len(), 347);
    let sql = s
        .sql("SELECT a.AlbumId, r.ArtistId, r.Name FROM Album a JOIN Artist r ON r.ArtistId = a.ArtistId ORDER BY a.AlbumId")
        .await;
    for (row, want) in rows.iter().zip(&sql) {
        assert_eq!(row["AlbumId"], want["AlbumId"]);
        assert_eq!(
            row["Artist_by_ArtistId"],
            json!({"ArtistId": want["ArtistId"], "Name": want["Name"]}),
            "album {}",
            row["AlbumId"]
        );
    }
    // A null foreign key embeds null.
    let rows = s
        .list(
            "Employee",
            &[
                ("related", "Employee_by_ReportsTo"),
                ("fields", "EmployeeId,ReportsTo"),
            ],
        )
        .await;
    let boss = rows.iter().find(|r| r["EmployeeId"] == json!(1)).unwrap();
    assert_eq!(boss["Employee_by_ReportsTo"], Value::Null);
    for r in rows.iter().filter(|r| !r["ReportsTo"].is_null()) {
        assert_eq!(
            r["Employee_by_ReportsTo"]["EmployeeId"], r["ReportsTo"],
            "{r}"
        );
    }
}

#[tokio::test]
async fn has_many_embeds_the_children() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s.list("Artist", &[("related", "Album_by_ArtistId")]).await;
    assert_eq!(rows.len(), 275);
    let want = sql_groups(
        &s,
        "SELECT ArtistId, AlbumId FROM Album ORDER BY ArtistId, AlbumId",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "ArtistId", "Album_by_ArtistId", "AlbumId"),
        want
    );
    // Artists without albums get an empty array, not null.
    let lonely = s
        .sql_ids("SELECT ArtistId FROM Artist WHERE ArtistId NOT IN (SELECT ArtistId FROM Album)")
        .await;
    assert!(!lonely.is_empty());
    for id in lonely {
        let r = rows.iter().find(|r| r["ArtistId"] == json!(id)).unwrap();
        assert_eq!(r["Album_by_ArtistId"], json!([]), "{r}");
    }
    // Child records are whole rows.
    let album1 = &rows[0]["Album_by_ArtistId"][0];
    let sql = s
        .sql("SELECT AlbumId, Title, ArtistId FROM Album WHERE AlbumId = 1")
        .await;
    assert_eq!(album1, &sql[0]);
}

#[tokio::test]
async fn many_many_goes_through_the_junction() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Track → Playlist.
    let rows = s
        .list(
            "Track",
            &[
                ("ids", "1,2,3,4,5,1000,3402,3503"),
                ("related", "Playlist_by_PlaylistTrack"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT pt.TrackId, p.PlaylistId FROM PlaylistTrack pt JOIN Playlist p ON p.PlaylistId = pt.PlaylistId \
         WHERE pt.TrackId IN (1,2,3,4,5,1000,3402,3503) ORDER BY pt.TrackId, p.PlaylistId",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "TrackId", "Playlist_by_PlaylistTrack", "PlaylistId"),
        want
    );
    let first = &rows[0]["Playlist_by_PlaylistTrack"][0];
    assert_eq!(first, &json!({"PlaylistId": 1, "Name": "Music"}));

    // Playlist → Track, every playlist (8715 links).
    let rows = s
        .list(
            "Playlist",
            &[
                ("related", "Track_by_PlaylistTrack"),
                ("Track_by_PlaylistTrack.fields", "TrackId"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT PlaylistId, TrackId FROM PlaylistTrack ORDER BY PlaylistId, TrackId",
    )
    .await;
    let got = api_groups(&rows, "PlaylistId", "Track_by_PlaylistTrack", "TrackId");
    assert_eq!(got, want);
    assert_eq!(got.values().map(Vec::len).sum::<usize>(), 8715);
    let empty = rows.iter().find(|r| r["PlaylistId"] == json!(2)).unwrap();
    assert_eq!(empty["Track_by_PlaylistTrack"], json!([]));
}

#[tokio::test]
async fn self_reference_both_directions() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Employee",
            &[
                (
                    "related",
                    "Employee_by_ReportsTo,Employee_by_ReportsTo_has_many",
                ),
                ("Employee_by_ReportsTo.fields", "EmployeeId,LastName"),
                ("Employee_by_ReportsTo_has_many.fields", "EmployeeId"),
            ],
        )
        .await;
    let managers = sql_groups(
        &s,
        "SELECT ReportsTo, EmployeeId FROM Employee WHERE ReportsTo IS NOT NULL ORDER BY 1, 2",
    )
    .await;
    assert_eq!(
        api_groups(
            &rows,
            "EmployeeId",
            "Employee_by_ReportsTo_has_many",
            "EmployeeId"
        ),
        managers
    );
    let sql = s
        .sql("SELECT e.EmployeeId, m.EmployeeId AS M, m.LastName AS L FROM Employee e LEFT JOIN Employee m ON m.EmployeeId = e.ReportsTo ORDER BY e.EmployeeId")
        .await;
    for (r, w) in rows.iter().zip(&sql) {
        let want = if w["M"].is_null() {
            Value::Null
        } else {
            json!({"EmployeeId": w["M"], "LastName": w["L"]})
        };
        assert_eq!(r["Employee_by_ReportsTo"], want, "{r}");
    }
}

#[tokio::test]
async fn nested_two_levels() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Album",
            &[
                ("ids", "1,2,3,4,5,6,7,8,9,10"),
                ("related", "Track_by_AlbumId,Artist_by_ArtistId"),
                (
                    "Track_by_AlbumId.related",
                    "Genre_by_GenreId,Playlist_by_PlaylistTrack",
                ),
                ("Track_by_AlbumId.fields", "TrackId,Name"),
                ("Track_by_AlbumId.Genre_by_GenreId.fields", "Name"),
                (
                    "Track_by_AlbumId.Playlist_by_PlaylistTrack.fields",
                    "PlaylistId",
                ),
            ],
        )
        .await;
    assert_eq!(rows.len(), 10);
    let genres: BTreeMap<i64, String> = s
        .sql("SELECT t.TrackId, g.Name FROM Track t JOIN Genre g ON g.GenreId = t.GenreId WHERE t.AlbumId <= 10")
        .await
        .iter()
        .map(|r| (r["TrackId"].as_i64().unwrap(), r["Name"].as_str().unwrap().to_string()))
        .collect();
    let playlists = sql_groups(
        &s,
        "SELECT pt.TrackId, pt.PlaylistId FROM PlaylistTrack pt JOIN Track t ON t.TrackId = pt.TrackId WHERE t.AlbumId <= 10 ORDER BY 1, 2",
    )
    .await;
    let tracks = sql_groups(
        &s,
        "SELECT AlbumId, TrackId FROM Track WHERE AlbumId <= 10 ORDER BY 1, 2",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "AlbumId", "Track_by_AlbumId", "TrackId"),
        tracks
    );
    let mut seen = 0;
    for album in &rows {
        assert!(album["Artist_by_ArtistId"].is_object());
        for t in album["Track_by_AlbumId"].as_array().unwrap() {
            seen += 1;
            let id = t["TrackId"].as_i64().unwrap();
            let mut k: Vec<&String> = t.as_object().unwrap().keys().collect();
            k.sort();
            assert_eq!(
                k,
                [
                    "Genre_by_GenreId",
                    "Name",
                    "Playlist_by_PlaylistTrack",
                    "TrackId"
                ],
                "{t}"
            );
            assert_eq!(
                t["Genre_by_GenreId"],
                json!({"Name": genres[&id]}),
                "track {id}"
            );
            let pl = ids_of(
                t["Playlist_by_PlaylistTrack"].as_array().unwrap(),
                "PlaylistId",
            );
            assert_eq!(
                pl,
                playlists.get(&id).cloned().unwrap_or_default(),
                "track {id}"
            );
        }
    }
    assert_eq!(seen, genres.len());

    // Three levels: Artist → Album → Track → Genre.
    let rows = s
        .list(
            "Artist",
            &[
                ("ids", "1"),
                ("related", "Album_by_ArtistId"),
                ("Album_by_ArtistId.related", "Track_by_AlbumId"),
                (
                    "Album_by_ArtistId.Track_by_AlbumId.related",
                    "Genre_by_GenreId",
                ),
            ],
        )
        .await;
    let t = &rows[0]["Album_by_ArtistId"][0]["Track_by_AlbumId"][0];
    assert_eq!(t["TrackId"], json!(1));
    assert_eq!(t["Genre_by_GenreId"]["Name"], json!("Rock"));
}

#[tokio::test]
async fn per_parent_limit() {
    let Some(s) = crate::start().await else {
        return;
    };
    for n in [1, 2, 5] {
        let rows = s
            .list(
                "Artist",
                &[
                    ("related", "Album_by_ArtistId"),
                    ("Album_by_ArtistId.limit", &n.to_string()),
                    ("Album_by_ArtistId.fields", "AlbumId"),
                ],
            )
            .await;
        let want = sql_groups(
            &s,
            &format!(
                "SELECT ArtistId, AlbumId FROM (SELECT ArtistId, AlbumId, ROW_NUMBER() OVER (PARTITION BY ArtistId ORDER BY AlbumId) AS rn FROM Album) AS r WHERE rn <= {n} ORDER BY ArtistId, AlbumId"
            ),
        )
        .await;
        let got = api_groups(&rows, "ArtistId", "Album_by_ArtistId", "AlbumId");
        assert!(got.values().all(|v| v.len() <= n), "limit {n} exceeded");
        assert_eq!(got, want, "limit {n}");
    }
    // The limit is per parent, not for the whole list: every album gets up to 3.
    let rows = s
        .list(
            "Album",
            &[
                ("related", "Track_by_AlbumId"),
                ("Track_by_AlbumId.limit", "3"),
                ("Track_by_AlbumId.order", "Milliseconds desc"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT AlbumId, TrackId FROM (SELECT AlbumId, TrackId, Milliseconds, ROW_NUMBER() OVER (PARTITION BY AlbumId ORDER BY Milliseconds DESC, TrackId) AS rn FROM Track) AS r \
         WHERE rn <= 3 ORDER BY AlbumId, Milliseconds DESC, TrackId",
    )
    .await;
    let got = api_groups(&rows, "AlbumId", "Track_by_AlbumId", "TrackId");
    assert_eq!(got.len(), 347);
    assert_eq!(got, want);
    // many_many with a limit.
    let rows = s
        .list(
            "Playlist",
            &[
                ("related", "Track_by_PlaylistTrack"),
                ("Track_by_PlaylistTrack.limit", "4"),
                ("Track_by_PlaylistTrack.order", "TrackId desc"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT PlaylistId, TrackId FROM (SELECT PlaylistId, TrackId, ROW_NUMBER() OVER (PARTITION BY PlaylistId ORDER BY TrackId DESC) AS rn FROM PlaylistTrack) AS r \
         WHERE rn <= 4 ORDER BY PlaylistId, TrackId DESC",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "PlaylistId", "Track_by_PlaylistTrack", "TrackId"),
        want
    );
}

#[tokio::test]
async fn per_parent_limit_with_fields_that_leave_out_the_order() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Ordered by a field that is not returned.
    let rows = s
        .list(
            "Album",
            &[
                ("ids", "1,2,3,4,5"),
                ("fields", "AlbumId"),
                ("related", "Track_by_AlbumId"),
                ("Track_by_AlbumId.fields", "TrackId"),
                ("Track_by_AlbumId.order", "Milliseconds desc"),
                ("Track_by_AlbumId.limit", "2"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT AlbumId, TrackId FROM (SELECT AlbumId, TrackId, Milliseconds, ROW_NUMBER() OVER (PARTITION BY AlbumId ORDER BY Milliseconds DESC, TrackId) AS rn \
         FROM Track WHERE AlbumId <= 5) AS r WHERE rn <= 2 ORDER BY AlbumId, Milliseconds DESC, TrackId",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "AlbumId", "Track_by_AlbumId", "TrackId"),
        want
    );
    // The default order (the key) with fields that leave out the key, nested.
    let rows = s
        .list(
            "Artist",
            &[
                ("ids", "1,22"),
                ("related", "Album_by_ArtistId"),
                ("Album_by_ArtistId.fields", "Title"),
                ("Album_by_ArtistId.limit", "3"),
                ("Album_by_ArtistId.related", "Track_by_AlbumId"),
                ("Album_by_ArtistId.Track_by_AlbumId.fields", "Name"),
                ("Album_by_ArtistId.Track_by_AlbumId.limit", "1"),
            ],
        )
        .await;
    let albums = rows[1]["Album_by_ArtistId"].as_array().unwrap();
    let titles: Vec<Value> = s
        .sql("SELECT Title FROM Album WHERE ArtistId = 22 ORDER BY AlbumId LIMIT 3")
        .await
        .into_iter()
        .map(|r| r["Title"].clone())
        .collect();
    assert_eq!(
        albums
            .iter()
            .map(|a| a["Title"].clone())
            .collect::<Vec<_>>(),
        titles
    );
    for a in albums {
        let tracks = a["Track_by_AlbumId"].as_array().unwrap();
        assert_eq!(tracks.len(), 1, "{a}");
        assert_eq!(tracks[0].as_object().unwrap().len(), 1, "{a}");
    }
    let first = &rows[0]["Album_by_ArtistId"][0]["Track_by_AlbumId"][0];
    assert_eq!(
        first,
        &json!({"Name": "For Those About To Rock (We Salute You)"})
    );
}

#[tokio::test]
async fn relation_filter_order_and_fields() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Album",
            &[
                ("related", "Track_by_AlbumId"),
                (
                    "Track_by_AlbumId.filter",
                    "Milliseconds > 300000 and Name not like '%a%'",
                ),
                ("Track_by_AlbumId.order", "Milliseconds desc,TrackId"),
                ("Track_by_AlbumId.fields", "TrackId,Milliseconds"),
            ],
        )
        .await;
    let want = sql_groups(
        &s,
        "SELECT AlbumId, TrackId FROM Track WHERE Milliseconds > 300000 AND Name NOT LIKE '%a%' ORDER BY AlbumId, Milliseconds DESC, TrackId",
    )
    .await;
    assert_eq!(
        api_groups(&rows, "AlbumId", "Track_by_AlbumId", "TrackId"),
        want
    );
    for r in &rows {
        // The filter removes children, never parents.
        for t in r["Track_by_AlbumId"].as_array().unwrap() {
            let mut k: Vec<&String> = t.as_object().unwrap().keys().collect();
            k.sort();
            assert_eq!(k, ["Milliseconds", "TrackId"], "{t}");
            assert!(t["Milliseconds"].as_i64().unwrap() > 300000);
        }
    }
    assert_eq!(rows.len(), 347);
    // A relation filter on a belongs_to that does not match gives null.
    let rows = s
        .list(
            "Album",
            &[
                ("ids", "1,2"),
                ("related", "Artist_by_ArtistId"),
                ("Artist_by_ArtistId.filter", "Name = 'AC/DC'"),
            ],
        )
        .await;
    assert_eq!(rows[0]["Artist_by_ArtistId"]["Name"], json!("AC/DC"));
    assert_eq!(rows[1]["Artist_by_ArtistId"], Value::Null);
    // A relation's fields need not include the join columns.
    let rows = s
        .list(
            "Artist",
            &[
                ("ids", "1"),
                ("related", "Album_by_ArtistId"),
                ("Album_by_ArtistId.fields", "Title"),
            ],
        )
        .await;
    assert_eq!(
        rows[0]["Album_by_ArtistId"],
        json!([{"Title": "For Those About To Rock We Salute You"}, {"Title": "Let There Be Rock"}])
    );
    // The parent's fields need not include the join columns either.
    let rows = s
        .list(
            "Album",
            &[
                ("ids", "1"),
                ("fields", "Title"),
                ("related", "Artist_by_ArtistId"),
            ],
        )
        .await;
    assert_eq!(
        rows[0],
        json!({"Title": "For Those About To Rock We Salute You", "Artist_by_ArtistId": {"ArtistId": 1, "Name": "AC/DC"}})
    );
}

#[tokio::test]
async fn related_star_embeds_every_relation() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s.list("Album", &[("related", "*"), ("limit", "3")]).await;
    for r in &rows {
        assert!(r["Artist_by_ArtistId"].is_object(), "{r}");
        assert!(r["Track_by_AlbumId"].is_array(), "{r}");
    }
    let (_, schema) = s.get("/chinook/_schema/Track").await;
    let names: Vec<String> = schema["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let (st, body) = s.get("/chinook/_table/Track/1?related=*").await;
    assert_eq!(st, StatusCode::OK);
    for n in &names {
        assert!(body.get(n).is_some(), "related=* lacks {n}: {body}");
    }
    assert!(names.contains(&"Playlist_by_PlaylistTrack".to_string()));
    assert_eq!(
        ids_of(
            body["Playlist_by_PlaylistTrack"].as_array().unwrap(),
            "PlaylistId"
        ),
        s.sql_ids("SELECT PlaylistId FROM PlaylistTrack WHERE TrackId = 1 ORDER BY 1")
            .await
    );
    assert_eq!(
        ids_of(
            body["InvoiceLine_by_TrackId"].as_array().unwrap(),
            "InvoiceLineId"
        ),
        s.sql_ids("SELECT InvoiceLineId FROM InvoiceLine WHERE TrackId = 1 ORDER BY 1")
            .await
    );
}

#[tokio::test]
async fn related_star_still_takes_relation_parameters() {
    let Some(s) = crate::start().await else {
        return;
    };
    let rows = s
        .list(
            "Album",
            &[
                ("related", "*"),
                ("ids", "1"),
                ("Track_by_AlbumId.limit", "2"),
                ("Track_by_AlbumId.fields", "TrackId"),
            ],
        )
        .await;
    assert!(rows[0]["Artist_by_ArtistId"].is_object(), "{}", rows[0]);
    assert_eq!(
        rows[0]["Track_by_AlbumId"],
        json!([{"TrackId": 1}, {"TrackId": 6}])
    );
}

#[tokio::test]
async fn relation_errors() {
    let Some(s) = crate::start().await else {
        return;
    };
    for pairs in [
        vec![("related", "Nope")],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.fields", "Nope"),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.filter", "Nope = 1"),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.filter", "Name = "),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.order", "Nope"),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.limit", "x"),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.related", "Nope"),
        ],
        vec![
            ("related", "Track_by_AlbumId"),
            ("Track_by_AlbumId.fields", "COUNT(*)"),
        ],
    ] {
        let (st, body) = s.get(&table_path("Album", &pairs)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{pairs:?}: {body}");
    }
}
