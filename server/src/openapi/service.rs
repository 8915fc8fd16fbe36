//! One service's document: its paths, shaped to what the caller may call.
//!
//! Whether an operation is listed is the planning context's answer
//! (`Context::guard`, `Context::writable`, `described_tables`), the same
//! question the handler asks when the call comes: the document never offers
//! what the planner would refuse, and never decides access itself.

use std::collections::{BTreeMap, BTreeSet};

use utoipa::openapi::path::{OperationBuilder, PathItemBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, Array};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder,
    PathsBuilder, Required, ServerBuilder, Tag,
};

use super::params;
use super::responses::{self, Refusal};
use super::schemas::{self, Names, TABLE_NAMES, TABLE_SCHEMA};
use crate::catalog::Table;
use crate::query::plan::{Context, Verb};

/// What the document says about the service besides its catalog.
#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub description: &'a str,
}

/// The security schemes' names, applied to every operation (any one of them).
const API_KEY_HEADER: &str = "api_key_header";
const API_KEY_QUERY: &str = "api_key_query";
const SESSION: &str = "session";

/// The OpenAPI 3.1 document of the service's REST API for the caller whose
/// access `ctx` carries.
pub fn document(ctx: &Context<'_>, info: ServiceInfo<'_>) -> OpenApi {
    let names = schemas::claim_names(ctx.catalog);
    let mut doc = Doc::default();
    let svc = segment(info.name);

    doc.schema_tag = true;
    doc.paths.push((
        format!("/{svc}/_table"),
        PathItemBuilder::new()
            .operation(
                HttpMethod::Get,
                operation(
                    "listTables",
                    "schema",
                    "The tables whose records the caller may read.",
                )
                .response(
                    "200",
                    responses::json("`{\"resource\":[{\"name\":…}]}`.", schemas::to(TABLE_NAMES)),
                )
                .refusals(&[
                    Refusal::Unauthorized,
                    Refusal::Forbidden,
                    Refusal::NotFound,
                    Refusal::TooManyRequests,
                ])
                .build(),
            )
            .build(),
    ));
    let described: Vec<&str> = ctx.described_tables().map(|t| t.name.as_str()).collect();
    if !described.is_empty() {
        doc.table_schema = true;
        let base = [
            Refusal::Unauthorized,
            Refusal::Forbidden,
            Refusal::NotFound,
            Refusal::TooManyRequests,
        ];
        doc.paths.push((
            format!("/{svc}/_schema"),
            PathItemBuilder::new()
                .operation(
                    HttpMethod::Get,
                    operation(
                        "describeTables",
                        "schema",
                        "The description of every table the caller may describe.",
                    )
                    .response(
                        "200",
                        responses::json(
                            "`{\"resource\":[table description…]}`.",
                            schemas::resource_list(schemas::to(TABLE_SCHEMA)).into(),
                        ),
                    )
                    .refusals(&base)
                    .build(),
                )
                .build(),
        ));
        doc.paths.push((
            format!("/{svc}/_schema/{{table}}"),
            PathItemBuilder::new()
                .operation(
                    HttpMethod::Get,
                    operation(
                        "describeTable",
                        "schema",
                        "A table's fields and relationships.",
                    )
                    .parameter(params::table_name(&described))
                    .response(
                        "200",
                        responses::json("The table's description.", schemas::to(TABLE_SCHEMA)),
                    )
                    .refusals(&base)
                    .build(),
                )
                .build(),
        ));
    }

    for table in ctx.catalog.tables.values() {
        let Some(n) = names.get(&table.name) else {
            continue;
        };
        table_paths(ctx, &mut doc, &svc, table, n);
    }
    doc.finish(ctx, info, &names)
}

/// What the document has gathered: its paths, and which components they use.
#[derive(Default)]
struct Doc {
    paths: Vec<(String, utoipa::openapi::PathItem)>,
    /// Tables whose record schema is referenced.
    records: BTreeSet<String>,
    inserts: BTreeSet<String>,
    updates: BTreeSet<String>,
    /// Whether `_schema` (or `include_schema`) references the table description.
    table_schema: bool,
    schema_tag: bool,
    /// Tables with at least one operation (their tags).
    tags: BTreeSet<String>,
}

impl Doc {
    fn finish(
        self,
        ctx: &Context<'_>,
        info: ServiceInfo<'_>,
        names: &BTreeMap<String, Names>,
    ) -> OpenApi {
        let readable = |t: &str| {
            ctx.catalog
                .table(t)
                .is_some_and(|t| ctx.guard(t, Verb::Get).is_ok())
        };
        let mut components = ComponentsBuilder::new();
        for (name, schema) in schemas::shared() {
            let wanted = match name {
                schemas::META | TABLE_SCHEMA => self.table_schema,
                _ => true,
            };
            if wanted {
                components = components.schema(name, schema);
            }
        }
        for (table, n) in names {
            let Some(t) = ctx.catalog.table(table) else {
                continue;
            };
            if self.records.contains(table) {
                components = components.schema(&n.record, schemas::record(t, names, &readable));
            }
            if self.inserts.contains(table) {
                components = components.schema(&n.insert, schemas::insert(t));
            }
            if self.updates.contains(table) {
                components = components.schema(&n.update, schemas::update(t));
            }
        }
        for r in Refusal::ALL {
            components = components.response(r.component(), r.response());
        }
        let mut header = ApiKeyValue::new("X-Api-Key");
        header.description =
            Some("An app's API key (X-DreamFactory-API-Key is accepted too).".into());
        let mut query = ApiKeyValue::new("api_key");
        query.description = Some("An app's API key in the query string.".into());
        components = components
            .security_scheme(API_KEY_HEADER, SecurityScheme::ApiKey(ApiKey::Header(header)))
            .security_scheme(API_KEY_QUERY, SecurityScheme::ApiKey(ApiKey::Query(query)))
            .security_scheme(
                SESSION,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .description(Some("An admin session: the token POST /api/v2/system/admin/session answers with."))
                        .build(),
                ),
            );
        let mut paths = PathsBuilder::new();
        for (path, item) in self.paths {
            paths = paths.path(path, item);
        }
        let mut tags: Vec<Tag> = Vec::new();
        if self.schema_tag {
            let mut tag = Tag::new("schema");
            tag.description = Some("The tables and their descriptions.".into());
            tags.push(tag);
        }
        tags.extend(self.tags.iter().map(|t| {
            let mut tag = Tag::new(t);
            tag.description = Some(format!("Records of table '{t}'."));
            tag
        }));
        let description = format!(
            "{}The REST API of service '{}', generated from its database schema and shaped to what {} may call. Every error answers `{{\"error\":{{\"code\",\"message\",\"context\"}}}}`.",
            if info.description.is_empty() {
                String::new()
            } else {
                format!("{}\n\n", info.description)
            },
            info.name,
            ctx.access.who()
        );
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title(if info.label.is_empty() {
                        info.name
                    } else {
                        info.label
                    })
                    .version("2")
                    .description(Some(description))
                    .build(),
            )
            .servers(Some([ServerBuilder::new()
                .url("/api/v2")
                .description(Some(
                    "This server (relative, so the document works behind any host).",
                ))
                .build()]))
            .paths(paths.build())
            .components(Some(components.build()))
            .security(Some([
                SecurityRequirement::new(API_KEY_HEADER, Vec::<String>::new()),
                SecurityRequirement::new(API_KEY_QUERY, Vec::<String>::new()),
                SecurityRequirement::new(SESSION, Vec::<String>::new()),
            ]))
            .tags(Some(tags))
            .build()
    }
}

/// The paths of one table: `_table/{T}` and `_table/{T}/{id}`, with the verbs
/// the caller may use.
fn table_paths(ctx: &Context<'_>, doc: &mut Doc, svc: &str, table: &Table, n: &Names) {
    let writable = ctx.writable(table).is_ok();
    let may = |verb| ctx.guard(table, verb).is_ok() && (verb == Verb::Get || writable);
    let (get, post, put, patch, delete) = (
        may(Verb::Get),
        may(Verb::Post),
        may(Verb::Put),
        may(Verb::Patch),
        may(Verb::Delete),
    );
    if !(get || post || put || patch || delete) {
        return;
    }
    let t = table.name.as_str();
    let tag = t.to_owned();
    doc.tags.insert(tag.clone());
    doc.records.insert(t.to_owned());
    if post {
        doc.inserts.insert(t.to_owned());
    }
    if put || patch {
        doc.updates.insert(t.to_owned());
    }
    let embeddable: Vec<&str> = table
        .relations
        .iter()
        .filter(|r| {
            ctx.catalog
                .table(&r.ref_table)
                .is_some_and(|rt| ctx.guard(rt, Verb::Get).is_ok())
        })
        .map(|r| r.name.as_str())
        .collect();

    let reads = [
        Refusal::BadRequest,
        Refusal::Unauthorized,
        Refusal::Forbidden,
        Refusal::NotFound,
        Refusal::TooManyRequests,
        Refusal::Unavailable,
    ];
    let writes = [
        Refusal::BadRequest,
        Refusal::Unauthorized,
        Refusal::Forbidden,
        Refusal::NotFound,
        Refusal::Conflict,
        Refusal::PayloadTooLarge,
        Refusal::UnsupportedMediaType,
        Refusal::TooManyRequests,
        Refusal::Unavailable,
    ];
    let write_common = |op: OperationBuilder, on_table: bool| {
        let mut op = op
            .parameter(params::fields(false))
            .parameter(params::id_field(table));
        if on_table {
            op = op
                .parameter(params::continue_())
                .parameter(params::rollback());
        }
        op
    };

    let mut list = PathItemBuilder::new();
    if get {
        doc.table_schema = true;
        let op = operation(
            &format!("listRecords_{t}"),
            &tag,
            &format!("Records of '{t}'."),
        )
        .parameters(Some([
            params::fields(true),
            params::filter(false),
            params::order(),
            params::limit(ctx.limits.max_records),
            params::offset(),
            params::group(),
            params::include_count(),
            params::count_only(),
            params::include_schema(),
            params::ids(false),
            params::id_field(table),
            params::related(&embeddable),
        ]))
        .response("200", responses::list(&n.record))
        .refusals(&reads);
        list = list.operation(HttpMethod::Get, op.build());
    }
    if post {
        let op = write_common(
            operation(
                &format!("createRecords_{t}"),
                &tag,
                &format!("Inserts records into '{t}': `{{\"resource\":[…]}}`, an array, or one record. All or nothing unless continue=true."),
            ),
            true,
        )
        .request_body(Some(batch_body(&n.insert, "The records to insert.")))
        .response("201", responses::written(&n.record, "The inserted records' keys (or fields=)."))
        .refusals(&writes);
        list = list.operation(HttpMethod::Post, op.build());
    }
    for (allowed, method, verb_word, op_word) in [
        (patch, HttpMethod::Patch, "Updates", "updateRecords"),
        (put, HttpMethod::Put, "Replaces", "replaceRecords"),
    ] {
        if !allowed {
            continue;
        }
        let op = write_common(
            operation(
                &format!("{op_word}_{t}"),
                &tag,
                &format!("{verb_word} records of '{t}': each record of the body by its key, or with ids= or filter= every match with the body's one object."),
            ),
            true,
        )
        .parameter(params::ids(true))
        .parameter(params::filter(true))
        .request_body(Some(batch_body(&n.update, "Records with their keys, or (with ids= or filter=) one object of fields to set.")))
        .response("200", responses::written(&n.record, "The changed records' keys (or fields=)."))
        .refusals(&writes);
        list = list.operation(method, op.build());
    }
    if delete {
        let mut body = RequestBodyBuilder::new()
            .description(Some(
                "Without ids= and filter=: the records to delete, with their keys.",
            ))
            .required(Some(Required::False));
        body = body.content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(batch_schema(&n.record)))
                .build(),
        );
        let op = write_common(
            operation(
                &format!("deleteRecords_{t}"),
                &tag,
                &format!("Deletes records of '{t}' named by ids=, filter= or a body of records with their keys (never all at once)."),
            ),
            true,
        )
        .parameter(params::ids(true))
        .parameter(params::filter(true))
        .request_body(Some(body.build()))
        .response("200", responses::written(&n.record, "The deleted records' keys (or fields=, as they were)."))
        .refusals(&writes);
        list = list.operation(HttpMethod::Delete, op.build());
    }
    let table_segment = segment(t);
    doc.paths
        .push((format!("/{svc}/_table/{table_segment}"), list.build()));

    if table.primary_key.is_empty() {
        return;
    }
    let mut one = PathItemBuilder::new().parameters(Some([params::id(table)]));
    let record_response = |what: &str| responses::json(what, schemas::to(&n.record));
    let one_refusals = |body: bool| {
        let mut r = vec![
            Refusal::BadRequest,
            Refusal::Unauthorized,
            Refusal::Forbidden,
            Refusal::NotFound,
        ];
        if body {
            r.extend([
                Refusal::Conflict,
                Refusal::PayloadTooLarge,
                Refusal::UnsupportedMediaType,
            ]);
        }
        r.extend([Refusal::TooManyRequests, Refusal::Unavailable]);
        r
    };
    if get {
        let op = operation(
            &format!("getRecord_{t}"),
            &tag,
            &format!("One record of '{t}' by its key; 404 if none."),
        )
        .parameters(Some([
            params::fields(true),
            params::related(&embeddable),
            params::id_field(table),
        ]))
        .response("200", record_response("The record."))
        .refusals(&one_refusals(false));
        one = one.operation(HttpMethod::Get, op.build());
    }
    for (allowed, method, verb_word, op_word) in [
        (
            patch,
            HttpMethod::Patch,
            "Updates the given fields of",
            "updateRecord",
        ),
        (
            put,
            HttpMethod::Put,
            "Replaces (missing nullable fields become null)",
            "replaceRecord",
        ),
    ] {
        if !allowed {
            continue;
        }
        let op = write_common(
            operation(
                &format!("{op_word}_{t}"),
                &tag,
                &format!("{verb_word} one record of '{t}'."),
            ),
            false,
        )
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(schemas::to(&n.update)))
                        .build(),
                )
                .build(),
        ))
        .response("200", record_response("The record's key (or fields=)."))
        .refusals(&one_refusals(true));
        one = one.operation(method, op.build());
    }
    if delete {
        let op = write_common(
            operation(
                &format!("deleteRecord_{t}"),
                &tag,
                &format!("Deletes one record of '{t}'."),
            ),
            false,
        )
        .response(
            "200",
            record_response("The deleted record's key (or fields=, as it was)."),
        )
        .refusals(&one_refusals(false))
        .refusals(&[Refusal::Conflict]);
        one = one.operation(HttpMethod::Delete, op.build());
    }
    if get || patch || put || delete {
        doc.paths
            .push((format!("/{svc}/_table/{table_segment}/{{id}}"), one.build()));
    }
}

fn operation(id: &str, tag: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .tag(tag)
        .summary(Some(summary))
}

/// The error answers an operation documents, each a `$ref` to its shared
/// response.
trait Refuses {
    fn refusals(self, list: &[Refusal]) -> Self;
}

impl Refuses for OperationBuilder {
    fn refusals(self, list: &[Refusal]) -> Self {
        list.iter()
            .fold(self, |op, r| op.response(r.status(), r.reference()))
    }
}

/// A batch body: `{"resource":[item…]}`, a bare array, or one item.
fn batch_schema(item: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    AnyOfBuilder::new()
        .item(schemas::resource_list(schemas::to(item)))
        .item(Array::new(schemas::to(item)))
        .item(schemas::to(item))
        .into()
}

fn batch_body(item: &str, description: &str) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .description(Some(description))
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(batch_schema(item)))
                .build(),
        )
        .build()
}

/// A name as one path segment: characters outside RFC 3986's unreserved set
/// percent-encoded, so that `{`, `/` or a space in a table's name can neither
/// break the path template nor the URL a client builds from it.
fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
