//! Checks API answers against the OpenAPI document the app serves.

use serde_json::Value;

use super::Reply;

/// Checks `value` against the part of JSON Schema the document uses (`$ref`, `type` with
/// 3.1 type lists, `enum`, `required`, `properties`, `additionalProperties: false`,
/// `items`). Returns what does not match.
fn validate(value: &Value, schema: &Value, document: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &document["components"]["schemas"][name];
        assert!(!target.is_null(), "unknown schema {reference}");
        return validate(value, target, document, at, problems);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !(allowed.contains(&actual) || actual == "integer" && allowed.contains(&"number")) {
            problems.push(format!("{at}: {actual} is not {allowed:?}"));
            return;
        }
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array) {
        if !choices.contains(value) {
            problems.push(format!("{at}: {value} is not one of {choices:?}"));
        }
    }
    if let Value::Object(object) = value {
        for field in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let field = field.as_str().unwrap_or_default();
            if !object.contains_key(field) {
                problems.push(format!("{at}: missing {field}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => validate(item, property, document, &format!("{at}.{key}"), problems),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    problems.push(format!("{at}: unexpected {key}"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            validate(item, item_schema, document, &format!("{at}[{index}]"), problems);
        }
    }
}

/// The answer matches the schema the document gives for this operation and status.
pub fn assert_documented(document: &Value, path: &str, method: &str, reply: &Reply) {
    let operation = &document["paths"][path][method];
    assert!(!operation.is_null(), "{method} {path} is documented");
    let response = &operation["responses"][reply.status.to_string()];
    assert!(!response.is_null(), "{method} {path} documents status {}: {}", reply.status, reply.body);
    let schema = &response["content"]["application/json"]["schema"];
    let mut problems = Vec::new();
    validate(&reply.json(), schema, document, "$", &mut problems);
    assert!(problems.is_empty(), "{method} {path} {}: {problems:?}\n{}", reply.status, reply.body);
}
