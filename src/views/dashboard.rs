//! The managers' dashboard: today's figures of a pizzeria (re-read live), the orders per
//! hour as an SVG chart drawn here (readable without JavaScript, with its figures in a
//! table), and the CSV export form. Admins first see every pizzeria side by side.

use maud::{html, Markup, PreEscaped};

use super::layout::{page_with_head, Nav};
use crate::domain::dashboard::Figures;
use crate::domain::money::format_eur;
use crate::store::stock::StockRow;
use crate::views::screens::Here;

/// One pizzeria's board.
pub struct Board<'a> {
    pub here: &'a Here,
    pub figures: &'a Figures,
    pub best_sellers: &'a [(String, i64)],
    pub alerts: &'a [StockRow],
    /// Refunds owed to customers and not yet confirmed by the payment provider.
    pub refunds: &'a [crate::store::payments::OpenRefund],
    /// What the limits on anonymous orders and texts refused today, by reason.
    pub refusals: &'a [(crate::domain::limits::Limit, i64)],
    /// The day's oven: (quarter-hour, pizzas booked, oven capacity).
    pub load: &'a [(i64, i64, i64)],
}

pub fn channel_label(channel: &str) -> &str {
    crate::domain::intake::Channel::parse(channel).map_or(channel, |c| c.label())
}

pub fn mode_label(mode: &str) -> &str {
    crate::domain::orders::Mode::parse(mode).map_or(mode, |m| m.label())
}

fn minutes(value: Option<f64>) -> String {
    match value {
        Some(m) => format!("{} min", m.round() as i64),
        None => "—".to_string(),
    }
}

/// Orders per hour, bars drawn on the server.
pub fn hour_chart(per_hour: &[i64; 24]) -> Markup {
    let (width, height, left, bottom) = (720.0_f64, 220.0_f64, 30.0_f64, 24.0_f64);
    let max = per_hour.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = (width - left) / 24.0;
    let total: i64 = per_hour.iter().sum();
    let summary = format!("Commandes par heure aujourd'hui : {total} en tout.");
    let mut svg = String::new();
    svg.push_str(&format!(
        r##"<svg class="hour-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">{summary}</title>"##
    ));
    svg.push_str(&format!(
        r##"<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#1f1b16" stroke-width="1"/>"##,
        y = height - bottom
    ));
    for (hour, count) in per_hour.iter().enumerate() {
        let bar = (height - bottom - 10.0) * (*count as f64) / max;
        let x = left + step * hour as f64 + 2.0;
        svg.push_str(&format!(
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bar:.1}" fill="#b3261e"><title>{hour} h : {count}</title></rect>"##,
            height - bottom - bar,
            step - 4.0
        ));
        if *count > 0 {
            svg.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{count}</text>"##,
                x + (step - 4.0) / 2.0,
                height - bottom - bar - 3.0
            ));
        }
        if hour % 3 == 0 {
            svg.push_str(&format!(r##"<text x="{x:.1}" y="{:.1}" font-size="11">{hour}h</text>"##, height - 6.0));
        }
    }
    svg.push_str("</svg>");
    html! {
        figure.chart {
            (PreEscaped(svg))
            figcaption { (summary) }
            details {
                summary { "Les chiffres heure par heure" }
                table {
                    thead { tr { th scope="col" { "Heure" } th scope="col" { "Commandes" } } }
                    tbody { @for (hour, count) in per_hour.iter().enumerate() { @if *count > 0 { tr { td { (hour) " h" } td { (count) } } } } }
                }
            }
        }
    }
}

fn quarter_clock(quarter: i64) -> String {
    chrono::DateTime::from_timestamp(quarter, 0).map(crate::domain::slots::clock).unwrap_or_default()
}

/// The day's oven, quarter-hour by quarter-hour: pizzas booked (bars, red beyond the
/// capacity) against what the oven bakes (a dark tick), drawn on the server, figures in a table.
pub fn load_chart(load: &[(i64, i64, i64)]) -> Markup {
    if load.is_empty() {
        return html! { p.note { "Aucune cuisson réservée aujourd'hui." } };
    }
    let (height, left, bottom) = (220.0_f64, 30.0_f64, 24.0_f64);
    let step = 24.0_f64;
    let width = left + step * load.len() as f64;
    let max = load.iter().map(|(_, booked, oven)| (*booked).max(*oven)).max().unwrap_or(1).max(1) as f64;
    let scale = |n: i64| (height - bottom - 10.0) * n as f64 / max;
    let over = load.iter().filter(|(_, booked, oven)| booked > oven).count();
    let booked: i64 = load.iter().map(|(_, b, _)| b).sum();
    let summary = format!(
        "Four aujourd'hui : {booked} pizzas réservées sur {} quarts d'heure, {over} au-delà de la capacité.",
        load.len()
    );
    let mut svg = format!(
        r##"<svg class="hour-chart load-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="load-title"><title id="load-title">{summary}</title>"##
    );
    svg.push_str(&format!(
        r##"<line x1="{left}" y1="{y}" x2="{width}" y2="{y}" stroke="#1f1b16" stroke-width="1"/>"##,
        y = height - bottom
    ));
    for (k, (quarter, booked, oven)) in load.iter().enumerate() {
        let x = left + step * k as f64 + 2.0;
        let bar = scale(*booked);
        let fill = if booked > oven { "#b3261e" } else { "#2e6b3f" };
        svg.push_str(&format!(
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bar:.1}" fill="{fill}"><title>{} : {booked} / {oven}</title></rect>"##,
            height - bottom - bar,
            step - 4.0,
            quarter_clock(*quarter)
        ));
        let tick = height - bottom - scale(*oven);
        svg.push_str(&format!(
            r##"<line x1="{:.1}" y1="{tick:.1}" x2="{:.1}" y2="{tick:.1}" stroke="#1f1b16" stroke-width="2"/>"##,
            x - 1.0,
            x + step - 3.0
        ));
        if k % 4 == 0 {
            svg.push_str(&format!(
                r##"<text x="{x:.1}" y="{:.1}" font-size="11">{}</text>"##,
                height - 6.0,
                quarter_clock(*quarter)
            ));
        }
    }
    svg.push_str("</svg>");
    html! {
        figure.chart {
            div.table-scroll { (PreEscaped(svg)) }
            figcaption { (summary) " Barres : pizzas réservées ; trait : ce que le four cuit." }
            details {
                summary { "Les chiffres quart d'heure par quart d'heure" }
                table {
                    thead { tr { th scope="col" { "Cuisson" } th scope="col" { "Réservées" } th scope="col" { "Capacité" } } }
                    tbody { @for (quarter, booked, oven) in load {
                        tr data-quarter=(quarter) data-booked=(booked) data-oven=(oven) {
                            td { (quarter_clock(*quarter)) } td.qty { (booked) @if booked > oven { " ⚠" } } td.qty { (oven) }
                        }
                    } }
                }
            }
        }
    }
}

/// The live part of a pizzeria's dashboard.
pub fn board(board: &Board<'_>) -> Markup {
    let f = board.figures;
    html! {
        div.dashboard {
            section.card.kpis aria-label="Aujourd'hui" {
                div.kpi { span.kpi-value data-kpi="orders" { (f.orders) } span.kpi-label { "commandes aujourd'hui" } }
                div.kpi { span.kpi-value data-kpi="revenue-ttc" { (format_eur(f.revenue_ttc_cents)) } span.kpi-label { "chiffre d'affaires TTC" } }
                div.kpi { span.kpi-value data-kpi="revenue-ht" { (format_eur(f.revenue_ht_cents)) } span.kpi-label { "HT" } }
                div.kpi class=[(f.late > 0).then_some("alert")] {
                    span.kpi-value data-kpi="late" { @if f.late > 0 { "⚠ " } (f.late) } span.kpi-label { "en retard" }
                }
                div.kpi { span.kpi-value data-kpi="preparation" { (minutes(f.average_preparation_minutes)) } span.kpi-label { "préparation moyenne" } }
                div.kpi { span.kpi-value data-kpi="delivery" { (minutes(f.average_delivery_minutes)) } span.kpi-label { "livraison moyenne" } }
                div.kpi { span.kpi-value data-kpi="punctuality" { (f.punctuality.share()) }
                    span.kpi-label { "promesses tenues (" (f.punctuality.judged) " jugées)" } }
                div.kpi { span.kpi-value data-kpi="promise-error" { (f.punctuality.average_error()) }
                    span.kpi-label { "écart moyen à l'heure promise" } }
            }
            div.dashboard-grid {
                section {
                    h2 { "En cours" }
                    table { tbody { @for (status, count) in &f.by_status {
                        tr data-status=(status.as_str()) { th scope="row" { (status.label()) } td.qty { (count) } }
                    } } }
                }
                section {
                    h2 { "Par canal et mode" }
                    table { tbody {
                        @for (channel, count) in &f.by_channel { tr data-channel=(channel) { th scope="row" { (channel_label(channel)) } td.qty { (count) } } }
                        @for (mode, count) in &f.by_mode { tr data-mode=(mode) { th scope="row" { (mode_label(mode)) } td.qty { (count) } } }
                    } }
                }
                section {
                    h2 { "Meilleures ventes" }
                    @if board.best_sellers.is_empty() { p.note { "Pas encore de vente aujourd'hui." } }
                    ol { @for (pizza, quantity) in board.best_sellers { li { (pizza) " — " (quantity) } } }
                }
                section {
                    h2 { "Alertes de stock" }
                    @if board.alerts.is_empty() { p { "✔ Aucun ingrédient bas." } }
                    ul.alerts { @for row in board.alerts {
                        li data-alert=(row.code) { span class=(format!("badge level-badge-{}", row.level().as_str())) { (row.level().label()) } " " (row.name) " : " (row.quantity) }
                    } }
                }
            }
            @if !board.refusals.is_empty() {
                section.card.refusals data-refusals=(board.refusals.iter().map(|(_, n)| n).sum::<i64>()) {
                    h2 { "Refus de sécurité aujourd'hui" }
                    p.note { "Commandes sans compte et SMS arrêtés par les limites (voir le guide d'exploitation, « Sécurité »). "
                        "Beaucoup de refus d'un coup signalent un abus ; quelques-uns, un client à rappeler." }
                    ul { @for (limit, count) in board.refusals {
                        li data-refusal=(limit.code()) { strong { (count) } " — " (limit.label()) }
                    } }
                }
            }
            @if !board.refunds.is_empty() {
                section.card.refunds data-refunds=(board.refunds.len()) {
                    h2 { "Remboursements en attente" }
                    p.note { "Commandes payées en ligne puis annulées : le remboursement est redemandé automatiquement "
                        "jusqu'à ce que Stripe le confirme. Au-delà d'une heure, vérifiez dans le tableau de bord Stripe." }
                    table {
                        thead { tr { th { "Commande" } th { "Montant" } th { "État" } th { "Essais" } th { "Dernière erreur" } th { "Prochain essai" } } }
                        tbody { @for refund in board.refunds {
                            tr data-refund=(refund.reference) data-refund-status=(refund.refund_status) {
                                td { (refund.reference) }
                                td.qty { (format_eur(refund.amount_cents)) }
                                td { @if refund.refund_status == "failed" { "⚠ échec" } @else { "en cours" } }
                                td.qty { (refund.refund_attempts) }
                                td { (refund.refund_error.as_deref().unwrap_or("—")) }
                                td { @match refund.refund_next_at.and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
                                    Some(t) => { (t.with_timezone(&chrono_tz::Europe::Paris).format("%H:%M:%S")) }
                                    None => { "—" }
                                } }
                            }
                        } }
                    }
                }
            }
            section {
                h2 { "Four : réservations et capacité" }
                (load_chart(board.load))
            }
            section {
                h2 { "Commandes par heure" }
                (hour_chart(&f.per_hour))
            }
        }
    }
}

pub struct DashboardPage<'a> {
    pub board: Board<'a>,
    pub admin: bool,
    pub today: String,
}

pub fn page(nav: &Nav, view: &DashboardPage<'_>) -> Markup {
    let here = view.board.here;
    let with = |path: &str| if view.admin { format!("{path}?pizzeria={}", here.slug) } else { path.to_string() };
    page_with_head(
        &format!("Tableau de bord — {}", here.name),
        nav,
        html! { noscript { meta http-equiv="refresh" content="60"; } },
        html! {
            div.screen-head {
                h1 { "Tableau de bord " span.lead { (here.name) } }
                p.live-state #live-state role="status" aria-live="polite" data-state="connecting" { span.js-only { "Connexion…" } }
            }
            p { a href=(with("/manage/stock")) { "Stock" } @if view.admin { " · " a href="/manage/dashboard" { "Toutes les pizzerias" } } }
            div #queue data-live=(with("/manage/dashboard/live")) data-events=(with("/manage/dashboard/events")) { (board(&view.board)) }
            section.card {
                h2 { "Export des commandes (CSV)" }
                form.filters method="get" action="/manage/dashboard/orders.csv" {
                    @if view.admin { input type="hidden" name="pizzeria" value=(here.slug); }
                    label { "Du" input type="date" name="from" required value=(view.today); }
                    label { "Au" input type="date" name="to" required value=(view.today); }
                    button.button type="submit" { "Télécharger" }
                }
                p.hint { "Séparateur « ; », montants en euros avec virgule : s'ouvre directement dans un tableur français." }
            }
        },
    )
}

/// The admin's overview: every pizzeria's day side by side.
pub fn overview(nav: &Nav, boards: &[Board<'_>]) -> Markup {
    super::layout::page(
        "Tableau de bord du groupe",
        nav,
        html! {
            h1 { "Tableau de bord du groupe" }
            div.table-scroll { table.overview {
                thead { tr {
                    th scope="col" { "Pizzeria" } th scope="col" { "Commandes" } th scope="col" { "CA TTC" }
                    th scope="col" { "En cours" } th scope="col" { "En retard" } th scope="col" { "Préparation" }
                    th scope="col" { "Promesses tenues" } th scope="col" { "Écart moyen" } th scope="col" { "Alertes stock" }
                } }
                tbody { @for b in boards {
                    tr data-pizzeria=(b.here.slug) {
                        th scope="row" { a href=(format!("/manage/dashboard?pizzeria={}", b.here.slug)) { (b.here.name) } }
                        td.qty { (b.figures.orders) }
                        td.qty { (format_eur(b.figures.revenue_ttc_cents)) }
                        td.qty { (b.figures.by_status.iter().map(|(_, c)| c).sum::<i64>()) }
                        td.qty { @if b.figures.late > 0 { "⚠ " } (b.figures.late) }
                        td.qty { (minutes(b.figures.average_preparation_minutes)) }
                        td.qty data-punctuality=(b.figures.punctuality.share()) { (b.figures.punctuality.share()) }
                        td.qty { (b.figures.punctuality.average_error()) }
                        td.qty { (b.alerts.len()) }
                    }
                } }
                tfoot { tr {
                    th scope="row" { "Groupe" }
                    td.qty { (boards.iter().map(|b| b.figures.orders).sum::<i64>()) }
                    td.qty { (format_eur(boards.iter().map(|b| b.figures.revenue_ttc_cents).sum())) }
                    td {} td {} td {} td {} td {} td {}
                } }
            } }
        },
    )
}
