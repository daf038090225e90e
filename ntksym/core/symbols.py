"""The canonical SymPy symbols shared by every ntksym module.

``x`` is the activation's variable. ``q1``, ``q2`` are the variances and ``c`` the covariance of
the Gaussian pair (u, v) in a dual activation E[phi(u) phi(v)]. ``xx``, ``yy`` and ``xy`` stand for
|x|^2/d, |x'|^2/d and <x, x'>/d, the inputs of a network kernel.

The variances are declared positive: closed forms are derived for q > 0, and the degenerate case
q = 0 (a point variance) is handled separately by the numeric layer as
E[phi(0) phi(v)] = phi(0) E[phi(v)].
"""
import sympy as sp

x = sp.Symbol("x", real=True)
q1 = sp.Symbol("q1", positive=True)
q2 = sp.Symbol("q2", positive=True)
c = sp.Symbol("c", real=True)
rho = sp.Symbol("rho", real=True)

xx = sp.Symbol("xx", positive=True)
yy = sp.Symbol("yy", positive=True)
xy = sp.Symbol("xy", real=True)

__all__ = ["x", "q1", "q2", "c", "rho", "xx", "yy", "xy"]
