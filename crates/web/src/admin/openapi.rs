//! The admin API described as OpenAPI 3.1, served at
//! `/api/admin/openapi.json`. Written by hand next to the routes; a test
//! checks that every route is described and the document is valid (with
//! an independent validator, `openapi-spec-validator`).

use axum::response::IntoResponse;
use serde_json::{json, Map, Value};

fn error_responses() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/Invalid" },
        "401": { "$ref": "#/components/responses/Unauthorized" },
        "404": { "$ref": "#/components/responses/NotFound" },
        "default": { "$ref": "#/components/responses/Refused" },
    })
}

fn op(summary: &str, tag: &str, ok: Value) -> Value {
    let mut responses = error_responses();
    if let Some(o) = responses.as_object_mut() {
        o.insert(
            "200".into(),
            json!({ "description": "OK", "content": { "application/json": { "schema": ok } } }),
        );
    }
    json!({ "summary": summary, "tags": [tag], "responses": responses })
}

fn id_param(what: &str) -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "description": what, "schema": { "type": "string" } }])
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

/// The paths of one kind of partner.
fn partner_paths(paths: &mut Map<String, Value>, path: &str, noun: &str, schema: &str) {
    let doc = json!({ "$ref": format!("#/components/schemas/{schema}") });
    let tag = format!("{noun}s");
    paths.insert(
        format!("/api/admin/v1/{path}"),
        json!({ "get": op(&format!("Every {noun}"), &tag, json!({ "type": "array", "items": doc })) }),
    );
    let mut put = op(
        &format!("Creates or replaces a {noun} (the registration rules apply; a left-out secret is kept)"),
        &tag,
        doc.clone(),
    );
    if let Some(o) = put.as_object_mut() {
        o.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": doc } } }),
        );
    }
    paths.insert(
        format!("/api/admin/v1/{path}/{{id}}"),
        json!({
            "parameters": id_param(&format!("the {noun}'s id")),
            "get": op(&format!("One {noun}"), &tag, doc.clone()),
            "put": put,
        }),
    );
    for action in ["activate", "deactivate"] {
        paths.insert(
            format!("/api/admin/v1/{path}/{{id}}/{action}"),
            json!({
                "parameters": id_param(&format!("the {noun}'s id")),
                "post": op(&format!("{} the {noun}", if action == "activate" { "Activates" } else { "Deactivates" }), &tag, doc.clone()),
            }),
        );
    }
}

/// The document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    partner_paths(&mut paths, "services", "service", "Partner");
    partner_paths(
        &mut paths,
        "identity-providers",
        "identity provider",
        "Partner",
    );
    partner_paths(&mut paths, "data-providers", "data provider", "Partner");
    let account = json!({ "$ref": "#/components/schemas/Account" });
    paths.insert(
        "/api/admin/v1/accounts/{id}".into(),
        json!({ "parameters": id_param("the account's pseudonymous id"), "get": op("One citizen account", "accounts", account.clone()) }),
    );
    for (action, verb) in [("disable", "Disables"), ("enable", "Enables")] {
        paths.insert(
            format!("/api/admin/v1/accounts/{{id}}/{action}"),
            json!({ "parameters": id_param("the account's pseudonymous id"), "post": op(&format!("{verb} a citizen account"), "accounts", account.clone()) }),
        );
    }
    let mut rotate = op(
        "Publishes new signing keys now; they sign after the delay",
        "keys",
        json!({ "type": "object", "properties": { "kids": { "type": "array", "items": { "type": "string" } }, "signing_from": { "type": "string" } } }),
    );
    rotate["parameters"] = json!([query(
        "delay",
        "seconds before the new keys sign (default 60)",
        json!({ "type": "integer", "minimum": 0, "maximum": 86400 })
    )]);
    paths.insert(
        "/api/admin/v1/keys/rotate".into(),
        json!({ "post": rotate }),
    );
    let mut events = op(
        "The durable event stream, in order, from a cursor",
        "events",
        json!({ "type": "object", "properties": {
            "events": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } },
            "next": { "type": "integer", "description": "the cursor of the next call" } } }),
    );
    events["parameters"] = json!([
        query(
            "after",
            "sequence number of the last event read (default 0)",
            json!({ "type": "integer" })
        ),
        query(
            "limit",
            "events per page (1 to 1000, default 100)",
            json!({ "type": "integer", "minimum": 1, "maximum": 1000 })
        ),
    ]);
    paths.insert("/api/admin/v1/events".into(), json!({ "get": events }));
    let month = json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" });
    let mut months = op(
        "Connections, distinct users, new users and active services per month",
        "statistics",
        json!({ "type": "object", "properties": { "from": month, "to": month, "months": { "type": "array", "items": { "$ref": "#/components/schemas/MonthFigures" } } } }),
    );
    months["parameters"] = json!([
        query("from", "first month (default: --to)", month.clone()),
        query("to", "last month (default: this month)", month.clone()),
    ]);
    paths.insert(
        "/api/admin/v1/stats/months".into(),
        json!({ "get": months }),
    );
    let mut breakdown = op(
        "One month's connections by service, identity provider, platform or day",
        "statistics",
        json!({ "type": "object", "properties": { "month": month, "by": { "type": "string" }, "rows": { "type": "array", "items": {
            "type": "object", "properties": { "key": { "type": "string" }, "connections": { "type": "integer" } } } } } }),
    );
    breakdown["parameters"] = json!([
        query("month", "the month (default: this month)", month.clone()),
        query(
            "by",
            "service (default), idp, platform or day",
            json!({ "type": "string", "enum": ["service", "idp", "platform", "day"] })
        ),
    ]);
    paths.insert(
        "/api/admin/v1/stats/breakdown".into(),
        json!({ "get": breakdown }),
    );

    let decision = |what: &str| {
        let mut o = op(
            what,
            "production",
            json!({ "type": "object", "additionalProperties": true }),
        );
        o["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": {
            "type": "object", "properties": { "message": { "type": "string", "description": "shown to the partner (required to refuse)" } } } } } });
        o
    };
    paths.insert(
        "/api/admin/v1/production-requests".into(),
        json!({ "get": op("Production requests waiting, each with its diff against what production serves", "production",
            json!({ "type": "array", "items": { "type": "object", "additionalProperties": true } })) }),
    );
    paths.insert(
        "/api/admin/v1/production-requests/{id}/approve".into(),
        json!({ "parameters": id_param("the onboarded service's id"), "post": decision("Approves: the version is published and the production client registered") }),
    );
    paths.insert(
        "/api/admin/v1/production-requests/{id}/refuse".into(),
        json!({ "parameters": id_param("the onboarded service's id"), "post": decision("Refuses, with a message for the partner") }),
    );
    paths.insert(
        "/api/admin/v1/onboarded-services/{id}".into(),
        json!({ "parameters": id_param("the onboarded service's id"), "get": op("An onboarded service with every version", "production", json!({ "type": "object", "additionalProperties": true })) }),
    );
    let mut rollback = op(
        "Publishes an earlier published version again (as a new version)",
        "production",
        json!({ "type": "object", "additionalProperties": true }),
    );
    rollback["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": {
        "type": "object", "required": ["version"], "properties": { "version": { "type": "integer", "minimum": 1 } } } } } });
    paths.insert(
        "/api/admin/v1/onboarded-services/{id}/rollback".into(),
        json!({ "parameters": id_param("the onboarded service's id"), "post": rollback }),
    );

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Relais admin API",
            "version": "1",
            "description": "Operators manage services, identity providers and data providers, citizens' accounts and keys, and read the event stream and statistics. Every change is recorded as an ADMIN_ACTION event naming the operator. Errors are {error, code, message}; the message names the field at fault.",
        },
        "security": [{ "operatorToken": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "operatorToken": { "type": "http", "scheme": "bearer", "description": "an operator token (relais admin token create); stored hashed" },
            },
            "responses": {
                "Invalid": { "description": "the request or document breaks a rule", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "Unauthorized": { "description": "no valid operator token", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "NotFound": { "description": "no such object", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "Refused": { "description": "refused before the operation, with the same document: a method the path does not take (405, with Allow), a body too slow (408) or over 64 KiB (413), a URI or headers over the node's limits (414, 431), a rate limit (429, with Retry-After), an overloaded node (503)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "code", "message"], "properties": {
                    "error": { "type": "string" }, "code": { "type": "string", "description": "stable Y… code" }, "message": { "type": "string" } } },
                "Partner": { "type": "object", "description": "the document the configuration file describes (docs/configuration.md); client_secret is write-only (client_secret_set says whether one is stored, and may come back in a PUT); a field the document does not have is refused (Y040400, the message naming it)" },
                "Account": { "type": "object", "properties": {
                    "id": { "type": "string" }, "active": { "type": "boolean" }, "created_at": { "type": "string" },
                    "last_connection": { "type": "string" }, "last_idp": { "type": "string" },
                    "blocked_idps": { "type": "array", "items": { "type": "string" } } } },
                "Event": { "type": "object", "description": "a business event (docs/design.md §8) with its sequence number", "properties": {
                    "seq": { "type": "integer" }, "event": { "type": "string" }, "time": { "type": "integer" } }, "additionalProperties": true },
                "MonthFigures": { "type": "object", "properties": {
                    "month": { "type": "string" }, "connections": { "type": "integer" }, "users": { "type": "integer" },
                    "new_users": { "type": "integer" }, "active_services": { "type": "integer" } } },
            },
        },
    })
}

pub async fn document() -> impl IntoResponse {
    axum::Json(spec())
}
