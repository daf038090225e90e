#!/usr/bin/env bash
# Create .venv-nt: neural-tangents 0.6.5 in its own environment, for the side-by-side columns of
# the benchmarks (never a dependency of ntksym). neural-tangents needs an old stack (numpy < 2,
# JAX 0.4, tensorflow), so it lives apart and the benchmarks call it as a subprocess
# (benchmarks/nt_runner.py). About 40 s and 2.1 GB on Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-nt
.venv-nt/bin/pip install -q "neural-tangents==0.6.5" "jax[cpu]==0.4.23" "jaxlib==0.4.23" \
    "numpy<2" "scipy<1.13" "tensorflow==2.15.1" "tf2jax==0.3.5"
.venv-nt/bin/python -c "import neural_tangents, jax; print('neural-tangents', neural_tangents.__version__, 'jax', jax.__version__)"
