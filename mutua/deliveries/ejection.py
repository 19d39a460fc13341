"""The inner loops of guided ejection search, compiled with Numba.

Kept apart from `fleet.py` because everything here works on plain NumPy arrays (Numba compiles
no Python objects): the plan is a table of routes, each row holding start depot, stops, end
depot, with every route's prefix and suffix segments beside it. A segment is seven integers:
duration, time warp, earliest start, latest start, delivery, pickup and peak load (Vidal et al.
2013, with loads as in PyVRP), so joining two pieces of route costs O(1).

`state` arrays (all int64 unless noted), shared by every function:
  nodes[r, k]: locations on route r; size[r]: how many (depots included); kind[r]: vehicle type
  before[r, k], after[r, k]: segments of nodes[r, :k+1] and nodes[r, k:size[r]]
  route_of[c], position[c]: where stop c is (-1: not on a route)
  counters[c]: how often stop c could not be put back (guides which stops to take out)
  pool[:]: stops waiting to be put back; counts = [number of routes, pool size]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit

Segment = tuple[int, int, int, int, int, int, int]
F = TypeVar("F", bound=Callable[..., Any])


def compiled(function: F) -> F:
    """Compile with Numba, cached on disk (`make install` compiles once, ahead of any run)."""
    return cast(F, njit(cache=True)(function))


# Fields of `counts`.
ROUTES, POOL = 0, 1
# Fields of `settings`.
MAX_EJECTED, PERTURB_MOVES, SQUEEZE_STEPS, SEARCH_LIMIT = 0, 1, 2, 3


@compiled
def seed(value: int) -> None:
    """Numba keeps its own random state; seed it so a run can be repeated."""
    np.random.seed(value)


@compiled
def join(a: Segment, b: Segment, travel: int) -> Segment:
    """Segment `a` followed by `b`, with `travel` from a's last to b's first location."""
    delta = a[0] - a[1] + travel
    wait = max(b[2] - delta - a[3], 0)
    warp = max(a[2] + delta - b[3], 0)
    early = max(b[2] - delta, a[2])
    late = min(b[3] - delta, a[3])
    load = max(a[6] + b[4], b[6] + a[5])
    return (
        a[0] + b[0] + travel + wait,
        a[1] + b[1] + warp,
        early - wait,
        late + warp,
        a[4] + b[4],
        a[5] + b[5],
        load,
    )


@compiled
def _row(table: Any, r: int, k: int) -> Segment:
    return (
        table[r, k, 0],
        table[r, k, 1],
        table[r, k, 2],
        table[r, k, 3],
        table[r, k, 4],
        table[r, k, 5],
        table[r, k, 6],
    )


@compiled
def _node(segments: Any, c: int) -> Segment:
    return (
        segments[c, 0],
        segments[c, 1],
        segments[c, 2],
        segments[c, 3],
        segments[c, 4],
        segments[c, 5],
        segments[c, 6],
    )


@compiled
def _fits(s: Segment, capacity: int) -> bool:
    return s[1] == 0 and s[6] <= capacity


@compiled
def _penalty(s: Segment, capacity: int, load_weight: float) -> float:
    excess = s[6] - capacity
    return s[1] + (load_weight * excess if excess > 0 else 0.0)


@compiled
def refresh(data: Any, state: Any, r: int) -> None:
    """Recompute route r's segments and where its stops are."""
    travel, segments, starts, ends = data[0], data[1], data[2], data[3]
    nodes, size, kind, before, after, route_of, position = state[:7]
    n = size[r]
    start = _node(starts, kind[r])
    end = _node(ends, kind[r])
    s = start
    for k in range(7):
        before[r, 0, k] = s[k]
    for i in range(1, n):
        node = end if i == n - 1 else _node(segments, nodes[r, i])
        s = join(s, node, travel[nodes[r, i - 1], nodes[r, i]])
        for k in range(7):
            before[r, i, k] = s[k]
    s = end
    for k in range(7):
        after[r, n - 1, k] = s[k]
    for i in range(n - 2, -1, -1):
        node = start if i == 0 else _node(segments, nodes[r, i])
        s = join(node, s, travel[nodes[r, i], nodes[r, i + 1]])
        for k in range(7):
            after[r, i, k] = s[k]
    for i in range(1, n - 1):
        route_of[nodes[r, i]] = r
        position[nodes[r, i]] = i


@compiled
def _between(data: Any, state: Any, r: int, first: int, last: int, c: int) -> Segment:
    """Route r's locations up to `first`, then stop c, then those from `last` on."""
    travel, segments = data[0], data[1]
    nodes, before, after = state[0], state[3], state[4]
    a, b = nodes[r, first], nodes[r, last]
    head = join(_row(before, r, first), _node(segments, c), travel[a, c])
    return join(head, _row(after, r, last), travel[c, b])


@compiled
def _insert_at(data: Any, state: Any, r: int, i: int, stop: int) -> None:
    """Put `stop` right after position i of route r."""
    nodes, size = state[0], state[1]
    for k in range(size[r], i + 1, -1):
        nodes[r, k] = nodes[r, k - 1]
    nodes[r, i + 1] = stop
    size[r] += 1
    refresh(data, state, r)


@compiled
def insert_anywhere(data: Any, state: Any, stop: int) -> bool:
    """Insert `stop` at a random feasible place (reservoir sampling); False if there is none."""
    segments, capacity = data[1], data[4]
    size, kind, before, counts = state[1], state[2], state[3], state[9]
    seg = _node(segments, stop)
    found, chosen_r, chosen_i = 0, -1, -1
    for r in range(counts[ROUTES]):
        cap = capacity[kind[r]]
        total = _row(before, r, size[r] - 1)
        if total[4] + seg[4] > cap or total[5] + seg[5] > cap:
            continue
        for i in range(size[r] - 1):
            if _fits(_between(data, state, r, i, i + 1, stop), cap):
                found += 1
                if np.random.randint(found) == 0:
                    chosen_r, chosen_i = r, i
    if found == 0:
        return False
    _insert_at(data, state, chosen_r, chosen_i, stop)
    return True


@compiled
def _apply(
    data: Any, state: Any, move: int, ru: int, rv: int, i: int, j: int, scratch: Any
) -> None:
    """Relocate u after v (0), swap u and v (1), or exchange tails after (2) / from (3) them."""
    nodes, size = state[0], state[1]
    nu, nv = size[ru], size[rv]
    if move == 0:
        u = nodes[ru, i]
        for k in range(i, nu - 1):
            nodes[ru, k] = nodes[ru, k + 1]
        size[ru] -= 1
        for k in range(nv, j + 1, -1):
            nodes[rv, k] = nodes[rv, k - 1]
        nodes[rv, j + 1] = u
        size[rv] += 1
    elif move == 1:
        u = nodes[ru, i]
        nodes[ru, i] = nodes[rv, j]
        nodes[rv, j] = u
    else:
        cut_u, cut_v = (i + 1, j + 1) if move == 2 else (i, j)
        # scratch keeps u's tail while v's tail is copied over it
        tail = nu - cut_u
        for k in range(tail):
            scratch[k] = nodes[ru, cut_u + k]
        for k in range(nv - cut_v):
            nodes[ru, cut_u + k] = nodes[rv, cut_v + k]
        size[ru] = cut_u + nv - cut_v
        for k in range(tail):
            nodes[rv, cut_v + k] = scratch[k]
        size[rv] = cut_v + tail
    refresh(data, state, ru)
    refresh(data, state, rv)


@compiled
def _moves(
    data: Any, state: Any, ru: int, i: int, rv: int, j: int, move: int
) -> tuple[Segment, Segment, bool]:
    """The two routes' segments after a move between stop u (ru, i) and v (rv, j)."""
    travel, kinds = data[0], state[2]
    nodes, size, before, after = state[0], state[1], state[3], state[4]
    u, v = nodes[ru, i], nodes[rv, j]
    nu, nv = size[ru], size[rv]
    empty = _row(before, ru, 0)
    if move == 0:
        if nu <= 3:
            return empty, empty, False
        a = join(
            _row(before, ru, i - 1),
            _row(after, ru, i + 1),
            travel[nodes[ru, i - 1], nodes[ru, i + 1]],
        )
        return a, _between(data, state, rv, j, j + 1, u), True
    if move == 1:
        a = _between(data, state, ru, i - 1, i + 1, v)
        return a, _between(data, state, rv, j - 1, j + 1, u), True
    if kinds[ru] != kinds[rv]:  # tails end at the vehicle's own depot
        return empty, empty, False
    if move == 2:
        if i == nu - 2 and j == nv - 2:
            return empty, empty, False
        a = join(_row(before, ru, i), _row(after, rv, j + 1), travel[u, nodes[rv, j + 1]])
        b = join(_row(before, rv, j), _row(after, ru, i + 1), travel[v, nodes[ru, i + 1]])
        return a, b, True
    if i == 1 and j == 1:
        return empty, empty, False
    a = join(_row(before, ru, i - 1), _row(after, rv, j), travel[nodes[ru, i - 1], v])
    b = join(_row(before, rv, j - 1), _row(after, ru, i), travel[nodes[rv, j - 1], u])
    return a, b, True


@compiled
def perturb(data: Any, state: Any, moves: int, scratch: Any) -> None:
    """Random feasible moves between neighbouring routes, to keep the search from circling."""
    capacity, near = data[4], data[5]
    kind, route_of, position = state[2], state[5], state[6]
    counts = state[9]
    depots = data[6]
    n = route_of.shape[0]
    if counts[ROUTES] < 2:
        return
    for _ in range(moves):
        u = np.random.randint(depots, n)
        if route_of[u] < 0:
            continue
        v = near[u, np.random.randint(near.shape[1])]
        if v < 0 or route_of[v] < 0 or route_of[v] == route_of[u]:
            continue
        ru, rv = route_of[u], route_of[v]
        i, j = position[u], position[v]
        move = np.random.randint(3)
        a, b, ok = _moves(data, state, ru, i, rv, j, move)
        if ok and _fits(a, capacity[kind[ru]]) and _fits(b, capacity[kind[rv]]):
            _apply(data, state, move, ru, rv, i, j, scratch)


@compiled
def _repair(data: Any, state: Any, ru: int, load_weight: float, scratch: Any) -> bool:
    """Apply the move from route ru to a neighbouring route that lowers the breach the most."""
    capacity, near = data[4], data[5]
    nodes, size, kind, before, route_of, position = (
        state[0],
        state[1],
        state[2],
        state[3],
        state[5],
        state[6],
    )
    cap_u = capacity[kind[ru]]
    base_u = _penalty(_row(before, ru, size[ru] - 1), cap_u, load_weight)
    best_gain, best_move, best_rv, best_i, best_j = 0.0, -1, -1, -1, -1
    for i in range(1, size[ru] - 1):
        u = nodes[ru, i]
        for t in range(near.shape[1]):
            v = near[u, t]
            if v < 0:
                break
            rv = route_of[v]
            if rv < 0 or rv == ru:
                continue
            j = position[v]
            cap_v = capacity[kind[rv]]
            base = base_u + _penalty(_row(before, rv, size[rv] - 1), cap_v, load_weight)
            for move in range(4):
                a, b, ok = _moves(data, state, ru, i, rv, j, move)
                if not ok:
                    continue
                gain = base - _penalty(a, cap_u, load_weight) - _penalty(b, cap_v, load_weight)
                if gain > best_gain:
                    best_gain, best_move, best_rv, best_i, best_j = gain, move, rv, i, j
    if best_move < 0:
        return False
    _apply(data, state, best_move, ru, best_rv, best_i, best_j, scratch)
    return True


@compiled
def squeeze(
    data: Any, state: Any, stop: int, steps: int, load_weight: float, saved: Any, scratch: Any
) -> bool:
    """Insert `stop` where it breaks the least, then repair with moves that reduce the breach.

    Restores the plan and returns False when the repair gets stuck first.
    """
    capacity = data[4]
    size, kind, before = state[1], state[2], state[3]
    counts = state[9]
    best, chosen_r, chosen_i = np.inf, -1, -1
    for r in range(counts[ROUTES]):
        for i in range(size[r] - 1):
            p = _penalty(_between(data, state, r, i, i + 1, stop), capacity[kind[r]], load_weight)
            if p < best:
                best, chosen_r, chosen_i = p, r, i
    if chosen_r < 0:
        return False
    _copy_plan(saved, state)
    _insert_at(data, state, chosen_r, chosen_i, stop)
    broken = np.empty(counts[ROUTES], dtype=np.int64)
    for _ in range(steps):
        m = 0
        for r in range(counts[ROUTES]):
            if _penalty(_row(before, r, size[r] - 1), capacity[kind[r]], load_weight) > 0:
                broken[m] = r
                m += 1
        if m == 0:
            return True
        if not _repair(data, state, broken[np.random.randint(m)], load_weight, scratch):
            break
    _copy_plan(state, saved)
    return False


@compiled
def _copy_plan(target: Any, source: Any) -> None:
    """Copy the routes, their segments and where each stop is (the vehicle types never change)."""
    target[0][:] = source[0]
    target[1][:] = source[1]
    target[3][:] = source[3]
    target[4][:] = source[4]
    target[5][:] = source[5]
    target[6][:] = source[6]


@compiled
def eject(
    data: Any,
    state: Any,
    stop: int,
    settings: Any,
    frames: Any,
    frame_segments: Any,
    kept: Any,
    best_nodes: Any,
) -> bool:
    """Force `stop` into some route, taking out the stops with the least total counter.

    For each route a depth-first search in route order decides, stop by stop, to keep it or
    take it out, and places `stop` once. Prefixes with time warp or excess load are cut (neither
    shrinks by appending more), as are branches whose counter sum cannot beat the best so far.
    The stops taken out go to the pool.
    """
    travel, segments, capacity = data[0], data[1], data[4]
    nodes, size, kind, before, after, route_of, position, counters, pool, counts = state
    max_ejected, limit = settings[MAX_EJECTED], settings[SEARCH_LIMIT]
    seg = _node(segments, stop)
    best_sum = max_ejected * counters.max() + 1
    best_r, best_size, ties = -1, 0, 0
    order = np.random.permutation(counts[ROUTES])
    for r in order:
        cap = capacity[kind[r]]
        last_index = size[r] - 1
        budget = limit
        # frame: i, last, placed, out, psum, state (0 place, 1 take out, 2 keep, 3 done), kept
        depth = 0
        (
            frames[0, 0],
            frames[0, 1],
            frames[0, 2],
            frames[0, 3],
            frames[0, 4],
            frames[0, 5],
            frames[0, 6],
        ) = 1, nodes[r, 0], 0, 0, 0, 0, 0
        s0 = _row(before, r, 0)
        for k in range(7):
            frame_segments[0, k] = s0[k]
        entering = True
        while depth >= 0:
            i, last, placed = frames[depth, 0], frames[depth, 1], frames[depth, 2]
            out, psum, step, n_kept = (
                frames[depth, 3],
                frames[depth, 4],
                frames[depth, 5],
                frames[depth, 6],
            )
            s = (
                frame_segments[depth, 0],
                frame_segments[depth, 1],
                frame_segments[depth, 2],
                frame_segments[depth, 3],
                frame_segments[depth, 4],
                frame_segments[depth, 5],
                frame_segments[depth, 6],
            )
            if entering:
                entering = False
                budget -= 1
                if budget < 0:
                    break
                if placed and out:
                    closed = join(s, _row(after, r, i), travel[last, nodes[r, i]])
                    if _fits(closed, cap):
                        better = psum < best_sum
                        if not better and psum == best_sum:
                            ties += 1
                            better = np.random.randint(ties) == 0
                        elif better:
                            ties = 1
                        if better:
                            best_sum, best_r = psum, r
                            best_nodes[0] = nodes[r, 0]
                            for k in range(n_kept):
                                best_nodes[1 + k] = kept[k]
                            m = 1 + n_kept
                            for k in range(i, size[r]):
                                best_nodes[m] = nodes[r, k]
                                m += 1
                            best_size = m
                if placed and not (out < max_ejected and psum + 1 < best_sum):
                    depth -= 1
                    continue
            frames[depth, 5] = step + 1
            child_i, child_last, child_placed, child_out, child_psum, child_kept = (
                i,
                last,
                placed,
                out,
                psum,
                n_kept,
            )
            child = s
            push = False
            if step == 0:
                if not placed:
                    joined = join(s, seg, travel[last, stop])
                    if _fits(joined, cap):
                        kept[n_kept] = stop
                        child, child_last, child_placed, child_kept = joined, stop, 1, n_kept + 1
                        push = True
            elif step == 1:
                if i < last_index:
                    c = nodes[r, i]
                    if out < max_ejected and psum + counters[c] < best_sum:
                        child_i, child_out, child_psum = i + 1, out + 1, psum + counters[c]
                        push = True
            elif step == 2:
                if i < last_index:
                    c = nodes[r, i]
                    joined = join(s, _node(segments, c), travel[last, c])
                    if _fits(joined, cap):
                        kept[n_kept] = c
                        child, child_i, child_last, child_kept = joined, i + 1, c, n_kept + 1
                        push = True
            else:
                depth -= 1
                continue
            if push:
                depth += 1
                frames[depth, 0], frames[depth, 1], frames[depth, 2] = (
                    child_i,
                    child_last,
                    child_placed,
                )
                frames[depth, 3], frames[depth, 4], frames[depth, 5], frames[depth, 6] = (
                    child_out,
                    child_psum,
                    0,
                    child_kept,
                )
                for k in range(7):
                    frame_segments[depth, k] = child[k]
                entering = True
    if best_r < 0:
        return False
    r = best_r
    for k in range(1, size[r] - 1):
        route_of[nodes[r, k]] = -2  # on the old route; stays -2 if taken out
    for k in range(best_size):
        nodes[r, k] = best_nodes[k]
    size[r] = best_size
    refresh(data, state, r)
    n = route_of.shape[0]
    for c in range(n):
        if route_of[c] == -2:
            route_of[c] = -1
            position[c] = -1
            pool[counts[POOL]] = c
            counts[POOL] += 1
    return True


@compiled
def drop_route(data: Any, state: Any) -> None:
    """Delete a random route and put its stops in the pool, in random order."""
    nodes, size, kind = state[0], state[1], state[2]
    route_of, position, pool, counts = state[5], state[6], state[8], state[9]
    r = np.random.randint(counts[ROUTES])
    stops = nodes[r, 1 : size[r] - 1].copy()
    np.random.shuffle(stops)
    for c in stops:
        route_of[c] = -1
        position[c] = -1
        pool[counts[POOL]] = c
        counts[POOL] += 1
    last = counts[ROUTES] - 1
    if r != last:
        nodes[r, :] = nodes[last, :]
        size[r] = size[last]
        kind[r] = kind[last]
        refresh(data, state, r)
    counts[ROUTES] -= 1


@compiled
def search(
    data: Any, state: Any, settings: Any, iterations: int, load_weight: float, work: Any
) -> int:
    """Put pooled stops back for up to `iterations` steps; returns the steps taken.

    Each step pops the last pooled stop: a feasible insertion if there is one, else a squeeze,
    else it is forced in by ejection (its counter grows) followed by random moves.
    """
    counters, pool, counts = state[7], state[8], state[9]
    saved, scratch, frames, frame_segments, kept, best_nodes = work
    done = 0
    while counts[POOL] > 0 and done < iterations:
        done += 1
        counts[POOL] -= 1
        stop = pool[counts[POOL]]
        if insert_anywhere(data, state, stop):
            continue
        if settings[SQUEEZE_STEPS] > 0 and squeeze(
            data, state, stop, settings[SQUEEZE_STEPS], load_weight, saved, scratch
        ):
            continue
        counters[stop] += 1
        if not eject(data, state, stop, settings, frames, frame_segments, kept, best_nodes):
            for k in range(counts[POOL], 0, -1):  # try it again last
                pool[k] = pool[k - 1]
            pool[0] = stop
            counts[POOL] += 1
        perturb(data, state, settings[PERTURB_MOVES], scratch)
    return done
