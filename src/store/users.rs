//! Accounts: customers and staff, their passwords, activity, and RGPD erasure/export.

use sqlx::FromRow;

use crate::db::DbPool;
use crate::domain::notifications::{EmailLevel, Preferences};
use crate::domain::roles::Role;
use crate::{db_run, unix_now, Error, Result};

/// The signed-in user, as every guard and page sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub pizzeria_id: Option<i64>,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct AuthUserRow {
    pub id: i64,
    pub email: Option<String>,
    pub full_name: String,
    pub role: String,
    pub pizzeria_id: Option<i64>,
    pub must_change_password: bool,
}

impl AuthUserRow {
    pub(crate) fn into_user(self) -> Result<AuthUser> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| Error::Integrity(format!("user {} has an unknown role {:?}", self.id, self.role)))?;
        Ok(AuthUser {
            id: self.id,
            email: self.email.unwrap_or_default(),
            full_name: self.full_name,
            role,
            pizzeria_id: self.pizzeria_id,
            must_change_password: self.must_change_password,
        })
    }
}

pub(crate) const AUTH_USER_COLUMNS: &str = "u.id, u.email, u.full_name, u.role, u.pizzeria_id, u.must_change_password";

/// What a login attempt needs to know of an account.
#[derive(Debug, Clone, FromRow)]
pub struct LoginCandidate {
    pub id: i64,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// An account as the account pages and the admin list show it.
#[derive(Debug, Clone, FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: Option<String>,
    pub full_name: String,
    pub phone: Option<String>,
    pub role: String,
    pub pizzeria_id: Option<i64>,
    pub pizzeria_name: Option<String>,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: i64,
}

impl UserRecord {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// The same account as the guards see it.
    pub fn auth_user(&self) -> Result<AuthUser> {
        AuthUserRow {
            id: self.id,
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            role: self.role.clone(),
            pizzeria_id: self.pizzeria_id,
            must_change_password: self.must_change_password,
        }
        .into_user()
    }
}

const RECORD_SELECT: &str = "SELECT u.id, u.email, u.full_name, u.phone, u.role, u.pizzeria_id,
        p.name AS pizzeria_name, u.active, u.must_change_password, u.created_at
    FROM users u LEFT JOIN pizzerias p ON p.id = u.pizzeria_id";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub phone: Option<&'a str>,
    pub role: Role,
    pub pizzeria_id: Option<i64>,
    pub must_change_password: bool,
}

/// Why an account could not be created.
#[derive(Debug)]
pub enum CreateError {
    EmailTaken,
    Other(Error),
}

impl From<sqlx::Error> for CreateError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(e) if e.is_unique_violation() => CreateError::EmailTaken,
            _ => CreateError::Other(error.into()),
        }
    }
}

pub async fn create(db: &DbPool, user: &NewUser<'_>) -> Result<i64, CreateError> {
    let id = db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, full_name, phone, role, pizzeria_id, must_change_password,
                                updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.full_name)
        .bind(user.phone)
        .bind(user.role.as_str())
        .bind(user.pizzeria_id)
        .bind(user.must_change_password)
        .bind(unix_now())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        id
    });
    Ok(id)
}

pub async fn find_for_login(db: &DbPool, email: &str) -> Result<Option<LoginCandidate>> {
    let candidate = db_run!(db, |pool| {
        sqlx::query_as("SELECT id, password_hash, active FROM users WHERE email = $1 AND erased_at IS NULL")
            .bind(email)
            .fetch_optional(pool)
            .await?
    });
    Ok(candidate)
}

pub async fn password_hash(db: &DbPool, user_id: i64) -> Result<Option<String>> {
    let hash = db_run!(db, |pool| {
        sqlx::query_scalar::<_, Option<String>>("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?
    });
    Ok(hash.flatten())
}

pub async fn get(db: &DbPool, user_id: i64) -> Result<Option<UserRecord>> {
    let sql = format!("{RECORD_SELECT} WHERE u.id = $1");
    let record = db_run!(db, |pool| sqlx::query_as(&sql).bind(user_id).fetch_optional(pool).await?);
    Ok(record)
}

/// Which accounts a list shows. `scope_pizzeria` and `scope_roles` restrict a manager's view.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub role: Option<Role>,
    pub pizzeria_id: Option<i64>,
    pub active: Option<bool>,
    /// Part of the name or e-mail address.
    pub search: Option<String>,
    pub scope_pizzeria: Option<i64>,
    pub scope_roles: Option<Vec<Role>>,
}

pub const LIST_LIMIT: i64 = 500;

pub async fn list(db: &DbPool, filter: &Filter) -> Result<Vec<UserRecord>> {
    // Each condition is always present and switched off by a NULL parameter, so that one
    // SQL text serves every combination of filters.
    let roles = filter.scope_roles.as_ref().map(|roles| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","));
    let sql = format!(
        "{RECORD_SELECT}
         WHERE u.erased_at IS NULL
           AND ($1 IS NULL OR u.role = $1)
           AND ($2 IS NULL OR u.pizzeria_id = $2)
           AND ($3 IS NULL OR u.active = $3)
           AND ($4 IS NULL OR lower(u.full_name) LIKE $4 OR u.email LIKE $4)
           AND ($5 IS NULL OR u.pizzeria_id = $5)
           AND ($6 IS NULL OR (',' || $6 || ',') LIKE ('%,' || u.role || ',%'))
         ORDER BY u.role <> 'admin', p.name, u.full_name, u.id
         LIMIT {LIST_LIMIT}"
    );
    let search = filter.search.as_ref().map(|s| format!("%{}%", s.to_lowercase().replace(['%', '_'], "")));
    let records = db_run!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(filter.role.map(Role::as_str))
            .bind(filter.pizzeria_id)
            .bind(filter.active)
            .bind(search.as_deref())
            .bind(filter.scope_pizzeria)
            .bind(roles.as_deref())
            .fetch_all(pool)
            .await?
    });
    Ok(records)
}

pub async fn update_profile(db: &DbPool, user_id: i64, full_name: &str, phone: Option<&str>) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE users SET full_name = $1, phone = $2, updated_at = $3 WHERE id = $4")
            .bind(full_name)
            .bind(phone)
            .bind(unix_now())
            .bind(user_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// What the customer wants to be told about their orders.
pub async fn preferences(db: &DbPool, user_id: i64) -> Result<Preferences> {
    let row: Option<(String, bool)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT notify_email, notify_sms FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?
    });
    Ok(row
        .map(|(email, sms)| Preferences { email: EmailLevel::parse(&email).unwrap_or(EmailLevel::All), sms })
        .unwrap_or_default())
}

pub async fn set_preferences(db: &DbPool, user_id: i64, preferences: Preferences) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE users SET notify_email = $1, notify_sms = $2, updated_at = $3 WHERE id = $4")
            .bind(preferences.email.as_str())
            .bind(preferences.sms)
            .bind(unix_now())
            .bind(user_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The SQL that revokes every live API token of the user `$2` at `$1`: run in the same
/// transaction as a password change or reset, or disabling, so that no token outlives them.
pub const REVOKE_TOKENS_SQL: &str = "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";

/// Sets a new password and ends every session and API token of the account, in one
/// transaction.
pub async fn set_password(db: &DbPool, user_id: i64, password_hash: &str, must_change: bool) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
            .bind(password_hash)
            .bind(must_change)
            .bind(unix_now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query(REVOKE_TOKENS_SQL).bind(unix_now()).bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
    });
    crate::live::rights_changed(db, user_id).await;
    Ok(())
}

/// Disables (ending its sessions and tokens at once) or re-enables an account.
pub async fn set_active(db: &DbPool, user_id: i64, active: bool) -> Result<()> {
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
            .bind(active)
            .bind(unix_now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query(REVOKE_TOKENS_SQL).bind(unix_now()).bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    if !active {
        crate::live::rights_changed(db, user_id).await;
    }
    Ok(())
}

pub async fn set_role(db: &DbPool, user_id: i64, role: Role, pizzeria_id: Option<i64>) -> Result<()> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE users SET role = $1, pizzeria_id = $2, updated_at = $3 WHERE id = $4")
            .bind(role.as_str())
            .bind(pizzeria_id)
            .bind(unix_now())
            .bind(user_id)
            .execute(pool)
            .await?;
    });
    crate::live::rights_changed(db, user_id).await;
    Ok(())
}

/// Orders that are not finished yet: an account with one cannot be erased.
pub async fn open_order_count(db: &DbPool, user_id: i64) -> Result<i64> {
    let count = db_run!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE customer_id = $1
             AND status NOT IN ('delivered', 'collected', 'cancelled')",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await?
    });
    Ok(count)
}

/// RGPD erasure of a customer account: the person's data goes (name, e-mail, phone,
/// password, addresses, sessions, tokens), the orders stay for the accounts with the
/// customer's name, phone, e-mail and street replaced.
pub async fn erase(db: &DbPool, user_id: i64) -> Result<()> {
    let now = unix_now();
    db_run!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "UPDATE users SET email = NULL, password_hash = NULL, full_name = 'Compte supprimé', phone = NULL,
                 active = FALSE, must_change_password = FALSE, erased_at = $1, updated_at = $1
             WHERE id = $2 AND role = 'customer'",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE orders SET customer_name = 'Client supprimé', customer_phone = '', customer_email = NULL,
                 delivery_street = CASE WHEN delivery_street IS NULL THEN NULL ELSE '(effacée)' END,
                 delivery_instructions = '', updated_at = $1
             WHERE customer_id = $2",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        for table in ["addresses", "sessions", "api_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1")).bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    crate::live::rights_changed(db, user_id).await;
    Ok(())
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ExportedOrder {
    pub reference: String,
    pub pizzeria: String,
    pub status: String,
    pub mode: String,
    pub channel: String,
    pub total_ttc_cents: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ExportedLine {
    pub reference: String,
    pub pizza_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

pub async fn orders_for_export(db: &DbPool, user_id: i64) -> Result<(Vec<ExportedOrder>, Vec<ExportedLine>)> {
    let result = db_run!(db, |pool| {
        let orders: Vec<ExportedOrder> = sqlx::query_as(
            "SELECT o.reference, p.name AS pizzeria, o.status, o.mode, o.channel, o.total_ttc_cents, o.created_at
             FROM orders o JOIN pizzerias p ON p.id = o.pizzeria_id WHERE o.customer_id = $1 ORDER BY o.created_at",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        let lines: Vec<ExportedLine> = sqlx::query_as(
            "SELECT o.reference, l.pizza_name, l.quantity, l.unit_price_cents
             FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = $1 ORDER BY l.id",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?;
        (orders, lines)
    });
    Ok(result)
}

/// A customer known to the pizzeria by phone: found to take a phone order.
#[derive(Debug, Clone, FromRow)]
pub struct PhoneCustomer {
    pub id: i64,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: String,
}

/// Active customers with this phone number (normalised `06 12 34 56 78`), most recent first.
pub async fn customers_by_phone(db: &DbPool, phone: &str) -> Result<Vec<PhoneCustomer>> {
    let found = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id, full_name, email, phone FROM users
             WHERE role = 'customer' AND active AND phone = $1 ORDER BY id DESC LIMIT 10",
        )
        .bind(phone)
        .fetch_all(pool)
        .await?
    });
    Ok(found)
}

/// A customer created by the counter for a phone order: a name and a phone, no login.
pub async fn create_phone_customer(db: &DbPool, full_name: &str, phone: &str) -> Result<i64> {
    let id = db_run!(db, |pool| {
        sqlx::query_scalar("INSERT INTO users (full_name, phone, role) VALUES ($1, $2, 'customer') RETURNING id")
            .bind(full_name)
            .bind(phone)
            .fetch_one(pool)
            .await?
    });
    Ok(id)
}
