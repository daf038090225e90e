"""Theory: polynomial activations, exact ranks, rigorous positivity certificates."""
