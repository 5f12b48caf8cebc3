//! `oc-pizza user add`: creating an account from the command line (the first admin of a
//! fresh installation, or from a provisioning script).

use std::io::BufRead;

use crate::db::DbPool;
use crate::domain::fields;
use crate::domain::password;
use crate::domain::roles::Role;
use crate::store::pizzerias;
use crate::store::users::{self, CreateError, NewUser};
use crate::{crypto, Error, Result};

pub struct NewAccountRequest {
    pub role: String,
    pub email: String,
    pub pizzeria: Option<String>,
    pub name: Option<String>,
    pub password_stdin: bool,
}

pub struct CreatedAccount {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub one_time_password: Option<String>,
}

/// Refusals are `Error::Config` (exit status 2): a script must not retry them.
fn refused(message: impl Into<String>) -> Error {
    Error::Config(message.into())
}

pub async fn add_user(db: &DbPool, request: NewAccountRequest) -> Result<CreatedAccount> {
    let role = Role::parse(request.role.trim()).ok_or_else(|| {
        refused(
            format!("unknown role {:?}: use one of customer, counter, pizzeria, driver, manager, admin", request.role)
                .replace("pizzeria, driver", "pizzaiolo, driver"),
        )
    })?;
    let email =
        fields::email(&request.email).map_err(|_| refused(format!("invalid e-mail address {:?}", request.email)))?;
    let pizzeria_id = match (role.belongs_to_a_pizzeria(), request.pizzeria.as_deref()) {
        (true, None) => return Err(refused(format!("the role {} needs --pizzeria SLUG", role.as_str()))),
        (false, Some(_)) => {
            return Err(refused(format!("the role {} belongs to no pizzeria: drop --pizzeria", role.as_str())))
        }
        (true, Some(slug)) => Some(
            pizzerias::id_by_slug(db, slug.trim())
                .await?
                .ok_or_else(|| refused(format!("unknown pizzeria {slug:?} (see the slugs on the home page)")))?,
        ),
        (false, None) => None,
    };
    let full_name = match request.name.as_deref() {
        Some(name) => fields::person_name(name).map_err(|message| refused(format!("--name: {message}")))?,
        None => email.clone(),
    };
    let (password, one_time) = if request.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("reading the password from stdin", e))?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        password::check(&password, &email).map_err(|message| refused(format!("password refused: {message}")))?;
        (password, None)
    } else {
        let password = crypto::one_time_password();
        (password.clone(), Some(password))
    };
    let hash = crypto::hash_password(&password)?;
    let new_user = NewUser {
        email: &email,
        password_hash: &hash,
        full_name: &full_name,
        phone: None,
        role,
        pizzeria_id,
        must_change_password: one_time.is_some(),
    };
    let id = match users::create(db, &new_user).await {
        Ok(id) => id,
        Err(CreateError::EmailTaken) => {
            return Err(refused(format!("an account with the e-mail {email} exists already")))
        }
        Err(CreateError::Other(error)) => return Err(error),
    };
    Ok(CreatedAccount { id, email, role, one_time_password: one_time })
}
