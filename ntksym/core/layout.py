r"""Paper-ready layout of long equations: named intermediate quantities and line breaks.

A closed form of a deep network is far wider than a page. A paper names the quantities it
reuses (an angle :math:`\theta`, a product :math:`P = q_1 q_2`) and breaks what is still long
over several lines. :func:`equation_rows` does both for one equation ``lhs = expr`` and returns
the rows of an ``align*`` environment (amsmath only):

* a sum is packed term by term into lines no wider than :data:`MAX_WIDTH`; a continuation line
  starts with ``&\quad +``;
* a wide product with a sum inside, such as :math:`\frac{1}{2\pi}(a + b + \dots)`, is broken
  inside its parentheses (``\bigl(`` ... ``\bigr)``, which may span lines);
* anything else that is still too wide is given a name (:math:`A`, :math:`B`, ... with the
  caller's subscript), defined on its own rows before the equation.

Widths are estimated from the LaTeX source (:func:`width`, in units of about one average math
character); the tests compile the documents with pdflatex and check that no line overflows.
Every object's ``_latex`` method uses this module through its printer, so ``sympy.latex(obj)``
and ``nk.latex(obj)`` agree.
"""
from __future__ import annotations

import re

import sympy as sp

__all__ = ["MAX_WIDTH", "width", "equation_rows", "name_quantities", "align", "Names"]

#: Estimated width of a display line (10pt article, A4 portrait, 2 cm margins), in the units of
#: :func:`width`; calibrated against pdflatex with a margin.
MAX_WIDTH = 58.0

_CMD = re.compile(r"\\([A-Za-z]+)\s*")
_ZERO = {"left", "right", "displaystyle", "mathrm", "operatorname", "mathbf", "mathbb",
         "mathcal", "bigl", "bigr", "Bigl", "Bigr", "quad", "qquad", "limits", "text", "dot",
         "hat", "bar", "tilde", "begin", "end", "smallmatrix"}
_OPS = {"+": 2.0, "-": 2.0, "=": 2.2, "<": 2.0, ">": 2.0, ",": 0.6, "(": 0.6, ")": 0.6,
        "[": 0.6, "]": 0.6, "|": 0.5, "'": 0.4, ".": 0.5, "&": 0.0, " ": 0.0}


def _group(s, i):
    """The brace group starting at s[i] == '{': (content, index after it)."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
            depth += 1
        elif s[j] == "}" and s[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def width(tex):
    """Estimated printed width of a LaTeX math string (about one unit per average character)."""
    w, i, n = 0.0, 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch == "\\":
            m = _CMD.match(tex, i)
            if m is None:                       # \, \; \! \{ \} \\ ...
                nxt = tex[i + 1:i + 2]
                w += {",": 0.3, ";": 0.5, "!": -0.2, "{": 0.6, "}": 0.6, " ": 0.4}.get(nxt, 0.0)
                i += 2
                continue
            name = m.group(1)
            i = m.end()
            if name in ("frac", "dfrac", "tfrac"):
                a, i = _group(tex, i) if i < n and tex[i] == "{" else ("", i)
                b, i = _group(tex, i) if i < n and tex[i] == "{" else ("", i)
                scale = 1.0 if name == "dfrac" else 1.0
                w += scale * max(width(a), width(b)) + 0.6
            elif name == "sqrt":
                if i < n and tex[i] == "[":
                    j = tex.index("]", i)
                    w += 0.5 * width(tex[i + 1:j])
                    i = j + 1
                a, i = _group(tex, i) if i < n and tex[i] == "{" else ("", i)
                w += width(a) + 1.2
            elif name in ("operatorname", "mathrm", "text", "mathbf", "mathbb", "mathcal"):
                a, i = _group(tex, i) if i < n and tex[i] == "{" else ("", i)
                w += width(a) if name not in ("operatorname", "mathrm", "text") else \
                    0.8 * len(a) + 0.4
            elif name in ("begin", "end"):
                _, i = _group(tex, i) if i < n and tex[i] == "{" else ("", i)
            elif name in _ZERO:
                pass
            elif name in ("cdot", "times", "sim", "approx", "le", "ge", "leq", "geq", "in",
                          "to", "mapsto", "coloneqq"):
                w += 2.0
            elif name in ("sin", "cos", "tan", "log", "exp", "max", "min", "arg"):
                w += 0.8 * len(name) + 0.3
            else:                               # a Greek letter or a symbol
                w += 1.1
            continue
        if ch in "^_":
            i += 1
            if i < n and tex[i] == "{":
                a, i = _group(tex, i)
            else:
                a, i = tex[i:i + 1], i + 1
            w += 0.7 * width(a)
            continue
        if ch in "{}":
            i += 1
            continue
        w += _OPS.get(ch, 1.0)
        i += 1
    return w


class Names:
    """A supply of names for abbreviated subexpressions: ``A_l, B_l, ...`` (``sub`` is the
    subscript, e.g. the layer index), and the quantities a paper names by their meaning."""

    LETTERS = "ABCDEFGHJKMNRSTUVW"

    def __init__(self, sub=None, taken=()):
        self.sub = sub
        self.used = set(taken)
        self._next = 0

    def symbol(self, base):
        name = base if self.sub is None else "%s_{%s}" % (base, self.sub)
        self.used.add(name)
        return sp.Symbol(name, real=True)

    def fresh(self):
        while True:
            letter = self.LETTERS[self._next % len(self.LETTERS)]
            suffix = "" if self._next < len(self.LETTERS) else str(self._next // len(self.LETTERS))
            self._next += 1
            name = letter + suffix if self.sub is None else "%s%s_{%s}" % (letter, suffix,
                                                                           self.sub)
            if name not in self.used:
                self.used.add(name)
                return sp.Symbol(name, real=True)


def _terms(p, expr):
    """The printed terms of a sum, with their signs: [(sign, tex)], as SymPy orders them."""
    out = []
    for i, term in enumerate(p._as_ordered_terms(expr, order=None)):
        sign = "+"
        if i > 0 and term.could_extract_minus_sign():
            sign, term = "-", -term
        tex = p._print(term)
        if p._needs_add_brackets(term):
            tex = r"\left(%s\right)" % tex
        out.append((sign, term, tex))
    return out


def _split_product(expr):
    """(prefix factor, the sum inside) for a product c * (a + b + ...) or (a + b + ...) / d."""
    if isinstance(expr, sp.Mul):
        num, den = sp.fraction(expr, exact=True)
        adds = [f for f in sp.Mul.make_args(num) if isinstance(f, sp.Add)]
        if len(adds) == 1:
            rest = sp.Mul(*[f for f in sp.Mul.make_args(num) if f is not adds[0]]) / den
            return rest, adds[0]
    return None


def _abbreviate(p, expr, names, room, defs):
    """Replace the widest subexpression that fits in ``room`` by a new name (recorded in
    ``defs``); returns the new expression, or None if nothing can be named."""
    best, best_w = None, -1.0
    for sub in sp.preorder_traversal(expr):
        if sub is expr or sub.is_Atom or not isinstance(sub, sp.Expr) or not sub.free_symbols:
            continue
        if isinstance(sub, sp.Mul) and sub.args[0] == -1:
            continue
        w = width(p._print(sub))
        if best_w < w <= room and w > 4.0:
            best, best_w = sub, w
    if best is None:
        return None
    name = names.fresh()
    defs.append((name, best))
    return expr.xreplace({best: name})


def _lines(p, expr, names, first_room, room, defs, depth=0):
    """The right-hand side of an equation as a list of lines (the first has ``first_room``)."""
    tex = p._print(expr)
    if width(tex) <= first_room or depth > 12:
        return [tex]
    if isinstance(expr, sp.Add):
        lines, cur, cur_w, limit = [], "", 0.0, first_room
        for k, (sign, term, ttex) in enumerate(_terms(p, expr)):
            glue = "" if k == 0 else " %s " % sign
            sub = [ttex]
            if width(glue + ttex) > room:
                sub = _lines(p, term, names, room - 2.5, room - 2.5, defs, depth + 1)
            if len(sub) == 1:
                w = width(glue + sub[0])
                if cur and cur_w + w > limit:
                    lines.append(cur)
                    cur, cur_w, limit = "", 0.0, room
                cur += glue + sub[0]
                cur_w += w
                continue
            if cur:
                lines.append(cur)
            lines.append(glue + sub[0])
            lines.extend(sub[1:-1])
            cur, limit = sub[-1], room
            cur_w = width(cur)
        if cur:
            lines.append(cur)
        return lines
    split = _split_product(expr)
    if split is not None:
        rest, inner = split
        neg = rest.could_extract_minus_sign()
        pre = p._print(-rest if neg else rest) if rest != 1 and rest != -1 else ""
        if pre and isinstance(rest, sp.Add):
            pre = r"\left(%s\right)" % pre
        pre = ("- " if neg else "") + pre
        if width(pre) < 0.5 * first_room:
            body = _lines(p, inner, names, first_room - width(pre) - 2, room - 3, defs,
                          depth + 1)
            body[0] = pre + r" \Bigl(" + body[0]
            body[-1] = body[-1] + r"\Bigr)"
            return body
    new = _abbreviate(p, expr, names, 0.9 * room, defs)
    if new is None:
        return [tex]
    return _lines(p, new, names, first_room, room, defs, depth + 1)


def equation_rows(printer, lhs, expr, names=None, max_width=MAX_WIDTH):
    r"""The ``align*`` rows (without the trailing ``\\\\``) of ``lhs = expr``, broken to fit.

    ``lhs`` is LaTeX; ``expr`` a SymPy expression printed with ``printer``. Subexpressions that
    must be named to fit are defined first, as rows of their own (``names`` supplies the names:
    a :class:`Names`). Returns a list of strings; a continuation line starts with ``&\quad``.
    """
    names = names if names is not None else Names()
    defs = []
    lw = width(lhs) + 2.5
    room = max_width - 4.0
    lines = _lines(printer, expr, names, max_width - lw, room, defs)
    rows = []
    k = 0
    while k < len(defs):                      # definitions may need names themselves
        name, sub = defs[k]
        sub_lines = _lines(printer, sub, names, max_width - width(printer._print(name)) - 2.5,
                           room, defs)
        rows.append((name, sub_lines))
        k += 1
    out = []
    for name, sub_lines in reversed(rows):    # a name is defined before it is used
        out.extend(_join(printer._print(name), sub_lines))
    out.extend(_join(lhs, lines))
    return out


def _join(lhs, lines):
    rows = ["%s &= %s" % (lhs, lines[0])]
    for line in lines[1:]:
        line = line.strip()
        if not line.startswith(("+", "-")):
            line = "+ " + line if not line.startswith("\\Bigr") else line
        rows.append(r"&\quad %s" % line)
    return rows


def _sqrt_base(e):
    return e.base if (e.is_Pow and e.exp.is_Rational and e.exp.q == 2
                      and isinstance(e.base, sp.Add)) else None


def name_quantities(printer, exprs, names, max_width=MAX_WIDTH):
    r"""Name the quantities a paper would: a square root of a sum that occurs more than once
    (:math:`D`, with its powers), and each angle ``atan2(y, x)`` (:math:`\theta`).

    Returns ``(exprs, rows)``: the expressions in the new names and the ``align*`` rows that
    define them (each broken to fit).
    """
    exprs = [e for e in exprs]
    defs = []
    count = {}
    for e in exprs:
        if e is None:
            continue
        for sub in sp.preorder_traversal(e):
            b = _sqrt_base(sub) if isinstance(sub, sp.Expr) else None
            if b is not None:
                count[b] = count.get(b, 0) + 1
    roots = [b for b, n in count.items() if n >= 2 and width(printer._print(b)) > 6]
    for k, base in enumerate(sorted(roots, key=sp.default_sort_key)):
        D = names.symbol("D") if k == 0 and "D" not in str(names.used) else names.fresh()
        D = sp.Symbol(D.name, positive=True)
        defs.append((D, sp.sqrt(base)))

        def swap(e, base=base, D=D):
            if e is None:
                return None
            e = e.replace(lambda t: t.is_Pow and t.base == base and t.exp.is_Rational,
                          lambda t: D ** (2 * t.exp))
            return e.xreplace({base: D ** 2}) if e.has(base) else e
        exprs = [swap(e) for e in exprs]
    angles = []
    for e in exprs:
        if e is not None:
            angles.extend(a for a in e.atoms(sp.atan2) if a not in angles)
    for k, a in enumerate(sorted(angles, key=sp.default_sort_key)):
        th = names.symbol(r"\theta") if k == 0 else names.fresh()
        defs.append((th, a))
        exprs = [None if e is None else e.xreplace({a: th}) for e in exprs]
    rows = []
    for sym, value in defs:
        rows.extend(equation_rows(printer, printer._print(sym), value, names, max_width))
    return exprs, rows


def align(items):
    """An ``align*`` environment from items ``("row", tex)`` (an equation row with ``&``) and
    ``("text", tex)`` (a line of prose, set with ``\\intertext``)."""
    out = [r"\begin{align*}"]
    for k, (kind, body) in enumerate(items):
        last = k == len(items) - 1
        if kind == "text":
            out.append(r"\intertext{%s}" % body)
        else:
            nxt_text = not last and items[k + 1][0] == "text"
            out.append(body + ("" if last else r" \\"))
            del nxt_text
    out.append(r"\end{align*}")
    return "\n".join(out)
