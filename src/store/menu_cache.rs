//! The menus and the list of pizzerias as served: read from the database once per change,
//! not once per request.
//!
//! Every entry is stamped with the live events' generation (`live::generation`) read
//! *before* its database reads. Any event — an order placed, modified or cancelled, a stock
//! movement, a menu, withdrawal or pizzeria edit, on this instance or (PostgreSQL, through
//! LISTEN/NOTIFY) another — moves the generation, and an entry of an older generation is
//! read again. An entry filled by a read that raced with an event keeps the older stamp, so
//! it is never served after that event. Staleness is therefore bounded by the event's
//! delivery: none on SQLite, nor on the PostgreSQL instance that made the change (the
//! generation moves after the commit, before the answer leaves); on the other PostgreSQL
//! instances, NOTIFY's delivery to their listener (milliseconds). While an instance's
//! listener is disconnected, it hears nothing: it serves nothing from the cache until LISTEN
//! holds again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::db::DbPool;
use crate::live;
use crate::store::menu::{self, MenuItem};
use crate::store::pizzerias::{self, Pizzeria};
use crate::Result;

/// A pizzeria's menu with its live availability, and where the pizzas it cannot make now
/// can be had.
#[derive(Debug)]
pub struct Menu {
    pub pizzeria: Pizzeria,
    pub items: Vec<MenuItem>,
    pub elsewhere: HashMap<i64, Vec<(String, String)>>,
    /// The menu as the page shows it, rendered by the web layer on first need (the same
    /// for every visitor), in parts: each visitor's CSRF token goes between two.
    pub rendered: std::sync::OnceLock<Vec<String>>,
}

struct Entry<T> {
    generation: u64,
    value: Arc<T>,
}

fn menus() -> &'static Mutex<HashMap<String, Entry<Menu>>> {
    static MENUS: std::sync::OnceLock<Mutex<HashMap<String, Entry<Menu>>>> = std::sync::OnceLock::new();
    MENUS.get_or_init(Default::default)
}

/// The entry, if it was read at this generation and this process hears every change (a
/// PostgreSQL instance whose listener is down reads the database each time).
fn fresh<T>(entry: Option<&Entry<T>>, generation: u64) -> Option<Arc<T>> {
    entry.filter(|e| e.generation == generation && live::hearing_every_change()).map(|e| e.value.clone())
}

/// The menu of the active pizzeria `slug`, or `None` (unknown slugs are not kept).
pub async fn menu(db: &DbPool, slug: &str, few_left_threshold: i64) -> Result<Option<Arc<Menu>>> {
    let generation = live::generation();
    if let Some(hit) = fresh(menus().lock().ok().as_ref().and_then(|m| m.get(slug)), generation) {
        return Ok(Some(hit));
    }
    let Some(pizzeria) = pizzerias::find_active_by_slug(db, slug).await? else { return Ok(None) };
    let items = menu::for_pizzeria(db, pizzeria.id, few_left_threshold).await?;
    let elsewhere = if items.iter().any(|item| !item.availability.can_order()) {
        menu::makeable_elsewhere(db, pizzeria.id).await?
    } else {
        HashMap::new()
    };
    let value = Arc::new(Menu { pizzeria, items, elsewhere, rendered: std::sync::OnceLock::new() });
    if let Ok(mut menus) = menus().lock() {
        menus.insert(slug.to_string(), Entry { generation, value: value.clone() });
    }
    Ok(Some(value))
}
