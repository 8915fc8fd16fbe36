//! The generated OpenAPI document, pinned and checked: the Chinook document as
//! an admin sees it (an insta snapshot, and valid OpenAPI 3.1 by
//! `openapi-spec-validator`, which nobody here wrote), and a role's document,
//! which lists only what the role may call.
//!
//! The validator is Python (`pip install openapi-spec-validator`). Without it
//! the test prints SKIPPED and passes, unless `APIFORGE_REQUIRE_BACKENDS=1`
//! (CI) makes that a failure.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use apiforge::catalog::discover::discover;
use apiforge::catalog::{Catalog, Column, JsonType, Table};
use apiforge::openapi::{ServiceInfo, document};
use apiforge::query::Backend;
use apiforge::query::plan::{Access, Budget, Context, Gate, Grant, Limits, Verb, table_component};
use sea_orm::Database;
use serde_json::Value;

/// The Chinook sample's catalog, discovered from a private copy of the file.
async fn chinook() -> Catalog {
    // One folder per call: the tests run at once, and each removes its own.
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "apiforge-openapi-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("chinook.sqlite");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/demo/chinook.sqlite"),
        &path,
    )
    .unwrap();
    let conn = Database::connect(format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let tables = discover(&conn, None).await.unwrap();
    conn.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Catalog::new(tables)
}

const INFO: ServiceInfo<'static> = ServiceInfo {
    name: "chinook",
    label: "Chinook",
    description: "The Chinook sample database.",
};

fn context<'a>(catalog: &'a Catalog, access: Access<'a>, read_only: bool) -> Context<'a> {
    Context {
        catalog,
        limits: Limits {
            max_records: 1000,
            backend: Backend::Sqlite,
            budget: Budget::UNLIMITED,
            max_list_items: 1000,
        },
        service: "chinook",
        read_only,
        access,
    }
}

fn doc(catalog: &Catalog, access: Access<'_>) -> Value {
    serde_json::to_value(document(&context(catalog, access, false), INFO)).unwrap()
}

/// A role allowed exactly the listed verbs on the listed components.
struct Rules(Vec<(String, Verb)>);

impl Gate for Rules {
    fn grant(&self, component: &str, verb: Verb) -> Grant {
        if self.0.iter().any(|(c, v)| *v == verb && c == component) {
            Grant::Allow(None)
        } else {
            Grant::Deny
        }
    }

    fn who(&self) -> &str {
        "role 'album_reader'"
    }
}

fn methods(item: &Value) -> Vec<&str> {
    let mut m: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| ["get", "post", "put", "patch", "delete"].contains(k))
        .collect();
    m.sort_unstable();
    m
}

#[tokio::test]
async fn chinook_admin_document() {
    let catalog = chinook().await;
    let a = document(&context(&catalog, Access::Full, false), INFO);
    let json = a.to_pretty_json().unwrap();
    // Built twice, written twice: the same text (the snapshot depends on it).
    let b = document(&context(&catalog, Access::Full, false), INFO);
    assert_eq!(json, b.to_pretty_json().unwrap());
    insta::assert_snapshot!(json);
}

#[tokio::test]
async fn admin_document_has_every_verb_typed() {
    let d = doc(&chinook().await, Access::Full);
    assert_eq!(d["openapi"], "3.1.0");
    assert_eq!(d["servers"][0]["url"], "/api/v2");
    let paths = d["paths"].as_object().unwrap();
    assert_eq!(
        methods(&paths["/chinook/_table/Album"]),
        ["delete", "get", "patch", "post", "put"]
    );
    assert_eq!(
        methods(&paths["/chinook/_table/Album/{id}"]),
        ["delete", "get", "patch", "put"]
    );
    // PlaylistTrack's key is composite: its {id} is a string `v1,v2`.
    let composite = &paths["/chinook/_table/PlaylistTrack/{id}"]["parameters"][0];
    assert_eq!(composite["schema"]["type"], "string");
    assert_eq!(composite["schema"]["pattern"], "^[^,]*(,[^,]*){1}$");
    let album_id = &paths["/chinook/_table/Album/{id}"]["parameters"][0];
    assert_eq!(album_id["schema"]["type"], "integer");

    let schemas = &d["components"]["schemas"];
    let album = &schemas["Album"]["properties"];
    assert_eq!(album["AlbumId"]["type"], "integer");
    assert_eq!(album["AlbumId"]["format"], "int64");
    assert_eq!(album["AlbumId"]["readOnly"], true);
    assert_eq!(album["Title"]["maxLength"], 160);
    assert_eq!(
        album["Artist_by_ArtistId"]["oneOf"][0]["$ref"],
        "#/components/schemas/Artist"
    );
    assert_eq!(
        album["Track_by_AlbumId"]["items"]["$ref"],
        "#/components/schemas/Track"
    );
    // Nullable in 3.1's style.
    assert_eq!(
        schemas["Track"]["properties"]["Composer"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(
        schemas["Invoice"]["properties"]["Total"]["type"],
        serde_json::json!(["number", "string"])
    );
    // Insert: NOT NULL without a default and not generated.
    assert_eq!(
        schemas["Album_insert"]["required"],
        serde_json::json!(["Title", "ArtistId"])
    );
    assert_eq!(schemas["Album_insert"]["additionalProperties"], false);
    assert!(schemas["Album_update"].get("required").is_none());

    // related= offers Album's relations, comma-separated.
    let list = &paths["/chinook/_table/Album"]["get"];
    let related = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "related")
        .unwrap();
    assert_eq!(related["explode"], false);
    assert_eq!(
        related["schema"]["items"]["enum"],
        serde_json::json!(["*", "Artist_by_ArtistId", "Track_by_AlbumId"])
    );
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in [
        "fields",
        "filter",
        "order",
        "limit",
        "offset",
        "include_count",
        "count_only",
        "ids",
        "id_field",
        "group",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let post = &paths["/chinook/_table/Album"]["post"];
    for code in [
        "201", "400", "401", "403", "404", "409", "413", "429", "503",
    ] {
        assert!(post["responses"].get(code).is_some(), "POST lacks {code}");
    }
    assert_eq!(
        d["components"]["responses"]["Conflict"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/apiforge.Error"
    );
    let schemes = d["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["api_key_header"]["name"], "X-Api-Key");
    assert_eq!(schemes["api_key_query"]["in"], "query");
    assert_eq!(schemes["session"]["scheme"], "bearer");
    assert_eq!(d["security"].as_array().unwrap().len(), 3);
}

/// A role that may only GET Album sees Album's read paths and nothing else:
/// no write, no other table's paths, and no schema Album's paths do not use.
#[tokio::test]
async fn a_reader_of_album_sees_only_album_reads() {
    let catalog = chinook().await;
    let gate = Rules(vec![(table_component("Album"), Verb::Get)]);
    let d = doc(&catalog, Access::Role(&gate));
    let paths = d["paths"].as_object().unwrap();
    let mut keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "/chinook/_table",
            "/chinook/_table/Album",
            "/chinook/_table/Album/{id}"
        ]
    );
    assert_eq!(methods(&paths["/chinook/_table/Album"]), ["get"]);
    assert_eq!(methods(&paths["/chinook/_table/Album/{id}"]), ["get"]);
    let mut schemas: Vec<&str> = d["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    schemas.sort_unstable();
    assert_eq!(
        schemas,
        [
            "Album",
            "apiforge.Error",
            "apiforge.Meta",
            "apiforge.TableNames",
            "apiforge.TableSchema"
        ]
    );
    // Neither Artist nor Track may be read: no relation to embed, none in the record.
    let related = d["paths"]["/chinook/_table/Album"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "related")
        .unwrap()
        .clone();
    assert_eq!(related["schema"]["items"]["enum"], serde_json::json!(["*"]));
    let album = d["components"]["schemas"]["Album"]["properties"]
        .as_object()
        .unwrap();
    assert!(!album.contains_key("Artist_by_ArtistId"));
    assert!(
        d["info"]["description"]
            .as_str()
            .unwrap()
            .contains("role 'album_reader'")
    );
}

/// A read-only service offers reads only, even to an admin; so does a view.
#[tokio::test]
async fn read_only_services_and_views_offer_no_writes() {
    let catalog = chinook().await;
    let d = serde_json::to_value(document(&context(&catalog, Access::Full, true), INFO)).unwrap();
    for (path, item) in d["paths"].as_object().unwrap() {
        assert_eq!(methods(item), ["get"], "{path}");
    }
    let view = Table {
        name: "album titles".into(),
        is_view: true,
        columns: vec![Column {
            name: "Title".into(),
            db_type: "NVARCHAR(160)".into(),
            json_type: JsonType::String,
            nullable: true,
            default: None,
            is_primary_key: false,
            auto_increment: false,
            cast: None,
        }],
        primary_key: vec![],
        foreign_keys: vec![],
        relations: vec![],
    };
    let d = doc(&Catalog::new(vec![view]), Access::Full);
    // The name is one path segment, percent-encoded; a keyless view has no {id} path.
    let paths = d["paths"].as_object().unwrap();
    assert_eq!(methods(&paths["/chinook/_table/album%20titles"]), ["get"]);
    assert!(!paths.keys().any(|k| k.contains("{id}")));
    assert!(d["components"]["schemas"].get("album_titles").is_some());
}

/// The Chinook document is valid OpenAPI 3.1 for a validator that nobody here wrote.
#[tokio::test]
async fn chinook_document_validates_as_openapi_3_1() {
    // .ci/run installs the validator in a venv and names its python here.
    let python = std::env::var("APIFORGE_OPENAPI_PYTHON").unwrap_or_else(|_| "python3".into());
    let have = Command::new(&python)
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var("APIFORGE_REQUIRE_BACKENDS").as_deref() != Ok("1"),
            "openapi-spec-validator is required (APIFORGE_REQUIRE_BACKENDS=1): pip install openapi-spec-validator"
        );
        eprintln!("SKIPPED: python3 -m openapi_spec_validator is not installed");
        return;
    }
    let catalog = chinook().await;
    let gate = Rules(vec![(table_component("Album"), Verb::Get)]);
    for (name, access) in [("admin", Access::Full), ("reader", Access::Role(&gate))] {
        let json = document(&context(&catalog, access, false), INFO)
            .to_pretty_json()
            .unwrap();
        let path = std::env::temp_dir().join(format!(
            "apiforge-openapi-{}-{name}.json",
            std::process::id()
        ));
        std::fs::write(&path, json).unwrap();
        let out = Command::new(&python)
            .args(["-m", "openapi_spec_validator"])
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "{name}'s document is not valid OpenAPI 3.1:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
