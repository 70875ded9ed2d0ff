"""Base landscapes: a registry of small picklable classes that know their exact global minimum.

Every landscape works in its own coordinates `z` (the bank's transforms map a candidate's `x` onto `z`).
`f(Z)` takes a batch of rows so verification can sample densely; `grad(z)` is analytic (a subgradient for the
non-smooth ones). `z_star`/`f_star` are exact: `f_star` is `f(z_star)` as this very code computes it.
`local_guesses` are starting points the build polishes into the notable local minima it records.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from harness.errors import BankError

REGISTRY: dict[str, Callable[[int], "Landscape"]] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator adding a landscape under `name`; a second landscape with the same name is refused."""

    def add(cls: type) -> type:
        if name in REGISTRY:
            raise ValueError(f"landscape {name!r} is registered twice ({REGISTRY[name]!r} and {cls!r})")
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return add


def make_landscape(name: str, dim: int) -> "Landscape":
    """The registered landscape `name` in `dim` dimensions; BankError if unknown or the dimension is refused."""
    if name not in REGISTRY:
        raise BankError(f"unknown landscape {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](dim)


class Landscape:
    """Common frame: dimension checks, exact minimum, typical search half-width and success target."""

    name = "landscape"
    fixed_dim: int | None = None  # the only dimension this landscape exists in, when there is one
    half_width = 5.0  # candidates search x* +- about this (COCO's [-5, 5])
    target = 1e-6  # success gap in this landscape's own units (the bank multiplies by its output scale)
    smooth = True  # False: grad() is a subgradient and finite differences are meaningless at kinks
    deceptive = False  # True: local_guesses[0] is a decoy basin whose starts trap a local descent
    basin_radius = 0.0  # for deceptive landscapes: radius (in z) around the decoy that is surely its basin

    def __init__(self, dim: int) -> None:
        if self.fixed_dim is not None and dim != self.fixed_dim:
            raise BankError(f"landscape {self.name!r} exists only in {self.fixed_dim}-D, not {dim}-D")
        if dim < 1:
            raise BankError(f"landscape {self.name!r}: dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self.z_star = self._minimizer()
        self.f_star = float(self.f(self.z_star[None, :])[0])

    def _minimizer(self) -> np.ndarray:
        return np.zeros(self.dim)

    def f(self, Z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def local_guesses(self) -> list[np.ndarray]:
        return []


def _ramp(dim: int, top: float) -> np.ndarray:
    """COCO's per-axis weights top**(i/(D-1)), i = 0..D-1 (all 1 in 1-D)."""
    if dim == 1:
        return np.ones(1)
    return top ** (np.arange(dim) / (dim - 1))


def _scalar_root(fn: Callable[[float], float], dfn: Callable[[float], float], x: float) -> float:
    """Newton's method in plain Python floats (same bits on every machine)."""
    for _ in range(100):
        step = fn(x) / dfn(x)
        x -= step
        if abs(step) <= 1e-17 * max(1.0, abs(x)):
            break
    return x


def _st_slope(t: float) -> float:
    return 2.0 * t**3 - 16.0 * t + 2.5


def _st_curvature(t: float) -> float:
    return 6.0 * t * t - 16.0


def _dw_slope(t: float) -> float:
    return 4.0 * t**3 - 4.0 * t + 0.3


def _dw_curvature(t: float) -> float:
    return 12.0 * t * t - 4.0


@register("sphere")
class Sphere(Landscape):
    def f(self, Z: np.ndarray) -> np.ndarray:
        return np.sum(Z * Z, axis=1)

    def grad(self, z: np.ndarray) -> np.ndarray:
        return 2.0 * z


@register("ellipsoid")
class Ellipsoid(Landscape):
    """Axis weights 1 .. 1e6: condition number 1e6 (BBOB f2)."""

    target = 1e-4

    def __init__(self, dim: int) -> None:
        self.weights = _ramp(dim, 1e6)
        super().__init__(dim)

    def f(self, Z: np.ndarray) -> np.ndarray:
        return (Z * Z) @ self.weights

    def grad(self, z: np.ndarray) -> np.ndarray:
        return 2.0 * self.weights * z


@register("rosenbrock")
class Rosenbrock(Landscape):
    """sum 100 (z_{i+1} - z_i^2)^2 + (1 - z_i)^2; minimum 0 at (1, ..., 1); a local one near (-1, 1, ...) from 4-D."""

    target = 1e-4

    def __init__(self, dim: int) -> None:
        if dim < 2:
            raise BankError("landscape 'rosenbrock' needs dim >= 2")
        super().__init__(dim)

    def _minimizer(self) -> np.ndarray:
        return np.ones(self.dim)

    def f(self, Z: np.ndarray) -> np.ndarray:
        a, b = Z[:, :-1], Z[:, 1:]
        return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2, axis=1)

    def grad(self, z: np.ndarray) -> np.ndarray:
        g = np.zeros_like(z)
        a, b = z[:-1], z[1:]
        g[:-1] += -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
        g[1:] += 200.0 * (b - a * a)
        return g

    def local_guesses(self) -> list[np.ndarray]:
        if self.dim < 4:
            return []
        z = np.ones(self.dim)
        z[0] = -1.0
        return [z]


@register("rastrigin")
class Rastrigin(Landscape):
    """10 D + sum z^2 - 10 cos(2 pi z): a lattice of local minima around 0; the nearest ones cost ~1."""

    target = 1e-2

    def f(self, Z: np.ndarray) -> np.ndarray:
        return 10.0 * Z.shape[1] + np.sum(Z * Z - 10.0 * np.cos(2.0 * np.pi * Z), axis=1)

    def grad(self, z: np.ndarray) -> np.ndarray:
        return 2.0 * z + 20.0 * np.pi * np.sin(2.0 * np.pi * z)

    def local_guesses(self) -> list[np.ndarray]:
        z = np.zeros(self.dim)
        z[0] = 1.0
        return [z]


@register("styblinski_tang")
class StyblinskiTang(Landscape):
    """1/2 sum z^4 - 16 z^2 + 5 z: minimum -39.16616570377142 D at z_i = -2.903534027771178 (2^D minima)."""

    target = 1e-3
    deceptive = True  # local_guesses[0] flips one coordinate: 14.1 worse, far from the global minimum
    basin_radius = 1.0

    def __init__(self, dim: int) -> None:
        self.z_low = _scalar_root(_st_slope, _st_curvature, -2.9)
        self.z_high = _scalar_root(_st_slope, _st_curvature, 2.75)
        super().__init__(dim)

    def _minimizer(self) -> np.ndarray:
        return np.full(self.dim, self.z_low)

    def f(self, Z: np.ndarray) -> np.ndarray:
        return 0.5 * np.sum(Z**4 - 16.0 * Z * Z + 5.0 * Z, axis=1)

    def grad(self, z: np.ndarray) -> np.ndarray:
        return 2.0 * z**3 - 16.0 * z + 2.5

    def local_guesses(self) -> list[np.ndarray]:
        one = np.full(self.dim, self.z_low)
        one[0] = self.z_high
        return [one, np.full(self.dim, self.z_high)] if self.dim > 1 else [one]


@register("lunacek")
class Lunacek(Landscape):
    """Lunacek bi-Rastrigin (BBOB f24 without its own rotations): the global funnel at mu0 = 2.5 beside a
    wider second funnel at mu1 < 0 that is at least D higher; Rastrigin ripples on both."""

    target = 1e-2
    deceptive = True

    def __init__(self, dim: int) -> None:
        if dim < 2:
            raise BankError("landscape 'lunacek' needs dim >= 2 (its funnel constant is undefined in 1-D)")
        self.mu0 = 2.5
        self.s = 1.0 - 1.0 / (2.0 * math.sqrt(dim + 20.0) - 8.2)
        self.mu1 = -math.sqrt((self.mu0**2 - 1.0) / self.s)
        self.basin_radius = 0.3
        super().__init__(dim)

    def _minimizer(self) -> np.ndarray:
        return np.full(self.dim, self.mu0)

    def f(self, Z: np.ndarray) -> np.ndarray:
        d = Z.shape[1]
        first = np.sum((Z - self.mu0) ** 2, axis=1)
        second = d + self.s * np.sum((Z - self.mu1) ** 2, axis=1)
        ripple = 10.0 * (d - np.sum(np.cos(2.0 * np.pi * (Z - self.mu0)), axis=1))
        return np.minimum(first, second) + ripple

    def grad(self, z: np.ndarray) -> np.ndarray:
        first = np.sum((z - self.mu0) ** 2)
        second = z.size + self.s * np.sum((z - self.mu1) ** 2)
        funnel = 2.0 * (z - self.mu0) if first <= second else 2.0 * self.s * (z - self.mu1)
        return funnel + 20.0 * np.pi * np.sin(2.0 * np.pi * (z - self.mu0))

    def local_guesses(self) -> list[np.ndarray]:
        # the Rastrigin lattice point nearest mu1 (lattice is centred on mu0)
        return [np.full(self.dim, self.mu0 + round(self.mu1 - self.mu0))]


@register("abs_sum")
class AbsSum(Landscape):
    """sum w_i |z_i| with weights 1 .. 10: a kink along every axis, the minimum at a corner of kinks."""

    smooth = False
    target = 1e-3

    def __init__(self, dim: int) -> None:
        self.weights = _ramp(dim, 10.0)
        super().__init__(dim)

    def f(self, Z: np.ndarray) -> np.ndarray:
        return np.abs(Z) @ self.weights

    def grad(self, z: np.ndarray) -> np.ndarray:
        return self.weights * np.sign(z)


@register("sharp_ridge")
class SharpRidge(Landscape):
    """z_1^2 + 100 sqrt(sum_{i>1} z_i^2) (BBOB f13): a sharp ridge to follow down to the minimum."""

    smooth = False
    target = 1e-3

    def __init__(self, dim: int) -> None:
        if dim < 2:
            raise BankError("landscape 'sharp_ridge' needs dim >= 2")
        super().__init__(dim)

    def f(self, Z: np.ndarray) -> np.ndarray:
        return Z[:, 0] ** 2 + 100.0 * np.sqrt(np.sum(Z[:, 1:] ** 2, axis=1))

    def grad(self, z: np.ndarray) -> np.ndarray:
        g = np.zeros_like(z)
        g[0] = 2.0 * z[0]
        norm = math.sqrt(float(np.sum(z[1:] ** 2)))
        if norm > 0.0:
            g[1:] = 100.0 * z[1:] / norm
        return g


@register("double_well")
class DoubleWell(Landscape):
    """1-D (z^2 - 1)^2 + 0.3 z: the global well near -1.04, a decoy well near +0.96 that is 0.6 higher."""

    fixed_dim = 1
    half_width = 3.0
    target = 1e-4
    deceptive = True
    basin_radius = 0.5

    def _minimizer(self) -> np.ndarray:
        return np.array([_scalar_root(_dw_slope, _dw_curvature, -1.0)])

    def f(self, Z: np.ndarray) -> np.ndarray:
        z = Z[:, 0]
        return (z * z - 1.0) ** 2 + 0.3 * z

    def grad(self, z: np.ndarray) -> np.ndarray:
        return np.array([4.0 * z[0] ** 3 - 4.0 * z[0] + 0.3])

    def local_guesses(self) -> list[np.ndarray]:
        return [np.array([_scalar_root(_dw_slope, _dw_curvature, 1.0)])]


class TwoWells(Landscape):
    """A gentle bowl b |z - g|^2 with two compact C^2 wells -A (1 - r^2/R^2)^3: the global one centred on the
    bowl's bottom g (so z* = g and f* = -A_g exactly) and a decoy at c whose support does not reach g."""

    deceptive = True

    def _setup(self, g, r_g, a_g, c, r_c, a_c, bowl) -> None:
        self.g, self.c = np.asarray(g, float), np.asarray(c, float)
        self.r_g, self.a_g, self.r_c, self.a_c, self.bowl = float(r_g), float(a_g), float(r_c), float(a_c), float(bowl)
        self.basin_radius = 0.5 * self.r_c
        if np.linalg.norm(self.g - self.c) <= self.r_c:
            raise BankError(f"{self.name}: the decoy well must not reach the global minimum")

    def _minimizer(self) -> np.ndarray:
        return self.g.copy()

    @staticmethod
    def _well(D2: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """(1 - t^2)^3 and its derivative with respect to r^2, zero outside the support."""
        u = np.clip(1.0 - D2 / (radius * radius), 0.0, None)
        return u**3, -3.0 * u * u / (radius * radius)

    def f(self, Z: np.ndarray) -> np.ndarray:
        dg2 = np.sum((Z - self.g) ** 2, axis=1)
        dc2 = np.sum((Z - self.c) ** 2, axis=1)
        return self.bowl * dg2 - self.a_g * self._well(dg2, self.r_g)[0] - self.a_c * self._well(dc2, self.r_c)[0]

    def grad(self, z: np.ndarray) -> np.ndarray:
        dg, dc = z - self.g, z - self.c
        wg = self._well(np.array([dg @ dg]), self.r_g)[1][0]
        wc = self._well(np.array([dc @ dc]), self.r_c)[1][0]
        return 2.0 * self.bowl * dg - 2.0 * self.a_g * wg * dg - 2.0 * self.a_c * wc * dc

    def local_guesses(self) -> list[np.ndarray]:
        return [self.c.copy()]


@register("two_wells")
class DecoyWells(TwoWells):
    """D-dimensional deceptive landscape: a narrow deep global well at 0, a wide shallower decoy 2.5 away."""

    target = 1e-3

    def __init__(self, dim: int) -> None:
        self._setup(np.zeros(dim), 1.0, 10.0, np.full(dim, 2.5 / math.sqrt(dim)), 2.0, 8.0, 0.5)
        super().__init__(dim)


@register("take_home")
class TakeHome(TwoWells):
    """The classic take-home's 2-D landscape, in the hundreds: the usual start (600, 600) sits in a local well
    at (640, 540), on the way to the global minimum -20 at (800, 300), which descent from (750, 500) reaches."""

    fixed_dim = 2
    half_width = 500.0
    target = 1e-2
    bounds = ((0.0, 1000.0), (0.0, 1000.0))
    usual_start = (600.0, 600.0)
    start_half_width = 15.0  # starts in [585, 615]^2: all inside the local well's basin

    def __init__(self, dim: int) -> None:
        self._setup((800.0, 300.0), 230.0, 20.0, (640.0, 540.0), 100.0, 12.0, 1e-4)
        super().__init__(dim)
