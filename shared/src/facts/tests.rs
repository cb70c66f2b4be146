use super::*;
use crate::community_safety;
use crate::sample::{household_interview, online_answer};

fn facts_of(submission: &Submission) -> Vec<UnitFacts> {
    let survey = community_safety();
    let form = Form::new(&survey);
    let valid = form.validate(submission).expect("the sample is valid");
    facts(&form, valid)
}

fn outcome<'u>(unit: &'u UnitFacts, indicator: &str, component: u8) -> Option<&'u Outcome> {
    unit.outcomes
        .iter()
        .find(|o| o.indicator == indicator && o.component == component)
}

fn counted(unit: &UnitFacts, indicator: &str, component: u8) -> Counted {
    outcome(unit, indicator, component).map_or(Counted::No, |o| o.counted)
}

#[test]
fn a_household_gives_the_respondent_and_every_member() {
    let units = facts_of(&household_interview());
    assert_eq!(units.len(), 7, "respondent and six members");
    let respondent = &units[0];
    assert_eq!(respondent.unit, 0);
    assert_eq!(respondent.sex.as_deref(), Some("female"));
    assert_eq!(respondent.age, Some(34));
    assert_eq!(respondent.area.as_deref(), Some("central-capital"));
    assert_eq!(respondent.urban_rural.as_deref(), Some("urban"));
    assert_eq!(respondent.displacement.as_deref(), Some("non_displaced"));
    // "some" difficulty seeing is not a disability under the WG rule.
    assert_eq!(respondent.disability, Some(false));

    let ages: Vec<_> = units[1..].iter().map(|u| u.age).collect();
    assert_eq!(
        ages,
        [Some(34), Some(39), Some(12), Some(9), Some(4), Some(67)]
    );
    assert_eq!(units[3].unit, 3);
    assert_eq!(units[3].sex.as_deref(), Some("female"));
    // Members live where the household does; their disability and
    // displacement are not the respondent's.
    assert!(
        units[1..]
            .iter()
            .all(|u| u.area.as_deref() == Some("central-capital"))
    );
    assert!(
        units[1..]
            .iter()
            .all(|u| u.urban_rural.as_deref() == Some("urban"))
    );
    assert!(
        units[1..]
            .iter()
            .all(|u| u.disability.is_none() && u.displacement.is_none())
    );
}

#[test]
fn members_share_the_household_s_displacement_only_when_the_survey_says_it_is_the_household_s() {
    let mut survey = community_safety();
    for role in &mut survey.roles {
        if let Role::Displacement { household, .. } = role {
            *household = true;
        }
    }
    let form = Form::new(&survey);
    let mut submission = household_interview();
    submission
        .answers
        .insert("resp_displacement".into(), "idp".into());
    let valid = form.validate(&submission).expect("the sample is valid");
    let units = facts(&form, valid);
    assert_eq!(units[0].displacement.as_deref(), Some("idp"));
    assert!(
        units[1..]
            .iter()
            .all(|u| u.displacement.as_deref() == Some("idp"))
    );
    // Neither the respondent's sex nor disability reaches the members.
    assert!(units[1..].iter().all(|u| u.disability.is_none()));
    assert_eq!(units[2].sex.as_deref(), Some("male"));
    // Without `household`, members keep their own (unknown) displacement.
    assert!(
        facts_of(&submission)[1..]
            .iter()
            .all(|u| u.displacement.is_none())
    );
}

#[test]
fn indicator_outcomes_follow_their_denominator_rules() {
    let units = facts_of(&household_interview());
    let respondent = &units[0];
    // 16.1.4: "unsafe" is in the denominator (all respondents), not the numerator.
    assert_eq!(counted(respondent, "sdg_16_1_4", 0), Counted::Denominator);
    assert_eq!(counted(respondent, "sdg_16_1_3a", 0), Counted::Numerator);
    // A victim who did not report: in 16.3.1's denominator only.
    assert_eq!(counted(respondent, "sdg_16_3_1", 0), Counted::Denominator);
    assert_eq!(counted(respondent, "sdg_16_5_1", 0), Counted::Numerator);
    // 16.7.2: GOV-1 valid and not "some" or more; GOV-2 is DK, excluded but reported.
    assert_eq!(counted(respondent, "sdg_16_7_2", 0), Counted::Denominator);
    let gov_2 = outcome(respondent, "sdg_16_7_2", 1).expect("DK is reported");
    assert_eq!(gov_2.counted, Counted::No);
    assert_eq!(gov_2.reported.as_deref(), Some("dk"));
    assert_eq!(counted(respondent, "sdg_16_b_1", 0), Counted::Numerator);
    // Member indicators are not the respondent's.
    assert!(outcome(respondent, "child_safe_proxy", 0).is_none());

    // The caregiver's answers for the three children, nobody else's.
    let children: Vec<_> = units[1..]
        .iter()
        .map(|unit| counted(unit, "child_safe_proxy", 0))
        .collect();
    use Counted::*;
    assert_eq!(children, [No, No, Denominator, Numerator, Numerator, No]);
}

#[test]
fn someone_outside_a_subpopulation_has_no_outcome_there() {
    let units = facts_of(&online_answer());
    let respondent = &units[0];
    assert_eq!(
        respondent.disability,
        Some(true),
        "a lot of difficulty walking"
    );
    assert_eq!(respondent.displacement.as_deref(), Some("idp"));
    // Not a victim, no police contact: outside 16.3.1 and 16.5.1 altogether.
    assert!(outcome(respondent, "sdg_16_3_1", 0).is_none());
    assert!(outcome(respondent, "sdg_16_5_1", 0).is_none());
    assert_eq!(counted(respondent, "sdg_16_1_4", 0), Counted::Numerator);
    assert_eq!(counted(respondent, "sdg_16_7_2", 0), Counted::Numerator);
    assert_eq!(counted(respondent, "sdg_16_7_2", 1), Counted::Numerator);
    // DIS-2 is asked only of those who named a ground in DIS-1: not relevant,
    // so unanswered, and 16.b.1 keeps them in its denominator ("all").
    assert_eq!(counted(respondent, "sdg_16_b_1", 0), Counted::Denominator);
}

#[test]
fn the_washington_group_rule_needs_every_domain_to_say_no() {
    let survey = community_safety();
    let Some(Role::Disability {
        questions,
        disabled_if,
        ..
    }) = survey.roles.iter().find(|r| r.dimension() == "disability")
    else {
        panic!("the default questionnaire has the WG short set");
    };
    let answer = |answers: &[(&str, &'static str)]| {
        let answers = answers.to_vec();
        washington_group(questions, disabled_if, move |id| {
            answers
                .iter()
                .find(|(q, _)| *q == id)
                .map_or(Value::Empty, |(_, code)| Value::text(*code))
        })
    };
    let every = |code: &'static str| -> Vec<(&str, &'static str)> {
        questions.iter().map(|q| (q.as_str(), code)).collect()
    };
    assert_eq!(answer(&every("none")), Some(false));
    assert_eq!(answer(&every("some")), Some(false));
    assert_eq!(answer(&every("cannot")), Some(true));
    let mut one_unanswered = every("none");
    one_unanswered.pop();
    assert_eq!(answer(&one_unanswered), None, "cannot tell");
    one_unanswered[0].1 = "a_lot";
    assert_eq!(answer(&one_unanswered), Some(true), "one domain is enough");
}

#[test]
fn outcomes_read_back_as_written() {
    let units = facts_of(&household_interview());
    for unit in &units {
        let line = encode_outcomes(&unit.outcomes);
        let read = decode_outcomes(&line).expect("a line just written");
        assert_eq!(read.len(), unit.outcomes.len());
        for (read, written) in read.iter().zip(&unit.outcomes) {
            assert_eq!(read.indicator, written.indicator);
            assert_eq!(read.component, written.component);
            assert_eq!(read.counted, written.counted);
            assert_eq!(read.reported, written.reported.as_deref());
        }
    }
    assert_eq!(decode_outcomes(""), Some(Vec::new()));
    assert_eq!(decode_outcomes("a:0:x"), None);
    assert_eq!(decode_outcomes("a:zero:d"), None);
    assert_eq!(decode_outcomes("a:0:d:dk:more"), None);
}

#[test]
fn the_household_roster_is_found_from_the_roles() {
    assert_eq!(community_safety().household_roster(), Some("household"));
}

/// The consent text lets people answer "Prefer not to say" where a question
/// offers it: such an answer is reported, and counted as each indicator's
/// denominator rule says (out of "valid answers", in "all respondents").
#[test]
fn prefer_not_to_say_is_reported_and_kept_out_of_valid_answer_denominators() {
    let mut submission = online_answer();
    submission.answers["gov_1"] = serde_json::json!("ra");
    submission.answers["gov_2"] = serde_json::json!("ra");
    submission.answers["vic_2"] = serde_json::json!("ra");
    let units = facts_of(&submission);
    let respondent = &units[0];
    for component in [0, 1] {
        let outcome = outcome(respondent, "sdg_16_7_2", component).expect("RA is reported");
        assert_eq!(outcome.counted, Counted::No);
        assert_eq!(outcome.reported.as_deref(), Some("ra"));
    }
    let assault = outcome(respondent, "sdg_16_1_3a", 0).expect("in the denominator");
    assert_eq!(
        (assault.counted, assault.reported.as_deref()),
        (Counted::Denominator, Some("ra"))
    );
    let survey = community_safety();
    assert_eq!(
        missing_category(&survey, "gov_1", "ra"),
        Some(crate::schema::Missing::Ra)
    );
}
