"""Benchmark scenarios: seeded placement instances at three sizes, and the earlier ones.

The default scenarios come from `bench.generator`, which builds instances
directly from `placement.instance` and shares no code with `placement.demo`:

- `small`: about 300 student rows, 24 wards (Helse Midt-Norge), for smoke runs;
- `regional`: about 3,700 student rows, 220 wards, 4 institutions and about 45
  periods in Helse Midt-Norge; supervisors cover about 86% of each field's
  busiest week, wishes pile onto St. Olavs and the students' own towns;
- `national`: about 30,000 student rows, 900 wards, the 4 health regions and
  20 institutions, each region's university also sending students to a trust
  of the next region (so the regions are not independent).

The scenarios built from the synthetic Helse Vest region of `placement.demo`
(`demo-small`, `demo-regional`, `demo-national`) and the harder Helse Vest
generator (`hard`) are kept so their results can be reproduced.

Every scenario is a function of a seed: the same seed gives the same instance.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import demo_scenarios
from bench.generator import Size, generate
from bench.regions import MIDT, REGIONS
from placement.instance import Instance


def small(seed: int = 0) -> Instance:
    """About 300 student rows and 24 wards in one region: a smoke run."""
    return generate([Size(MIDT, rows=300, wards=24, institutions=4)], seed, name="small")


def regional(seed: int = 0) -> Instance:
    """About 3,700 student rows, 220 wards, 4 institutions, about 45 periods, one region."""
    return generate([Size(MIDT, rows=3700, wards=220, institutions=4)], seed, name="regional")


def national(seed: int = 0) -> Instance:
    """About 30,000 student rows, 900 wards, 4 health regions and 20 institutions."""
    sizes = [Size(region, rows=7500, wards=225, institutions=5) for region in REGIONS]
    return generate(sizes, seed, name="national")


SCENARIOS: dict[str, Callable[[int], Instance]] = {
    "small": small,
    "regional": regional,
    "national": national,
    "demo-small": demo_scenarios.small,
    "demo-regional": demo_scenarios.regional,
    "demo-national": demo_scenarios.national,
    "hard": demo_scenarios.hard,
}
"""Every scenario by name; `--scenario all` runs the first three."""

MAIN_SCENARIOS = ("small", "regional", "national")
