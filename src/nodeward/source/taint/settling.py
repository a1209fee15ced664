"""Whether a binding pass already saw the bindings it left: then another pass repeats it.

FunctionAnalysis.run replays a unit's bindings until they hold still, and a pass that
changed anything used to be followed by one more that only confirmed it: a third of the
binding work of a typical unit. That pass is needed only when some read came too early:
a variable (or its property writes) read before a later binding of the same pass changed
it, or a module-level variable read before anyone changed it (the unit's callees write
the file's module variables too). When no read came too early, every evaluation of the
pass saw the final bindings, so a further pass would read the same values, evaluate the
same expressions to the same results and write the same bindings: its evaluations are
this pass's, and the check pass can reuse them (FunctionAnalysis._carry).

The unit's own bindings say when they change a variable it read; the module variables,
which other units write as well, are compared at the end of the pass with what each read
saw.
"""

from __future__ import annotations

from collections.abc import Mapping

from nodeward.source.taint.values import CLEAN, Taint

Var = tuple[str, int]


class PassReads:
    """What one binding pass read, and whether a binding changed it afterwards."""

    def __init__(self) -> None:
        self._read: set[Var] = set()  # variables read (their value or property writes)
        self._module: dict[str, Taint] = {}  # module variables: the value first read
        self._late = False  # a variable changed after it was read

    def read(self, var: Var) -> None:
        self._read.add(var)

    def read_module(self, name: str, value: Taint) -> None:
        first = self._module.setdefault(name, value)
        if first != value:
            self._late = True  # it changed between two reads of this pass

    def changed(self, var: Var) -> None:
        """A binding of this pass changed `var` (its value or a property write)."""
        if var in self._read:
            self._late = True

    def settled(self, module_vars: Mapping[str, Taint]) -> bool:
        """Whether every read of the pass saw the value the pass ended with."""
        return not self._late and all(
            module_vars.get(name, CLEAN) == first for name, first in self._module.items()
        )
