"""Call plans from signatures: how the child should call the candidate's `minimize` and `gradient`.

Parameters are matched to roles by name (harness.load.names): the function ("func"), the point ("x0" for
minimize, "x" for gradient) and the box ("bounds"). Roles go positionally while the leading parameters have
them, then by keyword. Every departure from `minimize(func, x0)` / `gradient(func, x)` is written into
`CallPlan.note`, which the report shows.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from harness.load.names import param_role
from harness.load.scan import FuncInfo
from harness.results import CallPlan, Phase

OWN_START = "runs from its own start; starts could not be varied"


@dataclass(frozen=True)
class _Param:
    name: str
    positional: bool
    positional_only: bool
    required: bool


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, drop_first: bool) -> tuple[
        list[_Param], bool, bool]:
    """(parameters, has *args, has **kwargs), without `self`/`cls` when `drop_first`."""
    a = node.args
    positional = a.posonlyargs + a.args
    first_default = len(positional) - len(a.defaults)
    params = [_Param(p.arg, True, i < len(a.posonlyargs), i < first_default) for i, p in enumerate(positional)]
    params += [_Param(p.arg, False, False, d is None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if drop_first and params and params[0].positional:
        params = params[1:]
    return params, a.vararg is not None, a.kwarg is not None


def plan_call(info: FuncInfo, phase: Phase) -> CallPlan:
    """The CallPlan for one candidate function, its note saying every adapter used."""
    point = "x0" if phase is Phase.MINIMIZE else "x"
    shown = info.target
    if info.node is None:  # imported from outside the submission or built by a call: signature not visible
        origin = f"is built by `{info.built_by}` (line {info.line})" if info.built_by else \
            f"is imported from {info.imported_from}"
        return CallPlan(shown, ("func", point), note=f"{shown} {origin}; called as {shown}(func, {point})")
    params, star, starstar = _params(info.node, drop_first=info.owner is not None and not info.static)
    notes: list[str] = []
    roles = _roles(params, point, notes)
    args: list[str] = []
    kwargs: dict[str, str] = {}
    leading = True  # roles go positionally while every parameter so far had one
    for p in params:
        role = roles.get(p.name)
        if role is None:
            leading = leading and not p.positional
            continue
        if leading and p.positional and (role != "bounds" or p.positional_only):
            args.append(role)
        elif p.positional_only:
            leading = False
            notes.append(f"parameter '{p.name}' is positional-only after others the grader cannot fill; "
                         "the call will fail")
        else:
            kwargs[p.name] = role
    through = [r for r in ("func", point) if r not in args and r not in kwargs.values()]
    if through and (star and leading or starstar and not params):  # *args / a bare **kwargs take the rest
        for role in through:
            if star and leading:
                args.append(role)
            else:
                kwargs[role] = role
        call = ", ".join(args + [f"{k}={v}" for k, v in kwargs.items()])
        notes.append(f"takes {'*args' if star and leading else '**kwargs'}: called as {shown}({call})")
    placed = set(args) | set(kwargs.values())
    own_start = False
    if "func" not in placed:
        notes.append("takes no function parameter: it must find the objective itself (a global or a pickle), "
                     "which the grader does not provide; the call will likely fail")
    if point not in placed:
        if phase is Phase.MINIMIZE:
            own_start = True
            notes.insert(0, OWN_START)
        else:
            notes.append("takes no point parameter: the grader cannot say where to take the gradient")
    if point in args and "func" in args and args.index(point) < args.index("func"):
        notes.insert(0, f"arguments in reversed order: called as {shown}({', '.join(args)})")
    bounds = next((p.name for p in params if roles.get(p.name) == "bounds"), None)
    if bounds is not None:
        notes.append(f"parameter '{bounds}' receives the objective's bounds when the rubric allows it")
    missing = [p.name for p in params if p.required and p.name not in roles]
    if missing:
        notes.append(f"requires {', '.join(repr(m) for m in missing)}, which the grader cannot supply; give "
                     "defaults (the call will fail with a TypeError)")
    if isinstance(info.node, ast.AsyncFunctionDef):
        notes.append(f"{shown} is `async def`: calling it returns a coroutine, not a result")
    if info.alias_of:
        notes.insert(0, f"{shown} is another name for {info.alias_of}")
    elif info.name != phase.value:
        notes.insert(0, f"found as {shown} (taken for {phase.value})")
    if info.owner is not None:
        notes.insert(0, f"method of class {info.owner.name}: built as {info.owner.name}() and then called")
    return CallPlan(shown, tuple(args), kwargs, own_start, "; ".join(notes))


def _roles(params: list[_Param], point: str, notes: list[str]) -> dict[str, str]:
    """Parameter name -> role, by name first; unnamed required positionals fill a missing func, then point."""
    roles: dict[str, str] = {}
    for p in params:
        role = param_role(p.name)
        role = point if role == "point" else role
        if role and role not in roles.values():
            roles[p.name] = role
    unnamed = [p for p in params if p.name not in roles and p.required and p.positional]
    if "func" not in roles.values() and unnamed and (
            point not in roles.values() or params.index(unnamed[0]) < _index_role(params, roles, point)):
        roles[unnamed[0].name] = "func"
        notes.append(f"parameter '{unnamed.pop(0).name}' taken as the function")
    if point not in roles.values() and unnamed:
        roles[unnamed[0].name] = point
        notes.append(f"parameter '{unnamed.pop(0).name}' taken as the "
                     f"{'start point' if point == 'x0' else 'point'}")
    return roles


def _index_role(params: list[_Param], roles: dict[str, str], role: str) -> int:
    for i, p in enumerate(params):
        if roles.get(p.name) == role:
            return i
    return len(params)
