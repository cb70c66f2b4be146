//! A survey's disclosure policy over HTTP: an admin sets it (every version
//! kept and audited), analysts read it, the aggregates query is held to it
//! (stricter may be asked for, never laxer), `exact=true` is an admin's
//! alone, and a weights upload may not spread weights further apart than
//! it allows. Hostile bodies get the API's error shape.

mod common;

use common::{As, assert_error, interview, online, send};
use reqwest::StatusCode;
use salama_server::auth::Role;
use salama_shared::disclosure::DisclosurePolicy;
use serde_json::{Value, json};

const POLICY: &str = "/api/surveys/community-safety/disclosure";
const AGGREGATES: &str = "/api/surveys/community-safety/aggregates?indicator=sdg_16_1_4";

fn default_policy() -> Value {
    serde_json::to_value(DisclosurePolicy::default()).expect("a policy")
}

async fn put_raw(server: &common::Server, token: &str, body: &str) -> (StatusCode, Value) {
    send(
        server
            .client
            .put(server.url(POLICY))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await
}

async fn put(server: &common::Server, token: &str, body: &Value) -> (StatusCode, Value) {
    put_raw(server, token, &body.to_string()).await
}

async fn get(server: &common::Server, token: &str, path: &str) -> (StatusCode, Value) {
    send(server.with(
        server.client.get(server.url(path)),
        &As::Token(token.to_owned()),
    ))
    .await
}

fn paths(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn refused_at(body: &Value, path: &str) -> String {
    let field = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("nothing at {path}: {body:#}"));
    assert_eq!(field["code"], "disclosure_policy", "{body:#}");
    field["message"].as_str().expect("message").to_owned()
}

#[tokio::test]
async fn an_admin_sets_the_policy_and_the_team_reads_it_with_its_history() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;

    let (status, unset) = get(&server, &analyst, POLICY).await;
    assert_eq!(status, StatusCode::OK, "{unset:#}");
    assert_eq!(unset["policy"], default_policy());
    assert_eq!(
        (&unset["version"], &unset["set_by"], &unset["history"]),
        (&json!(0), &Value::Null, &json!([]))
    );
    assert_eq!(unset["survey_area_levels"], 2);

    let mut stricter = default_policy();
    stricter["min_n"] = json!(30);
    stricter["caution_n"] = json!(60);
    stricter["period"] = json!("quarter");
    let (status, set) = put(&server, &admin, &stricter).await;
    assert_eq!(status, StatusCode::OK, "{set:#}");
    assert_eq!(
        (&set["policy"], &set["version"], &set["set_by"]),
        (&stricter, &json!(1), &json!("ada"))
    );
    let mut districts = stricter.clone();
    districts["area_level"] = json!(2);
    let (_, set) = put(&server, &admin, &districts).await;
    assert_eq!(set["version"], 2);
    let (_, read) = get(&server, &analyst, POLICY).await;
    assert_eq!(read, set);
    let history: Vec<(&Value, &Value)> = read["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| (&v["version"], &v["policy"]))
        .collect();
    assert_eq!(
        history,
        [(&json!(2), &districts), (&json!(1), &stricter)],
        "newest first"
    );

    let (_, audit) = get(&server, &admin, "/api/audit?action=disclosure_policy_set").await;
    let details: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert_eq!(
        details,
        [
            "community-safety: disclosure policy version 2: area_level 1 → 2",
            "community-safety: disclosure policy version 1: min_n 25 → 30, caution_n 50 → 60, period month → quarter",
        ]
    );
}

#[tokio::test]
async fn only_admins_set_it_and_hostile_bodies_are_refused_at_their_field() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    let (_, enumerator) = server.user("eno", Role::Enumerator).await;
    let (_, supervisor) = server.user("sue", Role::Supervisor).await;

    // Who may.
    for token in [&analyst, &enumerator, &supervisor] {
        let (status, body) = put(&server, token, &default_policy()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
    }
    for token in [&enumerator, &supervisor] {
        assert_eq!(get(&server, token, POLICY).await.0, StatusCode::FORBIDDEN);
    }
    let (status, _) = send(server.client.get(server.url(POLICY))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = send(
        server
            .client
            .put(server.url("/api/surveys/ghost/disclosure"))
            .bearer_auth(&admin)
            .json(&default_policy()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body:#}");
    assert_eq!(
        get(&server, &analyst, "/api/surveys/ghost/disclosure")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Not JSON, or not an object.
    for body in ["{", "NaN", "{\"min_n\": NaN}", "", "{} {}"] {
        let (status, answer) = put_raw(&server, &admin, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer:#}");
        assert_error(&answer, "bad_request");
    }
    for body in [json!([25, 50, 5]), json!("policy"), json!(null), json!(25)] {
        let (status, answer) = put(&server, &admin, &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {answer:#}"
        );
    }
    // Unknown, missing and ill-typed fields: the shape's problems.
    let mut unknown = default_policy();
    unknown["min_n_for_friends"] = json!(1);
    let mut missing = default_policy();
    missing.as_object_mut().map(|p| p.remove("period"));
    let mut huge = default_policy();
    huge["min_n"] = json!(1e20);
    let mut negative = default_policy();
    negative["area_level"] = json!(-1);
    let mut wrong_rule = default_policy();
    wrong_rule["rules"] = json!(["who"]);
    let mut long_text = default_policy();
    long_text["period"] = json!("m".repeat(10_000));
    for (name, body) in [
        ("unknown", unknown),
        ("missing", missing),
        ("huge", huge),
        ("negative", negative),
        ("wrong rule", wrong_rule),
        ("long text", long_text),
    ] {
        let (status, answer) = put(&server, &admin, &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {answer:#}"
        );
        assert!(!paths(&answer).is_empty(), "{name}: {answer:#}");
        assert!(
            answer.to_string().len() < 2000,
            "{name}: the answer does not echo the body"
        );
    }
    // A number too large for a double is malformed JSON to the reader.
    let body = default_policy()
        .to_string()
        .replace("\"max_weight_ratio\":100.0", "\"max_weight_ratio\":1e400");
    assert!(body.contains("1e400"), "{body}");
    let (status, _) = put_raw(&server, &admin, &body).await;
    assert!(status.is_client_error(), "{status}");

    // Out of bounds: every field at once, and the survey's own bound.
    let mut lax = default_policy();
    lax["min_n"] = json!(1);
    lax["caution_n"] = json!(0);
    lax["min_count"] = json!(1);
    lax["rules"] = json!([]);
    lax["max_weight_ratio"] = json!(1e12);
    lax["area_level"] = json!(3);
    let (status, answer) = put(&server, &admin, &lax).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:#}");
    let fields: Vec<String> = paths(&answer).into_iter().map(|(path, _)| path).collect();
    assert_eq!(
        fields,
        [
            "min_n",
            "caution_n",
            "min_count",
            "max_weight_ratio",
            "rules",
            "area_level"
        ]
    );
    assert!(
        answer["error"]["fields"][5]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2 level(s)")),
        "{answer:#}"
    );
    let mut twice = default_policy();
    twice["rules"] = json!(["nchs", "nchs"]);
    let (_, answer) = put(&server, &admin, &twice).await;
    assert_eq!(
        paths(&answer),
        [("rules[1]".to_owned(), "duplicate".to_owned())]
    );

    // Nothing refused was stored or audited.
    let (_, read) = get(&server, &admin, POLICY).await;
    assert_eq!(read["version"], 0);
    let (_, audit) = get(&server, &admin, "/api/audit?action=disclosure_policy_set").await;
    assert_eq!(audit, json!([]));
}

#[tokio::test]
async fn queries_are_held_to_the_policy_and_exact_tables_are_for_admins() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, analyst) = server.user("ana", Role::Analyst).await;
    // Enough for the month's total to be shown (the policy's min_n).
    for _ in 0..30 {
        assert_eq!(server.submit(&online()).await.0, StatusCode::CREATED);
    }
    let completed = online()["completed_at"]
        .as_str()
        .and_then(|at| salama_shared::date::Date::parse(&at[..10]))
        .expect("the sample answer's day");
    let this_month = salama_shared::disclosure::Period::Month
        .index(completed)
        .and_then(|index| salama_shared::disclosure::Period::Month.bounds(index))
        .expect("a month");
    let (first, last) = (this_month.0.to_string(), this_month.1.to_string());

    // Within the policy: the defaults, a stricter k, a whole month.
    for query in [
        String::new(),
        "&min_count=50&rule=nchs".to_owned(),
        format!("&from={first}&to={last}"),
        "&by=area&area_level=1".to_owned(),
    ] {
        let (status, body) = get(&server, &analyst, &format!("{AGGREGATES}{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body:#}");
    }
    let (_, month_table) = get(
        &server,
        &analyst,
        &format!("{AGGREGATES}&from={first}&to={last}&channel=online"),
    )
    .await;
    assert_eq!(
        month_table["populations"][0]["cells"][0]["n"], 30,
        "the sample answers' month holds them: {month_table:#}"
    );

    // Laxer: refused at the parameter, naming the policy's value.
    let message = |query: String, path: &'static str| {
        let server = &server;
        let analyst = analyst.clone();
        async move {
            let (status, body) = get(server, &analyst, &format!("{AGGREGATES}{query}")).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{query}: {body:#}"
            );
            refused_at(&body, path)
        }
    };
    assert!(
        message("&min_count=1".into(), "min_count")
            .await
            .contains("at least 5")
    );
    assert!(
        message(format!("&from={first}&to={first}"), "to")
            .await
            .contains("one whole month")
    );
    assert!(
        message(format!("&to={last}"), "from")
            .await
            .contains("give both dates")
    );
    assert!(
        message("&by=area&area_level=2".into(), "area_level")
            .await
            .contains("down to level 1")
    );
    assert!(
        message("&area=central-capital".into(), "area")
            .await
            .contains("level 2")
    );
    assert!(
        message("&by=age_band&age_scheme=sadd".into(), "age_scheme")
            .await
            .contains("un_adult")
    );

    // exact=true: an admin's alone, and it lifts the limits.
    let laxest = format!(
        "{AGGREGATES}&min_count=1&from={first}&to={first}&by=area&area_level=2&age_scheme=sadd&exact=true"
    );
    let (status, body) = get(&server, &analyst, &laxest).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
    assert_error(&body, "forbidden");
    // Refused before anything else is read: no table, no parameter named.
    let (status, _) = get(
        &server,
        &analyst,
        &format!("{AGGREGATES}&exact=true&min_count=0"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = get(&server, &admin, &laxest).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let (status, body) = get(&server, &admin, &format!("{AGGREGATES}&exact=maybe")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        paths(&body),
        [("exact".to_owned(), "invalid_choice".to_owned())]
    );
    // An admin without exact is held to the policy like anyone.
    let (status, _) = get(&server, &admin, &format!("{AGGREGATES}&min_count=1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, audit) = get(&server, &admin, "/api/audit?action=aggregates_read").await;
    assert!(
        audit
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["actor"] == "ada"
                && e["detail"].as_str().is_some_and(|d| d.contains("exact"))),
        "{audit:#}"
    );

    // A policy that releases districts and quarters: what it allows is
    // allowed, and a month is no longer a whole period.
    let mut lax = default_policy();
    lax["area_level"] = json!(2);
    lax["period"] = json!("quarter");
    lax["rules"] = json!(["nchs"]);
    let (status, _) = put(&server, &admin, &lax).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = get(
        &server,
        &analyst,
        &format!("{AGGREGATES}&by=area&area_level=2&area=central-capital"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(
        body["rule"], "nchs",
        "the policy's first rule is the default"
    );
    // November is no quarter's first month.
    assert!(
        message(format!("&from={first}&to={last}"), "from")
            .await
            .contains("one whole quarter")
    );
    assert!(
        message("&rule=dhs_mics".into(), "rule")
            .await
            .contains("nchs only")
    );

    // None at all when the policy's period is the whole fieldwork.
    let mut fieldwork = default_policy();
    fieldwork["period"] = json!("fieldwork");
    put(&server, &admin, &fieldwork).await;
    assert!(
        message(format!("&from={first}&to={last}"), "from")
            .await
            .contains("no date filter")
    );
}

#[tokio::test]
async fn weights_further_apart_than_the_policy_allows_are_refused_naming_both_rows() {
    let server = common::spawn().await;
    let (_, admin) = server.user("ada", Role::Admin).await;
    let (_, enumerator) = server.user("eno", Role::Enumerator).await;
    for cluster in ["ea-1", "ea-2", "ea-3"] {
        let mut household = interview();
        household["cluster_id"] = json!(cluster);
        let request = server
            .client
            .post(server.url("/api/surveys/community-safety/submissions"))
            .bearer_auth(&enumerator)
            .json(&household);
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::CREATED, "{body:#}");
    }
    let upload = |csv: &str, query: &str| {
        server
            .client
            .post(server.url(&format!("/api/surveys/community-safety/weights{query}")))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
    };
    // One cluster at 1e-6 against the others at 1: the table would be
    // theirs alone while n stays large. Refused on the preview too.
    for query in ["?dry_run=true", ""] {
        let (status, body) = send(upload(
            "cluster_id,weight\nea-1,1\nea-2,0.000001\nea-3,1\n",
            query,
        ))
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {body:#}"
        );
        assert_eq!(
            paths(&body),
            [
                ("rows[0].weight".to_owned(), "disclosure_policy".to_owned()),
                ("rows[1].weight".to_owned(), "disclosure_policy".to_owned())
            ],
            "the largest (the first of the ties) and the smallest"
        );
        let message = body["error"]["fields"][0]["message"]
            .as_str()
            .expect("message");
        assert!(
            message.contains("line 3, cluster `ea-2`") && message.contains("at most 100 times"),
            "{message}"
        );
    }
    let (_, design) = get(&server, &admin, "/api/surveys/community-safety/design").await;
    assert_eq!(
        design["weighted_interviews"], 0,
        "nothing stored: {design:#}"
    );

    // Within the bound: stored. Then a file that keeps those weights and
    // adds one far from them is refused, naming the stored one.
    let (status, body) = send(upload("cluster_id,weight\nea-1,10\nea-2,20\n", "")).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let (status, body) = send(upload("cluster_id,weight\nea-3,5000\n", "")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:#}");
    assert_eq!(
        paths(&body),
        [("rows[0].weight".to_owned(), "disclosure_policy".to_owned())]
    );
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cluster `ea-1`, kept from the stored design")),
        "{body:#}"
    );
    // Replacing the design leaves the old weights out of the ratio.
    let (status, body) = send(upload(
        "cluster_id,weight\nea-3,5000\nea-2,4000\n",
        "?replace=true",
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    // A laxer bound, set by an admin, lets a wider spread through.
    let mut lax = default_policy();
    lax["max_weight_ratio"] = json!(10_000.0);
    put(&server, &admin, &lax).await;
    let (status, body) = send(upload("cluster_id,weight\nea-1,1\n", "")).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
}
