"""The first benchmark scenarios, built from `placement.demo` (the synthetic Helse Vest region).

Kept as `demo-small`, `demo-regional`, `demo-national` and `hard` (see
`bench.scenarios`), so earlier results can be reproduced; the default
scenarios come from the independent generator in `bench.generator`.

- small: about 300 student rows, for smoke runs;
- regional: about 3,700 student rows, 220 wards, 4 institutions, 46 periods;
  supervisors only just cover each field's busiest week, wishes pile onto the
  big hospitals (`placement.demo`);
- national: four such regions side by side (Helse Vest, Midt-Norge, Sør-Øst,
  Nord), about 30,000 student rows and 900 wards, with each region's
  institutions and programmes renamed (16 institutions; a fifth per region
  comes from splitting off its smallest programme: 20 in all).
"""

from __future__ import annotations

from placement.demo import generate_region
from placement.instance import Instance

REGIONS = ("VEST", "MIDT", "SOR", "NORD")


def small(seed: int = 0) -> Instance:
    """About 300 rows of the demo region."""
    return generate_region(300, seed, num_wards=24)


def regional(seed: int = 0) -> Instance:
    """About 3,700 rows and 220 wards of the demo region."""
    return generate_region(3700, seed, num_wards=220)


def national(seed: int = 0) -> Instance:
    """Four renamed copies of the demo region: about 30,000 rows and 900 wards."""
    parts = [
        _renamed(generate_region(7500, seed * 10 + k, num_wards=225), code)
        for k, code in enumerate(REGIONS)
    ]
    first = parts[0]
    return first.model_copy(
        update={
            "institutions": tuple(i for p in parts for i in p.institutions),
            "programmes": tuple(x for p in parts for x in p.programmes),
            "periods": tuple(x for p in parts for x in p.periods),
            "sites": tuple(x for p in parts for x in p.sites),
            "wards": tuple(x for p in parts for x in p.wards),
            "supervisors": tuple(x for p in parts for x in p.supervisors),
            "agreements": tuple(
                a.model_copy(update={"agreement_id": f"A{n}"})
                for n, a in enumerate((a for p in parts for a in p.agreements or ()), start=1)
            ),
            "needs": tuple(x for p in parts for x in p.needs),
            "history": tuple(x for p in parts for x in p.history),
            "locations": first.locations,
            "source_name": f"national-{seed}",
        }
    )


def _renamed(instance: Instance, code: str) -> Instance:
    """Every id of one region prefixed with its code, so four regions can sit side by side.

    Towns keep their names (and coordinates): the regions are copies of one
    geography, which is fine for timing and for the objective levels.
    """

    def p(text: str) -> str:
        return f"{code}-{text}"

    smallest = min(instance.programmes, key=lambda x: sum(
        n.programme_id == x.programme_id for n in instance.needs))  # fmt: skip
    institutions = tuple(
        i.model_copy(update={"institution_id": p(i.institution_id)}) for i in instance.institutions
    )
    extra = institutions[0].model_copy(
        update={"institution_id": p("EXTRA"), "name": f"{code} university college"}
    )
    programmes = tuple(
        x.model_copy(
            update={
                "programme_id": p(x.programme_id),
                "institution_id": p("EXTRA")
                if x.programme_id == smallest.programme_id
                else p(x.institution_id),
            }
        )
        for x in instance.programmes
    )
    institution_of = {x.programme_id: x.institution_id for x in programmes}
    sites = tuple(
        s.model_copy(update={"site_id": p(s.site_id), "organisation": p(s.organisation or "")})
        for s in instance.sites
    )
    return instance.model_copy(
        update={
            "institutions": (*institutions, extra),
            "programmes": programmes,
            "periods": tuple(
                x.model_copy(
                    update={"period_id": p(x.period_id), "programme_id": p(x.programme_id)}
                )
                for x in instance.periods
            ),
            "sites": sites,
            "wards": tuple(
                w.model_copy(update={"ward_id": p(w.ward_id), "site_id": p(w.site_id)})
                for w in instance.wards
            ),
            "supervisors": tuple(
                r.model_copy(update={"ward_id": p(r.ward_id)}) for r in instance.supervisors
            ),
            "agreements": tuple(
                a.model_copy(
                    update={
                        "institution_id": institution_of[p(a.programme_id)]
                        if a.programme_id
                        else p(a.institution_id),
                        "organisation": p(a.organisation) if a.organisation else None,
                        "site_id": p(a.site_id) if a.site_id else None,
                        "programme_id": p(a.programme_id) if a.programme_id else None,
                        "period_id": p(a.period_id) if a.period_id else None,
                    }
                )
                for a in instance.agreements or ()
            ),
            "needs": tuple(
                n.model_copy(
                    update={
                        "student_id": p(n.student_id),
                        "programme_id": p(n.programme_id),
                        "period_id": p(n.period_id),
                        "preferences": tuple(_wish(w, code, instance) for w in n.preferences),
                        "avoid": tuple(p(a) for a in n.avoid),
                        "group_id": p(n.group_id) if n.group_id else None,
                        "locked_ward": p(n.locked_ward) if n.locked_ward else None,
                    }
                )
                for n in instance.needs
            ),
            "history": tuple(
                h.model_copy(update={"student_id": p(h.student_id), "ward_id": p(h.ward_id)})
                for h in instance.history
            ),
        }
    )


def _wish(wish: str, code: str, instance: Instance) -> str:
    """A wish renamed like what it names; towns stay towns."""
    names = {w.ward_id for w in instance.wards} | {s.site_id for s in instance.sites}
    names |= {s.organisation or "" for s in instance.sites}
    return f"{code}-{wish}" if wish in names else wish


def hard(seed: int = 0) -> Instance:
    """3,000 rows of the harder region generator (bench/hard_region.py)."""
    from bench.hard_region import generate_region as generate_hard  # noqa: PLC0415

    return generate_hard(3000, seed)
