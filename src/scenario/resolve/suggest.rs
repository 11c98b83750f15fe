//! Suggestions for a misspelt key, value or id: "did you mean", synonyms.

/// "did you mean `x`?" for the closest candidate to `name`, saying that
/// `what` (keys, ids...) are case-sensitive when only letter case differs.
pub(super) fn did_you_mean<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    what: &str,
) -> Option<String> {
    suggest(name, candidates).map(|s| {
        if s.eq_ignore_ascii_case(name) {
            format!("{what} are case-sensitive: did you mean `{s}`?")
        } else {
            format!("did you mean `{s}`?")
        }
    })
}

/// Words people use for the same thing as one of the format's values, in
/// the order they are tried: `active-standby` means `active-passive`.
const SYNONYMS: &[(&str, &str)] = &[
    ("standby", "passive"),
    ("backup", "passive"),
    ("secondary", "passive"),
    ("slave", "passive"),
    ("replica", "passive"),
    ("primary", "active"),
    ("master", "active"),
    ("live", "hot"),
    ("idle", "cold"),
    ("offline", "cold"),
    ("online", "hot"),
    ("synchronous", "sync"),
    ("asynchronous", "async"),
    ("fcfs", "fifo"),
    ("first-come", "fifo"),
    ("priorities", "priority"),
    ("prioritized", "priority"),
    ("prioritised", "priority"),
    ("randomly", "random"),
    ("shuffle", "random"),
];

/// Phrases that mean one of the format's values as a whole.
const SYNONYM_PHRASES: &[(&str, &str)] = &[
    ("failover", "active-passive"),
    ("hot-standby", "active-passive"),
    ("cold-standby", "active-passive"),
    ("warm-standby", "active-passive"),
    ("load-balanced", "active-active"),
    ("load-balancing", "active-active"),
    ("parallel", "active-active"),
    ("n+1", "active-active"),
    ("exp", "exponential"),
    ("constant", "fixed"),
    ("deterministic", "fixed"),
    ("log-normal", "lognormal"),
];

/// The allowed value that `name` means, when it is written with other words
/// (`active-standby`, `primary-backup`, `Synchronous`): matched on meaning,
/// not spelling, so that a near-miss in letters does not win over the sense.
pub(super) fn synonym<'a>(name: &str, expected: &[&'a str]) -> Option<&'a str> {
    let norm = name.trim().to_lowercase().replace(['_', ' '], "-");
    let find = |s: &str| expected.iter().copied().find(|e| *e == s);
    if let Some(&(_, to)) = SYNONYM_PHRASES.iter().find(|(from, _)| *from == norm) {
        return find(to);
    }
    let words: Vec<&str> = norm
        .split('-')
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |&(_, to)| to)
        })
        .collect();
    let mapped = words.join("-");
    if mapped == norm {
        // No word had a synonym: spelling and letter case are for `did_you_mean`.
        return None;
    }
    // `primary-backup` becomes `active-passive`; a lone `standby` becomes `passive`,
    // which names no mode: try the pair form too.
    find(&mapped)
        .or_else(|| find(&format!("active-{mapped}")))
        .filter(|s| *s != name)
}

/// The closest candidate to `name`, when one is close enough to be a likely
/// typo. A candidate equal to `name` but for letter case always wins.
pub(crate) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.collect();
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_likely_typos() {
        assert_eq!(
            suggest("mtbff", ["mtbf", "mttr", "kind"].into_iter()),
            Some("mtbf")
        );
        assert_eq!(suggest("zzz", ["mtbf", "mttr"].into_iter()), None);
    }
}
