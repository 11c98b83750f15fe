//! One trial: a discrete-event simulation of element failures and repairs
//! over the mission, with the services re-evaluated after every change.
//!
//! Requirement expressions are compiled into a network of threshold gates
//! (`all` = n of n, `any` = 1 of n, `at_least` = k of n), each keeping a count
//! of its true inputs. A state change propagates as ±1 deltas through the
//! gates it feeds, so an event costs time in proportion to what it actually
//! changes, not to the size of the expressions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::reach::ReachState;
use rand::SeedableRng;

use super::rng::{self, StreamRng};

mod bias;
mod events;
mod groups;
mod plan;
mod probe;
mod repair;

use crate::model::{Discipline, ElementId};
pub use bias::{
    DEFAULT_MIXTURE, DEFAULT_P_BIAS, RareOptions, WeightedTrialService, Weighting, biases_anything,
    scales_hazard,
};
use events::{Event, Slot};
pub use plan::Plan;
use plan::{Action, Gate, PlanGroup, PlanGroupKind, PlanService, Rows};
pub use probe::Probe;
pub use repair::RepairWait;

/// A service's state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceState {
    /// Fully up: every target reachable / every requirement met.
    Up,
    /// Up, but some target unreachable or some required element not functional.
    Degraded,
    /// Down: an outage.
    Down,
}

/// Receives what happens in a trial, in time order.
pub trait Observer {
    /// An element failed (`up == false`) or was repaired.
    fn element(&mut self, _t: f64, _e: ElementId, _up: bool) {}
    /// A service changed state (also called once at `t = 0` with its initial state).
    fn service(&mut self, _t: f64, _s: usize, _state: ServiceState) {}
    /// A crew started repairing a failed element (at its failure when a crew
    /// was free and no logistics delay applies, later otherwise).
    fn repair_started(&mut self, _t: f64, _e: ElementId) {}
    /// Failed element `e` did not start its repair at `t` (its failure, the
    /// end of its logistics delay, or a spare's arrival), for the reason the
    /// engine acted on. Called only when [`Observer::records_waits`] is true.
    fn repair_waits(&mut self, _t: f64, _e: ElementId, _why: RepairWait) {}
    /// A spare ordered for spare pool `pool` (index in the model's list)
    /// arrived at `t`, and element `e`, which waited for one, took it.
    fn spare_taken(&mut self, _t: f64, _pool: usize, _e: ElementId) {}
    /// Whether the engine works out why repairs wait and calls
    /// [`Observer::repair_waits`]: a trace does; a run does not, and its
    /// loop then has no such work (the answer is known when it compiles).
    #[inline]
    fn records_waits(&self) -> bool {
        false
    }
    /// Common-cause shock `k` (index in the model's list) struck; the members
    /// it failed follow as element events at the same time.
    fn shock(&mut self, _t: f64, _k: usize) {}
    /// Something happened to group `g` (index in the model's list).
    fn group(&mut self, _t: f64, _g: usize, _ev: GroupEvent) {}
    /// Maintenance schedule `k` took element `e` out of service (`begin`) or returned it.
    fn maintenance(&mut self, _t: f64, _k: usize, _e: ElementId, _begin: bool) {}
    /// Whether the observer can take no more: the trial then stops before
    /// its next event with [`Runaway`], as if it had reached
    /// [`MAX_EVENTS_PER_TRIAL`] (checked once per event: keep it cheap).
    #[inline]
    fn full(&self) -> bool {
        false
    }
}

/// What happened to a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupEvent {
    /// Its active member stopped being functional; detection is under way.
    Lost { member: ElementId },
    /// The lost active member came back before detection ended: it carries on.
    Resumed { member: ElementId },
    /// A switchover to `to` began (`planned`: for maintenance, no detection and no failed switch).
    Switching { to: ElementId, planned: bool },
    /// The automatic switch to `to` failed; a manual failover is under way.
    SwitchFailed { to: ElementId },
    /// `member` took over and carries traffic (`manual`: after a failed switch).
    TookOver { member: ElementId, manual: bool },
    /// No member can take over: the group is down until one is functional again.
    NoMember,
    /// Failback: a planned switch back to the higher-priority member `to` began.
    Failback { to: ElementId },
    /// Active-active: `member` was lost and traffic is reconverging.
    Reconverging { member: ElementId },
    /// Active-active: reconvergence ended.
    Reconverged,
    /// Asynchronous replication: the failover lost this much of the latest writes \[h\].
    DataLoss { lost: f64 },
}

/// Where an element is in its failure and repair cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Up,
    /// Failed; logistics (travel, parts) under way.
    Logistics,
    /// Failed; waiting for a crew.
    Queued,
    /// Failed; waiting for a spare from its pool.
    AwaitingSpare,
    Repairing,
    /// Failed for good (not repairable).
    Dead,
}

/// The state of one element during a trial.
#[derive(Debug, Clone)]
struct ElemState {
    rng: StreamRng,
    /// Sequence number of its pending event (0: none); an event with another
    /// number is stale.
    pending_seq: u64,
    phase: Phase,
    up: bool,
    /// Maintenance windows it is in (0: in service).
    maint: u16,
    /// Carries traffic (false for an idle standby, or a group in failover).
    carry: bool,
    /// Functional but for `carry`: up, not in maintenance, requirement met.
    nat: bool,
}

/// Age of an element whose ageing rate changes (a warm or cold standby):
/// it fails when its age reaches the sampled age at failure.
#[derive(Debug, Clone, Copy, Default)]
struct Aging {
    /// Age still to go before it fails, as of `since` \[h\].
    left: f64,
    since: f64,
    /// Age gained per hour now.
    rate: f64,
}

/// What one event did to its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// It failed.
    Failed,
    /// Its logistics delay ended (it now repairs, or waits for a spare or a crew).
    LogisticsDone,
    Repaired,
}

/// Key of the random stream that picks among waiting repairs of the
/// scenario-wide crews; a named pool's is this, a space and its name. It
/// contains a space, which no element id can, so it never collides with an
/// element's stream.
const DISPATCH_KEY: &str = "repair dispatch";

/// Most element state changes one trial may simulate. A trial that needs
/// more almost always has a distribution with near-zero durations (a tiny
/// Weibull shape, say); stopping with an error beats running for hours.
pub const MAX_EVENTS_PER_TRIAL: u64 = 100_000_000;

/// A trial that exceeded [`MAX_EVENTS_PER_TRIAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("trial {trial} exceeded {MAX_EVENTS_PER_TRIAL} events (the last one at element index {element})")]
pub struct Runaway {
    pub trial: u64,
    /// The element of the last event simulated.
    pub element: ElementId,
}

/// An observer that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// Per-trial results of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrialService {
    /// Down time \[h\].
    pub down: f64,
    /// Degraded time \[h\].
    pub degraded: f64,
    /// Outages begun in the trial (one in progress at t = 0 counts).
    pub outages: u64,
    /// Outages that lasted longer than the service's RTO (one still under
    /// way at the mission's end counts if it already has).
    pub over_rto: u64,
    /// Part of `down` that was planned \[h\].
    pub planned_down: f64,
    /// Outages (of `outages`) that began with a planned action.
    pub planned_outages: u64,
    /// Failovers that lost writes (asynchronous replication).
    pub data_losses: u64,
    /// Writes lost [h of writes].
    pub lost_writes: f64,
    /// Data losses larger than the service's RPO.
    pub over_rpo: u64,
}

/// Reusable per-thread state of a trial. Create once for a plan, run many
/// trials of that plan.
pub struct Trial {
    /// The plan this state was sized for.
    plan_id: u64,
    /// Per element: its hot state, together so that an event touches one place.
    el: Vec<ElemState>,
    /// Per element: its age, for elements whose ageing rate changes.
    aging: Vec<Aging>,
    gstate: Vec<groups::GroupState>,
    /// Members whose natural state changed (with the new state), for their groups to act on.
    group_queue: Vec<(u32, bool)>,
    mstate: Vec<groups::MaintState>,
    /// Per service: planned activities under way in its cone (maintenance
    /// windows, failback switchovers).
    planned_open: Vec<u32>,
    /// Services whose last planned activity ended in this instant.
    planned_closed: Vec<u32>,
    /// Per service: a planned action began in its cone in this instant.
    planned_now: Vec<bool>,
    /// The services with `planned_now` set.
    planned_now_list: Vec<u32>,
    /// This instant holds a planned action (a maintenance window or failback begins).
    instant_planned: bool,
    /// Elements on which a planned action began in this instant (a group's
    /// first member for its failback).
    planned_at: Vec<u32>,
    /// Elements that failed in this instant.
    instant_failed: Vec<u32>,
    /// Per service: the outage under way began with a planned action and one is still under way.
    down_planned: Vec<bool>,
    /// Per service: since when the outage under way has been planned \[h\].
    planned_since: Vec<f64>,
    /// Per service: the outage under way began with a planned action.
    began_planned: Vec<bool>,
    /// The first failure of this instant: an element, or shock `k` as
    /// `n_elements + k` (`u32::MAX`: none yet).
    instant_cause: u32,
    /// Per service: the failure that began the outage under way, as in
    /// `instant_cause` (`u32::MAX`: none).
    cause: Vec<u32>,
    /// Per element: functional now. A passive link that nothing reads is
    /// not kept up to date (its gate is out of propagation, see `Plan::new`).
    func: Vec<bool>,
    gates: Vec<Gate>,
    nonfunc: Vec<u32>,
    shock_rngs: Vec<StreamRng>,
    /// Sequence number of each shock's pending event (0: none); only
    /// failure biasing reschedules a shock, and only it checks this.
    shock_seq: Vec<u64>,
    /// Spares on hand in each pool.
    on_hand: Vec<u32>,
    /// Elements waiting for a spare, per pool, first come first served.
    spare_waiters: Vec<std::collections::VecDeque<u32>>,
    pool_rngs: Vec<StreamRng>,
    /// Crews at work, per crew pool (as [`Plan::crew_pools`]).
    busy: Vec<u32>,
    /// Elements waiting for a crew, per crew pool, best first: (-priority
    /// or 0, arrival order, element).
    waiting: Vec<BinaryHeap<Reverse<(i64, u64, u32)>>>,
    /// Elements waiting for a crew, per crew pool under the random discipline.
    waiting_random: Vec<Vec<u32>>,
    /// Per crew pool: the stream that picks among its waiting repairs.
    dispatcher: Vec<StreamRng>,
    /// Per element: the trial-independent part of its stream seed, for `seeded_for`.
    key_seeds: Vec<u64>,
    seeded_for: Option<u64>,
    queue: BinaryHeap<Reverse<Event>>,
    seq: u64,
    /// Pending (node, new value) changes during propagation.
    pending: Vec<(u32, bool)>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    /// State of each reachability service (`None` for logical ones).
    reach: Vec<Option<ReachState>>,
    state: Vec<ServiceState>,
    /// When each service entered its current state \[h\].
    since: Vec<f64>,
    /// Results of the last trial, per service.
    pub results: Vec<TrialService>,
    /// Events processed in the last trial (failures, repairs, logistics ends,
    /// shocks, spare arrivals).
    pub events: u64,
    /// Failure biasing's state (empty for a plain plan).
    bias: bias::BiasState,
}

impl Trial {
    pub fn new(plan: &Plan) -> Self {
        let n = plan.n_elements;
        let s = plan.services.len();
        Self {
            plan_id: plan.id,
            el: (0..n)
                .map(|_| ElemState {
                    rng: rng::stream(0, 0, 0),
                    pending_seq: 0,
                    phase: Phase::Up,
                    up: true,
                    maint: 0,
                    carry: true,
                    nat: true,
                })
                .collect(),
            aging: vec![Aging::default(); n],
            gstate: plan
                .groups
                .iter()
                .map(|_| groups::GroupState::default())
                .collect(),
            group_queue: Vec::new(),
            mstate: plan.maint.iter().map(|_| groups::MaintState::default()).collect(),
            planned_open: vec![0; s],
            planned_closed: Vec::new(),
            planned_now: vec![false; s],
            planned_now_list: Vec::new(),
            instant_planned: false,
            planned_at: Vec::new(),
            instant_failed: Vec::with_capacity(n),
            down_planned: vec![false; s],
            planned_since: vec![0.0; s],
            began_planned: vec![false; s],
            instant_cause: u32::MAX,
            cause: vec![u32::MAX; s],
            func: plan.init.func.clone(),
            gates: plan.init.gates.clone(),
            nonfunc: plan.init.nonfunc.clone(),
            shock_rngs: plan.shocks.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            shock_seq: vec![0; plan.shocks.len()],
            on_hand: plan.pools.iter().map(|p| p.size).collect(),
            spare_waiters: plan
                .pools
                .iter()
                .map(|_| std::collections::VecDeque::new())
                .collect(),
            pool_rngs: plan.pools.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            busy: vec![0; plan.crew_pools.len()],
            waiting: plan.crew_pools.iter().map(|_| BinaryHeap::new()).collect(),
            waiting_random: plan.crew_pools.iter().map(|_| Vec::new()).collect(),
            dispatcher: plan.crew_pools.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            key_seeds: vec![0; n],
            seeded_for: None,
            queue: BinaryHeap::with_capacity(n),
            seq: 0,
            pending: Vec::new(),
            dirty: vec![false; s],
            dirty_list: Vec::with_capacity(s),
            reach: plan
                .services
                .iter()
                .map(|s| match s {
                    PlanService::Reach(r) => Some(r.new_state()),
                    PlanService::Logic { .. } => None,
                })
                .collect(),
            state: vec![ServiceState::Up; s],
            since: vec![0.0; s],
            results: vec![TrialService::default(); s],
            events: 0,
            bias: bias::BiasState::new(plan),
        }
    }

    /// The weighted results of the last trial of a biased plan, per service
    /// (empty for a plain plan).
    pub fn weighted(&self) -> &[WeightedTrialService] {
        &self.bias.w
    }

    /// The counted outages of the last trial of a biased plan by (service,
    /// cause), cause as in [`Trial::run`] (`u32::MAX`: none), each with
    /// its down time \[h\] weighted by the likelihood ratio at the outage's
    /// end and unweighted; one entry per pair, in order (empty for a plain
    /// plan).
    pub fn weighted_causes(&self) -> &[(u32, u32, f64, f64)] {
        &self.bias.causes
    }

    /// The counted outages of the last trial of a biased plan by (service,
    /// bin of their duration as in [`DurationHist::bin`](crate::engine::DurationHist::bin)),
    /// each pair with the likelihood ratios at the outages' ends summed and
    /// the number of outages; one entry per pair, in order (empty for a
    /// plain plan).
    pub fn weighted_ends(&self) -> &[(u32, u32, f64, f64)] {
        &self.bias.ends
    }

    /// The likelihood ratio of the last trial of a biased plan at the
    /// mission's end (1 for a plain plan).
    pub fn likelihood(&self) -> f64 {
        if self.bias.w.is_empty() { 1.0 } else { self.bias.l }
    }

    #[inline]
    fn mark(&mut self, s: u32) {
        if !self.dirty[s as usize] {
            self.dirty[s as usize] = true;
            self.dirty_list.push(s);
        }
    }

    /// Element `e`'s up state changed: propagate functional states through
    /// the gates and mark the services that must be re-evaluated.
    #[inline(always)]
    fn propagate<const FULL: bool>(&mut self, plan: &Plan, e: usize) {
        let r = plan.req_gate[e];
        let met = r == u32::MAX || self.gates[r as usize].on();
        let f = if FULL {
            self.settle_nat(plan, e, met)
        } else {
            self.el[e].up && met
        };
        if f == self.func[e] {
            return;
        }
        self.func[e] = f;
        let n = plan.n_elements;
        // The changed element first, then whatever its change sets off.
        let (mut node, mut v) = (e as u32, f);
        loop {
            for &act in plan.actions.row(node as usize) {
                match Action::unpack(act) {
                    Action::Gate(g) => {
                        // The gate turns on when the count reaches k, off when it leaves k.
                        let gate = &mut self.gates[g as usize];
                        let flip = if v {
                            gate.count += 1;
                            gate.count == gate.k
                        } else {
                            gate.count -= 1;
                            gate.count + 1 == gate.k
                        };
                        if flip {
                            self.pending.push((n as u32 + g, v));
                        }
                    }
                    Action::Leaf(s) => {
                        if v {
                            self.nonfunc[s as usize] -= 1;
                        } else {
                            self.nonfunc[s as usize] += 1;
                        }
                        self.mark(s);
                    }
                    Action::Mark(s) => self.mark(s),
                    Action::Reach(i) => {
                        let (s, role) = plan.reach_entries[i as usize];
                        let (PlanService::Reach(rp), Some(st)) =
                            (&plan.services[s as usize], &mut self.reach[s as usize])
                        else {
                            unreachable!("reach entries name reachability services")
                        };
                        rp.changed(st, role, v, &self.func);
                        self.mark(s);
                    }
                    Action::Owner(x) => {
                        let x = x as usize;
                        let fx = if FULL {
                            self.settle_nat(plan, x, v)
                        } else {
                            self.el[x].up && v
                        };
                        if fx != self.func[x] {
                            self.func[x] = fx;
                            self.pending.push((x as u32, fx));
                        }
                    }
                }
            }
            match self.pending.pop() {
                Some((n, x)) => (node, v) = (n, x),
                None => break,
            }
        }
    }

    /// Element `e`'s functional state given whether its requirement is `met`:
    /// records its natural state (queueing the change for its group) and
    /// returns whether it is functional, carrying included.
    #[inline(always)]
    fn settle_nat(&mut self, plan: &Plan, e: usize, met: bool) -> bool {
        let el = &mut self.el[e];
        let nat = el.up && el.maint == 0 && met;
        if nat != el.nat {
            el.nat = nat;
            if plan.group_of[e] != u32::MAX {
                self.group_queue.push((e as u32, nat));
            }
        }
        nat && el.carry
    }

    #[inline(always)]
    fn eval_service(&mut self, plan: &Plan, s: usize) -> ServiceState {
        match &plan.services[s] {
            PlanService::Logic { root } => {
                if !self.gates[*root].on() {
                    ServiceState::Down
                } else if self.nonfunc[s] == 0 {
                    ServiceState::Up
                } else {
                    ServiceState::Degraded
                }
            }
            PlanService::Reach(rp) => {
                let st = self.reach[s].as_mut().expect("state of a reachability service");
                let el = &self.el;
                rp.eval(st, &self.func, |e| el[e as usize].nat)
            }
        }
    }

    /// Moves service `s` to state `new` at time `t`; returns the length \[h\]
    /// of the outage this ends, if it ends one, and whether it began planned.
    #[inline(always)]
    fn set_service<const FULL: bool, const BIAS: bool>(
        &mut self,
        plan: &Plan,
        s: usize,
        t: f64,
        new: ServiceState,
        obs: &mut impl Observer,
    ) -> Option<(f64, bool)> {
        let old = self.state[s];
        if old == new {
            return None;
        }
        let r = &mut self.results[s];
        let span = t - self.since[s];
        let ended = match old {
            ServiceState::Down => {
                r.down += span;
                if BIAS {
                    self.bias.w[s].down += self.bias.l * span;
                }
                // Without planned activities nothing is ever planned.
                if FULL && self.down_planned[s] {
                    r.planned_down += t - self.planned_since[s];
                    if BIAS {
                        self.bias.w[s].planned_down += self.bias.l * (t - self.planned_since[s]);
                    }
                    self.down_planned[s] = false;
                }
                Some((span, FULL && self.began_planned[s]))
            }
            ServiceState::Degraded => {
                r.degraded += span;
                if BIAS {
                    self.bias.w[s].degraded += self.bias.l * span;
                }
                None
            }
            ServiceState::Up => None,
        };
        if new == ServiceState::Down {
            r.outages += 1;
            self.cause[s] = self.instant_cause;
            let planned = FULL && self.begins_planned(plan, s);
            if FULL {
                self.results[s].planned_outages += u64::from(planned);
                self.began_planned[s] = planned;
                self.down_planned[s] = planned;
                self.planned_since[s] = t;
            }
            if BIAS {
                let (l, w) = (self.bias.l, &mut self.bias.w[s]);
                w.outages += l;
                w.first_outage.get_or_insert(l);
                if planned {
                    w.planned_outages += l;
                } else {
                    w.first_unplanned.get_or_insert(l);
                }
            }
        }
        self.state[s] = new;
        self.since[s] = t;
        obs.service(t, s, new);
        ended
    }

    /// The failure that began service `s`'s outage under way, if one did: an
    /// element, or shock `k` as `n_elements + k`.
    #[inline]
    fn outage_cause(&self, s: usize) -> Option<ElementId> {
        (self.cause[s] != u32::MAX).then_some(self.cause[s] as ElementId)
    }

    /// Whether an outage of service `s` counts (a planned one counts only
    /// where the service says planned downtime does).
    #[inline]
    fn counts(plan: &Plan, s: usize, planned: bool) -> bool {
        !planned || plan.planned_counts[s]
    }

    /// Runs trial `trial` with master seed `seed`. Results land in
    /// [`Trial::results`]; each finished outage goes to `outage(s, duration
    /// \[h\], cause)`, the cause being the element whose failure began it, or
    /// shock `k` as `n_elements + k` (none for an outage begun by a planned
    /// action or under way at the start).
    ///
    /// # Errors
    /// [`Runaway`] when the trial needs more than [`MAX_EVENTS_PER_TRIAL`]
    /// events, or the observer is [full](Observer::full).
    ///
    /// # Panics
    /// When `plan` is not the plan this `Trial` was created for.
    #[inline(never)]
    pub fn run(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        obs: &mut impl Observer,
        outage: impl FnMut(usize, f64, Option<ElementId>),
    ) -> Result<(), Runaway> {
        // The common case compiles without the bookkeeping of crews and
        // shocks; failure biasing needs the general loop (it reschedules).
        if plan.bias.is_some() {
            self.run_impl::<true, true>(plan, seed, trial, obs, outage)
        } else if plan.full {
            self.run_impl::<true, false>(plan, seed, trial, obs, outage)
        } else {
            self.run_impl::<false, false>(plan, seed, trial, obs, outage)
        }
    }

    fn run_impl<const FULL: bool, const BIAS: bool>(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        obs: &mut impl Observer,
        mut outage: impl FnMut(usize, f64, Option<ElementId>),
    ) -> Result<(), Runaway> {
        assert_eq!(
            self.plan_id, plan.id,
            "a Trial runs only the plan it was created for"
        );
        let mission = plan.mission;
        let mut initial = std::mem::take(&mut self.queue).into_vec();
        initial.clear();
        self.seq = 0;
        self.events = 0;
        self.instant_cause = u32::MAX;
        self.cause.fill(u32::MAX);
        for (el, &f) in self.el.iter_mut().zip(&plan.init.func) {
            el.up = true;
            el.phase = Phase::Up;
            el.pending_seq = 0;
            el.maint = 0;
            el.carry = true;
            el.nat = f;
        }
        self.busy.fill(0);
        for (p, c) in plan.crew_pools.iter().enumerate() {
            self.waiting[p].clear();
            self.waiting_random[p].clear();
            if c.discipline == Discipline::Random {
                self.dispatcher[p] = rng::stream(seed, trial, c.key);
            }
        }
        if BIAS {
            self.bias_start(seed, trial);
        }
        self.func.copy_from_slice(&plan.init.func);
        self.gates.copy_from_slice(&plan.init.gates);
        self.nonfunc.copy_from_slice(&plan.init.nonfunc);
        if self.seeded_for != Some(seed) {
            for (k, &key) in self.key_seeds.iter_mut().zip(&plan.keys) {
                *k = rng::key_seed(seed, key);
            }
            self.seeded_for = Some(seed);
        }
        for (e, life) in plan.life.iter().enumerate() {
            if let Some((fail, _)) = life {
                self.el[e].rng = StreamRng::seed_from_u64(rng::trial_stream_seed(self.key_seeds[e], trial));
                let mut t = fail.sample(&mut self.el[e].rng);
                if BIAS {
                    self.bias.renew(plan, e, t, 0.0);
                }
                if FULL && plan.aging[e] {
                    let rate = self.initial_rate(plan, e);
                    self.aging[e] = Aging {
                        left: t,
                        since: 0.0,
                        rate,
                    };
                    t = if rate > 0.0 { t / rate } else { f64::INFINITY };
                }
                if t < mission {
                    self.seq += 1;
                    self.el[e].pending_seq = self.seq;
                    initial.push(Reverse(Event::new(t, self.seq, Slot::Element(e as u32))));
                }
            }
        }
        for (p, pool) in plan.pools.iter().enumerate() {
            self.on_hand[p] = pool.size;
            self.spare_waiters[p].clear();
            self.pool_rngs[p] = rng::stream(seed, trial, pool.key);
        }
        for (k, shock) in plan.shocks.iter().enumerate() {
            self.shock_rngs[k] = rng::stream(seed, trial, shock.key);
            let t = shock.interval.sample(&mut self.shock_rngs[k]);
            if BIAS {
                self.bias.renew(plan, plan.n_elements + k, t, 0.0);
            }
            if t < mission {
                self.seq += 1;
                self.shock_seq[k] = self.seq;
                initial.push(Reverse(Event::new(t, self.seq, Slot::Shock(k as u32))));
            } else {
                self.shock_seq[k] = 0;
            }
        }
        // Heapify in linear time rather than pushing one by one.
        self.queue = BinaryHeap::from(initial);
        if FULL {
            self.start_groups(plan, seed, trial, mission, obs);
            // Zero-delay failovers at t = 0 (a group whose first member starts
            // cut off) settle before the services are first judged.
            while let Some(&Reverse(ev)) = self.queue.peek() {
                match ev.slot() {
                    Slot::Group(g) if ev.time() == 0.0 => {
                        self.group_timer(plan, g as usize, 0.0, mission, obs);
                    }
                    _ => break,
                }
            }
        }
        if BIAS {
            self.bias_force_start(plan, mission);
        }
        for (p, st) in plan.services.iter().zip(&mut self.reach) {
            if let (PlanService::Reach(rp), Some(st)) = (p, st) {
                rp.reset(st, &self.func);
            }
        }
        // Every service is evaluated below.
        while let Some(s) = self.dirty_list.pop() {
            self.dirty[s as usize] = false;
        }
        for s in 0..plan.services.len() {
            let st = self.eval_service(plan, s);
            self.results[s] = TrialService {
                outages: u64::from(st == ServiceState::Down),
                ..Default::default()
            };
            self.state[s] = st;
            self.since[s] = 0.0;
            if BIAS && st == ServiceState::Down {
                // Down from the start: an outage, unplanned, with L = 1.
                let w = &mut self.bias.w[s];
                w.outages = 1.0;
                w.first_outage = Some(1.0);
                w.first_unplanned = Some(1.0);
            }
            obs.service(0.0, s, st);
        }

        loop {
            let (t, slot) = {
                let Some(Reverse(ev)) = self.queue.peek() else {
                    break;
                };
                (ev.time(), ev.slot())
            };
            self.events += 1;
            if self.events > MAX_EVENTS_PER_TRIAL || obs.full() {
                let element = match slot {
                    Slot::Element(e) => e as usize,
                    _ => plan.n_elements - 1,
                };
                return Err(Runaway { trial, element });
            }
            match slot {
                // Only the general loop has groups and maintenance.
                Slot::Maintenance(k) => {
                    if FULL {
                        self.maintenance_event(plan, k as usize, t, mission, obs);
                    }
                }
                Slot::Group(g) => {
                    if FULL && !self.group_timer(plan, g as usize, t, mission, obs) {
                        self.events -= 1;
                    }
                }
                Slot::Spare(p) => self.spare_arrives(plan, p as usize, t, mission, obs),
                Slot::Shock(k) => {
                    let k = k as usize;
                    let stale = BIAS && {
                        let Reverse(ev) = self.queue.peek().expect("the loop saw an event");
                        ev.seq() != self.shock_seq[k]
                    };
                    if stale {
                        // Failure biasing rescheduled this shock since.
                        self.queue.pop();
                        self.events -= 1;
                    } else {
                        self.shock(plan, k, t, mission, obs);
                    }
                }
                Slot::Element(e) => {
                    let e = e as usize;
                    if let Some(step) = self.element_event::<FULL, BIAS>(plan, e, t, mission) {
                        if step == Step::Failed && self.instant_cause == u32::MAX {
                            self.instant_cause = e as u32;
                        }
                        if FULL && step == Step::Failed {
                            self.instant_failed.push(e as u32);
                        }
                        if step != Step::LogisticsDone {
                            obs.element(t, e, step == Step::Repaired);
                        }
                        if step != Step::Repaired && self.el[e].phase == Phase::Repairing {
                            obs.repair_started(t, e);
                        } else if step != Step::Repaired && obs.records_waits() {
                            self.report_wait(plan, e, t, obs);
                        }
                        if step != Step::LogisticsDone {
                            self.propagate::<FULL>(plan, e);
                        }
                        // With unlimited crews nobody ever waits: skip the bookkeeping.
                        if step == Step::Repaired && plan.limited {
                            let p = plan.crew_pool[e] as usize;
                            if plan.crew_pools[p].crews.is_some() {
                                self.busy[p] -= 1;
                                self.dispatch(plan, p, t, mission, obs);
                            }
                        }
                    } else {
                        // A stale event: its element was failed by a shock, or its
                        // ageing rate changed, and it was rescheduled.
                        self.events -= 1;
                    }
                }
            }
            if FULL && !self.group_queue.is_empty() {
                self.settle_groups(plan, t, mission, obs);
            }
            // Services are judged once every event of this instant is in:
            // a repair and a failure at the same time are no outage of zero length.
            let instant_done = self.queue.peek().is_none_or(|Reverse(ev)| ev.time() != t);
            if instant_done {
                if BIAS && !self.dirty_list.is_empty() {
                    self.bias_update(plan, t);
                }
                while let Some(s) = self.dirty_list.pop() {
                    let s = s as usize;
                    self.dirty[s] = false;
                    let st = self.eval_service(plan, s);
                    if let Some((d, planned)) = self.set_service::<FULL, BIAS>(plan, s, t, st, obs)
                        && Self::counts(plan, s, planned)
                    {
                        let over = plan.rto[s].is_some_and(|r| d > r);
                        self.results[s].over_rto += u64::from(over);
                        outage(s, d, self.outage_cause(s));
                        if BIAS {
                            self.bias.caused(s, self.cause[s], d, over);
                        }
                    }
                }
                self.instant_cause = u32::MAX;
                if FULL {
                    self.end_instant::<BIAS>(plan, t);
                }
                if BIAS {
                    self.bias_rebalance(plan, t, mission);
                }
            }
        }

        if BIAS {
            self.bias_update(plan, mission);
        }

        for s in 0..plan.services.len() {
            let since = self.since[s];
            let r = &mut self.results[s];
            if BIAS {
                let (l, w) = (self.bias.l, &mut self.bias.w[s]);
                match self.state[s] {
                    ServiceState::Down => {
                        w.down += l * (mission - since);
                        if self.down_planned[s] {
                            w.planned_down += l * (mission - self.planned_since[s]);
                        }
                    }
                    ServiceState::Degraded => w.degraded += l * (mission - since),
                    ServiceState::Up => {}
                }
            }
            match self.state[s] {
                ServiceState::Down => {
                    r.down += mission - since;
                    if self.down_planned[s] {
                        r.planned_down += mission - self.planned_since[s];
                    }
                    if Self::counts(plan, s, self.began_planned[s]) {
                        let over = plan.rto[s].is_some_and(|rto| mission - since > rto);
                        r.over_rto += u64::from(over);
                        outage(s, mission - since, self.outage_cause(s));
                        if BIAS {
                            self.bias.caused(s, self.cause[s], mission - since, over);
                        }
                    }
                }
                ServiceState::Degraded => r.degraded += mission - since,
                ServiceState::Up => {}
            }
        }
        if BIAS {
            self.bias.fold_causes();
            self.bias.fold_ends();
        }
        Ok(())
    }
}
