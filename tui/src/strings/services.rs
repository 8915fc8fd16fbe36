//! Texts of the services screens: the list, the form, the detail page and the
//! table browser.

// The list.
pub const LIST_TITLE: &str = "Services";
pub const COL_NAME: &str = "Name";
pub const COL_TYPE: &str = "Type";
pub const COL_LABEL: &str = "Label";
pub const COL_ACTIVE: &str = "Active";
pub const YES: &str = "yes";
pub const NO: &str = "no";
pub const NO_SERVICES: &str = "No service yet: press n to add one.";
pub const NO_MATCH: &str = "No service matches the filter.";
pub const LOADING_LIST: &str = "Loading the services…";
pub const OPEN: &str = "open";
pub const NEW: &str = "new";
pub const EDIT: &str = "edit";
pub const DELETE: &str = "delete";
pub const TABLES: &str = "tables";
pub const GUIDE: &str = "guided flow";
pub const FILTER: &str = "filter";
pub const FILTER_TABLES: &str = "filter the tables";
pub const MOVE: &str = "move";
pub const DELETE_QUESTION: &str = "Delete the service";
pub const DELETE_WARNING: &str =
    "Its API stops answering at once; roles keep their rules about it.";
pub const DELETED: &str = "deleted the service";

// The form.
pub const NEW_TITLE: &str = "New service";
pub const EDIT_TITLE: &str = "Edit service";
pub const BASIC: &str = "Basic";
pub const CACHING: &str = "Caching";
pub const ADVANCED: &str = "Advanced";
pub const NAME: &str = "Name";
pub const LABEL: &str = "Label";
pub const DESCRIPTION: &str = "Description";
pub const TYPE: &str = "Type";
pub const HOST: &str = "Host";
pub const PORT: &str = "Port";
pub const DATABASE: &str = "Database";
pub const SQLITE_FILE: &str = "SQLite file";
pub const USERNAME: &str = "Username";
pub const PASSWORD: &str = "Password";
pub const SCHEMA: &str = "Schema";
pub const CACHE_ENABLED: &str = "Cache";
pub const CACHE_TTL: &str = "Cache TTL (s)";
pub const MAX_RECORDS: &str = "Max records";
pub const READ_ONLY: &str = "Read only";
pub const ALLOW_TABLES: &str = "Allow tables";
pub const DENY_TABLES: &str = "Deny tables";
pub const POOL_SIZE: &str = "Pool size";
pub const STATEMENT_TIMEOUT: &str = "Timeout (ms)";
pub const FORM_HINT_NEW: &str =
    "Tab moves · ←/→ picks the type · Space toggles · Enter creates · Ctrl-T tests";
pub const FORM_HINT_EDIT: &str =
    "An empty password keeps the stored one · Enter saves · Ctrl-T tests";
pub const SUBMIT_NEW: &str = "create";
pub const SUBMIT_EDIT: &str = "save";
pub const TEST: &str = "test connection";
pub const CHOOSE: &str = "pick the type / toggle";
pub const CLEAR: &str = "clear the field";
pub const TESTING: &str = "Testing the connection…";
pub const TEST_FAILED: &str = "The connection failed: see the field marked !";
pub const SAVED: &str = "saved the service";
pub const FIX_FIELDS: &str = "Fix the fields marked !";
// Client-side checks, worded as the server words them.
pub const NAME_REQUIRED: &str = "the service needs a name";
pub const NAME_RULE: &str = "start with a letter; only letters, digits, _ and -; 64 at most";
pub const NAME_RESERVED: &str = "the name 'system' is reserved for the administration API";
pub const PORT_RULE: &str = "the port is a whole number from 1 to 65535";
pub const NUMBER_RULE: &str = "a whole number of 0 or more";
pub const POOL_RULE: &str = "a whole number of 1 or more";
pub const DATABASE_REQUIRED: &str = "the database name is required";
pub const FILE_REQUIRED: &str = "the path of the SQLite file is required";

// The detail page.
pub const DETAIL_TITLE: &str = "Service";
pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";
pub const REST: &str = "REST";
pub const GRAPHQL: &str = "GraphQL";
pub const API_DOC: &str = "OpenAPI";
pub const DOCS_PAGE: &str = "Docs page";
pub const WHERE: &str = "Database";
pub const ROLES_TITLE: &str = "Roles that reach it";
pub const NO_ROLES: &str = "none yet: press g to create one with the guided flow";
pub const TRY_TITLE: &str = "Try it (c copies; $API_KEY is an app's key)";
pub const LOADING_SERVICE: &str = "Loading the service…";
pub const REFRESH: &str = "refresh schema";
pub const COPY: &str = "copy curl";
pub const REFRESHED: &str = "Schema read again:";
pub const TABLES_WORD: &str = "tables";
pub const REFRESH_FAILED: &str = "The schema could not be read:";

// The table browser.
pub const BROWSER_TITLE: &str = "Tables of";
pub const TABLES_HEAD: &str = "Tables";
pub const NO_TABLES: &str = "no table";
pub const LOADING_TABLES: &str = "Loading…";
pub const FILTER_LABEL: &str = "filter";
pub const FIELDS_LABEL: &str = "fields";
pub const ORDER_LABEL: &str = "order";
pub const COLUMNS_HEAD: &str = "Columns";
pub const COL_DB_TYPE: &str = "DB type";
pub const COL_NULL: &str = "Null";
pub const COL_PK: &str = "PK";
pub const ROWS_HEAD: &str = "Rows";
pub const NO_ROWS: &str = "no row";
pub const PICK_TABLE: &str = "Pick a table and press Enter.";
pub const NO_TABLES_LONG: &str = "The service exposes no table (see its allow / deny lists).";
pub const MORE_COLUMNS: &str = "more columns: name them in fields to see them";
pub const MORE_FIELDS: &str = "more";
pub const OF: &str = "of";
pub const OPEN_TABLE: &str = "open";
pub const NEXT_PANE: &str = "next pane";
pub const APPLY: &str = "apply";
pub const PAGE: &str = "page";
