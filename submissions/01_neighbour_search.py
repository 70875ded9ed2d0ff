"""Rung 1 of the shipped ladder: the classic article's neighbour search (2-D only, fixed start, prints its answer).

`gradient` returns the best neighbouring point and the change in value, not a vector of partial derivatives;
`minimize` ignores any start it is given, begins at (600, 600), walks in steps of 1 until no neighbour is lower,
and prints the minimum point instead of returning it. Written for this project to show what the harness says.
"""


def gradient(func, x):
    """Look at the 8 neighbours one step away and return the best one with its improvement."""
    best_point, best_value = x, func(x)
    start_value = best_value
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            point = (x[0] + dx, x[1] + dy)
            value = func(point)
            if value < best_value:
                best_point, best_value = point, value
    return best_point, start_value - best_value


def minimize(func, debug=False):
    point = (600, 600)
    while True:
        new_point, difference = gradient(func, point)
        if debug:
            print(point, difference)
        if difference <= 0:
            break
        point = new_point
    print("Minimum Point: ({}, {})".format(point[0], point[1]))
