//! The OpenAPI 3.1 document served at `/api/openapi.json`: paths written
//! here, request schemas generated from the request types (so they cannot
//! drift from what the server accepts).

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use crate::catalog::{HardwareQuery, ModelsQuery};
use crate::fit::FitRequest;
use crate::plan::PlanRequest;
use crate::prices::PricesQuery;
use crate::speed::SpeedRequest;

fn error_responses() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "408": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
        "501": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"}
    })
}

fn with_errors(ok: Value) -> Value {
    let mut r = error_responses();
    r.as_object_mut().expect("object").insert("200".into(), ok);
    r
}

/// Query parameters from a query type's schema properties.
fn query_params(schema: &Value) -> Value {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let params: Vec<Value> = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, s)| {
                    let mut s = s.clone();
                    let description = s
                        .as_object_mut()
                        .and_then(|o| o.remove("description"))
                        .unwrap_or(Value::Null);
                    json!({
                        "name": name,
                        "in": "query",
                        "required": required.contains(&name.as_str()),
                        "description": description,
                        "schema": s,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Value::Array(params)
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema}}
    })
}

/// Request schemas, generated from the request types the server parses.
struct Requests {
    fit: Value,
    speed: Value,
    plan: Value,
    models_q: Value,
    hardware_q: Value,
    prices_q: Value,
}

/// The request schemas plus every definition they reference, so the
/// `$ref`s under `/components/schemas` resolve.
fn request_schemas() -> (Requests, Map<String, Value>) {
    let mut gen = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let requests = Requests {
        fit: gen.subschema_for::<FitRequest>().to_value(),
        speed: gen.subschema_for::<SpeedRequest>().to_value(),
        plan: gen.subschema_for::<PlanRequest>().to_value(),
        models_q: gen.root_schema_for::<ModelsQuery>().to_value(),
        hardware_q: gen.root_schema_for::<HardwareQuery>().to_value(),
        prices_q: gen.root_schema_for::<PricesQuery>().to_value(),
    };
    (requests, gen.take_definitions(true))
}

/// The error body every failing route answers with.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "What was wrong, as the CLI prints it after `error: `."}}
    })
}

/// Written by hand: the fit report's type lives in rigsize-core, which
/// derives no JSON schemas.
fn fit_report_schema() -> Value {
    json!({
        "type": "object",
        "description": "Exactly what `rigsize fit … --json` prints. Memory in bytes; the page shows GiB (2^30 bytes).",
        "required": ["model", "quant", "engine", "ctx", "streams", "kv_type", "weights_bytes", "kv_cache_bytes", "overhead_bytes", "total_bytes", "warnings", "memory"],
        "properties": {
            "model": {"type": "string"},
            "model_name": {"type": "string"},
            "quant": {"type": "string"},
            "engine": {"type": "string"},
            "ctx": {"type": "integer", "description": "context per stream, tokens"},
            "streams": {"type": "integer"},
            "kv_type": {"type": "string"},
            "weights_bytes": {"type": "integer"},
            "kv_cache_bytes": {"type": "integer"},
            "kv_cache_bytes_per_stream": {"type": "integer"},
            "recurrent_state_bytes": {"type": "integer"},
            "compute_buffer_bytes": {"type": "integer"},
            "overhead_bytes": {"type": "integer", "description": "compute buffers + runtime overhead"},
            "total_bytes": {"type": "integer"},
            "hardware": {"type": ["object", "null"], "description": "with `hw`: the device set, available memory, fits, headroom, largest context"},
            "available_bytes": {"type": ["integer", "null"]},
            "fits": {"type": ["boolean", "null"]},
            "headroom_bytes": {"type": ["integer", "null"]},
            "max_context_tokens": {"type": ["integer", "null"]},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "engine_semantics": {"type": "string"},
            "memory": {"type": "object", "description": "the full estimate with its explanation lines"}
        }
    })
}

/// The POST routes: each takes its CLI options as a JSON body.
fn post_paths(r: &Requests) -> Value {
    json!({
        "/api/fit": {"post": {
            "operationId": "fit",
            "summary": "Memory needed by a model at a quantization, context and stream count, and whether it fits given hardware (`rigsize fit --json`).",
            "requestBody": {"required": true, "content": {"application/json": {"schema": r.fit,
                "example": {"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": 200000, "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"}}}},
            "responses": with_errors(json_ok("the fit report", json!({"$ref": "#/components/schemas/FitReport"})))
        }},
        "/api/speed": {"post": {
            "operationId": "speed",
            "summary": "Decode and prefill tok/s over context depths and stream counts (`rigsize speed --json`).",
            "requestBody": {"required": true, "content": {"application/json": {"schema": r.speed,
                "example": {"model": "qwen3-coder-30b-a3b", "hw": "rtx-5090", "depth": "0,32k,128k", "streams": "1,4"}}}},
            "responses": with_errors(json_ok("the speed report of `rigsize speed --json`", json!({"type": "object"})))
        }},
        "/api/plan": {"post": {
            "operationId": "plan",
            "summary": "Ranked, priced, complete builds for a requirements file (`rigsize plan --json`).",
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"oneOf": [r.plan, {"type": "object", "description": "the requirements themselves, in the TOML file's structure"}]}},
                "text/plain": {"schema": {"type": "string", "description": "the requirements file's TOML text"}}
            }},
            "responses": with_errors(json_ok("the plan report of `rigsize plan --json`: candidates[] with total_price_chf, roles[], memory…", json!({"type": "object"})))
        }}
    })
}

/// The GET routes: catalog and price listings filtered by query parameters.
fn list_paths(r: &Requests) -> Value {
    json!({
        "/api/models": {"get": {
            "operationId": "listModels",
            "summary": "The model catalog, filtered (`rigsize models --json`).",
            "parameters": query_params(&r.models_q),
            "responses": with_errors(json_ok("model rows", json!({"type": "array", "items": {"type": "object"}})))
        }},
        "/api/hardware": {"get": {
            "operationId": "listHardware",
            "summary": "GPUs, Macs and unified-memory systems, filtered (`rigsize hardware --json`).",
            "parameters": query_params(&r.hardware_q),
            "responses": with_errors(json_ok("hardware records", json!({"type": "array", "items": {"type": "object"}})))
        }},
        "/api/prices": {"get": {
            "operationId": "prices",
            "summary": "CHF prices with retailer, URL, date and source (`rigsize prices search --json`, offline snapshot).",
            "parameters": query_params(&r.prices_q),
            "responses": with_errors(json_ok("price observations", json!({"type": "object"})))
        }}
    })
}

/// Routes without inputs: health, this document and the page.
fn static_paths() -> Value {
    json!({
        "/api/health": {"get": {
            "operationId": "health",
            "summary": "Liveness, version and catalog size.",
            "responses": {"200": json_ok("ok", json!({"type": "object", "properties": {"status": {"const": "ok"}, "version": {"type": "string"}, "models": {"type": "integer"}, "hardware": {"type": "integer"}}}))}
        }},
        "/api/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document.",
            "responses": {"200": json_ok("OpenAPI 3.1", json!({"type": "object"}))}
        }},
        "/": {"get": {
            "operationId": "page",
            "summary": "The web page: memory bars, tok/s vs depth, price vs speed.",
            "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}
        }}
    })
}

/// All routes in document order, joined from the route groups.
fn paths(r: &Requests) -> Value {
    let mut all = Map::new();
    for group in [post_paths(r), list_paths(r), static_paths()] {
        if let Value::Object(m) = group {
            all.extend(m);
        }
    }
    Value::Object(all)
}

/// The document.
pub fn document() -> Value {
    let (requests, mut schemas) = request_schemas();
    schemas.insert("Error".into(), error_schema());
    schemas.insert("FitReport".into(), fit_report_schema());
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "rigsize",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Which hardware for which local AI model: memory, speed and builds. Requests carry the CLI's options under their flag names in snake_case; answers are the CLI's `--json` output. Errors are `{\"error\": \"…\"}` with a 4xx status (501: a feature not in this build)."
        },
        "paths": paths(&requests),
        "components": {
            "schemas": Value::Object(schemas),
            "responses": {"Error": {"description": "invalid input (4xx; 413 also for requirements over a cap, naming it; 401 without the server's bearer token; 429 over the per-client rate limit, with Retry-After), a feature not in this build (501), or the heavy queue full (503, with Retry-After)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        }
    })
}
