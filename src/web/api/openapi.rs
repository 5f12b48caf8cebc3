//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.
//!
//! Written by hand next to the routes and kept honest by `tests/api.rs`: every documented
//! operation is mounted, every mounted API route is documented, and the answers the tests
//! get validate against these schemas.

use rocket::serde::json::{json, Json, Value};
use rocket::{get, routes, Route};

pub fn routes() -> Vec<Route> {
    routes![openapi]
}

fn error_responses(codes: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for code in codes {
        let description = match *code {
            "401" => "Not authenticated (no or bad token, no session).",
            "403" => "Authenticated, but not allowed (or a missing CSRF header with a session cookie).",
            "404" => "No such resource for this caller.",
            "409" => "Refused by the rules: out of stock (`out_of_stock`), the time asked for is full for the oven or the drivers (`slot_full`, the message names the first time that can be kept), nothing left today for \"dès que possible\" (`no_time_left_today`), no driver tonight (`no_driver`), stale version, too late to change.",
            "413" => "Body too large.",
            "422" => "Invalid body or fields; `fields` says which.",
            _ => "Error.",
        };
        responses.insert(
            code.to_string(),
            json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }),
        );
    }
    Value::Object(responses)
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" }, "description": description })
}

fn order_key_params() -> Value {
    json!([
        path_param("reference", "The order's reference, e.g. OC-W9WK7V."),
        { "name": "X-Order-Key", "in": "header", "required": false, "schema": { "type": "string" },
          "description": "A guest order's private key (the `access_key` given when it was placed)." },
    ])
}

fn schemas() -> Value {
    let nullable_string = json!({ "type": ["string", "null"] });
    let window = |description: &str| {
        json!({ "type": ["object", "null"], "description": description, "required": ["from", "until"],
                "properties": { "from": { "type": "string", "format": "date-time" },
                                "until": { "type": "string", "format": "date-time" } } })
    };
    let mut map = serde_json::Map::new();
    map.insert(
        "Error".into(),
        json!({
            "type": "object", "required": ["error", "message"],
            "properties": {
                "error": { "type": "string" }, "message": { "type": "string" },
                "fields": { "type": "object", "additionalProperties": { "type": "string" } }
            }
        }),
    );
    map.insert("OpeningPeriod".into(), json!({
                    "type": "object", "required": ["weekday", "opens_minute", "closes_minute"],
                    "properties": { "weekday": { "type": "integer" }, "opens_minute": { "type": "integer" }, "closes_minute": { "type": "integer" } }
                }));
    map.insert(
        "Pizzeria".into(),
        json!({
            "type": "object",
            "required": ["slug", "name", "street", "postcode", "city", "phone", "delivery_postcodes", "opening_hours"],
            "properties": {
                "slug": { "type": "string" }, "name": { "type": "string" }, "street": { "type": "string" },
                "postcode": { "type": "string" }, "city": { "type": "string" }, "phone": { "type": "string" },
                "delivery_postcodes": { "type": "array", "items": { "type": "string" } },
                "opening_hours": { "type": "array", "items": { "$ref": "#/components/schemas/OpeningPeriod" } }
            }
        }),
    );
    map.insert(
        "PizzeriaList".into(),
        json!({
            "type": "object", "required": ["pizzerias"],
            "properties": { "pizzerias": { "type": "array", "items": { "$ref": "#/components/schemas/Pizzeria" } } }
        }),
    );
    map.insert("MenuPizza".into(), json!({
                    "type": "object",
                    "required": ["slug", "name", "description", "price_cents", "vat_rate_bp", "allergens", "available", "makeable"],
                    "properties": {
                        "slug": { "type": "string" }, "name": { "type": "string" }, "description": { "type": "string" },
                        "price_cents": { "type": "integer", "description": "TTC" },
                        "vat_rate_bp": { "type": "integer", "description": "1000 = 10 %" },
                        "allergens": { "type": "array", "items": { "type": "string" } },
                        "available": { "type": "boolean" },
                        "makeable": { "type": "integer", "description": "How many the stock allows right now." },
                        "sizes": { "type": "array", "description": "The sizes it is made in, with their prices (TTC cents); recipes scale with the size.", "items": {
                            "type": "object", "required": ["code", "label", "price_cents"],
                            "properties": { "code": { "type": "string" }, "label": { "type": "string" }, "price_cents": { "type": "integer" } } } },
                        "removable": { "type": "array", "description": "The recipe lines a customer may take off (the price does not change).", "items": {
                            "type": "object", "required": ["ingredient", "name"],
                            "properties": { "ingredient": { "type": "string", "description": "The ingredient's code." }, "name": { "type": "string" } } } }
                    }
                }));
    map.insert("Slots".into(), json!({
                    "type": "object", "required": ["pizzeria", "pizzas", "mode", "asap", "refusal", "paused", "notices", "slots"],
                    "properties": {
                        "pizzeria": { "type": "string" }, "pizzas": { "type": "integer" }, "mode": { "enum": ["takeaway", "delivery"] },
                        "asap": { "type": "boolean", "description": "\"Dès que possible\" may be asked now." },
                        "asap_window": window("\"Dès que possible\" for this basket from the live queue: the window customers are shown (its end is the time that would be promised); null when it cannot be asked now."),
                        "refusal": { "type": ["string", "null"], "description": "Why no time can ever be promised for this basket (too many pizzas, no driver tonight)." },
                        "paused": { "type": ["string", "null"], "description": "The rush control refusing web orders in this mode now, in French." },
                        "notices": { "type": "array", "items": { "type": "string" }, "description": "The rush controls in force, as customers are told them." },
                        "slots": { "type": "array", "items": {
                            "type": "object", "required": ["time", "value", "label", "available"],
                            "properties": { "time": { "type": "string" }, "value": { "type": "string", "description": "The `when` of an order." },
                                            "label": { "type": "string" }, "available": { "type": "boolean" } } } }
                    }
                }));
    map.insert("Menu".into(), json!({
                    "type": "object", "required": ["pizzeria", "pizzas"],
                    "properties": { "pizzeria": { "type": "string" }, "pizzas": { "type": "array", "items": { "$ref": "#/components/schemas/MenuPizza" } },
                                    "default_size": { "type": "string", "description": "The size the recipes are written for, and `price_cents`'s." },
                                    "default_size_label": { "type": ["string", "null"] },
                                    "max_extras": { "type": "integer", "description": "The most extras on one pizza." },
                                    "extras": { "type": "array", "description": "The supplements, with their allergens and whether this pizzeria's stock has enough for one on the largest size.", "items": {
                                        "type": "object", "required": ["code", "name", "price_cents", "allergens", "available"],
                                        "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "price_cents": { "type": "integer" },
                                                        "allergens": { "type": "array", "items": { "type": "string" } }, "available": { "type": "boolean" } } } } }
                }));
    map.insert(
        "LineRequest".into(),
        json!({
            "type": "object", "required": ["pizza", "quantity"], "additionalProperties": false,
            "properties": {
                "pizza": { "type": "string", "description": "The pizza's slug." },
                "quantity": { "type": "integer", "minimum": 1, "maximum": 20 },
                "note": { "type": "string", "maxLength": 140 },
                "size": { "type": "string", "description": "A size's code from the menu (default: the menu's default size)." },
                "without": { "type": "array", "items": { "type": "string" }, "description": "Ingredient codes taken off (the menu's `removable`); the price does not change." },
                "extras": { "type": "array", "items": { "type": "string" }, "description": "Extras' codes (the same twice: a double portion); at most the menu's `max_extras` on a pizza, halves together." },
                "half": { "type": "object", "additionalProperties": false, "required": ["pizza"],
                          "description": "The second half of a half-and-half, of the same size: the base once, each half's toppings at half, the dearer half's price plus extras (half price on a half).",
                          "properties": { "pizza": { "type": "string" }, "size": { "type": "string" },
                                          "without": { "type": "array", "items": { "type": "string" } },
                                          "extras": { "type": "array", "items": { "type": "string" } } } }
            }
        }),
    );
    map.insert(
        "Address".into(),
        json!({
            "type": "object", "required": ["street", "postcode", "city"], "additionalProperties": false,
            "properties": {
                "street": { "type": "string" }, "postcode": { "type": "string", "pattern": "^[0-9]{5}$" },
                "city": { "type": "string" }, "instructions": { "type": "string" }
            }
        }),
    );
    map.insert("PlaceOrder".into(), json!({
                    "type": "object", "required": ["pizzeria", "lines", "mode", "contact", "payment"], "additionalProperties": false,
                    "properties": {
                        "pizzeria": { "type": "string" },
                        "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineRequest" }, "maxItems": 20 },
                        "mode": { "enum": ["delivery", "takeaway"] },
                        "address": { "$ref": "#/components/schemas/Address" },
                        "when": { "type": "string", "description": "`asap` (default) or a local time in Europe/Paris on the quarter-hour, `YYYY-MM-DDTHH:MM` (20:00, 20:15…; another minute is refused with 422)." },
                        "contact": {
                            "type": "object", "required": ["name", "email", "phone"], "additionalProperties": false,
                            "properties": { "name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" } }
                        },
                        "payment": { "enum": ["online", "cash", "card"],
                                     "description": "`online` only when the installation takes online payment (otherwise 422): the answer's `payment` then holds what Stripe.js needs." },
                        "notify_email": { "enum": ["all", "essential", "none"], "description": "A guest's e-mails about the order (default `all`); a signed-in customer's come from their account." },
                        "notify_sms": { "type": "boolean", "description": "A guest accepts text messages on a mobile number (default false)." }
                    }
                }));
    map.insert(
        "ModifyOrder".into(),
        json!({
            "type": "object", "required": ["version", "lines", "mode"], "additionalProperties": false,
            "properties": {
                "version": { "type": "integer", "description": "The version read; a stale one gets 409." },
                "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineRequest" } },
                "mode": { "enum": ["delivery", "takeaway"] },
                "address": { "$ref": "#/components/schemas/Address" },
                "when": { "type": "string" }
            }
        }),
    );
    map.insert(
        "CancelOrder".into(),
        json!({
            "type": "object", "required": ["version"], "additionalProperties": false,
            "properties": { "version": { "type": "integer" } }
        }),
    );
    map.insert(
        "Transition".into(),
        json!({
            "type": "object", "required": ["to"], "additionalProperties": false,
            "properties": {
                "to": { "type": "string", "enum": ["preparing", "ready", "out_for_delivery", "delivered", "collected", "cancelled"] },
                "version": { "type": "integer", "description": "The version the caller saw; a different one answers 409 `stale`." },
                "reason": { "type": "string", "description": "Required to cancel (staff)." },
                "payment": {
                    "type": "object", "required": ["method", "amount_cents"], "additionalProperties": false,
                    "description": "Required to hand over (`delivered`, `collected`) an unpaid order.",
                    "properties": { "method": { "type": "string", "enum": ["cash", "card"] }, "amount_cents": { "type": "integer" } }
                }
            }
        }),
    );
    map.insert("Ticket".into(), json!({
                    "type": "object",
                    "required": ["reference", "status", "version", "mode", "channel", "customer_name", "customer_phone", "payment_method",
                                 "payment_status", "total_ttc_cents", "modified", "lines", "moves"],
                    "properties": {
                        "reference": { "type": "string" }, "status": { "type": "string" }, "version": { "type": "integer" },
                        "mode": { "type": "string" }, "channel": { "type": "string" }, "customer_name": { "type": "string" },
                        "customer_phone": { "type": "string" }, "address": { "type": ["object", "null"] },
                        "requested_for": nullable_string, "created_at": { "type": "string" },
                        "payment_method": { "type": "string" }, "payment_status": { "type": "string" },
                        "total_ttc_cents": { "type": "integer" }, "modified": { "type": "boolean" },
                        "cancel_reason": nullable_string, "driver_id": { "type": ["integer", "null"] },
                        "lines": { "type": "array", "items": { "type": "object" } },
                        "moves": { "type": "array", "items": { "type": "string" }, "description": "The moves the caller may make from this screen." }
                    }
                }));
    map.insert(
        "Queue".into(),
        json!({
            "type": "object", "required": ["pizzeria", "screen", "orders"],
            "properties": { "pizzeria": { "type": "string" }, "screen": { "type": "string" },
                            "orders": { "type": "array", "items": { "$ref": "#/components/schemas/Ticket" } } }
        }),
    );
    map.insert("RushControls".into(), json!({
                    "type": "object", "required": ["pizzeria", "web_paused_until", "deliveries_paused_until", "extra_lead_minutes", "extra_lead_until", "notices", "log"],
                    "properties": {
                        "pizzeria": { "type": "string" },
                        "web_paused_until": { "type": ["string", "null"], "description": "Web orders (site and API) refused until then." },
                        "deliveries_paused_until": { "type": ["string", "null"], "description": "Web deliveries refused until then; takeaway still taken." },
                        "extra_lead_minutes": { "type": "integer", "description": "Minutes added before any time promised (0: none in force)." },
                        "extra_lead_until": { "type": ["string", "null"] },
                        "notices": { "type": "array", "items": { "type": "string" }, "description": "What customers are told, in French." },
                        "log": { "type": "array", "description": "The latest uses of the controls, newest first.", "items": {
                            "type": "object", "required": ["at", "by", "action", "minutes", "extra_lead_minutes", "description"],
                            "properties": { "at": { "type": "string" }, "by": { "type": ["string", "null"] },
                                            "action": { "enum": ["pause_web", "pause_deliveries", "extra_lead", "resume"] },
                                            "minutes": { "type": "integer" }, "extra_lead_minutes": { "type": "integer" },
                                            "description": { "type": ["string", "null"] } } } }
                    }
                }));
    map.insert("RushAction".into(), json!({
                    "type": "object", "required": ["action"], "additionalProperties": false,
                    "properties": {
                        "action": { "enum": ["pause_web", "pause_deliveries", "extra_lead", "resume"] },
                        "minutes": { "type": "integer", "minimum": 5, "maximum": 240, "description": "How long the pause or the extra minutes last (not for resume)." },
                        "extra_lead_minutes": { "type": "integer", "minimum": 5, "maximum": 60, "description": "For extra_lead: minutes added before any time promised." }
                    }
                }));
    map.insert("StockAction".into(), json!({
                    "type": "object", "required": ["ingredient", "action", "quantity"], "additionalProperties": false,
                    "properties": {
                        "ingredient": { "type": "string", "description": "The ingredient's code, e.g. mozzarella." },
                        "action": { "type": "string", "enum": ["restock", "waste", "inventory", "threshold"] },
                        "quantity": { "type": "integer", "description": "In the ingredient's unit (g, ml, piece); for inventory the count, for threshold the new low threshold." },
                        "note": { "type": "string", "description": "The supplier's reference (restock) or the reason (waste, required)." }
                    }
                }));
    map.insert("Stock".into(), json!({
                    "type": "object", "required": ["pizzeria", "ingredients", "makeable"],
                    "properties": {
                        "pizzeria": { "type": "string" },
                        "ingredients": { "type": "array", "items": { "type": "object",
                            "required": ["code", "name", "unit", "quantity", "low_threshold", "level"],
                            "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "unit": { "type": "string" },
                                            "quantity": { "type": "integer" }, "low_threshold": { "type": "integer" },
                                            "level": { "type": "string", "enum": ["ok", "low", "out"] } } } },
                        "makeable": { "type": "array", "items": { "type": "object", "required": ["pizza", "count"],
                            "properties": { "pizza": { "type": "string" }, "count": { "type": "integer" },
                                            "limiting": nullable_string, "withdrawn": { "type": "boolean" } } } }
                    }
                }));
    map.insert("Movements".into(), json!({
                    "type": "object", "required": ["pizzeria", "page", "total", "movements"],
                    "properties": { "pizzeria": { "type": "string" }, "page": { "type": "integer" }, "total": { "type": "integer" },
                                    "movements": { "type": "array", "items": { "type": "object" } } }
                }));
    map.insert("Transfer".into(), json!({
                    "type": "object", "required": ["from", "to", "ingredient", "quantity"], "additionalProperties": false,
                    "properties": { "from": { "type": "string" }, "to": { "type": "string" }, "ingredient": { "type": "string" },
                                    "quantity": { "type": "integer" } }
                }));
    map.insert("PizzaEdit".into(), json!({
                    "type": "object", "required": ["name", "price_cents", "vat_rate_bp", "recipe"], "additionalProperties": false,
                    "properties": {
                        "name": { "type": "string" }, "description": { "type": "string" },
                        "price_cents": { "type": "integer", "description": "TTC, above zero" },
                        "vat_rate_bp": { "type": "integer", "description": "1000 = 10 %" },
                        "active": { "type": "boolean" }, "sort_order": { "type": "integer" },
                        "recipe": { "type": "array", "minItems": 1, "items": { "type": "object", "required": ["ingredient", "quantity"],
                            "properties": { "ingredient": { "type": "string" }, "quantity": { "type": "integer" } } } },
                        "steps": { "type": "array", "items": { "type": "string" } }
                    }
                }));
    map.insert("IngredientEdit".into(), json!({
                    "type": "object", "required": ["name", "unit"], "additionalProperties": false,
                    "properties": { "name": { "type": "string" }, "unit": { "type": "string", "enum": ["g", "ml", "piece"] },
                                    "allergens": { "type": "array", "items": { "type": "string", "enum": crate::domain::menu::ALLERGENS } } }
                }));
    map.insert(
        "Withdrawal".into(),
        json!({
            "type": "object", "required": ["pizza", "withdrawn"], "additionalProperties": false,
            "properties": { "pizza": { "type": "string" }, "withdrawn": { "type": "boolean" } }
        }),
    );
    map.insert("Money".into(), json!({
                    "type": "object", "required": ["ht_cents", "vat_cents", "ttc_cents"],
                    "properties": { "ht_cents": { "type": "integer" }, "vat_cents": { "type": "integer" }, "ttc_cents": { "type": "integer" } }
                }));
    map.insert("Order".into(), json!({
                    "type": "object",
                    "required": ["reference", "pizzeria", "status", "version", "mode", "channel", "payment_method",
                                 "payment_status", "address", "requested_for", "lines", "totals", "vat", "cancel_reason", "created_at"],
                    "properties": {
                        "reference": { "type": "string" }, "pizzeria": { "type": "string" },
                        "status": { "enum": ["placed", "preparing", "ready", "out_for_delivery", "delivered", "collected", "cancelled"] },
                        "version": { "type": "integer" },
                        "mode": { "enum": ["delivery", "takeaway"] },
                        "channel": { "enum": ["web", "phone", "counter"] },
                        "payment_method": { "enum": ["online", "cash", "card"] },
                        "payment_status": { "enum": ["unpaid", "paid", "refunded"] },
                        "address": { "type": ["object", "null"] },
                        "requested_for": nullable_string,
                        "promised_for": { "type": ["string", "null"], "description": "The time promised when the order was taken (ready at the counter, or at the door): the time asked for, or for \"dès que possible\" the earliest the kitchen and drivers could keep; null for orders taken before capacity was counted." },
                        "promised_window": window("The window shown to the customer when the order was taken: it ends at promised_for (10 minutes wide for a takeaway, 15 for a delivery); null without a promise."),
                        "estimated_window": window("The new estimated window when the kitchen or the drivers fell behind (re-quoted live from the queue); null while the promise holds."),
                        "lines": { "type": "array", "items": {
                            "type": "object", "required": ["pizza", "quantity", "unit_price_cents", "vat_rate_bp", "note"],
                            "properties": { "pizza": { "type": "string" }, "quantity": { "type": "integer" },
                                            "unit_price_cents": { "type": "integer" }, "vat_rate_bp": { "type": "integer" },
                                            "note": { "type": "string" },
                                            "composition": { "type": ["object", "null"], "description": "A customised pizza as sold (never recomputed): `summary` (the kitchen's words) and `parts` ([{label, cents}], summing to unit_price_cents); null for the pizza as on the menu." } } } },
                        "totals": { "$ref": "#/components/schemas/Money" },
                        "vat": { "type": "array", "items": { "type": "object", "required": ["vat_rate_bp", "ht_cents", "vat_cents", "ttc_cents"] } },
                        "cancel_reason": nullable_string,
                        "created_at": nullable_string,
                        "access_key": { "type": "string", "description": "Only when a guest places an order: keep it, it is shown once." },
                        "payment": { "$ref": "#/components/schemas/OnlinePayment" }
                    }
                }));
    map.insert("OnlinePayment".into(), json!({
                    "type": "object", "description": "Only when an order paid online is placed. Confirm the PaymentIntent with Stripe.js \
                        (`client_secret`, `publishable_key`); the order is paid when Stripe's signed webhook reaches the server — \
                        follow `payment_status` on the order. `client_secret` is null when Stripe could not be reached: the web \
                        page `page` creates the intent later. Unpaid at `pay_before`, the order is cancelled.",
                    "required": ["provider", "amount_cents", "currency", "publishable_key", "pay_before", "page", "client_secret"],
                    "properties": {
                        "provider": { "const": "stripe" }, "amount_cents": { "type": "integer" }, "currency": { "const": "eur" },
                        "publishable_key": { "type": "string" }, "pay_before": { "type": "string", "format": "date-time" },
                        "page": { "type": "string" }, "intent": { "type": "string" }, "client_secret": { "type": ["string", "null"] }
                    }
                }));
    map.insert(
        "OrderList".into(),
        json!({
            "type": "object", "required": ["orders"],
            "properties": { "orders": { "type": "array", "items": {
                "type": "object", "required": ["reference", "pizzeria", "status", "total_ttc_cents", "created_at"] } } }
        }),
    );
    map.insert("Me".into(), json!({
                    "type": "object", "required": ["id", "email", "full_name", "role", "pizzeria_id"],
                    "properties": { "id": { "type": "integer" }, "email": { "type": "string" }, "full_name": { "type": "string" },
                                    "role": { "type": "string" }, "pizzeria_id": { "type": ["integer", "null"] } }
                }));
    map.insert("User".into(), json!({
                    "type": "object", "required": ["id", "email", "full_name", "role", "pizzeria_id", "active"],
                    "properties": { "id": { "type": "integer" }, "email": { "type": ["string", "null"] }, "full_name": { "type": "string" },
                                    "role": { "type": "string" }, "pizzeria_id": { "type": ["integer", "null"] }, "active": { "type": "boolean" } }
                }));
    map.insert(
        "UserList".into(),
        json!({
            "type": "object", "required": ["users"],
            "properties": { "users": { "type": "array", "items": { "$ref": "#/components/schemas/User" } } }
        }),
    );
    Value::Object(map)
}

fn paths() -> Value {
    let mut map = serde_json::Map::new();
    map.insert(
        "/openapi.json".into(),
        json!({ "get": { "operationId": "openapi", "summary": "This document.",
                "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": {} } } } } }),
    );
    map.insert(
        "/pizzerias".into(),
        json!({ "get": { "operationId": "listPizzerias", "summary": "Active pizzerias, their zones and hours.",
                "responses": { "200": ok("Pizzerias", "PizzeriaList") } } }),
    );
    map.insert(
        "/pizzerias/{slug}/menu".into(),
        json!({ "get": { "operationId": "pizzeriaMenu", "summary": "A pizzeria's menu with live availability.",
                "parameters": [path_param("slug", "The pizzeria's slug.")],
                "responses": merge(json!({ "200": ok("Menu", "Menu") }), error_responses(&["404"])) } }),
    );
    map.insert(
        "/pizzerias/{slug}/slots".into(),
        json!({ "get": { "operationId": "pizzeriaSlots",
                "summary": "Every time the pizzeria may promise from now on, and whether its oven and drivers can keep it for a basket of `pizzas` in `mode` (to `postcode`), with the rush controls in force. The order's own transaction decides: a time shown available may be taken meanwhile.",
                "parameters": [path_param("slug", "The pizzeria's slug."),
                    { "name": "pizzas", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 50 }, "description": "Pizzas in the basket (1)." },
                    { "name": "mode", "in": "query", "required": false, "schema": { "enum": ["takeaway", "delivery"] }, "description": "takeaway (default) or delivery." },
                    { "name": "postcode", "in": "query", "required": false, "schema": { "type": "string" }, "description": "The delivery postcode (its travel time)." }],
                "responses": merge(json!({ "200": ok("The times and their availability", "Slots") }), error_responses(&["404", "422"])) } }),
    );
    map.insert("/pizzerias/{slug}/rush".into(), json!({
                "get": { "operationId": "rushControls", "summary": "Managers: the rush controls in force and who used them.",
                    "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("slug", "The pizzeria.")],
                    "responses": merge(json!({ "200": ok("The controls", "RushControls") }), error_responses(&["401", "403", "404"])) },
                "post": { "operationId": "rushControl", "summary": "Managers: pause web orders or only deliveries, add preparation minutes, or resume; each ends by itself and is logged with who used it.",
                    "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("slug", "The pizzeria.")],
                    "requestBody": body("RushAction"),
                    "responses": merge(json!({ "200": ok("The controls after the action", "RushControls") }), error_responses(&["401", "403", "404", "422"])) } }));
    map.insert("/orders".into(), json!({ "post": { "operationId": "placeOrder",
                "summary": "Place an order (a signed-in customer's, or a guest's without credentials). Reserves the stock and the oven's and drivers' capacity for the time promised, or refuses with 409; more pizzas than the oven can ever bake for one time: 422 `too_many_pizzas`.",
                "security": [{}, { "bearer": [] }, { "session": [] }],
                "requestBody": body("PlaceOrder"),
                "responses": merge(json!({ "201": ok("The order; `access_key` for a guest.", "Order") }),
                                   error_responses(&["401", "403", "409", "413", "422"])) } }));
    map.insert("/orders/{reference}".into(), json!({
                "get": { "operationId": "getOrder", "summary": "An order: its customer, the guest with its key, its pizzeria's staff, admins.",
                    "parameters": order_key_params(),
                    "responses": merge(json!({ "200": ok("The order", "Order") }), error_responses(&["401", "404"])) },
                "put": { "operationId": "modifyOrder", "summary": "Change lines, mode, address or time while `placed`.",
                    "parameters": order_key_params(), "requestBody": body("ModifyOrder"),
                    "responses": merge(json!({ "200": ok("The order", "Order") }), error_responses(&["401", "403", "404", "409", "422"])) }
            }));
    map.insert("/orders/{reference}/cancel".into(), json!({ "post": { "operationId": "cancelOrder", "summary": "Cancel while `placed`; the stock comes back.",
                "parameters": order_key_params(), "requestBody": body("CancelOrder"),
                "responses": merge(json!({ "200": ok("The order", "Order") }), error_responses(&["401", "403", "404", "409", "422"])) } }));
    map.insert("/orders/{reference}/transitions".into(), json!({ "post": { "operationId": "moveOrder",
                "summary": "Staff: move an order along its life (the same state machine as the screens).",
                "security": [{ "bearer": [] }, { "session": [] }],
                "parameters": [path_param("reference", "The order's reference.")], "requestBody": body("Transition"),
                "responses": merge(json!({ "200": ok("The order", "Order") }), error_responses(&["401", "403", "404", "409", "422"])) } }));
    map.insert("/pizzerias/{slug}/queues/{screen}".into(), json!({ "get": { "operationId": "pizzeriaQueue",
                "summary": "Staff: a screen's queue (`kitchen`, `delivery` or `counter`) as the caller's screen shows it.",
                "security": [{ "bearer": [] }, { "session": [] }],
                "parameters": [path_param("slug", "The pizzeria."), path_param("screen", "kitchen, delivery or counter")],
                "responses": merge(json!({ "200": ok("The queue", "Queue") }), error_responses(&["401", "403", "404"])) } }));
    map.insert("/pizzerias/{slug}/events".into(), json!({ "get": { "operationId": "pizzeriaEvents",
                "summary": "Staff: the pizzeria's order events as server-sent events. `hello` first, then `change`                             (data: {id, kind, pizzeria_id, reference, status}; a `requoted` change also has `window`: [start, end] in epoch seconds, the order's new estimate) for each change, and `resync` when events                             may have been lost (re-read the queues).",
                "security": [{ "bearer": [] }, { "session": [] }],
                "parameters": [path_param("slug", "The pizzeria.")],
                "responses": merge(json!({ "200": { "description": "An endless event stream.", "content": { "text/event-stream": {} } } }),
                                   error_responses(&["401", "403", "404"])) } }));
    map.insert("/pizzerias/{slug}/stock".into(), json!({
                "get": { "operationId": "pizzeriaStock", "summary": "Managers: the pizzeria's stock and the pizzas it can still make.",
                    "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("slug", "The pizzeria.")],
                    "responses": merge(json!({ "200": ok("The stock", "Stock") }), error_responses(&["401", "403", "404"])) },
                "post": { "operationId": "moveStock", "summary": "Managers: a reception, a loss, an inventory count or a low threshold.",
                    "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("slug", "The pizzeria.")],
                    "requestBody": body("StockAction"),
                    "responses": merge(json!({ "200": ok("The stock after the action", "Stock") }), error_responses(&["401", "403", "404", "422"])) } }));
    map.insert("/pizzerias/{slug}/stock/movements".into(), json!({ "get": { "operationId": "stockMovements",
                "summary": "Managers: the movement journal, newest first, 50 a page.",
                "security": [{ "bearer": [] }, { "session": [] }],
                "parameters": [path_param("slug", "The pizzeria."),
                    { "name": "ingredient", "in": "query", "required": false, "schema": { "type": "string" } },
                    { "name": "kind", "in": "query", "required": false, "schema": { "type": "string" } },
                    { "name": "from", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } },
                    { "name": "page", "in": "query", "required": false, "schema": { "type": "integer" } }],
                "responses": merge(json!({ "200": ok("Movements", "Movements") }), error_responses(&["401", "403", "404", "422"])) } }));
    map.insert("/menu/pizzas/{pizza}".into(), json!({ "put": { "operationId": "putPizza",
                "summary": "Admins: creates or replaces a pizza, its recipe and memo steps (past orders keep their own snapshot).",
                "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("pizza", "The pizza's slug.")],
                "requestBody": body("PizzaEdit"),
                "responses": merge(json!({ "200": { "description": "The pizza as saved", "content": { "application/json": { "schema": { "type": "object" } } } } }),
                                   error_responses(&["401", "403", "422"])) } }));
    map.insert("/menu/ingredients/{ingredient}".into(), json!({ "put": { "operationId": "putIngredient",
                "summary": "Admins: creates or updates an ingredient (its unit never changes; a new one starts at zero stock everywhere).",
                "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("ingredient", "The ingredient's code.")],
                "requestBody": body("IngredientEdit"),
                "responses": merge(json!({ "200": { "description": "The ingredient as saved", "content": { "application/json": { "schema": { "type": "object" } } } } }),
                                   error_responses(&["401", "403", "422"])) } }));
    map.insert("/pizzerias/{slug}/withdrawals".into(), json!({ "post": { "operationId": "withdrawPizza",
                "summary": "Managers: withdraws a pizza from the pizzeria's menu for the day, or puts it back.",
                "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("slug", "The pizzeria.")],
                "requestBody": body("Withdrawal"),
                "responses": merge(json!({ "200": { "description": "Done", "content": { "application/json": { "schema": { "type": "object" } } } } }),
                                   error_responses(&["401", "403", "404", "422"])) } }));
    map.insert("/stock/transfers".into(), json!({ "post": { "operationId": "transferStock",
                "summary": "Admins: moves stock between two pizzerias (two movements, or nothing).",
                "security": [{ "bearer": [] }, { "session": [] }], "requestBody": body("Transfer"),
                "responses": merge(json!({ "200": ok("The transfer", "Transfer") }), error_responses(&["401", "403", "409", "422"])) } }));
    map.insert("/me".into(), json!({ "get": { "operationId": "me", "summary": "The caller.", "security": [{ "bearer": [] }, { "session": [] }],
                "responses": merge(json!({ "200": ok("The caller", "Me") }), error_responses(&["401"])) } }));
    map.insert(
        "/me/orders".into(),
        json!({ "get": { "operationId": "myOrders", "summary": "The caller's orders, newest first.",
                "security": [{ "bearer": [] }, { "session": [] }],
                "responses": merge(json!({ "200": ok("Orders", "OrderList") }), error_responses(&["401"])) } }),
    );
    map.insert("/users".into(), json!({ "get": { "operationId": "listUsers", "summary": "Accounts the caller manages (admins: all; managers: their crew).",
                "security": [{ "bearer": [] }, { "session": [] }],
                "responses": merge(json!({ "200": ok("Accounts", "UserList") }), error_responses(&["401", "403"])) } }));
    map.insert("/users/{id}/disable".into(), json!({ "post": { "operationId": "disableUser", "summary": "Disable an account: its sessions and tokens end.",
                "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("id", "The account's id.")],
                "responses": merge(json!({ "200": ok("The account", "User") }), error_responses(&["401", "403", "404", "409"])) } }));
    map.insert("/users/{id}/enable".into(), json!({ "post": { "operationId": "enableUser", "summary": "Enable an account again.",
                "security": [{ "bearer": [] }, { "session": [] }], "parameters": [path_param("id", "The account's id.")],
                "responses": merge(json!({ "200": ok("The account", "User") }), error_responses(&["401", "403", "404", "409"])) } }));
    Value::Object(map)
}

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "OC Pizza API",
            "version": "1",
            "description": "Pizzerias, menus with live availability, orders. Authenticate with `Authorization: Bearer <token>` \
                            (personal tokens: /account/tokens) or with the session cookie plus `X-CSRF-Token` on unsafe \
                            requests. Guests place orders without credentials and follow them with the `access_key` \
                            returned (header `X-Order-Key`). Errors are `{\"error\": code, \"message\": text}` with a 4xx status. \
                            Times chosen by customers are local to Europe/Paris (`2026-11-26T19:30`); times returned are RFC 3339 UTC."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "oc_session" }
            },
            "schemas": schemas()
        },
        "paths": paths()
    })
}

#[get("/openapi.json")]
fn openapi() -> Json<Value> {
    Json(document())
}
