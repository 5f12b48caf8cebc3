//! Form pieces: the CSRF field, labelled inputs with their French error next to them.

use maud::{html, Markup};

use crate::domain::fields::FieldErrors;
use crate::domain::notifications::{EmailLevel, Preferences};
use crate::domain::orders::Mode;
use crate::domain::requote;

pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// A labelled input. `value` is what the visitor typed (never given for passwords).
pub struct Input<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub kind: &'static str,
    pub value: &'a str,
    pub autocomplete: &'static str,
    pub required: bool,
    pub hint: Option<&'a str>,
    pub max_length: Option<usize>,
}

impl<'a> Input<'a> {
    pub fn text(name: &'static str, label: &'a str, value: &'a str) -> Self {
        Input { name, label, kind: "text", value, autocomplete: "off", required: true, hint: None, max_length: None }
    }

    pub fn password(name: &'static str, label: &'a str, autocomplete: &'static str) -> Self {
        Input { kind: "password", autocomplete, ..Input::text(name, label, "") }
    }

    pub fn kind(self, kind: &'static str) -> Self {
        Input { kind, ..self }
    }

    pub fn autocomplete(self, autocomplete: &'static str) -> Self {
        Input { autocomplete, ..self }
    }

    pub fn optional(self) -> Self {
        Input { required: false, ..self }
    }

    pub fn hint(self, hint: &'a str) -> Self {
        Input { hint: Some(hint), ..self }
    }

    pub fn max_length(self, max: usize) -> Self {
        Input { max_length: Some(max), ..self }
    }

    pub fn render(&self, errors: &FieldErrors) -> Markup {
        let error = errors.get(self.name);
        let id = format!("champ-{}", self.name);
        let described = match (error.is_some(), self.hint.is_some()) {
            (true, _) => Some(format!("{id}-erreur")),
            (false, true) => Some(format!("{id}-aide")),
            _ => None,
        };
        html! {
            div.field.has-error[error.is_some()] {
                label for=(id) { (self.label) @if !self.required { span.optional { " (facultatif)" } } }
                input id=(id) name=(self.name) type=(self.kind) autocomplete=(self.autocomplete)
                    value=[(self.kind != "password").then_some(self.value)]
                    required[self.required] maxlength=[self.max_length]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[described];
                @if let Some(hint) = self.hint { p.hint id={ (id) "-aide" } { (hint) } }
                @if let Some(error) = error { p.field-error id={ (id) "-erreur" } { (error) } }
            }
        }
    }
}

/// The words a person reads for a form field, and the id of the control to jump to (the
/// [`Input`]s are `champ-<name>`; a group of radio buttons, its first one).
fn field_name(field: &str) -> Option<(&'static str, Option<String>)> {
    let input = |label: &'static str| Some((label, Some(format!("champ-{field}"))));
    let plain = |label: &'static str| Some((label, None));
    match field {
        "full_name" => input("Nom et prénom"),
        "email" => input("Adresse e-mail"),
        "phone" => input("Téléphone"),
        "street" => input("Numéro et rue"),
        "postcode" => input("Code postal"),
        "city" => input("Ville"),
        "instructions" => input("Instructions pour le livreur"),
        "label" => input("Nom de l'adresse"),
        "name" => input("Nom du jeton"),
        "password" => input("Mot de passe"),
        "password_confirmation" => input("Confirmation du mot de passe"),
        "current_password" => input("Mot de passe actuel"),
        "new_password" => input("Nouveau mot de passe"),
        "new_password_confirmation" => input("Confirmation du nouveau mot de passe"),
        "when" => input("Pour quand"),
        "mode" => Some(("Livraison ou à emporter", Some("mode-delivery".to_string()))),
        "payment" => plain("Paiement"),
        "notify_email" => plain("Vous tenir informé"),
        "lines" => plain("Pizzas"),
        "quantity" => plain("Quantité"),
        "note" => plain("Note pour la cuisine"),
        "role" => plain("Rôle"),
        "pizzeria" => plain("Pizzeria"),
        "paid_now" => plain("Payée maintenant"),
        "channel" => plain("Canal"),
        _ => None,
    }
}

/// A list of the form's problems at its top, for screen readers and long forms: each names
/// its field and links to it, so "Ce champ est obligatoire." never stands alone.
pub fn summary(errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.form-errors role="alert" {
                p { "Le formulaire contient des erreurs :" }
                ul {
                    @for (field, message) in errors.iter() {
                        li {
                            @match field_name(field) {
                                Some((label, Some(anchor))) => { a href={ "#" (anchor) } { (label) } " : " (message) }
                                Some((label, None)) => { (label) " : " (message) }
                                None => { (message) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A message at the top of a page after an action ("Adresse enregistrée.").
/// What the pizzeria's rush controls say to customers (menu, checkout).
pub fn rush_notices(said: &[String]) -> Markup {
    html! { @for line in said { p.notice.rush role="status" { (line) } } }
}

/// "Dès que possible : prête vers 19h35–19h45, livrée vers 19h50–20h05." (nothing when no
/// order can be taken for now); each window's end in `data-asap-<mode>`.
pub fn asap_line(windows: &[(Mode, i64)]) -> Markup {
    let said: Vec<String> = windows.iter().map(|(mode, end)| requote::describe_window(*mode, *end)).collect();
    let end = |wanted: Mode| windows.iter().find(|(mode, _)| *mode == wanted).map(|(_, end)| *end);
    html! {
        @if !said.is_empty() {
            p.asap data-asap-takeaway=[end(Mode::Takeaway)] data-asap-delivery=[end(Mode::Delivery)] {
                "Dès que possible : " (said.join(", ")) "." }
        }
    }
}

pub fn notice(message: Option<&str>) -> Markup {
    html! { @if let Some(message) = message { p.notice role="status" { (message) } } }
}

/// A button that posts an action (disable, delete, revoke) with the CSRF token.
pub fn action_button(action: &str, csrf_token: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf(csrf_token))
            button type="submit" class=(class) { (label) }
        }
    }
}

/// The notification choice (account page, guest checkout, phone order): which e-mails, and
/// text messages or not (offered only when the installation sends them).
pub fn notification_fields(preferences: Preferences, sms_available: bool, sms_hint: &str) -> Markup {
    html! {
        fieldset.field {
            legend { "E-mails sur la commande" }
            @for level in EmailLevel::ALL {
                label.radio {
                    input type="radio" name="notify_email" value=(level.as_str()) checked[preferences.email == level];
                    " " (level.label())
                }
            }
        }
        @if sms_available {
            div.field.checkbox {
                input #champ-notify-sms type="checkbox" name="notify_sms" value="true" checked[preferences.sms];
                label for="champ-notify-sms" { "SMS quand la commande est en préparation, en route ou prête à emporter" }
                p.hint { (sms_hint) }
            }
        }
    }
}
