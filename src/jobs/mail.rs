//! Sending e-mail over SMTP (lettre): STARTTLS or implicit TLS with rustls, or plain text
//! to a relay on this machine.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;
use crate::views::mail::Email;

/// Why a message was not handed over, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: true }
    }

    pub fn transient(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: false }
    }
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of our Message-IDs: the sender's domain.
    domain: String,
}

impl Mailer {
    /// The mailer the settings describe, or `None` when e-mail is off.
    pub fn from_settings(settings: &Settings) -> Result<Option<Mailer>, String> {
        let Some(host) = settings.smtp_host() else { return Ok(None) };
        let builder = match settings.smtp_security.as_str() {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| e.to_string())?,
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(|e| e.to_string())?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(settings.smtp_port).timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&settings.smtp_user, &settings.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from: Mailbox = settings.mail_from.parse().map_err(|e| format!("mail_from: {e}"))?;
        let domain = from.email.domain().to_string();
        Ok(Some(Mailer { transport: builder.build(), from, domain }))
    }

    pub async fn send(&self, to: &str, email: &Email) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|e| SendError::permanent(format!("adresse invalide : {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .date_now()
            .message_id(Some(format!("<{}@{}>", crate::crypto::random_token(), self.domain)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone())),
            )
            .map_err(|e| SendError::permanent(format!("message mal formé : {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) => Err(SendError { message: error.to_string(), permanent: error.is_permanent() }),
        }
    }
}
