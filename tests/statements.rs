//! No N+1: the statements behind a nested read do not grow with the number of
//! parent rows. Counted by MariaDB itself (`Com_select`, server-wide), so this
//! target holds only this test: nothing else may read from that server while
//! it counts.
#![allow(clippy::unwrap_used)]

use apiforge_tests::backend::cluster;
use apiforge_tests::{Backend, TestServer};
use serde_json::json;

const NESTED: &str = "{ Album(limit: LIMIT) { Title Artist_by_ArtistId { Name } \
     Track_by_AlbumId { Name Genre_by_GenreId { Name } } } }";

#[tokio::test]
async fn nested_reads_run_one_statement_per_level_whatever_the_rows() {
    let Some(s) = TestServer::start_on(Backend::MariaDb).await else {
        return;
    };
    let c = cluster(Backend::MariaDb).unwrap();
    let selects = || -> i64 {
        let out = c.mariadb("SHOW GLOBAL STATUS LIKE 'Com_select'");
        out.split_whitespace().last().unwrap().parse().unwrap()
    };

    let mut counts = Vec::new();
    for limit in [5, 50] {
        let query = NESTED.replace("LIMIT", &limit.to_string());
        let before = selects();
        let body = s.graphql(&query, json!({})).await;
        let after = selects();
        let albums = body["data"]["Album"].as_array().unwrap();
        assert_eq!(albums.len(), limit, "{body}");
        // Every album has its artist and its tracks, each track its genre.
        assert!(
            albums
                .iter()
                .all(|a| a["Artist_by_ArtistId"]["Name"].is_string())
        );
        assert!(albums.iter().all(|a| {
            a["Track_by_AlbumId"].as_array().is_some_and(|t| {
                !t.is_empty() && t.iter().all(|t| t["Genre_by_GenreId"].is_object())
            })
        }));
        counts.push(after - before);
    }
    // Albums, their artists, their tracks, the tracks' genres.
    assert_eq!(counts, [4, 4], "statements for limit 5 and limit 50");

    // REST's equivalent runs the same statements.
    let before = selects();
    let (status, _) = s
        .get("/chinook/_table/Album?limit=50&fields=Title&related=Artist_by_ArtistId,Track_by_AlbumId&Track_by_AlbumId.related=Genre_by_GenreId")
        .await;
    assert_eq!(status, 200);
    assert_eq!(selects() - before, 4);
}
