"""An independent feasibility check of a plan: it never looks at PyVRP or the routing model.

From the problem, the plan's visit order and a matrix provider it re-times every route: leave
the start point at the shift start (or at the planned departure if later), drive, wait for the
window, serve, and take the lunch break where the plan puts it. It then checks windows (the
whole visit inside one of the candidate's windows), shifts (back at the end point by the shift
end), the lunch break (exactly one for a team with visits, starting inside its window, of full
length), skills and pins, the maximum number of visits, team rules (CN-TEAM-01: at least two
distinct people; nobody in two teams) and that nothing forbidden, blocked or duplicated is
planned. Tests run it on every plan they make.
"""

from __future__ import annotations

from doorstep.planning.engine.matrix import LatLon, MatrixProvider
from doorstep.planning.engine.problem import Plan, PlannedBreak, PlanningProblem

MIN_TEAM_SIZE = 2


def check_plan(problem: PlanningProblem, plan: Plan, provider: MatrixProvider) -> list[str]:
    """Every violation found, as readable sentences; an empty list means feasible."""
    problems: list[str] = []
    teams = {t.key: t for t in problem.teams}
    cands = {c.key: c for c in problem.candidates}

    people: dict[str, str] = {}
    for team in problem.teams:
        if len(set(team.members)) < MIN_TEAM_SIZE:
            problems.append(f"team {team.key}: fewer than {MIN_TEAM_SIZE} people (CN-TEAM-01)")
        for person in team.members:
            if people.setdefault(person, team.key) != team.key:
                problems.append(f"{person} is in teams {people[person]} and {team.key}")

    seen: set[str] = set()
    for route in plan.routes:
        if route.team not in teams:
            problems.append(f"route of unknown team {route.team}")
            continue
        team = teams[route.team]
        if sum(1 for r in plan.routes if r.team == route.team) > 1:
            problems.append(f"team {team.key} has more than one route")
        points: list[LatLon] = [team.start]
        for item in route.items:
            if isinstance(item, PlannedBreak):
                points.append(problem.lunch_spots[item.spot])
            elif item.key in cands:
                points.append(cands[item.key].at)
            else:
                problems.append(f"team {team.key}: unknown candidate {item.key}")
                points.append(team.start)
        points.append(team.end)
        seconds = provider.matrix(points).seconds

        clock = max(team.shift_start, route.depart)
        breaks = 0
        visits = 0
        for n, item in enumerate(route.items, start=1):
            clock += int(seconds[n - 1, n])
            if isinstance(item, PlannedBreak):
                breaks += 1
                clock = max(clock, team.lunch_early)
                if clock > team.lunch_late:
                    problems.append(f"team {team.key}: lunch starts late at {clock}")
                clock += team.lunch_length
                continue
            visits += 1
            cand = cands.get(item.key)
            if cand is None:
                continue
            if item.key in seen:
                problems.append(f"{item.key} is planned twice")
            seen.add(item.key)
            if item.key in problem.forbidden:
                problems.append(f"{item.key} is forbidden but planned")
            if cand.blocked_by:
                problems.append(f"{item.key} is blocked by {', '.join(cand.blocked_by)}")
            if not cand.skills <= team.skills:
                problems.append(f"{item.key} needs {sorted(cand.skills - team.skills)}")
            if cand.pinned_team not in (None, team.key):
                problems.append(f"{item.key} is pinned to {cand.pinned_team}, not {team.key}")
            fitting = [
                w
                for w in cand.windows
                if max(clock, w.start) + cand.service <= w.end and clock <= w.end
            ]
            if not fitting:
                problems.append(f"team {team.key}: {item.key} misses all its windows")
                clock += cand.service
                continue
            clock = max(clock, min(w.start for w in fitting)) + cand.service
        clock += int(seconds[len(points) - 2, len(points) - 1])
        if clock > team.shift_end:
            problems.append(f"team {team.key}: back at {clock}, after its shift end")
        if visits > team.max_visits:
            problems.append(f"team {team.key}: {visits} visits > {team.max_visits}")
        if visits and breaks != 1:
            problems.append(f"team {team.key}: {breaks} lunch breaks instead of one")
    return problems
