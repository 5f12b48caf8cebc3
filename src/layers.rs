//! The layers of the crate, checked: a test reads every `crate::…` path in `src/` (tests
//! left out) and fails when a module reaches into a layer it must not know. The picture in
//! `docs/architecture.md` is this table.

/// Each module, and the modules it must never name. Items of the crate's root
/// (`crate::Error`, `crate::Result`, `crate::unix_now`, `db_run!`) are open to all.
pub const FORBIDDEN: &[(&str, &[&str])] = &[
    // The rules of the business: no I/O, nothing of the crate.
    (
        "domain",
        &[
            "accounts",
            "app",
            "assets",
            "backup",
            "cli",
            "config",
            "crypto",
            "db",
            "jobs",
            "live",
            "logging",
            "metrics",
            "payments",
            "reporting",
            "store",
            "supervisor",
            "tls",
            "views",
            "web",
        ],
    ),
    ("error", &["app", "backup", "cli", "config", "db", "jobs", "metrics", "reporting", "store", "views", "web"]),
    ("crypto", &["app", "backup", "cli", "config", "db", "jobs", "live", "metrics", "store", "views", "web"]),
    (
        "db",
        &[
            "app",
            "backup",
            "cli",
            "config",
            "jobs",
            "live",
            "metrics",
            "payments",
            "reporting",
            "store",
            "views",
            "web",
        ],
    ),
    ("config", &["app", "backup", "cli", "jobs", "live", "metrics", "store", "views", "web"]),
    ("live", &["app", "backup", "cli", "jobs", "store", "views", "web"]),
    ("store", &["app", "backup", "cli", "jobs", "metrics", "payments", "reporting", "views", "web"]),
    ("views", &["app", "backup", "cli", "jobs", "web"]),
    ("backup", &["app", "cli", "views", "web"]),
    ("jobs", &["app", "cli", "web"]),
    ("web", &["app", "cli"]),
    ("app", &["cli"]),
];

const ROOT_ITEMS: &[&str] = &["Error", "Result", "unix_now", "db_run"];

/// The module a file of `src/` belongs to: `store/menu.rs` → `store`, `config.rs` → `config`.
pub fn module_of(relative: &str) -> &str {
    let first = relative.split('/').next().unwrap_or(relative);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The first segment of every `crate::` path in `code` (`use crate::{a, b::c}` gives both).
pub fn crate_paths(code: &str) -> Vec<String> {
    let mut paths: Vec<String> =
        crate_files(code).into_iter().map(|file| file.split('/').next().unwrap_or_default().to_string()).collect();
    paths.dedup();
    paths
}

/// The paths of the crate that `code` names, down to the last segment that may be a
/// module (lower case): `crate::web::staff::screens::Here` → `web/staff/screens`,
/// `crate::web::{auth::A, csrf}` → `web/auth` and `web/csrf`, `crate::config::Settings` →
/// `config`, `crate::{views, Error}` → `views` and `Error`. A path may go on into a
/// function's name (`store/menu/get`): whoever maps them to files takes the longest prefix
/// that is one.
pub fn crate_files(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let macro_path = rest[..at].ends_with('$');
        rest = &rest[at + "crate::".len()..];
        if !macro_path {
            expand(&mut Vec::new(), rest, &mut found);
        }
    }
    found.dedup();
    found
}

/// Follows one path (`rest` starts after a `::`), through its groups.
fn expand(prefix: &mut Vec<String>, rest: &str, found: &mut Vec<String>) {
    let is_module = |name: &str| name.chars().all(|c| !c.is_uppercase());
    if let Some(group) = rest.strip_prefix('{') {
        for item in group_items(group) {
            expand(&mut prefix.clone(), &item, found);
        }
        return;
    }
    match first_segment(rest) {
        Some(segment) if prefix.is_empty() || is_module(&segment) => {
            let after = &rest[segment.len()..];
            prefix.push(segment);
            match after.strip_prefix("::") {
                Some(next) => expand(prefix, next, found),
                None => found.push(prefix.join("/")),
            }
        }
        _ if !prefix.is_empty() => found.push(prefix.join("/")),
        _ => {}
    }
}

/// The items of a `{…}` group at its first level (`group` starts after the `{`):
/// `auth::{A, B}, csrf` → `auth::{A, B}` and `csrf`.
fn group_items(group: &str) -> Vec<String> {
    let mut depth = 0;
    let mut items = vec![String::new()];
    for c in group.chars() {
        match c {
            '}' if depth == 0 => break,
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(c);
        }
    }
    items.into_iter().map(|item| item.trim().to_string()).filter(|item| !item.is_empty()).collect()
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && name != "self").then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).expect("under src").to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("a source file");
                // What the module's own tests import does not count.
                let code = text.split("\n#[cfg(test)]").next().unwrap_or_default().to_string();
                out.push((relative, code));
            }
        }
    }

    #[test]
    fn no_module_reaches_into_a_layer_above_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &root, &mut files);
        assert!(files.len() > 100, "the sources were read");
        let mut wrong = Vec::new();
        for (relative, code) in &files {
            let module = module_of(relative);
            let Some((_, forbidden)) = FORBIDDEN.iter().find(|(name, _)| *name == module) else { continue };
            for target in crate_paths(code) {
                if ROOT_ITEMS.contains(&target.as_str()) || target == module {
                    continue;
                }
                if forbidden.contains(&target.as_str()) {
                    wrong.push(format!("{relative} uses crate::{target}"));
                }
            }
        }
        wrong.sort();
        wrong.dedup();
        assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
    }

    /// No two files name each other (a cycle is a sign that a rule sits in the wrong one).
    #[test]
    fn no_two_files_import_each_other() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &root, &mut files);
        let name = |relative: &str| relative.trim_end_matches(".rs").trim_end_matches("/mod").to_string();
        let known: std::collections::HashSet<String> = files.iter().map(|(relative, _)| name(relative)).collect();
        let names: std::collections::HashMap<String, std::collections::HashSet<String>> = files
            .iter()
            .map(|(relative, code)| {
                let own = name(relative);
                let file_of = |path: &str| {
                    let segments: Vec<&str> = path.split('/').collect();
                    (1..=segments.len()).rev().map(|n| segments[..n].join("/")).find(|prefix| known.contains(prefix))
                };
                let targets = crate_files(code).iter().filter_map(|t| file_of(t)).filter(|t| *t != own).collect();
                (own, targets)
            })
            .collect();
        let mut cycles = Vec::new();
        for (a, targets) in &names {
            for b in targets {
                if a < b && names.get(b).is_some_and(|theirs| theirs.contains(a)) {
                    cycles.push(format!("{a} <-> {b}"));
                }
            }
        }
        cycles.sort();
        assert!(cycles.is_empty(), "files that import each other:\n{}", cycles.join("\n"));
    }

    #[test]
    fn paths_are_read_as_the_compiler_sees_them() {
        let code = "use crate::db::DbPool;\nuse crate::{unix_now, views, Error, Result};\n\
                    let x = crate::store::menu::get();\nuse crate::web::{auth::{A, B}, csrf};\n$crate::db::x";
        assert_eq!(
            crate_paths(code),
            vec!["db", "unix_now", "views", "Error", "Result", "store", "web"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            crate_files("use crate::web::{auth::{A, B}, csrf};\nuse crate::config::Settings;\ncrate::db::DbPool::x"),
            vec!["web/auth", "web/csrf", "config", "db"].into_iter().map(String::from).collect::<Vec<_>>()
        );
        assert_eq!(
            crate_files(
                "use crate::web::staff::screens::{self, Here};\nlet x = crate::web::customer::cart::priced(y);"
            ),
            vec!["web/staff/screens", "web/customer/cart/priced"].into_iter().map(String::from).collect::<Vec<_>>()
        );
        assert_eq!(module_of("store/menu.rs"), "store");
        assert_eq!(module_of("config.rs"), "config");
        // A forbidden import is found (the rule is not empty).
        let (_, forbidden) = FORBIDDEN.iter().find(|(name, _)| *name == "store").expect("store's rule");
        assert!(crate_paths("use crate::web::auth::Visitor;").iter().any(|t| forbidden.contains(&t.as_str())));
    }
}
