//! Validation of failover groups, maintenance schedules, `group:NAME`
//! references and the service keys `rpo` and `planned_counts`: every mistake
//! is reported once, with its JSON path, the id concerned, what is wrong and
//! (where there is something to say) how to fix it.
//!
//! As in `validation`, most tests change one thing in a valid scenario and
//! check that exactly that problem comes back.

use redsim::model::{Criterion, Expr, GroupMode, Replication, ServiceKind, Standby};
use redsim::scenario::Problem;
use serde_json::{Value, json};

use crate::common::{listing, model, problems_in, remove, set};

/// A valid scenario using every new field. Indices used below:
/// components 0 internet, 1 lb, 2 db (×2), 3 web (×3), 4 cache, 5 app;
/// groups 0 db (active-passive), 1 web (active-active);
/// maintenance 0 patch-web (rolling), 1 db-upgrade (simultaneous);
/// services 0 site, 1 data, 2 stack.
fn base() -> Value {
    json!({
      "format": "redsim/1",
      "name": "group validation base",
      "mission": "1y",
      "components": [
        {"id": "internet", "kind": "external"},
        {"id": "lb", "mtbf": "100000h", "mttr": "4h"},
        {"id": "db", "count": 2, "mtbf": "20000h", "mttr": "8h"},
        {"id": "web", "count": 3, "mtbf": "10000h", "mttr": "2h"},
        {"id": "cache", "mtbf": "30000h", "mttr": "1h"},
        {"id": "app", "mtbf": "50000h", "mttr": "3h", "requires": "group:db"}
      ],
      "links": [
        {"between": ["internet", "lb"]},
        {"between": ["lb", "web-*"]},
        {"between": ["lb", "cache"]}
      ],
      "groups": [
        {"id": "db", "members": ["db-1", "db-2"], "mode": "active-passive",
         "standby": "warm", "standby_aging": 0.3,
         "failover": {"detection": "30s", "switchover": {"exponential": {"mean": "2m"}},
                      "success": 0.95, "manual": "30m"},
         "failback": true,
         "replication": {"mode": "async", "lag": "5s"}},
        {"id": "web", "members": ["web-*"], "mode": "active-active", "reconvergence": "10s"}
      ],
      "maintenance": [
        {"id": "patch-web", "members": ["web-*"], "every": "30d", "duration": "1h", "start": "2d"},
        {"id": "db-upgrade", "members": ["db-*"], "every": "90d", "duration": "4h", "rolling": false}
      ],
      "services": [
        {"id": "site", "from": "internet", "to": ["group:web", "cache"], "need": 2, "rto": "1h"},
        {"id": "data", "requires": "group:db", "rpo": "1m", "planned_counts": false},
        {"id": "stack", "requires": {"all": ["group:web", "app"]}}
      ]
    })
}

/// The base scenario with `edit` applied, and its problems.
#[track_caller]
fn problems(edit: impl FnOnce(&mut Value)) -> Vec<Problem> {
    let mut v = base();
    edit(&mut v);
    problems_in(&v.to_string())
}

/// The base scenario with `edit` applied, which must load.
#[track_caller]
fn loads(edit: impl FnOnce(&mut Value)) -> redsim::model::Model {
    let mut v = base();
    edit(&mut v);
    model(&v.to_string())
}

/// Problems of the base scenario with one value set.
#[track_caller]
fn with(ptr: &str, to: Value) -> Vec<Problem> {
    problems(|v| set(v, ptr, to))
}

/// Problems of the base scenario without one key.
#[track_caller]
fn without(ptr: &str) -> Vec<Problem> {
    problems(|v| remove(v, ptr))
}

/// Asserts that some problem is at `path`, about `id`, with a message holding
/// every needle in `message`, and a hint holding `hint` (or no hint for `None`).
#[track_caller]
fn expect(ps: &[Problem], path: &str, id: Option<&str>, message: &[&str], hint: Option<&str>) {
    let hit = ps.iter().any(|p| {
        p.path == path
            && p.id.as_deref() == id
            && message.iter().all(|n| p.message.contains(n))
            && match (hint, &p.hint) {
                (None, None) => true,
                (Some(n), Some(h)) => h.contains(n),
                _ => false,
            }
    });
    assert!(
        hit,
        "no problem at `{path}` (id {id:?}) with message {message:?} and hint {hint:?}; got:\n{}",
        listing(ps)
    );
}

/// Asserts that there is exactly one problem, as described for [`expect`].
#[track_caller]
fn only(ps: &[Problem], path: &str, id: Option<&str>, message: &[&str], hint: Option<&str>) {
    assert_eq!(ps.len(), 1, "expected exactly one problem; got:\n{}", listing(ps));
    expect(ps, path, id, message, hint);
}

// ---------------------------------------------------------------- valid files

#[test]
fn a_file_with_every_new_field_loads() {
    let m = model(&base().to_string());
    let el = |id: &str| m.element_by_id(id).unwrap_or_else(|| panic!("no element `{id}`"));
    let (db1, db2) = (el("db-1"), el("db-2"));
    let webs = [el("web-1"), el("web-2"), el("web-3")];

    assert_eq!(m.groups.len(), 2);
    let db = &m.groups[0];
    assert_eq!((db.id.as_str(), db.members.as_slice()), ("db", &[db1, db2][..]));
    let GroupMode::ActivePassive {
        standby,
        failover,
        failback,
        replication,
    } = &db.mode
    else {
        panic!("db is active-passive: {:?}", db.mode)
    };
    assert_eq!(*standby, Standby::Warm(0.3));
    assert_eq!(failover.success, 0.95);
    assert!((failover.detection.mean() - 30.0 / 3600.0).abs() < 1e-12);
    assert!((failover.switchover.mean() - 2.0 / 60.0).abs() < 1e-12);
    assert!((failover.manual.mean() - 0.5).abs() < 1e-12);
    assert!(*failback);
    let Some(Replication::Async { lag }) = replication else {
        panic!("async replication: {replication:?}")
    };
    assert!((lag.mean() - 5.0 / 3600.0).abs() < 1e-12);

    let web = &m.groups[1];
    assert_eq!((web.id.as_str(), web.members.as_slice()), ("web", &webs[..]));
    let GroupMode::ActiveActive {
        reconvergence: Some(r),
    } = &web.mode
    else {
        panic!("web is active-active with a reconvergence: {:?}", web.mode)
    };
    assert!((r.mean() - 10.0 / 3600.0).abs() < 1e-12);

    assert_eq!(m.maintenance.len(), 2);
    let (patch, upgrade) = (&m.maintenance[0], &m.maintenance[1]);
    assert_eq!(patch.id, "patch-web");
    assert_eq!(patch.members, webs);
    assert_eq!((patch.every, patch.duration, patch.start), (720.0, 1.0, 48.0));
    assert!(patch.rolling, "rolling is the default");
    assert_eq!(upgrade.id, "db-upgrade");
    assert_eq!(upgrade.members, [db1, db2]);
    // Without `start`, the first round begins one `every` in.
    assert_eq!(
        (upgrade.every, upgrade.duration, upgrade.start),
        (2160.0, 4.0, 2160.0)
    );
    assert!(!upgrade.rolling);

    let (site, data, stack) = (&m.services[0], &m.services[1], &m.services[2]);
    assert_eq!((site.rto, site.rpo, site.planned_counts), (Some(1.0), None, true));
    assert_eq!(data.rto, None);
    assert!((data.rpo.expect("an rpo") - 1.0 / 60.0).abs() < 1e-12);
    assert!(!data.planned_counts);
    assert!(stack.planned_counts, "planned downtime counts by default");
}

#[test]
fn defaults_of_a_bare_active_passive_group() {
    let m = loads(|v| {
        set(
            v,
            "/groups/0",
            json!({"id": "db", "members": ["db-*"], "mode": "active-passive"}),
        );
        set(
            v,
            "/groups/1",
            json!({"id": "web", "members": ["web-*"], "mode": "active-active"}),
        );
    });
    let GroupMode::ActivePassive {
        standby,
        failover,
        failback,
        replication,
    } = &m.groups[0].mode
    else {
        panic!("active-passive: {:?}", m.groups[0].mode)
    };
    assert_eq!(*standby, Standby::Hot);
    assert_eq!(failover.success, 1.0);
    assert_eq!(
        (
            failover.detection.mean(),
            failover.switchover.mean(),
            failover.manual.mean()
        ),
        (0.0, 0.0, 0.0)
    );
    assert!(!failback);
    assert_eq!(*replication, None);
    assert_eq!(m.groups[1].mode, GroupMode::ActiveActive { reconvergence: None });
}

#[test]
fn other_valid_group_settings_load() {
    // Cold standby, synchronous replication, a switch that always works without `manual`.
    let m = loads(|v| {
        set(v, "/groups/0/standby", json!("cold"));
        remove(v, "/groups/0/standby_aging");
        set(v, "/groups/0/failover", json!({"success": 1}));
        set(v, "/groups/0/replication", json!({"mode": "sync"}));
    });
    let GroupMode::ActivePassive {
        standby,
        failover,
        replication,
        ..
    } = &m.groups[0].mode
    else {
        panic!("active-passive: {:?}", m.groups[0].mode)
    };
    assert_eq!(*standby, Standby::Cold);
    assert_eq!(failover.success, 1.0);
    assert_eq!(*replication, Some(Replication::Sync));

    // A switch that never works is allowed, with a manual failover.
    let m = loads(|v| set(v, "/groups/0/failover/success", json!(0)));
    let GroupMode::ActivePassive { failover, .. } = &m.groups[0].mode else {
        panic!("active-passive")
    };
    assert_eq!(failover.success, 0.0);
}

#[test]
fn a_group_in_requires_means_any_of_its_members() {
    let m = model(&base().to_string());
    let el = |id: &str| m.element_by_id(id).unwrap();
    let (db1, db2) = (el("db-1"), el("db-2"));
    let webs: Vec<Expr> = ["web-1", "web-2", "web-3"]
        .iter()
        .map(|w| Expr::Elem(el(w)))
        .collect();
    let any_db = Expr::Any(vec![Expr::Elem(db1), Expr::Elem(db2)]);

    // A service that requires the group alone.
    let ServiceKind::Logic { expr } = &m.services[1].kind else {
        panic!("`data` is logical: {:?}", m.services[1].kind)
    };
    assert_eq!(*expr, any_db);
    let up = |down: &[usize]| expr.eval(&|e| !down.contains(&e));
    assert!(up(&[]));
    assert!(up(&[db1]), "the standby carries on");
    assert!(up(&[db2]));
    assert!(!up(&[db1, db2]));

    // Inside a list, the group is one operand.
    let ServiceKind::Logic { expr } = &m.services[2].kind else {
        panic!("`stack` is logical")
    };
    assert_eq!(*expr, Expr::All(vec![Expr::Any(webs), Expr::Elem(el("app"))]));

    // A component's requirement too.
    assert_eq!(m.elements[el("app")].requires, Some(any_db));

    // `at_least` counts the group once, however many members it has.
    let m = loads(|v| {
        set(
            v,
            "/services/2/requires",
            json!({"at_least": 2, "of": ["group:web", "group:db", "cache"]}),
        );
    });
    let ServiceKind::Logic {
        expr: Expr::AtLeast(2, ops),
    } = &m.services[2].kind
    else {
        panic!("at_least: {:?}", m.services[2].kind)
    };
    assert_eq!(ops.len(), 3);
    assert!(matches!(&ops[0], Expr::Any(xs) if xs.len() == 3));
}

#[test]
fn a_group_of_one_member_in_requires_is_that_member() {
    let m = loads(|v| {
        set(v, "/groups/1/members", json!(["cache"]));
        set(v, "/services/0/to", json!(["web-*"]));
        remove(v, "/services/0/need");
        set(v, "/services/2/requires", json!("group:web"));
    });
    let cache = m.element_by_id("cache").unwrap();
    assert_eq!(
        m.services[2].kind,
        ServiceKind::Logic {
            expr: Expr::Elem(cache)
        }
    );
}

#[test]
fn a_group_target_counts_as_one_unit() {
    let m = model(&base().to_string());
    let el = |id: &str| m.element_by_id(id).unwrap();
    let ServiceKind::Reach {
        from,
        targets,
        criterion,
    } = &m.services[0].kind
    else {
        panic!("`site` is reachability")
    };
    assert_eq!(*from, el("internet"));
    assert_eq!(*targets, [el("web-1"), el("web-2"), el("web-3"), el("cache")]);
    // need 2 of ["group:web", "cache"]: the three members are one unit.
    assert_eq!(
        *criterion,
        Criterion::NeedUnits {
            units: vec![0, 0, 0, 1],
            need: 2
        }
    );

    // Three units cannot be needed of two, whatever the group's size.
    let ps = with("/services/0/need", json!(3));
    only(
        &ps,
        "services[0].need",
        Some("site"),
        &["need is 3 but `to` names 2 target(s)"],
        Some("use a number from 1 to 2"),
    );

    // Listed as members, the same targets are four units.
    let m = loads(|v| set(v, "/services/0/to", json!(["web-*", "cache"])));
    let ServiceKind::Reach { criterion, .. } = &m.services[0].kind else {
        panic!("reachability")
    };
    assert_eq!(*criterion, Criterion::Need(2));
    loads(|v| {
        set(v, "/services/0/to", json!(["web-*", "cache"]));
        set(v, "/services/0/need", json!(4));
    });
}

// ------------------------------------------------------------- references

#[test]
fn an_unknown_group_in_requires_suggests_the_closest() {
    let ps = with("/services/1/requires", json!("group:dbb"));
    only(
        &ps,
        "services[1].requires",
        Some("data"),
        &["unknown group `dbb`"],
        Some("did you mean `group:db`?"),
    );

    // Inside an expression: the path goes down to the operand.
    let ps = with(
        "/services/2/requires",
        json!({"all": ["app", {"any": ["cache", "group:webs"]}]}),
    );
    only(
        &ps,
        "services[2].requires.all[1].any[1]",
        Some("stack"),
        &["unknown group `webs`"],
        Some("did you mean `group:web`?"),
    );

    // In a component's requirement.
    let ps = with("/components/5/requires", json!("group:dbs"));
    only(
        &ps,
        "components[5].requires",
        Some("app"),
        &["unknown group `dbs`"],
        Some("did you mean `group:db`?"),
    );

    // Nothing close: say where groups are declared.
    let ps = with("/services/1/requires", json!("group:payments"));
    only(
        &ps,
        "services[1].requires",
        Some("data"),
        &["unknown group `payments`"],
        Some("declare it in `groups`"),
    );
}

#[test]
fn an_unknown_group_in_to_suggests_the_closest() {
    let ps = with("/services/0/to", json!(["cache", "group:webs"]));
    only(
        &ps,
        "services[0].to[1]",
        Some("site"),
        &["unknown group `webs`"],
        Some("did you mean `group:web`?"),
    );

    // Without the prefix, a group name is an (unknown) component id; the
    // hint says how to name the group.
    let ps = with("/services/0/to", json!(["web", "cache"]));
    only(
        &ps,
        "services[0].to[0]",
        Some("site"),
        &["unknown id `web`"],
        Some("`web` is a group: write `group:web`"),
    );
    let ps = with("/services/1/requires", json!({"any": ["db", "cache"]}));
    only(
        &ps,
        "services[1].requires.any[0]",
        Some("data"),
        &["unknown id `db`"],
        Some("`db` is a group: write `group:db`"),
    );
}

#[test]
fn references_to_a_broken_group_are_not_reported_again() {
    // One mistake (a member that does not exist), one problem: the three
    // references to `group:db` are not reported as unknown groups.
    let ps = with("/groups/0/members", json!(["db-1", "db-3"]));
    only(
        &ps,
        "groups[0].members[1]",
        Some("db"),
        &["unknown id `db-3`"],
        Some("did you mean `db-1`?"),
    );

    // Same when the group entry itself cannot be read.
    let ps = with("/groups/0/mode", json!("active-standby"));
    only(
        &ps,
        "groups[0].mode",
        Some("db"),
        &["unknown value `active-standby`"],
        Some("allowed: `active-passive`, `active-active`"),
    );
}

#[test]
fn a_target_named_directly_and_through_its_group_is_refused() {
    let ps = with("/services/0/to", json!(["group:web", "web-2", "cache"]));
    only(
        &ps,
        "services[0].to[1]",
        Some("site"),
        &["`web-2` is a target twice (also as a group member)"],
        Some("name a group's members through the group only"),
    );

    let ps = with("/services/0/to", json!(["web-2", "group:web", "cache"]));
    only(
        &ps,
        "services[0].to[1]",
        Some("site"),
        &["`web-2` is a target twice (as a member of `group:web` too)"],
        Some("name a group's members through the group only"),
    );
}

#[test]
fn a_member_named_directly_and_through_its_group_in_a_requirement_is_refused() {
    // `at_least 2` would hold with web-1 alone: it would count once as itself
    // and once for the group.
    let ps = with(
        "/services/2/requires",
        json!({"at_least": 2, "of": ["group:web", "web-1", "cache"]}),
    );
    only(
        &ps,
        "services[2].requires.of[1]",
        Some("stack"),
        &[
            "`web-1` is named twice in this list, directly or as a group member",
            "(also at services[2].requires.of[0])",
        ],
        Some("name a group's members through the group only"),
    );
    let ps = with("/components/5/requires", json!({"any": ["db-2", "group:db"]}));
    only(
        &ps,
        "components[5].requires.any[1]",
        Some("app"),
        &["`db-2` is named twice in this list, directly or as a group member"],
        Some("name a group's members through the group only"),
    );
    // Plain ids named twice keep their own hint.
    let ps = with("/services/2/requires", json!({"all": ["app", "cache", "app"]}));
    only(
        &ps,
        "services[2].requires.all[2]",
        Some("stack"),
        &["`app` is named twice in this list (also at services[2].requires.all[0])"],
        Some("name each element once"),
    );
    // Different lists may share members.
    loads(|v| {
        set(
            v,
            "/services/2/requires",
            json!({"all": ["group:web", {"any": ["web-1", "cache"]}]}),
        );
    });
}

#[test]
fn capacity_is_refused_with_a_group_target() {
    let ps = problems(|v| {
        let s = &mut v["services"][0];
        remove(s, "/need");
        set(s, "/capacity", json!(100));
        set(s, "/demand", json!(150));
    });
    only(
        &ps,
        "services[0].capacity",
        Some("site"),
        &["`capacity` cannot be given to a group target"],
        Some("list the group's members as targets"),
    );
}

#[test]
fn a_component_in_two_groups_is_refused() {
    let ps = with(
        "/groups/2",
        json!({"id": "edge", "members": ["cache", "web-2"], "mode": "active-passive"}),
    );
    only(
        &ps,
        "groups[2].members",
        Some("edge"),
        &["`web-2` is already a member of group `web`"],
        Some("a component belongs to one group at most"),
    );
}

#[test]
fn a_member_named_twice_is_refused() {
    let ps = with("/groups/0/members", json!(["db-1", "db-*"]));
    only(
        &ps,
        "groups[0].members[1]",
        Some("db"),
        &["`db-1` is a member twice"],
        None,
    );
    let ps = with("/maintenance/0/members", json!(["web-2", "web-*"]));
    only(
        &ps,
        "maintenance[0].members[1]",
        Some("patch-web"),
        &["`web-2` is a member twice"],
        None,
    );
}

#[test]
fn members_must_be_components_that_exist() {
    let ps = with("/groups/1/members", json!(["web-*", "cahce"]));
    only(
        &ps,
        "groups[1].members[1]",
        Some("web"),
        &["unknown id `cahce`"],
        Some("did you mean `cache`?"),
    );
    let ps = with("/groups/0/members", json!(["dbx-*"]));
    only(
        &ps,
        "groups[0].members[0]",
        Some("db"),
        &["the glob `dbx-*` matches no component"],
        None,
    );
    let ps = with("/groups/0/members", json!(["db-1", "internet--lb"]));
    only(
        &ps,
        "groups[0].members[1]",
        Some("db"),
        &["`internet--lb` is a link; only components can be used here"],
        None,
    );
    let ps = with("/maintenance/0/members", json!(["web-*", "cahce"]));
    only(
        &ps,
        "maintenance[0].members[1]",
        Some("patch-web"),
        &["unknown id `cahce`"],
        Some("did you mean `cache`?"),
    );
}

#[test]
fn empty_members_are_refused() {
    let ps = with("/groups/1/members", json!([]));
    only(
        &ps,
        "groups[1].members",
        Some("web"),
        &["`members` is empty"],
        None,
    );
    // Active-passive: only that, not also "needs two members".
    let ps = with("/groups/0/members", json!([]));
    only(
        &ps,
        "groups[0].members",
        Some("db"),
        &["`members` is empty"],
        None,
    );
    let ps = with("/maintenance/1/members", json!([]));
    only(
        &ps,
        "maintenance[1].members",
        Some("db-upgrade"),
        &["`members` is empty"],
        None,
    );
}

#[test]
fn an_active_passive_group_needs_two_members() {
    let ps = with("/groups/0/members", json!(["db-1"]));
    only(
        &ps,
        "groups[0].members",
        Some("db"),
        &["an active-passive group needs at least two members"],
        Some("add a standby, or drop the group"),
    );
    // Also when a glob matches a single component.
    let ps = with("/groups/0/members", json!(["db-1*"]));
    only(
        &ps,
        "groups[0].members",
        Some("db"),
        &["an active-passive group needs at least two members"],
        Some("add a standby, or drop the group"),
    );
    // An active-active group of one is allowed.
    loads(|v| set(v, "/groups/1/members", json!(["web-1*"])));
}

// ------------------------------------------------------------- group modes

#[test]
fn active_passive_keys_on_an_active_active_group_are_refused() {
    for (key, value) in [
        ("standby", json!("cold")),
        ("standby_aging", json!(0.5)),
        ("failover", json!({"detection": "1m"})),
        ("failback", json!(true)),
        ("replication", json!({"mode": "sync"})),
    ] {
        let ps = with(&format!("/groups/1/{key}"), value);
        only(
            &ps,
            &format!("groups[1].{key}"),
            Some("web"),
            &[&format!("`{key}` applies only to active-passive groups")],
            Some("drop it, or make the group active-passive"),
        );
    }
}

#[test]
fn reconvergence_on_an_active_passive_group_is_refused() {
    let ps = with("/groups/0/reconvergence", json!("10s"));
    only(
        &ps,
        "groups[0].reconvergence",
        Some("db"),
        &["`reconvergence` applies only to active-active groups"],
        Some("drop it, or make the group active-active"),
    );
}

#[test]
fn a_warm_standby_needs_standby_aging() {
    let ps = without("/groups/0/standby_aging");
    only(
        &ps,
        "groups[0]",
        Some("db"),
        &["a warm standby needs `standby_aging`"],
        Some("\"standby_aging\": 0.2"),
    );
}

#[test]
fn standby_aging_must_be_strictly_between_0_and_1() {
    for (aging, shown) in [
        (json!(0), "0"),
        (json!(1), "1"),
        (json!(1.5), "1.5"),
        (json!(-0.25), "-0.25"),
    ] {
        let ps = with("/groups/0/standby_aging", aging);
        only(
            &ps,
            "groups[0].standby_aging",
            Some("db"),
            &[&format!(
                "standby_aging must be strictly between 0 and 1 (got {shown})"
            )],
            Some("0 is a cold standby, 1 a hot one"),
        );
    }
}

#[test]
fn standby_aging_applies_only_to_a_warm_standby() {
    for edit in [
        |v: &mut Value| set(v, "/groups/0/standby", json!("hot")),
        |v: &mut Value| set(v, "/groups/0/standby", json!("cold")),
        |v: &mut Value| remove(v, "/groups/0/standby"),
    ] {
        let ps = problems(edit);
        only(
            &ps,
            "groups[0].standby_aging",
            Some("db"),
            &["`standby_aging` applies only to a warm standby"],
            Some("set \"standby\": \"warm\", or drop it"),
        );
    }
}

#[test]
fn failover_success_must_be_a_probability() {
    for (success, shown) in [(json!(1.5), "1.5"), (json!(-0.5), "-0.5")] {
        let ps = with("/groups/0/failover/success", success);
        only(
            &ps,
            "groups[0].failover.success",
            Some("db"),
            &[&format!(
                "success must be a probability between 0 and 1 (got {shown})"
            )],
            None,
        );
    }
    // An impossible probability is one mistake, not also a missing `manual`.
    let ps = problems(|v| {
        set(v, "/groups/0/failover/success", json!(-0.5));
        remove(v, "/groups/0/failover/manual");
    });
    only(
        &ps,
        "groups[0].failover.success",
        Some("db"),
        &["success must be a probability between 0 and 1 (got -0.5)"],
        None,
    );
}

#[test]
fn a_switch_that_can_fail_needs_a_manual_failover() {
    let ps = without("/groups/0/failover/manual");
    only(
        &ps,
        "groups[0].failover",
        Some("db"),
        &["a switch that can fail (success < 1) needs `manual`"],
        Some("\"manual\": {\"lognormal\""),
    );
    let ps = with("/groups/0/failover", json!({"success": 0}));
    only(
        &ps,
        "groups[0].failover",
        Some("db"),
        &["needs `manual`"],
        Some("\"manual\""),
    );
}

#[test]
fn failover_delays_are_checked_where_they_are() {
    let ps = with(
        "/groups/0/failover/switchover",
        json!({"uniform": {"min": "5m", "max": "1m"}}),
    );
    only(
        &ps,
        "groups[0].failover.switchover.uniform",
        Some("db"),
        &["must be smaller than max"],
        Some("{\"fixed\": DURATION}"),
    );
    let ps = with(
        "/groups/1/reconvergence",
        json!({"weibull": {"shape": 0.01, "mean": "10s"}}),
    );
    only(
        &ps,
        "groups[1].reconvergence.weibull.shape",
        Some("web"),
        &["a weibull shape of 1e-2"],
        Some("use a shape of at least 0.05"),
    );
    let ps = with("/groups/0/replication/lag", json!({"exponential": {"mean": 0}}));
    assert_eq!(ps.len(), 1, "{}", listing(&ps));
    assert_eq!(
        (ps[0].path.as_str(), ps[0].id.as_deref()),
        ("groups[0].replication.lag.exponential.mean", Some("db")),
        "{}",
        listing(&ps)
    );
    let ps = with("/groups/0/failover/detection", json!("-1m"));
    only(
        &ps,
        "groups[0].failover.detection",
        Some("db"),
        &["durations cannot be negative"],
        None,
    );
}

#[test]
fn synchronous_replication_has_no_lag() {
    let ps = with("/groups/0/replication", json!({"mode": "sync", "lag": "5s"}));
    only(
        &ps,
        "groups[0].replication.lag",
        Some("db"),
        &["synchronous replication has no lag"],
        Some("drop `lag`, or use \"mode\": \"async\""),
    );
}

#[test]
fn asynchronous_replication_needs_a_lag() {
    let ps = with("/groups/0/replication", json!({"mode": "async"}));
    only(
        &ps,
        "groups[0].replication",
        Some("db"),
        &["asynchronous replication needs `lag`"],
        Some("\"lag\": \"5s\""),
    );
}

#[test]
fn unknown_keys_in_groups_get_a_suggestion() {
    let ps = with("/groups/0/standy", json!("hot"));
    only(
        &ps,
        "groups[0].standy",
        Some("db"),
        &["unknown key `standy`"],
        Some("did you mean `standby`?"),
    );
    let ps = with("/groups/0/failover/sucess", json!(0.5));
    only(
        &ps,
        "groups[0].failover.sucess",
        Some("db"),
        &["unknown key `sucess`"],
        Some("did you mean `success`?"),
    );
    let ps = with("/maintenance/0/duraton", json!("1h"));
    only(
        &ps,
        "maintenance[0].duraton",
        Some("patch-web"),
        &["unknown key `duraton`"],
        Some("did you mean `duration`?"),
    );
}

#[test]
fn unknown_choices_are_values_not_distributions() {
    let ps = with("/groups/0/standby", json!("lukewarm"));
    only(
        &ps,
        "groups[0].standby",
        Some("db"),
        &["unknown value `lukewarm`"],
        Some("allowed: `hot`, `warm`, `cold`"),
    );
    let ps = with("/groups/0/replication/mode", json!("asynch"));
    only(
        &ps,
        "groups[0].replication.mode",
        Some("db"),
        &["unknown value `asynch`"],
        Some("did you mean `async`?"),
    );
    // A distribution family is still called one.
    let ps = with(
        "/groups/0/failover/switchover",
        json!({"exponentail": {"mean": "2m"}}),
    );
    only(
        &ps,
        "groups[0].failover.switchover",
        Some("db"),
        &["unknown distribution `exponentail`"],
        Some("did you mean `exponential`?"),
    );
}

// ------------------------------------------------------------------- ids

#[test]
fn duplicate_group_ids_name_the_first_declaration() {
    let ps = problems(|v| {
        set(
            v,
            "/groups/2",
            json!({"id": "web", "members": ["cache", "lb"], "mode": "active-active"}),
        );
        set(
            v,
            "/groups/3",
            json!({"id": "web", "members": ["app"], "mode": "active-active"}),
        );
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        &ps,
        "groups[2]",
        Some("web"),
        &["duplicate group id `web` (first declared at groups[1])"],
        None,
    );
    expect(
        &ps,
        "groups[3]",
        Some("web"),
        &["duplicate group id `web` (first declared at groups[1])"],
        None,
    );
}

#[test]
fn duplicate_maintenance_ids_are_refused() {
    let ps = with(
        "/maintenance/2",
        json!({"id": "patch-web", "members": ["cache"], "every": "30d", "duration": "1h"}),
    );
    only(
        &ps,
        "maintenance[2]",
        Some("patch-web"),
        &["duplicate maintenance id `patch-web`"],
        None,
    );
    // Also when the first schedule has a problem of its own: both are reported at once.
    let ps = problems(|v| {
        set(v, "/maintenance/0/every", json!(0));
        set(
            v,
            "/maintenance/2",
            json!({"id": "patch-web", "members": ["cache"], "every": "30d", "duration": "1h"}),
        );
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        &ps,
        "maintenance[0].every",
        Some("patch-web"),
        &["`every` must be longer than 0"],
        None,
    );
    expect(
        &ps,
        "maintenance[2]",
        Some("patch-web"),
        &["duplicate maintenance id `patch-web`"],
        None,
    );
}

#[test]
fn ids_starting_with_the_group_prefix_are_refused() {
    // A group: its references (`group:db`, as its author meant them) are not
    // reported again as unknown groups.
    let ps = with("/groups/0/id", json!("group:db"));
    only(
        &ps,
        "groups[0].id",
        Some("group:db"),
        &["invalid id \"group:db\"", "not start with `group:`"],
        None,
    );
    let ps = with("/maintenance/0/id", json!("group:patch"));
    only(
        &ps,
        "maintenance[0].id",
        Some("group:patch"),
        &["invalid id \"group:patch\"", "not start with `group:`"],
        None,
    );
    let ps = with("/services/2/id", json!("group:stack"));
    only(
        &ps,
        "services[2].id",
        Some("group:stack"),
        &["invalid id \"group:stack\"", "not start with `group:`"],
        None,
    );
    // A component: references to it are not reported again either.
    let ps = problems(|v| {
        set(v, "/components/4/id", json!("group:cache"));
        set(v, "/links/2/between", json!(["lb", "group:cache"]));
        set(v, "/services/0/to", json!(["group:web", "group:cache"]));
    });
    only(
        &ps,
        "components[4].id",
        Some("group:cache"),
        &["invalid id \"group:cache\"", "not start with `group:`"],
        None,
    );
}

// ------------------------------------------------------------ maintenance

#[test]
fn every_and_duration_must_be_longer_than_0() {
    let ps = with("/maintenance/0/every", json!("0h"));
    only(
        &ps,
        "maintenance[0].every",
        Some("patch-web"),
        &["`every` must be longer than 0"],
        None,
    );
    let ps = with("/maintenance/0/duration", json!(0));
    only(
        &ps,
        "maintenance[0].duration",
        Some("patch-web"),
        &["`duration` must be longer than 0"],
        None,
    );
    // Both at once: both reported, and no overlap or start problem on top.
    let ps = problems(|v| {
        set(v, "/maintenance/1/every", json!("0s"));
        set(v, "/maintenance/1/duration", json!("0m"));
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        &ps,
        "maintenance[1].every",
        Some("db-upgrade"),
        &["`every`"],
        None,
    );
    expect(
        &ps,
        "maintenance[1].duration",
        Some("db-upgrade"),
        &["`duration`"],
        None,
    );
}

#[test]
fn a_rolling_round_must_be_shorter_than_every() {
    // Three members of 10 days each: 720 h, as long as `every` (30 d).
    let ps = with("/maintenance/0/duration", json!("10d"));
    only(
        &ps,
        "maintenance[0]",
        Some("patch-web"),
        &[
            "a rolling round takes 3 × 240 h = 720 h",
            "not less than `every` (720 h): rounds would overlap",
        ],
        Some("shorten `duration`, lengthen `every`, or split the members"),
    );
    // Just under is fine; all together would be fine too.
    loads(|v| set(v, "/maintenance/0/duration", json!("239h")));
    loads(|v| {
        set(v, "/maintenance/0/duration", json!("10d"));
        set(v, "/maintenance/0/rolling", json!(false));
    });
}

#[test]
fn a_simultaneous_round_must_be_shorter_than_every() {
    let ps = with("/maintenance/1/duration", json!("90d"));
    only(
        &ps,
        "maintenance[1]",
        Some("db-upgrade"),
        &[
            "a round takes 2160 h",
            "not less than `every` (2160 h): rounds would overlap",
        ],
        Some("shorten `duration`"),
    );
    // 50 days for both members together fits in 90; one after the other does not.
    loads(|v| set(v, "/maintenance/1/duration", json!("50d")));
    let ps = problems(|v| {
        set(v, "/maintenance/1/duration", json!("50d"));
        set(v, "/maintenance/1/rolling", json!(true));
    });
    only(
        &ps,
        "maintenance[1]",
        Some("db-upgrade"),
        &["a rolling round takes 2 × 1200 h = 2400 h", "`every` (2160 h)"],
        Some("split the members"),
    );
}

#[test]
fn the_first_round_must_start_within_the_mission() {
    let ps = with("/maintenance/0/start", json!("2y"));
    only(
        &ps,
        "maintenance[0].start",
        Some("patch-web"),
        &["the first round starts at 17520 h, after the mission (8760 h) ends"],
        Some("start earlier, or lengthen `mission`"),
    );
    // Exactly at the end is too late: no round would take place.
    let ps = with("/maintenance/0/start", json!("1y"));
    only(
        &ps,
        "maintenance[0].start",
        Some("patch-web"),
        &["starts at 8760 h, after the mission (8760 h) ends"],
        Some("start earlier"),
    );
    // A start of 0 is fine.
    loads(|v| set(v, "/maintenance/0/start", json!(0)));
}

#[test]
fn a_default_start_after_the_mission_blames_every() {
    // Without `start`, the first round starts one `every` in: 400 d is past
    // the 1 y mission, and the key to change is `every` (there is no `start`).
    let ps = with("/maintenance/1/every", json!("400d"));
    only(
        &ps,
        "maintenance[1].every",
        Some("db-upgrade"),
        &["the first round starts at 9600 h, after the mission (8760 h) ends"],
        Some("one `every` in"),
    );
}

// ------------------------------------------------------------- services

#[test]
fn rpo_must_be_longer_than_0() {
    let ps = with("/services/1/rpo", json!("0s"));
    only(
        &ps,
        "services[1].rpo",
        Some("data"),
        &["rpo must be longer than 0"],
        None,
    );
    let ps = with("/services/1/rpo", json!("-5m"));
    only(
        &ps,
        "services[1].rpo",
        Some("data"),
        &["durations cannot be negative"],
        None,
    );
}

#[test]
fn rto_and_rpo_are_checked_even_when_the_service_is_broken() {
    let ps = problems(|v| {
        set(v, "/services/1/rpo", json!(0));
        set(v, "/services/1/requires", json!("group:dbb"));
        set(v, "/services/0/rto", json!("0m"));
        set(v, "/services/0/to", json!([]));
    });
    assert_eq!(ps.len(), 4, "{}", listing(&ps));
    expect(
        &ps,
        "services[1].rpo",
        Some("data"),
        &["rpo must be longer than 0"],
        None,
    );
    expect(
        &ps,
        "services[1].requires",
        Some("data"),
        &["unknown group `dbb`"],
        Some("did you mean `group:db`?"),
    );
    expect(
        &ps,
        "services[0].rto",
        Some("site"),
        &["rto must be longer than 0"],
        None,
    );
    expect(
        &ps,
        "services[0].to",
        Some("site"),
        &["`to` is empty"],
        Some("list the target components"),
    );
}

#[test]
fn planned_counts_must_be_a_boolean() {
    let ps = with("/services/1/planned_counts", json!("no"));
    only(
        &ps,
        "services[1].planned_counts",
        Some("data"),
        &["invalid type", "expected a boolean"],
        None,
    );
}

// --------------------------------------------------------------- together

#[test]
fn several_problems_in_one_file_are_all_reported() {
    let ps = problems(|v| {
        set(v, "/groups/0/standby_aging", json!(2));
        set(v, "/groups/0/replication", json!({"mode": "async"}));
        set(v, "/groups/1/failover", json!({"success": 0.5}));
        set(
            v,
            "/groups/2",
            json!({"id": "db", "members": ["cache", "lb"], "mode": "active-active"}),
        );
        set(v, "/maintenance/0/duration", json!("10d"));
        set(v, "/maintenance/1/start", json!("2y"));
        set(v, "/services/0/to", json!(["group:wbe", "cache"]));
        set(v, "/services/1/rpo", json!(0));
        set(v, "/services/2/requires", json!({"all": ["group:dbb", "app"]}));
    });
    let want: &[(&str, &str, &str)] = &[
        (
            "groups[0].standby_aging",
            "db",
            "strictly between 0 and 1 (got 2)",
        ),
        (
            "groups[0].replication",
            "db",
            "asynchronous replication needs `lag`",
        ),
        (
            "groups[1].failover",
            "web",
            "`failover` applies only to active-passive groups",
        ),
        (
            "groups[2]",
            "db",
            "duplicate group id `db` (first declared at groups[0])",
        ),
        ("maintenance[0]", "patch-web", "a rolling round takes 3 × 240 h"),
        (
            "maintenance[1].start",
            "db-upgrade",
            "after the mission (8760 h) ends",
        ),
        ("services[0].to[0]", "site", "unknown group `wbe`"),
        ("services[1].rpo", "data", "rpo must be longer than 0"),
        ("services[2].requires.all[0]", "stack", "unknown group `dbb`"),
    ];
    for (path, id, needle) in want {
        let hit = ps
            .iter()
            .any(|p| p.path == *path && p.id.as_deref() == Some(id) && p.message.contains(needle));
        assert!(
            hit,
            "no problem at `{path}` ({id}) saying {needle:?}; got:\n{}",
            listing(&ps)
        );
    }
    assert_eq!(
        ps.len(),
        want.len(),
        "one problem per mistake; got:\n{}",
        listing(&ps)
    );
}

#[test]
fn a_mode_written_in_other_words_gets_the_mode_it_means() {
    // Matched on meaning, not spelling: `active-standby` is closer in letters
    // to `active-active`, but it means `active-passive`.
    for (written, meant) in [
        ("active-standby", "active-passive"),
        ("primary-backup", "active-passive"),
        ("hot-standby", "active-passive"),
        ("load-balanced", "active-active"),
        ("Active-Passive", "active-passive"),
    ] {
        let mut v = base();
        set(&mut v, "/groups/0/mode", json!(written));
        let ps = problems_in(&v.to_string());
        let p = ps
            .iter()
            .find(|p| p.path == "groups[0].mode")
            .unwrap_or_else(|| panic!("{written}: {}", listing(&ps)));
        let hint = p.hint.as_deref().unwrap_or_default();
        assert!(
            hint.starts_with(&format!("did you mean `{meant}`?"))
                || hint.contains(&format!("did you mean `{meant}`?")),
            "{written}: {p}"
        );
    }
}

#[test]
fn a_missing_mode_hides_no_unknown_member() {
    let ps = problems(|v| {
        remove(v, "/groups/1/mode");
        set(v, "/groups/1/members/1", json!("ghost"));
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    for (path, needle) in [
        ("groups[1]", "missing key `mode`"),
        ("groups[1].members[1]", "ghost"),
    ] {
        assert!(
            ps.iter().any(|p| p.path == path && p.message.contains(needle)),
            "no problem at {path} about {needle}; got:\n{}",
            listing(&ps)
        );
    }
}

#[test]
fn a_schedule_missing_its_duration_hides_no_unknown_member() {
    let ps = problems(|v| {
        remove(v, "/maintenance/0/duration");
        set(v, "/maintenance/0/members/0", json!("ghost"));
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    for (path, needle) in [
        ("maintenance[0]", "missing key `duration`"),
        ("maintenance[0].members[0]", "ghost"),
    ] {
        assert!(
            ps.iter().any(|p| p.path == path && p.message.contains(needle)),
            "no problem at {path} about {needle}; got:\n{}",
            listing(&ps)
        );
    }
}

#[test]
fn a_bad_failover_delay_hides_no_bad_success_beside_it() {
    let ps = problems(|v| {
        set(v, "/groups/0/failover/detection", json!("-1s"));
        set(v, "/groups/0/failover/success", json!(1.5));
    });
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    for (path, needle) in [
        (
            "groups[0].failover.detection",
            "invalid duration \"-1s\": durations cannot be negative",
        ),
        ("groups[0].failover.success", "1.5"),
    ] {
        assert!(
            ps.iter().any(|p| p.path == path && p.message.contains(needle)),
            "no problem at {path} about {needle}; got:\n{}",
            listing(&ps)
        );
    }
}

#[test]
fn a_group_with_an_unreadable_field_still_resolves_its_references() {
    // A bad `failover.detection` (or any other field) must not hide what
    // the rest of the file says about the group: `group:db` still stands
    // for db-1 and db-2, so naming db-1 beside it is found, and a
    // misspelt group is still matched against `db`.
    for (ptr, bad, at, what) in [
        (
            "/groups/0/failover/detection",
            json!("5x"),
            "groups[0].failover.detection",
            "invalid duration \"5x\"",
        ),
        (
            "/groups/0/mode",
            json!("active-standby"),
            "groups[0].mode",
            "unknown value `active-standby`",
        ),
        (
            "/groups/0/standby",
            json!("tepid"),
            "groups[0].standby",
            "unknown value `tepid`",
        ),
    ] {
        let ps = problems(|v| {
            set(v, ptr, bad.clone());
            set(
                v,
                "/services/1/requires",
                json!({"at_least": 2, "of": ["group:db", "db-1", "cache"]}),
            );
            set(
                v,
                "/services/2/requires",
                json!({"all": ["group:web", "group:dbb"]}),
            );
        });
        assert_eq!(ps.len(), 3, "{ptr}: {}", listing(&ps));
        expect(
            &ps,
            at,
            Some("db"),
            &[what],
            ps.iter().find(|p| p.path == at).unwrap().hint.as_deref(),
        );
        expect(
            &ps,
            "services[1].requires.of[1]",
            Some("data"),
            &["`db-1` is named twice in this list, directly or as a group member"],
            Some("name a group's members through the group only"),
        );
        expect(
            &ps,
            "services[2].requires.all[1]",
            Some("stack"),
            &["unknown group `dbb`"],
            Some("did you mean `group:db`?"),
        );
    }
}

#[test]
fn an_unreadable_replication_lag_is_its_only_problem() {
    // Without the lag that could not be read, the group is not told that
    // asynchronous replication needs one.
    let ps = with("/groups/0/replication/lag", json!("5x"));
    only(
        &ps,
        "groups[0].replication.lag",
        Some("db"),
        &["invalid duration \"5x\""],
        None,
    );
}
