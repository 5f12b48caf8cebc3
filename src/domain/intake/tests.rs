//! The rules of intake, door by door.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::slots::Period;

/// A Tuesday, 18:00 in Paris (17:00 UTC in winter).
fn tuesday_evening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 8, 17, 0, 0).single().expect("a time")
}

fn every_evening() -> Vec<Period> {
    (1..=7).map(|weekday| Period { weekday, opens_minute: 11 * 60, closes_minute: 22 * 60 }).collect()
}

struct Zones {
    here: Vec<String>,
    there: Vec<String>,
}

fn zones() -> Zones {
    Zones { here: vec!["75015".into()], there: vec!["75001".into()] }
}

fn context(zones: &Zones, closed: Vec<NaiveDate>) -> Context<'_> {
    Context {
        pizzeria: Pizzeria {
            id: 7,
            name: "OC Pizza Vaugirard",
            delivery_postcodes: &zones.here,
            schedule: Schedule::new(every_evening(), closed),
        },
        zones: vec![("OC Pizza Vaugirard", &zones.here), ("OC Pizza Louvre", &zones.there)],
        saved_addresses: vec![(
            3,
            DeliveryAddress {
                street: "3 rue de la Paix".into(),
                postcode: "75001".into(),
                city: "Paris".into(),
                instructions: String::new(),
            },
        )],
        now: tuesday_evening(),
        lead: Duration::minutes(30),
        online_payment: false,
        rush: Default::default(),
    }
}

fn margherita(quantity: i64) -> Vec<LineRequest> {
    vec![LineRequest { pizza_id: 1, quantity, note: String::new(), composition: None }]
}

fn delivered_to(postcode: &str) -> DeliveryFacts<'_> {
    DeliveryFacts {
        mode: "delivery",
        street: "10 rue Lecourbe",
        postcode,
        city: "Paris",
        when: "asap",
        ..Default::default()
    }
}

fn web_request<'a>(delivery: DeliveryFacts<'a>, payment: &'a str) -> WebRequest<'a> {
    WebRequest {
        lines: margherita(2),
        delivery,
        contact: ContactFacts { full_name: "Jeanne Martin", email: "jeanne@example.fr", phone: "06 12 34 56 78" },
        payment,
        customer: WebCustomer::Guest { notify_email: "", notify_sms: false },
        wording: Wording::Page,
    }
}

#[test]
fn a_web_order_in_the_zone_becomes_a_guest_order_for_now() {
    let zones = zones();
    let mut errors = FieldErrors::new();
    let order = web_order(&web_request(delivered_to("75015"), "cash"), &context(&zones, vec![]), &mut errors)
        .expect("an order");
    assert!(errors.is_empty());
    assert_eq!(order.channel, Channel::Web);
    assert_eq!(order.mode, Mode::Delivery);
    assert_eq!(order.address.as_ref().map(|a| a.postcode.as_str()), Some("75015"));
    assert_eq!(order.requested_for, None, "as soon as possible");
    assert_eq!(order.customer_phone, "06 12 34 56 78", "as `fields::french_phone` writes it");
    assert!(order.guest && order.customer_id.is_none() && !order.paid);
    assert_eq!(order.pizzeria_id, 7);
}

#[test]
fn outside_the_zone_the_refusal_names_who_delivers_there() {
    let zones = zones();
    let mut errors = FieldErrors::new();
    let refused = web_order(&web_request(delivered_to("75001"), "cash"), &context(&zones, vec![]), &mut errors);
    assert!(refused.is_none());
    assert_eq!(errors.get("postcode"), Some("OC Pizza Vaugirard ne livre pas le 75001. Y livre : OC Pizza Louvre."));
    let mut errors = FieldErrors::new();
    web_order(&web_request(delivered_to("13001"), "cash"), &context(&zones, vec![]), &mut errors);
    assert!(errors.get("postcode").is_some_and(|m| m.contains("aucune de nos pizzerias")), "{errors:?}");
    // A saved address is checked the same way.
    let mut errors = FieldErrors::new();
    let saved = DeliveryFacts { mode: "delivery", address_id: "3", when: "asap", ..Default::default() };
    assert!(delivery(&saved, &context(&zones, vec![]), &mut errors).is_none());
    assert!(errors.get("postcode").is_some_and(|m| m.contains("ne livre pas le 75001")));
}

#[test]
fn a_slot_on_a_holiday_or_off_the_list_is_refused() {
    let zones = zones();
    let holiday = NaiveDate::from_ymd_opt(2026, 12, 9).expect("a date");
    let takeaway = |when| DeliveryFacts { mode: "takeaway", when, ..Default::default() };
    let mut errors = FieldErrors::new();
    assert!(delivery(&takeaway("2026-12-09T19:30"), &context(&zones, vec![holiday]), &mut errors).is_none());
    assert_eq!(errors.get("when"), Some("La pizzeria est fermée ce jour-là : choisissez un autre jour."));
    let mut errors = FieldErrors::new();
    assert!(delivery(&takeaway("ce soir"), &context(&zones, vec![]), &mut errors).is_none());
    assert_eq!(errors.get("when"), Some("Choisissez une heure dans la liste."));
    let mut errors = FieldErrors::new();
    let kept = delivery(&takeaway("2026-12-09T19:30"), &context(&zones, vec![]), &mut errors).expect("a slot");
    assert_eq!(kept.requested_for, Some(Utc.with_ymd_and_hms(2026, 12, 9, 18, 30, 0).unwrap().timestamp()));
    assert_eq!(kept.address, None, "takeaway has no address");
    let mut errors = FieldErrors::new();
    assert!(delivery(&DeliveryFacts { mode: "drone", ..Default::default() }, &context(&zones, vec![]), &mut errors)
        .is_none());
    assert!(errors.get("mode").is_some());
}

#[test]
fn which_payment_methods_each_channel_takes() {
    use PaymentMethod::*;
    assert_eq!(Channel::Web.payment_methods(true), vec![Online, Cash, Card]);
    assert_eq!(Channel::Web.payment_methods(false), vec![Cash, Card]);
    assert_eq!(Channel::Phone.payment_methods(true), vec![Cash, Card]);
    assert_eq!(Channel::Counter.payment_methods(true), vec![Cash, Card]);
    assert_eq!(payment_method(Channel::Web, true, "online", Wording::Page), Ok(Online));
    assert_eq!(
        payment_method(Channel::Phone, true, "online", Wording::Page),
        Err("Choisissez espèces ou carte bancaire.".into())
    );
    assert_eq!(
        payment_method(Channel::Web, true, "bitcoin", Wording::Page),
        Err("Choisissez le paiement en ligne, espèces ou carte bancaire.".into())
    );
    assert_eq!(
        payment_method(Channel::Web, false, "", Wording::Api),
        Err("Le paiement se fait en espèces (cash) ou par carte (card).".into())
    );
}

#[test]
fn paid_now_only_at_the_counter_for_takeaway() {
    assert!(Channel::Counter.may_be_paid_now(Mode::Takeaway));
    assert!(!Channel::Counter.may_be_paid_now(Mode::Delivery));
    assert!(!Channel::Phone.may_be_paid_now(Mode::Takeaway));
    assert!(!Channel::Web.may_be_paid_now(Mode::Takeaway));

    let zones = zones();
    let staff = |channel, mode| StaffRequest {
        channel,
        phone: Some("0612345678".into()),
        customer_id: None,
        full_name: "Jeanne Martin",
        email: "",
        payment: "cash",
        paid_now: true,
        notify_email: "",
        notify_sms: false,
        lines: margherita(1),
        delivery: DeliveryFacts { mode, ..delivered_to("75015") },
        taken_by: 12,
    };
    let mut errors = FieldErrors::new();
    let order = staff_order(&staff("counter", "takeaway"), &context(&zones, vec![]), &mut errors).expect("paid");
    assert!(order.paid && order.taken_by == Some(12) && order.customer_email.is_none());
    assert_eq!(order.channel, Channel::Counter);
    for (channel, mode) in [("phone", "takeaway"), ("counter", "delivery")] {
        let mut errors = FieldErrors::new();
        assert!(staff_order(&staff(channel, mode), &context(&zones, vec![]), &mut errors).is_none());
        assert!(errors.get("paid_now").is_some(), "{channel} {mode}");
    }
    let mut errors = FieldErrors::new();
    assert!(staff_order(&staff("web", "takeaway"), &context(&zones, vec![]), &mut errors).is_none());
    assert_eq!(errors.get("channel"), Some("Par téléphone ou au comptoir ?"));
}

#[test]
fn quantities_and_size_are_checked_at_every_door() {
    let zones = zones();
    let mut errors = FieldErrors::new();
    let mut request = web_request(delivered_to("75015"), "card");
    request.lines = margherita(0);
    request.lines.clear();
    assert!(web_order(&request, &context(&zones, vec![]), &mut errors).is_none());
    assert_eq!(errors.get("lines"), Some("La commande est vide."));

    let quantities: HashMap<String, String> =
        [("1".to_string(), "3".to_string()), ("2".to_string(), "0".to_string()), ("x".to_string(), "1".to_string())]
            .into();
    let mut errors = FieldErrors::new();
    let notes: HashMap<String, String> = [("1".to_string(), "sans basilic".to_string())].into();
    let lines = lines_from_map(&quantities, &notes, &mut errors);
    assert_eq!(lines, vec![LineRequest { pizza_id: 1, quantity: 3, note: "sans basilic".into(), composition: None }]);
    assert_eq!(errors.get("lines"), Some("Une des pizzas demandées n'existe pas."));

    let mut errors = FieldErrors::new();
    let too_many = margherita(orders::MAX_PIZZAS + 1);
    let facts = DeliveryFacts { mode: "takeaway", when: "asap", ..Default::default() };
    assert!(modification(too_many, &facts, &context(&zones, vec![]), &mut errors).is_none());
    assert!(errors.get("lines").is_some());
    let mut errors = FieldErrors::new();
    let change = modification(margherita(2), &facts, &context(&zones, vec![]), &mut errors).expect("a change");
    assert_eq!(change.mode, Mode::Takeaway);
}

#[test]
fn a_delivery_pause_refuses_web_deliveries_only() {
    use crate::domain::rush::{Action, Rush};
    let zones = zones();
    let mut paused = context(&zones, vec![]);
    let now = paused.now.timestamp();
    paused.rush = Rush::default().apply(Action::PauseDeliveries { minutes: 30 }, now);
    let mut errors = FieldErrors::new();
    assert!(web_order(&web_request(delivered_to("75015"), "cash"), &paused, &mut errors).is_none());
    assert!(errors.get("mode").is_some_and(|m| m.starts_with("Livraison suspendue jusqu'à")), "{errors:?}");
    let takeaway = DeliveryFacts { mode: "takeaway", when: "asap", ..Default::default() };
    let mut errors = FieldErrors::new();
    assert!(web_order(&web_request(takeaway, "cash"), &paused, &mut errors).is_some(), "{errors:?}");
    // The staff still take deliveries by phone.
    let mut errors = FieldErrors::new();
    let request = StaffRequest {
        channel: "phone",
        phone: Some("0612345678".into()),
        customer_id: None,
        full_name: "Jeanne Martin",
        email: "",
        payment: "cash",
        paid_now: false,
        notify_email: "",
        notify_sms: false,
        lines: margherita(1),
        delivery: delivered_to("75015"),
        taken_by: 12,
    };
    assert!(staff_order(&request, &paused, &mut errors).is_some(), "{errors:?}");
}
