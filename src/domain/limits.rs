//! Limits on what anyone may do without an account: anonymous (guest) orders and the text
//! messages they cause. Without them a dozen requests make a pizza "Épuisée" for the
//! evening, and each order sends an e-mail and a text to whatever number was typed (SMS
//! pumping costs real money).
//!
//! Counters are fixed windows (`store::rate_limits`): a count and when its window started,
//! taken and read in one statement. This module says what a count means.

/// Why something was refused; the code is what the dashboard and `/metrics` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// More pizzas than a guest may order at once.
    GuestOrderSize,
    /// The contact has too many guest orders open and unpaid.
    GuestOpenUnpaid,
    /// Too many guest orders from this client address in the window.
    GuestOrdersAddress,
    /// Too many guest orders for this phone number or e-mail address in the window.
    GuestOrdersContact,
    /// Too many texts to this number today.
    SmsNumber,
    /// The pizzeria's texts for today are spent.
    SmsBudget,
}

impl Limit {
    pub const ALL: [Limit; 6] = [
        Limit::GuestOrderSize,
        Limit::GuestOpenUnpaid,
        Limit::GuestOrdersAddress,
        Limit::GuestOrdersContact,
        Limit::SmsNumber,
        Limit::SmsBudget,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Limit::GuestOrderSize => "guest_order_size",
            Limit::GuestOpenUnpaid => "guest_open_unpaid",
            Limit::GuestOrdersAddress => "guest_orders_address",
            Limit::GuestOrdersContact => "guest_orders_contact",
            Limit::SmsNumber => "sms_number",
            Limit::SmsBudget => "sms_budget",
        }
    }

    pub fn parse(code: &str) -> Option<Limit> {
        Limit::ALL.into_iter().find(|limit| limit.code() == code)
    }

    /// What the manager's dashboard calls it.
    pub fn label(self) -> &'static str {
        match self {
            Limit::GuestOrderSize => "commandes sans compte trop grandes",
            Limit::GuestOpenUnpaid => "trop de commandes sans compte impayées pour un même contact",
            Limit::GuestOrdersAddress => "trop de commandes sans compte depuis une même adresse IP",
            Limit::GuestOrdersContact => "trop de commandes sans compte pour un même téléphone ou e-mail",
            Limit::SmsNumber => "SMS non envoyés : trop de messages vers un même numéro",
            Limit::SmsBudget => "SMS non envoyés : budget du jour atteint",
        }
    }
}

/// A guest order refused: why, what to tell the customer, and when to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub limit: Limit,
    pub message: String,
    /// Seconds until the counter's window ends (`Retry-After`); `None` when waiting does
    /// not help by itself (an order too big, unpaid orders to settle first).
    pub retry_after: Option<i64>,
}

/// The limits on guest orders, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestLimits {
    pub window_seconds: i64,
    pub per_address: i64,
    pub per_contact: i64,
    pub open_unpaid_per_contact: i64,
    pub max_pizzas: i64,
}

/// One counter after this order was counted: its count and when its window started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: i64,
    pub started_at: i64,
}

impl GuestLimits {
    /// What is known before anything is counted: the size of the basket and the contact's
    /// open unpaid guest orders.
    pub fn check_basket(&self, pizzas: i64, open_unpaid: i64) -> Result<(), Refused> {
        if pizzas > self.max_pizzas {
            return Err(Refused {
                limit: Limit::GuestOrderSize,
                message: format!(
                    "Sans compte, une commande compte au plus {} pizzas : connectez-vous ou appelez la pizzeria \
                     pour une commande plus importante.",
                    self.max_pizzas
                ),
                retry_after: None,
            });
        }
        if open_unpaid >= self.open_unpaid_per_contact {
            return Err(Refused {
                limit: Limit::GuestOpenUnpaid,
                message: format!(
                    "Ce contact a déjà {open_unpaid} commande(s) en cours non réglée(s) : attendez qu'elles soient \
                     livrées ou retirées, ou créez un compte pour commander davantage."
                ),
                retry_after: None,
            });
        }
        Ok(())
    }

    /// After counting this order on a counter of `limit` (address or contact): refused
    /// beyond the limit, until the window ends.
    pub fn check_count(&self, limit: Limit, window: Window, now: i64) -> Result<(), Refused> {
        let allowed = match limit {
            Limit::GuestOrdersAddress => self.per_address,
            _ => self.per_contact,
        };
        if window.count <= allowed {
            return Ok(());
        }
        let retry_after = (window.started_at + self.window_seconds - now).max(1);
        let what = match limit {
            Limit::GuestOrdersAddress => "depuis cette connexion",
            _ => "pour ce téléphone ou cette adresse e-mail",
        };
        Err(Refused {
            limit,
            message: format!(
                "Trop de commandes sans compte {what} : réessayez dans {}, connectez-vous, ou appelez la pizzeria.",
                super::throttle::minutes_fr(retry_after)
            ),
            retry_after: Some(retry_after),
        })
    }
}

/// The day's texts: per destination number and per pizzeria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsLimits {
    pub per_number_per_day: i64,
    pub per_pizzeria_per_day: i64,
}

impl SmsLimits {
    /// After counting a text on both of today's counters: may it go?
    pub fn check(&self, to_number: i64, from_pizzeria: i64) -> Result<(), Limit> {
        if to_number > self.per_number_per_day {
            return Err(Limit::SmsNumber);
        }
        if from_pizzeria > self.per_pizzeria_per_day {
            return Err(Limit::SmsBudget);
        }
        Ok(())
    }
}

/// The day of `at` in Paris (`YYYY-MM-DD`): refusals and text budgets are counted by day.
pub fn paris_day(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Counts a fixed window: the window restarts once `window_seconds` have passed since it
/// started. `store::rate_limits::take` is this rule in one SQL statement.
pub fn next_window(previous: Option<Window>, window_seconds: i64, now: i64) -> Window {
    match previous {
        Some(window) if now - window.started_at < window_seconds => Window { count: window.count + 1, ..window },
        _ => Window { count: 1, started_at: now },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: GuestLimits = GuestLimits {
        window_seconds: 3600,
        per_address: 10,
        per_contact: 5,
        open_unpaid_per_contact: 3,
        max_pizzas: 15,
    };

    #[test]
    fn a_basket_too_big_or_a_contact_with_unpaid_orders_is_refused() {
        assert!(LIMITS.check_basket(15, 2).is_ok());
        let big = LIMITS.check_basket(16, 0).expect_err("too big");
        assert_eq!((big.limit, big.retry_after), (Limit::GuestOrderSize, None));
        assert!(big.message.contains("au plus 15 pizzas"), "{}", big.message);
        let unpaid = LIMITS.check_basket(1, 3).expect_err("three open");
        assert_eq!(unpaid.limit, Limit::GuestOpenUnpaid);
    }

    #[test]
    fn counters_refuse_beyond_their_limit_until_the_window_ends() {
        let within = Window { count: 10, started_at: 1000 };
        assert!(LIMITS.check_count(Limit::GuestOrdersAddress, within, 1500).is_ok());
        let over = Window { count: 11, started_at: 1000 };
        let refused = LIMITS.check_count(Limit::GuestOrdersAddress, over, 1500).expect_err("eleventh");
        assert_eq!(refused.retry_after, Some(3100));
        assert!(refused.message.contains("réessayez dans 52 minutes"), "{}", refused.message);
        let contact = Window { count: 6, started_at: 1000 };
        assert_eq!(
            LIMITS.check_count(Limit::GuestOrdersContact, contact, 4599).expect_err("sixth").retry_after,
            Some(1)
        );
        assert!(LIMITS.check_count(Limit::GuestOrdersContact, Window { count: 5, started_at: 0 }, 10).is_ok());
    }

    #[test]
    fn days_are_counted_in_paris() {
        // 2026-12-07 23:30 UTC is already the 8th in Paris.
        assert_eq!(paris_day(1_796_686_200), "2026-12-08");
        assert_eq!(paris_day(1_796_682_600), "2026-12-07");
    }

    #[test]
    fn windows_are_fixed() {
        let first = next_window(None, 3600, 1000);
        assert_eq!(first, Window { count: 1, started_at: 1000 });
        let second = next_window(Some(first), 3600, 4599);
        assert_eq!(second, Window { count: 2, started_at: 1000 });
        assert_eq!(next_window(Some(second), 3600, 4600), Window { count: 1, started_at: 4600 });
    }

    #[test]
    fn texts_stop_at_the_number_then_the_pizzeria() {
        let sms = SmsLimits { per_number_per_day: 10, per_pizzeria_per_day: 300 };
        assert_eq!(sms.check(10, 300), Ok(()));
        assert_eq!(sms.check(11, 1), Err(Limit::SmsNumber));
        assert_eq!(sms.check(1, 301), Err(Limit::SmsBudget));
        for limit in Limit::ALL {
            assert_eq!(Limit::parse(limit.code()), Some(limit));
        }
    }
}
