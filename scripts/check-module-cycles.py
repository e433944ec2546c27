#!/usr/bin/env python3
"""Report module import circles inside each crate; exit 1 when there is one, 0 otherwise.

Within a crate a module is a file under src/ (src/a.rs or src/a/mod.rs is `a`, src/a/b.rs is `a::b`);
lib.rs/main.rs are the root and stay out of the graph, as do src/bin/ and #[cfg(test)] modules.
Module A depends on B when A's code (without comments, string literals and #[cfg(test)] items) names
a path that resolves to B or something in it: `use crate::b::..`, `crate::b::x`, `super::..`,
`self::..`, a child or imported module name, grouped `use` trees. A path resolves to its longest prefix
that is an existing module (following `use .. as ..` aliases of modules). Not dependencies: a parent's
`mod x;` and `pub use x::..` re-exports of its own descendants (unless the parent's code uses a
re-exported name); and a module's dependency on its parent (or an ancestor) counts only when that
ancestor really uses the module. Every strongly connected component of more than one module is
reported with concrete cycles and the line behind each step.

Usage: scripts/check-module-cycles.py [CRATE_DIR | WORKSPACE_DIR ...]   (default: this workspace)
"""

from __future__ import annotations

import re
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

Mod = tuple[str, ...]

TOKEN_RE = re.compile(
    r"""
      (?P<lc>//[^\n]*)
    | (?P<bc>/\*)
    | (?P<raw>(?:br|cr|r)(?P<hashes>\#*)")
    | (?P<str>[bc]?")
    | (?P<chr>b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]*\}|.)|[^\\'\n])')
    | (?P<life>'[A-Za-z_][A-Za-z0-9_]*)
    | (?P<id>r\#[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*)
    | (?P<num>[0-9][0-9A-Za-z_]*(?:\.[0-9][0-9A-Za-z_]*)?)
    | (?P<path>::)
    | (?P<ws>\s+)
    | (?P<p>.)
    """,
    re.X | re.S,
)
EOF = ("eof", "", 0)
ITEM_KEYWORDS = {"struct", "enum", "union", "trait", "type", "fn", "const", "static", "mod"}
QUALIFIERS = {"async", "unsafe", "const", "extern", "default", "safe"}


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, line) tokens; comments, strings and whitespace dropped."""
    toks: list[tuple[str, str, int]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        m = TOKEN_RE.match(text, i)
        kind, start = m.lastgroup, line
        if kind == "bc":
            depth, j = 1, m.end()
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
        elif kind == "raw":
            close = '"' + m.group("hashes")
            j = text.find(close, m.end())
            j = n if j < 0 else j + len(close)
        elif kind == "str":
            j = m.end()
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            j = m.end()
        line += text.count("\n", i, j)
        if kind in ("raw", "str", "chr", "num"):
            toks.append(("lit", "", start))
        elif kind == "id":
            toks.append(("id", m.group()[2:] if m.group().startswith("r#") else m.group(), start))
        elif kind in ("life", "path", "p"):
            toks.append((kind, m.group(), start))
        i = j
    return toks + [EOF] * 8


def match_close(toks, k: int) -> int:
    """Index of the bracket closing the one at k (or the last token)."""
    depth = 0
    for j in range(k, len(toks)):
        v = toks[j][1] if toks[j][0] == "p" else ""
        if v in "([{" and v:
            depth += 1
        elif v in ")]}" and v:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def is_cfg_test(toks, k: int, inner: bool = False) -> bool:
    want = ["#", "!"] if inner else ["#"]
    want += ["[", "cfg", "(", "test", ")", "]"]
    return [t[1] for t in toks[k : k + len(want)]] == want


def skip_visibility(toks, k: int) -> tuple[int, bool]:
    """Index after an optional visibility at k, and whether it makes the item visible outside."""
    if toks[k][:2] != ("id", "pub"):
        return k, False
    if toks[k + 1][1] == "(" and toks[k + 1][0] == "p":
        close = match_close(toks, k + 1)
        return close + 1, [t[1] for t in toks[k + 2 : close]] != ["self"]
    return k + 1, True


def drop_test_items(toks):
    """Tokens without #[cfg(test)] items, names of `#[cfg(test)] mod x;` children, whether all is test."""
    k = 0
    while toks[k][1] == "#" and toks[k + 1][1] == "!":  # the file's inner attributes
        if is_cfg_test(toks, k, inner=True):
            return [EOF] * 8, set(), True
        k = match_close(toks, k + 2) + 1
    out, test_children, i = [], set(), 0
    while toks[i] is not EOF:
        if not is_cfg_test(toks, i):
            out.append(toks[i])
            i += 1
            continue
        j = i + 7
        while toks[j][1] == "#" and toks[j + 1][1] == "[":
            j = match_close(toks, j + 1) + 1
        k, _ = skip_visibility(toks, j)
        if toks[k][1] == "mod" and toks[k + 1][0] == "id" and toks[k + 2][1] == ";":
            test_children.add(toks[k + 1][1])
        depth = 0
        while j < len(toks) and toks[j] is not EOF:
            v = toks[j][1] if toks[j][0] == "p" else ""
            if v == "{" and depth == 0:
                j = match_close(toks, j) + 1
                break
            if v == ";" and depth == 0:
                j += 1
                break
            if v == "}" and depth == 0:
                break
            depth += (v in "([{" and v != "") - (v in ")]}" and v != "")
            j += 1
        i = max(j, i + 1)
    return out + [EOF] * 8, test_children, False


@dataclass
class UseLeaf:
    scope: Mod  # the (possibly inline) module the `use` is written in
    segs: list[str]
    glob: bool
    binding: str | None
    public: bool
    line: int


@dataclass
class ModFile:
    mod: Mod
    path: Path
    lines: list[str]
    is_test: bool = False
    test_children: set[str] = field(default_factory=set)
    uses: list[UseLeaf] = field(default_factory=list)
    paths: list[tuple[Mod, list[str], int]] = field(default_factory=list)
    names: list[tuple[str, str, str, int]] = field(default_factory=list)  # ident, prev, next, line
    items: set[str] = field(default_factory=set)
    pub_items: set[str] = field(default_factory=set)


def parse_use_tree(toks, k: int, prefix: list[str], out: list) -> int:
    segs = list(prefix)
    if toks[k][0] == "path":
        segs, k = ["::"], k + 1
    while True:
        kind, val, _ = toks[k]
        if val == "{" and kind == "p":
            k += 1
            while toks[k] is not EOF and toks[k][1] != "}":
                k = parse_use_tree(toks, k, segs, out)
                if toks[k][1] == ",":
                    k += 1
                elif toks[k][1] != "}":
                    return k
            return k + 1
        if (kind, val) == ("p", "$") and toks[k + 1][1] == "crate":  # `use $crate::..` in a macro
            k += 1
            continue
        if val == "*" and kind == "p":
            out.append((segs, True, None))
            return k + 1
        if kind != "id":
            return k
        segs.append(val)
        k += 1
        if toks[k][0] == "path":
            k += 1
            continue
        alias = None
        if toks[k][:2] == ("id", "as"):
            alias, k = toks[k + 1][1], k + 2
        if segs[-1] == "self" and len(segs) > 1:
            segs.pop()
        out.append((segs, False, alias or segs[-1]))
        return k


def parse_file(mf: ModFile, text: str) -> None:
    toks, mf.test_children, mf.is_test = drop_test_items(tokenize(text))
    depth, scope, i = 0, [], 0  # scope: stack of (inline module name, depth at its opening)
    while toks[i] is not EOF:
        logical = mf.mod + tuple(name for name, _ in scope)
        j, public = skip_visibility(toks, i)
        kind, val, line = toks[j]
        if (kind, val) == ("id", "use"):
            leaves: list = []
            k = parse_use_tree(toks, j + 1, [], leaves)
            for segs, glob, binding in leaves:
                mf.uses.append(UseLeaf(logical, segs, glob, binding, public, line))
                if binding and logical == mf.mod:  # imported names count as the module's items
                    mf.items.add(binding)
                    if public:
                        mf.pub_items.add(binding)
            while toks[k] is not EOF and toks[k][1] != ";":
                k += 1
            i = k + 1
            continue
        if (kind, val) == ("id", "mod") and toks[j + 1][0] == "id":
            if not scope and depth == 0:
                mf.items.add(toks[j + 1][1])
            if toks[j + 2][1] == ";":
                i = j + 3
                continue
            if toks[j + 2][1] == "{":
                scope.append((toks[j + 1][1], depth))
                depth += 1
                i = j + 3
                continue
        if depth == 0 and not scope:
            k = j
            while toks[k][0] == "id" and toks[k][1] in QUALIFIERS and toks[k + 1][1] != "=":
                if toks[k][1] == "const" and toks[k + 1][0] == "id":
                    if toks[k + 1][1] not in QUALIFIERS | {"fn"}:  # `const NAME`, not `const fn`
                        break
                k += 2 if toks[k][1] == "extern" and toks[k + 1][0] == "lit" else 1
            if toks[k][0] == "id" and toks[k][1] in ITEM_KEYWORDS:
                name = toks[k + 2] if toks[k + 1][1] == "mut" else toks[k + 1]
                if name[0] == "id":
                    mf.items.add(name[1])
                    if public:
                        mf.pub_items.add(name[1])
        i = j  # continue after any visibility, which names no dependency
        kind, val, line = toks[i]
        prev = toks[i - 1][1] if i else ""
        if kind == "p" and val == "{":
            depth += 1
        elif kind == "p" and val == "}":
            depth -= 1
            if scope and scope[-1][1] == depth:
                scope.pop()
        elif kind == "id":
            mf.names.append((val, prev, toks[i + 1][1], line))
            if toks[i + 1][0] == "path" and toks[i + 2][0] == "id" and prev not in ("::", "."):
                segs, k = [val], i + 1
                while toks[k][0] == "path" and toks[k + 1][0] == "id":
                    segs.append(toks[k + 1][1])
                    k += 2
                mf.paths.append((logical, segs, line))
        i += 1


class Crate:
    def __init__(self, root: Path):
        self.root = root
        self.files: dict[Mod, ModFile] = {}
        src = root / "src"
        for path in sorted(src.rglob("*.rs")):
            rel = path.relative_to(src).with_suffix("").parts
            if rel[0] == "bin":
                continue
            mod: Mod = rel[:-1] if rel[-1] == "mod" else rel
            if mod in (("lib",), ("main",)):
                mod = ()
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:  # removed while we were reading the tree
                continue
            mf = ModFile(mod, path, text.splitlines())
            parse_file(mf, text)
            if mod in self.files:  # lib.rs and main.rs: merge into the one root
                self.files[mod].uses += mf.uses
            else:
                self.files[mod] = mf
        self.modules = set(self.files)
        self.aliases: dict[tuple[Mod, str], Mod] = {}
        self.globs: dict[Mod, list[Mod]] = {}
        for _ in range(10):  # aliases may name aliases: resolve until nothing changes
            before = (dict(self.aliases), {k: list(v) for k, v in self.globs.items()})
            self.globs = {}
            for mf in self.files.values():
                for u in mf.uses:
                    target, exact = self.resolve(u.scope, u.segs)
                    if target is None or not exact:
                        continue
                    if u.glob:
                        self.globs.setdefault(u.scope, []).append(target)
                    elif u.binding != "_" and u.scope + (u.binding,) != target:
                        self.aliases[(u.scope, u.binding)] = target
            if before == (self.aliases, self.globs):
                break
        test_roots = {mf.mod + (c,) for mf in self.files.values() for c in mf.test_children}
        test_roots |= {mf.mod for mf in self.files.values() if mf.is_test}
        self.nodes = {m for m in self.modules if m and not any(m[: len(t)] == t for t in test_roots)}

    def step(self, cur: Mod, name: str) -> Mod | None:
        if cur + (name,) in self.modules:
            return cur + (name,)
        return self.aliases.get((cur, name))

    def resolve(self, scope: Mod, segs: list[str]) -> tuple[Mod | None, bool]:
        """The longest module prefix of the path written in `scope`, and whether it is the whole path."""
        first, rest = segs[0], segs[1:]
        if first == "crate":
            cur: Mod | None = ()
        elif first == "super":
            cur = scope[:-1] if scope else None
        elif first == "self":
            cur = scope
        else:
            cur = self.step(scope, first)
            for g in self.globs.get(scope, []):  # names brought in by `use some::module::*`
                cur = cur or self.step(g, first)
        if cur is None:
            return None, False
        for s in rest:
            if s in ("super", "self"):
                if s == "super" and not cur:
                    return None, False
                cur = cur[:-1] if s == "super" else cur
                continue
            nxt = self.step(cur, s)
            if nxt is None:
                return cur, False
            cur = nxt
        return cur, True

    def file_module(self, m: Mod) -> Mod:
        while m not in self.modules:
            m = m[:-1]
        return m

    def edges(self) -> dict[tuple[Mod, Mod], tuple[ModFile, int]]:
        """Real dependencies between graph modules, each with the first line that makes it."""
        real: dict[tuple[Mod, Mod], tuple[ModFile, int]] = {}

        def add(a: Mod, b: Mod | None, mf: ModFile, line: int) -> None:
            if b is None:
                return
            b = self.file_module(b)
            if a != b and a in self.nodes and b in self.nodes:
                old = real.get((a, b))
                if old is None or line < old[1]:
                    real[(a, b)] = (mf, line)

        for m, mf in self.files.items():
            for logical, segs, line in mf.paths:
                add(m, self.resolve(logical, segs)[0], mf, line)
            for u in mf.uses:
                target, exact = self.resolve(u.scope, u.segs)
                if target is None:
                    continue
                target = self.file_module(target)
                if not (u.public and is_below(target, m)):
                    add(m, target, mf, u.line)
                    continue
                # A re-export of a descendant: a dependency only if this module's code uses the names.
                if u.glob:
                    names = self.files[target].pub_items - mf.items if exact else set()
                else:
                    names = set() if exact or u.binding == "_" else {u.binding}
                for name, prev, nxt, line in mf.names:
                    if name in names and prev not in (".", "::") and nxt != ":":
                        if name[0].isupper() or nxt in ("(", "::", "!"):
                            add(m, target, mf, line)
        # A module's use of an ancestor counts only when that ancestor really uses the module.
        return {(a, b): ev for (a, b), ev in real.items() if not is_below(a, b) or (b, a) in real}


def is_below(m: Mod, ancestor: Mod) -> bool:
    return len(m) > len(ancestor) and m[: len(ancestor)] == ancestor


def name(m: Mod) -> str:
    return "::".join(m)


def reachable(graph: dict[Mod, set[Mod]], start: Mod) -> set[Mod]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def shortest_cycle(graph: dict[Mod, set[Mod]], start: Mod, within: set[Mod]) -> list[Mod]:
    back: dict[Mod, Mod] = {}
    todo = deque([start])
    while todo:
        cur = todo.popleft()
        for nxt in sorted(graph.get(cur, ())):
            if nxt not in within:
                continue
            if nxt == start:
                path = [cur]
                while path[-1] != start:
                    path.append(back[path[-1]])
                return path[::-1] + [start]
            if nxt not in back:
                back[nxt] = cur
                todo.append(nxt)
    return []


def check(crate: Crate, label: str) -> int:
    edges = crate.edges()
    graph: dict[Mod, set[Mod]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    reach = {m: reachable(graph, m) for m in sorted(crate.nodes)}
    components, done = [], set()
    for m in sorted(crate.nodes):
        if m in done:
            continue
        comp = {o for o in reach[m] if m in reach[o]}
        done |= comp
        if len(comp) > 1:
            components.append(sorted(comp))
    for comp in components:
        print(f"{label}: module circle among {', '.join(name(m) for m in comp)}")
        cycles, steps = [], []
        for m in comp:
            cyc = shortest_cycle(graph, m, set(comp))[:-1]
            low = cyc.index(min(cyc))
            cyc = cyc[low:] + cyc[:low]
            if cyc not in cycles:
                cycles.append(cyc)
        for cyc in cycles:
            print("    " + " -> ".join(name(m) for m in cyc + cyc[:1]))
            steps += [s for s in zip(cyc, cyc[1:] + cyc[:1]) if s not in steps]
        for a, b in steps:
            mf, line = edges[(a, b)]
            where = f"{mf.path.relative_to(crate.root)}:{line}"
            print(f"      {name(a)} -> {name(b)}  {where}: {mf.lines[line - 1].strip()[:100]}")
    return len(components)


def crate_dirs(args: list[str]) -> list[Path]:
    roots = [Path(a) for a in args] or [Path(__file__).resolve().parent.parent]
    dirs = []
    for root in roots:
        if (root / "src").is_dir():
            dirs.append(root)
        elif (root / "crates").is_dir():
            dirs += sorted(p for p in (root / "crates").iterdir() if (p / "src").is_dir())
        else:
            print(f"check-module-cycles: {root} is neither a crate (src/) nor a workspace (crates/*/src)",
                  file=sys.stderr)
            sys.exit(2)
    return dirs


def main() -> int:
    dirs = crate_dirs(sys.argv[1:])
    circles, modules = 0, 0
    for d in dirs:
        crate = Crate(d)
        modules += len(crate.nodes)
        d = d.resolve()
        inside = d.is_relative_to(Path.cwd()) and d != Path.cwd()
        label = str(d.relative_to(Path.cwd())) if inside else str(d)
        circles += check(crate, label)
    if circles:
        print(f"{circles} module circle(s) found")
        return 1
    print(f"no module circles ({len(dirs)} crates, {modules} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
