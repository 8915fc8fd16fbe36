//! Services, `_table` and `_schema`, and the JSON types of values.

use reqwest::StatusCode;
use serde_json::{Value, json};

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == json!(name))
        .unwrap_or_else(|| panic!("no '{name}' in {list}"))
}

#[tokio::test]
async fn services_and_tables_are_listed() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s.get("").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let chinook = find(&body["resource"], "chinook");
    assert_eq!(chinook["type"], json!(s.backend.service_type()));
    assert!(chinook["label"].is_string());
    find(&body["resource"], "system");

    let (st, body) = s.get("/chinook/_table").await;
    assert_eq!(st, StatusCode::OK);
    let mut got: Vec<String> = body["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let want: Vec<String> = s
        .sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .await
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want);

    let (st, body) = s.get("/chinook/_schema").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["resource"].as_array().unwrap().len(), want.len());
}

#[tokio::test]
async fn table_schema_matches_the_database() {
    let Some(s) = crate::start().await else {
        return;
    };
    for table in [
        "Album",
        "Track",
        "Invoice",
        "Employee",
        "PlaylistTrack",
        "Customer",
    ] {
        let (st, body) = s.get(&format!("/chinook/_schema/{table}")).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert_eq!(body["name"], json!(table));
        assert_eq!(body["is_view"], json!(false));
        let info = s
            .sql(&format!("SELECT name, \"notnull\" AS nn, pk, type FROM pragma_table_info('{table}') ORDER BY cid"))
            .await;
        let fields = body["fields"].as_array().unwrap();
        assert_eq!(fields.len(), info.len(), "{table}");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (f, c) in fields.iter().zip(&info) {
            assert_eq!(f["name"], c["name"], "{table}");
            assert_eq!(
                f["allow_null"],
                json!(c["nn"] == json!(0)),
                "{table}.{}",
                c["name"]
            );
            assert_eq!(
                f["is_primary_key"],
                json!(c["pk"] != json!(0)),
                "{table}.{}",
                c["name"]
            );
            assert_eq!(f["db_type"], c["type"], "{table}.{}", c["name"]);
            if c["pk"] != json!(0) {
                pk.push((
                    c["pk"].as_i64().unwrap(),
                    c["name"].as_str().unwrap().to_string(),
                ));
            }
        }
        pk.sort();
        let pk: Vec<String> = pk.into_iter().map(|(_, n)| n).collect();
        assert_eq!(body["primary_key"], json!(pk), "{table}");
        // Foreign keys as the database declares them.
        let fks = s
            .sql(&format!("SELECT \"from\" AS f, \"table\" AS t, \"to\" AS c FROM pragma_foreign_key_list('{table}')"))
            .await;
        for f in fields {
            let fk = fks.iter().find(|k| k["f"] == f["name"]);
            assert_eq!(
                f["is_foreign_key"],
                json!(fk.is_some()),
                "{table}.{}",
                f["name"]
            );
            if let Some(k) = fk {
                assert_eq!(f["ref_table"], k["t"]);
                assert_eq!(f["ref_field"], k["c"]);
            } else {
                assert_eq!(f["ref_table"], Value::Null);
            }
        }
    }
}

#[tokio::test]
async fn field_types() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, body) = s.get("/chinook/_schema/Invoice").await;
    let ty = |name: &str| {
        find(&body["fields"], name)["type"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(ty("InvoiceId"), "integer");
    assert_eq!(ty("BillingCity"), "string");
    assert_eq!(ty("InvoiceDate"), "datetime");
    assert!(
        ["decimal", "float", "double", "money"].contains(&ty("Total").as_str()),
        "{}",
        ty("Total")
    );
    assert_eq!(
        find(&body["fields"], "InvoiceId")["auto_increment"],
        json!(true)
    );
}

#[tokio::test]
async fn relationships_are_described() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, album) = s.get("/chinook/_schema/Album").await;
    let artist = find(&album["relationships"], "Artist_by_ArtistId");
    assert_eq!(artist["type"], json!("belongs_to"));
    assert_eq!(artist["ref_table"], json!("Artist"));
    assert_eq!(artist["fields"], json!(["ArtistId"]));
    assert_eq!(artist["ref_fields"], json!(["ArtistId"]));
    let tracks = find(&album["relationships"], "Track_by_AlbumId");
    assert_eq!(tracks["type"], json!("has_many"));
    assert_eq!(tracks["ref_table"], json!("Track"));
    assert_eq!(tracks["ref_fields"], json!(["AlbumId"]));

    let (_, track) = s.get("/chinook/_schema/Track").await;
    let pl = find(&track["relationships"], "Playlist_by_PlaylistTrack");
    assert_eq!(pl["type"], json!("many_many"));
    assert_eq!(pl["ref_table"], json!("Playlist"));
    assert_eq!(pl["junction_table"], json!("PlaylistTrack"));
    assert_eq!(pl["fields"], json!(["TrackId"]));
    assert_eq!(pl["junction_fields"], json!(["TrackId"]));
    assert_eq!(pl["junction_ref_fields"], json!(["PlaylistId"]));
    assert_eq!(pl["ref_fields"], json!(["PlaylistId"]));
    for name in [
        "Album_by_AlbumId",
        "Genre_by_GenreId",
        "MediaType_by_MediaTypeId",
        "InvoiceLine_by_TrackId",
        "PlaylistTrack_by_TrackId",
    ] {
        find(&track["relationships"], name);
    }

    let (_, playlist) = s.get("/chinook/_schema/Playlist").await;
    let tr = find(&playlist["relationships"], "Track_by_PlaylistTrack");
    assert_eq!(tr["type"], json!("many_many"));
    assert_eq!(tr["ref_table"], json!("Track"));

    let (_, emp) = s.get("/chinook/_schema/Employee").await;
    assert_eq!(
        find(&emp["relationships"], "Employee_by_ReportsTo")["type"],
        json!("belongs_to")
    );
    assert_eq!(
        find(&emp["relationships"], "Employee_by_ReportsTo_has_many")["type"],
        json!("has_many")
    );
    assert_eq!(
        find(&emp["relationships"], "Customer_by_SupportRepId")["type"],
        json!("has_many")
    );
    // Names are unique per table.
    for body in [&album, &track, &playlist, &emp] {
        let mut names: Vec<&str> = body["relationships"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            n,
            "duplicate relation names in {}",
            body["name"]
        );
    }
}

#[tokio::test]
async fn values_keep_their_json_types() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, inv) = s.get("/chinook/_table/Invoice/1").await;
    assert!(inv["InvoiceId"].is_i64());
    assert!(inv["Total"].is_number(), "{inv}");
    let sql = s
        .sql("SELECT Total, InvoiceDate, BillingState FROM Invoice WHERE InvoiceId = 1")
        .await;
    assert_eq!(inv["Total"].as_f64(), sql[0]["Total"].as_f64());
    // Timestamps are ISO-8601.
    let date = inv["InvoiceDate"].as_str().unwrap();
    assert_eq!(
        date,
        sql[0]["InvoiceDate"]
            .as_str()
            .unwrap()
            .replacen(' ', "T", 1)
    );
    // NULL is null.
    assert_eq!(inv["BillingState"], sql[0]["BillingState"]);
    let (_, t) = s.get("/chinook/_table/Track/1").await;
    assert_eq!(t["UnitPrice"], json!(0.99));
    assert_eq!(t["Bytes"], json!(11170334));
    let (_, t) = s.get("/chinook/_table/Track/63").await;
    let composer = s.sql("SELECT Composer FROM Track WHERE TrackId = 63").await;
    assert_eq!(t["Composer"], composer[0]["Composer"]);
}
