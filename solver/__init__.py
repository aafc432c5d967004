"""The CP-SAT model of the placement problem: variables, constraints, objective levels, solving.

`solver.solve(instance, options)` runs the whole job and returns a checked
`placement.allocation.Allocation`.
"""

from solver.run import (
    CheckFailedError,
    InfeasibleError,
    NoSolutionError,
    PlacementRun,
    effective_options,
    solve,
)

__all__ = [
    "CheckFailedError",
    "InfeasibleError",
    "NoSolutionError",
    "PlacementRun",
    "effective_options",
    "solve",
]
