//! `oc-pizza user add`: the first admin of a fresh installation, from a script.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

use common::{count, Backend, Browser, TestApp, TestDb};

const PASSWORD: &str = "la première pizza du matin";

fn user_add(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = common::command(db);
    command.args(["user", "add"]).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().expect("run oc-pizza user add");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write the password");
    }
    child.wait_with_output().expect("oc-pizza user add")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

async fn the_first_admin_is_created_from_a_script(backend: Backend) {
    let db = TestDb::new(backend).await;
    // A fresh installation: `user add` migrates and seeds the empty database itself.
    let output = user_add(
        &db,
        &["--role", "admin", "--email", "Direction@OCPizza.fr", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("account created: direction@ocpizza.fr (admin)"));
    assert!(!text(&output).contains(PASSWORD), "the password is never printed");

    let output = user_add(
        &db,
        &["--role", "driver", "--email", "livreur@ocpizza.fr", "--pizzeria", "vincennes", "--name", "Lino Livreur"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let printed = text(&output);
    let one_time = printed
        .split("first login): ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("a one-time password")
        .trim()
        .to_string();

    let refusals: [(&[&str], Option<&str>, &str); 8] = [
        (&["--role", "root", "--email", "x@ocpizza.fr"], None, "unknown role"),
        (&["--role", "driver", "--email", "x@ocpizza.fr", "--pizzeria", "atlantis"], None, "unknown pizzeria"),
        (&["--role", "driver", "--email", "x@ocpizza.fr"], None, "needs --pizzeria"),
        (&["--role", "admin", "--email", "x@ocpizza.fr", "--pizzeria", "boulogne"], None, "belongs to no pizzeria"),
        (&["--role", "admin", "--email", "pas-une-adresse"], None, "invalid e-mail"),
        (&["--role", "admin", "--email", "x@ocpizza.fr", "--password-stdin"], Some("court\n"), "password refused"),
        (&["--role", "admin", "--email", "x@ocpizza.fr", "--password-stdin"], Some("azertyuiop\n"), "password refused"),
        (
            &["--role", "admin", "--email", "direction@ocpizza.fr", "--password-stdin"],
            Some("une autre phrase longue\n"),
            "exists already",
        ),
    ];
    for (args, stdin, message) in refusals {
        let output = user_add(&db, args, stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(text(&output).contains(message), "{args:?}: {}", text(&output));
    }
    let pool = db.pool().await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM users").await, 2, "no account from a refused command");
    pool.close().await;

    let app = TestApp::spawn(&db).await;
    let admin = Browser::new(&app);
    admin.sign_in("direction@ocpizza.fr", PASSWORD).await;
    assert_eq!(admin.get("/admin/users").await.status, 200);
    let driver = Browser::new(&app);
    assert_eq!(driver.login("livreur@ocpizza.fr", &one_time).await.redirect_path(), Some("/account/password"));
}

both_backends!(the_first_admin_is_created_from_a_script);
