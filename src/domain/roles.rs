//! Who is who: the six roles, and which account a user may manage.

/// A user's role (DESIGN §3). Staff (counter, pizzaiolo, driver, manager) belong to one
/// pizzeria; customers and admins to none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Customer,
    Counter,
    Pizzaiolo,
    Driver,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Customer, Role::Counter, Role::Pizzaiolo, Role::Driver, Role::Manager, Role::Admin];

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Counter => "counter",
            Role::Pizzaiolo => "pizzaiolo",
            Role::Driver => "driver",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Customer => "Client",
            Role::Counter => "Accueil / caisse",
            Role::Pizzaiolo => "Pizzaiolo",
            Role::Driver => "Livreur",
            Role::Manager => "Responsable de pizzeria",
            Role::Admin => "Direction du groupe",
        }
    }

    /// Staff belong to exactly one pizzeria; customers and admins to none.
    pub fn belongs_to_a_pizzeria(self) -> bool {
        matches!(self, Role::Counter | Role::Pizzaiolo | Role::Driver | Role::Manager)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }

    /// The page a user lands on after logging in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Customer => "/account",
            Role::Counter => "/staff/orders/new",
            Role::Pizzaiolo => "/kitchen",
            Role::Driver => "/delivery",
            Role::Manager => "/manage/dashboard",
            Role::Admin => "/admin/users",
        }
    }
}

/// What a user may see of the staff areas. Admins see every pizzeria's; a manager
/// everything staff do in their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Phone and counter orders.
    Counter,
    Kitchen,
    Delivery,
    /// Stock, menu, dashboard, the pizzeria's staff.
    Manage,
    /// The whole group.
    Admin,
}

pub fn may_enter(role: Role, area: Area) -> bool {
    match area {
        Area::Counter => matches!(role, Role::Counter | Role::Manager | Role::Admin),
        Area::Kitchen => matches!(role, Role::Pizzaiolo | Role::Manager | Role::Admin),
        Area::Delivery => matches!(role, Role::Driver | Role::Manager | Role::Admin),
        Area::Manage => matches!(role, Role::Manager | Role::Admin),
        Area::Admin => role == Role::Admin,
    }
}

/// The one who manages accounts: an admin (every account) or a manager (the counter,
/// pizzaiolo and driver accounts of their own pizzeria).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub pizzeria_id: Option<i64>,
}

/// May `actor` see and change the account `(role, pizzeria)`?
pub fn may_manage(actor: Actor, role: Role, pizzeria_id: Option<i64>) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Manager => {
            matches!(role, Role::Counter | Role::Pizzaiolo | Role::Driver)
                && pizzeria_id.is_some()
                && pizzeria_id == actor.pizzeria_id
        }
        _ => false,
    }
}

/// The roles `actor` may give to an account.
pub fn assignable_roles(actor: Actor) -> &'static [Role] {
    match actor.role {
        Role::Admin => &[Role::Counter, Role::Pizzaiolo, Role::Driver, Role::Manager, Role::Admin],
        Role::Manager => &[Role::Counter, Role::Pizzaiolo, Role::Driver],
        _ => &[],
    }
}

/// Why an account change is refused, in French for the form.
pub fn check_account_change(
    actor: Actor,
    target_user_id: Option<i64>,
    new_role: Role,
    new_pizzeria_id: Option<i64>,
) -> Result<(), &'static str> {
    if !assignable_roles(actor).contains(&new_role) {
        return Err("Vous ne pouvez pas attribuer ce rôle.");
    }
    if new_role.belongs_to_a_pizzeria() && new_pizzeria_id.is_none() {
        return Err("Ce rôle demande une pizzeria.");
    }
    if !may_manage(actor, new_role, if new_role.belongs_to_a_pizzeria() { new_pizzeria_id } else { None }) {
        return Err("Vous ne pouvez gérer que l'équipe de votre pizzeria.");
    }
    if target_user_id == Some(actor.user_id) && new_role != actor.role {
        return Err("Vous ne pouvez pas changer votre propre rôle.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Actor = Actor { user_id: 1, role: Role::Admin, pizzeria_id: None };
    const MANAGER_OF_1: Actor = Actor { user_id: 2, role: Role::Manager, pizzeria_id: Some(1) };

    #[test]
    fn roles_round_trip_and_unknown_ones_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse("Admin"), None);
    }

    #[test]
    fn areas() {
        assert!(may_enter(Role::Pizzaiolo, Area::Kitchen));
        assert!(!may_enter(Role::Pizzaiolo, Area::Delivery));
        assert!(!may_enter(Role::Driver, Area::Kitchen));
        assert!(may_enter(Role::Manager, Area::Kitchen) && may_enter(Role::Manager, Area::Manage));
        assert!(!may_enter(Role::Manager, Area::Admin));
        assert!(!may_enter(Role::Customer, Area::Counter));
        assert!(Area::ALL_FOR_TEST.iter().all(|area| may_enter(Role::Admin, *area)));
    }

    impl Area {
        const ALL_FOR_TEST: [Area; 5] = [Area::Counter, Area::Kitchen, Area::Delivery, Area::Manage, Area::Admin];
    }

    #[test]
    fn a_manager_manages_the_crew_of_their_own_pizzeria_only() {
        assert!(may_manage(MANAGER_OF_1, Role::Driver, Some(1)));
        assert!(may_manage(MANAGER_OF_1, Role::Counter, Some(1)));
        assert!(!may_manage(MANAGER_OF_1, Role::Driver, Some(2)));
        assert!(!may_manage(MANAGER_OF_1, Role::Manager, Some(1)));
        assert!(!may_manage(MANAGER_OF_1, Role::Customer, None));
        assert!(!may_manage(MANAGER_OF_1, Role::Admin, None));
        assert!(may_manage(ADMIN, Role::Manager, Some(2)));
        let driver = Actor { user_id: 3, role: Role::Driver, pizzeria_id: Some(1) };
        assert!(!may_manage(driver, Role::Driver, Some(1)));
    }

    #[test]
    fn account_changes() {
        assert_eq!(check_account_change(MANAGER_OF_1, None, Role::Pizzaiolo, Some(1)), Ok(()));
        assert!(check_account_change(MANAGER_OF_1, None, Role::Manager, Some(1)).is_err());
        assert!(check_account_change(MANAGER_OF_1, None, Role::Driver, Some(2)).is_err());
        assert!(check_account_change(ADMIN, None, Role::Driver, None).is_err());
        assert_eq!(check_account_change(ADMIN, None, Role::Admin, None), Ok(()));
        assert!(check_account_change(ADMIN, None, Role::Customer, None).is_err());
        // Nobody demotes themselves (the last admin would lock the group out).
        assert!(check_account_change(ADMIN, Some(1), Role::Manager, Some(1)).is_err());
        assert_eq!(check_account_change(ADMIN, Some(1), Role::Admin, None), Ok(()));
    }
}
