//! Configuration layering, `check-config`, and what the release profile refuses.

mod common;

use common::{Backend, TestApp, TestDb};

const A_SECRET_KEY: &str = "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn release_refuses_to_start_without_a_secret_key(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = common::run(&db, &[], &[("ROCKET_PROFILE", "release")]);
    assert_eq!(output.status.code(), Some(2), "release without a secret key must not start");
    let message = stderr(&output);
    assert!(message.contains("secret_key is not set"), "{message}");
    assert!(message.contains("ROCKET_SECRET_KEY"), "the message says how to fix it: {message}");

    // `serve` said so before touching the database: nothing was created.
    if backend == Backend::Sqlite {
        assert!(!db.data_dir().join("oc-pizza.db").exists());
    }
}

async fn release_refuses_demo_accounts(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = common::run(&db, &["--demo"], &[("ROCKET_PROFILE", "release"), ("ROCKET_SECRET_KEY", A_SECRET_KEY)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("demo is enabled in the release profile"), "{message}");
}

async fn release_starts_with_a_secret_key(backend: Backend) {
    let db = TestDb::new(backend).await;
    let app =
        TestApp::spawn_with(&db, &[], &[("ROCKET_PROFILE", "release"), ("ROCKET_SECRET_KEY", A_SECRET_KEY)]).await;
    assert_eq!(app.get_text("/readyz").await.0, 200);
    assert_eq!(app.get_text("/pizzerias/montreuil/menu").await.0, 200);
}

async fn invalid_settings_are_named(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = common::run(&db, &[], &[("ROCKET_PORT", "quatre-vingt")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).to_lowercase().contains("\"port\""), "{}", stderr(&output));

    let output = common::run(&db, &[], &[("OC_PIZZA_FEW_LEFT_THRESHOLD", "beaucoup")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).to_lowercase().contains("few_left_threshold"), "{}", stderr(&output));

    let output = common::run(&db, &[], &[("DATABASE_URL", "mysql://root@localhost/pizza")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("database_url must start with sqlite:// or postgres://"), "{}", stderr(&output));

    let output = common::run(&db, &[], &[("OC_PIZZA_CONFIG", "/nonexistent/oc-pizza.toml")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("OC_PIZZA_CONFIG"), "{}", stderr(&output));

    let output = common::run(&db, &[], &[("ROCKET_PORT", "18080"), ("OC_PIZZA_EVENTS_PORT", "18080")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("events_port must be a free port other than port"), "{}", stderr(&output));

    // An events port already taken stops the start and says which.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("its address").port().to_string();
    let output = common::run(&db, &[], &[("ROCKET_PORT", "0"), ("OC_PIZZA_EVENTS_PORT", &port)]);
    assert_ne!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("cannot listen on 127.0.0.1:{port} (events_port)")),
        "{}",
        stderr(&output)
    );
}

async fn check_config_tells_where_each_setting_comes_from(backend: Backend) {
    let db = TestDb::new(backend).await;
    // Rocket.toml (in the working directory) < the config file < the environment.
    std::fs::write(
        db.data_dir().join("Rocket.toml"),
        "[default]\nport = 7001\nworkers = 3\n[debug]\nfew_left_threshold = 4\n",
    )
    .expect("Rocket.toml");
    std::fs::write(db.data_dir().join("oc-pizza.toml"), "port = 7002\ncookie_secure = true\n").expect("config file");
    let url_with_password = db.url.replacen("postgres://postgres@", "postgres://postgres:hunter2@", 1);
    let output = common::run(
        &db,
        &["check-config"],
        &[
            ("ROCKET_SECRET_KEY", A_SECRET_KEY),
            ("OC_PIZZA_READINESS_TIMEOUT_MS", "1500"),
            ("DATABASE_URL", &url_with_password),
        ],
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", stderr(&output));
    let line = |key: &str| {
        text.lines()
            .find(|line| line.starts_with(&format!("{key} ")) || line.starts_with(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key} in:\n{text}"))
            .to_string()
    };
    assert!(line("workers").contains("= 3") && line("workers").contains("Rocket.toml"), "{}", line("workers"));
    assert!(line("port").contains("= 7002") && line("port").contains("oc-pizza.toml"), "{}", line("port"));
    assert!(line("cookie_secure").contains("true"), "{}", line("cookie_secure"));
    assert!(line("few_left_threshold").contains("= 4"), "{}", line("few_left_threshold"));
    assert!(
        line("readiness_timeout_ms").contains("1500") && line("readiness_timeout_ms").contains("OC_PIZZA_"),
        "{}",
        line("readiness_timeout_ms")
    );
    assert!(line("secret_key").contains("(set, redacted)"), "{}", line("secret_key"));
    assert!(!text.contains(A_SECRET_KEY), "the secret key is never printed");
    assert!(!text.contains("hunter2"), "database passwords are never printed");
    assert!(line("database_url").contains("environment variable"), "{}", line("database_url"));
    assert!(line("data_dir").contains("OC_PIZZA_"), "{}", line("data_dir"));
}

/// A database that is not there yet is not a configuration error: the message says what
/// failed (password hidden) and the exit status (1) lets systemd try again.
async fn startup_failures_are_explained_and_retryable(backend: Backend) {
    let db = TestDb::new(backend).await;
    let output = match backend {
        Backend::Postgres => {
            let closed_port =
                std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
            let url = format!("postgres://oc_pizza:hunter2@127.0.0.1:{closed_port}/oc_pizza");
            common::run(&db, &[], &[("DATABASE_URL", &url), ("ROCKET_DATABASES", "{main={connect_timeout=1}}")])
        }
        Backend::Sqlite => {
            let not_a_folder = db.data_dir().join("plain-file");
            std::fs::write(&not_a_folder, "").expect("file");
            let url = oc_pizza::config::sqlite_url(&not_a_folder.join("oc-pizza.db"));
            common::run(
                &db,
                &[],
                &[("DATABASE_URL", &url), ("OC_PIZZA_DATA_DIR", not_a_folder.to_str().expect("path"))],
            )
        }
    };
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    match backend {
        Backend::Postgres => assert!(
            message.contains("cannot connect to the database postgres://oc_pizza:***@127.0.0.1")
                && message.contains("Connection refused"),
            "{message}"
        ),
        Backend::Sqlite => assert!(message.contains("cannot create the data directory"), "{message}"),
    }
}

both_backends!(
    startup_failures_are_explained_and_retryable,
    release_refuses_to_start_without_a_secret_key,
    release_refuses_demo_accounts,
    release_starts_with_a_secret_key,
    invalid_settings_are_named,
    check_config_tells_where_each_setting_comes_from,
);

#[test]
fn version_is_printed() {
    let output = std::process::Command::new(common::BINARY).arg("--version").output().expect("run");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("oc-pizza {}", env!("CARGO_PKG_VERSION")));
}
