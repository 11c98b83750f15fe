//! Structural analysis: each service's structure function (up or down, given
//! which elements are failed), its single points of failure, its exposure to
//! failover outages, and its exact long-run availability.
//!
//! The structure function treats every group member as carrying traffic: an
//! active-passive pair is redundant here, and the outages of its failovers
//! are reported apart as *failover exposure*.

use serde::Serialize;

use crate::model::{
    CAPACITY_TOLERANCE, Criterion, ElementId, ElementRole, GroupMode, HOURS_PER_YEAR, Model, ServiceKind,
    Standby,
};

/// Work (structure evaluations × elements) that `redsim exact` and `redsim
/// spof` may spend on one service's exact availability: about a second.
pub const EXACT_WORK: u64 = 200_000_000;
/// Work that `redsim run` spends on it, beside the simulation: tens of milliseconds.
pub const RUN_EXACT_WORK: u64 = 20_000_000;

/// A model's services as functions of which elements are failed.
pub struct Structure<'a> {
    model: &'a Model,
    /// Per service: the model compiled for incremental evaluation of that
    /// service alone, built when first needed, so that probing a service
    /// costs nothing for the others.
    plans: Vec<std::sync::OnceLock<crate::engine::Plan>>,
    /// Services compiled into probes so far (see [`Self::probed_services`]).
    probed: std::sync::atomic::AtomicU64,
}

impl<'a> Structure<'a> {
    pub fn new(model: &'a Model) -> Self {
        Self {
            model,
            plans: (0..model.services.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            probed: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Service `s` compiled alone for incremental evaluation
    /// ([`crate::engine::Probe`]), where it is service 0.
    fn plan(&self, s: usize) -> &crate::engine::Plan {
        self.plans[s].get_or_init(|| crate::engine::Plan::for_services(self.model, &[s]))
    }

    /// A probe of service `s` alone, everything up: its plan and the probe,
    /// in which the service is number 0.
    fn probe(&self, s: usize) -> (&crate::engine::Plan, crate::engine::Probe) {
        let plan = self.plan(s);
        let services = plan.n_services() as u64;
        self.probed
            .fetch_add(services, std::sync::atomic::Ordering::Relaxed);
        (plan, crate::engine::Probe::new(plan))
    }

    /// Work counter: the services that the probes built so far evaluate,
    /// summed over the probes. One per probe, whatever the number of other
    /// services in the model; tests use it to check that the search does
    /// not pay for services it was not asked about.
    pub fn probed_services(&self) -> u64 {
        self.probed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether service `s` is up when exactly the elements with `down[e]` are
    /// failed. `func` is scratch space (resized as needed).
    pub fn service_up(&self, s: usize, down: &[bool], func: &mut Vec<bool>) -> bool {
        let m = self.model;
        func.clear();
        func.resize(m.elements.len(), false);
        for &e in &m.topo_order {
            let el = &m.elements[e];
            let mut f = !down[e];
            if f && let ElementRole::Link { a, b } = el.role {
                f = func[a] && func[b];
            }
            if f && let Some(r) = &el.requires {
                f = r.eval(&|x| func[x]);
            }
            func[e] = f;
        }
        match &m.services[s].kind {
            ServiceKind::Logic { expr } => expr.eval(&|x| func[x]),
            ServiceKind::Reach {
                from,
                targets,
                criterion,
            } => {
                if !func[*from] {
                    return false;
                }
                let reached = m.reached_from(*from, |e| func[e]);
                match criterion {
                    Criterion::Need(k) => targets.iter().filter(|&&t| reached[t]).count() >= *k,
                    Criterion::Capacity { capacity, demand } => {
                        let got: f64 = targets
                            .iter()
                            .zip(capacity)
                            .filter(|(t, _)| reached[**t])
                            .map(|(_, c)| c)
                            .sum();
                        got >= demand * (1.0 - CAPACITY_TOLERANCE)
                    }
                    Criterion::NeedUnits { units, need } => {
                        let mut hit: Vec<u32> = targets
                            .iter()
                            .zip(units)
                            .filter(|(t, _)| reached[**t])
                            .map(|(_, &u)| u)
                            .collect();
                        hit.dedup();
                        hit.len() >= *need
                    }
                }
            }
        }
    }

    /// Elements that can fail and that service `s` depends on, in dependency
    /// order (what they require first): for a reachability service, what
    /// lies on some path from its entry point to a target ([`uses`]).
    pub fn relevant(&self, s: usize) -> Vec<ElementId> {
        let deps = uses(self.model, s);
        self.model
            .topo_order
            .iter()
            .copied()
            .filter(|&e| deps[e] && self.model.elements[e].life.is_some())
            .collect()
    }

    /// Elements whose failure alone (everything else up) takes service `s`
    /// down; none when the service is down with everything up.
    ///
    /// Each candidate is failed and repaired in an incremental probe (the
    /// simulation's threshold gates and reachability core), so a candidate
    /// costs what its failure changes, not a fresh evaluation of the whole
    /// model: near-linear in the model's size where removing each element and
    /// re-evaluating everything was quadratic.
    ///
    /// The probe compiles service `s` alone: the search costs the same
    /// whatever the number of other services.
    pub fn spofs(&self, s: usize) -> Vec<ElementId> {
        let (plan, mut probe) = self.probe(s);
        if !probe.up(plan, 0) {
            return Vec::new();
        }
        let mut out: Vec<ElementId> = self
            .relevant(s)
            .into_iter()
            .filter(|&e| {
                probe.set(plan, e, true);
                let up = probe.up(plan, 0);
                probe.set(plan, e, false);
                !up
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// [`Self::spofs`] of every service, searched once per distinct
    /// structure function (services that differ only in their
    /// ids, or in the order of their operands, share one search), the structures in parallel.
    pub fn spofs_all(&self) -> Vec<Vec<ElementId>> {
        self.spofs_where(&vec![true; self.model.services.len()])
    }

    /// [`Self::spofs`] of the services with `wanted[s]` (empty for the
    /// others), searched once per distinct structure function among them.
    pub fn spofs_where(&self, wanted: &[bool]) -> Vec<Vec<ElementId>> {
        use rayon::prelude::*;
        let (reps, rep_of) = distinct_structures(self.model);
        let mut needed = vec![false; reps.len()];
        for (s, _) in wanted.iter().enumerate().filter(|(_, w)| **w) {
            needed[rep_of[s]] = true;
        }
        let found: Vec<Vec<ElementId>> = reps
            .par_iter()
            .zip(&needed)
            .map(|(&s, &need)| if need { self.spofs(s) } else { Vec::new() })
            .collect();
        (0..self.model.services.len())
            .map(|s| {
                if wanted[s] {
                    found[rep_of[s]].clone()
                } else {
                    Vec::new()
                }
            })
            .collect()
    }

    /// [`Self::spofs`] by removing each element and evaluating the whole
    /// structure afresh: quadratic, kept as the reference the fast search is
    /// tested against.
    pub fn spofs_by_removal(&self, s: usize) -> Vec<ElementId> {
        let n = self.model.elements.len();
        let mut down = vec![false; n];
        let mut func = Vec::new();
        if !self.service_up(s, &down, &mut func) {
            return Vec::new();
        }
        let mut out: Vec<ElementId> = self
            .relevant(s)
            .into_iter()
            .filter(|&e| {
                down[e] = true;
                let up = self.service_up(s, &down, &mut func);
                down[e] = false;
                !up
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Exact long-run availability of service `s`, when the model qualifies,
    /// spending at most `max_work` (structure evaluations × elements).
    pub fn exact(&self, s: usize, max_work: u64) -> Exact {
        let reasons = disqualifications(self.model, s);
        if !reasons.is_empty() {
            return Exact::NotApplicable { reasons };
        }
        self.solve(s, max_work).0
    }

    /// The pivotal decomposition of service `s` (whether or not its elements
    /// are independent), and the work it spent.
    fn solve(&self, s: usize, max_work: u64) -> (Exact, u64) {
        let (vars, avail, unavail) = self.variables(s);
        let budget = self.budget(max_work);
        let mut left = budget;
        let result = self.probabilities(s, &vars, &avail, &unavail, &mut left);
        let spent = (budget - left) * self.elements();
        match result {
            Ok((up, dn)) => (Exact::Solved(ExactAvailability::new(up, dn)), spent),
            Err(()) => (
                Exact::TooLarge {
                    elements: vars.len(),
                    evaluations: budget,
                },
                spent,
            ),
        }
    }

    /// The elements service `s` depends on that can fail, with their
    /// long-run availabilities and unavailabilities.
    fn variables(&self, s: usize) -> (Vec<ElementId>, Vec<f64>, Vec<f64>) {
        let vars = self.relevant(s);
        let unavail: Vec<f64> = vars
            .iter()
            .map(|&e| long_run_unavailability(self.model, e))
            .collect();
        let avail = unavail.iter().map(|q| 1.0 - q).collect();
        (vars, avail, unavail)
    }

    /// Structure evaluations that `max_work` buys.
    fn budget(&self, max_work: u64) -> u64 {
        (max_work / self.elements()).max(1)
    }

    /// The work of one structure evaluation: the number of elements.
    fn elements(&self) -> u64 {
        self.model.elements.len().max(1) as u64
    }

    /// P(up) and P(down) of service `s` with element `vars[i]` independently
    /// up with probability `avail[i]` (down with `unavail[i]`), taking the
    /// evaluations from `budget`.
    fn probabilities(
        &self,
        s: usize,
        vars: &[ElementId],
        avail: &[f64],
        unavail: &[f64],
        budget: &mut u64,
    ) -> Result<(f64, f64), ()> {
        let mut solver = Solver {
            st: self,
            s,
            vars,
            avail,
            unavail,
            state: vec![None; self.model.elements.len()],
            down: vec![false; self.model.elements.len()],
            func: Vec::new(),
            evaluations: 0,
            budget: *budget,
            up: 0.0,
            dn: 0.0,
        };
        let result = solver.solve(0, 1.0);
        // A solve that ran out counted one evaluation past its budget, not made.
        *budget = budget.saturating_sub(solver.evaluations);
        result.map(|()| (solver.up, solver.dn))
    }

    /// Importance measures of every relevant element for service `s`, from
    /// exact long-run probabilities, best first (by criticality); `Err` says
    /// why there are none.
    pub fn importance(&self, s: usize, max_work: u64) -> Result<Vec<Importance>, Exact> {
        let base = self.exact(s, max_work);
        let Exact::Solved(x) = base else {
            return Err(base);
        };
        self.importance_given(s, x.unavailability, max_work).0
    }

    /// Importance measures of service `s` whose exact unavailability is `q`,
    /// spending at most `max_work` on the conditional solves, and the work
    /// they spent.
    fn importance_given(&self, s: usize, q: f64, max_work: u64) -> (Result<Vec<Importance>, Exact>, u64) {
        let (vars, avail, unavail) = self.variables(s);
        // One budget for all the conditional solves together.
        let total = self.budget(max_work);
        let mut budget = total;
        let spent = |left: u64| (total - left) * self.elements();
        let mut out = Vec::with_capacity(vars.len());
        let (mut fa, mut fq) = (avail.clone(), unavail.clone());
        for (i, &e) in vars.iter().enumerate() {
            let too_large = Exact::TooLarge {
                elements: vars.len(),
                evaluations: total,
            };
            (fa[i], fq[i]) = (0.0, 1.0);
            let Ok((_, q_down)) = self.probabilities(s, &vars, &fa, &fq, &mut budget) else {
                return (Err(too_large), spent(budget));
            };
            (fa[i], fq[i]) = (1.0, 0.0);
            let Ok((_, q_up)) = self.probabilities(s, &vars, &fa, &fq, &mut budget) else {
                return (Err(too_large), spent(budget));
            };
            (fa[i], fq[i]) = (avail[i], unavail[i]);
            let qe = unavail[i];
            let birnbaum = q_down - q_up;
            out.push(Importance {
                element: self.model.elements[e].id.clone(),
                kind: self.model.elements[e].kind.clone(),
                unavailability: qe,
                birnbaum,
                criticality: Ratio::of(birnbaum * qe, q),
                fussell_vesely: Ratio::of(q - q_up, q),
                risk_achievement_worth: Ratio::of(q_down, q),
                risk_reduction_worth: Ratio::of(q, q_up),
            });
        }
        // Symmetric elements differ only by rounding: rank on 9 significant
        // digits, then in dependency order, so that they keep the file's order.
        let order: std::collections::HashMap<&str, usize> = vars
            .iter()
            .enumerate()
            .map(|(i, &e)| (self.model.elements[e].id.as_str(), i))
            .collect();
        out.sort_by(|a, b| {
            significant(b.criticality.rank())
                .total_cmp(&significant(a.criticality.rank()))
                .then_with(|| order[a.element.as_str()].cmp(&order[b.element.as_str()]))
        });
        (Ok(out), spent(budget))
    }
}

/// `x` rounded to 9 significant digits.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(8 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// A ratio of probabilities, which may be infinite (`x/0` with `x > 0`) or
/// undefined (`0/0`): printed as such, never as 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ratio {
    Finite(f64),
    Infinite,
    Undefined,
}

impl Ratio {
    pub fn of(num: f64, den: f64) -> Self {
        if den > 0.0 {
            Self::Finite(num / den)
        } else if num > 0.0 {
            Self::Infinite
        } else {
            Self::Undefined
        }
    }

    /// For sorting: infinite first, undefined last.
    fn rank(self) -> f64 {
        match self {
            Self::Finite(x) => x,
            Self::Infinite => f64::INFINITY,
            Self::Undefined => f64::NEG_INFINITY,
        }
    }
}

impl Serialize for Ratio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Finite(x) => s.serialize_f64(*x),
            Self::Infinite => s.serialize_str("infinite"),
            Self::Undefined => s.serialize_str("undefined"),
        }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Finite(x) => write!(f, "{x:.4}"),
            Self::Infinite => f.write_str("inf"),
            Self::Undefined => f.write_str("undefined"),
        }
    }
}

/// How much one element matters to a service, from exact long-run
/// probabilities (Q: the service's unavailability; Q₁, Q₀: the same with the
/// element always down, always up; q: the element's own unavailability).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Importance {
    pub element: String,
    pub kind: Option<String>,
    /// q = MTTR / (MTTF + MTTR) (logistics included).
    pub unavailability: f64,
    /// Q₁ − Q₀: how much the service's unavailability moves with the element's state.
    pub birnbaum: f64,
    /// Birnbaum · q / Q: the share of the service's unavailability the element is critical for.
    pub criticality: Ratio,
    /// (Q − Q₀) / Q: the share of unavailability removed by making the element perfect.
    pub fussell_vesely: Ratio,
    /// Q₁ / Q: how many times worse with the element always down.
    pub risk_achievement_worth: Ratio,
    /// Q / Q₀: how many times better with the element perfect.
    pub risk_reduction_worth: Ratio,
}

/// Work that the cut-set search may spend on one service, in thousandths of
/// a probe (one incremental evaluation): a few seconds.
pub const CUT_WORK: u64 = 8_000_000_000;

/// Elements searched per probe that count as one probe: a search over more
/// (`n` elements) counts as `n / PROBE_ELEMENTS` probes, rounded up.
pub const PROBE_ELEMENTS: u64 = 320;

/// Minimal cut sets of one service up to some order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutSets {
    /// The order asked for.
    pub max_order: usize,
    /// Every minimal cut set of this order or less was found (equal to
    /// `max_order` unless the search ran out of work).
    pub complete_to_order: usize,
    /// Minimal cut sets found per order (index 0: order 1).
    pub count_by_order: Vec<u64>,
    /// The minimal cut sets, most probable first.
    pub sets: Vec<CutSet>,
}

impl CutSets {
    /// How many were found of each order, in words: `1 of order 1, 25 of order 2`.
    pub fn counts_text(&self) -> String {
        let counts: Vec<String> = self
            .count_by_order
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{n} of order {}", i + 1))
            .collect();
        counts.join(", ")
    }
}

/// A minimal cut set: elements whose joint failure takes the service down,
/// none of which can be spared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutSet {
    pub elements: Vec<String>,
    /// Long-run probability that all of them are down at once: the product
    /// of their unavailabilities (independent elements).
    pub probability: f64,
}

impl Structure<'_> {
    /// Minimal cut sets of service `s` of order `max_order` or less, found by
    /// a level-wise search: order 1 are the single points of failure; a set
    /// of order k is a minimal cut set when it takes the service down and none
    /// of its proper subsets does (checking the cut sets already found
    /// suffices, the structure being monotone). Stops at the last complete
    /// order when the next would take more than `max_work` probes.
    ///
    /// Targets of a reachability service counted by `need` that hang off the
    /// topology by one link, and that nothing requires, are not searched one
    /// by one: failing such a target or its link loses exactly that target.
    /// For each set C of the other elements that leaves the service up with
    /// r targets reached, the cut sets C ∪ P with P pendant are exactly those
    /// where P fails d = r − need + 1 distinct reached targets, and every
    /// member of C loses targets of its own (r grows without it).
    pub fn cut_sets(&self, s: usize, max_order: usize, max_work: u64) -> CutSets {
        self.cut_sets_counted(s, max_order, max_work).0
    }

    /// [`Self::cut_sets`], and the work it spent (in thousandths of a probe).
    fn cut_sets_counted(&self, s: usize, max_order: usize, max_work: u64) -> (CutSets, u64) {
        use crate::engine::Probe;
        let max_order = max_order.min(16);
        let mut out = CutSets {
            max_order,
            complete_to_order: 0,
            count_by_order: vec![0; max_order],
            sets: Vec::new(),
        };
        let (plan, mut probe) = self.probe(s);
        if !probe.up(plan, 0) {
            out.complete_to_order = max_order;
            return (out, 0);
        }
        let q = |e: ElementId| long_run_unavailability(self.model, e);
        let pendants = self.pure_pendants(s);
        let need = match &self.model.services[s].kind {
            ServiceKind::Reach {
                criterion: Criterion::Need(k),
                ..
            } => Some(*k),
            _ => None,
        };
        let mut in_pendant = vec![false; self.model.elements.len()];
        for &(t, l) in &pendants {
            in_pendant[t] = true;
            if let Some(l) = l {
                in_pendant[l] = true;
            }
        }
        let vars: Vec<ElementId> = self
            .relevant(s)
            .into_iter()
            .filter(|&e| need.is_none() || !in_pendant[e])
            .collect();
        // Cut sets found so far among `vars` (sorted index lists), and all found.
        let mut cuts: std::collections::HashSet<Vec<u32>> = std::collections::HashSet::new();
        let mut found: Vec<Vec<ElementId>> = Vec::new();
        let budget = max_work / 1000;
        let mut spent = 0u64;
        // A probe of a reachability service searches its core, which grows
        // with the elements searched here: on a big topology a probe counts
        // as several, so that the search takes seconds at any size.
        let probe_cost = (vars.len() as u64).div_ceil(PROBE_ELEMENTS).max(1);
        let fail = |probe: &mut Probe, set: &[ElementId], down: bool| {
            for &e in set {
                probe.set(plan, e, down);
            }
        };
        // The set currently failed in the probe: consecutive candidates
        // share most of it, so only the difference is applied.
        let mut applied: Vec<ElementId> = Vec::new();
        let apply = |probe: &mut Probe, applied: &mut Vec<ElementId>, want: &[ElementId]| {
            for &e in applied.iter().filter(|e| !want.contains(e)) {
                probe.set(plan, e, false);
            }
            for &e in want.iter().filter(|e| !applied.contains(e)) {
                probe.set(plan, e, true);
            }
            applied.clear();
            applied.extend_from_slice(want);
        };
        // Level 0 (C = ∅) only matters for the pendant targets.
        for k in 0..=max_order {
            let pool: Vec<u32> = (0..vars.len() as u32)
                .filter(|&i| k <= 1 || !cuts.contains(&vec![i]))
                .collect();
            let per = (1 + (1u64 << k) / 64) * probe_cost;
            if binomial(pool.len(), k)
                .and_then(|c| c.checked_mul(per))
                .is_none_or(|c| spent.saturating_add(c) > budget)
            {
                break;
            }
            let mut combo: Vec<usize> = (0..k).collect();
            while k <= pool.len() {
                let set: Vec<u32> = combo.iter().map(|&c| pool[c]).collect();
                // No proper subset may be a cut: by monotonicity it would then
                // contain a minimal one, already found.
                let minimal = (1u32..(1u32 << k).saturating_sub(1))
                    .filter(|m| m.count_ones() >= 2)
                    .all(|m| {
                        let sub: Vec<u32> = (0..k).filter(|&j| m >> j & 1 == 1).map(|j| set[j]).collect();
                        !cuts.contains(&sub)
                    });
                if minimal {
                    spent += per;
                    let elems: Vec<ElementId> = set.iter().map(|&i| vars[i as usize]).collect();
                    apply(&mut probe, &mut applied, &elems);
                    if !probe.up(plan, 0) {
                        if k > 0 {
                            cuts.insert(set.clone());
                            found.push(elems.clone());
                        }
                    } else if let Some(need) = need
                        && !pendants.is_empty()
                    {
                        let r = probe.reached(plan, 0).unwrap_or(0);
                        let d = r + 1 - need.min(r + 1);
                        if d >= 1 && k + d <= max_order {
                            let reached: Vec<(ElementId, Option<ElementId>)> = pendants
                                .iter()
                                .copied()
                                .filter(|&(t, _)| {
                                    fail(&mut probe, &[t], true);
                                    let lost = probe.reached(plan, 0).unwrap_or(0) < r;
                                    fail(&mut probe, &[t], false);
                                    lost
                                })
                                .collect();
                            spent += reached.len() as u64;
                            // Every member of C must lose targets of its own.
                            let useful = elems.iter().all(|&c| {
                                fail(&mut probe, &[c], false);
                                let more = probe.reached(plan, 0).unwrap_or(0) > r;
                                fail(&mut probe, &[c], true);
                                more
                            });
                            if useful {
                                pendant_cuts(&elems, &reached, d, self.model, &mut found);
                            }
                        }
                    }
                }
                if !next_combination(&mut combo, pool.len()) {
                    break;
                }
            }
            apply(&mut probe, &mut applied, &[]);
            out.complete_to_order = k;
        }
        // Orders beyond the last complete one may be partial: leave them out.
        found.retain(|c| c.len() <= out.complete_to_order);
        for c in &found {
            out.count_by_order[c.len() - 1] += 1;
        }
        out.count_by_order.truncate(out.complete_to_order);
        // Most probable first; equal ones (to rounding) smaller first, then in
        // declaration order of their elements.
        let mut ranked: Vec<(f64, Vec<ElementId>)> = found
            .into_iter()
            .map(|mut ids| {
                ids.sort_unstable();
                (ids.iter().map(|&e| q(e)).product(), ids)
            })
            .collect();
        ranked.sort_by(|a, b| {
            significant(b.0)
                .total_cmp(&significant(a.0))
                .then_with(|| a.1.len().cmp(&b.1.len()))
                .then_with(|| a.1.cmp(&b.1))
        });
        out.sets = ranked
            .into_iter()
            .map(|(probability, ids)| CutSet {
                probability,
                elements: ids.iter().map(|&e| self.model.elements[e].id.clone()).collect(),
            })
            .collect();
        (out, spent.saturating_mul(1000))
    }

    /// Targets of reachability service `s` that hang off the topology by a
    /// single link and that no element requires (nor their link): (target,
    /// link). Failing one loses that target and nothing else.
    fn pure_pendants(&self, s: usize) -> Vec<(ElementId, Option<ElementId>)> {
        let m = self.model;
        let ServiceKind::Reach { from, targets, .. } = &m.services[s].kind else {
            return Vec::new();
        };
        let mut required = vec![false; m.elements.len()];
        for el in &m.elements {
            if let Some(r) = &el.requires {
                let mut xs = Vec::new();
                r.elements(&mut xs);
                xs.into_iter().for_each(|x| required[x] = true);
            }
        }
        targets
            .iter()
            .filter(|&&t| t != *from && m.links_at(t).len() == 1 && !required[t])
            .filter_map(|&t| {
                let (l, _) = m.links_at(t)[0];
                (!required[l]).then_some((t, Some(l)))
            })
            .collect()
    }
}

/// Which elements service `s` uses: for a logical service, those its
/// expression names; for a reachability service, its entry point, its
/// targets and the components and links on some simple path from the entry
/// point to a target (a branch that leads to no target is not used, though
/// it is connected); then everything these require, directly or not.
///
/// A simple path from `from` to `t` can pass through exactly the blocks
/// (biconnected components) on the path from `from` to `t` in the
/// block-cut tree, and through every vertex and edge of each: in a
/// 2-connected graph any two vertices are joined by a simple path through
/// any given edge (Diestel, *Graph Theory*, Prop. 3.1.1 and Menger). The
/// blocks are found by Tarjan's search (linear in the topology).
pub fn uses(model: &Model, s: usize) -> Vec<bool> {
    let ServiceKind::Reach { from, targets, .. } = &model.services[s].kind else {
        return model.depends_on(s);
    };
    let n = model.elements.len();
    let mut seen = vec![false; n];
    let mut stack: Vec<ElementId> = vec![*from];
    stack.extend(targets);
    for block in blocks_between(model, *from, targets) {
        stack.extend(block);
    }
    stack.retain(|&e| !std::mem::replace(&mut seen[e], true));
    while let Some(e) = stack.pop() {
        for d in crate::model::direct_requirements(&model.elements[e]) {
            if !seen[d] {
                seen[d] = true;
                stack.push(d);
            }
        }
    }
    seen
}

/// Whether service `s` cannot fail: nothing it uses ([`uses`]) has a
/// failure law or is maintained, nor does any member of a group one of
/// whose members it uses (a peer's failure moves traffic), so no shock,
/// repair or failover reaches it, and it is up with everything up. Its
/// availability is then exactly 1, which no simulation needs to estimate.
///
/// The structure function does not know which member of a group carries
/// traffic: a service that names a passive member is down from the start
/// with nothing failed. Nothing it depends on ever changes, so every trial
/// shows it down; callers marking results also require that no trial saw
/// the service down.
pub fn cannot_fail(model: &Model, s: usize) -> bool {
    let n = model.elements.len();
    let mut deps = uses(model, s);
    for g in &model.groups {
        if g.members.iter().any(|&e| deps[e]) {
            g.members.iter().for_each(|&e| deps[e] = true);
        }
    }
    let mut maintained = vec![false; n];
    for m in &model.maintenance {
        m.members.iter().for_each(|&e| maintained[e] = true);
    }
    if (0..n).any(|e| deps[e] && (model.elements[e].life.is_some() || maintained[e])) {
        return false;
    }
    Structure::new(model).service_up(s, &vec![false; n], &mut Vec::new())
}

/// The blocks of the topology on some path of the block-cut tree from
/// component `from` to one of `targets`, each as its elements (components
/// and links).
fn blocks_between(model: &Model, from: ElementId, targets: &[ElementId]) -> Vec<Vec<ElementId>> {
    const UNSEEN: usize = usize::MAX;
    let n = model.elements.len();
    let mut disc = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut time = 0usize;
    // Blocks as their links; a component's blocks through its links.
    let mut blocks: Vec<Vec<ElementId>> = Vec::new();
    let mut edges: Vec<(ElementId, ElementId, ElementId)> = Vec::new();
    // Frames: (component, the link it was entered by, its links, next link).
    type Frame = (ElementId, Option<ElementId>, Vec<(ElementId, ElementId)>, usize);
    let mut frames: Vec<Frame> = Vec::new();
    disc[from] = time;
    low[from] = time;
    time += 1;
    frames.push((from, None, model.links_at(from), 0));
    while let Some(top) = frames.last_mut() {
        let (v, by) = (top.0, top.1);
        if let Some(&(l, w)) = top.2.get(top.3) {
            top.3 += 1;
            if Some(l) == by {
                continue;
            }
            if disc[w] == UNSEEN {
                edges.push((l, v, w));
                disc[w] = time;
                low[w] = time;
                time += 1;
                frames.push((w, Some(l), model.links_at(w), 0));
            } else if disc[w] < disc[v] {
                edges.push((l, v, w));
                low[v] = low[v].min(disc[w]);
            }
            continue;
        }
        frames.pop();
        if let (Some(l), Some(parent)) = (by, frames.last()) {
            let u = parent.0;
            low[u] = low[u].min(low[v]);
            if low[v] >= disc[u] {
                let mut block = Vec::new();
                while let Some((e, a, b)) = edges.pop() {
                    block.extend([e, a, b]);
                    if e == l {
                        break;
                    }
                }
                block.sort_unstable();
                block.dedup();
                blocks.push(block);
            }
        }
    }
    // The block-cut tree: components and blocks (numbered after the
    // elements), each component joined to the blocks it is in.
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n + blocks.len()];
    for (b, block) in blocks.iter().enumerate() {
        for &e in block {
            if model.elements[e].role == ElementRole::Component {
                adj[e].push(n + b);
                adj[n + b].push(e);
            }
        }
    }
    let mut parent = vec![UNSEEN; n + blocks.len()];
    parent[from] = from;
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(x) = queue.pop_front() {
        for &y in &adj[x] {
            if parent[y] == UNSEEN {
                parent[y] = x;
                queue.push_back(y);
            }
        }
    }
    let mut marked = vec![false; n + blocks.len()];
    for &t in targets {
        let mut x = t;
        while parent[x] != UNSEEN && x != from && !marked[x] {
            marked[x] = true;
            x = parent[x];
        }
    }
    blocks
        .into_iter()
        .enumerate()
        .filter(|(b, _)| marked[n + b])
        .map(|(_, block)| block)
        .collect()
}

/// The cut sets C ∪ P: P fails `d` distinct targets among `reached`, each
/// through the target or through its link (whichever can fail).
fn pendant_cuts(
    c: &[ElementId],
    reached: &[(ElementId, Option<ElementId>)],
    d: usize,
    model: &Model,
    out: &mut Vec<Vec<ElementId>>,
) {
    let can_fail = |e: ElementId| model.elements[e].life.is_some();
    let choices: Vec<Vec<ElementId>> = reached
        .iter()
        .map(|&(t, l)| {
            let mut v = Vec::new();
            if can_fail(t) {
                v.push(t);
            }
            if let Some(l) = l.filter(|&l| can_fail(l)) {
                v.push(l);
            }
            v
        })
        .collect();
    let mut combo: Vec<usize> = (0..d).collect();
    while d <= choices.len() {
        // Every way of picking one failing element per chosen target.
        let mut picks: Vec<Vec<ElementId>> = vec![c.to_vec()];
        for &i in &combo {
            picks = picks
                .into_iter()
                .flat_map(|p| {
                    choices[i].iter().map(move |&e| {
                        let mut q = p.clone();
                        q.push(e);
                        q
                    })
                })
                .collect();
        }
        out.extend(picks);
        if !next_combination(&mut combo, choices.len()) {
            break;
        }
    }
}

/// `n` choose `k`, or `None` if it does not fit in a `u64`.
fn binomial(n: usize, k: usize) -> Option<u64> {
    if k > n {
        return Some(0);
    }
    let mut r: u64 = 1;
    for i in 0..k {
        r = r.checked_mul((n - i) as u64)? / (i as u64 + 1);
    }
    Some(r)
}

/// Advances `c` (strictly increasing indices below `n`) to the next
/// combination in lexicographic order; false after the last.
fn next_combination(c: &mut [usize], n: usize) -> bool {
    let k = c.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if c[i] < n - k + i {
            c[i] += 1;
            for j in i + 1..k {
                c[j] = c[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Pivotal decomposition (Shannon expansion) over the relevant elements, in
/// dependency order. A branch stops as soon as its value no longer depends
/// on the undecided elements: down with all of them up, or up with all of
/// them down (the structure function is monotone).
struct Solver<'s, 'a> {
    st: &'s Structure<'a>,
    s: usize,
    vars: &'s [ElementId],
    avail: &'s [f64],
    unavail: &'s [f64],
    /// Decided state of each element (`Some(true)`: up).
    state: Vec<Option<bool>>,
    down: Vec<bool>,
    func: Vec<bool>,
    evaluations: u64,
    budget: u64,
    /// Probability of the decided-up and decided-down leaves.
    up: f64,
    dn: f64,
}

impl Solver<'_, '_> {
    fn eval(&mut self, undecided_up: bool) -> Result<bool, ()> {
        self.evaluations += 1;
        if self.evaluations > self.budget {
            return Err(());
        }
        for &e in self.vars {
            self.down[e] = !self.state[e].unwrap_or(undecided_up);
        }
        Ok(self.st.service_up(self.s, &self.down, &mut self.func))
    }

    fn solve(&mut self, i: usize, p: f64) -> Result<(), ()> {
        if !self.eval(true)? {
            self.dn += p;
            return Ok(());
        }
        if self.eval(false)? {
            self.up += p;
            return Ok(());
        }
        let e = self.vars[i];
        let (a, q) = (self.avail[i], self.unavail[i]);
        // An element fixed up or down has one branch only.
        if a > 0.0 {
            self.state[e] = Some(true);
            self.solve(i + 1, p * a)?;
        }
        if q > 0.0 {
            self.state[e] = Some(false);
            self.solve(i + 1, p * q)?;
        }
        self.state[e] = None;
        Ok(())
    }
}

/// Long-run availability of element `e`: MTTF / (MTTF + mean logistics + MTTR),
/// which holds for any distributions (an alternating renewal process).
pub fn long_run_availability(model: &Model, e: ElementId) -> f64 {
    1.0 - long_run_unavailability(model, e)
}

/// Long-run unavailability of element `e`: (mean logistics + MTTR) / (MTTF +
/// mean logistics + MTTR), computed directly so that small values keep their
/// precision.
pub fn long_run_unavailability(model: &Model, e: ElementId) -> f64 {
    match &model.elements[e].life {
        None => 0.0,
        Some(l) => {
            let up = l.failure.mean();
            let down = l.logistics.as_ref().map_or(0.0, |d| d.mean())
                + l.repair.as_ref().map_or(f64::INFINITY, |d| d.mean());
            if down.is_infinite() {
                1.0
            } else {
                down / (up + down)
            }
        }
    }
}

/// Why the elements service `s` depends on do not fail and get repaired
/// independently (so that no product form holds), if they do not.
pub fn disqualifications(model: &Model, s: usize) -> Vec<String> {
    let deps = model.depends_on(s);
    let mut why = Vec::new();
    // Crews make a repair wait only when fewer than the elements they
    // repair (all of them, the service's or not, can be down at once); as
    // many crews as elements is as good as unlimited. `None`: the
    // scenario-wide crews.
    let repaired_by = |pool: Option<usize>| {
        model
            .elements
            .iter()
            .filter(|e| e.life.as_ref().is_some_and(|l| l.crew_pool == pool))
            .count()
    };
    // Whether the service depends on an element the crews repair.
    let used = |pool: Option<usize>| {
        model
            .elements
            .iter()
            .zip(&deps)
            .any(|(e, &d)| d && e.life.as_ref().is_some_and(|l| l.crew_pool == pool))
    };
    if let Some(c) = model.repair.crews
        && (c as usize) < repaired_by(None)
        && used(None)
    {
        why.push(format!(
            "repair crews are limited ({c}): a repair may wait for another"
        ));
    }
    // A named pool, short of crews, that repairs something the service depends on.
    for (i, pool) in model.repair.pools.iter().enumerate() {
        if (pool.crews as usize) < repaired_by(Some(i)) && used(Some(i)) {
            why.push(format!(
                "crew pool `{}` has {} crew{}: a repair may wait for another",
                pool.name,
                pool.crews,
                if pool.crews == 1 { "" } else { "s" }
            ));
        }
    }
    if !model.spare_pools.is_empty() {
        why.push("repairs wait for spares from shared pools".into());
    }
    if let Some(c) = model
        .common_cause
        .iter()
        .find(|c| c.members.iter().any(|&m| deps[m]))
    {
        why.push(format!(
            "common-cause shock `{}` fails several elements at once",
            c.id
        ));
    }
    if let Some(m) = model
        .maintenance
        .iter()
        .find(|m| m.members.iter().any(|&e| deps[e]))
    {
        why.push(format!("maintenance `{}` takes components out of service", m.id));
    }
    for g in model.groups.iter().filter(|g| g.members.iter().any(|&m| deps[m])) {
        match &g.mode {
            GroupMode::ActivePassive {
                standby, failover, ..
            } => {
                if *standby != Standby::Hot {
                    why.push(format!("group `{}` has idle standbys that age more slowly", g.id));
                }
                if failover.detection.mean() > 0.0
                    || failover.switchover.mean() > 0.0
                    || failover.success < 1.0
                {
                    why.push(format!("group `{}` has failover delays or failed switches", g.id));
                }
                if let Some(how) = member_named_alone(model, s, &g.members) {
                    why.push(format!(
                        "{how}, but only the active member of group `{}` carries traffic, whichever it is",
                        g.id
                    ));
                }
            }
            GroupMode::ActiveActive {
                reconvergence: Some(_),
            } => why.push(format!("group `{}` has a reconvergence delay", g.id)),
            GroupMode::ActiveActive { reconvergence: None } => {}
        }
    }
    let of = |pred: &dyn Fn(&crate::model::Life) -> bool| -> Option<&str> {
        model
            .elements
            .iter()
            .enumerate()
            .find(|(i, e)| deps[*i] && e.life.as_ref().is_some_and(pred))
            .map(|(_, e)| e.id.as_str())
    };
    if let Some(e) = of(&|l| l.repair.is_none()) {
        why.push(format!(
            "`{e}` is never repaired: it has no long-run availability"
        ));
    }
    // Fixed failure and repair times keep elements that start together in
    // step for ever: their states are not independent.
    let fixed =
        |d: &crate::model::Distribution| matches!(d.parameters(), crate::model::Parameters::Fixed { .. });
    if let Some(e) = of(&|l| {
        fixed(&l.failure) && l.repair.as_ref().is_some_and(fixed) && l.logistics.as_ref().is_none_or(fixed)
    }) {
        why.push(format!(
            "`{e}` has fixed failure and repair times: elements that start together stay in step"
        ));
    }
    why
}

/// How service `s` names a member of an active-passive group on its own
/// (not as `group:ID`, that is, not inside an `any` of all the members), if it does.
fn member_named_alone(model: &Model, s: usize, members: &[ElementId]) -> Option<String> {
    use crate::model::Expr;
    fn walk(x: &Expr, members: &[ElementId]) -> Option<ElementId> {
        match x {
            Expr::Elem(e) => members.contains(e).then_some(*e),
            Expr::Any(xs)
                if {
                    let mut ids: Vec<ElementId> = xs
                        .iter()
                        .filter_map(|y| if let Expr::Elem(e) = y { Some(*e) } else { None })
                        .collect();
                    ids.sort_unstable();
                    let mut all = members.to_vec();
                    all.sort_unstable();
                    ids.len() == xs.len() && ids == all
                } =>
            {
                None
            }
            Expr::All(xs) | Expr::Any(xs) | Expr::AtLeast(_, xs) => xs.iter().find_map(|y| walk(y, members)),
        }
    }
    let deps = model.depends_on(s);
    let name = |e: ElementId| model.elements[e].id.clone();
    if let ServiceKind::Logic { expr } = &model.services[s].kind
        && let Some(e) = walk(expr, members)
    {
        return Some(format!("the service names `{}` on its own", name(e)));
    }
    if let ServiceKind::Reach { .. } = &model.services[s].kind
        && let Some(&e) = members.iter().find(|&&m| deps[m] && is_in_topology(model, s, m))
    {
        return Some(format!(
            "`{}` is in the service's topology, where a path must lead to the member that carries",
            name(e)
        ));
    }
    model
        .elements
        .iter()
        .enumerate()
        .filter(|(i, _)| deps[*i])
        .find_map(|(i, el)| {
            el.requires
                .as_ref()
                .and_then(|r| walk(r, members))
                .map(|e| format!("`{}` requires `{}` on its own", model.elements[i].id, name(e)))
        })
}

/// Whether component `m` is connected by links to the entry point of
/// reachability service `s`.
fn is_in_topology(model: &Model, s: usize, m: ElementId) -> bool {
    let ServiceKind::Reach { from, .. } = &model.services[s].kind else {
        return false;
    };
    model.connected_to(*from)[m]
}

/// The exact long-run availability of a service, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Exact {
    Solved(ExactAvailability),
    /// The model's elements are not independent, so no product form holds.
    NotApplicable {
        reasons: Vec<String>,
    },
    /// The structure needed more than `evaluations` evaluations.
    TooLarge {
        elements: usize,
        evaluations: u64,
    },
}

impl Exact {
    /// One line saying why there is no exact value (`None` when there is one).
    pub fn explanation(&self) -> Option<String> {
        match self {
            Self::Solved(_) => None,
            Self::NotApplicable { reasons } => Some(format!(
                "not computed: elements do not fail and get repaired independently ({})",
                reasons.join("; ")
            )),
            Self::TooLarge {
                elements,
                evaluations,
            } => Some(format!(
                "not computed: with {elements} elements that can fail, the structure takes more than \
                 {evaluations} evaluations to solve exactly"
            )),
        }
    }
}

/// Exact long-run availability: the probability that the structure function
/// is 1 with each element independently up with its long-run availability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExactAvailability {
    pub availability: f64,
    /// Computed on its own (not as 1 − availability), so it keeps its precision.
    pub unavailability: f64,
    pub downtime_hours_per_year: f64,
    /// −log10(unavailability), rounded down to 0.1; `None` when it is 0.
    pub nines: Option<f64>,
}

impl ExactAvailability {
    fn new(up: f64, down: f64) -> Self {
        Self {
            availability: up,
            unavailability: down,
            downtime_hours_per_year: down * HOURS_PER_YEAR,
            nines: (down > 0.0).then(|| (-down.log10() * 10.0).floor() / 10.0),
        }
    }
}

/// A group member whose loss, while it carries traffic, costs an outage
/// (the group's failover or reconvergence) even though the group is redundant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    pub element: String,
    pub group: String,
    /// Mean outage per loss when the switch works \[h\]: detection + switchover,
    /// or the reconvergence.
    pub mean_outage_hours: f64,
    /// Chance that an automatic switch fails (active-passive).
    pub failed_switch_probability: f64,
    /// Mean delay of the manual failover after a failed switch \[h\].
    pub manual_hours: f64,
}

/// Members of the groups service `s` depends on whose loss costs a failover outage.
pub fn failover_exposure(model: &Model, s: usize) -> Vec<Exposure> {
    let deps = model.depends_on(s);
    let mut out = Vec::new();
    for g in &model.groups {
        if !g.members.iter().any(|&m| deps[m]) {
            continue;
        }
        let (outage, failed, manual) = match &g.mode {
            GroupMode::ActivePassive { failover, .. } => (
                failover.detection.mean() + failover.switchover.mean(),
                1.0 - failover.success,
                failover.manual.mean(),
            ),
            GroupMode::ActiveActive {
                reconvergence: Some(r),
            } => (r.mean(), 0.0, 0.0),
            GroupMode::ActiveActive { reconvergence: None } => continue,
        };
        if outage == 0.0 && failed == 0.0 {
            continue;
        }
        for &m in &g.members {
            out.push(Exposure {
                element: model.elements[m].id.clone(),
                group: g.id.clone(),
                mean_outage_hours: outage,
                failed_switch_probability: failed,
                manual_hours: if failed > 0.0 { manual } else { 0.0 },
            });
        }
    }
    out
}

/// One element named in a structural result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    pub id: String,
    pub kind: Option<String>,
}

/// The structural analysis of one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceStructure {
    pub id: String,
    /// Elements whose failure alone takes the service down.
    pub spofs: Vec<Named>,
    /// Group members whose loss costs a failover or reconvergence outage.
    pub failover_exposure: Vec<Exposure>,
    pub exact: Exact,
    /// Minimal cut sets up to the order asked for.
    pub cut_sets: CutSets,
    /// Importance of each element, best first; empty when there is no exact
    /// value to derive it from (see `exact`, and `importance_note`).
    pub importance: Vec<Importance>,
    /// Why `importance` is empty although `exact` was solved, if it is.
    pub importance_note: Option<String>,
    /// The service is down even with everything up (it can never be up).
    pub down_with_everything_up: bool,
}

/// Work spent by one command's structural analysis, the counter that its
/// budget is checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Exact values and importance: structure evaluations × elements (as [`EXACT_WORK`]).
    pub exact: u64,
    /// Minimal cut sets: thousandths of a probe (as [`CUT_WORK`]).
    pub cut_sets: u64,
}

impl std::ops::AddAssign for Work {
    fn add_assign(&mut self, other: Self) {
        self.exact = self.exact.saturating_add(other.exact);
        self.cut_sets = self.cut_sets.saturating_add(other.cut_sets);
    }
}

/// How many services' worth of work one command may spend: up to this many
/// distinct structures get a service's whole budget each; more share this
/// many budgets equally. Services with the same structure function are
/// analysed once.
pub const FULL_BUDGET_SERVICES: u64 = 4;

/// What each of `distinct` structures may spend when one may spend `per_service`.
fn share(per_service: u64, distinct: usize) -> u64 {
    let d = distinct.max(1) as u64;
    if d <= FULL_BUDGET_SERVICES {
        per_service
    } else {
        per_service.saturating_mul(FULL_BUDGET_SERVICES) / d
    }
}

/// A canonical form of service `s`'s structure function: services with the
/// same form have the same single points of failure, cut sets, exact value
/// and importance. The operands of `all`, `any` and `at_least` are sorted,
/// since their order changes nothing.
fn structure_key(model: &Model, s: usize) -> String {
    use crate::model::Expr;
    fn canonical(x: &Expr) -> String {
        let list = |tag: String, xs: &[Expr]| {
            let mut v: Vec<String> = xs.iter().map(canonical).collect();
            v.sort_unstable();
            format!("{tag}({})", v.join(","))
        };
        match x {
            Expr::Elem(e) => e.to_string(),
            Expr::All(xs) => list("all".into(), xs),
            Expr::Any(xs) => list("any".into(), xs),
            Expr::AtLeast(k, xs) => list(format!("{k}of"), xs),
        }
    }
    match &model.services[s].kind {
        ServiceKind::Logic { expr } => canonical(expr),
        ServiceKind::Reach {
            from,
            targets,
            criterion,
        } => format!("reach {from} {targets:?} {criterion:?}"),
    }
}

/// A model's services grouped by structure function: the first service of
/// each structure, in service order, and per service the index of its
/// structure in that list.
fn distinct_structures(model: &Model) -> (Vec<usize>, Vec<usize>) {
    use rayon::prelude::*;
    let keys: Vec<String> = (0..model.services.len())
        .into_par_iter()
        .map(|s| structure_key(model, s))
        .collect();
    let mut index = std::collections::HashMap::new();
    let mut reps = Vec::new();
    let rep_of = keys
        .iter()
        .enumerate()
        .map(|(s, k)| {
            *index.entry(k.as_str()).or_insert_with(|| {
                reps.push(s);
                reps.len() - 1
            })
        })
        .collect();
    (reps, rep_of)
}

/// A model's services grouped by structure function.
struct Distinct {
    /// The first service of each structure, in service order.
    reps: Vec<usize>,
    /// Per service: the index in `reps` of its structure.
    rep_of: Vec<usize>,
    /// Per service: why its elements are not independent (its own words,
    /// which may name another member of a group than its structure's first
    /// service does; empty for one exactly when empty for the other).
    reasons: Vec<Vec<String>>,
}

impl Distinct {
    fn new(model: &Model) -> Self {
        use rayon::prelude::*;
        let (reps, rep_of) = distinct_structures(model);
        let reasons = (0..model.services.len())
            .into_par_iter()
            .map(|s| disqualifications(model, s))
            .collect();
        Self {
            reps,
            rep_of,
            reasons,
        }
    }

    /// Structures whose elements are independent: those an exact value is computed for.
    fn solvable(&self) -> usize {
        self.reps.iter().filter(|&&s| self.reasons[s].is_empty()).count()
    }
}

/// Each service's exact long-run availability, or why there is none, and
/// the work spent: each distinct structure is solved once, with at most
/// `max_work` (its share of [`FULL_BUDGET_SERVICES`] × `max_work` beyond that
/// many structures).
pub fn exact_all(model: &Model, max_work: u64) -> (Vec<Exact>, Work) {
    use rayon::prelude::*;
    let st = Structure::new(model);
    let d = Distinct::new(model);
    let each = share(max_work, d.solvable());
    // Shares are fixed before any work starts, so the results do not depend
    // on the order in which threads finish.
    let solved: Vec<Option<(Exact, u64)>> = d
        .reps
        .par_iter()
        .map(|&s| d.reasons[s].is_empty().then(|| st.solve(s, each)))
        .collect();
    let work = Work {
        exact: solved.iter().flatten().map(|(_, w)| w).sum(),
        cut_sets: 0,
    };
    let out = (0..model.services.len())
        .map(|s| match &solved[d.rep_of[s]] {
            Some((x, _)) if d.reasons[s].is_empty() => x.clone(),
            _ => Exact::NotApplicable {
                reasons: d.reasons[s].clone(),
            },
        })
        .collect();
    (out, work)
}

/// Single points of failure, failover exposure, minimal cut sets up to
/// `order`, exact availability and importance of every service, spending at
/// most `max_work` on each exact value (and as much on its importance), and
/// at most [`CUT_WORK`] on its cut sets, within one budget for all services
/// together (see [`analyse_counted`]).
pub fn analyse(model: &Model, order: usize, max_work: u64) -> Vec<ServiceStructure> {
    analyse_counted(model, order, max_work).0
}

/// [`analyse`], and the work it spent. Each distinct structure function is
/// analysed once; up to [`FULL_BUDGET_SERVICES`] of them get the whole
/// budgets, more share that many budgets equally.
pub fn analyse_counted(model: &Model, order: usize, max_work: u64) -> (Vec<ServiceStructure>, Work) {
    use rayon::prelude::*;
    let st = Structure::new(model);
    let d = Distinct::new(model);
    let exact_each = share(max_work, d.solvable());
    let cut_each = share(CUT_WORK, d.reps.len());
    let none_down = vec![false; model.elements.len()];
    // Structures are independent: analyse them in parallel, in order, with
    // shares fixed in advance.
    let done: Vec<(ServiceStructure, Work)> = d
        .reps
        .par_iter()
        .map(|&s| {
            let mut work = Work::default();
            let exact = if d.reasons[s].is_empty() {
                let (x, w) = st.solve(s, exact_each);
                work.exact += w;
                x
            } else {
                Exact::NotApplicable {
                    reasons: d.reasons[s].clone(),
                }
            };
            let (importance, importance_note) = match &exact {
                Exact::Solved(x) => {
                    let (r, w) = st.importance_given(s, x.unavailability, exact_each);
                    work.exact += w;
                    match r {
                        Ok(i) => (i, None),
                        Err(why) => (Vec::new(), why.explanation()),
                    }
                }
                _ => (Vec::new(), None),
            };
            let (cut_sets, w) = st.cut_sets_counted(s, order, cut_each);
            work.cut_sets += w;
            let analysed = ServiceStructure {
                id: model.services[s].id.clone(),
                spofs: st
                    .spofs(s)
                    .into_iter()
                    .map(|e| Named {
                        id: model.elements[e].id.clone(),
                        kind: model.elements[e].kind.clone(),
                    })
                    .collect(),
                failover_exposure: failover_exposure(model, s),
                cut_sets,
                importance,
                importance_note,
                exact,
                down_with_everything_up: !st.service_up(s, &none_down, &mut Vec::new()),
            };
            (analysed, work)
        })
        .collect();
    let mut work = Work::default();
    done.iter().for_each(|(_, w)| work += *w);
    let out = (0..model.services.len())
        .map(|s| {
            let mut x = done[d.rep_of[s]].0.clone();
            x.id = model.services[s].id.clone();
            if !d.reasons[s].is_empty() {
                x.exact = Exact::NotApplicable {
                    reasons: d.reasons[s].clone(),
                };
            }
            x
        })
        .collect();
    (out, work)
}
