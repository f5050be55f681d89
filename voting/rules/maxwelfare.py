"""Exact maximum utilitarian welfare (0/1 knapsack), the efficiency benchmark.

Depth-first branch and bound over projects sorted by satisfaction per unit of cost, bounded by the
fractional relaxation; profits and costs are exact integers. Among several optimal sets it returns the
first one met in that order (most efficient projects first, ties by id), which pabutools' ILP solver
does not promise: compare welfare values, not sets, when the optimum is not unique.
"""

from __future__ import annotations

from voting.compiled import Compiled


def max_welfare(data: Compiled, initial=()) -> list[int]:
    """Projects (indices) that maximise total satisfaction within the budget (after `initial`)."""
    chosen = set(initial)
    totals = data.mes_totals()
    capacity = data.budget - int(sum(int(data.costs[p]) for p in chosen))
    free = [p for p in range(len(data.ids)) if p not in chosen and data.costs[p] == 0 and totals[p] > 0]
    items = [
        p for p in range(len(data.ids)) if p not in chosen and 0 < data.costs[p] <= capacity and totals[p] > 0
    ]
    items.sort(key=lambda p: (-totals[p] / int(data.costs[p]), data.rank[p]))
    weights = [int(data.costs[p]) for p in items]
    profits = [int(totals[p]) for p in items]
    n = len(items)
    best_profit = -1
    best_set: list[int] = []
    taken: list[int] = []

    def bound(i: int, room: int, profit: int) -> float:
        value = float(profit)
        while i < n and weights[i] <= room:
            room -= weights[i]
            value += profits[i]
            i += 1
        if i < n:
            value += profits[i] * room / weights[i]
        return value

    # Iterative DFS: (index, room, profit, decision) with explicit stack to avoid recursion limits.
    stack = [(0, capacity, 0, 0)]
    while stack:
        i, room, profit, depth = stack.pop()
        del taken[depth:]
        if i == n or room == 0:
            if profit > best_profit:
                best_profit, best_set = profit, list(taken)
            continue
        if bound(i, room, profit) < best_profit + 1 - 1e-9 * max(1.0, best_profit):
            continue
        # push "skip" first so that "take" is explored first
        stack.append((i + 1, room, profit, depth))
        if weights[i] <= room:
            taken.append(items[i])
            stack.append((i + 1, room - weights[i], profit + profits[i], depth + 1))
            # the taken list for the skip branch is restored by the `del taken[depth:]` above
    return free + sorted(best_set, key=lambda p: items.index(p))
