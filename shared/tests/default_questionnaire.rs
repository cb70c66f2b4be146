//! The default questionnaire against realistic interviews. This file runs
//! natively and, unchanged, compiled to WebAssembly in headless Chromium
//! (`cargo xtask test`), proving the browser applies the same rules.

use salama_shared::form::Form;
use salama_shared::submission::AdultConsent;
use salama_shared::{FieldErrorCode, Submission, community_safety, sample, validate};
use serde_json::json;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Marks a test to run natively with `cargo test` and in the browser with
/// wasm-bindgen-test.
macro_rules! both {
    ($(fn $name:ident() $body:block)*) => {$(
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        fn $name() $body
    )*};
}

fn errors(submission: &Submission) -> Vec<(String, FieldErrorCode)> {
    match validate(&community_safety(), submission) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

#[track_caller]
fn assert_only(submission: &Submission, path: &str, code: FieldErrorCode) {
    assert_eq!(errors(submission), vec![(path.to_owned(), code)]);
}

fn with_respondent_age(age: u32) -> Submission {
    let mut submission = sample::household_interview();
    submission.answers["resp_age"] = json!(age);
    submission.answers["household"][0]["mem_age"] = json!(age);
    submission
}

fn with_selection(eligible_rows: Vec<u32>, selected_row: u32) -> Submission {
    let mut submission = sample::household_interview();
    submission.respondent_selection = Some(salama_shared::selection::RespondentSelection {
        roster: "household".into(),
        eligible_rows,
        selected_row,
    });
    submission
}

/// The default questionnaire with a violence-against-women module: asked of
/// one woman aged 15–49 drawn among the household's members.
fn with_violence_module() -> salama_shared::Survey {
    let mut survey = serde_json::to_value(community_safety()).expect("serialises");
    let text = |en: &str, fr: &str, ar: &str| json!({"en": en, "fr": fr, "ar": ar});
    survey["sections"].as_array_mut().expect("sections").push(json!({
        "id": "vaw",
        "title": text("Your relationships", "Vos relations", "علاقاتك"),
        "sensitive": true,
        "drawn_among": "${mem_sex} = 'female' and ${mem_age} >= 15 and ${mem_age} <= 49",
        "referrals": text("Women's helpline: 116", "Ligne d'écoute pour les femmes : 116", "خط مساعدة النساء: 116"),
        "questions": [{
            "id": "vaw_1",
            "label": text("Has a partner ever hit you?", "Un partenaire vous a-t-il déjà frappée ?", "هل ضربك شريك من قبل؟"),
            "kind": {"type": "yes_no"},
            "required": true
        }]
    }));
    serde_json::from_value(survey).expect("a survey")
}

fn module_errors(submission: &Submission) -> Vec<(String, FieldErrorCode)> {
    match validate(&with_violence_module(), submission) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.path, e.code)).collect(),
    }
}

/// The sample household (the only woman aged 15–49 is row 0) with a draw.
fn with_module_draw(
    eligible_rows: Vec<u32>,
    selected_row: u32,
    privacy_confirmed: bool,
) -> Submission {
    let mut submission = sample::household_interview();
    submission.module_draws = vec![salama_shared::selection::ModuleDraw {
        section: "vaw".into(),
        eligible_rows,
        selected_row,
        privacy_confirmed,
    }];
    submission
}

both! {
    fn the_violence_module_is_asked_only_after_a_draw_with_privacy_confirmed() {
        assert_eq!(with_violence_module().check(), vec![]);
        // Off by default: the module's questions cannot be answered, nor are
        // they required, without a draw.
        let mut no_draw = sample::household_interview();
        assert_eq!(module_errors(&no_draw), vec![]);
        no_draw.answers.insert("vaw_1".into(), json!("no"));
        assert_eq!(module_errors(&no_draw), vec![("vaw_1".into(), FieldErrorCode::NotRelevant)]);
        // Drawn, privacy confirmed: asked, and required.
        let mut drawn = with_module_draw(vec![0], 0, true);
        assert_eq!(module_errors(&drawn), vec![("vaw_1".into(), FieldErrorCode::Required)]);
        drawn.answers.insert("vaw_1".into(), json!("no"));
        assert_eq!(module_errors(&drawn), vec![]);
        // Privacy not confirmed: skipped.
        let mut private = with_module_draw(vec![0], 0, false);
        assert_eq!(module_errors(&private), vec![]);
        private.answers.insert("vaw_1".into(), json!("no"));
        assert_eq!(module_errors(&private), vec![("vaw_1".into(), FieldErrorCode::NotRelevant)]);
    }

    fn a_module_draw_must_follow_the_household_list() {
        let wrong_list = with_module_draw(vec![0, 5], 0, false);
        assert_eq!(
            module_errors(&wrong_list),
            vec![("module_draws[0].eligible_rows".into(), FieldErrorCode::InvalidSelection)]
        );
        // The 39-year-old husband cannot be drawn.
        let wrong_member = with_module_draw(vec![0], 1, false);
        assert_eq!(
            module_errors(&wrong_member),
            vec![("module_draws[0].selected_row".into(), FieldErrorCode::InvalidSelection)]
        );
        let mut not_a_module = with_module_draw(vec![0], 0, false);
        not_a_module.module_draws[0].section = "safety".into();
        assert_eq!(
            module_errors(&not_a_module),
            vec![("module_draws[0].section".into(), FieldErrorCode::InvalidSelection)]
        );
        // Never online: no one can confirm privacy there.
        let mut online = with_module_draw(vec![0], 0, false);
        online.channel = salama_shared::schema::Channel::Online;
        online.enumerator_id = None;
        online.cluster_id = None;
        assert!(
            module_errors(&online)
                .contains(&("module_draws[0].section".into(), FieldErrorCode::ChannelNotAllowed)),
            "{:?}",
            module_errors(&online)
        );
        // A module needs a household with members' ages to draw from.
        let mut survey = serde_json::to_value(with_violence_module()).expect("json");
        survey["roles"]
            .as_array_mut()
            .expect("roles")
            .retain(|role| !(role["role"] == "age" && role["level"] == "member"));
        let survey: salama_shared::Survey = serde_json::from_value(survey).expect("survey");
        assert!(
            survey.check().iter().any(|problem| problem.path == "sections.vaw.drawn_among"
                && problem.code == salama_shared::ProblemCode::MissingRole),
            "{:?}",
            survey.check()
        );
    }

    fn a_respondent_drawn_among_the_eligible_members_is_accepted() {
        // Members 34, 39 and 67 are 15 or over; the 12-, 9- and 4-year-olds are not.
        assert_eq!(errors(&with_selection(vec![0, 1, 5], 0)), vec![]);
    }

    fn a_draw_that_does_not_match_the_roster_is_refused() {
        assert_only(
            &with_selection(vec![0, 5], 0),
            "respondent_selection.eligible_rows",
            FieldErrorCode::InvalidSelection,
        );
        assert_only(
            &with_selection(vec![0, 1, 5], 2),
            "respondent_selection.selected_row",
            FieldErrorCode::InvalidSelection,
        );
        // The husband was drawn, but the answers are the wife's.
        let errors = errors(&with_selection(vec![0, 1, 5], 1));
        assert_eq!(
            errors,
            vec![
                ("resp_age".to_owned(), FieldErrorCode::InvalidSelection),
                ("resp_sex".to_owned(), FieldErrorCode::InvalidSelection),
            ]
        );
        let mut elsewhere = with_selection(vec![0, 1, 5], 0);
        if let Some(selection) = &mut elsewhere.respondent_selection {
            selection.roster = "resp_area".into();
        }
        assert_only(&elsewhere, "respondent_selection.roster", FieldErrorCode::InvalidSelection);
    }

    fn the_default_questionnaire_passes_its_own_check() {
        let survey = community_safety();
        assert_eq!(survey.check(), vec![]);
        assert_eq!(survey.languages, ["en", "fr", "ar"]);
        assert_eq!(
            survey.version,
            salama_shared::default_survey::COMMUNITY_SAFETY_VERSION,
            "the constant follows community-safety.json"
        );
        // Victimisation and discrimination get the safety notice and quick exit.
        assert!(survey.has_sensitive_sections() && survey.safety_notice.is_some());
    }

    fn a_complete_household_interview_is_accepted() {
        let submission = sample::household_interview();
        let survey = community_safety();
        let valid = validate(&survey, &submission).expect("valid interview");
        assert_eq!(valid.submission().submission_id, submission.submission_id);
        // The same evaluation tells a form what applies and what is computed.
        let form = Form::new(&survey);
        let inspection = form.inspect(&submission.answers, (None, "en"), &[]);
        assert_eq!(inspection.rows("household"), 6);
        let child_flags: Vec<_> =
            (0..6).map(|row| inspection.value("mem_is_child", Some(row)).to_text().into_owned()).collect();
        assert_eq!(child_flags, ["no", "no", "yes", "yes", "yes", "no"]);
        assert!(inspection.is_relevant("rep_2", None));
        assert!(!inspection.is_relevant("saf_1b", None));
        assert!(inspection.is_relevant("chl_safe", Some(3)));
        assert!(!inspection.is_relevant("chl_safe", Some(0)));
        assert!(inspection.is_required("saf_1", None));
    }

    fn a_short_online_answer_in_french_is_accepted() {
        assert_eq!(errors(&sample::online_answer()), vec![]);
    }

    fn an_answer_to_a_skipped_question_is_rejected() {
        let mut submission = sample::household_interview();
        // SAF-1b is only asked of people who never go out after dark.
        submission.answers.insert("saf_1b".into(), json!("safe"));
        assert_only(&submission, "saf_1b", FieldErrorCode::NotRelevant);
    }

    fn a_choice_not_in_the_list_is_rejected() {
        let mut submission = sample::household_interview();
        submission.answers["saf_2"] = json!("quite_safe");
        assert_only(&submission, "saf_2", FieldErrorCode::NotInList);
    }

    fn a_twelve_year_old_cannot_answer_for_themself() {
        assert_only(&with_respondent_age(12), "resp_age", FieldErrorCode::RespondentTooYoung);
    }

    fn a_sixteen_year_old_needs_adult_consent_and_own_assent() {
        let mut submission = with_respondent_age(16);
        submission.consent.assent = Some(true);
        assert_only(&submission, "consent.adult", FieldErrorCode::AdultConsentRequired);

        submission.consent.adult = Some(AdultConsent::Refused);
        assert_only(&submission, "consent.adult", FieldErrorCode::AdultConsentRequired);

        submission.consent.adult = Some(AdultConsent::Given);
        submission.consent.assent = None;
        assert_only(&submission, "consent.assent", FieldErrorCode::AssentRequired);

        submission.consent.assent = Some(true);
        assert_eq!(errors(&submission), vec![]);

        submission.consent.adult = Some(AdultConsent::NoCaretaker);
        assert_eq!(errors(&submission), vec![]);
    }

    fn a_household_member_aged_130_is_rejected() {
        let mut submission = sample::household_interview();
        submission.answers["household"][5]["mem_age"] = json!(130);
        assert_only(&submission, "household[5].mem_age", FieldErrorCode::AboveMaximum);
    }

    fn skip_logic_follows_the_answers() {
        // A victim who did report: REP-2 (why not) must now be absent.
        let mut submission = sample::household_interview();
        submission.answers["rep_1"] = json!("police");
        assert_only(&submission, "rep_2", FieldErrorCode::NotRelevant);
        submission.answers.remove("rep_2");
        assert_eq!(errors(&submission), vec![]);

        // No police contact: BRI-2 and SVC-2 are skipped.
        let mut submission = sample::household_interview();
        submission.answers["bri_1"] = json!("never");
        let found = errors(&submission);
        assert_eq!(found, vec![("bri_2".into(), FieldErrorCode::NotRelevant), ("svc_2".into(), FieldErrorCode::NotRelevant)]);

        // Not a victim: REP-1 must not be asked, but leaving it out is fine.
        let mut submission = sample::household_interview();
        submission.answers["vic_2"] = json!("no");
        submission.answers.remove("rep_1");
        assert_only(&submission, "rep_2", FieldErrorCode::NotRelevant);
    }

    fn required_questions_and_the_child_module() {
        let mut submission = sample::household_interview();
        submission.answers.remove("saf_2");
        if let Some(row) = submission.answers["household"][2].as_object_mut() {
            row.remove("chl_safe");
        }
        assert_eq!(
            errors(&submission),
            vec![
                ("saf_2".into(), FieldErrorCode::Required),
                ("household[2].chl_safe".into(), FieldErrorCode::Required),
            ]
        );
        // The caregiver module is for children only.
        let mut submission = sample::household_interview();
        submission.answers["household"][1]["chl_safe"] = json!("safe");
        assert_only(&submission, "household[1].chl_safe", FieldErrorCode::NotRelevant);
    }

    fn constraints_cross_the_roster() {
        let mut submission = sample::household_interview();
        submission.answers["household"][5]["mem_relationship"] = json!("self");
        // Only the first member is the person answering.
        assert_only(&submission, "household[5].mem_relationship", FieldErrorCode::Constraint);
        // In a household interview the person listing the household need not
        // be the respondent drawn afterwards: their ages may differ.
        let mut submission = sample::household_interview();
        submission.answers["household"][0]["mem_age"] = json!(35);
        assert_eq!(errors(&submission), vec![]);
    }

    fn exclusive_choices_and_types() {
        let mut submission = sample::household_interview();
        submission.answers["dis_1"] = json!(["sex", "none"]);
        submission.answers.remove("dis_2");
        submission.answers["pol_1"] = json!(true);
        submission.answers["household"][1]["mem_age"] = json!("39");
        submission.answers.insert("resp_name".into(), json!("Amina"));
        let mut found = errors(&submission);
        found.sort();
        let mut expected = vec![
            ("dis_1".to_owned(), FieldErrorCode::ExclusiveChoice),
            ("pol_1".to_owned(), FieldErrorCode::WrongType),
            ("household[1].mem_age".to_owned(), FieldErrorCode::NotWholeNumber),
            ("resp_name".to_owned(), FieldErrorCode::UnknownQuestion),
        ];
        expected.sort();
        assert_eq!(found, expected);
    }

    fn roster_bounds_and_calculations() {
        let mut submission = sample::household_interview();
        submission.answers["household"] = json!([]);
        assert_only(&submission, "household", FieldErrorCode::TooFewRows);

        let mut submission = sample::household_interview();
        let adult = json!({"mem_relationship": "other_relative", "mem_sex": "male", "mem_age": 30});
        let rows = submission.answers["household"].as_array_mut().expect("rows");
        rows.extend(std::iter::repeat_n(adult, 25));
        assert_only(&submission, "household", FieldErrorCode::TooManyRows);

        let mut submission = sample::household_interview();
        submission.answers["household"][2]["mem_is_child"] = json!("yes");
        assert_eq!(errors(&submission), vec![]);
        submission.answers["household"][2]["mem_is_child"] = json!("no");
        assert_only(&submission, "household[2].mem_is_child", FieldErrorCode::CalculationMismatch);
    }

    fn envelope_rules() {
        let mut submission = sample::household_interview();
        submission.consent.respondent = false;
        submission.survey_version += 1;
        submission.language = "sw".into();
        submission.completed_at = salama_shared::date::Timestamp::parse("2026-11-27T08:00:00+03:00").expect("valid");
        let found = errors(&submission);
        assert_eq!(
            found,
            vec![
                ("survey_version".into(), FieldErrorCode::SurveyMismatch),
                ("language".into(), FieldErrorCode::UnsupportedLanguage),
                ("completed_at".into(), FieldErrorCode::InvalidTimestamps),
                ("consent.respondent".into(), FieldErrorCode::ConsentRequired),
            ]
        );
    }

    fn messages_come_in_the_respondents_language() {
        let mut submission = sample::household_interview();
        submission.language = "ar".into();
        submission.answers["household"][5]["mem_age"] = json!(130);
        submission.answers["household"][4]["mem_relationship"] = json!("self");
        // As the server sends it. The browser build carries the built-in
        // messages in English only and gets the others with the survey, so
        // there they are checked by the browser tests of the French and
        // Arabic forms (tests/tests/citizen_form.rs), which the server serves.
        let served = community_safety().with_served_words();
        let message = |submission: &Submission, path: &str| {
            let errors = validate(&served, submission).expect_err("invalid");
            errors.into_iter().find(|e| e.path == path).map(|e| e.message).unwrap_or_default()
        };
        // The survey's own constraint message, then a built-in one.
        assert_eq!(message(&submission, "household[4].mem_relationship"), "الفرد الأول هو أنت، والأول فقط.");
        if cfg!(not(target_arch = "wasm32")) {
            assert_eq!(message(&submission, "household[5].mem_age"), "أدخل عددًا لا يزيد على 120.");
            submission.language = "fr".into();
            assert_eq!(message(&submission, "household[5].mem_age"), "Saisissez un nombre d’au plus 120.");
        }
    }

    fn submissions_round_trip_through_json() {
        let submission = sample::household_interview();
        let text = serde_json::to_string(&submission).expect("serialises");
        assert_eq!(Submission::from_json(&text).expect("parses"), submission);
        let survey = community_safety();
        let again = salama_shared::Survey::from_json(&survey.to_json_pretty()).expect("parses");
        assert_eq!(again.to_json_pretty(), survey.to_json_pretty());
    }
}
