use reqwest::StatusCode;

#[tokio::test]
async fn server_starts_and_lists_tables() {
    let Some(s) = crate::start().await else {
        return;
    };
    let (st, body) = s.get("/chinook/_table").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["resource"].as_array().unwrap().len(), 11, "{body}");
    assert_eq!(s.count("Album").await, 347);
}
