//! The storage conformance suite: every story runs against SQLite and against
//! PostgreSQL (`SALAMA_TEST_POSTGRES_URL`, provided by `cargo xtask test`).
//! A missing PostgreSQL fails the run: this suite never skips silently.

mod common;

use std::sync::LazyLock;

use salama_server::store::{
    Assignment, ClusterCount, DesignChange, DesignEntry, DesignRecord, FactState, Inserted,
    NewRevision, NewSubmission, ReviewFilter, Reviewed, Store, StoreError, SubmissionFacts,
    UnitLevel,
};
use salama_shared::facts::{Counted, Outcome, UnitFacts};
use salama_shared::review::{ChangedAnswer, ReviewState};
use uuid::Uuid;

/// A respondent and one household member, as the shared code would find them.
static FACTS: LazyLock<SubmissionFacts> = LazyLock::new(|| SubmissionFacts {
    completed_on: "2026-11-27".into(),
    enumerator_id: Some("enum-1".into()),
    cluster_id: Some("ea-7".into()),
    units: vec![
        UnitFacts {
            unit: 0,
            sex: Some("female".into()),
            age: Some(34),
            area: Some("central-capital".into()),
            disability: Some(false),
            displacement: Some("idp".into()),
            urban_rural: Some("urban".into()),
            outcomes: vec![Outcome {
                indicator: "sdg_16_1_4".into(),
                component: 0,
                counted: Counted::Denominator,
                reported: Some("dk".into()),
            }],
        },
        UnitFacts {
            unit: 1,
            sex: Some("male".into()),
            age: Some(9),
            area: Some("central-capital".into()),
            ..UnitFacts::default()
        },
    ],
});

const DEFINITION_V1: &str = r#"{"id":"safety","version":1}"#;
const DEFINITION_V2: &str = r#"{"id":"safety","version":2}"#;

fn submission<'a>(id: Uuid, sha: &'a str, body: &'a [u8]) -> NewSubmission<'a> {
    NewSubmission {
        submission_id: id,
        survey_id: "safety",
        survey_version: 1,
        channel: "online",
        content_sha256: sha,
        body,
        facts: &FACTS,
    }
}

async fn publishing_is_idempotent_and_versions_are_immutable(store: Store) {
    let first = store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    assert_eq!(
        (first.survey.version, first.survey.public, first.new),
        (1, true, true)
    );
    let again = store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("same definition again");
    // Accepted again, and reported as not new (so it is not audited twice).
    assert_eq!((again.survey, again.new), (first.survey, false));
    let changed = store.publish_survey("safety", 1, DEFINITION_V2, true).await;
    assert!(
        matches!(changed, Err(StoreError::VersionExists { version: 1, .. })),
        "{changed:?}"
    );
    let kept = store
        .survey("safety", Some(1))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(kept.definition, DEFINITION_V1);
}

async fn the_latest_version_is_served_and_listed(store: Store) {
    assert_eq!(store.survey("safety", None).await.expect("read"), None);
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("v1");
    store
        .publish_survey("safety", 2, DEFINITION_V2, false)
        .await
        .expect("v2");
    store
        .publish_survey("another", 7, "{}", true)
        .await
        .expect("another");
    let latest = store
        .survey("safety", None)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!((latest.version, latest.public), (2, false));
    assert_eq!(
        store
            .survey("safety", Some(1))
            .await
            .expect("read")
            .map(|s| s.version),
        Some(1)
    );
    assert_eq!(store.survey("safety", Some(3)).await.expect("read"), None);
    let listed: Vec<_> = store
        .surveys()
        .await
        .expect("list")
        .into_iter()
        .map(|s| (s.survey_id, s.version))
        .collect();
    assert_eq!(
        listed,
        vec![("another".to_owned(), 7), ("safety".to_owned(), 2)]
    );
}

async fn a_submission_is_stored_once_and_never_overwritten(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let id = Uuid::new_v4();
    let body = br#"{ "answers": {"saf_1": "safe"} }"#;
    let Inserted::New(receipt) = store
        .insert_submission(&submission(id, "aaa", body))
        .await
        .expect("insert")
    else {
        panic!("first insert is new")
    };
    assert_eq!((receipt.submission_id, receipt.survey_version), (id, 1));
    // A resend after a lost response: acknowledged again, nothing written.
    let resend = store
        .insert_submission(&submission(id, "aaa", body))
        .await
        .expect("resend");
    assert_eq!(resend, Inserted::Duplicate(receipt.clone()));
    // Another submission reusing the id: refused, the first one kept.
    let other = store
        .insert_submission(&submission(id, "bbb", b"{}"))
        .await
        .expect("conflict");
    assert_eq!(other, Inserted::Conflict(receipt.clone()));
    assert_eq!(
        store.submission_body(id).await.expect("read").as_deref(),
        Some(&body[..])
    );
    assert_eq!(store.receipt(id).await.expect("read"), Some(receipt));
    assert_eq!(store.receipt(Uuid::new_v4()).await.expect("read"), None);
    assert_eq!(store.submission_count("safety").await.expect("count"), 1);
}

async fn concurrent_resends_store_exactly_one(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let id = Uuid::new_v4();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .insert_submission(&submission(id, "same", b"{}"))
                    .await
            })
        })
        .collect();
    let mut new = 0;
    for task in tasks {
        match task.await.expect("task ran").expect("insert") {
            Inserted::New(_) => new += 1,
            Inserted::Duplicate(_) => {}
            Inserted::Conflict(receipt) => {
                panic!("same content reported as a conflict: {receipt:?}")
            }
        }
    }
    assert_eq!(new, 1);
    assert_eq!(store.submission_count("safety").await.expect("count"), 1);
}

async fn a_batch_commits_together_and_sees_its_own_rows(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let batch = [
        submission(a, "one", b"{}"),
        submission(b, "two", b"{}"),
        submission(a, "one", b"{}"),
        submission(b, "changed", b"{}"),
    ];
    let results = store.insert_submissions(&batch).await.expect("batch");
    let Inserted::New(first) = &results[0] else {
        panic!("{results:?}")
    };
    let Inserted::New(second) = &results[1] else {
        panic!("{results:?}")
    };
    assert_eq!(results[2], Inserted::Duplicate(first.clone()));
    assert_eq!(results[3], Inserted::Conflict(second.clone()));
    assert_eq!(store.submission_count("safety").await.expect("count"), 2);
    // One bad row (an unpublished version) and the whole batch is refused.
    let mut orphan = submission(Uuid::new_v4(), "x", b"{}");
    orphan.survey_version = 9;
    let fresh = submission(Uuid::new_v4(), "y", b"{}");
    assert!(
        store
            .insert_submissions(&[fresh.clone(), orphan])
            .await
            .is_err()
    );
    assert_eq!(
        store.receipt(fresh.submission_id).await.expect("read"),
        None
    );
}

async fn submissions_need_a_published_version(store: Store) {
    let result = store
        .insert_submission(&submission(Uuid::new_v4(), "x", b"{}"))
        .await;
    assert!(matches!(result, Err(StoreError::Database(_))), "{result:?}");
}

async fn the_audit_log_keeps_order(store: Store) {
    store
        .audit("admin", "publish", "safety v1")
        .await
        .expect("audit");
    store
        .audit("admin", "publish", "safety v2")
        .await
        .expect("audit");
    let entries = store.recent_audit(10).await.expect("read");
    let details: Vec<_> = entries.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(details, ["safety v2", "safety v1"]);
    assert_eq!(store.recent_audit(1).await.expect("read").len(), 1);
}

async fn the_audit_log_is_searched_by_who_what_and_when(store: Store) {
    for (actor, action) in [
        ("admin", "publish"),
        ("enum-1", "login"),
        ("admin", "login"),
    ] {
        store.audit(actor, action, "").await.expect("audit");
    }
    let search = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        salama_shared::audit::Query::parse(&pairs).expect("valid search")
    };
    let found = |entries: Vec<salama_server::store::AuditEntry>| -> Vec<(String, String)> {
        entries.into_iter().map(|e| (e.actor, e.action)).collect()
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let by_admin = store
        .search_audit(&search(&[("who", "admin")]))
        .await
        .expect("search");
    assert_eq!(
        found(by_admin),
        [pair("admin", "login"), pair("admin", "publish")]
    );
    let logins = store
        .search_audit(&search(&[("action", "login"), ("limit", "1")]))
        .await
        .expect("search");
    assert_eq!(found(logins), [pair("admin", "login")]);
    let today = salama_server::store::now()[..10].to_owned();
    let today_only = store
        .search_audit(&search(&[
            ("from", &today),
            ("to", &today),
            ("who", "enum-1"),
        ]))
        .await
        .expect("search");
    assert_eq!(found(today_only), [pair("enum-1", "login")]);
    let before = store
        .search_audit(&search(&[("to", "2000-01-01T00:00:00Z")]))
        .await
        .expect("search");
    assert!(before.is_empty());
}

async fn people_are_listed_and_one_device_is_revoked_alone(store: Store) {
    store
        .create_user("enum-1", "enumerator", "hash")
        .await
        .expect("user");
    store
        .create_user("admin", "admin", "hash")
        .await
        .expect("user");
    // A collation ignoring `-`, `_` or case orders these otherwise; the
    // list is in byte order on both databases.
    for (name, role) in [("enum_0", "enumerator"), ("Zed", "analyst")] {
        store.create_user(name, role, "hash").await.expect("user");
    }
    store
        .insert_device(&"d".repeat(64), "enum_0", "")
        .await
        .expect("device");
    let (phone, tablet) = ("a".repeat(64), "b".repeat(64));
    let phone_id = store
        .insert_device(&phone, "enum-1", "phone")
        .await
        .expect("device");
    store
        .insert_device(&tablet, "enum-1", "")
        .await
        .expect("device");
    store
        .insert_token(&"c".repeat(64), "enum-1", "session", None)
        .await
        .expect("session");
    store.record_login("enum-1").await.expect("login noted");
    assert!(store.token_user(&phone).await.expect("lookup").is_some());

    let people = store.people().await.expect("people");
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Zed", "admin", "enum-1", "enum_0"]);
    assert_eq!(people[3].devices.len(), 1);
    let person = &people[2];
    assert!(person.last_login_at.is_some() && !person.revoked);
    // Sessions are not devices.
    assert_eq!(person.devices.len(), 2, "{person:?}");
    let listed = person
        .devices
        .iter()
        .find(|d| d.id == phone_id)
        .expect("phone");
    assert_eq!(listed.label.as_deref(), Some("phone"));
    assert!(listed.last_seen_at.is_some(), "the lookup is noted");
    assert_eq!(phone_id, &phone[..16]);

    let revoked = store
        .revoke_device(&phone_id)
        .await
        .expect("revoke")
        .expect("found");
    assert_eq!(
        (
            revoked.user_name.as_str(),
            revoked.token_sha256.as_str(),
            revoked.newly
        ),
        ("enum-1", phone.as_str(), true)
    );
    assert!(
        !store
            .revoke_device(&phone_id)
            .await
            .expect("again")
            .expect("found")
            .newly
    );
    assert!(
        store
            .revoke_device("0000000000000000")
            .await
            .expect("unknown")
            .is_none()
    );
    assert!(store.token_user(&phone).await.expect("lookup").is_none());
    assert!(store.token_user(&tablet).await.expect("lookup").is_some());
    assert!(
        store
            .token_user(&"c".repeat(64))
            .await
            .expect("lookup")
            .is_some()
    );
    let people = store.people().await.expect("people");
    let phone_now = people[2]
        .devices
        .iter()
        .find(|d| d.id == phone_id)
        .expect("phone");
    assert!(phone_now.revoked && phone_now.revoked_at.is_some());
}

async fn migrations_can_run_again(store: Store) {
    store.migrate().await.expect("already up to date");
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("still usable");
}

async fn facts_are_written_with_their_submission_once(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let id = Uuid::new_v4();
    let new = submission(id, "aaa", b"{}");
    store.insert_submission(&new).await.expect("insert");
    let resend = store.insert_submission(&new).await.expect("resend");
    assert!(
        matches!(resend, Inserted::Duplicate(_)),
        "a resend writes no second set of facts"
    );
    assert_eq!(
        store.fact_state("safety").await.expect("state"),
        FactState {
            units: 2,
            generation: 0
        }
    );
    let (state, respondents) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    assert_eq!(state.units, 2);
    assert_eq!(respondents.len(), 1);
    let respondent = &respondents[0];
    assert_eq!(respondent.submission_id, id.hyphenated().to_string());
    assert_eq!(
        (
            respondent.unit,
            respondent.channel.as_str(),
            respondent.completed_on.as_str()
        ),
        (0, "online", "2026-11-27")
    );
    assert_eq!(respondent.sex.as_deref(), Some("female"));
    assert_eq!(respondent.age, Some(34));
    assert_eq!(respondent.disability, Some(false));
    assert_eq!(respondent.displacement.as_deref(), Some("idp"));
    assert_eq!(respondent.cluster_id.as_deref(), Some("ea-7"));
    assert_eq!(respondent.outcomes, "sdg_16_1_4:0:d:dk");
    assert_eq!(
        (respondent.weight, respondent.stratum.as_deref()),
        (None, None)
    );
    let (_, members) = store
        .load_facts("safety", UnitLevel::Members, 0)
        .await
        .expect("load");
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].unit, members[0].age, members[0].disability),
        (1, Some(9), None)
    );
    // Only rows after a sequence number are read again.
    let (_, none) = store
        .load_facts("safety", UnitLevel::Respondents, respondent.seq)
        .await
        .expect("load");
    assert!(none.is_empty());
}

async fn the_design_joins_facts_and_marks_them_changed(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [first, second] {
        store
            .insert_submission(&submission(id, "aaa", b"{}"))
            .await
            .expect("insert");
    }
    store
        .upsert_design(
            "safety",
            &[DesignEntry::Cluster {
                cluster_id: "ea-7".into(),
                stratum: Some("urban-central".into()),
                weight: Some(361.0 / 3.0),
            }],
        )
        .await
        .expect("design");
    assert_eq!(
        store.fact_state("safety").await.expect("state").generation,
        1
    );
    store
        .upsert_design(
            "safety",
            &[DesignEntry::Submission {
                submission_id: second.hyphenated().to_string(),
                weight: 80.0,
            }],
        )
        .await
        .expect("design");
    let (state, rows) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    assert_eq!(
        state,
        FactState {
            units: 4,
            generation: 2
        }
    );
    let weight_of = |id: Uuid| {
        rows.iter()
            .find(|row| row.submission_id == id.hyphenated().to_string())
            .map(|row| (row.weight, row.stratum.clone()))
    };
    assert_eq!(
        weight_of(first),
        Some((Some(361.0 / 3.0), Some("urban-central".into())))
    );
    // A submission's own weight wins over its cluster's.
    assert_eq!(
        weight_of(second),
        Some((Some(80.0), Some("urban-central".into())))
    );
}

async fn a_facts_rebuild_starts_afresh_and_stays_pending_until_done(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    // A new database has nothing to back-fill, but the migration asks once.
    assert!(
        store
            .maintenance_pending("facts_backfill")
            .await
            .expect("read")
    );
    store
        .maintenance_done("facts_backfill")
        .await
        .expect("done");
    let id = Uuid::new_v4();
    store
        .insert_submission(&submission(id, "aaa", b"{}"))
        .await
        .expect("insert");
    store.begin_facts_rebuild("safety").await.expect("begin");
    assert!(
        store
            .maintenance_pending("facts_backfill")
            .await
            .expect("read")
    );
    let state = store.fact_state("safety").await.expect("state");
    assert_eq!((state.units, state.generation), (0, 1));
    let (_, rows) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    assert!(rows.is_empty());
    store
        .append_facts(
            "safety",
            &[(
                id.hyphenated().to_string(),
                1,
                "online".into(),
                FACTS.clone(),
            )],
        )
        .await
        .expect("append");
    assert_eq!(store.fact_state("safety").await.expect("state").units, 2);
    assert_eq!(
        store
            .submission_bodies("safety", "", 10)
            .await
            .expect("bodies")
            .len(),
        1
    );
}

async fn assignments_are_kept_per_enumerator_and_feed_the_design(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    for name in ["enum-1", "enum-2"] {
        store
            .create_user(name, "enumerator", "hash")
            .await
            .expect("user");
    }
    let assignment = |cluster: &str, enumerator: &str, stratum: Option<&str>| Assignment {
        survey_id: "safety".into(),
        cluster_id: cluster.into(),
        enumerator: enumerator.into(),
        stratum: stratum.map(str::to_owned),
        area: Some("north-hills".into()),
    };
    store
        .assign(
            "safety",
            &[
                assignment("ea-1", "enum-1", Some("s1")),
                assignment("ea-2", "enum-1", None),
                assignment("ea-1", "enum-2", Some("s1")),
            ],
        )
        .await
        .expect("assign");
    // Assigning again updates, never duplicates.
    store
        .assign("safety", &[assignment("ea-2", "enum-1", Some("s2"))])
        .await
        .expect("reassign");
    let mine = store.assignments_of("enum-1").await.expect("read");
    assert_eq!(
        mine,
        vec![
            assignment("ea-1", "enum-1", Some("s1")),
            assignment("ea-2", "enum-1", Some("s2"))
        ]
    );
    assert_eq!(
        store.assignments_for("safety").await.expect("read").len(),
        3
    );
    let mut design = store.design_clusters("safety").await.expect("design");
    design.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        design,
        vec![
            ("ea-1".to_owned(), Some("s1".to_owned()), None),
            ("ea-2".to_owned(), Some("s2".to_owned()), None)
        ]
    );
    assert_eq!(
        store.fact_state("safety").await.expect("state").generation,
        2
    );
}

async fn a_reassignment_moves_clusters_whole_or_not_at_all(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    for name in ["enum-1", "enum-2"] {
        store
            .create_user(name, "enumerator", "hash")
            .await
            .expect("user");
    }
    let assignment = |cluster: &str, enumerator: &str| Assignment {
        survey_id: "safety".into(),
        cluster_id: cluster.into(),
        enumerator: enumerator.into(),
        stratum: Some("s1".into()),
        area: None,
    };
    store
        .assign(
            "safety",
            &[assignment("ea-1", "enum-1"), assignment("ea-2", "enum-1")],
        )
        .await
        .expect("assigned");
    let held = |store: Store| async move {
        let mut found: Vec<(String, String)> = store
            .assignments_for("safety")
            .await
            .expect("read")
            .into_iter()
            .map(|a| (a.cluster_id, a.enumerator))
            .collect();
        found.sort();
        found
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    // A store that fails part way (an enumerator who is no user) undoes
    // the withdrawals made before it.
    let failed = store
        .reassign(
            "safety",
            &[assignment("ea-1", "nobody")],
            &[pair("ea-1", "enum-1"), pair("ea-2", "enum-1")],
            &[("ea-1".to_owned(), 20)],
        )
        .await;
    assert!(failed.is_err());
    assert_eq!(
        held(store.clone()).await,
        [pair("ea-1", "enum-1"), pair("ea-2", "enum-1")]
    );
    store
        .reassign(
            "safety",
            &[assignment("ea-1", "enum-2")],
            &[pair("ea-1", "enum-1"), pair("ea-2", "enum-1")],
            &[("ea-1".to_owned(), 20)],
        )
        .await
        .expect("reassigned");
    assert_eq!(held(store.clone()).await, [pair("ea-1", "enum-2")]);
    // The target went in with the plan; the failed one left none.
    assert_eq!(
        store.cluster_targets("safety").await.expect("targets"),
        [("ea-1".to_owned(), 20)]
    );
}

/// Migration 0007: targets kept with the cluster's design whatever else the
/// design gets, interviews counted per cluster with their weights, weights
/// taken away, and each stored design file in the history.
async fn the_design_counts_targets_and_keeps_its_history(store: Store) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [first, second] {
        store
            .insert_submission(&submission(id, "aaa", b"{}"))
            .await
            .expect("insert");
    }
    store
        .create_user("enum-1", "enumerator", "hash")
        .await
        .expect("user");
    let assignment = |cluster: &str| Assignment {
        survey_id: "safety".into(),
        cluster_id: cluster.into(),
        enumerator: "enum-1".into(),
        stratum: Some("s1".into()),
        area: None,
    };
    store
        .reassign(
            "safety",
            &[assignment("ea-7"), assignment("ea-8")],
            &[],
            &[("ea-7".to_owned(), 12), ("ea-8".to_owned(), 30)],
        )
        .await
        .expect("assigned");
    let entries = [
        DesignEntry::Cluster {
            cluster_id: "ea-7".into(),
            stratum: None,
            weight: Some(2.5),
        },
        DesignEntry::Cluster {
            cluster_id: "ea-8".into(),
            stratum: Some("s2".into()),
            weight: Some(4.0),
        },
        DesignEntry::Submission {
            submission_id: second.hyphenated().to_string(),
            weight: 10.0,
        },
    ];
    store
        .store_design(
            "safety",
            &DesignChange {
                entries: &entries,
                clear_cluster_weights: &[],
                delete_submission_weights: &[],
                record: Some(DesignRecord {
                    uploaded_by: "analyst-1",
                    keyed_by: "cluster",
                    changed: 2,
                }),
            },
        )
        .await
        .expect("design");
    let mut targets = store.cluster_targets("safety").await.expect("targets");
    targets.sort();
    assert_eq!(targets, [("ea-7".to_owned(), 12), ("ea-8".to_owned(), 30)]);
    // Both interviews are in ea-7: one weighs its own 10, one its cluster's 2.5.
    assert_eq!(
        store.cluster_counts("safety").await.expect("counts"),
        [ClusterCount {
            cluster: Some("ea-7".into()),
            stratum: Some("s1".into()),
            interviews: 2,
            weighted: 2,
            sum_of_weights: 12.5,
        }]
    );
    let removed = ["ea-7".to_owned()];
    let gone = [second.hyphenated().to_string()];
    store
        .store_design(
            "safety",
            &DesignChange {
                entries: &[],
                clear_cluster_weights: &removed,
                delete_submission_weights: &gone,
                record: Some(DesignRecord {
                    uploaded_by: "admin-1",
                    keyed_by: "submission",
                    changed: 0,
                }),
            },
        )
        .await
        .expect("weights removed");
    assert!(
        store
            .submission_weights("safety")
            .await
            .expect("weights")
            .is_empty()
    );
    let mut design = store.design_clusters("safety").await.expect("design");
    design.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        design,
        [
            ("ea-7".to_owned(), Some("s1".to_owned()), None),
            ("ea-8".to_owned(), Some("s2".to_owned()), Some(4.0))
        ]
    );
    let counts = store.cluster_counts("safety").await.expect("counts");
    assert_eq!((counts[0].weighted, counts[0].sum_of_weights), (0, 0.0));
    let history = store.design_uploads("safety", 10).await.expect("history");
    let lines: Vec<(&str, &str, i64, i64, i64)> = history
        .iter()
        .map(|u| {
            (
                u.uploaded_by.as_str(),
                u.keyed_by.as_str(),
                u.rows,
                u.changed,
                u.removed,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("admin-1", "submission", 0, 0, 2),
            ("analyst-1", "cluster", 3, 2, 0)
        ]
    );
    assert_eq!(
        store.design_uploads("safety", 1).await.expect("one").len(),
        1
    );
    // A design written without a record (the benchmarks, scripts) leaves none.
    store
        .upsert_design("safety", &entries)
        .await
        .expect("design");
    assert_eq!(
        store
            .design_uploads("safety", 10)
            .await
            .expect("history")
            .len(),
        2
    );
}

/// A visit is stored once under its id, read back in the order visits were
/// made (whatever offset the device wrote), and never overwritten.
async fn visits_are_stored_once_and_read_in_the_order_made(store: Store) {
    use salama_server::store::VisitStored;
    use salama_shared::date::Timestamp;
    use salama_shared::visit::{Visit, VisitOutcome};
    let visit = |household: &str, at: &str, outcome: VisitOutcome| Visit {
        visit_id: Uuid::new_v4(),
        survey_id: "safety".into(),
        cluster_id: "ea-7".into(),
        household: household.into(),
        visited_at: Timestamp::parse(at).expect("a timestamp"),
        outcome,
        enumerator_id: Some("enum-1".into()),
        submission_id: None,
        note: Some("call back after 5 pm".into()),
    };
    // 09:30 at +03:00 is 06:30 UTC: before the 07:00 UTC visit.
    let later = visit("12", "2026-11-27T07:00:00Z", VisitOutcome::HouseholdRefused);
    let earlier = visit("12", "2026-11-27T09:30:00+03:00", VisitOutcome::NoOneHome);
    let first = store
        .insert_visit(&later, "enum-1", "sha-a")
        .await
        .expect("stored");
    let VisitStored::New(received_at) = first else {
        panic!("a new visit: {first:?}");
    };
    assert_eq!(
        store
            .insert_visit(&later, "enum-1", "sha-a")
            .await
            .expect("resend"),
        VisitStored::Duplicate(received_at)
    );
    assert_eq!(
        store
            .insert_visit(&later, "enum-1", "sha-b")
            .await
            .expect("other content"),
        VisitStored::Conflict
    );
    assert!(matches!(
        store
            .insert_visit(&earlier, "enum-1", "sha-c")
            .await
            .expect("stored"),
        VisitStored::New(_)
    ));
    assert!(store.visit_stored(later.visit_id).await.expect("read"));
    assert!(!store.visit_stored(Uuid::new_v4()).await.expect("read"));
    let rows = store.survey_visits("safety").await.expect("read");
    let outcomes: Vec<VisitOutcome> = rows.iter().map(|row| row.outcome).collect();
    assert_eq!(
        outcomes,
        [VisitOutcome::NoOneHome, VisitOutcome::HouseholdRefused]
    );
    assert_eq!(
        (rows[0].household.as_str(), rows[0].enumerator.as_str()),
        ("12", "enum-1")
    );
    assert!(store.survey_visits("other").await.expect("read").is_empty());
}

/// Two stored submissions of cluster ea-7, ids in order.
async fn two_submissions(store: &Store) -> (String, String) {
    store
        .publish_survey("safety", 1, DEFINITION_V1, true)
        .await
        .expect("published");
    let mut ids: Vec<Uuid> = (0..2).map(|_| Uuid::new_v4()).collect();
    ids.sort();
    for (index, id) in ids.iter().enumerate() {
        let body = format!(r#"{{"n":{index}}}"#);
        store
            .insert_submission(&submission(*id, &format!("sha-{index}"), body.as_bytes()))
            .await
            .expect("insert");
    }
    (
        ids[0].hyphenated().to_string(),
        ids[1].hyphenated().to_string(),
    )
}

async fn respondents(store: &Store) -> Vec<String> {
    let (_, rows) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    rows.into_iter().map(|row| row.submission_id).collect()
}

async fn reviews_move_forward_and_reach_the_facts_at_once(store: Store) {
    let (first, second) = two_submissions(&store).await;
    assert_eq!(respondents(&store).await.len(), 2);
    let generation = store.fact_state("safety").await.expect("state").generation;

    // Approving changes nothing counted while every valid one counts.
    let approved = store
        .review(&first, ReviewState::Approved, "sup-1", "")
        .await
        .expect("review");
    let Reviewed::Done(item) = approved else {
        panic!("{approved:?}")
    };
    assert_eq!(
        (item.state, item.reviewer.as_deref()),
        (ReviewState::Approved, Some("sup-1"))
    );
    assert_eq!(
        store.fact_state("safety").await.expect("state").generation,
        generation
    );
    // Final: neither again nor otherwise.
    for next in [
        ReviewState::Approved,
        ReviewState::Rejected,
        ReviewState::Received,
    ] {
        assert_eq!(
            store
                .review(&first, next, "sup-2", "no")
                .await
                .expect("review"),
            Reviewed::WrongState(ReviewState::Approved)
        );
    }
    // Rejecting leaves the submission out of the facts at once.
    assert!(matches!(
        store
            .review(
                &second,
                ReviewState::HasIssues,
                "sup-1",
                "age 4 for a head of household?"
            )
            .await
            .expect("review"),
        Reviewed::Done(_)
    ));
    assert!(matches!(
        store
            .review(&second, ReviewState::Rejected, "sup-1", "never made")
            .await
            .expect("review"),
        Reviewed::Done(_)
    ));
    let after_reject = store.fact_state("safety").await.expect("state");
    assert!(after_reject.generation > generation);
    assert_eq!(respondents(&store).await, [first.as_str()]);
    let (_, members) = store
        .load_facts("safety", UnitLevel::Members, 0)
        .await
        .expect("members");
    assert_eq!(members.len(), 1, "its household members go too");
    // So does the microdata.
    let (_, bodies) = store
        .microdata_page("safety", "", 100)
        .await
        .expect("page")
        .expect("one");
    assert_eq!(bodies, r#"{"n":0}"#);
    assert_eq!(
        store
            .review("0000", ReviewState::Approved, "sup-1", "")
            .await
            .expect("review"),
        Reviewed::NotFound
    );

    // Approved only: nothing changes here (the one left is approved) …
    assert!(!store.review_policy("safety").await.expect("policy"));
    assert!(
        store
            .set_review_policy("safety", true, "admin-1")
            .await
            .expect("policy")
    );
    assert!(store.review_policy("safety").await.expect("policy"));
    assert!(store.fact_state("safety").await.expect("state").generation > after_reject.generation);
    assert_eq!(respondents(&store).await, [first.as_str()]);
    assert!(
        !store
            .set_review_policy("safety", true, "admin-1")
            .await
            .expect("same policy")
    );
    // … and a new, unreviewed submission does not count until approved.
    let third = Uuid::new_v4();
    store
        .insert_submission(&submission(third, "sha-3", b"{}"))
        .await
        .expect("insert");
    let third = third.hyphenated().to_string();
    assert_eq!(respondents(&store).await, [first.as_str()]);
    store
        .review(&third, ReviewState::Approved, "sup-1", "")
        .await
        .expect("review");
    assert_eq!(respondents(&store).await.len(), 2);

    let history = store.review_history(&second).await.expect("history");
    let events: Vec<(&str, &str)> = history
        .iter()
        .map(|event| (event.event.as_str(), event.reason.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("has_issues", "age 4 for a head of household?"),
            ("rejected", "never made")
        ]
    );
    let audit = store.recent_audit(20).await.expect("audit");
    let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "submission_reviewed")
            .count(),
        4
    );
    assert!(actions.contains(&"review_policy_set"));
}

async fn the_review_list_is_filtered_and_kept_to_a_supervisors_teams(store: Store) {
    let (first, second) = two_submissions(&store).await;
    for (name, role) in [
        ("enum-1", "enumerator"),
        ("sup-1", "supervisor"),
        ("sup-2", "supervisor"),
    ] {
        store.create_user(name, role, "hash").await.expect("user");
    }
    store
        .assign(
            "safety",
            &[Assignment {
                survey_id: "safety".into(),
                cluster_id: "ea-7".into(),
                enumerator: "enum-1".into(),
                stratum: None,
                area: None,
            }],
        )
        .await
        .expect("assign");
    store
        .set_supervisor("enum-1", Some("sup-1"), "admin-1")
        .await
        .expect("supervisor");
    assert!(
        store
            .supervises("sup-1", "safety", "ea-7")
            .await
            .expect("sup-1")
    );
    assert!(
        !store
            .supervises("sup-2", "safety", "ea-7")
            .await
            .expect("sup-2")
    );
    assert!(
        !store
            .supervises("sup-1", "safety", "ea-8")
            .await
            .expect("ea-8")
    );
    assert_eq!(store.team("sup-1").await.expect("team"), ["enum-1"]);
    store
        .review(&first, ReviewState::Approved, "sup-1", "")
        .await
        .expect("review");
    let list = |filter: ReviewFilter| {
        let store = store.clone();
        async move {
            let items = store
                .review_list(
                    "safety",
                    &ReviewFilter {
                        limit: 10,
                        ..filter
                    },
                )
                .await
                .expect("list");
            items
                .into_iter()
                .map(|item| (item.submission_id, item.state))
                .collect::<Vec<_>>()
        }
    };
    // Latest first.
    assert_eq!(
        list(ReviewFilter::default()).await,
        [
            (second.clone(), ReviewState::Received),
            (first.clone(), ReviewState::Approved)
        ]
    );
    assert_eq!(
        list(ReviewFilter {
            state: Some(ReviewState::Received),
            ..ReviewFilter::default()
        })
        .await,
        [(second.clone(), ReviewState::Received)]
    );
    assert_eq!(
        list(ReviewFilter {
            cluster_id: Some("ea-7".into()),
            enumerator_id: Some("enum-1".into()),
            supervisor: Some("sup-1".into()),
            ..ReviewFilter::default()
        })
        .await
        .len(),
        2
    );
    for filter in [
        ReviewFilter {
            cluster_id: Some("ea-8".into()),
            ..ReviewFilter::default()
        },
        ReviewFilter {
            enumerator_id: Some("enum-2".into()),
            ..ReviewFilter::default()
        },
        ReviewFilter {
            supervisor: Some("sup-2".into()),
            ..ReviewFilter::default()
        },
    ] {
        assert!(list(filter).await.is_empty());
    }
    // Paged by position.
    let all = store
        .review_list(
            "safety",
            &ReviewFilter {
                limit: 1,
                ..ReviewFilter::default()
            },
        )
        .await
        .expect("page");
    assert_eq!(all.len(), 1);
    let next = store
        .review_list(
            "safety",
            &ReviewFilter {
                limit: 1,
                before: Some(all[0].position),
                ..ReviewFilter::default()
            },
        )
        .await
        .expect("next page");
    assert_eq!(next[0].submission_id, first);
    // Leaving the enumerator unsupervised takes the team away.
    store
        .set_supervisor("enum-1", None, "admin-1")
        .await
        .expect("none");
    assert!(
        !store
            .supervises("sup-1", "safety", "ea-7")
            .await
            .expect("sup-1")
    );
}

async fn a_correction_is_a_new_revision_whose_facts_replace_the_old(store: Store) {
    let (first, _) = two_submissions(&store).await;
    let before = store.fact_state("safety").await.expect("state");
    let corrected = SubmissionFacts {
        units: FACTS.units[..1].to_vec(),
        ..FACTS.clone()
    };
    let mut corrected = corrected;
    corrected.units[0].age = Some(40);
    let changes = [ChangedAnswer {
        path: "resp_age".into(),
        old: 34.into(),
        new: 40.into(),
    }];
    let revision = |from_revision: u32| NewRevision {
        submission_id: &first,
        from_revision,
        body: br#"{"n":0,"corrected":true}"#,
        content_sha256: "sha-corrected",
        author: "sup-1",
        reason: "typed 34 for 40",
        changes: &changes,
        facts: &corrected,
        resent: false,
    };
    assert_eq!(store.correct(&revision(0)).await.expect("correct"), Some(1));
    // Another correction made from revision 0 too comes second: refused.
    assert_eq!(store.correct(&revision(0)).await.expect("stale"), None);
    let after = store.fact_state("safety").await.expect("state");
    assert_eq!(
        after.units,
        before.units - 1,
        "the member the revision lacks"
    );
    assert!(after.generation > before.generation);
    let (_, rows) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    let ages: Vec<(String, Option<i64>)> = rows
        .into_iter()
        .map(|row| (row.submission_id, row.age))
        .collect();
    assert!(ages.contains(&(first.clone(), Some(40))), "{ages:?}");
    assert_eq!(ages.len(), 2);
    // The body as received is kept; readers get the latest revision.
    let original = store
        .submission_body(Uuid::parse_str(&first).expect("uuid"))
        .await
        .expect("body")
        .expect("kept");
    assert_eq!(original, br#"{"n":0}"#);
    let latest = store
        .latest_body(&first)
        .await
        .expect("latest")
        .expect("one");
    assert_eq!(
        (latest.revision, latest.body.as_slice()),
        (1, br#"{"n":0,"corrected":true}"#.as_slice())
    );
    let (_, bodies) = store
        .microdata_page("safety", "", 100)
        .await
        .expect("page")
        .expect("rows");
    assert!(
        bodies.starts_with(r#"{"n":0,"corrected":true}"#),
        "{bodies}"
    );
    let rebuilt = store
        .submission_bodies("safety", "", 10)
        .await
        .expect("bodies");
    assert_eq!(rebuilt[0].1, br#"{"n":0,"corrected":true}"#);
    let revisions = store.revisions(&first).await.expect("revisions");
    assert_eq!(revisions.len(), 1);
    assert_eq!(
        (
            revisions[0].author.as_str(),
            revisions[0].changes.as_slice()
        ),
        ("sup-1", changes.as_slice())
    );
    let (_, item) = store.review_item(&first).await.expect("item").expect("one");
    assert_eq!(item.revision, 1);
    let history = store.review_history(&first).await.expect("history");
    assert_eq!(
        (history[0].event.as_str(), history[0].revision),
        ("corrected", 1)
    );
    let audit = store.recent_audit(5).await.expect("audit");
    assert_eq!(audit[0].action, "submission_corrected");
    assert!(
        audit[0].detail.contains("resp_age: 34 -> 40"),
        "{}",
        audit[0].detail
    );
}

mod backends {
    use salama_server::store::Store;

    pub async fn sqlite() -> (tempfile::TempDir, Store) {
        let folder = tempfile::tempdir().expect("temporary folder");
        let url = format!(
            "sqlite://{}",
            folder.path().join("nested/salama.db").display()
        );
        let store = Store::open(&url)
            .await
            .expect("SQLite opens, creating its folder");
        assert_eq!(store.backend(), "sqlite");
        (folder, store)
    }

    pub async fn postgres() -> Store {
        super::common::postgres_store().await
    }
}

/// DOMAIN §5: once the retention date has passed, a survey's raw data
/// goes, everything kept per respondent with it, and another survey's
/// stays; every pass after the first destroys only stragglers.
async fn raw_data_is_destroyed_once_its_retention_date_has_passed(store: Store) {
    let day = |text: &str| salama_shared::date::Date::parse(text).expect("a date");
    for (id, definition) in [
        ("safety", DEFINITION_V1),
        ("other", r#"{"id":"other","version":1}"#),
    ] {
        store
            .publish_survey(id, 1, definition, true)
            .await
            .expect("published");
    }
    let kept = Uuid::new_v4();
    store
        .insert_submission(&NewSubmission {
            survey_id: "other",
            ..submission(kept, "ccc", b"{}")
        })
        .await
        .expect("insert");
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [first, second] {
        store
            .insert_submission(&submission(id, "aaa", b"{}"))
            .await
            .expect("insert");
    }
    store
        .upsert_design(
            "safety",
            &[DesignEntry::Submission {
                submission_id: first.hyphenated().to_string(),
                weight: 80.0,
            }],
        )
        .await
        .expect("design");
    assert_eq!(store.retention("safety").await.expect("read"), None);
    store
        .set_retention("safety", day("2027-06-30"), "ada")
        .await
        .expect("set");
    store
        .set_retention("other", day("2027-12-31"), "ada")
        .await
        .expect("set");
    // The last day is kept.
    assert!(
        store
            .destroy_passed(day("2027-06-30"))
            .await
            .expect("pass")
            .is_empty()
    );
    assert_eq!(store.submission_count("safety").await.expect("count"), 2);

    // What review and fieldwork keep of them goes too.
    let first_id = first.hyphenated().to_string();
    let reviewed = store
        .review(
            &first_id,
            ReviewState::HasIssues,
            "sup-1",
            "age looks wrong",
        )
        .await
        .expect("review");
    assert!(matches!(reviewed, Reviewed::Done(_)), "{reviewed:?}");
    let visit = salama_shared::visit::Visit {
        visit_id: Uuid::new_v4(),
        survey_id: "safety".into(),
        cluster_id: "ea-7".into(),
        household: "12".into(),
        visited_at: salama_shared::date::Timestamp::parse("2026-11-27T07:00:00Z").expect("time"),
        outcome: salama_shared::visit::VisitOutcome::NoOneHome,
        enumerator_id: Some("enum-1".into()),
        submission_id: None,
        note: Some("call back after 5 pm".into()),
    };
    store
        .insert_visit(&visit, "enum-1", "sha-v")
        .await
        .expect("visit");
    let destroyed = store.destroy_passed(day("2027-07-01")).await.expect("pass");
    assert_eq!(destroyed.len(), 1);
    assert_eq!(
        (destroyed[0].survey_id.as_str(), destroyed[0].submissions),
        ("safety", 2)
    );
    assert_eq!(store.submission_count("safety").await.expect("count"), 0);
    let (state, respondents) = store
        .load_facts("safety", UnitLevel::Respondents, 0)
        .await
        .expect("load");
    assert!(respondents.is_empty());
    assert_eq!(state.units, 0, "aggregates know the facts are gone");
    assert!(
        store
            .submission_weights("safety")
            .await
            .expect("weights")
            .is_empty()
    );
    assert!(store.submission_body(first).await.expect("read").is_none());
    assert!(store.receipt(first).await.expect("read").is_none());
    assert!(
        store
            .review_history(&first_id)
            .await
            .expect("read")
            .is_empty()
    );
    assert!(store.revisions(&first_id).await.expect("read").is_empty());
    assert!(
        store
            .survey_visits("safety")
            .await
            .expect("read")
            .is_empty()
    );
    let after = store
        .retention("safety")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(after.destroyed_submissions, 2);
    let destroyed_at = after.destroyed_at.clone().expect("destruction recorded");
    // The other survey is untouched.
    assert_eq!(store.submission_count("other").await.expect("count"), 1);
    assert!(
        store
            .retention("other")
            .await
            .expect("read")
            .expect("set")
            .destroyed_at
            .is_none()
    );

    // A pass with nothing to destroy audits nothing more; a straggler
    // received after the first pass goes at the next.
    store.destroy_passed(day("2027-07-02")).await.expect("pass");
    store
        .insert_submission(&submission(Uuid::new_v4(), "bbb", b"{}"))
        .await
        .expect("a straggler");
    let again = store.destroy_passed(day("2027-07-03")).await.expect("pass");
    assert_eq!(again[0].submissions, 1);
    let last = store
        .retention("safety")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(last.destroyed_submissions, 3);
    assert_eq!(
        last.destroyed_at,
        Some(destroyed_at),
        "the first destruction's time stays"
    );
    let audit = store.recent_audit(50).await.expect("audit");
    let destructions: Vec<_> = audit
        .iter()
        .filter(|entry| entry.action == "raw_data_destroyed")
        .map(|entry| (entry.actor.as_str(), entry.detail.as_str()))
        .collect();
    assert_eq!(
        destructions,
        [
            (
                "salama",
                "safety: 1 submissions destroyed, the retention date 2027-06-30 having passed"
            ),
            (
                "salama",
                "safety: 2 submissions destroyed, the retention date 2027-06-30 having passed"
            ),
        ]
    );
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "retention_set")
            .count(),
        2
    );

    // A date edited by hand into something else destroys nothing and
    // stops no reader.
    store
        .publish_survey("edited", 1, r#"{"id":"edited","version":1}"#, true)
        .await
        .expect("published");
    store
        .insert_submission(&NewSubmission {
            survey_id: "edited",
            ..submission(Uuid::new_v4(), "ddd", b"{}")
        })
        .await
        .expect("insert");
    store
        .set_retention("edited", day("2027-01-01"), "ada")
        .await
        .expect("set");
    let edit = "UPDATE survey_retention SET retain_until = '1999-13-45' WHERE survey_id = 'edited'";
    match store.pool() {
        salama_server::store::Pool::Sqlite(pool) => {
            sqlx::query(edit).execute(pool).await.map(|_| ())
        }
        salama_server::store::Pool::Postgres(pool) => {
            sqlx::query(edit).execute(pool).await.map(|_| ())
        }
    }
    .expect("edited by hand");
    assert_eq!(store.retention("edited").await.expect("read"), None);
    assert!(
        store
            .retentions()
            .await
            .expect("read")
            .iter()
            .all(|kept| kept.survey_id != "edited")
    );
    let passed = store.destroy_passed(day("2030-01-01")).await.expect("pass");
    assert!(
        passed
            .iter()
            .all(|destroyed| destroyed.survey_id != "edited")
    );
    assert_eq!(store.submission_count("edited").await.expect("count"), 1);
}

/// Saved flag rules: none until saved, replaced whole, audited, and a row
/// edited by hand into something else reads as none.
async fn flag_rules_are_saved_whole_and_a_bad_row_reads_as_none(store: Store) {
    use salama_shared::review::FlagRules;
    assert_eq!(store.flag_rules("safety").await.expect("read"), None);
    let first = FlagRules {
        min_minutes: Some(15),
        battery: vec!["tru_1".into(), "tru_2".into()],
        dont_know_share: 0.4,
    };
    store
        .set_flag_rules("safety", &first, "ada")
        .await
        .expect("saved");
    assert_eq!(store.flag_rules("safety").await.expect("read"), Some(first));
    let second = FlagRules {
        min_minutes: None,
        battery: Vec::new(),
        dont_know_share: 0.5,
    };
    store
        .set_flag_rules("safety", &second, "grace")
        .await
        .expect("replaced");
    assert_eq!(
        store.flag_rules("safety").await.expect("read"),
        Some(second)
    );
    assert_eq!(store.flag_rules("other").await.expect("read"), None);
    let search =
        salama_shared::audit::Query::parse(&[("action".to_owned(), "flag_rules_set".to_owned())])
            .expect("valid search");
    let audited = store.search_audit(&search).await.expect("audit");
    assert_eq!(audited.len(), 2);
    for edit in [
        "UPDATE flag_rules SET rules = '{\"dont_know_share\": 7}' WHERE survey_id = 'safety'",
        "UPDATE flag_rules SET rules = 'not json' WHERE survey_id = 'safety'",
    ] {
        execute(&store, edit).await;
        assert_eq!(store.flag_rules("safety").await.expect("read"), None);
    }
}

/// Runs SQL of the test's own on either database (a row edited by hand).
async fn execute(store: &Store, statement: &'static str) {
    match store.pool() {
        salama_server::store::Pool::Sqlite(pool) => {
            sqlx::query(statement).execute(pool).await.map(|_| ())
        }
        salama_server::store::Pool::Postgres(pool) => {
            sqlx::query(statement).execute(pool).await.map(|_| ())
        }
    }
    .expect("executed");
}

async fn every_disclosure_policy_version_is_kept_and_the_latest_applies(store: Store) {
    use salama_shared::disclosure::{DisclosurePolicy, Period};
    let current = store
        .current_disclosure_policy("safety")
        .await
        .expect("read");
    assert_eq!(
        (current.policy, current.version, current.set_by),
        (DisclosurePolicy::default(), 0, None),
        "none stored: the defaults"
    );
    assert!(
        store
            .disclosure_history("safety")
            .await
            .expect("history")
            .is_empty()
    );

    let quarters = DisclosurePolicy {
        min_n: 30,
        period: Period::Quarter,
        ..DisclosurePolicy::default()
    };
    assert_eq!(
        store
            .set_disclosure_policy("safety", &quarters, "ada")
            .await
            .expect("set"),
        1
    );
    let districts = DisclosurePolicy {
        area_level: 2,
        ..quarters.clone()
    };
    assert_eq!(
        store
            .set_disclosure_policy("safety", &districts, "bea")
            .await
            .expect("set"),
        2
    );
    assert_eq!(
        store.disclosure_policy("safety").await.expect("read"),
        districts
    );
    // Another survey's policy is its own.
    assert_eq!(
        store.disclosure_policy("other").await.expect("read"),
        DisclosurePolicy::default()
    );
    let current = store
        .current_disclosure_policy("safety")
        .await
        .expect("read");
    assert_eq!(
        (current.version, current.set_by.as_deref()),
        (2, Some("bea"))
    );
    let history = store.disclosure_history("safety").await.expect("history");
    let versions: Vec<(u32, &str, &DisclosurePolicy)> = history
        .iter()
        .map(|v| (v.version, v.set_by.as_str(), &v.policy))
        .collect();
    assert_eq!(versions, [(2, "bea", &districts), (1, "ada", &quarters)]);

    let audit = store.recent_audit(10).await.expect("audit");
    let details: Vec<&str> = audit
        .iter()
        .filter(|entry| entry.action == "disclosure_policy_set")
        .map(|entry| entry.detail.as_str())
        .collect();
    assert_eq!(
        details,
        [
            "safety: disclosure policy version 2: area_level 1 → 2",
            "safety: disclosure policy version 1: min_n 25 → 30, period month → quarter",
        ]
    );

    // A latest row edited by hand (no longer JSON of a policy, or out of
    // bounds) counts as the defaults and stops no reader; the next
    // version still follows it.
    execute(
        &store,
        "INSERT INTO disclosure_policies (survey_id, version, policy, set_by, set_at) \
         VALUES ('safety', 3, '{\"min_n\": \"lots\"}', 'mallory', '2026-12-08T00:00:00Z')",
    )
    .await;
    assert_eq!(
        store
            .current_disclosure_policy("safety")
            .await
            .expect("read")
            .version,
        0
    );
    assert_eq!(
        store.disclosure_policy("safety").await.expect("read"),
        DisclosurePolicy::default()
    );
    assert_eq!(
        store
            .disclosure_history("safety")
            .await
            .expect("history")
            .len(),
        2,
        "the unreadable version is left out of the history"
    );
    execute(
        &store,
        "UPDATE disclosure_policies SET policy = REPLACE(policy, '\"min_count\":5', '\"min_count\":1') \
         WHERE survey_id = 'safety' AND version = 2",
    )
    .await;
    execute(
        &store,
        "DELETE FROM disclosure_policies WHERE survey_id = 'safety' AND version = 3",
    )
    .await;
    assert_eq!(
        store.disclosure_policy("safety").await.expect("read"),
        DisclosurePolicy::default(),
        "k = 1 is out of bounds: the defaults apply"
    );
    assert_eq!(
        store
            .set_disclosure_policy("safety", &quarters, "ada")
            .await
            .expect("set"),
        3
    );
    assert_eq!(
        store.disclosure_policy("safety").await.expect("read"),
        quarters
    );
}

macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let (_folder, store) = super::backends::sqlite().await;
                    super::$story(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story(super::backends::postgres().await).await;
                }
            )*
        }
    };
}

conformance!(
    publishing_is_idempotent_and_versions_are_immutable,
    the_latest_version_is_served_and_listed,
    a_submission_is_stored_once_and_never_overwritten,
    concurrent_resends_store_exactly_one,
    a_batch_commits_together_and_sees_its_own_rows,
    submissions_need_a_published_version,
    the_audit_log_keeps_order,
    the_audit_log_is_searched_by_who_what_and_when,
    people_are_listed_and_one_device_is_revoked_alone,
    migrations_can_run_again,
    facts_are_written_with_their_submission_once,
    the_design_joins_facts_and_marks_them_changed,
    a_facts_rebuild_starts_afresh_and_stays_pending_until_done,
    assignments_are_kept_per_enumerator_and_feed_the_design,
    a_reassignment_moves_clusters_whole_or_not_at_all,
    the_design_counts_targets_and_keeps_its_history,
    visits_are_stored_once_and_read_in_the_order_made,
    raw_data_is_destroyed_once_its_retention_date_has_passed,
    reviews_move_forward_and_reach_the_facts_at_once,
    the_review_list_is_filtered_and_kept_to_a_supervisors_teams,
    a_correction_is_a_new_revision_whose_facts_replace_the_old,
    flag_rules_are_saved_whole_and_a_bad_row_reads_as_none,
    every_disclosure_policy_version_is_kept_and_the_latest_applies,
);
