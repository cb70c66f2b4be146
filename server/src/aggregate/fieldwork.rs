//! Fieldwork progress from the in-memory facts: counts only, no answers.

use std::collections::BTreeMap;

use salama_shared::Survey;
use salama_shared::aggregate::{AreaCount, DayCount, EnumeratorCount, Fieldwork};
use salama_shared::date::Date;
use salama_shared::words::{AnalysisWord, Key};

use super::cube::{Cube, NO_DAY};

pub fn fieldwork(survey: &Survey, cube: &Cube, language: &str) -> Fieldwork {
    let enumerator_channel = cube.strings.id("enumerator");
    let mut days: BTreeMap<i32, (u64, u64)> = BTreeMap::new();
    let mut leaves: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut enumerators: BTreeMap<u32, (u64, i32)> = BTreeMap::new();
    let (mut interviews, mut online) = (0, 0);
    for unit in 0..cube.len() {
        let interview = Some(cube.channel[unit]) == enumerator_channel;
        let (add_interview, add_online) = if interview { (1, 0) } else { (0, 1) };
        interviews += add_interview;
        online += add_online;
        let day = cube.day[unit];
        if day != NO_DAY {
            let entry = days.entry(day).or_default();
            entry.0 += add_interview;
            entry.1 += add_online;
        }
        let area = leaves.entry(cube.area[unit]).or_default();
        area.0 += add_interview;
        area.1 += add_online;
        if interview && cube.enumerator[unit] != 0 {
            let entry = enumerators
                .entry(cube.enumerator[unit])
                .or_insert((0, NO_DAY));
            entry.0 += 1;
            entry.1 = entry.1.max(day);
        }
    }
    let date = |day: i32| {
        if day == NO_DAY {
            String::new()
        } else {
            Date::from_days(day).to_string()
        }
    };
    // Areas in the survey's order, at the most detailed level answered.
    let mut by_area: Vec<AreaCount> = Vec::new();
    for area in survey.areas_by_level() {
        if let Some(id) = cube.strings.id(&area.code)
            && let Some(&(interviews, online)) = leaves.get(&id)
        {
            by_area.push(AreaCount {
                area: Some(area.code.clone()),
                label: area.name.get(language, &survey.default_language).to_owned(),
                interviews,
                online,
            });
        }
    }
    let known: u64 = by_area.iter().map(|a| a.interviews + a.online).sum();
    if known < interviews + online {
        let unknown = leaves
            .iter()
            .filter(|(id, _)| {
                !by_area
                    .iter()
                    .any(|a| a.area.as_deref() == cube.strings.text(**id))
            })
            .fold((0, 0), |sum, (_, counts)| {
                (sum.0 + counts.0, sum.1 + counts.1)
            });
        by_area.push(AreaCount {
            area: None,
            label: AnalysisWord::Unknown.in_language(language).into(),
            interviews: unknown.0,
            online: unknown.1,
        });
    }
    let mut by_enumerator: Vec<EnumeratorCount> = enumerators
        .into_iter()
        .map(|(id, (count, last))| EnumeratorCount {
            enumerator: cube.strings.text(id).unwrap_or_default().to_owned(),
            interviews: count,
            last: date(last),
        })
        .collect();
    by_enumerator.sort_by(|a, b| a.enumerator.cmp(&b.enumerator));
    Fieldwork {
        survey_id: survey.id.clone(),
        interviews,
        online,
        by_day: days
            .into_iter()
            .map(|(day, (interviews, online))| DayCount {
                date: date(day),
                interviews,
                online,
            })
            .collect(),
        by_area,
        by_enumerator,
    }
}
