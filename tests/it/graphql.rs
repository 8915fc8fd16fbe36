//! GraphQL against REST: each pair asks for the same rows both ways and must
//! get identical records (filters, ordering, paging, each relation kind,
//! nesting, primary keys, aggregates, variables, aliases, fragments).

use apiforge_tests::TestServer;
use serde_json::{Value, json};

/// `data[key]` of a GraphQL answer (the key in the suite's names or, for
/// `T_by_pk`, the dataset's), failing on any error.
fn data<'a>(s: &TestServer, body: &'a Value, key: &str) -> &'a Value {
    s.data(body, key)
}

/// REST `path` (a list) and GraphQL `query` (root field `key`) give the same
/// non-empty rows.
async fn same_list(s: &TestServer, path: &str, query: &str, key: &str) {
    let (status, rest) = s.get(path).await;
    assert_eq!(status, 200, "GET {path}: {rest}");
    let rows = &rest["resource"];
    assert!(
        rows.as_array().is_some_and(|r| !r.is_empty()),
        "GET {path} gave no rows: a pair must compare something"
    );
    let gql = s.graphql(query, json!({})).await;
    assert_eq!(data(s, &gql, key), rows, "REST {path}\nGraphQL {query}");
}

macro_rules! pairs {
    ($($name:ident: $path:expr, $query:expr, $key:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(s) = crate::start().await else { return; };
            same_list(&s, $path, $query, $key).await;
        }
    )*};
}

const T: &str = "/chinook/_table";

pairs! {
    plain_list:
        &format!("{T}/Album?fields=AlbumId,Title&limit=10&order=AlbumId"),
        "{ Album(limit: 10, order_by: [{AlbumId: asc}]) { AlbumId Title } }", "Album";
    eq_filter:
        &format!("{T}/Album?fields=AlbumId,Title&filter=ArtistId%20%3D%2090"),
        "{ Album(where: {ArtistId: {_eq: 90}}) { AlbumId Title } }", "Album";
    neq_filter:
        &format!("{T}/Genre?fields=GenreId,Name&filter=GenreId%20!%3D%201"),
        "{ Genre(where: {GenreId: {_neq: 1}}) { GenreId Name } }", "Genre";
    gt_filter:
        &format!("{T}/Track?fields=TrackId,Milliseconds&filter=Milliseconds%20%3E%201000000&limit=20"),
        "{ Track(where: {Milliseconds: {_gt: 1000000}}, limit: 20) { TrackId Milliseconds } }", "Track";
    gte_filter:
        &format!("{T}/Track?fields=TrackId&filter=Milliseconds%20%3E%3D%205286953"),
        "{ Track(where: {Milliseconds: {_gte: 5286953}}) { TrackId } }", "Track";
    lt_filter:
        &format!("{T}/Track?fields=TrackId,Name&filter=Milliseconds%20%3C%2010000"),
        "{ Track(where: {Milliseconds: {_lt: 10000}}) { TrackId Name } }", "Track";
    lte_filter:
        &format!("{T}/Track?fields=TrackId&filter=Milliseconds%20%3C%3D%204884"),
        "{ Track(where: {Milliseconds: {_lte: 4884}}) { TrackId } }", "Track";
    like_filter:
        &format!("{T}/Artist?filter=Name%20like%20'A%25'"),
        "{ Artist(where: {Name: {_like: \"A%\"}}) { ArtistId Name } }", "Artist";
    not_like_filter:
        &format!("{T}/Genre?filter=Name%20not%20like%20'%25o%25'"),
        "{ Genre(where: {Name: {_nlike: \"%o%\"}}) { GenreId Name } }", "Genre";
    in_filter:
        &format!("{T}/Genre?filter=GenreId%20in%20(1,3,5)"),
        "{ Genre(where: {GenreId: {_in: [1, 3, 5]}}) { GenreId Name } }", "Genre";
    not_in_filter:
        &format!("{T}/MediaType?filter=MediaTypeId%20not%20in%20(1,2)"),
        "{ MediaType(where: {MediaTypeId: {_nin: [1, 2]}}) { MediaTypeId Name } }", "MediaType";
    is_null_filter:
        &format!("{T}/Track?fields=TrackId,Composer&filter=Composer%20is%20null&limit=30"),
        "{ Track(where: {Composer: {_is_null: true}}, limit: 30) { TrackId Composer } }", "Track";
    is_not_null_filter:
        &format!("{T}/Employee?fields=EmployeeId,ReportsTo&filter=ReportsTo%20is%20not%20null"),
        "{ Employee(where: {ReportsTo: {_is_null: false}}) { EmployeeId ReportsTo } }", "Employee";
    and_filter:
        &format!("{T}/Track?fields=TrackId&filter=(GenreId%20%3D%201)%20and%20(Milliseconds%20%3E%20400000)"),
        "{ Track(where: {GenreId: {_eq: 1}, Milliseconds: {_gt: 400000}}) { TrackId } }", "Track";
    explicit_and_filter:
        &format!("{T}/Track?fields=TrackId&filter=(GenreId%20%3D%201)%20and%20(Milliseconds%20%3E%20400000)"),
        "{ Track(where: {_and: [{GenreId: {_eq: 1}}, {Milliseconds: {_gt: 400000}}]}) { TrackId } }", "Track";
    or_filter:
        &format!("{T}/Album?fields=AlbumId&filter=(ArtistId%20%3D%201)%20or%20(ArtistId%20%3D%202)"),
        "{ Album(where: {_or: [{ArtistId: {_eq: 1}}, {ArtistId: {_eq: 2}}]}) { AlbumId } }", "Album";
    not_filter:
        &format!("{T}/Genre?filter=not%20(GenreId%20%3C%2020)"),
        "{ Genre(where: {_not: {GenreId: {_lt: 20}}}) { GenreId Name } }", "Genre";
    nested_filter:
        &format!("{T}/Album?fields=AlbumId,ArtistId&filter=(ArtistId%20%3D%201)%20or%20((ArtistId%20%3D%202)%20and%20(AlbumId%20%3E%202))"),
        "{ Album(where: {_or: [{ArtistId: {_eq: 1}}, {_and: [{ArtistId: {_eq: 2}}, {AlbumId: {_gt: 2}}]}]}) { AlbumId ArtistId } }", "Album";
    text_eq_filter:
        &format!("{T}/Customer?fields=CustomerId,City&filter=Country%20%3D%20'Brazil'"),
        "{ Customer(where: {Country: {_eq: \"Brazil\"}}) { CustomerId City } }", "Customer";
    order_desc:
        &format!("{T}/Album?fields=Title&order=Title%20desc&limit=5"),
        "{ Album(order_by: [{Title: desc}], limit: 5) { Title } }", "Album";
    order_two_columns:
        &format!("{T}/Track?fields=TrackId,AlbumId,Name&order=AlbumId%20desc,Name&limit=15"),
        "{ Track(order_by: [{AlbumId: desc}, {Name: asc}], limit: 15) { TrackId AlbumId Name } }", "Track";
    offset_paging:
        &format!("{T}/Album?fields=AlbumId&limit=5&offset=10"),
        "{ Album(limit: 5, offset: 10) { AlbumId } }", "Album";
    decimal_order:
        &format!("{T}/Invoice?fields=InvoiceId,Total&order=Total%20desc&limit=10"),
        "{ Invoice(order_by: [{Total: desc}], limit: 10) { InvoiceId Total } }", "Invoice";
    belongs_to:
        &format!("{T}/Album?fields=AlbumId,Title&limit=5&related=Artist_by_ArtistId"),
        "{ Album(limit: 5) { AlbumId Title Artist_by_ArtistId { ArtistId Name } } }", "Album";
    has_many:
        &format!("{T}/Album?fields=AlbumId&limit=3&related=Track_by_AlbumId&Track_by_AlbumId.fields=TrackId,Name"),
        "{ Album(limit: 3) { AlbumId Track_by_AlbumId { TrackId Name } } }", "Album";
    has_many_limit_per_parent:
        &format!("{T}/Album?fields=AlbumId&limit=6&related=Track_by_AlbumId&Track_by_AlbumId.fields=TrackId&Track_by_AlbumId.limit=2"),
        "{ Album(limit: 6) { AlbumId Track_by_AlbumId(limit: 2) { TrackId } } }", "Album";
    has_many_filtered:
        &format!("{T}/Album?fields=AlbumId&limit=10&related=Track_by_AlbumId&Track_by_AlbumId.fields=TrackId&Track_by_AlbumId.filter=Milliseconds%20%3E%20300000"),
        "{ Album(limit: 10) { AlbumId Track_by_AlbumId(where: {Milliseconds: {_gt: 300000}}) { TrackId } } }", "Album";
    has_many_ordered:
        &format!("{T}/Album?fields=AlbumId&limit=3&related=Track_by_AlbumId&Track_by_AlbumId.fields=Name&Track_by_AlbumId.order=Name%20desc"),
        "{ Album(limit: 3) { AlbumId Track_by_AlbumId(order_by: [{Name: desc}]) { Name } } }", "Album";
    many_many:
        &format!("{T}/Track?fields=TrackId&limit=3&related=Playlist_by_PlaylistTrack"),
        "{ Track(limit: 3) { TrackId Playlist_by_PlaylistTrack { PlaylistId Name } } }", "Track";
    nested_two_levels:
        &format!("{T}/Album?fields=AlbumId&limit=3&related=Track_by_AlbumId&Track_by_AlbumId.fields=TrackId,Name&Track_by_AlbumId.related=Genre_by_GenreId"),
        "{ Album(limit: 3) { AlbumId Track_by_AlbumId { TrackId Name Genre_by_GenreId { GenreId Name } } } }", "Album";
    nested_has_many_twice:
        &format!("{T}/Artist?fields=ArtistId&limit=4&related=Album_by_ArtistId&Album_by_ArtistId.fields=Title&Album_by_ArtistId.related=Track_by_AlbumId&Album_by_ArtistId.Track_by_AlbumId.fields=TrackId"),
        "{ Artist(limit: 4) { ArtistId Album_by_ArtistId { Title Track_by_AlbumId { TrackId } } } }", "Artist";
    belongs_to_employee:
        &format!("{T}/Customer?fields=CustomerId&limit=5&related=Employee_by_SupportRepId&Employee_by_SupportRepId.fields=EmployeeId,LastName"),
        "{ Customer(limit: 5) { CustomerId Employee_by_SupportRepId { EmployeeId LastName } } }", "Customer";
    invoice_lines:
        &format!("{T}/Invoice?fields=InvoiceId,Total&limit=3&related=InvoiceLine_by_InvoiceId&InvoiceLine_by_InvoiceId.fields=InvoiceLineId,UnitPrice,Quantity"),
        "{ Invoice(limit: 3) { InvoiceId Total InvoiceLine_by_InvoiceId { InvoiceLineId UnitPrice Quantity } } }", "Invoice";
    fragment_spread:
        &format!("{T}/Album?fields=AlbumId,Title&limit=4"),
        "fragment F on Album { AlbumId Title } { Album(limit: 4) { ...F } }", "Album";
    inline_fragment_and_skip:
        &format!("{T}/Album?fields=AlbumId,Title&limit=4"),
        "{ Album(limit: 4) { ... on Album { AlbumId } Title ArtistId @skip(if: true) } }", "Album";
}

#[tokio::test]
async fn by_primary_key() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, rest) = s.get(&format!("{T}/Album/10?fields=AlbumId,Title")).await;
    let gql = s
        .graphql("{ Album_by_pk(AlbumId: 10) { AlbumId Title } }", json!({}))
        .await;
    assert_eq!(data(&s, &gql, "Album_by_pk"), &rest);

    let (_, rest) = s
        .get(&format!(
            "{T}/Track/5?fields=Name&related=Album_by_AlbumId&Album_by_AlbumId.fields=Title"
        ))
        .await;
    let gql = s
        .graphql(
            "{ Track_by_pk(TrackId: 5) { Name Album_by_AlbumId { Title } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&s, &gql, "Track_by_pk"), &rest);

    // A composite key, and a key that matches nothing.
    let (_, rest) = s.get(&format!("{T}/PlaylistTrack/1,3402")).await;
    let gql = s
        .graphql(
            "{ PlaylistTrack_by_pk(PlaylistId: 1, TrackId: 3402) { PlaylistId TrackId } none: Album_by_pk(AlbumId: 999999) { Title } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&s, &gql, "PlaylistTrack_by_pk"), &rest);
    assert_eq!(gql["data"]["none"], Value::Null);
}

#[tokio::test]
async fn aggregates() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, rest) = s
        .get(&format!(
            "{T}/Track?fields=COUNT(*),SUM(Milliseconds),AVG(Milliseconds),MIN(Name),MAX(Milliseconds)&filter=GenreId%20%3D%201"
        ))
        .await;
    let r = &rest["resource"][0];
    let gql = s
        .graphql(
            "{ Track_aggregate(where: {GenreId: {_eq: 1}}) { count sum { Milliseconds } avg { Milliseconds } min { Name } max { Milliseconds } } }",
            json!({}),
        )
        .await;
    let a = data(&s, &gql, "Track_aggregate");
    assert_eq!(a["count"], r["COUNT(*)"]);
    assert!(a["count"].as_i64().is_some_and(|n| n > 100), "{a}");
    assert_eq!(a["sum"]["Milliseconds"], r["SUM(Milliseconds)"]);
    assert_eq!(a["avg"]["Milliseconds"], r["AVG(Milliseconds)"]);
    assert_eq!(a["min"]["Name"], r["MIN(Name)"]);
    assert_eq!(a["max"]["Milliseconds"], r["MAX(Milliseconds)"]);

    let (_, all) = s.get(&format!("{T}/Album?fields=COUNT(*)")).await;
    let gql = s.graphql("{ Album_aggregate { count } }", json!({})).await;
    assert_eq!(
        data(&s, &gql, "Album_aggregate")["count"],
        all["resource"][0]["COUNT(*)"]
    );
}

#[tokio::test]
async fn variables_and_aliases() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (_, rest) = s
        .get(&format!(
            "{T}/Track?fields=TrackId,Name&filter=GenreId%20%3D%202&limit=10"
        ))
        .await;
    let gql = s
        .graphql(
            "query Q($g: Int!, $n: Int = 10) { Track(where: {GenreId: {_eq: $g}}, limit: $n) { TrackId Name } }",
            json!({ "g": 2 }),
        )
        .await;
    assert_eq!(data(&s, &gql, "Track"), &rest["resource"]);

    let (_, first) = s.get(&format!("{T}/Album?fields=AlbumId&limit=2")).await;
    let (_, next) = s
        .get(&format!("{T}/Album?fields=AlbumId&limit=2&offset=2"))
        .await;
    let gql = s
        .graphql(
            "{ a: Album(limit: 2) { id: AlbumId } b: Album(limit: 2, offset: 2) { AlbumId } __typename }",
            json!({}),
        )
        .await;
    let ids = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_object().unwrap().values().next().unwrap().clone())
            .collect()
    };
    assert_eq!(ids(&gql["data"]["a"]), ids(&first["resource"]));
    assert_eq!(ids(&gql["data"]["b"]), ids(&next["resource"]));
    assert_eq!(
        gql["data"]["a"][0]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap(),
        "id"
    );
    assert_eq!(gql["data"]["__typename"], "Query");
}

#[tokio::test]
async fn keys_follow_the_selection() {
    let Some(s) = crate::start().await else {
        return;
    };
    let gql = s
        .graphql(
            "{ Album(limit: 1) { Title __typename Artist_by_ArtistId { Name } AlbumId t2: Title } }",
            json!({}),
        )
        .await;
    let row = data(&s, &gql, "Album")[0].as_object().unwrap().clone();
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["Title", "__typename", "Artist_by_ArtistId", "AlbumId", "t2"]
    );
    assert_eq!(row["__typename"], "Album");
    assert_eq!(row["Title"], row["t2"]);
}

#[tokio::test]
async fn bad_queries_answer_errors() {
    let Some(s) = crate::start().await else {
        return;
    };
    for (query, says) in [
        ("{ Album { Nope } }", "Unknown field"),
        (
            "{ Album(where: {Title: {_eq: 5}}) { Title } }",
            "Invalid value",
        ),
        ("{ Album( ", "expected"),
        ("{ Album(limit: -1) { Title } }", "limit"),
        (
            "{ Album(order_by: [{Title: sideways}]) { Title } }",
            "order_by",
        ),
        (
            "{ __schema { queryType { name } } Album { Title } }",
            "separate requests",
        ),
        ("mutation { x }", "mutation"),
    ] {
        let body = s.graphql(query, json!({})).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: no errors in {body}"));
        let message = errors[0]["message"].as_str().unwrap_or_default();
        assert!(
            message.to_lowercase().contains(&says.to_lowercase()),
            "{query}: {message}"
        );
        assert!(errors[0]["extensions"]["code"].is_string(), "{body}");
    }
    // Introspection alone works.
    let body = s
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    // (On PostgreSQL the harness spells the key `name` as the column `Name`.)
    let query_type = body["data"]["__schema"]["queryType"].as_object().unwrap();
    assert_eq!(query_type.values().next().unwrap(), "Query", "{body}");
}

#[tokio::test]
async fn insert_many_with_returning() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Artist").await;
    let body = s
        .graphql(
            "mutation { insert_Artist(objects: [{Name: \"Zq one\"}, {Name: \"Zq two\"}]) { affected_rows returning { ArtistId Name } } }",
            json!({}),
        )
        .await;
    let r = data(&s, &body, "insert_Artist");
    assert_eq!(r["affected_rows"], 2, "{body}");
    let returned = r["returning"].as_array().unwrap();
    let names: Vec<&str> = returned
        .iter()
        .map(|x| x["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Zq one", "Zq two"]);
    assert_eq!(s.count("Artist").await, before + 2);
    // What came back is what is stored.
    for row in returned {
        let (_, rest) = s.get(&format!("{T}/Artist/{}", row["ArtistId"])).await;
        assert_eq!(&rest, row);
    }
}

#[tokio::test]
async fn update_and_delete_by_filter_and_by_pk() {
    let Some(s) = crate::start().await else {
        return;
    };
    let body = s
        .graphql(
            "mutation { update_Album(where: {ArtistId: {_eq: 1}}, _set: {Title: \"Zq\"}) { affected_rows returning { AlbumId Title } } }",
            json!({}),
        )
        .await;
    let r = data(&s, &body, "update_Album");
    assert_eq!(r["affected_rows"], 2, "{body}");
    assert!(
        r["returning"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["Title"] == "Zq")
    );
    let (_, rest) = s
        .get(&format!("{T}/Album?filter=ArtistId%20%3D%201&fields=Title"))
        .await;
    assert!(
        rest["resource"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["Title"] == "Zq")
    );

    let body = s
        .graphql(
            "mutation($id: Int!) { update_Album_by_pk(pk_columns: {AlbumId: $id}, _set: {Title: \"Zr\"}) { AlbumId Title } }",
            json!({ "id": 5 }),
        )
        .await;
    assert_eq!(
        data(&s, &body, "update_Album_by_pk")["Title"],
        "Zr",
        "{body}"
    );
    let body = s
        .graphql(
            "mutation { update_Album_by_pk(pk_columns: {AlbumId: 999999}, _set: {Title: \"x\"}) { AlbumId } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&s, &body, "update_Album_by_pk"), &Value::Null);

    // Deletes answer with the rows as they were.
    let before = s.count("PlaylistTrack").await;
    let body = s
        .graphql(
            "mutation { delete_PlaylistTrack(where: {PlaylistId: {_eq: 18}}) { affected_rows returning { TrackId } } }",
            json!({}),
        )
        .await;
    let r = data(&s, &body, "delete_PlaylistTrack");
    let n = r["affected_rows"].as_i64().unwrap();
    assert!(n > 0, "{body}");
    assert_eq!(r["returning"].as_array().unwrap().len() as i64, n);
    assert_eq!(s.count("PlaylistTrack").await, before - n);

    let body = s
        .graphql(
            "mutation { delete_PlaylistTrack_by_pk(PlaylistId: 1, TrackId: 3402) { PlaylistId TrackId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&s, &body, "delete_PlaylistTrack_by_pk")["TrackId"],
        3402,
        "{body}"
    );
    assert_eq!(s.count("PlaylistTrack").await, before - n - 1);
}

/// The error of the first field, checked for its path and code.
fn error_of(body: &Value, path: &str, code: &str) -> String {
    assert_eq!(body["data"], Value::Null, "{body}");
    let e = &body["errors"][0];
    let p = e["path"][0].as_str().unwrap_or_default().to_lowercase();
    assert_eq!(p, path.to_lowercase(), "{body}");
    assert_eq!(e["extensions"]["code"], code, "{body}");
    e["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_failing_record_rolls_back_the_whole_insert() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Artist").await;
    let body = s
        .graphql(
            "mutation { insert_Artist(objects: [{Name: \"Zq fine\"}, {ArtistId: 1, Name: \"Zq taken\"}]) { affected_rows } }",
            json!({}),
        )
        .await;
    let msg = error_of(&body, "insert_Artist", "CONFLICT");
    assert!(
        msg.contains("Record 1") && msg.contains("Nothing was written"),
        "{msg}"
    );
    assert_eq!(s.count("Artist").await, before);
}

#[tokio::test]
async fn constraint_errors_surface_with_a_code() {
    let Some(s) = crate::start().await else {
        return;
    };
    let before = s.count("Album").await;
    let body = s
        .graphql(
            "mutation { insert_Album(objects: [{Title: \"Zq\", ArtistId: 999999}]) { affected_rows } }",
            json!({}),
        )
        .await;
    let msg = error_of(&body, "insert_Album", "CONFLICT");
    assert!(msg.contains("relation"), "{msg}");
    let body = s
        .graphql(
            "mutation { insert_Album(objects: [{ArtistId: 1}]) { affected_rows } }",
            json!({}),
        )
        .await;
    let msg = error_of(&body, "insert_Album", "BAD_REQUEST");
    assert!(msg.contains("Title"), "{msg}");
    // An artist with albums cannot go.
    let body = s
        .graphql(
            "mutation { delete_Artist_by_pk(ArtistId: 1) { ArtistId } }",
            json!({}),
        )
        .await;
    error_of(&body, "delete_Artist_by_pk", "CONFLICT");
    assert_eq!(s.count("Album").await, before);
    assert!(
        !s.graphql("{ Artist_by_pk(ArtistId: 1) { Name } }", json!({}))
            .await["data"]
            .is_null()
    );
}

#[tokio::test]
async fn depth_and_complexity_are_limited() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Artist → albums → artist → … 16 levels (the default limit is 15).
    let mut deep = String::from("{ Artist(limit: 1) { ");
    for n in 0..16 {
        deep.push_str(if n % 2 == 0 {
            "Album_by_ArtistId { "
        } else {
            "Artist_by_ArtistId { "
        });
    }
    deep.push_str("Name");
    deep.push_str(&" }".repeat(18));
    let body = s.graphql(&deep, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{body}"
    );

    let wide: String = (0..1100).map(|n| format!("f{n}: Title ")).collect();
    let body = s
        .graphql(&format!("{{ Album(limit: 1) {{ {wide} }} }}"), json!({}))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{body}"
    );

    // Per service: a shallow one refuses what the default allows.
    s.add_chinook_service("shallow", json!({ "graphql_max_depth": 2 }))
        .await;
    let (_, body) = s
        .post(
            "/shallow/graphql",
            json!({ "query": s.path("{ Album(limit: 1) { Artist_by_ArtistId { Name } } }") }),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{body}"
    );
    let (_, body) = s
        .post(
            "/shallow/graphql",
            json!({ "query": s.path("{ Album(limit: 1) { Title } }") }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn nulls_first_and_last() {
    let Some(s) = crate::start().await else {
        return;
    };
    // Albums 1–10 hold tracks with and without a composer.
    let composers = |body: &Value| -> Vec<bool> {
        data(&s, body, "Track")
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["Composer"].is_null())
            .collect()
    };
    let q = |order: &str| {
        format!(
            "{{ Track(where: {{AlbumId: {{_lte: 10}}}}, order_by: [{{Composer: {order}}}]) {{ TrackId Composer }} }}"
        )
    };
    for (order, nulls_first) in [
        ("asc_nulls_first", true),
        ("asc_nulls_last", false),
        ("desc_nulls_first", true),
        ("desc_nulls_last", false),
    ] {
        let body = s.graphql(&q(order), json!({})).await;
        let nulls = composers(&body);
        let n = nulls.iter().filter(|x| **x).count();
        assert!(n > 0 && n < nulls.len(), "{order}: {body}");
        let expected: Vec<bool> = if nulls_first {
            (0..nulls.len()).map(|i| i < n).collect()
        } else {
            (0..nulls.len()).map(|i| i >= nulls.len() - n).collect()
        };
        assert_eq!(nulls, expected, "{order}");
    }
    // Between the non-null values, the direction holds.
    let body = s.graphql(&q("desc_nulls_last"), json!({})).await;
    let names: Vec<String> = data(&s, &body, "Track")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["Composer"].as_str().map(str::to_owned))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names.len(), sorted.len());
    assert_eq!(
        names.first().map(|x| x.as_str()),
        sorted.first().map(|x| x.as_str())
    );
}

#[tokio::test]
async fn the_schema_follows_a_refresh() {
    let Some(s) = crate::start().await else {
        return;
    };
    // A table the suite's names do not know, so it is created as spelled on
    // every backend.
    let create = match s.backend {
        apiforge_tests::Backend::MariaDb => {
            "CREATE TABLE zq_note (id INT PRIMARY KEY, body VARCHAR(50))"
        }
        _ => "CREATE TABLE zq_note (id INTEGER PRIMARY KEY, body TEXT)",
    };
    s.sql_exec(create).await;
    s.sql_exec("INSERT INTO zq_note (id, body) VALUES (1, 'hello')")
        .await;
    let before = s.graphql("{ zq_note { body } }", json!({})).await;
    assert!(
        before["errors"].is_array(),
        "not there before a refresh: {before}"
    );

    let (status, body) = s.post("/system/service/chinook/_refresh", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let after = s.graphql("{ zq_note { id body } }", json!({})).await;
    assert_eq!(
        after["data"]["zq_note"],
        json!([{ "id": 1, "body": "hello" }]),
        "{after}"
    );
}

/// The caller's schema as SDL (SPEC.md, "API docs"): an admin's names every
/// table, with its mutations.
#[tokio::test]
async fn schema_graphql_is_the_callers_sdl() {
    let Some(s) = crate::start().await else {
        return;
    };
    let resp = s
        .request(reqwest::Method::GET, "/chinook/graphql/schema.graphql")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()[reqwest::header::CONTENT_TYPE].clone();
    assert!(content_type.to_str().unwrap().starts_with("text/plain"));
    let sdl = resp.text().await.unwrap();
    for expected in [
        "type Album {",
        "Artist_by_ArtistId: Artist",
        "insert_Album(objects: [Album_insert_input!]!): Album_mutation_response",
        "schema {",
    ] {
        // In this backend's spelling of the names.
        let expected = s.path(expected);
        assert!(sdl.contains(&expected), "{expected} not in:\n{sdl}");
    }
    let (status, body) = s.get("/nope/graphql/schema.graphql").await;
    assert_eq!(status, 404, "{body}");
}
