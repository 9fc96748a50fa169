#!/usr/bin/env python3
"""Writes tests/stencil/generated.rs: random #[stencil] bodies, each next to the same body
as a closure over the naive reference's reader, so that the test compares the kernel (which
runs its interior on lanes) with the rule evaluated one position at a time.

    python3 tools/lanes/generate_bodies.py > tests/stencil/generated.rs && cargo fmt

The grammar covers what the lane rewrite handles: reads at literal and loop offsets,
arithmetic, comparisons, `&&`/`||`/`!`, `if`/`else` as values and as statements with
assignments, `match` on a value, `min`/`max`/`abs`/`clamp`, casts, `let`, loops with
uniform bounds, local arrays, and a parameter. Integer bodies use wrapping arithmetic so
that debug builds never overflow; float bodies divide only by values at least 1.

Deterministic: the seed below fixes the file. Change it (or the grammar) and regenerate
to test other bodies.
"""

import random

SEED = 20261207
KERNELS_PER_TYPE = 24
MODES = ["skip", "constant", "nearest", "reflect", "mirror", "wrap", "valid"]
MODE_VARIANTS = {
    "skip": "Skip", "constant": "Constant", "nearest": "Nearest", "reflect": "Reflect",
    "mirror": "Mirror", "wrap": "Wrap", "valid": "Valid",
}


class Body:
    """A body written twice: `kernel` reads `x[[i, j]]`, `reference` reads `r(&[i, j])`."""

    def __init__(self, rng, ty):
        self.rng = rng
        self.ty = ty
        self.float = ty == "f64"
        self.locals = []

    def read(self, i, j):
        return (f"x[[{i}, {j}]]", f"r(&[{i}, {j}])")

    def lit(self):
        if self.float:
            v = self.rng.choice(["0.5", "1.25", "2.0", "-0.75", "3.0", "0.0"]) + "f64"
        else:
            v = str(self.rng.randint(-5, 5)) + "i32"
        v = f"({v})" if v.startswith("-") else v
        return (v, v)

    def leaf(self):
        roll = self.rng.random()
        if roll < 0.55:
            return self.read(self.rng.randint(-1, 1), self.rng.randint(-1, 1))
        if roll < 0.7 and self.locals:
            name = self.rng.choice(self.locals)
            return (name, name)
        if roll < 0.8:
            return ("k", "k")
        return self.lit()

    def binary(self, a, b, op):
        if self.float:
            if op == "/":
                return (f"({a[0]} / ({b[0]}.abs() + 1.0))", f"({a[1]} / ({b[1]}.abs() + 1.0))")
            return (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})")
        method = {"+": "wrapping_add", "-": "wrapping_sub", "*": "wrapping_mul"}.get(op)
        if method:
            return (f"{a[0]}.{method}({b[0]})", f"{a[1]}.{method}({b[1]})")
        return (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})")

    def cond(self, depth):
        roll = self.rng.random()
        if depth > 0 and roll < 0.2:
            a, b = self.cond(depth - 1), self.cond(depth - 1)
            op = self.rng.choice(["&&", "||"])
            return (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})")
        if depth > 0 and roll < 0.28:
            a = self.cond(depth - 1)
            return (f"!{a[0]}", f"!{a[1]}")
        a, b = self.expr(depth - 1), self.expr(depth - 1)
        op = self.rng.choice(["<", "<=", ">", ">=", "==", "!="] if not self.float else ["<", "<=", ">", ">="])
        return (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})")

    def expr(self, depth):
        if depth <= 0:
            return self.leaf()
        roll = self.rng.random()
        if roll < 0.4:
            ops = ["+", "-", "*"] + (["/"] if self.float else ["&", "|", "^"])
            return self.binary(self.expr(depth - 1), self.expr(depth - 1), self.rng.choice(ops))
        if roll < 0.52:
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            m = self.rng.choice(["min", "max"])
            return (f"{a[0]}.{m}({b[0]})", f"{a[1]}.{m}({b[1]})")
        if roll < 0.67:
            c, a, b = self.cond(depth - 1), self.expr(depth - 1), self.expr(depth - 1)
            return (f"(if {c[0]} {{ {a[0]} }} else {{ {b[0]} }})",
                    f"(if {c[1]} {{ {a[1]} }} else {{ {b[1]} }})")
        if roll < 0.74:
            a = self.expr(depth - 1)
            if self.float:
                return (f"{a[0]}.abs()", f"{a[1]}.abs()")
            return (f"{a[0]}.clamp(-20, 20)", f"{a[1]}.clamp(-20, 20)")
        if roll < 0.8:
            a = self.expr(depth - 1)
            if self.float:
                return (f"(({a[0]}) as i32 as f64)", f"(({a[1]}) as i32 as f64)")
            return (f"(({a[0]}) as i8 as i32)", f"(({a[1]}) as i8 as i32)")
        if roll < 0.86 and not self.float:
            a, b, c = self.expr(depth - 1), self.expr(depth - 1), self.expr(depth - 1)
            s = self.expr(depth - 1)
            return (f"(match {s[0]} & 3 {{ 0 => {a[0]}, 1 | 2 => {b[0]}, _ => {c[0]} }})",
                    f"(match {s[1]} & 3 {{ 0 => {a[1]}, 1 | 2 => {b[1]}, _ => {c[1]} }})")
        return self.leaf()

    def zero(self):
        return "0.0" if self.float else "0"

    def statements(self):
        """A few statements, then the value: (kernel lines, reference lines, value)."""
        kernel, reference = [], []
        for n in range(self.rng.randint(1, 3)):
            name = f"v{n}"
            e = self.expr(2)
            kernel.append(f"let mut {name} = {e[0]};")
            reference.append(f"let mut {name} = {e[1]};")
            self.locals.append(name)
        # A loop over offsets, accumulating.
        if self.rng.random() < 0.6:
            acc = self.rng.choice(self.locals)
            w = self.lit()
            add = self.binary((acc, acc), self.binary(self.read("d", 0), w, "*"), "+")
            kernel.append(f"for d in -1..=1 {{ {acc} = {add[0]}; }}")
            reference.append(f"for d in -1..=1 {{ {acc} = {add[1]}; }}")
        # An assignment under a condition on the position.
        if self.rng.random() < 0.6:
            target = self.rng.choice(self.locals)
            c, e = self.cond(1), self.expr(1)
            other = self.expr(1)
            zero = self.zero()
            kernel.append(f"if {c[0]} {{ {target} = {e[0]}; }} else if k > {zero} {{ {target} = {other[0]}; }}")
            reference.append(f"if {c[1]} {{ {target} = {e[1]}; }} else if k > {zero} {{ {target} = {other[1]}; }}")
        # A local array of reads.
        if self.rng.random() < 0.4:
            kernel.append("let row = [x[[0, -1]], x[[0, 0]], x[[0, 1]]];")
            reference.append("let row = [r(&[0, -1]), r(&[0, 0]), r(&[0, 1])];")
            self.locals.append("row[2]")
        value = self.expr(2)
        return kernel, reference, value


def main():
    rng = random.Random(SEED)
    out = []
    out.append("//! Generated by `tools/lanes/generate_bodies.py` (seed %d): do not edit by hand." % SEED)
    out.append("//!")
    out.append("//! Random bodies that run on lanes, each beside the same rule as a closure over the")
    out.append("//! naive reference's reader; `lanes_equal_the_scalar_rule_on_generated_bodies` compares")
    out.append("//! them on random shapes, layouts and parameters.")
    out.append("#![allow(")
    out.append("    clippy::all,")
    out.append("    clippy::pedantic,")
    out.append("    unused_mut,")
    out.append("    unused_parens,")
    out.append("    unused_variables,")
    out.append("    unused_assignments,")
    out.append("    reason = \"generated bodies, spelled as the generator writes them\"")
    out.append(")]")
    out.append("")
    out.append("use ndkernel::prelude::*;")
    out.append("")
    out.append("use crate::reference::{Mode, Read};")
    out.append("")
    cases = []
    for ty in ["f64", "i32"]:
        for n in range(KERNELS_PER_TYPE):
            body = Body(rng, ty)
            kernel, reference, value = body.statements()
            mode = rng.choice(MODES)
            name = f"g_{ty}_{n}"
            ktype = "f64" if ty == "f64" else "i32"
            out.append(f"#[stencil(mode = \"{mode}\", neighborhood = [(-1, 1), (-1, 1)])]")
            out.append(f"pub fn {name}(x: Rel<{ktype}>, k: {ktype}) -> {ktype} {{")
            for line in kernel:
                out.append(f"    {line}")
            out.append(f"    {value[0]}")
            out.append("}")
            out.append("")
            out.append(f"pub fn {name}_ref(r: Read<'_, {ktype}>, k: {ktype}) -> {ktype} {{")
            for line in reference:
                out.append(f"    {line}")
            out.append(f"    {value[1]}")
            out.append("}")
            out.append("")
            cases.append((name, ty, MODE_VARIANTS[mode]))
    for ty in ["f64", "i32"]:
        ktype = "f64" if ty == "f64" else "i32"
        rows = [c for c in cases if c[1] == ty]
        out.append(f"/// Every generated `{ty}` kernel: its runner, its reference, its mode.")
        out.append(f"pub type Case{ty.upper()} = (")
        out.append(f"    &'static str,")
        out.append(f"    fn(ArrayViewD<'_, {ktype}>, {ktype}) -> ArrayD<{ktype}>,")
        out.append(f"    fn(Read<'_, {ktype}>, {ktype}) -> {ktype},")
        out.append(f"    Mode,")
        out.append(f");")
        out.append("")
        out.append(f"pub const CASES_{ty.upper()}: [Case{ty.upper()}; {len(rows)}] = [")
        for name, _, mode in rows:
            out.append(f"    (\"{name}\", |x, k| {name}(&x, k).unwrap(), {name}_ref, Mode::{mode}),")
        out.append("];")
        out.append("")
        out.append(f"/// Whether every generated `{ty}` kernel runs on lanes.")
        flags = " && ".join(f"{name}::SIMD" for name, _, _ in rows)
        out.append(f"pub const ALL_SIMD_{ty.upper()}: bool = {flags};")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
