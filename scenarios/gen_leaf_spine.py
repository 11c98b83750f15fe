#!/usr/bin/env python3
"""Writes a leaf-spine data-centre scenario (format redsim/1) for redsim.

    python3 scenarios/gen_leaf_spine.py                 # writes scenarios/leaf-spine-dc.json
    python3 scenarios/gen_leaf_spine.py --leaves 8 --servers-per-leaf 20 -o small.json
    python3 scenarios/gen_leaf_spine.py -o -            # to standard output

The design: the internet, two ISPs, one circuit from each ISP to its own border
router, both border routers to every spine, every leaf to every spine (a full
mesh, written as one glob link), and one leaf (top-of-rack switch) per rack with
the rack's servers single-homed to it. Power: two UPS trains A and B for the
whole room; each rack has its own feed A and feed B (branch circuits from the
two trains) and a PDU on each. Servers have dual PSUs, one on each PDU (folded
into `requires: any of the rack's PDUs`); the leaf is powered the same way.
Spines and border routers sit in network racks fed from both trains.

Output is deterministic: the same options always give the same bytes.
Standard library only.
"""

import argparse
import json
import math
import os
import sys


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spines", type=int, default=4, help="number of spine switches (default 4)")
    p.add_argument("--leaves", type=int, default=32, help="number of leaves, one per rack (default 32)")
    p.add_argument(
        "--servers-per-leaf", type=int, default=36, help="servers in each rack (default 36)"
    )
    p.add_argument(
        "--web-need",
        type=float,
        default=0.97,
        help="fraction of all servers `web` needs reachable (default 0.97)",
    )
    p.add_argument(
        "-o",
        "--output",
        default=os.path.join(here, "leaf-spine-dc.json"),
        help="where to write the scenario, '-' for standard output "
        "(default: leaf-spine-dc.json next to this script)",
    )
    a = p.parse_args(argv)
    for name in ("spines", "leaves", "servers_per_leaf"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0.0 < a.web_need <= 1.0:
        p.error("--web-need must be a fraction in (0, 1]")
    return a


def scenario(spines, leaves, per_leaf, web_need):
    servers = leaves * per_leaf
    need = max(1, math.ceil(web_need * servers - 1e-9))
    spare = servers - need
    if spare >= 2 * per_leaf:
        rack_note = (
            f"the {spare} servers of headroom cover two whole racks ({per_leaf} servers each), "
            "so it takes three racks out at once (or the whole fabric, or both ISPs) to stop it"
        )
    elif spare >= per_leaf:
        rack_note = (
            f"the {spare} servers of headroom cover one whole rack ({per_leaf} servers) but not two, "
            "so `web` survives any one rack outage and goes down when two racks are out at once"
        )
    else:
        rack_note = (
            f"the {spare} servers of headroom are less than one rack ({per_leaf} servers), "
            "so every rack outage (its leaf, or both of its feeds or PDUs) is a `web` outage; "
            "regenerate with --web-need 0.95 to size the fleet for one rack of headroom and compare"
        )
    description = (
        f"A leaf-spine data centre with {servers:,} servers, written by gen_leaf_spine.py "
        f"({spines} spines, {leaves} leaves, {per_leaf} servers per leaf). "
        "It shows templates (one per kind of box), `count` (spines, border routers, the servers of each rack), "
        "globs (the leaf-spine full mesh is one link entry, services target `rack-*-srv-*`) and failure domains: "
        "each rack hangs off one leaf and its own A/B feeds and PDUs, so a rack is the unit that fails together. "
        f"`web` needs {need:,} of the {servers:,} servers ({web_need:.0%}) reachable from the internet: "
        f"{rack_note}. `any-server` needs just one server reachable: it measures the shared core "
        "(ISP circuits, border routers, spines, UPS trains), which is fully redundant, so its outages are very rare. "
        "Servers fail with a Weibull law (wear-out) and are repaired with a lognormal law; everything else is exponential."
    )

    templates = {
        "ups": {"kind": "ups", "mtbf": "200000h", "mttr": "8h"},
        "rack-feed": {"kind": "feed", "afr": "2%", "mttr": "4h"},
        "pdu": {"kind": "pdu", "mtbf": "300000h", "mttr": "4h"},
        "border": {
            "kind": "router",
            "mtbf": "100000h",
            "mttr": "4h",
            "requires": {"any": ["ups-a", "ups-b"]},
        },
        "spine": {
            "kind": "switch",
            "mtbf": "150000h",
            "mttr": "4h",
            "requires": {"any": ["ups-a", "ups-b"]},
        },
        "leaf": {"kind": "switch", "mtbf": "150000h", "mttr": "4h"},
        "server": {
            "kind": "server",
            "failure": {"weibull": {"shape": 1.2, "mean": "40000h"}},
            "repair": {"lognormal": {"median": "8h", "sigma": 0.8}},
        },
        "circuit": {"kind": "isp-circuit", "mtbf": "4380h", "mttr": "4h"},
        "fabric": {"kind": "fibre", "mtbf": "500000h", "mttr": "4h"},
        "server-link": {"kind": "cable", "mtbf": "1000000h", "mttr": "2h"},
    }

    components = [
        {"id": "internet", "kind": "external"},
        {"id": "isp", "count": 2, "kind": "isp"},
        {"id": "ups-a", "template": "ups"},
        {"id": "ups-b", "template": "ups"},
        {"id": "border", "count": 2, "template": "border"},
        {"id": "spine", "count": spines, "template": "spine"},
    ]
    links = [
        {"between": ["internet", "isp-*"]},
        {"id": "circuit-1", "between": ["isp-1", "border-1"], "template": "circuit"},
        {"id": "circuit-2", "between": ["isp-2", "border-2"], "template": "circuit"},
        {"between": ["border-*", "spine-*"], "template": "fabric"},
    ]
    for r in range(1, leaves + 1):
        rack = f"rack-{r}"
        components += [
            {"id": f"{rack}-feed-a", "template": "rack-feed", "domains": ["ups-a"]},
            {"id": f"{rack}-feed-b", "template": "rack-feed", "domains": ["ups-b"]},
            {"id": f"{rack}-pdu-a", "template": "pdu", "requires": f"{rack}-feed-a"},
            {"id": f"{rack}-pdu-b", "template": "pdu", "requires": f"{rack}-feed-b"},
            {"id": f"leaf-{r}", "template": "leaf", "requires": {"any": [f"{rack}-pdu-*"]}},
            {
                "id": f"{rack}-srv",
                "count": per_leaf,
                "template": "server",
                "requires": {"any": [f"{rack}-pdu-*"]},
            },
        ]
        links.append({"between": [f"leaf-{r}", f"{rack}-srv-*"], "template": "server-link"})
    links.append({"between": ["leaf-*", "spine-*"], "template": "fabric"})

    services = [
        {"id": "web", "from": "internet", "to": ["rack-*-srv-*"], "need": need},
        {"id": "any-server", "from": "internet", "to": ["rack-*-srv-*"]},
    ]
    return {
        "format": "redsim/1",
        "name": f"Leaf-spine data centre, {servers:,} servers",
        "description": description,
        "mission": "1y",
        "templates": templates,
        "components": components,
        "links": links,
        "services": services,
    }


def dump(sc):
    """JSON with one line per template, component, link and service."""
    one = lambda v: json.dumps(v, ensure_ascii=False)
    out = ["{"]
    keys = list(sc)
    for i, k in enumerate(keys):
        v = sc[k]
        comma = "," if i + 1 < len(keys) else ""
        if isinstance(v, list):
            out.append(f'  "{k}": [')
            out += [f"    {one(x)}{',' if j + 1 < len(v) else ''}" for j, x in enumerate(v)]
            out.append(f"  ]{comma}")
        elif isinstance(v, dict):
            out.append(f'  "{k}": {{')
            items = list(v.items())
            out += [
                f"    {one(n)}: {one(x)}{',' if j + 1 < len(items) else ''}"
                for j, (n, x) in enumerate(items)
            ]
            out.append(f"  }}{comma}")
        else:
            out.append(f'  "{k}": {one(v)}{comma}')
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    text = dump(scenario(a.spines, a.leaves, a.servers_per_leaf, a.web_need))
    if a.output == "-":
        sys.stdout.write(text)
    else:
        tmp = a.output + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, a.output)
        print(f"wrote {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
